package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
)

// Tx is a transaction with the one "now" its writes use.
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
	// dataKeys caches the subjects' keys unwrapped in this transaction
	// (subjkeys.go); nil: erased.
	dataKeys map[string]*crypt.DataKey
}

// Now is the transaction's time: every row it writes carries the same instant.
func (tx *Tx) Now() time.Time { return tx.now }

const maxTxAttempts = 4

// InTx runs fn in a write transaction and commits it, or rolls it back when fn
// fails. Transient failures (SQLITE_BUSY, serialization failures, deadlocks)
// are retried up to three times with jittered back-off, so fn must not have
// effects outside the transaction.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.runTx(ctx, db.write, nil, fn)
}

// ReadTx runs fn in a read-only transaction: a consistent snapshot for reads
// that span several queries.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.runTx(ctx, db.read, &sql.TxOptions{ReadOnly: db.dialect.name() == "postgres"}, fn)
}

func (db *DB) runTx(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = db.tryTx(ctx, pool, opts, fn)
		if err == nil || attempt == maxTxAttempts || !db.dialect.retryable(err) {
			return db.classify(err)
		}
		backoff := time.Duration(attempt*attempt)*10*time.Millisecond + rand.N(10*time.Millisecond)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return db.classify(fmt.Errorf("store: %w (after %v)", ctx.Err(), err))
		case <-t.C:
		}
	}
}

// classify gives the database's own faults a code, so that callers answer
// 409 (still busy after the retries: try again) or 503 (the database or the
// request gave up) with a generic message instead of 500; the cause stays
// wrapped for the log. Errors that already carry a code are kept.
func (db *DB) classify(err error) error {
	if err == nil || domain.ErrorCode(err) != domain.EINTERNAL {
		return err
	}
	switch {
	case db.dialect.retryable(err):
		return &domain.Error{Code: domain.ECONFLICT, MsgID: "err.db.busy", Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), db.dialect.unavailable(err):
		return &domain.Error{Code: domain.EUNAVAILABLE, MsgID: "err.db.unavailable", Err: err}
	}
	return err
}

func (db *DB) tryTx(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *Tx) error) (err error) {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	// Microseconds: the precision both engines store, so values round-trip.
	tx := &Tx{Tx: sqlTx, db: db, now: db.Now().UTC().Truncate(time.Microsecond)}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	// A request sent with an Idempotency-Key: its first write transaction
	// marks the key in the same commit as the effect (idempotency.go).
	write := opts == nil
	if write {
		if err := tx.markClaim(ctx); err != nil {
			_ = sqlTx.Rollback()
			return err
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if c := claimFrom(ctx); write && c != nil {
		c.marked.Store(true)
	}
	return nil
}
