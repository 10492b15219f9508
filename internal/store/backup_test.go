package store_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestBackupRestoreDrill is the restore drill of docs/security.md R14: writes go
// on while the backup is taken; the copy restores into a fresh database where
// every write acknowledged before the backup began is present, the audit
// chain verifies and sealed fields open with the key (kept apart).
func TestBackupRestoreDrill(t *testing.T) {
	for _, engine := range storetest.EngineNames {
		t.Run(engine, func(t *testing.T) {
			dsn, ok := storetest.DSN(t, engine)
			if !ok {
				t.Skipf("%s not set: PostgreSQL drill skipped", storetest.EnvPostgres)
			}
			if engine == "postgres" {
				if _, err := exec.LookPath("pg_dump"); err != nil {
					t.Skip("pg_dump not on the PATH: PostgreSQL drill skipped")
				}
			}
			drill(t, engine, dsn)
		})
	}
}

func drill(t *testing.T, engine, dsn string) {
	db := storetest.Open(t, dsn)
	spec, _ := crypt.NewKey("drill")
	keys, err := crypt.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	db.Keys = keys
	ctx, f, _ := facilityFixture(t, db, 400)
	canary := "DRILL-NOTE-" + hex.EncodeToString([]byte(time.Now().Format(time.RFC3339Nano)))
	g := newGuest(t, ctx, db, "", domain.Vulnerability{Code: "tratta", Status: "sospetta", Source: "ente anti-tratta",
		Date: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Note: canary})

	// A writer declares availability over and over; each acknowledged write
	// is recorded with the version it produced.
	const writes = 300
	var (
		mu      sync.Mutex
		acked   []int // version after each acknowledged write, in order
		wg      sync.WaitGroup
		started = make(chan struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		version := f.Version
		for i := 0; i < writes; i++ {
			got, err := db.Facilities.SetAvailability(ctx, f.Code, version, domain.Availability{Occupied: i % 400})
			if err != nil {
				t.Errorf("write %d: %v", i, err)
				return
			}
			version = got.Version
			mu.Lock()
			acked = append(acked, got.Version)
			mu.Unlock()
			if i == writes/4 {
				close(started)
			}
		}
	}()
	<-started
	mu.Lock()
	before := acked[len(acked)-1] // the newest write acknowledged before the backup began
	mu.Unlock()
	path := filepath.Join(t.TempDir(), "copy", "gesta.backup")
	m, err := db.Backup(ctx, path)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	wg.Wait()
	mu.Lock()
	total := len(acked)
	mu.Unlock()
	if total != writes {
		t.Fatalf("%d writes acknowledged, want %d", total, writes)
	}
	if m.Engine != engine || m.SchemaVersion == 0 || m.AuditHead.Seq == 0 || m.Tables["facilities"] != 1 ||
		m.Tables["guests"] != 1 || m.AuditRows != m.AuditHead.Seq {
		t.Fatalf("manifest: %+v", m)
	}
	t.Logf("backup taken after write version %d: %d bytes, audit head %d, checks %v", before, m.Bytes, m.AuditHead.Seq, m.Checks)
	// Copies are never overwritten.
	if _, err := db.Backup(ctx, path); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second backup to the same file: %v", err)
	}

	target := restoreTarget(t, engine, dsn)
	// The copy holds a per-subject key: without the erasure ledger, only
	// when told (docs/adr/0011-per-subject-keys.md).
	if _, err := store.Restore(ctx, path, target); !errors.Is(err, store.ErrNoLedger) {
		t.Fatalf("restore without the erasure ledger: %v", err)
	}
	if _, err := store.Restore(ctx, path, target, store.RestoreOptions{WithoutLedger: true}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	restored, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	got, err := restored.Facilities.FindFacility(ctx, f.Code)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version < before {
		t.Fatalf("restored facility at version %d, but version %d was acknowledged before the backup began", got.Version, before)
	}
	v, err := restored.Audit.VerifyAudit(ctx)
	if err != nil || !v.OK {
		t.Fatalf("audit chain of the restored database: %+v %v", v, err)
	}
	// Sealed fields open with the key, which is not in the backup.
	restored.Keys = nil
	if _, err := restored.Guests.Vulnerabilities(ctx, g.ID); err == nil {
		t.Fatal("sealed fields read without the key")
	}
	restored.Keys = keys
	vs, err := restored.Guests.Vulnerabilities(ctx, g.ID)
	if err != nil || len(vs) != 1 || vs[0].Note != canary {
		t.Fatalf("sealed fields after restore: %+v %v", vs, err)
	}

	// Restore refuses a database that is not empty: the one just restored.
	if _, err := store.Restore(ctx, path, target, store.RestoreOptions{WithoutLedger: true}); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("restore over a database with data: %v", err)
	}
}

// restoreTarget names a fresh, empty database: a new SQLite file, or a new
// PostgreSQL database (the dump recreates its schema).
func restoreTarget(t *testing.T, engine, dsn string) string {
	if engine == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "restored", "gesta.db")
	}
	base := os.Getenv(storetest.EnvPostgres)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "gesta_restore_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			admin.Close()
		}
	})
	u, _ := url.Parse(dsn) // keeps the source's search_path: the dump recreates that schema
	u.Path = "/" + name
	return u.String()
}

// TestRestoreRefusesDamagedCopy: a copy that does not match its manifest, or
// has none, is refused and nothing is written.
func TestRestoreRefusesDamagedCopy(t *testing.T) {
	dir := t.TempDir()
	db := storetest.Open(t, "sqlite:"+filepath.Join(dir, "live.db"))
	ctx, _, _ := facilityFixture(t, db, 3)
	path := filepath.Join(dir, "b.backup")
	if _, err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "restored.db")
	if _, err := store.Restore(ctx, path, "sqlite:"+target); err == nil || !strings.Contains(err.Error(), "does not match its manifest") {
		t.Fatalf("damaged copy: %v", err)
	}
	if err := os.Remove(store.ManifestPath(path)); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Restore(ctx, path, "sqlite:"+target); err == nil || !strings.Contains(err.Error(), "manifest") {
		t.Fatalf("copy without manifest: %v", err)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Fatalf("a refused restore wrote %s: %v", target, err)
	}
}
