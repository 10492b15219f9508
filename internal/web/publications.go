package web

import (
	"net/http"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// The coordinator's side of the public site: drafts, their preview with the
// raw value and rule beside every protected cell, and publishing with a
// confirmation step.

type publicationsPage struct {
	List        []domain.Publication
	DefaultDate string
	Date, Note  string
}

func (s *Server) handlePublications(w http.ResponseWriter, r *http.Request) {
	list, err := s.Publications.List(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := domain.DefaultReferenceDate(time.Now())
	s.render(w, r, http.StatusOK, "publications", s.view(r, publicationsPage{List: list, DefaultDate: d, Date: d}))
}

func (s *Server) handlePublicationCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	date, note := r.PostFormValue("reference_date"), r.PostFormValue("note")
	p, err := s.Publications.CreateDraft(r.Context(), date, note)
	if err != nil {
		list, lerr := s.Publications.List(r.Context())
		if lerr != nil {
			s.Error(w, r, lerr)
			return
		}
		s.formError(w, r, "publications", publicationsPage{List: list, DefaultDate: domain.DefaultReferenceDate(time.Now()),
			Date: date, Note: note}, err)
		return
	}
	s.flash(r, s.t(r, "pubs.draft.done", "Date", p.ReferenceDate, "Version", p.Version))
	http.Redirect(w, r, "/pubblicazioni/"+p.ID, http.StatusSeeOther)
}

type publicationPage struct {
	Pub  domain.Publication
	Keys keyFigures
	Note string
}

func (s *Server) handlePublication(w http.ResponseWriter, r *http.Request) {
	p, err := s.Publications.Preview(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "publication", s.view(r, publicationPage{Pub: p, Keys: newKeyFigures(p.Tables), Note: p.Note}))
}

// handlePublicationPublish publishes a draft once the coordinator has ticked
// the confirmation under the preview.
func (s *Server) handlePublicationPublish(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	ctx := r.Context()
	id, note := r.PathValue("id"), r.PostFormValue("note")
	p, err := s.Publications.Preview(ctx, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if r.PostFormValue("confirm") != "1" {
		err = domain.Err(domain.EINVALID, "pubs.confirm.missing").WithFields(map[string]domain.FieldError{"confirm": domain.Field("pubs.confirm.missing")})
	} else {
		_, err = s.Publications.Publish(ctx, id, note)
	}
	if err != nil {
		s.formError(w, r, "publication", publicationPage{Pub: p, Keys: newKeyFigures(p.Tables), Note: note}, err)
		return
	}
	s.flash(r, s.t(r, "pubs.publish.done", "Date", p.ReferenceDate))
	http.Redirect(w, r, "/pubblicazioni/"+id, http.StatusSeeOther)
}
