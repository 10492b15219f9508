package store

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// changeChannel is the PostgreSQL channel on which processes tell each other
// that a facility's figures changed.
const changeChannel = "gesta_changes"

// listening is set while a LISTEN loop runs: changes then reach subscribers
// through PostgreSQL (once, in every process), not directly.
type listenState struct{ on atomic.Bool }

// publish announces a committed change: on PostgreSQL with a listener, to
// every process through NOTIFY; otherwise to this process only.
func (db *DB) publish(code string) {
	if db.dialect.name() == "postgres" && db.listen.on.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, err := db.write.ExecContext(ctx, `SELECT pg_notify('`+changeChannel+`', $1)`, code); err == nil {
			return
		}
		// NOTIFY failed: at least this process hears of it.
	}
	if f := db.OnChange; f != nil {
		f(code)
	}
}

// Listen relays changes announced by any process on the same PostgreSQL to
// this one (cache invalidation and OnChange) until ctx ends, reconnecting with
// back-off. On SQLite there is one process and nothing to do.
func (db *DB) Listen(ctx context.Context, log *slog.Logger) {
	if db.dialect.name() != "postgres" {
		return
	}
	backoff := time.Second
	for ctx.Err() == nil {
		err := db.listenOnce(ctx)
		db.listen.on.Store(false)
		if ctx.Err() != nil {
			return
		}
		log.Warn("store: change listener interrupted, reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func (db *DB) listenOnce(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+changeChannel); err != nil {
		return err
	}
	db.listen.on.Store(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		db.boardCache.invalidate()
		db.today.invalidate(db.provinceOfFacility(n.Payload))
		if f := db.OnChange; f != nil {
			f(n.Payload)
		}
	}
}

// Listening reports whether the PostgreSQL change listener is connected.
func (db *DB) Listening() bool { return db.listen.on.Load() }
