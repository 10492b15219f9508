package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// BackupFormat names the manifest's layout; Restore refuses another.
const BackupFormat = "gesta-backup/1"

// BackupManifest describes a backup. It is written beside the copy
// (ManifestPath) and read back by Restore, which checks the copy against it.
// The encryption key is not in the backup (nor in the manifest): sealed
// fields stay sealed until the key, kept apart, is given to the restored server.
type BackupManifest struct {
	Format        string           `json:"format"`
	CreatedAt     time.Time        `json:"created_at"`
	Engine        string           `json:"engine"`
	SchemaVersion int64            `json:"schema_version"`
	File          string           `json:"file"` // base name of the copy
	Bytes         int64            `json:"bytes"`
	SHA256        string           `json:"sha256"`
	Tables        map[string]int64 `json:"tables"` // rows per table
	AuditHead     AuditHead        `json:"audit_head"`
	AuditRows     int64            `json:"audit_rows"`
	Checks        []string         `json:"checks"` // what was verified on the copy
}

// AuditHead is the newest link of the audit chain.
type AuditHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// ManifestPath is where the manifest of the backup at path lives.
func ManifestPath(path string) string { return path + ".manifest.json" }

// Backup takes a consistent copy of the live database into the file to,
// verifies it and writes its manifest beside it. Writers go on meanwhile:
// the copy is one snapshot (SQLite: VACUUM INTO, a read transaction;
// PostgreSQL: pg_dump on a snapshot exported by a repeatable-read
// transaction, which also computes the manifest's figures). An existing
// file is never overwritten.
func (db *DB) Backup(ctx context.Context, to string) (BackupManifest, error) {
	m := BackupManifest{Format: BackupFormat, CreatedAt: db.Now(), Engine: db.Engine(), File: filepath.Base(to)}
	if to == "" {
		return m, errors.New("store: backup: no destination file")
	}
	for _, p := range []string{to, ManifestPath(to)} {
		if _, err := os.Stat(p); err == nil {
			return m, fmt.Errorf("store: backup: %s already exists; copies are never overwritten, choose a new name", p)
		}
	}
	if dir := filepath.Dir(to); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return m, fmt.Errorf("store: backup: %w", err)
		}
	}
	partial := to + ".partial"
	_ = os.Remove(partial)
	var err error
	if db.Engine() == "sqlite" {
		err = db.backupSQLite(ctx, partial, &m)
	} else {
		err = db.backupPostgres(ctx, partial, &m)
	}
	if err == nil {
		// A copy holds people's data: readable by its owner only.
		err = os.Chmod(partial, 0o600)
	}
	if err == nil {
		m.SHA256, m.Bytes, err = syncAndHash(partial)
	}
	if err == nil {
		err = os.Rename(partial, to)
	}
	if err != nil {
		_ = os.Remove(partial)
		return m, err
	}
	return m, writeManifest(to, m)
}

