package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gesta-er/gesta/internal/domain"
)

// Complex cases: the directory, reports, case files, referrals. Every read
// of a case names its purpose (?purpose= or the Gesta-Purpose header): the
// store writes the access row in the read's transaction.

const purposeDoc = "Why the case is read: presa_in_carico, verifica, invio, tavolo, controllo, richiesta_interessato. Required: without it, 400."

type directoryInput struct {
	Province string `query:"province" required:"true" doc:"Sigla (BO) or ISTAT code of the province"`
}

type directoryOutput struct {
	Body struct {
		Items []domain.DirectoryEntry `json:"items"`
	}
}

type idOutput struct {
	Body struct {
		ID string `json:"id"`
	}
}

type reportInput struct {
	Body struct {
		GuestID     string `json:"guest_id"`
		Category    string `json:"category" enum:"salute,disagio_psichico,dipendenze,comportamento_aggressivo,conflitto,danneggiamento,allontanamento,gravidanza,dubbio_eta,tratta,tortura_violenza,minore_in_struttura_adulti,altro"`
		Urgency     string `json:"urgency" enum:"ordinaria,urgente,immediata"`
		Description string `json:"description" minLength:"1" maxLength:"20000" doc:"Sealed at rest"`
	}
}

type reportsOutput struct {
	Body struct {
		Items []domain.Report `json:"items"`
	}
}

type triageInput struct {
	ID   string `path:"id"`
	Body struct {
		Decision string `json:"decision" enum:"close,merge,open"`
		Reason   string `json:"reason,omitempty" maxLength:"2000" doc:"Required to close; sealed at rest"`
	}
}

type caseIDOutput struct {
	Body struct {
		CaseID string `json:"case_id,omitempty"`
	}
}

type caseCreateInput struct {
	Body struct {
		ReportID string `json:"report_id,omitempty" doc:"Open the case from this report (its triage)"`
		GuestID  string `json:"guest_id,omitempty" doc:"Or open a case on a guest without a report"`
	}
}

type caseReadInput struct {
	ID            string `path:"id"`
	Purpose       string `query:"purpose" doc:"Why the case is read; or the Gesta-Purpose header"`
	PurposeHeader string `header:"Gesta-Purpose" doc:"The purpose, as a header"`
}

func (in *caseReadInput) purpose() (string, error) {
	p := strings.TrimSpace(in.Purpose)
	if p == "" {
		p = strings.TrimSpace(in.PurposeHeader)
	}
	if p == "" {
		return "", huma.Error400BadRequest("err.case.purpose_required")
	}
	return p, nil
}

type caseOutput struct{ Body domain.Case }

type countsOutput struct {
	Body struct {
		Items []domain.CaseCount `json:"items"`
	}
}

type accessesOutput struct {
	Body struct {
		Items []domain.CaseAccess `json:"items"`
	}
}

type caseOnlyInput struct {
	ID string `path:"id"`
}

type statusInput struct {
	ID   string `path:"id"`
	Body struct {
		Status  string `json:"status" enum:"aperto,valutazione,presa_in_carico,monitoraggio,chiuso"`
		Version int    `json:"version,omitempty" doc:"The case's version as read; 0 skips the check"`
	}
}

type workerInput struct {
	ID   string `path:"id"`
	Body struct {
		UserID string `json:"user_id"`
	}
}

type vulnerabilityLinkInput struct {
	ID   string `path:"id"`
	Body struct {
		Code string `json:"code" doc:"Art. 17 code; the guest's registry rows with it are referenced, not copied"`
	}
}

type taskInput struct {
	ID   string `path:"id"`
	Body struct {
		Title string    `json:"title" minLength:"1" maxLength:"2000" doc:"Sealed at rest"`
		Due   time.Time `json:"due"`
	}
}

type taskDoneInput struct {
	ID   string `path:"id"`
	Task string `path:"task"`
}

