package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/app"
	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/placement"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
	"github.com/gesta-er/gesta/internal/territory"
)

// TestCasesExportCommand: `gesta cases export --guest ID` on the demo gives
// the guest's cases and the reads of their file, in JSON and as a PDF, and
// nothing of another demo case's guest; without the key it refuses; the
// retention command runs twice, the second time doing nothing.
func TestCasesExportCommand(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "cases.db")
	key, _ := crypt.NewKey("k1")
	ctx := storetest.Ctx()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.Keys, _ = crypt.Parse(key)
	db.Split = placement.Split // the demo's plans are split by the real engine, as gesta serve wires it
	tdata, err := territory.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Territory.SyncTerritory(ctx, store.TerritoryData{Region: territory.Region, Provinces: tdata.Provinces,
		Comuni: tdata.Comuni, PopulationSource: tdata.PopulationSource}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadWith(domain.NewContextWithActor(ctx, domain.ActorSystem), db, demo.ScaleRegion,
		demo.Options{HistoryDays: 30, Population: true}); err != nil {
		t.Fatal(err)
	}
	var guests []string
	err = db.ReadTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT guest_id FROM cases ORDER BY opened_at, id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g string
			rows.Scan(&g)
			guests = append(guests, g)
		}
		return rows.Err()
	})
	db.Close()
	if err != nil || len(guests) < 2 || guests[0] == guests[1] {
		t.Fatalf("demo cases: %v %v", guests, err)
	}
	run := func(env map[string]string, args ...string) (string, error) {
		var out, errb bytes.Buffer
		m := &app.Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
		err := m.Run(context.Background(), append(args, "--db", dsn))
		return out.String(), err
	}
	withKey := map[string]string{"GESTA_SECRET_KEY": key}
	if _, err := run(nil, "cases", "export", "--guest", guests[0]); err == nil {
		t.Fatal("an export without the key")
	}
	out, err := run(withKey, "cases", "export", "--guest", guests[0])
	if err != nil {
		t.Fatal(err)
	}
	var x domain.SubjectExport
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatal(err)
	}
	if x.GuestID != guests[0] || len(x.Cases) == 0 || len(x.Accesses) == 0 || x.Accesses[len(x.Accesses)-1].Purpose != "richiesta_interessato" {
		t.Fatalf("export: %d cases, %d accesses", len(x.Cases), len(x.Accesses))
	}
	if strings.Contains(out, guests[1]) {
		t.Fatal("the export names another guest")
	}
	pdf, err := run(withKey, "cases", "export", "--id", guests[0], "--format", "pdf")
	if err != nil || !strings.HasPrefix(pdf, "%PDF-") {
		t.Fatalf("PDF export: %v", err)
	}
	for i := 0; i < 2; i++ {
		out, err := run(withKey, "cases", "retention")
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 && out != "cases anonymised 0, archived reports erased 0, documents deleted 0, access rows deleted 0\n" {
			t.Fatalf("a second retention run did something: %s", out)
		}
	}
}
