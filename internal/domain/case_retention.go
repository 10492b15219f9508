package domain

import (
	"context"
	"time"
)

// Retention of case files (GDPR art. 5(1)(e)): how long each kind of record
// is kept once its purpose is spent. The defaults and their reasoning are in
// docs/cases.md.
type CaseRetention struct {
	// ClosedCase: a closed case's content (texts, documents, links to the
	// registry's vulnerabilities, consent details) is erased this long after
	// closing; the case keeps its codes and dates for the statistics.
	ClosedCase time.Duration
	// ArchivedReport: a report closed at triage without a case.
	ArchivedReport time.Duration
	// AccessLog: rows of the access log older than this are deleted (the
	// Garante's 24 months for health dossiers).
	AccessLog time.Duration
}

// DefaultCaseRetention is the policy without configuration.
var DefaultCaseRetention = CaseRetention{
	ClosedCase:     5 * 365 * 24 * time.Hour,
	ArchivedReport: 2 * 365 * 24 * time.Hour,
	AccessLog:      24 * 30 * 24 * time.Hour, // 24 months, counted as 720 days
}

// RetentionResult says what a retention run did.
type RetentionResult struct {
	Cases     int `json:"cases"`     // anonymised
	Reports   int `json:"reports"`   // archived reports erased
	Documents int `json:"documents"` // deleted
	Accesses  int `json:"accesses"`  // access-log rows deleted
}

// SubjectAccess is one row of a subject's access log, as the person learns
// it (CJEU C-579/21: the dates and purposes of every consultation): the
// reader's role, not the employee's name.
type SubjectAccess struct {
	CaseID     string    `json:"case_id"`
	At         time.Time `json:"at"`
	Role       string    `json:"role"`
	Purpose    string    `json:"purpose"`
	Sections   []string  `json:"sections"`
	BreakGlass bool      `json:"break_glass"`
}

// SubjectDocument is a document held about the subject, with its content.
type SubjectDocument struct {
	Document
	Content []byte `json:"content"` // base64 in JSON
}

// SubjectExport is everything the case module holds about one guest (GDPR
// art. 15): their cases with every section, their reports (those closed at
// triage too), documents, and who read their files, when and why.
type SubjectExport struct {
	GuestID   string            `json:"guest_id"`
	Generated time.Time         `json:"generated"`
	Guest     *Guest            `json:"guest,omitempty"`
	Cases     []Case            `json:"cases"`
	Reports   []Report          `json:"reports"`
	Documents []SubjectDocument `json:"documents"`
	Accesses  []SubjectAccess   `json:"accesses"`
}

// CaseSubjects runs retention and subject-access exports.
type CaseSubjects interface {
	// Retain applies a retention policy at the store's clock: idempotent
	// (a second run finds nothing), as the system or an administrator.
	Retain(ctx context.Context, p CaseRetention) (RetentionResult, error)
	// SubjectExport gathers a guest's data for the coordinator, the
	// administrator or the CLI; every case read is logged with the purpose
	// "richiesta_interessato". ENOTFOUND for an unknown guest.
	SubjectExport(ctx context.Context, guestID string) (SubjectExport, error)
}
