package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

type presenceData struct {
	Facilities []domain.Facility
	Plan       *domain.PresencePlan
	Reasons    []string
	Today      string
}

func (s *Server) presenceData(r *http.Request) (presenceData, error) {
	a, _ := domain.ActorFromContext(r.Context())
	d := presenceData{Reasons: domain.ExitReasons, Today: time.Now().In(rome).Format("2006-01-02")}
	var err error
	d.Facilities, err = s.Facilities.ListFacilities(r.Context(), domain.FacilityFilter{ProvinceCode: a.ProvinceCode, GestoreID: a.GestoreID})
	return d, err
}

func (s *Server) handlePresenceForm(w http.ResponseWriter, r *http.Request) {
	d, err := s.presenceData(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "presence", s.view(r, d))
}

// handlePresenceUpload reads a presence list whole (within limits) and shows
// its differences with the registry; nothing changes until the operator
// confirms the lines they choose.
func (s *Server) handlePresenceUpload(w http.ResponseWriter, r *http.Request) {
	d, err := s.presenceData(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	fail := func(status int, msg string) {
		v := s.view(r, d)
		v.Error = msg
		s.render(w, r, status, "presence", v)
	}
	people, cellErrs, err := s.uploadedPeople(w, r)
	if err == nil {
		var plan domain.PresencePlan
		if plan, err = s.Presence.PlanPresence(r.Context(), r.FormValue("facility"), people, cellErrs); err == nil {
			s.Logger.Info("presence: preview", "rows", len(people), "new", len(plan.New), "changed", len(plan.Changed),
				"missing", len(plan.Missing), "errors", len(plan.Errors), "request_id", RequestID(r.Context()))
			d.Plan = &plan
			s.render(w, r, http.StatusOK, "presence", s.view(r, d))
			return
		}
	}
	s.uploadFailed(w, r, err, fail)
}

// handlePresenceApply applies the lines the operator ticked, in one
// transaction; rows with errors were never in the plan.
func (s *Server) handlePresenceApply(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, domain.Err(domain.EINVALID, "err.form.invalid"))
		return
	}
	c := domain.PresenceChoice{Exits: map[string]string{}}
	for _, v := range r.PostForm["new"] {
		if n, err := strconv.Atoi(v); err == nil {
			c.New = append(c.New, n)
		}
	}
	for _, v := range r.PostForm["changed"] {
		if n, err := strconv.Atoi(v); err == nil {
			c.Changed = append(c.Changed, n)
		}
	}
	for _, stay := range r.PostForm["exit"] {
		c.Exits[stay] = r.PostFormValue("reason-" + stay)
	}
	if v := r.PostFormValue("exit_at"); v != "" {
		at, err := time.ParseInLocation("2006-01-02", v, rome)
		if err != nil {
			s.Error(w, r, domain.Err(domain.EINVALID, "err.stay.exit_date"))
			return
		}
		c.ExitAt = at.Add(12 * time.Hour)
	}
	done, err := s.Presence.ApplyPresence(r.Context(), r.PathValue("id"), c)
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.EINVALID || code == domain.ECONFLICT || code == domain.ENOTFOUND {
			d, derr := s.presenceData(r)
			if derr != nil {
				s.Error(w, r, derr)
				return
			}
			v := s.view(r, d)
			v.Error = s.errText(r, err)
			s.render(w, r, StatusOf(code), "presence", v)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "presence.applied", "New", done["new"], "Changed", done["changed"], "Exits", done["exits"]))
	http.Redirect(w, r, "/ospiti", http.StatusSeeOther)
}
