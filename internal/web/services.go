package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// The network's services (/servizi): the directory of a province for
// everyone who may read organisations, and for a service's workers the
// referrals sent to their service, each read (logged) with a purpose.

type servicesData struct {
	Province  string
	Provinces []domain.Province
	Directory []domain.DirectoryEntry
	Referrals []domain.Referral
}

func (s *Server) handleServices(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _ := domain.ActorFromContext(ctx)
	d := servicesData{Province: r.URL.Query().Get("provincia")}
	if d.Province == "" {
		d.Province = a.ProvinceCode
	}
	var err error
	if d.Provinces, err = s.Territory.ListProvinces(ctx); err != nil {
		s.Error(w, r, err)
		return
	}
	if d.Province != "" {
		if d.Directory, err = s.Cases.Directory(ctx, d.Province); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if domain.Can(a, domain.PermReferralAnswer) && a.ServiceID != "" {
		if d.Referrals, err = s.Cases.Referrals(ctx); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "services", s.view(r, d))
}

type referralData struct {
	ID       string
	Purpose  string
	Purposes []string
	Referred *domain.ReferredCase
}

func (s *Server) referralData(r *http.Request, purpose string) (referralData, error) {
	d := referralData{ID: r.PathValue("id"), Purpose: purpose, Purposes: domain.AccessPurposes}
	if !slices.Contains(domain.AccessPurposes, purpose) {
		d.Purpose = ""
		return d, nil
	}
	rc, err := s.Cases.ReferredCase(r.Context(), d.ID, purpose)
	if err != nil {
		return d, err
	}
	d.Referred = &rc
	return d, nil
}

// handleReferral asks the service's worker for a purpose, then shows the
// sections consent covered (the read is logged).
func (s *Server) handleReferral(w http.ResponseWriter, r *http.Request) {
	d, err := s.referralData(r, r.URL.Query().Get("finalita"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "referral", s.view(r, d))
}

func (s *Server) referralStep(w http.ResponseWriter, r *http.Request, step func() error) {
	s.purposeStep(w, r, step, "referral", "/servizi/invii/", func(purpose string) (any, error) { return s.referralData(r, purpose) })
}

func (s *Server) handleReferralAnswer(w http.ResponseWriter, r *http.Request) {
	s.referralStep(w, r, func() error {
		accept := r.PostFormValue("answer") == "accetta"
		if !accept && r.PostFormValue("answer") != "rifiuta" {
			return domain.Err(domain.EINVALID, "err.cases.answer_unknown")
		}
		return s.Cases.AnswerReferral(r.Context(), r.PathValue("id"), accept, strings.TrimSpace(r.PostFormValue("reason")))
	})
}

func (s *Server) handleReferralOutcome(w http.ResponseWriter, r *http.Request) {
	s.referralStep(w, r, func() error {
		return s.Cases.RecordOutcome(r.Context(), r.PathValue("id"), strings.TrimSpace(r.PostFormValue("outcome")),
			formDate(r, "taken_in_charge"))
	})
}
