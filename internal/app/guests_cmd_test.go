package app_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestGuestsExportCommand: `gesta guests export` writes one guest's
// subject-access export as JSON and as PDF, with the sealed vulnerabilities
// opened by the key, and nothing of the other member of the household.
func TestGuestsExportCommand(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "gesta.db")
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
	for _, name := range []string{"Esportata", "Vicina"} {
		g := &domain.Guest{Surname: name, GivenName: "Prova", Sex: domain.SexFemale, Nationality: "ERI", HouseholdID: "H-cli",
			BirthDate: time.Date(1990, 5, 5, 0, 0, 0, 0, time.UTC), Stage: domain.StageC3Lodged}
		if err := db.Guests.CreateGuest(ctx, g, []domain.Vulnerability{{Code: domain.VulnerabilityCodes[0], Status: "sospetta", Source: "fonte-" + name}}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
	}
	db.Close()

	out, err := run(t, "", "guests", "export", "--db", dsn, "--secret-key", key, "--id", ids[0])
	if err != nil {
		t.Fatalf("export: %v %s", err, out)
	}
	var exp domain.GuestExport
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &exp); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if exp.Guest.Surname != "Esportata" || len(exp.Vulnerabilities) != 1 || exp.Vulnerabilities[0].Source != "fonte-Esportata" {
		t.Errorf("export: %+v", exp)
	}
	if strings.Contains(out, "Vicina") || strings.Contains(out, ids[1]) {
		t.Error("the export names the other member of the household")
	}
	pdf := filepath.Join(dir, "export.pdf")
	if out, err := run(t, "", "guests", "export", "--db", dsn, "--secret-key", key, "--id", ids[0], "--format", "pdf", "--out", pdf); err != nil {
		t.Fatalf("pdf: %v %s", err, out)
	}
	b, err := os.ReadFile(pdf)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %v", err)
	}
	if _, err := run(t, "", "guests", "export", "--db", dsn, "--secret-key", key, "--id", ids[0], "--format", "pdf", "--out", pdf); err == nil {
		t.Error("an existing file was overwritten")
	}
	// The second export lists the first as a read by the command line.
	out, _ = run(t, "", "guests", "export", "--db", dsn, "--secret-key", key, "--id", ids[0])
	if !strings.Contains(out, `"what": "export"`) || !strings.Contains(out, `"purpose": "richiesta_interessato"`) {
		t.Errorf("earlier exports not in the access log:\n%s", out)
	}
}
