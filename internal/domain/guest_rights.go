package domain

import "time"

// GuestRetention is how long the guest registry keeps what, past which the
// retention job erases it (docs/security.md gives the reasons for the
// defaults): a guest's identity, counted from the end of their last stay (or
// their registration, if they never entered); the log of reads of guests,
// counted from each read.
type GuestRetention struct {
	Guests   time.Duration
	Accesses time.Duration
}

// DefaultGuestRetention: five years after the last stay; the access log 24
// months (the Garante's minimum for access logs, docs/security.md R10).
var DefaultGuestRetention = GuestRetention{Guests: 5 * 365 * 24 * time.Hour, Accesses: 2 * 365 * 24 * time.Hour}

// RetentionRun says what one run of the retention job erased.
type RetentionRun struct {
	Anonymised      int   // guests anonymised now
	Vulnerabilities int64 // their vulnerabilities deleted
	Accesses        int64 // access-log rows past their period deleted
}

// GuestChange is a write about the guest in the audit log: when, by whom, what.
type GuestChange struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
}

// GuestExport is everything gesta holds about one guest (GDPR art. 15), and
// who read it: nothing about anyone else (the household appears as its id,
// never its other members).
type GuestExport struct {
	Generated       time.Time       `json:"generated"`
	Guest           Guest           `json:"guest"`
	Anonymised      *time.Time      `json:"anonymised,omitempty"`
	Stays           []Stay          `json:"stays"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities"`
	Changes         []GuestChange   `json:"changes"`
	Accesses        []GuestAccess   `json:"accesses"`
}
