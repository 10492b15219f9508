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
	if err := db.SyncTerritory(ctx, TerritoryData{Region: domain.Region{Code: "08", Name: "ER"},
		Provinces: []domain.Province{{Code: "037", UTSCode: "237", Sigla: "BO", Name: "Bologna", NUTS3: "ITH55"}}}); err != nil {
		t.Fatal(err)
	}
	// A fault in the audit table: every insert into it fails.
	if _, err := db.write.Exec(`CREATE TRIGGER audit_fault BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
	err := db.CreateGestore(ctx, &domain.Gestore{Name: "Coop", TaxCode: "01234567890", ProvinceCode: "037"})
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
		if err := db.AuditEvent(ctx, "test.event", "x", string(rune('a'+i)), "riga"); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := db.VerifyAudit(ctx); !v.OK || v.Rows != 5 {
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
	v, err := db.VerifyAudit(ctx)
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
				if err := db.AuditEvent(ctx, "test.event", "x", "y", ""); err != nil {
					t.Fatal(err)
				}
			}
			db.write.Exec(`DROP TRIGGER audit_log_no_delete`)
			if _, err := db.write.Exec(tc.q); err != nil {
				t.Fatal(err)
			}
			v, _ := db.VerifyAudit(ctx)
			if v.OK || v.BrokenSeq != tc.broken {
				t.Fatalf("after %s: %+v", tc.q, v)
			}
		})
	}
}