type measureInput struct {
	ID   string `path:"id"`
	Body struct {
		Kind         string    `json:"kind" enum:"revoca_c1,esclusione_c2_a,esclusione_c2_b,sospensione_c2_c,revoca_benefici_c2,trasferimento,richiesta_sai_dmds,segnalazione_commissione"`
		Ground       string    `json:"ground,omitempty" enum:"a,b,c,d," doc:"Art. 23 c.1 letter, for a revocation"`
		DecidedOn    time.Time `json:"decided_on"`
		DurationDays int       `json:"duration_days,omitempty"`
		Reason       string    `json:"reason" minLength:"1" maxLength:"5000" doc:"Sealed at rest"`
	}
}

type measureOutput struct{ Body domain.Measure }

type noteInput struct {
	ID   string `path:"id"`
	Body struct {
		Text string `json:"text" minLength:"1" maxLength:"20000" doc:"Sealed at rest"`
	}
}

type breakGlassInput struct {
	ID   string `path:"id"`
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"2000" doc:"Why the case is opened outside your scope; sealed, flagged to the coordinator"`
	}
}

type breakGlassOutput struct {
	Body struct {
		ExpiresAt time.Time `json:"expires_at"`
	}
}

type consentBody struct {
	Given      bool     `json:"given"`
	Date       string   `json:"date,omitempty" format:"date" doc:"YYYY-MM-DD"`
	RecordedBy string   `json:"recorded_by,omitempty" maxLength:"200"`
	Purpose    string   `json:"purpose,omitempty" maxLength:"500"`
	Sections   []string `json:"sections,omitempty" doc:"anagrafica, segnalazioni, vulnerabilita, note"`
}

type referralInput struct {
	ID   string `path:"id"`
	Body struct {
		ServiceID      string       `json:"service_id"`
		Reason         string       `json:"reason" minLength:"1" maxLength:"5000" doc:"Sealed at rest"`
		Consent        *consentBody `json:"consent,omitempty"`
		OverrideReason string       `json:"override_reason,omitempty" maxLength:"2000" doc:"Refer without consent: only with the consent:override permission; flagged to the coordinator"`
	}
}

type referralsOutput struct {
	Body struct {
		Items []domain.Referral `json:"items"`
	}
}

type referredInput struct {
	ID            string `path:"id"`
	Purpose       string `query:"purpose" doc:"Why the case is read; or the Gesta-Purpose header"`
	PurposeHeader string `header:"Gesta-Purpose"`
}

type referredOutput struct{ Body domain.ReferredCase }

type answerInput struct {
	ID   string `path:"id"`
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"2000" doc:"Sealed at rest"`
	}
}

type outcomeInput struct {
	ID   string `path:"id"`
	Body struct {
		Outcome       string `json:"outcome" minLength:"1" maxLength:"5000" doc:"Sealed at rest"`
		TakenInCharge string `json:"taken_in_charge" format:"date" doc:"YYYY-MM-DD"`
	}
}

type emptyOutput struct{}

