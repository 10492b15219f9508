package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// Complex cases: reports (/segnalazioni) and case files (/casi). A case page
// is read only after its reader chose a purpose: each load writes an access
// row, so the purpose travels in the URL (a code, no personal data).

type reportsData struct {
	Present    []domain.PresentGuest // guests the operator may report on
	Mine       []domain.Report
	Pending    []domain.Report
	Categories []string
	Urgencies  []string
	Form       url.Values
	// PendingDocs are the documents of each pending report, by report id.
	PendingDocs map[string][]domain.Document
}

func (s *Server) reportsData(r *http.Request) (reportsData, error) {
	ctx := r.Context()
	a, _ := domain.ActorFromContext(ctx)
	d := reportsData{Categories: domain.ReportCategories, Urgencies: domain.Urgencies, Form: url.Values{}}
	var err error
	if domain.Can(a, domain.PermReportWrite) {
		if d.Present, _, err = s.Guests.SearchPresent(ctx, domain.PresentFilter{Limit: 500}); err != nil {
			return d, err
		}
		if d.Mine, err = s.Cases.MyReports(ctx); err != nil {
			return d, err
		}
	}
	if domain.Can(a, domain.PermCaseWrite) {
		if d.Pending, err = s.Cases.PendingReports(ctx); err != nil {
			return d, err
		}
		if s.Documents != nil {
			d.PendingDocs = map[string][]domain.Document{}
			for _, rep := range d.Pending {
				if d.PendingDocs[rep.ID], err = s.Documents.ReportDocuments(ctx, rep.ID); err != nil {
					return d, err
				}
			}
		}
	}
	return d, nil
}

func (s *Server) handleReports(w http.ResponseWriter, r *http.Request) {
	d, err := s.reportsData(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reports", s.view(r, d))
}

func (s *Server) handleReportFile(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, domain.Err(domain.EINVALID, "err.case.report_invalid"))
		return
	}
	rep := domain.Report{GuestID: r.PostFormValue("guest_id"), Category: r.PostFormValue("category"),
		Urgency: r.PostFormValue("urgency"), Description: strings.TrimSpace(r.PostFormValue("description"))}
	if err := s.Cases.FileReport(r.Context(), &rep); err != nil {
		d, derr := s.reportsData(r)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		d.Form = r.PostForm
		s.formError(w, r, "reports", d, err)
		return
	}
	s.flash(r, s.t(r, "reports.filed"))
	http.Redirect(w, r, "/segnalazioni", http.StatusSeeOther)
}

