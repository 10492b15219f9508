package app_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/app"
	"github.com/gesta-er/gesta/internal/store"
)

// TestBackupRestoreCommands: gesta backup and gesta restore on the region
// demo (without people, to stay quick), and restore's refusals.
func TestBackupRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "live.db")
	if out, err := run(t, "", "demo", "--db", dsn, "--people=false"); err != nil {
		t.Fatalf("demo: %q %v", out, err)
	}
	if _, err := run(t, "", "backup", "--db", dsn); !errors.Is(err, app.ErrUsage) {
		t.Fatalf("backup without --to: %v", err)
	}
	copyPath := filepath.Join(dir, "backups", "gesta-1.backup")
	out, err := run(t, "", "backup", "--db", dsn, "--to", copyPath)
	if err != nil || !strings.Contains(out, "verified: integrity_check, foreign_key_check, audit chain") {
		t.Fatalf("backup: %q %v", out, err)
	}
	man, err := store.ReadManifest(copyPath)
	if err != nil || man.Tables["facilities"] == 0 || man.AuditHead.Seq == 0 {
		t.Fatalf("manifest: %+v %v", man, err)
	}
	// Into the live database (not empty): refused.
	if out, err := run(t, "", "restore", "--from", copyPath, "--db", dsn); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("restore over live data: %q %v", out, err)
	}
	// Across engines: refused.
	if _, err := run(t, "", "restore", "--from", copyPath, "--db", "postgres://nobody@127.0.0.1:1/none"); err == nil ||
		!strings.Contains(err.Error(), "sqlite database and the target is postgres") {
		t.Fatalf("restore into another engine: %v", err)
	}
	target := "sqlite:" + filepath.Join(dir, "restored.db")
	if out, err := run(t, "", "restore", "--from", copyPath, "--db", target); err != nil || !strings.Contains(out, "restored in") {
		t.Fatalf("restore: %q %v", out, err)
	}
	if out, err := run(t, "", "audit", "verify", "--db", target); err != nil || !strings.Contains(out, "audit chain OK") {
		t.Fatalf("audit verify on the restored database: %q %v", out, err)
	}
}
