package domain

import (
	"context"
	"strings"
	"time"
)

// Network tables (tavoli di rete): meetings of the prefecture with the
// services and offices, where cases are discussed by pseudonym, decisions
// taken and follow-ups given to owners with due dates. The minutes are a PDF.

// CasePseudonym names a case at a table and in its minutes without naming
// the person: derived from the case's id, stable, not reversible to a person.
func CasePseudonym(caseID string) string {
	id := strings.ReplaceAll(caseID, "-", "")
	if len(id) > 8 {
		id = id[len(id)-8:]
	}
	return "C-" + strings.ToUpper(id)
}

// TableCase is a case discussed at a table.
type TableCase struct {
	CaseID    string `json:"case_id"`
	Pseudonym string `json:"pseudonym"`
}

// FollowUp is a table's follow-up: what, who, by when; Text is sealed.
type FollowUp struct {
	ID        string     `json:"id"`
	CaseID    string     `json:"case_id,omitempty"`
	Pseudonym string     `json:"pseudonym,omitempty"`
	Text      string     `json:"text"`
	Owner     string     `json:"owner"`
	Due       time.Time  `json:"due"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	Overdue   bool       `json:"overdue"`
}

// NetworkTable is a meeting; Decisions is sealed at rest.
type NetworkTable struct {
	ID           string      `json:"id"`
	Province     string      `json:"province"`
	Title        string      `json:"title"`
	HeldOn       time.Time   `json:"held_on"`
	Place        string      `json:"place,omitempty"`
	Participants []string    `json:"participants"`
	Decisions    string      `json:"decisions,omitempty"`
	Cases        []TableCase `json:"cases,omitempty"`
	FollowUps    []FollowUp  `json:"follow_ups,omitempty"`
	OpenFollowUp int         `json:"open_follow_ups"`
	CreatedAt    time.Time   `json:"created_at"`
}

// Validate checks a new table's title, date and participants.
func (t *NetworkTable) Validate() error {
	fields := map[string]FieldError{}
	if strings.TrimSpace(t.Title) == "" || len(t.Title) > 200 {
		fields["title"] = Field("err.table.title")
	}
	if t.HeldOn.IsZero() {
		fields["held_on"] = Field("err.table.date")
	}
	if len(t.Participants) == 0 || len(t.Participants) > 50 {
		fields["participants"] = Field("err.table.participants")
	}
	for _, p := range t.Participants {
		if len(p) > 200 {
			fields["participants"] = Field("err.table.participants")
		}
	}
	if len(fields) > 0 {
		return Err(EINVALID, "err.table.invalid").WithFields(fields)
	}
	return nil
}

// TableService keeps the network tables of a province: prefecture staff
// their province's, the coordinator all (PermCaseRead to read, PermCaseWrite
// to write); out of scope is ENOTFOUND. A case is discussed only if it is in
// the caller's scope; the case's timeline records it.
type TableService interface {
	// CreateTable records a table (PermCaseWrite; EINVALID per Validate) in
	// the caller's province, or for a region-wide caller the one given
	// (EINVALID without it); it sets t.ID and t.Province.
	CreateTable(ctx context.Context, t *NetworkTable) error
	// ListTables lists the tables in scope, newest first, at most 200, with
	// their open follow-ups counted (PermCaseRead).
	ListTables(ctx context.Context) ([]NetworkTable, error)
	// GetTable reads a table with its cases (by pseudonym), decisions and
	// follow-ups opened (PermCaseRead; ENOTFOUND out of scope).
	GetTable(ctx context.Context, id string) (NetworkTable, error)
	// DiscussCase puts a case in scope and of the table's province on its
	// agenda (ENOTFOUND otherwise); idempotent; the case's timeline records it.
	DiscussCase(ctx context.Context, tableID, caseID string) error
	// SetDecisions replaces the table's decisions, sealed (PermCaseWrite;
	// EUNAVAILABLE without a key).
	SetDecisions(ctx context.Context, tableID, text string) error
	// AddFollowUp adds a follow-up with text, owner and due date (EINVALID
	// without them), optionally on a case the table discussed (EINVALID
	// otherwise); it sets f.ID.
	AddFollowUp(ctx context.Context, tableID string, f *FollowUp) error
	// CompleteFollowUp marks a follow-up of the table done (ENOTFOUND for
	// one of another table or already done).
	CompleteFollowUp(ctx context.Context, tableID, followUpID string) error
}
