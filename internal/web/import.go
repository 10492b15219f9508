package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/sheet"
)

type importData struct {
	Plan   *domain.ImportPlan
	Errors int
}

func (s *Server) handleImportForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "import", s.view(r, importData{}))
}

// handleImportUpload reads the file whole (within limits), maps it and shows
// what would change; nothing is applied until the user confirms.
func (s *Server) handleImportUpload(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		v := s.view(r, importData{})
		v.Error = msg
		s.render(w, r, status, "import", v)
	}
	data, filename, err := s.uploadedFile(w, r)
	var rows [][]string
	if err == nil {
		rows, err = sheet.Read(data, filename)
	}
	if err == nil {
		var parsed []domain.ImportRow
		if parsed, err = sheet.ParseFacilities(rows); err == nil {
			var plan domain.ImportPlan
			if plan, err = s.Facilities.PlanFacilityImport(r.Context(), parsed); err == nil {
				s.Logger.Info("import: preview", "rows", len(plan.Rows), "request_id", RequestID(r.Context()))
				d := importData{Plan: &plan}
				for _, row := range plan.Rows {
					d.Errors += len(row.Errors)
				}
				s.render(w, r, http.StatusOK, "import", s.view(r, d))
				return
			}
		}
	}
	s.uploadFailed(w, r, err, fail)
}

// uploadError is a problem with the upload itself, told to the user.
type uploadError struct {
	status int
	msg    string
}

func (e *uploadError) Error() string { return e.msg }

// uploadedFile reads the form's "file" whole, within the upload limit.
func (s *Server) uploadedFile(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, sheet.MaxUploadBytes+64<<10)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", &uploadError{http.StatusRequestEntityTooLarge, s.t(r, "import.toolarge")}
		}
		return nil, "", &uploadError{http.StatusBadRequest, s.t(r, "import.nofile")}
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, sheet.MaxUploadBytes+1))
	if err != nil {
		return nil, "", &uploadError{http.StatusBadRequest, s.t(r, "import.nofile")}
	}
	return data, hdr.Filename, nil
}

// uploadedPeople reads an uploaded list of people (a facility's presence
// list, a plan's nominative list): the rows that parse and the cell errors.
func (s *Server) uploadedPeople(w http.ResponseWriter, r *http.Request) ([]domain.PresenceRow, []domain.CellError, error) {
	data, filename, err := s.uploadedFile(w, r)
	if err != nil {
		return nil, nil, err
	}
	rows, err := sheet.ReadPresence(data, filename)
	if err != nil {
		return nil, nil, err
	}
	return sheet.ParsePresence(rows)
}

// uploadFailed shows an upload's error on its form (fail) when it is the
// user's to fix — the upload, the file's format, a refused request — and as
// a server error otherwise.
func (s *Server) uploadFailed(w http.ResponseWriter, r *http.Request, err error, fail func(status int, msg string)) {
	var ue *uploadError
	var fe *sheet.FormatError
	switch c := domain.ErrorCode(err); {
	case errors.As(err, &ue):
		fail(ue.status, ue.msg)
	case errors.Is(err, sheet.ErrTooLarge):
		fail(http.StatusRequestEntityTooLarge, s.t(r, "import.toolarge"))
	case errors.As(err, &fe):
		fail(http.StatusUnprocessableEntity, s.I18n.For(i18n.FromRequest(r)).Msg(fe.MsgID, fe.Args))
	case c == domain.EINVALID || c == domain.ECONFLICT || c == domain.ENOTFOUND:
		fail(StatusOf(c), s.errText(r, err))
	default:
		s.Error(w, r, err)
	}
}

func (s *Server) handleImportApply(w http.ResponseWriter, r *http.Request) {
	done, err := s.Facilities.ApplyFacilityImport(r.Context(), r.PathValue("id"), r.PostFormValue("exclude") == "1")
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.EINVALID || c == domain.ECONFLICT {
			v := s.view(r, importData{})
			v.Error = s.errText(r, err)
			s.render(w, r, StatusOf(c), "import", v)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "import.applied", "Created", done["create"], "Updated", done["update"]))
	http.Redirect(w, r, "/strutture", http.StatusSeeOther)
}
