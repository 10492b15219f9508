package domain

import (
	"context"
	"slices"
	"time"
)

// Complex cases (casi complessi): an operator's report (segnalazione) about a
// guest, the prefecture's triage, the case file with its tasks, art. 23
// measures, notes and timeline, and referrals (invii) to territorial
// services under recorded consent. Messages in errors are catalogue ids
// (internal/i18n/locales, "err.case.*"): the adapters translate them.

// ReportCategories are the codes of a report's category, in display order.
var ReportCategories = []string{"salute", "disagio_psichico", "dipendenze", "comportamento_aggressivo", "conflitto",
	"danneggiamento", "allontanamento", "gravidanza", "dubbio_eta", "tratta", "tortura_violenza",
	"minore_in_struttura_adulti", "altro"}

// RestrictedCategories make a case restricted: only users with
// PermCaseRestricted read its content.
var RestrictedCategories = []string{"tratta", "tortura_violenza", "minore_in_struttura_adulti"}

// Urgencies of a report.
const (
	UrgencyOrdinary  = "ordinaria"
	UrgencyUrgent    = "urgente"
	UrgencyImmediate = "immediata"
)

// Urgencies lists the urgency codes, least urgent first.
var Urgencies = []string{UrgencyOrdinary, UrgencyUrgent, UrgencyImmediate}

// AccessPurposes are why a case file is read; every read names one.
var AccessPurposes = []string{"presa_in_carico", "verifica", "invio", "tavolo", "controllo", "richiesta_interessato"}

// Sections of a case file: what a read returns, what consent covers.
const (
	SectionIdentity        = "anagrafica"
	SectionReports         = "segnalazioni"
	SectionVulnerabilities = "vulnerabilita"
	SectionTasks           = "compiti"
	SectionMeasures        = "misure"
	SectionNotes           = "note"
	SectionReferrals       = "invii"
	SectionTimeline        = "cronologia"
)

// CaseSections lists every section, in display order.
var CaseSections = []string{SectionIdentity, SectionReports, SectionVulnerabilities, SectionTasks, SectionMeasures,
	SectionNotes, SectionReferrals, SectionTimeline}

// ReferableSections are the sections consent may cover for a service: the
// office's own working sections (tasks, measures, referrals to others, the
// timeline) are never referred.
var ReferableSections = []string{SectionIdentity, SectionReports, SectionVulnerabilities, SectionNotes}

// Report statuses.
const (
	ReportNew    = "nuova"
	ReportClosed = "archiviata" // closed by triage with a reason
	ReportMerged = "unita"      // merged into the guest's open case
	ReportOpened = "caso_aperto"
)

// CaseStatus is where a case stands.
type CaseStatus string

const (
	CaseOpen       CaseStatus = "aperto"
	CaseAssessment CaseStatus = "valutazione"
	CaseTakenIn    CaseStatus = "presa_in_carico"
	CaseMonitoring CaseStatus = "monitoraggio"
	CaseClosed     CaseStatus = "chiuso"
)

// CaseStatuses lists the statuses in their order.
var CaseStatuses = []CaseStatus{CaseOpen, CaseAssessment, CaseTakenIn, CaseMonitoring, CaseClosed}

// caseTransitions is the only way a case moves: forward one step, back from
// monitoring to taken in charge (a relapse), and to closed from any open
// status (a guest leaves, a report proves unfounded). Closed is final: a new
// report opens a new case.
var caseTransitions = map[CaseStatus][]CaseStatus{
	CaseOpen:       {CaseAssessment, CaseClosed},
	CaseAssessment: {CaseTakenIn, CaseClosed},
	CaseTakenIn:    {CaseMonitoring, CaseClosed},
	CaseMonitoring: {CaseTakenIn, CaseClosed},
}

