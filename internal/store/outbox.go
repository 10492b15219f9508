package store

import (
	"context"
	"fmt"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// encodeMap stores a parameter map as EncodeParams does its pairs.
func encodeMap(m map[string]any) string {
	kv := make([]any, 0, 2*len(m))
	for k, v := range m {
		kv = append(kv, k, v)
	}
	return domain.EncodeParams(kv...)
}

// Message is an e-mail waiting in the outbox: a kind and its parameters,
// rendered by internal/notify when delivered (the store holds no words);
// sent by internal/jobs.
type Message = domain.OutboxMessage

// enqueue writes a message into the outbox inside tx: it is sent if and only
// if the transaction commits.
func (tx *Tx) enqueue(ctx context.Context, m Message) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO outbox (id, kind, recipient, subject, body, params, created_at, attempts, next_attempt_at, last_error)
		VALUES ($1, $2, $3, '', '', $4, $5, 0, $5, '')`, newID(), m.Kind, m.Recipient, encodeMap(m.Params), tx.now)
	if err != nil {
		return fmt.Errorf("store: enqueue mail: %w", err)
	}
	return nil
}

// PendingMessages returns up to n messages due for sending.
func (s *OutboxService) PendingMessages(ctx context.Context, n int) ([]Message, error) {
	return queryAll(ctx, s.db.read, "pending mail", func(s scanner) (Message, error) {
		var m Message
		var params string
		err := s.Scan(&m.ID, &m.Kind, &m.Recipient, &m.Subject, &m.Body, &params, &m.Attempts, &m.CreatedAt)
		m.Params = domain.DecodeParams(params)
		return m, err
	}, `SELECT id, kind, recipient, subject, body, params, attempts, created_at FROM outbox
		WHERE sent_at IS NULL AND attempts < $1 AND next_attempt_at <= $2 ORDER BY created_at LIMIT $3`,
		MaxMailAttempts, s.db.Now(), n)
}

// MaxMailAttempts bounds retries; a message that fails this often stays in the
// outbox with its last error, for an administrator to see.
const MaxMailAttempts = 8

// MarkSent records a delivered message.
func (s *OutboxService) MarkSent(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET sent_at = $1, attempts = attempts + 1 WHERE id = $2`, tx.now, id)
		return err
	})
}

// MarkFailed records a failed attempt and schedules the next one with
// exponential back-off (1, 2, 4… minutes).
func (s *OutboxService) MarkFailed(ctx context.Context, m Message, cause error) error {
	next := s.db.Now().Add(time.Duration(1<<min(m.Attempts, 10)) * time.Minute)
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3`,
			next, msg, m.ID)
		return err
	})
}

// claimJob records that a job ran for a period, inside tx; false if it had
// already run (the insert conflicts), so that a job runs once per period
// whatever the number of processes and restarts.
func claimJob(ctx context.Context, tx *Tx, name, period, result string) (bool, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO job_runs (name, period, at, result) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name, period) DO NOTHING`, name, period, tx.now, result)
	if err != nil {
		return false, fmt.Errorf("store: claim job %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