func (s *Server) handleReportTriage(w http.ResponseWriter, r *http.Request) {
	caseID, err := s.Cases.TriageReport(r.Context(), r.PathValue("id"), r.PostFormValue("decision"), r.PostFormValue("reason"))
	if err != nil {
		d, derr := s.reportsData(r)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		s.formError(w, r, "reports", d, err)
		return
	}
	s.flash(r, s.t(r, "reports.triaged"))
	if caseID != "" {
		http.Redirect(w, r, "/casi/"+caseID, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/segnalazioni", http.StatusSeeOther)
}

func (s *Server) handleCases(w http.ResponseWriter, r *http.Request) {
	list, err := s.Cases.ListCases(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cases", s.view(r, list))
}

type caseData struct {
	ID       string
	Purpose  string
	Purposes []string
	Case     *domain.Case
	Next     []domain.CaseStatus
	Accesses []domain.CaseAccess
	// The forms' choices: services of the case's province, measure kinds
	// and grounds, art. 17 codes, sections consent may cover.
	Services     []domain.DirectoryEntry
	MeasureKinds []string
	Grounds      []string
	VulnCodes    []string
	Referable    []string
	// Documents of the case and its reports (names only; each download is
	// a logged read).
	Documents []domain.Document
	// NotFound: the case is unknown or outside the caller's scope; a case
	// worker is offered break-glass.
	NotFound bool
}

// handleCase asks for a purpose, then reads the case (logged) with it. A
// case out of scope reads as not found, with the break-glass form for those
// who may use it (it says nothing more: an unknown id gets the same page).
func (s *Server) handleCase(w http.ResponseWriter, r *http.Request) {
	d, err := s.caseData(r, r.URL.Query().Get("finalita"))
	if err != nil {
		a, _ := domain.ActorFromContext(r.Context())
		if domain.ErrorCode(err) == domain.ENOTFOUND && domain.Can(a, domain.PermCaseWrite) {
			d.NotFound, d.Case, d.Purpose = true, nil, ""
			s.render(w, r, http.StatusNotFound, "case", s.view(r, d))
			return
		}
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "case", s.view(r, d))
}

func (s *Server) caseData(r *http.Request, purpose string) (caseData, error) {
	d := caseData{ID: r.PathValue("id"), Purpose: purpose, Purposes: domain.AccessPurposes}
	if !slices.Contains(domain.AccessPurposes, purpose) {
		d.Purpose = ""
		return d, nil
	}
	c, err := s.Cases.GetCase(r.Context(), d.ID, purpose)
	if err != nil {
		return d, err
	}
	d.Case = &c
	if c.Status != "" && c.Status != domain.CaseClosed {
		d.MeasureKinds, d.Grounds = domain.MeasureKinds, domain.RevocationGrounds
		d.VulnCodes, d.Referable = domain.VulnerabilityCodes, domain.ReferableSections
		if d.Services, err = s.Cases.Directory(r.Context(), c.Province); err != nil {
			return d, err
		}
	}
	if s.Documents != nil && c.Status != "" {
		if d.Documents, err = s.Documents.CaseDocuments(r.Context(), c.ID); err != nil {
			return d, err
		}
	}
	for _, st := range domain.CaseStatuses {
		if domain.CheckTransition(c.Status, st) == nil {
			d.Next = append(d.Next, st)
		}
	}
	// The log is shown to those who may read it; others simply do not see it.
	if acc, err := s.Cases.CaseAccesses(r.Context(), d.ID); err == nil {
		d.Accesses = acc
	}
	return d, nil
}

// caseStep runs a write on a case and returns to its page with the purpose
// the form carried; a refused write shows the page again with the error.
func (s *Server) caseStep(w http.ResponseWriter, r *http.Request, step func() error) {
	s.purposeStep(w, r, step, "case", "/casi/", func(purpose string) (any, error) { return s.caseData(r, purpose) })
}

// purposeStep runs a write on a record read under a purpose (a case, a
// referral) and returns to its page (base + id) with that purpose; a refused
// write shows the page (tmpl, its data from load) again with the error.
func (s *Server) purposeStep(w http.ResponseWriter, r *http.Request, step func() error, tmpl, base string,
	load func(purpose string) (any, error)) {
	id, purpose := r.PathValue("id"), r.PostFormValue("finalita")
	if err := step(); err != nil {
		code := domain.ErrorCode(err)
		if code != domain.EINVALID && code != domain.ECONFLICT {
			s.Error(w, r, err)
			return
		}
		d, derr := load(purpose)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		s.formError(w, r, tmpl, d, err)
		return
	}
	s.flash(r, s.t(r, "cases.saved"))
	target := base + url.PathEscape(id)
	if slices.Contains(domain.AccessPurposes, purpose) {
		target += "?finalita=" + purpose
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Server) handleCaseStatus(w http.ResponseWriter, r *http.Request) {
	s.caseStep(w, r, func() error {
		return s.Cases.SetStatus(r.Context(), r.PathValue("id"), domain.CaseStatus(r.PostFormValue("status")), 0)
	})
}

func (s *Server) handleCaseNote(w http.ResponseWriter, r *http.Request) {
	s.caseStep(w, r, func() error {
		_, err := s.Cases.AddNote(r.Context(), r.PathValue("id"), strings.TrimSpace(r.PostFormValue("text")))
		return err
	})
}

func (s *Server) handleCaseTask(w http.ResponseWriter, r *http.Request) {
	s.caseStep(w, r, func() error {
		due, err := time.ParseInLocation("2006-01-02", r.PostFormValue("due"), rome)
		if err != nil {
			return domain.Err(domain.EINVALID, "err.case.task_invalid").WithFields(
				map[string]domain.FieldError{"due": domain.Field("err.case.task_invalid")})
		}
		_, err = s.Cases.AddTask(r.Context(), r.PathValue("id"), strings.TrimSpace(r.PostFormValue("title")), due)
		return err
	})
}

func (s *Server) handleCaseTaskDone(w http.ResponseWriter, r *http.Request) {
	s.caseStep(w, r, func() error {
		return s.Cases.CompleteTask(r.Context(), r.PathValue("id"), r.PathValue("task"))
	})
}

// formDate reads a yyyy-mm-dd field as a day (zero when empty or invalid:
// the store refuses it with its own message).
func formDate(r *http.Request, name string) time.Time {
	d, err := time.ParseInLocation("2006-01-02", r.PostFormValue(name), time.UTC)
	if err != nil {
		return time.Time{}
	}
	return d
}

func (s *Server) handleCaseMeasure(w http.ResponseWriter, r *http.Request) {
	s.caseStep(w, r, func() error {
		days := 0
		if v := strings.TrimSpace(r.PostFormValue("duration_days")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return domain.Err(domain.EINVALID, "err.case.measure_duration").WithFields(
					map[string]domain.FieldError{"duration_days": domain.Field("err.case.measure_duration")})
			}
			days = n
		}
		m := domain.Measure{Kind: r.PostFormValue("kind"), Ground: r.PostFormValue("ground"),
			DecidedOn: formDate(r, "decided_on"), DurationDays: days, Reason: strings.TrimSpace(r.PostFormValue("reason"))}
		return s.Cases.AddMeasure(r.Context(), r.PathValue("id"), &m)
	})
}

func (s *Server) handleCaseVulnerability(w http.ResponseWriter, r *http.Request) {
	s.caseStep(w, r, func() error {
		return s.Cases.LinkVulnerability(r.Context(), r.PathValue("id"), r.PostFormValue("code"))
	})
}

// handleCaseAssign makes the caller the case's worker ("prendo in carico").
func (s *Server) handleCaseAssign(w http.ResponseWriter, r *http.Request) {
	s.caseStep(w, r, func() error {
		a, _ := domain.ActorFromContext(r.Context())
		return s.Cases.AssignWorker(r.Context(), r.PathValue("id"), a.UserID)
	})
}

// handleCaseReferral refers the case: consent as the form recorded it, or
// an override reason; the store decides whether that is enough.
func (s *Server) handleCaseReferral(w http.ResponseWriter, r *http.Request) {
	s.caseStep(w, r, func() error {
		req := domain.ReferralRequest{ServiceID: r.PostFormValue("service_id"),
			Reason: strings.TrimSpace(r.PostFormValue("reason")), OverrideReason: strings.TrimSpace(r.PostFormValue("override_reason"))}
		switch r.PostFormValue("consent") {
		case "si":
			req.Consent = &domain.Consent{Given: true, Date: formDate(r, "consent_date"),
				RecordedBy: strings.TrimSpace(r.PostFormValue("consent_recorded_by")),
				Purpose:    strings.TrimSpace(r.PostFormValue("consent_purpose")), Sections: r.PostForm["sections"]}
		case "no":
			req.Consent = &domain.Consent{Given: false}
		}
		_, err := s.Cases.Refer(r.Context(), r.PathValue("id"), req)
		return err
	})
}

// handleCaseBreakGlass opens a case outside the caller's scope for an hour,
// with a reason; then the purpose form, as for any read.
func (s *Server) handleCaseBreakGlass(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.Cases.BreakGlass(r.Context(), id, strings.TrimSpace(r.PostFormValue("reason"))); err != nil {
		if domain.ErrorCode(err) == domain.EINVALID {
			s.formError(w, r, "case", caseData{ID: id, Purposes: domain.AccessPurposes, NotFound: true}, err)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "cases.breakglass.granted"))
	http.Redirect(w, r, "/casi/"+url.PathEscape(id), http.StatusSeeOther)
}

// handleCaseAccesses shows a case's access log without reading the case:
// for the coordinator, the case's worker and the administrator (the DPO's
// account); the store answers not found to anyone else.
func (s *Server) handleCaseAccesses(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	list, err := s.Cases.CaseAccesses(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "case_accesses", s.view(r, caseData{ID: id, Accesses: list}))
}

type caseDashboardData struct {
	D          domain.CaseDashboard
	Categories []string
	Urgencies  []string
	Statuses   []domain.CaseStatus
	Ages       []string
}

// handleCaseDashboard shows the prefecture's counts of its cases: no person,
// no content, so no access row.
func (s *Server) handleCaseDashboard(w http.ResponseWriter, r *http.Request) {
	d, err := s.CaseDashboards.CaseDashboard(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cats := append(slices.Clone(domain.ReportCategories), domain.RestrictedKey)
	urg := append(slices.Clone(domain.Urgencies), domain.RestrictedKey)
	s.render(w, r, http.StatusOK, "case_dashboard", s.view(r, caseDashboardData{D: d, Categories: cats, Urgencies: urg,
		Statuses: domain.CaseStatuses, Ages: domain.AgeBuckets}))
}
