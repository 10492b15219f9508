package store

import (
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
)

// dialect holds what differs between the engines. Query text does not: it is
// shared (positional $n placeholders, no casts, times passed from Go).
type dialect interface {
	name() string
	goose() goose.Dialect
	// retryable reports a transient failure worth retrying the transaction:
	// SQLITE_BUSY/LOCKED, PostgreSQL serialization failure and deadlock.
	retryable(err error) bool
	// uniqueViolation reports a unique or primary-key constraint violation.
	uniqueViolation(err error) bool
	// unavailable reports a fault of the database itself (I/O error, disk
	// full, lost connection, shutting down): the request may succeed later.
	unavailable(err error) bool
	// foreignKeyViolation reports a reference to a missing row.
	foreignKeyViolation(err error) bool
}

// SQLite's built-in lower() folds ASCII letters only, so a search for
// "özdemir" missed "Özdemir" (and typing "Özdemir" itself missed it: the
// pattern is lowered in Go). PostgreSQL's lower() folds by the database's
// character type (UTF-8 here); an application-defined lower() replaces the
// built-in on every SQLite connection, so the shared query text behaves
// the same on both.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		default: // NULL, numbers: as the built-in, which has no letters to fold there
			return v, nil
		}
	})
}

type sqliteDialect struct{}

func (sqliteDialect) name() string         { return "sqlite" }
func (sqliteDialect) goose() goose.Dialect { return goose.DialectSQLite3 }

func (sqliteDialect) retryable(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED (and their extended codes)
		return true
	}
	return false
}

func (sqliteDialect) unavailable(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return errors.Is(err, driver.ErrBadConn)
	}
	switch e.Code() & 0xff {
	case 8, 10, 13, 14: // SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN
		return true
	}
	return false
}

func (sqliteDialect) uniqueViolation(err error) bool {
	var e *sqlite.Error
	// SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
	return errors.As(err, &e) && (e.Code() == 2067 || e.Code() == 1555)
}

func (sqliteDialect) foreignKeyViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == 787 // SQLITE_CONSTRAINT_FOREIGNKEY
}

type postgresDialect struct{}

func (postgresDialect) name() string         { return "postgres" }
func (postgresDialect) goose() goose.Dialect { return goose.DialectPostgres }

func (postgresDialect) retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
}

func (postgresDialect) unavailable(err error) bool {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		// 08: connection exception, 53: insufficient resources (53100 disk
		// full), 57P0x: shutting down, 58: system (I/O) error.
		return strings.HasPrefix(e.Code, "08") || strings.HasPrefix(e.Code, "53") ||
			strings.HasPrefix(e.Code, "57P") || strings.HasPrefix(e.Code, "58")
	}
	return errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

func (postgresDialect) uniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func (postgresDialect) foreignKeyViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23503"
}
