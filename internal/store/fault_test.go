package store_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// A database/sql driver between the store and the engine that fails the k-th
// statement of a use case (docs/security.md R6). Tests only: production opens the
// engines' drivers directly (store.WrapConnectors is in export_test.go).

// fault is what the injector does at its statement.
type fault struct {
	name string
	// err returns the engine's own error for the fault (nil: cancel the
	// context instead and let the engine notice).
	err func(engine string) error
	// sticky faults fail every statement from k on (a database that stays
	// busy); the others fail once.
	sticky bool
}

// sqliteErr builds a genuine *sqlite.Error (its fields are unexported), so
// that the store's classification sees exactly what the engine would return.
func sqliteErr(code int, msg string) error {
	e := &sqlite.Error{}
	v := reflect.ValueOf(e).Elem()
	*(*int)(unsafe.Pointer(v.FieldByName("code").UnsafeAddr())) = code
	*(*string)(unsafe.Pointer(v.FieldByName("msg").UnsafeAddr())) = msg
	return e
}

func engineErr(sqliteCode int, pgCode, msg string) func(string) error {
	return func(engine string) error {
		if engine == "postgres" {
			return &pgconn.PgError{Severity: "ERROR", Code: pgCode, Message: msg}
		}
		return sqliteErr(sqliteCode, msg)
	}
}

var (
	faultBusy   = fault{name: "busy", err: engineErr(5, "40P01", "database is locked / deadlock detected")}
	faultStuck  = fault{name: "busy-always", err: engineErr(5, "40P01", "database is locked / deadlock detected"), sticky: true}
	faultSerial = fault{name: "serialization", err: engineErr(5, "40001", "could not serialize access")}
	faultIO     = fault{name: "ioerr", err: engineErr(10, "58030", "disk I/O error")}
	faultFull   = fault{name: "full", err: engineErr(13, "53100", "database or disk is full")}
	faultCancel = fault{name: "cancel"}
)

// injector counts statements (BEGIN, each query, COMMIT) while armed and
// fails the k-th.
type injector struct {
	mu      sync.Mutex
	engine  string
	armed   bool
	at      int // 1-based statement to fail; 0: none
	f       fault
	cancel  context.CancelFunc
	seen    int
	fired   int
	retries int    // BEGINs after the fault first fired: the store's retries
	inTx    bool   // the fault fired inside a transaction (not a plain read)
	match   string // if set, only statements containing it count
	queries []string
}

func (in *injector) arm(at int, f fault, cancel context.CancelFunc) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.armed, in.at, in.f, in.cancel, in.seen, in.fired, in.retries, in.inTx, in.queries = true, at, f, cancel, 0, 0, 0, false, nil
}

func (in *injector) disarm() (seen, fired, retries int, inTx bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.armed = false
	return in.seen, in.fired, in.retries, in.inTx
}

// check is called before each statement; it returns the fault to answer
// with, or nil. A cancel fault cancels the use case's context and lets the
// statement run, so the engine reports the cancellation itself.
func (in *injector) check(query string, inTx bool) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.armed {
		return nil
	}
	if query == "BEGIN" && in.fired > 0 {
		in.retries++
	}
	if in.match != "" && !strings.Contains(query, in.match) {
		return nil
	}
	in.seen++
	in.queries = append(in.queries, query)
	if in.at == 0 || in.seen < in.at || (in.seen > in.at && !in.f.sticky) {
		return nil
	}
	if in.fired == 0 {
		in.inTx = inTx || query == "BEGIN"
	}
	in.fired++
	if in.f.err == nil {
		in.cancel()
		return nil
	}
	return in.f.err(in.engine)
}

type faultConnector struct {
	c  driver.Connector
	in *injector
}

func (fc faultConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := fc.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &faultConn{Conn: c, in: fc.in}, nil
}

func (fc faultConnector) Driver() driver.Driver { return fc.c.Driver() }

type faultConn struct {
	driver.Conn
	in   *injector
	inTx atomic.Bool
}

func (c *faultConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.in.check("BEGIN", false); err != nil {
		return nil, err
	}
	b, ok := c.Conn.(driver.ConnBeginTx)
	if !ok {
		return nil, errors.New("fault: driver without BeginTx")
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.inTx.Store(true)
	return &faultTx{Tx: tx, c: c}, nil
}

func (c *faultConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.in.check(query, c.inTx.Load()); err != nil {
		return nil, err
	}
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return e.ExecContext(ctx, query, args)
}

func (c *faultConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.in.check(query, c.inTx.Load()); err != nil {
		return nil, err
	}
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return q.QueryContext(ctx, query, args)
}

func (c *faultConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *faultConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *faultConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *faultConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *faultConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

type faultTx struct {
	driver.Tx
	c *faultConn
}

// Commit fails by rolling back: the engine's commit did not happen.
func (t *faultTx) Commit() error {
	defer t.c.inTx.Store(false)
	if err := t.c.in.check("COMMIT", true); err != nil {
		_ = t.Tx.Rollback()
		return err
	}
	return t.Tx.Commit()
}

func (t *faultTx) Rollback() error {
	t.c.inTx.Store(false)
	return t.Tx.Rollback()
}

func (t *faultTx) String() string { return fmt.Sprintf("faultTx(%T)", t.Tx) }
