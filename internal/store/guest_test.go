package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func newGuest(t *testing.T, ctx context.Context, db *store.DB, cui string, vulns ...domain.Vulnerability) *domain.Guest {
	t.Helper()
	g := &domain.Guest{CUI: cui, Surname: "Diallo", GivenName: "Mamadou", Sex: domain.SexMale,
		BirthDate: time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC), BirthEstimated: true, Nationality: "GIN",
		Stage: domain.StageC3Lodged}
	if err := db.Guests.CreateGuest(ctx, g, vulns); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestStayInvariants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, f, g := facilityFixture(t, db, 2)
		other := &domain.Facility{Name: "Altro", Type: domain.TypeCASAppartamento, Target: domain.TargetMen, GestoreID: g.ID,
			ComuneCode: "037006", Contracted: 5, Active: 5}
		if err := db.Facilities.CreateFacility(ctx, other); err != nil {
			t.Fatal(err)
		}
		if err := db.Guests.SetUsesRegistry(ctx, f.Code, true); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		a := newGuest(t, ctx, db, "CUI-A")
		st, err := db.Guests.RecordEntry(ctx, a.ID, f.Code, t0, "")
		if err != nil {
			t.Fatal(err)
		}
		// One open stay: a second entry is refused.
		if _, err := db.Guests.RecordEntry(ctx, a.ID, other.Code, t0.Add(time.Hour), ""); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("second open stay: %v", err)
		}
		// …and the database itself refuses it, whatever the code does.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(context.Background(), `INSERT INTO stays (id, guest_id, facility_id, entered_at, exit_reason,
				capacity_override, created_by, created_at) SELECT 'x', guest_id, facility_id, entered_at, '', '', 'test', entered_at
				FROM stays WHERE id = $1`, st.ID)
			return err
		})
		if err == nil {
			t.Fatal("the database accepted a second open stay")
		}
		// Exit, then no entry before the exit (no overlap).
		if err := db.Guests.RecordExit(ctx, st.ID, t0.Add(48*time.Hour), "trasferimento_sai"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Guests.RecordEntry(ctx, a.ID, other.Code, t0.Add(24*time.Hour), ""); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("overlapping stay: %v", err)
		}
		if err := db.Guests.RecordExit(ctx, st.ID, t0.Add(72*time.Hour), "rinuncia"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("closing a closed stay: %v", err)
		}
		if err := db.Guests.RecordExit(ctx, "nope", t0, "boh"); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("unknown reason: %v", err)
		}
		// Capacity: 2 active places; a third entry needs an override, recorded.
		b, c, d := newGuest(t, ctx, db, ""), newGuest(t, ctx, db, ""), newGuest(t, ctx, db, "")
		for _, g := range []*domain.Guest{b, c} {
			if _, err := db.Guests.RecordEntry(ctx, g.ID, f.Code, t0.Add(96*time.Hour), ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Guests.RecordEntry(ctx, d.ID, f.Code, t0.Add(96*time.Hour), ""); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("over capacity without override: %v", err)
		}
		over, err := db.Guests.RecordEntry(ctx, d.ID, f.Code, t0.Add(96*time.Hour), "arrivo notturno dall'hub")
		if err != nil || over.Override == "" {
			t.Fatalf("with override: %+v %v", over, err)
		}
		got, _ := db.Facilities.FindFacility(ctx, f.Code)
		if got.Occupied != 3 || got.Free != 0 {
			t.Fatalf("occupancy from the registry = %d (free %d), want 3 (0)", got.Occupied, got.Free)
		}
		stays, _ := db.Guests.Stays(ctx, a.ID)
		if len(stays) != 1 || stays[0].ExitReason != "trasferimento_sai" || stays[0].ExitedAt == nil {
			t.Fatalf("stays = %+v", stays)
		}
		// CUI unique when present; absent is fine many times.
		if err := db.Guests.CreateGuest(ctx, &domain.Guest{CUI: "CUI-A", Surname: "X", Sex: "F", BirthDate: t0, Nationality: "NGA",
			Stage: domain.StageToFormalise}, nil); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate CUI: %v", err)
		}
	})
}

func TestVulnerabilitiesAreSealed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "g.db")
	db := storetest.Open(t, "sqlite:"+path)
	spec, _ := crypt.NewKey("t1")
	db.Keys, _ = crypt.Parse(spec)
	ctx, _, _ := facilityFixture(t, db, 2)
	canary := "CANARY-HEALTH-" + uuid.NewString()
	g := newGuest(t, ctx, db, "", domain.Vulnerability{Code: "disturbo_mentale", Status: "sospetta", Source: "medico della struttura",
		Date: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Note: canary})
	got, err := db.Guests.Vulnerabilities(ctx, g.ID)
	if err != nil || len(got) != 1 || got[0].Note != canary {
		t.Fatalf("read back: %+v %v", got, err)
	}
	op := storetest.CtxAs(domain.Actor{UserID: "op", Role: domain.RoleOperator})
	if _, err := db.Guests.Vulnerabilities(op, g.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("operator reading vulnerabilities: %v", err)
	}
	// No plaintext in the database file or its WAL (docs/registry.md), nor in the audit log.
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, needle := range []string{canary, "disturbo_mentale", "medico della struttura"} {
			if bytes.Contains(b, []byte(needle)) {
				t.Fatalf("%q found in clear in %s", needle, filepath.Base(f))
			}
		}
	}
	entries, _ := db.Audit.ListAudit(ctx, domain.AuditFilter{Limit: 50})
	for _, e := range entries {
		detail := e.Summary + fmt.Sprint(e.Params)
		if strings.Contains(detail, "disturbo") || strings.Contains(detail, canary) {
			t.Fatalf("special-category data in the audit log: %q", detail)
		}
	}
	// Without a key, vulnerabilities are refused rather than stored in clear.
	db.Keys = nil
	if err := db.Guests.CreateGuest(ctx, &domain.Guest{Surname: "Y", Sex: "F", BirthDate: time.Now(), Nationality: "ERI",
		Stage: domain.StageToFormalise}, []domain.Vulnerability{{Code: "tratta", Status: "sospetta"}}); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("vulnerability without a key: %v", err)
	}
}

func TestSearchKey(t *testing.T) {
	if a, b, c := store.SearchKey("Mohammed"), store.SearchKey("Muhamad"), store.SearchKey("MOUHAMMAD"); a != b || b != c {
		t.Fatalf("variants differ: %q %q %q", a, b, c)
	}
	if store.SearchKey("Diallo") == store.SearchKey("Bah") {
		t.Fatal("different names meet")
	}
}

// TestHouseholdEntersTogether: a household of three does not fit in a
// registry facility with two free places — nobody enters — and enters whole
// where there is room.
func TestHouseholdEntersTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, small, g := facilityFixture(t, db, 2)
		if err := db.Guests.SetUsesRegistry(ctx, small.Code, true); err != nil {
			t.Fatal(err)
		}
		big := &domain.Facility{Name: "Grande", Type: domain.TypeCASAppartamento, Target: domain.TargetFamilies, GestoreID: g.ID,
			ComuneCode: "037006", Contracted: 6, Active: 6}
		if err := db.Facilities.CreateFacility(ctx, big); err != nil {
			t.Fatal(err)
		}
		if err := db.Guests.SetUsesRegistry(ctx, big.Code, true); err != nil {
			t.Fatal(err)
		}
		for i, role := range []string{"head", "partner", "child"} {
			m := &domain.Guest{Surname: "Haddad", GivenName: fmt.Sprint(i), Sex: domain.SexFemale, Nationality: "SYR",
				BirthDate: time.Date(1990+10*i, 1, 1, 0, 0, 0, 0, time.UTC), HouseholdID: "nucleo-haddad", HouseholdRole: role,
				Stage: domain.StageC3Lodged}
			if err := db.Guests.CreateGuest(ctx, m, nil); err != nil {
				t.Fatal(err)
			}
		}
		at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		if _, err := db.Guests.RecordHouseholdEntry(ctx, "nucleo-haddad", small.Code, at, ""); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("three into two places: %v", err)
		}
		if p, _ := db.Guests.Present(ctx, small.Code); len(p) != 0 {
			t.Fatalf("%d entered the small facility; the household must stay whole", len(p))
		}
		stays, err := db.Guests.RecordHouseholdEntry(ctx, "nucleo-haddad", big.Code, at, "")
		if err != nil || len(stays) != 3 {
			t.Fatalf("household entry: %d stays, %v", len(stays), err)
		}
		f, _ := db.Facilities.FindFacility(ctx, big.Code)
		if f.Occupied != 3 {
			t.Errorf("occupancy = %d, want 3 from the registry", f.Occupied)
		}
		if _, err := db.Guests.RecordHouseholdEntry(ctx, "nessuno", big.Code, at, ""); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("unknown household: %v", err)
		}
	})
}
