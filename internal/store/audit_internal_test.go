package store

import (
	"context"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
)

// These tests reach under the store's API, as an attacker or a fault would.

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), "sqlite:"+t.TempDir()+"/g.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func sysCtx() context.Context {
	return domain.NewContextWithActor(context.Background(), domain.ActorSystem)
}

func TestFailingAuditInsertFailsTheWrite(t *testing.T) {
	db := openTest(t)
	ctx := sysCtx()
	if err := db.Territory.SyncTerritory(ctx, TerritoryData{Region: domain.Region{Code: "08", Name: "ER"},
		Provinces: []domain.Province{{Code: "037", UTSCode: "237", Sigla: "BO", Name: "Bologna", NUTS3: "ITH55"}}}); err != nil {
		t.Fatal(err)
	}
	// A fault in the audit table: every insert into it fails.
	if _, err := db.write.Exec(`CREATE TRIGGER audit_fault BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
	err := db.Orgs.CreateGestore(ctx, &domain.Gestore{Name: "Coop", TaxCode: "01234567890", ProvinceCode: "037"})
	if err == nil || !strings.Contains(err.Error(), "audit") {
		t.Fatalf("write with a failing audit insert: err = %v", err)
	}
	var n int
	db.read.QueryRow(`SELECT COUNT(*) FROM gestori`).Scan(&n)
	if n != 0 {
		t.Fatal("the write survived its failed audit row")
	}
}

func TestVerifyCatchesTampering(t *testing.T) {
	db := openTest(t)
	ctx := sysCtx()
	for i := range 5 {
		if err := db.Audit.AuditEvent(ctx, "test.event", "x", string(rune('a'+i)), "Note", "riga"); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := db.Audit.VerifyAudit(ctx); !v.OK || v.Rows != 5 {
		t.Fatalf("clean chain: %+v", v)
	}
	// Someone with access to the file drops the trigger and edits row 3.
	tamper := func(q string) {
		t.Helper()
		for _, s := range []string{`DROP TRIGGER IF EXISTS audit_log_no_update`, `DROP TRIGGER IF EXISTS audit_log_no_delete`, q} {
			if _, err := db.write.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	tamper(`UPDATE audit_log SET summary = 'riga modificata' WHERE seq = 3`)
	v, err := db.Audit.VerifyAudit(ctx)
	if err != nil || v.OK || v.BrokenSeq != 3 || !strings.Contains(v.Reason, "modified") {
		t.Fatalf("modified row: %+v, %v", v, err)
	}
}

func TestVerifyCatchesDeletion(t *testing.T) {
	for _, tc := range []struct {
		name, q string
		broken  int64
	}{
		{"Middle", `DELETE FROM audit_log WHERE seq = 2`, 3},
		{"Newest", `DELETE FROM audit_log WHERE seq = 4`, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			ctx := sysCtx()
			for range 4 {
				if err := db.Audit.AuditEvent(ctx, "test.event", "x", "y", ""); err != nil {
					t.Fatal(err)
				}
			}
			db.write.Exec(`DROP TRIGGER audit_log_no_delete`)
			if _, err := db.write.Exec(tc.q); err != nil {
				t.Fatal(err)
			}
			v, _ := db.Audit.VerifyAudit(ctx)
			if v.OK || v.BrokenSeq != tc.broken {
				t.Fatalf("after %s: %+v", tc.q, v)
			}
		})
	}
}

// legacyAppend writes an audit row as gesta did before kinds and parameters
// (migration 00010): the detail as text in summary, no params, the hash
// without them.
func legacyAppend(t *testing.T, db *DB, ctx context.Context, summary string) {
	t.Helper()
	err := db.InTx(ctx, func(tx *Tx) error {
		e := domain.AuditEntry{ID: newID(), At: tx.now, Actor: "system", Role: "system", Action: "legacy.event",
			TargetType: "x", TargetID: "y", Summary: summary}
		if err := tx.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&e.Seq, &e.PrevHash); err != nil {
			return err
		}
		e.Hash = chainHash(e, "")
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO audit_log (seq, id, at, actor, role, action, target_type, target_id, request_id, summary, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10, $11)`,
			e.Seq, e.ID, e.At, e.Actor, e.Role, e.Action, e.TargetType, e.TargetID, e.Summary, e.PrevHash, e.Hash)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestChainSpansLegacyRows: rows written as text before parameters existed
// keep verifying, followed by rows with parameters; the parameters are
// covered by the hash, so editing them is caught.
func TestChainSpansLegacyRows(t *testing.T) {
	db := openTest(t)
	ctx := sysCtx()
	legacyAppend(t, db, ctx, "3 strutture")
	legacyAppend(t, db, ctx, "piano chiuso: 70 accolte su 73 annunciate")
	for i := range 3 {
		if err := db.Audit.AuditEvent(ctx, "test.event", "x", "z", "Count", i, "Status", domain.Label("plan.status.closed")); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := db.Audit.VerifyAudit(ctx); err != nil || !v.OK || v.Rows != 5 {
		t.Fatalf("mixed chain: %+v, %v", v, err)
	}
	entries, err := db.Audit.ListAudit(ctx, domain.AuditFilter{Limit: 10})
	if err != nil || len(entries) != 5 {
		t.Fatal(entries, err)
	}
	if e := entries[0]; e.Summary != "" || e.Params["Count"] != int64(2) || e.Params["Status"] != domain.Label("plan.status.closed") {
		t.Errorf("new row: %+v", e)
	}
	if e := entries[4]; e.Summary != "3 strutture" || e.Params != nil {
		t.Errorf("legacy row: %+v", e)
	}
	for _, q := range []string{`DROP TRIGGER IF EXISTS audit_log_no_update`, `UPDATE audit_log SET params = '{"Count":7}' WHERE seq = 4`} {
		if _, err := db.write.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := db.Audit.VerifyAudit(ctx); v.OK || v.BrokenSeq != 4 {
		t.Fatalf("edited params: %+v", v)
	}
}