func (s *Server) registerCases(api huma.API) {
	tags := []string{"cases"}
	orgRead := map[string]any{requiresPerm: domain.PermOrgRead}
	report := map[string]any{requiresPerm: domain.PermReportWrite}
	caseRead := map[string]any{requiresPerm: domain.PermCaseRead}
	caseWrite := map[string]any{requiresPerm: domain.PermCaseWrite}
	answer := map[string]any{requiresPerm: domain.PermReferralAnswer}
	errs := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}
	writeErrs := append(errs, http.StatusConflict, http.StatusUnprocessableEntity)
	cs := s.Cases

	huma.Register(api, huma.Operation{OperationID: "list-services", Method: http.MethodGet, Path: "/services", Tags: tags,
		Security: secured, Metadata: orgRead, Errors: errs, Summary: "The directory of territorial services of a province"},
		func(ctx context.Context, in *directoryInput) (*directoryOutput, error) {
			list, err := cs.Directory(ctx, in.Province)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &directoryOutput{}
			out.Body.Items = nonNil(list)
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "file-report", Method: http.MethodPost, Path: "/reports", Tags: tags,
		Security: secured, Metadata: report, DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Summary:     "File a report (segnalazione) about a guest present in one of your facilities",
		Description: "Operators. A guest not present in one of the caller's facilities is 404. An immediate report notifies the province's case workers at once, without its content."},
		func(ctx context.Context, in *reportInput) (*idOutput, error) {
			r := domain.Report{GuestID: in.Body.GuestID, Category: in.Body.Category, Urgency: in.Body.Urgency, Description: in.Body.Description}
			if err := cs.FileReport(ctx, &r); err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &idOutput{}
			out.Body.ID = r.ID
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-my-reports", Method: http.MethodGet, Path: "/reports", Tags: tags,
		Security: secured, Metadata: report, Errors: errs, Summary: "The reports you filed and their status (never the case file)"},
		func(ctx context.Context, _ *struct{}) (*reportsOutput, error) {
			list, err := cs.MyReports(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &reportsOutput{}
			out.Body.Items = nonNil(list)
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "triage-report", Method: http.MethodPost, Path: "/reports/{id}/triage",
		Tags: tags, Security: secured, Metadata: caseWrite, Errors: writeErrs,
		Summary: "Triage a report: close it with a reason, merge it into the guest's open case, or open a case"},
		func(ctx context.Context, in *triageInput) (*caseIDOutput, error) {
			id, err := cs.TriageReport(ctx, in.ID, in.Body.Decision, in.Body.Reason)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &caseIDOutput{}
			out.Body.CaseID = id
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "open-case", Method: http.MethodPost, Path: "/cases", Tags: tags,
		Security: secured, Metadata: caseWrite, DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Summary: "Open a case from a report (report_id) or on a guest (guest_id)"},
		func(ctx context.Context, in *caseCreateInput) (*idOutput, error) {
			var id string
			var err error
			switch {
			case in.Body.ReportID != "" && in.Body.GuestID == "":
				id, err = cs.TriageReport(ctx, in.Body.ReportID, domain.TriageOpen, "")
			case in.Body.GuestID != "" && in.Body.ReportID == "":
				id, err = cs.OpenCase(ctx, in.Body.GuestID)
			default:
				return nil, huma.Error422UnprocessableEntity("err.case.open_needs_one")
			}
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &idOutput{}
			out.Body.ID = id
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "count-cases", Method: http.MethodGet, Path: "/cases/counts", Tags: tags,
		Security: secured, Metadata: map[string]any{requiresPerm: domain.PermStatsRead}, Errors: errs,
		Summary:     "Cases by status in your territory (aggregate; counts below 5 suppressed)",
		Description: "For viewers and the offices: no case is read. A count between 1 and 4 is published as 0 with suppressed=true."},
		func(ctx context.Context, _ *struct{}) (*countsOutput, error) {
			list, err := cs.CaseCounts(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &countsOutput{}
			out.Body.Items = nonNil(list)
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-case", Method: http.MethodGet, Path: "/cases/{id}", Tags: tags,
		Security: secured, Metadata: caseRead, Errors: append(errs, http.StatusBadRequest),
		Summary:     "Read a case for a purpose (the read is logged)",
		Description: purposeDoc + " Out of scope is 404. A restricted case without the restricted-cases permission comes back with restricted=true and no content."},
		func(ctx context.Context, in *caseReadInput) (*caseOutput, error) {
			p, err := in.purpose()
			if err != nil {
				return nil, err
			}
			c, err := cs.GetCase(ctx, in.ID, p)
			if err != nil {
				if domain.ErrorCode(err) == domain.EINVALID {
					return nil, huma.Error400BadRequest(s.localizer(ctx).Error(err))
				}
				return nil, s.problem(ctx, err)
			}
			return &caseOutput{Body: c}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-case-accesses", Method: http.MethodGet, Path: "/cases/{id}/accesses",
		Tags: tags, Security: secured, Errors: errs,
		Summary: "The case's access log (registro accessi): the coordinator, the case worker and the admin"},
		func(ctx context.Context, in *caseOnlyInput) (*accessesOutput, error) {
			list, err := cs.CaseAccesses(ctx, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &accessesOutput{}
			out.Body.Items = nonNil(list)
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-case-status", Method: http.MethodPost, Path: "/cases/{id}/status",
		Tags: tags, Security: secured, Metadata: caseWrite, Errors: append(writeErrs, http.StatusPreconditionFailed),
		Summary: "Move a case: open → assessment → taken in charge → monitoring → closed (409 out of order, with the reason)"},
		func(ctx context.Context, in *statusInput) (*emptyOutput, error) {
			if err := cs.SetStatus(ctx, in.ID, domain.CaseStatus(in.Body.Status), in.Body.Version); err != nil {
				return nil, s.problem(ctx, err)
			}
			return &emptyOutput{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "assign-case-worker", Method: http.MethodPost, Path: "/cases/{id}/worker",
		Tags: tags, Security: secured, Metadata: caseWrite, Errors: writeErrs, Summary: "Assign the case worker"},
		func(ctx context.Context, in *workerInput) (*emptyOutput, error) {
			if err := cs.AssignWorker(ctx, in.ID, in.Body.UserID); err != nil {
				return nil, s.problem(ctx, err)
			}
			return &emptyOutput{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "link-case-vulnerability", Method: http.MethodPost,
		Path: "/cases/{id}/vulnerabilities", Tags: tags, Security: secured, Metadata: caseWrite, Errors: writeErrs,
		Summary: "Reference the guest's art. 17 vulnerabilities of a code from the registry"},
		func(ctx context.Context, in *vulnerabilityLinkInput) (*emptyOutput, error) {
			if err := cs.LinkVulnerability(ctx, in.ID, in.Body.Code); err != nil {
				return nil, s.problem(ctx, err)
			}
			return &emptyOutput{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "add-case-task", Method: http.MethodPost, Path: "/cases/{id}/tasks",
		Tags: tags, Security: secured, Metadata: caseWrite, DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Summary: "Add a task with a due date"},
		func(ctx context.Context, in *taskInput) (*idOutput, error) {
			id, err := cs.AddTask(ctx, in.ID, in.Body.Title, in.Body.Due)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &idOutput{}
			out.Body.ID = id
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "complete-case-task", Method: http.MethodPost,
		Path: "/cases/{id}/tasks/{task}/done", Tags: tags, Security: secured, Metadata: caseWrite, Errors: writeErrs,
		Summary: "Mark a task done"},
		func(ctx context.Context, in *taskDoneInput) (*emptyOutput, error) {
			if err := cs.CompleteTask(ctx, in.ID, in.Task); err != nil {
				return nil, s.problem(ctx, err)
			}
			return &emptyOutput{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "add-case-measure", Method: http.MethodPost, Path: "/cases/{id}/measures",
		Tags: tags, Security: secured, Metadata: caseWrite, DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Summary:     "Add an art. 23 measure; its deadline is computed",
		Description: "revoca_c1: the 60-day appeal term; esclusione_c2_a/b (1–180 days) and sospensione_c2_c (30–183 days): the day it ends; revoca_benefici_c2, richiesta_sai_dmds, segnalazione_commissione: 7 days to communicate it; trasferimento: none."},
		func(ctx context.Context, in *measureInput) (*measureOutput, error) {
			m := domain.Measure{Kind: in.Body.Kind, Ground: in.Body.Ground, DecidedOn: in.Body.DecidedOn,
				DurationDays: in.Body.DurationDays, Reason: in.Body.Reason}
			if err := cs.AddMeasure(ctx, in.ID, &m); err != nil {
				return nil, s.problem(ctx, err)
			}
			m.Reason = ""
			return &measureOutput{Body: m}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "add-case-note", Method: http.MethodPost, Path: "/cases/{id}/notes",
		Tags: tags, Security: secured, Metadata: caseWrite, DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Summary: "Add a note (sealed at rest)"},
		func(ctx context.Context, in *noteInput) (*idOutput, error) {
			id, err := cs.AddNote(ctx, in.ID, in.Body.Text)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &idOutput{}
			out.Body.ID = id
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "break-glass", Method: http.MethodPost, Path: "/cases/{id}/break-glass",
		Tags: tags, Security: secured, Metadata: caseWrite, DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Summary: "Open a case outside your scope for one hour, stating why (flagged to the coordinator, in the access log)"},
		func(ctx context.Context, in *breakGlassInput) (*breakGlassOutput, error) {
			exp, err := cs.BreakGlass(ctx, in.ID, in.Body.Reason)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &breakGlassOutput{}
			out.Body.ExpiresAt = exp
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "refer-case", Method: http.MethodPost, Path: "/cases/{id}/referrals",
		Tags: tags, Security: secured, Metadata: caseWrite, DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Summary:     "Refer a case to a service of the directory, under the person's consent",
		Description: "Without consent given (date, recorded_by, purpose, sections) it is 422, unless override_reason is given by a user with the consent:override permission (403 for others)."},
		func(ctx context.Context, in *referralInput) (*idOutput, error) {
			req := domain.ReferralRequest{ServiceID: in.Body.ServiceID, Reason: in.Body.Reason, OverrideReason: in.Body.OverrideReason}
			if c := in.Body.Consent; c != nil {
				req.Consent = &domain.Consent{Given: c.Given, RecordedBy: c.RecordedBy, Purpose: c.Purpose, Sections: c.Sections}
				if c.Date != "" {
					d, err := time.Parse(time.DateOnly, c.Date)
					if err != nil {
						return nil, huma.Error422UnprocessableEntity("err.case.consent_incomplete")
					}
					req.Consent.Date = d
				}
			}
			id, err := cs.Refer(ctx, in.ID, req)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &idOutput{}
			out.Body.ID = id
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-referrals", Method: http.MethodGet, Path: "/referrals", Tags: tags,
		Security: secured, Metadata: answer, Errors: errs, Summary: "The referrals to your service (without case content)"},
		func(ctx context.Context, _ *struct{}) (*referralsOutput, error) {
			list, err := cs.Referrals(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &referralsOutput{}
			out.Body.Items = nonNil(list)
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-referral", Method: http.MethodGet, Path: "/referrals/{id}", Tags: tags,
		Security: secured, Metadata: answer, Errors: append(errs, http.StatusBadRequest),
		Summary: "Read a referral and the sections of the case it covers (the read is logged)", Description: purposeDoc},
		func(ctx context.Context, in *referredInput) (*referredOutput, error) {
			p := (&caseReadInput{Purpose: in.Purpose, PurposeHeader: in.PurposeHeader})
			purpose, err := p.purpose()
			if err != nil {
				return nil, err
			}
			rc, err := cs.ReferredCase(ctx, in.ID, purpose)
			if err != nil {
				if domain.ErrorCode(err) == domain.EINVALID {
					return nil, huma.Error400BadRequest(s.localizer(ctx).Error(err))
				}
				return nil, s.problem(ctx, err)
			}
			return &referredOutput{Body: rc}, nil
		})
	for _, accept := range []bool{true, false} {
		op, path, summary := "accept-referral", "/referrals/{id}/accept", "Accept a referral, with a reason"
		if !accept {
			op, path, summary = "decline-referral", "/referrals/{id}/decline", "Decline a referral, with a reason"
		}
		huma.Register(api, huma.Operation{OperationID: op, Method: http.MethodPost, Path: path, Tags: tags,
			Security: secured, Metadata: answer, Errors: writeErrs, Summary: summary},
			func(ctx context.Context, in *answerInput) (*emptyOutput, error) {
				if err := cs.AnswerReferral(ctx, in.ID, accept, in.Body.Reason); err != nil {
					return nil, s.problem(ctx, err)
				}
				return &emptyOutput{}, nil
			})
	}
	huma.Register(api, huma.Operation{OperationID: "referral-outcome", Method: http.MethodPost, Path: "/referrals/{id}/outcome",
		Tags: tags, Security: secured, Metadata: answer, Errors: writeErrs,
		Summary: "Record the outcome of an accepted referral and the day the person was taken in charge"},
		func(ctx context.Context, in *outcomeInput) (*emptyOutput, error) {
			day, err := time.Parse(time.DateOnly, in.Body.TakenInCharge)
			if err != nil {
				return nil, huma.Error422UnprocessableEntity("err.case.outcome_invalid")
			}
			if err := cs.RecordOutcome(ctx, in.ID, in.Body.Outcome, day); err != nil {
				return nil, s.problem(ctx, err)
			}
			return &emptyOutput{}, nil
		})
}

// nonNil turns a nil list into an empty one, so that JSON says [].
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
