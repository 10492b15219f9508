package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/report"
)

// guestPageSize is how many people present /ospiti lists at once.
const guestPageSize = 200

type guestsData struct {
	Pager      Pager // set on a GET: the list's pages
	Present    []domain.PresentGuest
	Total      int                  // present guests matching the filter, shown or not
	Filter     domain.PresentFilter // ?struttura= in the URL; the name search only in a POST body
	Facilities []domain.Facility
	Stages     []domain.ProcedureStage
	Reasons    []string
	Now        string // the entry form's default: now, Italian clock (arrivals come at night too)
	// Nationalities are the codes with an Italian name, for the form's suggestions.
	Nationalities []string
}

func (s *Server) guestsData(r *http.Request) (guestsData, error) {
	ctx := r.Context()
	d := guestsData{Stages: domain.Stages, Reasons: domain.ExitReasons, Now: time.Now().In(rome).Format("2006-01-02T15:04"),
		Nationalities: domain.Nationalities()}
	// A page of a size a browser renders quickly; the filter finds the rest.
	// Names searched for travel in the body, never in the URL (history, logs).
	// Pages of the list are read in the query (?pagina=N, with the facility
	// in the URL); a search by name shows its first page only.
	d.Filter = domain.PresentFilter{Facility: r.FormValue("struttura"), Search: r.PostFormValue("cerca"), Limit: guestPageSize}
	paged := r.Method == http.MethodGet
	page := 1
	if paged {
		page = requestedPage(r)
		d.Filter.Offset = (page - 1) * guestPageSize
	}
	var err error
	pctx := domain.NewContextWithPurpose(ctx, "gestione")
	if d.Present, d.Total, err = s.Guests.SearchPresent(pctx, d.Filter); err != nil {
		return d, err
	}
	if paged {
		d.Pager = pageOf(r, d.Total, guestPageSize)
		if d.Pager.Page != page { // past the end: the last page
			d.Filter.Offset = (d.Pager.Page - 1) * guestPageSize
			if d.Present, d.Total, err = s.Guests.SearchPresent(pctx, d.Filter); err != nil {
				return d, err
			}
		}
	}
	a, _ := domain.ActorFromContext(ctx)
	d.Facilities, err = s.Facilities.ListFacilities(ctx, domain.FacilityFilter{ProvinceCode: a.ProvinceCode, GestoreID: a.GestoreID})
	return d, err
}

// handleGuests is the operator's registry page: who is present, one form to
// record an entry (a new guest and the facility), one click to record an exit.
func (s *Server) handleGuests(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10) // the search form, on POST
	d, err := s.guestsData(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "guests", s.view(r, d))
}

func (s *Server) handleEntry(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	ctx := r.Context()
	birth, errBirth := time.Parse("2006-01-02", r.PostFormValue("birth_date"))
	if year := strings.TrimSpace(r.PostFormValue("birth_year")); errBirth != nil && len(year) == 4 {
		birth, errBirth = time.Parse("2006-01-02", year+"-01-01") // only the year is known: estimated
	}
	entered, errEntered := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("entered_at"), rome)
	g := domain.Guest{CUI: strings.TrimSpace(r.PostFormValue("cui")), Surname: strings.TrimSpace(r.PostFormValue("surname")),
		GivenName: strings.TrimSpace(r.PostFormValue("given_name")), Sex: r.PostFormValue("sex"), BirthDate: birth,
		BirthEstimated: r.PostFormValue("birth_date") == "", Nationality: strings.ToUpper(strings.TrimSpace(r.PostFormValue("nationality"))),
		Stage: domain.ProcedureStage(r.PostFormValue("stage"))}
	fail := func(err error) {
		d, derr := s.guestsData(r)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		s.formError(w, r, "guests", d, err)
	}
	if errBirth != nil || errEntered != nil {
		fail(domain.Err(domain.EINVALID, "guests.dates"))
		return
	}
	if _, err := s.Guests.AdmitGuest(ctx, &g, r.PostFormValue("facility"), entered, r.PostFormValue("override")); err != nil {
		fail(err)
		return
	}
	s.flash(r, s.t(r, "guests.entered"))
	http.Redirect(w, r, registryURL(r.PostFormValue("facility")), http.StatusSeeOther)
}

func (s *Server) handleExit(w http.ResponseWriter, r *http.Request) {
	at, err := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("exited_at"), rome)
	if err != nil {
		at = time.Now()
	}
	if err := s.Guests.RecordExit(r.Context(), r.PathValue("id"), at, r.PostFormValue("reason")); err != nil {
		if c := domain.ErrorCode(err); c == domain.EINVALID {
			d, derr := s.guestsData(r)
			if derr != nil {
				s.Error(w, r, derr)
				return
			}
			s.formError(w, r, "guests", d, err)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "guests.exited"))
	http.Redirect(w, r, registryURL(r.PostFormValue("struttura")), http.StatusSeeOther)
}

// registryURL is the registry page showing one facility's guests (a
// facility code, never a person's data, in the URL).
func registryURL(facility string) string {
	if facility == "" {
		return "/ospiti"
	}
	return "/ospiti?struttura=" + url.QueryEscape(facility)
}

// handleGuestExport serves a guest's subject-access export (GDPR art. 15) as
// JSON or PDF, for the coordinator to hand to the person; the store logs it
// as a read with the purpose "richiesta dell'interessato". The file name
// carries the guest's id, never a name.
func (s *Server) handleGuestExport(w http.ResponseWriter, r *http.Request) {
	if s.GuestExport == nil {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	id := r.PathValue("id")
	exp, err := s.GuestExport(domain.NewContextWithPurpose(r.Context(), "richiesta_interessato"), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if strings.HasSuffix(r.URL.Path, ".pdf") {
		w.Header().Set("Content-Type", "application/pdf")
		setAttachment(w, "dati-ospite-"+exp.Guest.ID+".pdf")
		if err := report.WriteGuestExport(w, exp); err != nil {
			s.Logger.Error("web: guest export", "err", err, "request_id", RequestID(r.Context()))
		}
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	setAttachment(w, "dati-ospite-"+exp.Guest.ID+".json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(exp); err != nil {
		s.Logger.Error("web: guest export", "err", err, "request_id", RequestID(r.Context()))
	}
}