// CheckTransition returns nil when a case may go from one status to another,
// else an error whose message id says why: EINVALID for an unknown status,
// ECONFLICT for a move out of order.
func CheckTransition(from, to CaseStatus) error {
	if !slices.Contains(CaseStatuses, to) {
		return Err(EINVALID, "err.case.status_unknown")
	}
	switch {
	case from == CaseClosed:
		return Err(ECONFLICT, "err.case.transition_closed")
	case from == to:
		return Err(ECONFLICT, "err.case.transition_same")
	case !slices.Contains(caseTransitions[from], to):
		return Err(ECONFLICT, "err.case.transition_order")
	}
	return nil
}

// Restricted reports whether a case of this category about this guest is
// restricted: trafficking, torture or violence, a minor in an adult centre,
// and every unaccompanied minor.
func Restricted(category string, msna bool) bool {
	return msna || slices.Contains(RestrictedCategories, category)
}

// Measure kinds (art. 23 d.lgs. 142/2015 and the related requests).
const (
	MeasureRevocation    = "revoca_c1"          // c.1: revocation by the prefect's decree
	MeasureExclusion     = "esclusione_c2_a"    // c.2(a): exclusion from activities, temporary
	MeasureServices      = "esclusione_c2_b"    // c.2(b): exclusion from art. 10 services, temporary
	MeasureSuspension    = "sospensione_c2_c"   // c.2(c): suspension of economic benefits, 30 days–6 months
	MeasureBenefitsRevok = "revoca_benefici_c2" // c.2(c): revocation of economic benefits
	MeasureTransfer      = "trasferimento"      // c.2: transfer to a suitable facility
	MeasureSAIDMDS       = "richiesta_sai_dmds" // request of a SAI DM-DS place
	MeasureCommission    = "segnalazione_commissione"
)

// MeasureKinds lists the measure kinds in display order.
var MeasureKinds = []string{MeasureRevocation, MeasureExclusion, MeasureServices, MeasureSuspension,
	MeasureBenefitsRevok, MeasureTransfer, MeasureSAIDMDS, MeasureCommission}

// RevocationGrounds are art. 23 c.1's letters still in force (e was repealed
// by L. 50/2023).
var RevocationGrounds = []string{"a", "b", "c", "d"}

// AppealDays is the term to challenge a revocation decree before the TAR
// (art. 29 c.p.a., 60 days from notice): the deadline a c.1 measure carries.
const AppealDays = 60

// CommissionDays is the office's own term to communicate a c.2 measure to the
// Commissione territoriale or to send a request (art. 23 c.2-bis sets the
// duty, not a term: seven days is this office's rule, not the law's).
const CommissionDays = 7

// MeasureDeadline validates a measure's kind, ground and duration and
// computes the deadline it carries from the day it was decided:
//   - c.1 revocation (ground a–d): decided + AppealDays (the appeal term);
//   - c.2(a)/(b) temporary exclusions (1–180 days) and c.2(c) suspension
//     (30–183 days, "da 30 giorni a 6 mesi"): the day the measure ends;
//   - c.2(c) revocation of benefits, a SAI DM-DS request, a report to the
//     Commissione: decided + CommissionDays, the term for communicating it;
//   - a transfer: no legal deadline (zero time).
//
// Errors are EINVALID with a message id.
func MeasureDeadline(kind, ground string, decided time.Time, durationDays int) (time.Time, error) {
	if decided.IsZero() {
		return time.Time{}, Err(EINVALID, "err.case.measure_date")
	}
	day := time.Date(decided.Year(), decided.Month(), decided.Day(), 0, 0, 0, 0, time.UTC)
	if kind != MeasureRevocation && ground != "" {
		return time.Time{}, Err(EINVALID, "err.case.measure_ground")
	}
	duration := func(lo, hi int) (time.Time, error) {
		if durationDays < lo || durationDays > hi {
			return time.Time{}, Err(EINVALID, "err.case.measure_duration")
		}
		return day.AddDate(0, 0, durationDays), nil
	}
	noDuration := func(days int) (time.Time, error) {
		if durationDays != 0 {
			return time.Time{}, Err(EINVALID, "err.case.measure_duration")
		}
		if days == 0 {
			return time.Time{}, nil
		}
		return day.AddDate(0, 0, days), nil
	}
	switch kind {
	case MeasureRevocation:
		if !slices.Contains(RevocationGrounds, ground) {
			return time.Time{}, Err(EINVALID, "err.case.measure_ground")
		}
		return noDuration(AppealDays)
	case MeasureExclusion, MeasureServices:
		return duration(1, 180)
	case MeasureSuspension:
		// Six months counted as days from the decision: 183 covers the longest.
		return duration(30, 183)
	case MeasureBenefitsRevok, MeasureSAIDMDS, MeasureCommission:
		return noDuration(CommissionDays)
	case MeasureTransfer:
		return noDuration(0)
	}
	return time.Time{}, Err(EINVALID, "err.case.measure_kind")
}

