package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/report"
)

// Network tables (/tavoli): meetings with the services, cases by pseudonym,
// decisions, follow-ups, the minutes as PDF.

type tablesData struct {
	Tables    []domain.NetworkTable
	Provinces []domain.Province
	Form      url.Values
}

func (s *Server) tablesData(r *http.Request) (tablesData, error) {
	d := tablesData{Form: url.Values{}}
	var err error
	if d.Tables, err = s.Tables.ListTables(r.Context()); err != nil {
		return d, err
	}
	if a, _ := domain.ActorFromContext(r.Context()); a.RegionWide() {
		d.Provinces, err = s.Territory.ListProvinces(r.Context())
	}
	return d, err
}

func (s *Server) handleTables(w http.ResponseWriter, r *http.Request) {
	d, err := s.tablesData(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tables", s.view(r, d))
}

func (s *Server) handleTableCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	t := domain.NetworkTable{Title: strings.TrimSpace(r.PostFormValue("title")), HeldOn: formDate(r, "held_on"),
		Place: r.PostFormValue("place"), Province: r.PostFormValue("province"),
		Participants: strings.FieldsFunc(r.PostFormValue("participants"), func(c rune) bool { return c == '\n' || c == '\r' })}
	if err := s.Tables.CreateTable(r.Context(), &t); err != nil {
		d, derr := s.tablesData(r)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		d.Form = r.PostForm
		s.formError(w, r, "tables", d, err)
		return
	}
	s.flash(r, s.t(r, "cases.saved"))
	http.Redirect(w, r, "/tavoli/"+url.PathEscape(t.ID), http.StatusSeeOther)
}

type tableData struct {
	Table domain.NetworkTable
	Open  []domain.CaseSummary // cases that may be put on the agenda
}

func (s *Server) tableData(r *http.Request) (tableData, error) {
	var d tableData
	var err error
	if d.Table, err = s.Tables.GetTable(r.Context(), r.PathValue("id")); err != nil {
		return d, err
	}
	list, err := s.Cases.ListCases(r.Context())
	if err != nil {
		return d, err
	}
	for _, c := range list {
		if c.Province == d.Table.Province {
			d.Open = append(d.Open, c)
		}
	}
	return d, nil
}

func (s *Server) handleTable(w http.ResponseWriter, r *http.Request) {
	d, err := s.tableData(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "table", s.view(r, d))
}

func (s *Server) tableStep(w http.ResponseWriter, r *http.Request, step func() error) {
	r.Body = http.MaxBytesReader(w, r.Body, 128<<10)
	if err := step(); err != nil {
		code := domain.ErrorCode(err)
		if code != domain.EINVALID && code != domain.ECONFLICT {
			s.Error(w, r, err)
			return
		}
		d, derr := s.tableData(r)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		s.formError(w, r, "table", d, err)
		return
	}
	s.flash(r, s.t(r, "cases.saved"))
	http.Redirect(w, r, "/tavoli/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

func (s *Server) handleTableCase(w http.ResponseWriter, r *http.Request) {
	s.tableStep(w, r, func() error { return s.Tables.DiscussCase(r.Context(), r.PathValue("id"), r.PostFormValue("case_id")) })
}

func (s *Server) handleTableDecisions(w http.ResponseWriter, r *http.Request) {
	s.tableStep(w, r, func() error {
		return s.Tables.SetDecisions(r.Context(), r.PathValue("id"), r.PostFormValue("decisions"))
	})
}

func (s *Server) handleTableFollowUp(w http.ResponseWriter, r *http.Request) {
	s.tableStep(w, r, func() error {
		f := domain.FollowUp{Text: r.PostFormValue("text"), Owner: r.PostFormValue("owner"), Due: formDate(r, "due"),
			CaseID: r.PostFormValue("case_id")}
		return s.Tables.AddFollowUp(r.Context(), r.PathValue("id"), &f)
	})
}

func (s *Server) handleTableFollowUpDone(w http.ResponseWriter, r *http.Request) {
	s.tableStep(w, r, func() error {
		return s.Tables.CompleteFollowUp(r.Context(), r.PathValue("id"), r.PathValue("followup"))
	})
}

// handleTableMinutes sends the minutes as a PDF (Italian, as the office's
// records are); cases appear by pseudonym only.
func (s *Server) handleTableMinutes(w http.ResponseWriter, r *http.Request) {
	t, err := s.Tables.GetTable(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	name := t.Province
	if p, err := s.Territory.FindProvince(r.Context(), t.Province); err == nil {
		name = p.Name
	}
	var buf bytes.Buffer
	if err := report.WriteTableMinutes(&buf, t, name, time.Now()); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Cache-Control", "no-store")
	setAttachment(w, "verbale-tavolo-"+t.HeldOn.UTC().Format("20060102")+".pdf")
	_, _ = buf.WriteTo(w)
}
