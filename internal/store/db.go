// Package store is the only package with SQL. It implements the domain
// services on database/sql, with the same query text on SQLite (embedded,
// the default) and PostgreSQL (production). The few non-portable fragments
// live in dialect.go.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"golang.org/x/sync/singleflight"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

//go:embed migrations
var migrations embed.FS

// DB is a handle on the database. On SQLite it keeps two pools: one writer
// connection (SQLite allows one writer at a time, and BEGIN IMMEDIATE on a
// single connection avoids "database is locked" under load) and a pool of
// readers, which WAL lets run beside the writer. On PostgreSQL both are the
// same pool.
type DB struct {
	// Services are the aggregate services over this DB (services.go).
	Services

	write   *sql.DB
	read    *sql.DB
	dialect dialect
	dsn     string

	// clock is the time source; tests replace it with SetClock. Every
	// transaction reads it once.
	clock atomic.Pointer[func() time.Time]

	// Deadline is the daily confirmation deadline (default 10:00, Italian time).
	Deadline ConfirmDeadline
	// OnChange, if set, is called with a facility's code after a commit that
	// changed its figures (the board's live updates subscribe through it): in
	// this process directly, or, on PostgreSQL while Listen runs, once in
	// every process through NOTIFY (notify.go).
	OnChange    func(code string)
	boardCache  boardCache
	today       todayCache
	siglaOnce   sync.Once
	siglas      map[string]string // province sigla → ISTAT code
	boardFlight singleflight.Group
	listen      listenState

	// Keys seal special-category fields (nil: such fields are refused).
	Keys *crypt.Keyring
	// Ledger keeps the subjects' erasures outside the database (nil: none;
	// docs/adr/0011-per-subject-keys.md).
	Ledger ErasureLedger
	// BaseURL is the application's public address, for links in e-mails.
	BaseURL string
	// Split computes ProposeSplit's province split inside its transaction:
	// the engine, wired by internal/app (placement.Split), so that the store
	// does not import it. Nil: ProposeSplit fails.
	Split domain.Splitter
}

// Now returns the current time by the store's clock (UTC).
func (db *DB) Now() time.Time { return (*db.clock.Load())().UTC() }

// ClockFunc returns the clock in use (to restore it after SetClock).
func (db *DB) ClockFunc() func() time.Time { return *db.clock.Load() }

// SetClock replaces the clock (tests); safe while requests are served.
func (db *DB) SetClock(now func() time.Time) { db.clock.Store(&now) }

// Open connects to the database named by dsn: "sqlite:PATH" (the folder is
// created) or "postgres://…". It does not migrate: call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{dsn: dsn, Deadline: ConfirmDeadline{Hour: 10}}
	db.wire()
	db.SetClock(time.Now)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New("store: empty sqlite path")
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create database folder: %w", err)
			}
		}
		db.dialect = sqliteDialect{}
		var err error
		if db.write, err = openPool("sqlite", sqliteDSN(path, true)); err != nil {
			return nil, err
		}
		db.write.SetMaxOpenConns(1)
		db.write.SetMaxIdleConns(1)
		db.write.SetConnMaxLifetime(0)
		if db.read, err = openPool("sqlite", sqliteDSN(path, false)); err != nil {
			return nil, err
		}
		db.read.SetMaxOpenConns(8)
		db.read.SetMaxIdleConns(8)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.dialect = postgresDialect{}
		var err error
		if db.write, err = openPool("pgx", dsn); err != nil {
			return nil, err
		}
		db.write.SetMaxOpenConns(20)
		db.write.SetMaxIdleConns(10)
		db.write.SetConnMaxIdleTime(5 * time.Minute)
		db.read = db.write
	default:
		return nil, fmt.Errorf("store: unknown database %q: use sqlite:PATH or postgres://…", redactDSN(dsn))
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// wrapConnector is nil in production. The fault-injection tests (R6) set it
// (export_test.go) to put a failing driver between the store and the engine.
var wrapConnector func(driver.Connector) driver.Connector

func openPool(driverName, dsn string) (*sql.DB, error) {
	pool, err := sql.Open(driverName, dsn)
	if err != nil || wrapConnector == nil {
		return pool, err
	}
	d := pool.Driver()
	_ = pool.Close() // only its driver was needed
	return sql.OpenDB(wrapConnector(dsnConnector{d, dsn})), nil
}

type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

// sqliteDSN builds the connection string. Pragmas, and why:
//   - busy_timeout first, so that the pragmas after it wait instead of failing;
//   - WAL: readers do not block the writer nor the writer the readers;
//   - foreign_keys: SQLite leaves them off by default;
//   - synchronous(FULL): an acknowledged write survives power loss;
//   - _txlock=immediate on the writer: a write transaction takes the lock at
//     BEGIN, so it waits (busy_timeout) instead of failing at its first write;
//   - times stored as integer microseconds (UTC): ordered, compared and
//     indexed correctly, with PostgreSQL's precision.
func sqliteDSN(path string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_time_integer_format", "unix_micro")
	q.Set("_inttotime", "1")
	if writer {
		q.Set("_txlock", "immediate")
		// Deleted and overwritten records are zeroed in their pages, so that
		// an erased person's identity does not linger in the file (R13).
		q.Add("_pragma", "secure_delete(FAST)")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + q.Encode()
}

// redactDSN hides a password in a connection string for messages.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Clock returns the store's current time (UTC), for services that share its clock.
func (db *DB) Clock() time.Time { return db.Now() }

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if db.write != db.read {
		if err := db.write.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
	}
	return nil
}

// Stats exposes the pools for metrics: name → *sql.DB.
func (db *DB) Pools() map[string]*sql.DB {
	if db.write == db.read {
		return map[string]*sql.DB{"main": db.write}
	}
	return map[string]*sql.DB{"write": db.write, "read": db.read}
}

// Close closes the pools.
func (db *DB) Close() error {
	var errs []error
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Migrate applies the pending migrations of the engine's folder and returns
// the versions applied.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+db.dialect.name())
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(db.dialect.goose(), db.write, fsys)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	var applied []int64
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// SchemaVersion returns the current migration version.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+db.dialect.name())
	if err != nil {
		return 0, err
	}
	p, err := goose.NewProvider(db.dialect.goose(), db.write, fsys)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
