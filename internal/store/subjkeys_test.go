package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gesta-er/gesta/internal/anchor"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestSubjectKeysShredOlderBackup is R13's crypto-shredding (docs/adr/0011):
// guests A and B have sealed fields, A a closed case with a document; a
// backup is taken; years later both retention jobs erase A, whose data key
// is destroyed (once: the jobs are idempotent) and audited without data;
// the OLDER backup, restored the supported way (with the erasure ledger),
// opens B's fields and not A's.
func TestSubjectKeysShredOlderBackup(t *testing.T) {
	for _, engine := range storetest.EngineNames {
		t.Run(engine, func(t *testing.T) {
			dsn, ok := storetest.DSN(t, engine)
			if !ok {
				t.Skipf("%s not set: PostgreSQL variant skipped", storetest.EnvPostgres)
			}
			if engine == "postgres" {
				if _, err := exec.LookPath("pg_dump"); err != nil {
					t.Skip("pg_dump not on the PATH: PostgreSQL variant skipped")
				}
			}
			shredOlderBackup(t, engine, dsn)
		})
	}
}

func shredOlderBackup(t *testing.T, engine, dsn string) {
	db := storetest.Open(t, dsn)
	w := newCaseWorld(t, db)
	ctx := storetest.Ctx()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	ledger, err := anchor.Open(t.TempDir(), key)
	if err != nil {
		t.Fatal(err)
	}
	db.Ledger = ledger
	canary := func(what string) string { return "CANARY-HEALTH-" + what + "-" + uuid.NewString() }
	vulnA, descA, docA, noteA := canary("vulnA"), canary("descA"), canary("docA"), canary("noteA")
	vulnB, legacyB, descB := canary("vulnB"), canary("legacyB"), canary("descB")
	nameA := "CANARY-NAME-" + uuid.NewString()[:8]
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

	a := &domain.Guest{CUI: "CUI-SHRED-A", Surname: nameA, GivenName: "Awa", Sex: domain.SexFemale,
		BirthDate: time.Date(2001, 5, 5, 0, 0, 0, 0, time.UTC), Nationality: "NGA", Stage: domain.StageC3Lodged}
	if err := db.Guests.CreateGuest(ctx, a, []domain.Vulnerability{{Code: "tratta", Status: "sospetta",
		Source: "ente anti-tratta", Date: day, Note: vulnA}}); err != nil {
		t.Fatal(err)
	}
	b := newGuest(t, ctx, db, "CUI-SHRED-B", domain.Vulnerability{Code: "disturbo_mentale", Status: "accertata",
		Source: "CSM", Date: day, Note: vulnB})
	stayA, err := db.Guests.RecordEntry(ctx, a.ID, w.facility.Code, w.now.AddDate(0, -1, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Guests.RecordEntry(ctx, b.ID, w.facility.Code, w.now.AddDate(0, -1, 0), ""); err != nil {
		t.Fatal(err)
	}
	// A value sealed with the master key, as before per-subject keys: it
	// stays readable (the migration path).
	legacy, err := db.Keys.Seal(`{"code":"tratta","status":"sospetta","source":"x","date":"2026-11-01T00:00:00Z","note":"`+legacyB+`"}`,
		"guest:"+b.ID+":vulnerability")
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, db, `INSERT INTO guest_vulnerabilities (id, guest_id, sealed, key_id, created_by, created_at)
		VALUES ($1, $2, $3, $4, 'legacy', $5)`, uuid.NewString(), b.ID, legacy, db.Keys.Current(), *w.now)

	// A's case: a report with a document, triaged into a case with a note, closed.
	rep := &domain.Report{GuestID: a.ID, Category: "salute", Urgency: domain.UrgencyUrgent, Description: descA}
	if err := w.cs.FileReport(w.operator, rep); err != nil {
		t.Fatal(err)
	}
	doc, err := store.NewCaseDocumentService(db).AttachToReport(w.operator, rep.ID, "referto.pdf", testPDF(docA))
	if err != nil {
		t.Fatal(err)
	}
	caseID, err := w.cs.TriageReport(w.prefBO, rep.ID, domain.TriageOpen, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.cs.AddNote(w.prefBO, caseID, noteA); err != nil {
		t.Fatal(err)
	}
	// A's vulnerability is linked to the case: the registry's erasure leaves
	// it to the case's.
	if err := w.cs.LinkVulnerability(w.prefBO, caseID, "tratta"); err != nil {
		t.Fatal(err)
	}
	// A report about A never triaged: it follows A's erasure.
	stray := &domain.Report{GuestID: a.ID, Category: "salute", Urgency: domain.UrgencyOrdinary, Description: canary("strayA")}
	if err := w.cs.FileReport(w.operator, stray); err != nil {
		t.Fatal(err)
	}
	if err := w.cs.SetStatus(w.prefBO, caseID, domain.CaseClosed, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.Guests.RecordExit(ctx, stayA.ID, *w.now, domain.ExitReasons[0]); err != nil {
		t.Fatal(err)
	}
	repB := &domain.Report{GuestID: b.ID, Category: "salute", Urgency: domain.UrgencyOrdinary, Description: descB}
	if err := w.cs.FileReport(w.operator, repB); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM subject_keys WHERE subject_id IN ($1, $2)`, a.ID, b.ID); n != 2 {
		t.Fatalf("%d subject keys, want one each for A and B", n)
	}

	// The older backup.
	old := filepath.Join(t.TempDir(), "old.backup")
	m, err := db.Backup(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	if m.Tables["subject_keys"] < 2 {
		t.Fatalf("manifest: %d subject keys", m.Tables["subject_keys"])
	}

	// As in a database that has run for years, A's identity is in the main
	// file, not only in the WAL.
	if engine == "sqlite" {
		if _, err := db.Pools()["write"].Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		if bs, _ := os.ReadFile(strings.TrimPrefix(dsn, "sqlite:")); !bytes.Contains(bs, []byte(nameA)) {
			t.Fatal("A's name is not in the database file before the erasure: the check below would prove nothing")
		}
	}

	// Six years on: A is past both periods, B is still present.
	w.advance(6 * 365 * 24 * time.Hour)
	gp := domain.GuestRetention{Guests: 5 * 365 * 24 * time.Hour, Accesses: 2 * 365 * 24 * time.Hour}
	rights, subjects := store.NewGuestRightsService(db), store.NewCaseSubjectService(db)
	run, err := rights.Anonymise(ctx, gp)
	if err != nil || run.Anonymised != 1 {
		t.Fatalf("guest retention: %+v %v", run, err)
	}
	// The registry is erased, the case not yet: A's key is kept for it.
	if n := countRows(t, db, `SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1`, a.ID); n != 1 {
		t.Fatal("A's key destroyed while A's case still keeps its texts")
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM guest_vulnerabilities WHERE guest_id = $1`, a.ID); n != 1 {
		t.Fatalf("%d vulnerabilities of A after the registry's erasure, want the one linked to the case", n)
	}
	res, err := subjects.Retain(ctx, domain.DefaultCaseRetention)
	if err != nil || res.Cases != 1 {
		t.Fatalf("case retention: %+v %v", res, err)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1`, a.ID); n != 0 {
		t.Fatal("A's key survives A's erasure")
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1`, b.ID); n != 1 {
		t.Fatal("B's key destroyed")
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM guest_vulnerabilities WHERE guest_id = $1`, a.ID); n != 0 {
		t.Fatalf("%d vulnerabilities of A left after A's erasure", n)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM case_reports WHERE guest_id = $1 AND sealed_description <> ''`, a.ID); n != 0 {
		t.Fatalf("%d reports of A still sealed after A's erasure", n)
	}
	// Idempotent: a second run of both jobs does nothing, audits nothing.
	if run, err := rights.Anonymise(ctx, gp); err != nil || run != (domain.RetentionRun{}) {
		t.Fatalf("second guest run: %+v %v", run, err)
	}
	if res, err := subjects.Retain(ctx, domain.DefaultCaseRetention); err != nil || res != (domain.RetentionResult{}) {
		t.Fatalf("second case run: %+v %v", res, err)
	}
	// One audit row for the key, naming the guest by id and nothing else.
	type auditRow struct{ target, summary, params string }
	var rows []auditRow
	pool := anyPool(db)
	rs, err := pool.Query(`SELECT target_id, summary, params FROM audit_log WHERE action = 'subject.key_destroyed'`)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var r auditRow
		if err := rs.Scan(&r.target, &r.summary, &r.params); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	rs.Close()
	if len(rows) != 1 || rows[0].target != a.ID {
		t.Fatalf("key destruction audit rows: %+v", rows)
	}
	for _, needle := range []string{vulnA, descA, docA, noteA, nameA, "CUI-SHRED-A", "Awa", "tratta"} {
		if strings.Contains(rows[0].summary+rows[0].params, needle) {
			t.Fatalf("the erasure's audit row holds %q: %+v", needle, rows[0])
		}
	}
	es, err := ledger.Erasures()
	if err != nil || len(es) != 1 || es[0].Subject != a.ID {
		t.Fatalf("ledger: %+v %v", es, err)
	}
	// The live SQLite file and its WAL hold none of A's canaries.
	if engine == "sqlite" {
		path := strings.TrimPrefix(dsn, "sqlite:")
		for _, f := range []string{path, path + "-wal"} {
			bs, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			for i, needle := range []string{vulnA, descA, docA, noteA, nameA} {
				if bytes.Contains(bs, []byte(needle)) {
					t.Errorf("canary %d of A found in %s after the erasure", i, filepath.Base(f))
				}
			}
		}
	}

	// Without the ledger the older copy is not restored (unless told).
	if _, err := store.Restore(ctx, old, restoreTarget(t, engine, dsn)); !errors.Is(err, store.ErrNoLedger) {
		t.Fatalf("restore without the ledger: %v", err)
	}
	// The supported way: the ledger replayed on the restored copy.
	target := restoreTarget(t, engine, dsn)
	_, rr, err := store.RestoreWith(ctx, old, target, store.RestoreOptions{Ledger: ledger})
	if err != nil || rr.Erasures != 1 || rr.Shredded != 1 {
		t.Fatalf("restore with the ledger: %+v %v", rr, err)
	}
	restored, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	restored.Keys = db.Keys
	restored.SetClock(func() time.Time { return *w.now })
	if _, err := restored.Guests.Vulnerabilities(ctx, a.ID); !store.IsErased(err) {
		t.Fatalf("A's vulnerabilities in the restored copy: %v", err)
	}
	if g, err := restored.Guests.FindGuest(ctx, a.ID); err != nil || g.Surname != "" || g.CUI != "" {
		t.Fatalf("A's identity in the restored copy: %+v %v", g, err)
	}
	rcs := store.NewCaseService(restored)
	if _, err := rcs.GetCase(w.prefBO, caseID, "verifica"); !store.IsErased(err) {
		t.Fatalf("A's case in the restored copy: %v", err)
	}
	if _, _, err := store.NewCaseDocumentService(restored).ReadCaseDocument(w.prefBO, caseID, doc.ID, "verifica"); !store.IsErased(err) {
		t.Fatalf("A's document in the restored copy: %v", err)
	}
	vb, err := restored.Guests.Vulnerabilities(ctx, b.ID)
	if err != nil || len(vb) != 2 {
		t.Fatalf("B's vulnerabilities in the restored copy: %+v %v", vb, err)
	}
	notes := vb[0].Note + vb[1].Note
	if !strings.Contains(notes, vulnB) || !strings.Contains(notes, legacyB) {
		t.Fatalf("B's vulnerabilities read back: %+v", vb)
	}
	x, err := store.NewCaseSubjectService(restored).SubjectExport(w.coord, b.ID)
	if err != nil || len(x.Reports) != 1 || x.Reports[0].Description != descB {
		t.Fatalf("B's report in the restored copy: %+v %v", x.Reports, err)
	}
}

func execSQL(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if err := db.InTx(storetest.Ctx(), func(tx *store.Tx) error {
		_, err := tx.ExecContext(context.Background(), q, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func countRows(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := anyPool(db).QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func anyPool(db *store.DB) *sql.DB {
	var pool *sql.DB
	for _, p := range db.Pools() {
		pool = p
	}
	return pool
}

// TestResealSubjects: values sealed with the master key before per-subject
// keys move to their subject's key and read the same; one that does not
// open stays as it is; a second run does nothing.
func TestResealSubjects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		ctx := storetest.Ctx()
		caseID, err := w.cs.OpenCase(w.prefBO, w.guest.ID)
		if err != nil {
			t.Fatal(err)
		}
		noteID, err := w.cs.AddNote(w.prefBO, caseID, "nuova")
		if err != nil {
			t.Fatal(err)
		}
		// As written before migration 20: the note and a vulnerability sealed
		// with the master key; and a value that does not open.
		oldNote, _ := db.Keys.Seal("CANARY-HEALTH-old-note", "case:"+caseID+":note:"+noteID)
		execSQL(t, db, `UPDATE case_notes SET sealed_text = $1 WHERE id = $2`, oldNote, noteID)
		oldVuln, _ := db.Keys.Seal(`{"code":"tratta","status":"sospetta","source":"x","date":"2026-11-01T00:00:00Z","note":"old"}`,
			"guest:"+w.guest.ID+":vulnerability")
		execSQL(t, db, `INSERT INTO guest_vulnerabilities (id, guest_id, sealed, key_id, created_by, created_at)
			VALUES ($1, $2, $3, 't1', 'legacy', $4)`, uuid.NewString(), w.guest.ID, oldVuln, *w.now)
		wrong, _ := db.Keys.Seal("x", "somewhere else")
		execSQL(t, db, `INSERT INTO guest_vulnerabilities (id, guest_id, sealed, key_id, created_by, created_at)
			VALUES ($1, $2, $3, 't1', 'legacy', $4)`, uuid.NewString(), w.guest.ID, wrong, *w.now)

		res, err := db.ResealSubjects(ctx)
		if err != nil || res.Resealed != 2 || res.Skipped != 1 {
			t.Fatalf("reseal: %+v %v", res, err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM guest_vulnerabilities WHERE sealed LIKE 'g1:%'`); n != 1 {
			t.Fatalf("%d master-sealed vulnerabilities left, want the one that does not open", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM case_notes WHERE sealed_text LIKE $1`, "g2:"+w.guest.ID+":%"); n != 1 {
			t.Fatal("the note is not sealed with its subject's key")
		}
		c, err := w.cs.GetCase(w.prefBO, caseID, "verifica")
		if err != nil || len(c.Notes) != 1 || c.Notes[0].Text != "CANARY-HEALTH-old-note" {
			t.Fatalf("the re-sealed note: %+v %v", c.Notes, err)
		}
		if again, err := db.ResealSubjects(ctx); err != nil || again.Resealed != 0 {
			t.Fatalf("second run: %+v %v", again, err)
		}
	})
}
