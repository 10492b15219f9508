package domain

import "time"

// OutboxMessage is an e-mail waiting in the outbox: written in the
// transaction that decided it, sent by the scheduler after the commit.
type OutboxMessage struct {
	ID        string
	Kind      string // rendered by internal/notify with Params when delivered
	Recipient string
	Params    map[string]any
	Subject   string // legacy rows only (queued before kinds had parameters)
	Body      string // legacy rows only
	Attempts  int
	CreatedAt time.Time
}
