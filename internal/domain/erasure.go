package domain

import "time"

// Erasure records that a subject's data key was destroyed (crypto-shredding,
// docs/adr/0011-per-subject-keys.md): the subject's id and when, nothing
// else. The erasure ledger keeps them outside the database, so that a
// restore of an older copy destroys the keys again.
type Erasure struct {
	Subject string    `json:"subject"`
	At      time.Time `json:"at"`
}
