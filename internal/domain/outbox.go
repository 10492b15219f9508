package domain

import "time"

// OutboxMessage is an e-mail waiting in the outbox: written in the
// transaction that decided it, sent by the scheduler after the commit.
type OutboxMessage struct {
	ID        string
	Kind      string
	Recipient string
	Subject   string
	Body      string
	Attempts  int
	CreatedAt time.Time
}
