package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// IdemTTL is how long a key is remembered; IdemLease how long a claimed key
// counts as in flight without a committed effect (after that, a retry takes
// the claim over: the first attempt died before committing anything).
const (
	IdemTTL   = 24 * time.Hour
	IdemLease = 2 * time.Minute
)

// IdempotencyService implements domain.IdempotencyService over the shared DB.
type IdempotencyService struct{ db *DB }

// NewIdempotencyService returns the service on db.
func NewIdempotencyService(db *DB) *IdempotencyService { return &IdempotencyService{db: db} }

var _ domain.IdempotencyService = (*IdempotencyService)(nil)

// idemClaim travels in the request's context: the first write transaction
// that commits marks the key "committed" in that same transaction.
type idemClaim struct {
	user, key, token string
	marked           atomic.Bool
}

type idemKey struct{}

func claimFrom(ctx context.Context) *idemClaim {
	c, _ := ctx.Value(idemKey{}).(*idemClaim)
	return c
}

// markClaim runs inside a write transaction before its commit. A claim taken
// over by a retry (lease expired) refuses the commit: the retry owns the key.
func (tx *Tx) markClaim(ctx context.Context) error {
	c := claimFrom(ctx)
	if c == nil || c.marked.Load() {
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET state = 'committed'
		WHERE user_id = $1 AND idem_key = $2 AND token = $3 AND state = 'pending'`, c.user, c.key, c.token)
	if err != nil {
		return fmt.Errorf("store: idempotency mark: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return domain.Err(domain.ECONFLICT, "err.api.idem_in_flight")
	}
	return nil
}

// Claim looks the key up and, when it is new (or its earlier attempt died
// uncommitted), claims it for this request.
func (s *IdempotencyService) Claim(ctx context.Context, userID, key, hash string) (context.Context, domain.IdemOutcome, error) {
	var out domain.IdemOutcome
	token := newID()
	err := s.db.InTx(ctx, func(tx *Tx) error {
		now := tx.Now()
		out = domain.IdemOutcome{}
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 AND expires_at <= $3`,
			userID, key, now); err != nil {
			return fmt.Errorf("store: idempotency: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys
			(user_id, idem_key, request_hash, state, token, created_at, lease_until, expires_at)
			VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7) ON CONFLICT (user_id, idem_key) DO NOTHING`,
			userID, key, hash, token, now, now.Add(IdemLease), now.Add(IdemTTL))
		if err != nil {
			return fmt.Errorf("store: idempotency claim: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			out.State = domain.IdemNew
			return nil
		}
		var h, state, ctype, body string
		var status int
		var lease time.Time
		err = tx.QueryRowContext(ctx, `SELECT request_hash, state, status, content_type, body, lease_until
			FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2`, userID, key).
			Scan(&h, &state, &status, &ctype, &body, &lease)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Err(domain.ECONFLICT, "err.api.idem_in_flight") // raced with a delete: retry later
		}
		if err != nil {
			return fmt.Errorf("store: idempotency read: %w", err)
		}
		// In flight wins over a different body: the first request's outcome
		// is not known yet.
		switch {
		case state == "done" && h != hash:
			out.State = domain.IdemMismatch
		case state == "done":
			out = domain.IdemOutcome{State: domain.IdemReplay, Status: status, ContentType: ctype, Body: []byte(body)}
		case lease.After(now):
			out.State = domain.IdemInFlight
		case h != hash:
			out.State = domain.IdemMismatch
		case state == "committed":
			out.State = domain.IdemLost
		default: // pending past its lease: the first attempt committed nothing
			if _, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET token = $1, lease_until = $2
				WHERE user_id = $3 AND idem_key = $4`, token, now.Add(IdemLease), userID, key); err != nil {
				return fmt.Errorf("store: idempotency take over: %w", err)
			}
			out.State = domain.IdemNew
		}
		return nil
	})
	if err != nil || out.State != domain.IdemNew {
		return ctx, out, err
	}
	return context.WithValue(ctx, idemKey{}, &idemClaim{user: userID, key: key, token: token}), out, nil
}

// Finish stores the response of a claimed request. A failure that committed
// nothing frees the key, so that the client may retry it; a 5xx after the
// effect committed is not stored (see below).
func (s *IdempotencyService) Finish(ctx context.Context, status int, ctype string, body []byte) error {
	c := claimFrom(ctx)
	if c == nil {
		return nil
	}
	ctx = context.WithoutCancel(context.WithValue(ctx, idemKey{}, (*idemClaim)(nil)))
	return s.db.InTx(ctx, func(tx *Tx) error {
		if status >= 400 {
			res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys
				WHERE user_id = $1 AND idem_key = $2 AND token = $3 AND state = 'pending'`, c.user, c.key, c.token)
			if err != nil {
				return fmt.Errorf("store: idempotency release: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return nil
			}
			if status >= 500 {
				// The effect committed but the answer is a fault (e.g. reading
				// the result back): not worth replaying for a day. The key
				// stays "committed": a retry learns that the request was
				// carried out and its answer lost.
				return nil
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET state = 'done', status = $1, content_type = $2, body = $3
			WHERE user_id = $4 AND idem_key = $5 AND token = $6`, status, ctype, string(body), c.user, c.key, c.token)
		if err != nil {
			return fmt.Errorf("store: idempotency finish: %w", err)
		}
		return nil
	})
}

// PurgeIdempotencyKeys forgets the keys older than IdemTTL (a scheduled job).
func (s *IdempotencyService) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= $1`, tx.Now())
		if err != nil {
			return fmt.Errorf("store: idempotency purge: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