// Consent is the person's recorded consent to a referral: given or refused,
// by whom it was recorded, on which date, for which purpose and sections.
type Consent struct {
	Given      bool      `json:"given"`
	Date       time.Time `json:"date"`
	RecordedBy string    `json:"recorded_by"`
	Purpose    string    `json:"purpose"`
	Sections   []string  `json:"sections"`
}

// CheckReferralConsent is the consent rule for a referral, enforced by the
// store: a referral needs consent given, dated, recorded by someone, for a
// purpose and for at least one referable section; without it (or refused)
// it is refused with EINVALID unless the caller may override (PermConsentOverride)
// and states a reason. canOverride is the caller's permission. It returns
// whether the referral goes by override.
func CheckReferralConsent(c *Consent, overrideReason string, canOverride bool) (overridden bool, err error) {
	if c != nil && c.Given {
		for _, s := range c.Sections {
			if !slices.Contains(ReferableSections, s) {
				return false, Err(EINVALID, "err.case.consent_section")
			}
		}
		if c.Date.IsZero() || c.RecordedBy == "" || c.Purpose == "" || len(c.Sections) == 0 {
			return false, Err(EINVALID, "err.case.consent_incomplete")
		}
		return false, nil
	}
	if overrideReason == "" {
		return false, Err(EINVALID, "err.case.consent_missing")
	}
	if !canOverride {
		return false, Err(EFORBIDDEN, "err.case.consent_override_forbidden")
	}
	return true, nil
}

// Report is an operator's report about a guest present in one of its
// facilities. Description is sealed at rest.
type Report struct {
	ID          string     `json:"id"`
	GuestID     string     `json:"guest_id"`
	Facility    string     `json:"facility"` // code, at the time of the report
	Category    string     `json:"category"`
	Urgency     string     `json:"urgency"`
	Description string     `json:"description,omitempty"`
	Status      string     `json:"status"`
	CaseID      string     `json:"case_id,omitempty"`
	FiledAt     time.Time  `json:"filed_at"`
	TriagedAt   *time.Time `json:"triaged_at,omitempty"`
}

// Validate checks a new report's codes and description.
func (r *Report) Validate() error {
	fields := map[string]FieldError{}
	if r.GuestID == "" {
		fields["guest_id"] = Field("err.case.guest_required")
	}
	if !slices.Contains(ReportCategories, r.Category) {
		fields["category"] = Field("err.case.category_unknown")
	}
	if !slices.Contains(Urgencies, r.Urgency) {
		fields["urgency"] = Field("err.case.urgency_unknown")
	}
	if len(r.Description) == 0 {
		fields["description"] = Field("err.case.description_required")
	} else if len(r.Description) > 20000 {
		fields["description"] = Field("err.case.description_long")
	}
	if len(fields) > 0 {
		return Err(EINVALID, "err.case.report_invalid").WithFields(fields)
	}
	return nil
}

// Triage decisions on a report.
const (
	TriageClose = "close" // archive with a reason
	TriageMerge = "merge" // into the guest's open case
	TriageOpen  = "open"  // open a new case
)

