package web

import (
	"net/http"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/sheet"
)

// The coordinator loads the SAI network's figures from a CSV (the template
// is /static/modelli/sai-esempio.csv): the whole file is checked, its errors
// shown by row and column, and nothing is stored until a valid file is
// confirmed; the load is then one transaction. The confirmation carries the
// checked file back (it is small: one row per project of the metro area), so
// no half-made import waits on the server.

type saiData struct {
	Date     string
	Loads    []domain.SAISummary
	Errors   []domain.CellError
	Preview  *domain.SAISummary
	Projects []domain.SAIProject
	CSV      string // the checked file, sent back on confirmation
}

func (s *Server) saiPage(w http.ResponseWriter, r *http.Request, status int, d saiData, errMsg string) {
	loads, err := s.SAI.List(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Loads = loads
	v := s.view(r, d)
	v.Error = errMsg
	s.render(w, r, status, "sai_import", v)
}

func (s *Server) handleSAIForm(w http.ResponseWriter, r *http.Request) {
	s.saiPage(w, r, http.StatusOK, saiData{}, "")
}

// metroComuni are the ISTAT codes a SAI project may name.
func (s *Server) metroComuni(r *http.Request) (map[string]bool, error) {
	cs, err := s.Territory.ListComuni(r.Context(), domain.ComuneFilter{ProvinceCode: domain.MetroProvince})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(cs))
	for _, c := range cs {
		out[c.Code] = true
	}
	return out, nil
}

// handleSAIUpload checks an uploaded file and shows its preview (multipart,
// "file"), or loads a checked file the coordinator confirmed ("csv").
func (s *Server) handleSAIUpload(w http.ResponseWriter, r *http.Request) {
	var data []byte
	confirm := !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/")
	if confirm {
		r.Body = http.MaxBytesReader(w, r.Body, sheet.MaxUploadBytes*2)
		data = []byte(r.PostFormValue("csv"))
	} else {
		var err error
		if data, _, err = s.uploadedFile(w, r); err != nil {
			s.uploadFailed(w, r, err, func(status int, msg string) { s.saiPage(w, r, status, saiData{}, msg) })
			return
		}
	}
	d := saiData{Date: r.PostFormValue("reference_date")}
	if !isoDate.MatchString(d.Date) {
		s.saiPage(w, r, http.StatusUnprocessableEntity, d, s.t(r, "sai.err.date"))
		return
	}
	rows, err := sheet.Read(data, "sai.csv")
	if err != nil {
		s.uploadFailed(w, r, err, func(status int, msg string) { s.saiPage(w, r, status, d, msg) })
		return
	}
	comuni, err := s.metroComuni(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	projects, errs := sheet.ParseSAI(rows, comuni)
	if len(errs) > 0 {
		d.Errors = errs
		s.saiPage(w, r, http.StatusUnprocessableEntity, d, s.t(r, "sai.errors", "N", len(errs)))
		return
	}
	if !confirm {
		sum := domain.SummarizeSAI(d.Date, projects, false)
		d.Preview, d.Projects, d.CSV = &sum, projects, string(data)
		s.saiPage(w, r, http.StatusOK, d, "")
		return
	}
	l, err := s.SAI.Load(r.Context(), d.Date, projects, false)
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.EINVALID || c == domain.ECONFLICT {
			s.saiPage(w, r, StatusOf(c), d, s.errText(r, err))
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "sai.loaded", "Projects", l.Summary.Projects, "Places", l.Summary.Total))
	http.Redirect(w, r, "/pubblicazioni/sai", http.StatusSeeOther)
}