func (db *DB) backupSQLite(ctx context.Context, partial string, m *BackupManifest) error {
	// VACUUM INTO reads one snapshot in a read transaction: WAL lets the
	// writer go on, and the copy is compact and in rollback-journal mode.
	conn, err := sql.Open("sqlite", sqliteDSN(strings.TrimPrefix(db.dsn, "sqlite:"), true))
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO $1`, partial); err != nil {
		return fmt.Errorf("store: backup: VACUUM INTO: %w", err)
	}
	return inspectSQLiteFile(ctx, partial, m)
}

// inspectSQLiteFile checks a SQLite copy opened read-only (integrity, foreign
// keys, audit chain) and fills the manifest's figures from it.
func inspectSQLiteFile(ctx context.Context, path string, m *BackupManifest) error {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("immutable", "1")
	q.Set("_time_integer_format", "unix_micro")
	q.Set("_inttotime", "1")
	conn, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: open copy: %w", err)
	}
	defer tx.Rollback()
	var problems []string
	rows, err := tx.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("store: %s is not a readable SQLite database: %w", filepath.Base(path), err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if len(problems) > 0 {
		return fmt.Errorf("store: integrity check of %s failed: %s", filepath.Base(path), strings.Join(problems, "; "))
	}
	var fkTable string
	switch err := tx.QueryRowContext(ctx, `SELECT "table" FROM pragma_foreign_key_check LIMIT 1`).Scan(&fkTable); {
	case err == nil:
		return fmt.Errorf("store: foreign key check of %s failed in table %s", filepath.Base(path), fkTable)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: foreign key check: %w", err)
	}
	m.Checks = []string{"integrity_check", "foreign_key_check"}
	return describe(ctx, tx, "sqlite", m)
}

// describe verifies the audit chain on q and records the schema version, the
// rows of each table and the audit head in m.
func describe(ctx context.Context, q querier, engine string, m *BackupManifest) error {
	v, err := verifyAudit(ctx, q)
	if err != nil {
		return fmt.Errorf("store: audit chain of the copy: %w", err)
	}
	if !v.OK {
		return fmt.Errorf("store: audit chain of the copy is BROKEN at row %d: %s", v.BrokenSeq, v.Reason)
	}
	m.AuditRows = int64(v.Rows)
	m.Checks = append(m.Checks, "audit chain")
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&m.AuditHead.Seq, &m.AuditHead.Hash); err != nil {
		return fmt.Errorf("store: audit head of the copy: %w", err)
	}
	if err := q.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&m.SchemaVersion); err != nil {
		return fmt.Errorf("store: schema version of the copy: %w", err)
	}
	m.Tables, err = tableCounts(ctx, q, engine)
	return err
}

func tableCounts(ctx context.Context, q querier, engine string) (map[string]int64, error) {
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if engine == "postgres" {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	names, err := queryAll(ctx, q, "list tables", func(s scanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	}, list)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	counts := make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(n, `"`, `""`)+`"`).Scan(&c); err != nil {
			return nil, fmt.Errorf("store: count %s: %w", n, err)
		}
		counts[n] = c
	}
	return counts, nil
}

func (db *DB) backupPostgres(ctx context.Context, partial string, m *BackupManifest) error {
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		return errors.New("store: backup: pg_dump is not on the PATH; install the PostgreSQL client " +
			"of the server's version (Debian: apt-get install postgresql-client) or back up with " +
			"`pg_dump -Fc -f FILE DATABASE` (see docs/operations.md)")
	}
	// The manifest's figures and the dump see the same snapshot: the
	// transaction exports it and pg_dump takes it with --snapshot.
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return fmt.Errorf("store: backup: export snapshot: %w", err)
	}
	conn, schema, password, err := libpqURI(db.dsn)
	if err != nil {
		return err
	}
	args := []string{"--format=custom", "--snapshot=" + snapshot, "--file=" + partial}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	cmd := exec.CommandContext(ctx, pgDump, append(args, "--dbname="+conn)...)
	cmd.Env = pgEnv(password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("store: backup: pg_dump: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if err := describe(ctx, tx, "postgres", m); err != nil {
		return err
	}
	// The archive must be readable by pg_restore.
	if pgRestore, err := exec.LookPath("pg_restore"); err == nil {
		if out, err := exec.CommandContext(ctx, pgRestore, "--list", partial).CombinedOutput(); err != nil {
			return fmt.Errorf("store: backup: pg_restore --list: %v: %s", err, strings.TrimSpace(string(out)))
		}
		m.Checks = append(m.Checks, "pg_restore --list")
	}
	return nil
}

// libpqURI turns the store's PostgreSQL URL into one libpq accepts: the
// password goes to the environment (never on a command line), search_path to
// the schema pg_dump takes (and options), parameters only pgx knows are dropped.
func libpqURI(dsn string) (uri, schema, password string, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", "", fmt.Errorf("store: bad database URL: %w", err)
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	out := url.Values{}
	for k, v := range q {
		switch k {
		case "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name",
			"target_session_attrs", "options", "host", "port", "user", "dbname":
			out[k] = v
		case "search_path":
			schema = q.Get(k)
		}
	}
	if schema != "" {
		out.Set("options", strings.TrimSpace(out.Get("options")+" -csearch_path="+schema))
	}
	u.RawQuery = out.Encode()
	return u.String(), schema, password, nil
}

func pgEnv(password string) []string {
	env := os.Environ()
	if password != "" {
		env = append(env, "PGPASSWORD="+password)
	}
	return env
}

// syncAndHash flushes the file to disk and returns its SHA-256 and size.
func syncAndHash(path string) (string, int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func writeManifest(backup string, m BackupManifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := ManifestPath(backup) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	if _, _, err := syncAndHash(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, ManifestPath(backup))
}

// ReadManifest reads and checks the manifest beside the backup at path, and
// the copy's size and checksum against it.
func ReadManifest(path string) (BackupManifest, error) {
	var m BackupManifest
	b, err := os.ReadFile(ManifestPath(path))
	if err != nil {
		return m, fmt.Errorf("store: the manifest of %s cannot be read (%w); a backup is restored only with its manifest", path, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("store: manifest %s: %w", ManifestPath(path), err)
	}
	if m.Format != BackupFormat {
		return m, fmt.Errorf("store: manifest %s: format %q, want %q", ManifestPath(path), m.Format, BackupFormat)
	}
	f, err := os.Open(path)
	if err != nil {
		return m, fmt.Errorf("store: backup: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return m, err
	}
	if n != m.Bytes || hex.EncodeToString(h.Sum(nil)) != m.SHA256 {
		return m, fmt.Errorf("store: %s does not match its manifest (size or SHA-256 differs): the copy is damaged or not the one described", path)
	}
	return m, nil
}

// ErrNotEmpty is returned by Restore when the target database holds tables.
var ErrNotEmpty = errors.New("store: restore: the target database is not empty")

// RestoreOptions say how Restore treats the erasures made since the copy
// (docs/adr/0011-per-subject-keys.md).
type RestoreOptions struct {
	// Ledger is the erasure ledger (anchor.Log): the keys of the subjects it
	// names are destroyed in the restored database before Restore returns.
	Ledger ErasureLedger
	// WithoutLedger restores a copy holding subject keys with no ledger:
	// subjects erased since the copy become readable again. Explicit only.
	WithoutLedger bool
}

// ErrNoLedger is returned by Restore for a copy holding subject keys when no
// erasure ledger was given and WithoutLedger was not set.
var ErrNoLedger = errors.New("store: restore: the copy holds per-subject keys and no erasure ledger was given: " +
	"subjects erased since the copy would become readable again")

// RestoreResult is what Restore did beside loading the copy.
type RestoreResult struct {
	Erasures int // subjects named by the ledger
	Shredded int // of which the copy still held a key
	NoLedger bool
}

// Restore loads the backup at from into the database at dsn, which must be
// empty (a SQLite file that does not exist or has no tables; a PostgreSQL
// database with no tables). It checks the copy against its manifest first
// (checksum; for SQLite also integrity and the audit chain) and the restored
// database against the manifest after (rows per table, audit head, chain).
// A copy holding per-subject keys is restored only with the erasure ledger
// (opts.Ledger), whose subjects' keys are then destroyed in the restored
// database, or with opts.WithoutLedger.
func Restore(ctx context.Context, from, dsn string, opts ...RestoreOptions) (BackupManifest, error) {
	m, _, err := RestoreWith(ctx, from, dsn, opts...)
	return m, err
}

// RestoreWith is Restore returning what the erasure ledger's replay did.
func RestoreWith(ctx context.Context, from, dsn string, opts ...RestoreOptions) (BackupManifest, RestoreResult, error) {
	var o RestoreOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	var rr RestoreResult
	m, err := restore(ctx, from, dsn, o, &rr)
	return m, rr, err
}

func restore(ctx context.Context, from, dsn string, o RestoreOptions, rr *RestoreResult) (BackupManifest, error) {
	m, err := ReadManifest(from)
	if err != nil {
		return m, err
	}
	var erasures []domain.Erasure
	switch {
	case o.Ledger != nil:
		// Read before anything is loaded: a ledger that does not verify
		// stops the restore.
		if erasures, err = o.Ledger.Erasures(); err != nil {
			return m, fmt.Errorf("store: restore: erasure ledger: %w", err)
		}
	case m.Tables["subject_keys"] > 0 && !o.WithoutLedger:
		return m, ErrNoLedger
	default:
		rr.NoLedger = true
	}
	engine := "postgres"
	if strings.HasPrefix(dsn, "sqlite:") {
		engine = "sqlite"
	}
	if m.Engine != engine {
		return m, fmt.Errorf("store: restore: the backup is of a %s database and the target is %s", m.Engine, engine)
	}
	if engine == "sqlite" {
		err = restoreSQLite(ctx, from, strings.TrimPrefix(dsn, "sqlite:"), m)
	} else {
		err = restorePostgres(ctx, from, dsn)
	}
	if err != nil {
		return m, err
	}
	// What was restored is what the manifest describes.
	db, err := Open(ctx, dsn)
	if err != nil {
		return m, err
	}
	defer db.Close()
	var got BackupManifest
	if err := describe(ctx, db.read, engine, &got); err != nil {
		return m, fmt.Errorf("store: restored database: %w", err)
	}
	if err := sameContent(m, got); err != nil {
		return m, fmt.Errorf("store: restored database differs from the manifest: %w", err)
	}
	// A copy older than the per-subject keys has none to destroy: its
	// fields are sealed with the master key (docs/adr/0011).
	if _, has := m.Tables["subject_keys"]; has && len(erasures) > 0 {
		rr.Erasures = len(erasures)
		if rr.Shredded, err = db.replayErasures(ctx, erasures); err != nil {
			return m, fmt.Errorf("store: restore: replay the erasure ledger: %w", err)
		}
	}
	return m, nil
}

func sameContent(want, got BackupManifest) error {
	if want.AuditHead != got.AuditHead || want.SchemaVersion != got.SchemaVersion {
		return fmt.Errorf("audit head %+v / schema %d, manifest %+v / %d", got.AuditHead, got.SchemaVersion, want.AuditHead, want.SchemaVersion)
	}
	for t, n := range want.Tables {
		if got.Tables[t] != n {
			return fmt.Errorf("table %s has %d rows, manifest %d", t, got.Tables[t], n)
		}
	}
	if len(got.Tables) != len(want.Tables) {
		return fmt.Errorf("%d tables, manifest %d", len(got.Tables), len(want.Tables))
	}
	return nil
}

func restoreSQLite(ctx context.Context, from, path string, m BackupManifest) error {
	if path == "" {
		return errors.New("store: restore: empty sqlite path")
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		n, err := sqliteTables(ctx, path)
		if err != nil {
			return fmt.Errorf("%w: %s is not an empty SQLite database (%v); restore only into a new file", ErrNotEmpty, path, err)
		}
		if n > 0 {
			return fmt.Errorf("%w: %s has %d tables; restore only into a new file or an empty database", ErrNotEmpty, path, n)
		}
	}
	var check BackupManifest
	if err := inspectSQLiteFile(ctx, from, &check); err != nil {
		return err
	}
	if err := sameContent(m, check); err != nil {
		return fmt.Errorf("store: restore: %s differs from its manifest: %w", from, err)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	tmp := path + ".restoring"
	if err := copyFile(from, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("store: restore: %w", err)
	}
	// The target was empty: its journal files, if any, belong to nothing.
	for _, p := range []string{path + "-wal", path + "-shm", path + "-journal"} {
		_ = os.Remove(p)
	}
	return os.Rename(tmp, path)
}

func sqliteTables(ctx context.Context, path string) (int, error) {
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var n int
	err = conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n)
	return n, err
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func restorePostgres(ctx context.Context, from, dsn string) error {
	pgRestore, err := exec.LookPath("pg_restore")
	if err != nil {
		return errors.New("store: restore: pg_restore is not on the PATH; install the PostgreSQL client " +
			"(Debian: apt-get install postgresql-client) or run `pg_restore --no-owner --exit-on-error -d DATABASE FILE`")
	}
	conn, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	var n int
	err = conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables
		WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%'`).Scan(&n)
	conn.Close()
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%w: the database has %d tables; create an empty database (createdb) and restore into it", ErrNotEmpty, n)
	}
	uri, _, password, err := libpqURI(dsn)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, pgRestore, "--no-owner", "--exit-on-error", "--single-transaction", "--dbname="+uri, from)
	cmd.Env = pgEnv(password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("store: restore: pg_restore: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