// Case is a case file as a reader sees it: the sections the caller may read
// are filled, the others empty and not listed in Sections. A restricted case
// read without PermCaseRestricted has only ID and Restricted.
type Case struct {
	ID         string     `json:"id"`
	Restricted bool       `json:"restricted"`
	Status     CaseStatus `json:"status,omitempty"`
	Category   string     `json:"category,omitempty"`
	Urgency    string     `json:"urgency,omitempty"`
	Province   string     `json:"province,omitempty"`
	WorkerID   string     `json:"worker_id,omitempty"`
	OpenedAt   time.Time  `json:"opened_at,omitzero"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Version    int        `json:"version,omitempty"`
	Sections   []string   `json:"sections"`

	Guest           *Guest          `json:"guest,omitempty"`
	Reports         []Report        `json:"reports,omitempty"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities,omitempty"`
	Tasks           []Task          `json:"tasks,omitempty"`
	Measures        []Measure       `json:"measures,omitempty"`
	Notes           []Note          `json:"notes,omitempty"`
	Referrals       []Referral      `json:"referrals,omitempty"`
	Timeline        []CaseEvent     `json:"timeline,omitempty"`
}

// Task is something to do on a case by a due date.
type Task struct {
	ID      string     `json:"id"`
	Title   string     `json:"title"` // sealed at rest
	Due     time.Time  `json:"due"`
	DoneAt  *time.Time `json:"done_at,omitempty"`
	Overdue bool       `json:"overdue"`
}

// Measure is an art. 23 measure or a related request, with the deadline it
// carries (computed by MeasureDeadline) and its reason sealed at rest.
type Measure struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Ground       string     `json:"ground,omitempty"` // c.1 letter
	DecidedOn    time.Time  `json:"decided_on"`
	DurationDays int        `json:"duration_days,omitempty"`
	Deadline     *time.Time `json:"deadline,omitempty"`
	Overdue      bool       `json:"overdue"`
	Reason       string     `json:"reason"`
}

// Note is a case worker's note, sealed at rest.
type Note struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// CaseEvent is one line of a case's timeline: a kind and parameters (ids,
// codes, counts), never prose, so that it can be translated and holds no
// special-category text.
type CaseEvent struct {
	At     time.Time         `json:"at"`
	Actor  string            `json:"actor"`
	Kind   string            `json:"kind"`
	Params map[string]string `json:"params,omitempty"`
}

// CaseAccess is one row of a case's access log (registro accessi).
type CaseAccess struct {
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"` // e-mail of the reader
	Role       string    `json:"role"`
	Purpose    string    `json:"purpose"`
	Sections   []string  `json:"sections"`
	BreakGlass bool      `json:"break_glass"`
}

// Referral statuses.
const (
	ReferralSent     = "inviato"
	ReferralAccepted = "accettato"
	ReferralDeclined = "rifiutato"
)

