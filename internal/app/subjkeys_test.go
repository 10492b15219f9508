package app_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/anchor"
	"github.com/gesta-er/gesta/internal/app"
	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestRestoreReplaysErasureLedger: `gesta restore` of a copy holding
// per-subject keys needs the erasure ledger (beside the audit anchors) or an
// explicit --without-erasure-ledger; with it, the subject erased after the
// copy does not open in the restored database and the other one does
// (docs/adr/0011-per-subject-keys.md; the erasure itself is tested in the
// store, TestSubjectKeysShredOlderBackup).
func TestRestoreReplaysErasureLedger(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "live.db")
	key, _ := crypt.NewKey("k1")
	if out, err := run(t, "", "demo", "--db", dsn, "--people=false"); err != nil {
		t.Fatalf("demo: %v %s", err, out)
	}
	ctx := storetest.Ctx()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.Keys, _ = crypt.Parse(key)
	var ids []string
	for _, name := range []string{"Cancellata", "Rimasta"} {
		g := &domain.Guest{Surname: name, GivenName: "Prova", Sex: domain.SexFemale, Nationality: "ERI",
			BirthDate: time.Date(1990, 5, 5, 0, 0, 0, 0, time.UTC), Stage: domain.StageC3Lodged}
		if err := db.Guests.CreateGuest(ctx, g, []domain.Vulnerability{{Code: domain.VulnerabilityCodes[0], Status: "sospetta",
			Source: "CANARY-HEALTH-" + name}}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
	}
	// A field sealed with the master key, as before per-subject keys.
	legacy, _ := db.Keys.Seal(`{"code":"tratta","status":"sospetta","source":"CANARY-HEALTH-legacy"}`, "guest:"+ids[1]+":vulnerability")
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO guest_vulnerabilities (id, guest_id, sealed, key_id, created_by, created_at)
			VALUES ('legacy-1', $1, $2, 'k1', 'legacy', $3)`, ids[1], legacy, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if out, err := run(t, "", "key", "reseal", "--db", dsn, "--secret-key", key); err != nil ||
		!strings.Contains(out, "1 fields moved to their person's key") {
		t.Fatalf("key reseal: %v %s", err, out)
	}
	old := filepath.Join(dir, "backups", "old.backup")
	if out, err := run(t, "", "backup", "--db", dsn, "--to", old); err != nil || !strings.Contains(out, "erasures.jsonl") {
		t.Fatalf("backup: %v %s", err, out)
	}
	// After the copy, the first guest is erased: the retention job writes
	// the ledger beside the anchors (here the development key's).
	anchors := filepath.Join(dir, "audit-anchors")
	k, err := anchor.Key("", anchors, false)
	if err != nil {
		t.Fatal(err)
	}
	l, err := anchor.Open(anchors, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AppendErasures([]domain.Erasure{{Subject: ids[0], At: time.Now()}}); err != nil {
		t.Fatal(err)
	}

	// Elsewhere, with no ledger: refused, naming the way out.
	other := "sqlite:" + filepath.Join(dir, "elsewhere", "gesta.db")
	if out, err := run(t, "", "restore", "--from", old, "--db", other); !errors.Is(err, app.ErrUsage) ||
		!strings.Contains(err.Error(), "--without-erasure-ledger") {
		t.Fatalf("restore without the ledger: %v %s", err, out)
	}
	// With the ledger: the erased guest's key is destroyed in the copy.
	target := "sqlite:" + filepath.Join(dir, "restored", "gesta.db")
	out, err := run(t, "", "restore", "--from", old, "--db", target, "--audit-anchors", anchors)
	if err != nil || !strings.Contains(out, "1 erased subjects, 1 keys destroyed") {
		t.Fatalf("restore with the ledger: %v %s", err, out)
	}
	out, err = run(t, "", "guests", "export", "--db", target, "--secret-key", key, "--id", ids[0])
	// Replayed: the key destroyed, the identity blanked and the fields no
	// case keeps deleted again.
	if err != nil || strings.Contains(out, "Cancellata") || !strings.Contains(out, `"vulnerabilities": []`) {
		t.Fatalf("the erased guest's export from the restored copy: %v %s", err, out)
	}
	out, err = run(t, "", "guests", "export", "--db", target, "--secret-key", key, "--id", ids[1])
	if err != nil || !strings.Contains(out, "CANARY-HEALTH-Rimasta") || !strings.Contains(out, "CANARY-HEALTH-legacy") {
		t.Fatalf("the other guest's export from the restored copy: %v %s", err, out)
	}
	// Told explicitly, without the ledger: restored, and said so.
	out, err = run(t, "", "restore", "--from", old, "--db", other, "--without-erasure-ledger")
	if err != nil || !strings.Contains(out, "no erasure ledger replayed") {
		t.Fatalf("restore --without-erasure-ledger: %v %s", err, out)
	}
}
