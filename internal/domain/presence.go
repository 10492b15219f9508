package domain

import (
	"context"
	"time"
)

// PresenceRow is one person of an operator's presence list, as read.
type PresenceRow struct {
	Line           int       `json:"line"` // row number in the file (1 = first row)
	Facility       string    `json:"facility,omitempty"`
	CUI            string    `json:"cui,omitempty"`
	Surname        string    `json:"surname"`
	GivenName      string    `json:"given_name"`
	Sex            string    `json:"sex,omitempty"`
	BirthDate      time.Time `json:"birth_date"`
	BirthEstimated bool      `json:"birth_estimated"`
	Nationality    string    `json:"nationality,omitempty"`
	EnteredAt      time.Time `json:"entered_at,omitzero"`
	Household      string    `json:"household,omitempty"`
	// Transfer lists (liste di trasferimento) also say who is an
	// unaccompanied minor and each member's role in the household.
	MSNA          bool   `json:"msna,omitempty"`
	HouseholdRole string `json:"household_role,omitempty"`
}

// CellError is a problem in one cell, with the row and the column as the
// user sees them. The store sets MsgID and Args (translated when shown); the
// spreadsheet reader still writes its text into Message.
type CellError struct {
	Line    int            `json:"line"`
	Column  string         `json:"column"`
	Message string         `json:"message,omitempty"`
	MsgID   string         `json:"msg_id,omitempty"`
	Args    map[string]any `json:"args,omitempty"`
}

// PresencePlan is the difference between a presence list and the registry,
// shown to the operator before anything changes.
type PresencePlan struct {
	ID         string            `json:"id"`
	Facilities []string          `json:"facilities"` // codes compared
	New        []PresenceNew     `json:"new"`
	Changed    []PresenceChange  `json:"changed"`
	Missing    []PresenceMissing `json:"missing"`
	Unchanged  int               `json:"unchanged"`
	Errors     []CellError       `json:"errors"`
	CreatedAt  time.Time         `json:"created_at"`
}

// PresenceNew is a person on the list and not in the registry's open stays of
// the facility. Duplicate, when set, says why the person may already be in
// the registry elsewhere (by CUI, or by name, birth date and nationality):
// such a row is not applied as a new person.
type PresenceNew struct {
	Row       PresenceRow `json:"row"`
	Duplicate string      `json:"duplicate,omitempty"`
}

// PresenceChange is a person found in both whose details differ.
type PresenceChange struct {
	Row     PresenceRow          `json:"row"`
	GuestID string               `json:"guest_id"`
	Name    string               `json:"name"`
	Fields  map[string][2]string `json:"fields"` // field → registry, list
}

// PresenceMissing is a person with an open stay who is not on the list.
type PresenceMissing struct {
	GuestID   string    `json:"guest_id"`
	StayID    string    `json:"stay_id"`
	Facility  string    `json:"facility"`
	Name      string    `json:"name"`
	EnteredAt time.Time `json:"entered_at"`
}

// PresenceChoice is what the operator confirms: lines of new people to
// register, lines of changes to apply, and stays to close with a reason.
type PresenceChoice struct {
	New     []int             `json:"new"`
	Changed []int             `json:"changed"`
	Exits   map[string]string `json:"exits"` // stay id → exit reason
	ExitAt  time.Time         `json:"exit_at"`
}

// PresenceService reconciles presence lists with the registry.
type PresenceService interface {
	// PlanPresence compares a facility's presence list with the registry and
	// keeps the comparison for confirmation (nothing in the registry
	// changes). Permission guest:write (EFORBIDDEN); a facility the caller
	// may not write to is ENOTFOUND; errs (the file's cell errors) are kept
	// with the plan.
	PlanPresence(ctx context.Context, facility string, rows []PresenceRow, errs []CellError) (PresencePlan, error)
	// ApplyPresence applies the caller's choices on a kept comparison (new
	// guests, corrections, exits), all or nothing, each change with its audit
	// row, in one transaction; it returns the counts. Permission guest:write
	// (EFORBIDDEN); another user's or an unknown comparison is ENOTFOUND;
	// ECONFLICT when it was applied already, has expired, or a row clashes
	// with the registry (a CUI taken, a person gone); EINVALID for a row
	// whose data fail validation.
	ApplyPresence(ctx context.Context, planID string, c PresenceChoice) (map[string]int, error)
}