// Referral is a case referred to a territorial service.
type Referral struct {
	ID            string     `json:"id"`
	CaseID        string     `json:"case_id"`
	ServiceID     string     `json:"service_id"`
	Reason        string     `json:"reason,omitempty"` // sealed at rest
	Status        string     `json:"status"`
	Consent       *Consent   `json:"consent,omitempty"`
	Overridden    bool       `json:"consent_overridden"`
	Sections      []string   `json:"sections"`
	SentAt        time.Time  `json:"sent_at"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	Answer        string     `json:"answer,omitempty"` // the reason of an acceptance or refusal, sealed
	Outcome       string     `json:"outcome,omitempty"`
	TakenInCharge *time.Time `json:"taken_in_charge,omitempty"`
}

// ReferralRequest is what a case worker sends to refer a case.
type ReferralRequest struct {
	ServiceID      string
	Reason         string
	Consent        *Consent
	OverrideReason string
}

// ReferredCase is what a service's worker reads of a referred case: the
// referral and the sections consent covered.
type ReferredCase struct {
	Referral Referral `json:"referral"`
	Case     Case     `json:"case"`
}

// CaseSummary is a line of the list of cases: no content, no person; a
// restricted case without PermCaseRestricted shows neither category nor urgency.
type CaseSummary struct {
	ID         string     `json:"id"`
	Restricted bool       `json:"restricted"`
	Status     CaseStatus `json:"status"`
	Category   string     `json:"category,omitempty"`
	Urgency    string     `json:"urgency,omitempty"`
	Province   string     `json:"province"`
	Mine       bool       `json:"mine"` // the caller is its case worker
	OpenedAt   time.Time  `json:"opened_at"`
}

// CountThreshold is the smallest count published in aggregates of cases:
// smaller non-zero counts are suppressed (docs/security.md R24).
const CountThreshold = 5

// CaseCount is the number of cases in a status; Suppressed marks a count
// between 1 and CountThreshold-1, published as 0.
type CaseCount struct {
	Status     CaseStatus `json:"status"`
	Count      int        `json:"count"`
	Suppressed bool       `json:"suppressed"`
}

// DirectoryEntry is a service as the directory lists it: what it is, where
// it works, how to reach it.
type DirectoryEntry struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Type      ServiceKind `json:"type"`
	Province  string      `json:"province"`
	Comuni    []string    `json:"comuni" doc:"ISTAT codes of the comuni covered; empty: the whole province"`
	Email     string      `json:"email,omitempty"`
	Phone     string      `json:"phone,omitempty"`
	Languages []string    `json:"languages"`
	Hours     string      `json:"hours,omitempty"`
}

// BreakGlassDuration is how long a break-glass grant lasts.
const BreakGlassDuration = time.Hour

// CaseService handles reports, triage, case files and referrals. Every
// method needs an actor in ctx (EUNAUTHORIZED without one). Scope is applied
// in the SQL: prefecture staff their province's cases (the province of the
// guest's facility when reported), the coordinator the region, operators
// only the reports they filed, services only the referrals to them; anything
// else is ENOTFOUND. Every write is one transaction with its audit row and
// its timeline event; every read of case content writes an access row in the
// same transaction or fails. Texts (descriptions, notes, reasons) are sealed
// at rest; without a key writes that carry them fail with EUNAVAILABLE.
type CaseService interface {
	// Directory lists the territorial services of a province (ISTAT code or
	// sigla; ENOTFOUND for an unknown one), by name, for anyone with
	// PermOrgRead: it is the network's public directory.
	Directory(ctx context.Context, province string) ([]DirectoryEntry, error)
	// FileReport records an operator's report (PermReportWrite) about a guest
	// with an open stay in one of the operator's facilities (else ENOTFOUND).
	// EINVALID for unknown codes or an empty description. An immediate report
	// notifies the province's case workers at once, without its content.
	FileReport(ctx context.Context, r *Report) error
	// MyReports lists the reports the caller filed, with their status and no
	// description (PermReportWrite).
	MyReports(ctx context.Context) ([]Report, error)
	// PendingReports lists the untriaged reports in scope, without their
	// descriptions (PermCaseWrite).
	PendingReports(ctx context.Context) ([]Report, error)
	// TriageReport decides on a new report (PermCaseWrite, in scope):
	// TriageClose needs a reason; TriageMerge joins the guest's open case
	// (ECONFLICT if none); TriageOpen opens a case (ECONFLICT if the guest
	// has one open). ECONFLICT if the report was triaged already. It returns
	// the case id, if any.
	TriageReport(ctx context.Context, reportID, decision, reason string) (string, error)
	// OpenCase opens a case on a guest in scope without a report
	// (PermCaseWrite); ECONFLICT if the guest has an open case.
	OpenCase(ctx context.Context, guestID string) (string, error)
	// CaseCounts counts the cases by status in the caller's territory (a
	// province, or the region) for PermStatsRead: no case is read, small
	// counts are suppressed.
	CaseCounts(ctx context.Context) ([]CaseCount, error)
	// ListCases lists the open cases in scope (PermCaseRead), newest first,
	// at most 500: headers only, so no access row (the file is not read).
	ListCases(ctx context.Context) ([]CaseSummary, error)
	// GetCase reads a case for a purpose from AccessPurposes (EINVALID
	// otherwise), writing the access row with the sections returned in the
	// same transaction (PermCaseRead, in scope or under a live break-glass
	// grant). A restricted case without PermCaseRestricted comes back with
	// Restricted set and no content.
	GetCase(ctx context.Context, id, purpose string) (Case, error)
	// CaseAccesses lists a case's access log, newest first: the coordinator,
	// the assigned case worker and the admin (others ENOTFOUND/EFORBIDDEN).
	CaseAccesses(ctx context.Context, id string) ([]CaseAccess, error)
	// SetStatus moves a case (PermCaseWrite, in scope) to a status allowed
	// by CheckTransition (ECONFLICT with the reason otherwise), when its
	// version is still version (EPRECONDITION otherwise; 0 skips the check).
	SetStatus(ctx context.Context, id string, to CaseStatus, version int) error
	// AssignWorker makes a prefecture or coordinator user of the case's
	// province its case worker (PermCaseWrite; EINVALID for another user).
	AssignWorker(ctx context.Context, id, userID string) error
	// LinkVulnerability attaches the guest's registry vulnerabilities with an
	// art. 17 code to the case: the sealed registry rows are referenced, not
	// copied (ENOTFOUND when the registry holds none with that code).
	LinkVulnerability(ctx context.Context, id, code string) error
	// AddTask adds a task with a due date to an open case (PermCaseWrite, in
	// scope, else ENOTFOUND; ECONFLICT on a closed case), with its audit row
	// and timeline entry; it returns the task's id. Reminders go through the
	// outbox when it falls due.
	AddTask(ctx context.Context, id, title string, due time.Time) (string, error)
	// CompleteTask marks a task of the case done (PermCaseWrite, in scope;
	// ENOTFOUND for a task not of this case), audited in the same transaction.
	CompleteTask(ctx context.Context, id, taskID string) error
	// AddMeasure records an art. 23 measure on an open case: its reason is
	// sealed and required (EINVALID), its deadline computed with
	// MeasureDeadline; PermCaseWrite, in scope (ENOTFOUND), ECONFLICT on a
	// closed case; audited with the timeline entry.
	AddMeasure(ctx context.Context, id string, m *Measure) error
	// AddNote adds a sealed note to an open case (PermCaseWrite, in scope;
	// EINVALID when empty; EUNAVAILABLE without a key) and returns its id.
	AddNote(ctx context.Context, id, text string) (string, error)
	// BreakGlass grants the calling case worker (PermCaseWrite) one hour on
	// a case outside their scope, with a reason; the coordinators are
	// notified at once and the grant is in the access log. ENOTFOUND for an
	// unknown case, EINVALID without a reason.
	BreakGlass(ctx context.Context, id, reason string) (time.Time, error)
	// Refer sends a case to a service of the directory in the case's
	// province, enforcing consent (CheckReferralConsent): without it EINVALID
	// (422), unless the caller holds PermConsentOverride and gives a reason;
	// an override is flagged to the coordinators and in the timeline.
	Refer(ctx context.Context, id string, r ReferralRequest) (string, error)
	// Referrals lists the referrals to the caller's service (PermReferralAnswer),
	// without case content.
	Referrals(ctx context.Context) ([]Referral, error)
	// ReferredCase reads a referral's case for a purpose: only the sections
	// consent covered, with an access row in the same transaction.
	ReferredCase(ctx context.Context, referralID, purpose string) (ReferredCase, error)
	// AnswerReferral accepts or declines a sent referral with a reason
	// (PermReferralAnswer, own service); ECONFLICT if already answered.
	AnswerReferral(ctx context.Context, referralID string, accept bool, reason string) error
	// RecordOutcome records the outcome of an accepted referral and the day
	// the service took the person in charge (ECONFLICT if not accepted).
	RecordOutcome(ctx context.Context, referralID, outcome string, takenInCharge time.Time) error
}
