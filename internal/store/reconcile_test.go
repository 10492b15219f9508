package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// A facility whose occupancy derives from the registry agrees with it after
// every entry; one whose operator declares it is listed, with the
// difference, until the two agree; the board counts each mode apart; a
// prefecture sees its own province's; an operator none.
func TestReconciliation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, declared, g := facilityFixture(t, db, 10)
		registry := &domain.Facility{Name: "Dal registro", Type: domain.TypeCASAppartamento, Target: domain.TargetMen,
			GestoreID: g.ID, ComuneCode: "037006", Contracted: 6, Active: 6}
		if err := db.Facilities.CreateFacility(ctx, registry); err != nil {
			t.Fatal(err)
		}
		if err := db.Guests.SetUsesRegistry(ctx, registry.Code, true); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now().Add(-time.Hour)
		for _, code := range []string{registry.Code, registry.Code, declared.Code} {
			if _, err := db.Guests.RecordEntry(ctx, newGuest(t, ctx, db, "").ID, code, t0, ""); err != nil {
				t.Fatal(err)
			}
		}
		// The operator declares 4 where the registry has 1 present.
		d, _ := db.Facilities.FindFacility(ctx, declared.Code)
		if _, err := db.Facilities.SetAvailability(ctx, d.Code, d.Version, domain.Availability{Occupied: 4}); err != nil {
			t.Fatal(err)
		}
		rec, err := db.Facilities.Reconciliation(ctx, "", 1, 50)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Occupied != 6 || rec.Registered != 3 || rec.FromRegistry != 1 || rec.Declared != 1 || rec.Total != 1 {
			t.Fatalf("totals: %+v", rec)
		}
		if len(rec.Rows) != 1 || rec.Rows[0].Code != declared.Code || rec.Rows[0].Difference != 3 ||
			rec.Rows[0].Registered != 1 || rec.Rows[0].Registry || rec.Rows[0].GestoreName != g.Name {
			t.Fatalf("rows: %+v", rec.Rows)
		}
		b, err := db.Facilities.Board(ctx, domain.FacilityFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if b.Totals.Declared != 1 || b.Totals.OccupiedDeclared != 4 || b.Totals.Occupied != 6 {
			t.Fatalf("board: %+v", b.Totals)
		}
		// A page past the end is empty, the totals the same.
		if rec, err := db.Facilities.Reconciliation(ctx, "BO", 2, 50); err != nil || len(rec.Rows) != 0 || rec.Total != 1 {
			t.Fatalf("page 2: %+v %v", rec, err)
		}
		// Scope: Ferrara's prefecture sees nothing of Bologna's, and may not ask for it.
		fe, _ := db.Orgs.FindOfficeBySigla(ctx, "FE")
		prefFE := storetest.CtxAs(domain.Actor{UserID: "u1", Role: domain.RolePrefecture, OfficeID: fe.ID, ProvinceCode: "038"})
		if rec, err := db.Facilities.Reconciliation(prefFE, "", 1, 50); err != nil || rec.Total != 0 || rec.Occupied != 0 {
			t.Fatalf("Ferrara: %+v %v", rec, err)
		}
		if _, err := db.Facilities.Reconciliation(prefFE, "BO", 1, 50); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("Ferrara asking for Bologna: %v", err)
		}
		op := storetest.CtxAs(domain.Actor{UserID: "u3", Role: domain.RoleOperator, GestoreID: g.ID})
		if _, err := db.Facilities.Reconciliation(op, "", 1, 50); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("operator: %v", err)
		}
		// The seeding of modes: everything from the registry but one declared facility 2 above it.
		if err := db.Facilities.SeedOccupancyModes(ctx, map[string]int{registry.Code: 2}); err != nil {
			t.Fatal(err)
		}
		rec, err = db.Facilities.Reconciliation(ctx, "", 1, 50)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Total != 1 || rec.Rows[0].Code != registry.Code || rec.Rows[0].Difference != 2 || rec.Declared != 1 {
			t.Fatalf("after seeding: %+v", rec)
		}
	})
}

// A facility whose occupancy derives from the registry refuses a typed
// occupied figure (the form and the API both come through SetAvailability):
// only a confirmation of the registry's figure is accepted; a declared
// facility still takes one.
func TestRegistryOccupancyNotTyped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, declared, g := facilityFixture(t, db, 10)
		registry := &domain.Facility{Name: "Dal registro", Type: domain.TypeCASAppartamento, Target: domain.TargetMen,
			GestoreID: g.ID, ComuneCode: "037006", Contracted: 6, Active: 6}
		if err := db.Facilities.CreateFacility(ctx, registry); err != nil {
			t.Fatal(err)
		}
		if err := db.Guests.SetUsesRegistry(ctx, registry.Code, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Guests.RecordEntry(ctx, newGuest(t, ctx, db, "").ID, registry.Code, time.Now().Add(-time.Hour), ""); err != nil {
			t.Fatal(err)
		}
		f, _ := db.Facilities.FindFacility(ctx, registry.Code)
		if f.Occupied != 1 || !f.UsesRegistry {
			t.Fatalf("registry facility: occupied %d, uses_registry %v", f.Occupied, f.UsesRegistry)
		}
		for _, typed := range []int{0, 2, 5} {
			_, err := db.Facilities.SetAvailability(ctx, f.Code, f.Version, domain.Availability{Occupied: typed})
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("typed %d for a registry facility: err %v, want EINVALID", typed, err)
			}
			if !strings.Contains(i18n.MustNew().For("it").Error(err), "registro degli ospiti") {
				t.Errorf("message %q does not say the figure comes from the registry", i18n.MustNew().For("it").Error(err))
			}
		}
		if got, _ := db.Facilities.FindFacility(ctx, f.Code); got.Occupied != 1 || got.Version != f.Version {
			t.Fatalf("after refusals: occupied %d version %d, want 1 and %d", got.Occupied, got.Version, f.Version)
		}
		// "Unchanged": the registry's own figure is a confirmation.
		got, err := db.Facilities.SetAvailability(ctx, f.Code, f.Version, domain.Availability{Occupied: 1})
		if err != nil || got.Occupied != 1 || got.ConfirmedAt == nil {
			t.Fatalf("confirmation: %+v %v", got, err)
		}
		// A stale page reports the conflict, not the registry rule.
		if _, err := db.Facilities.SetAvailability(ctx, f.Code, f.Version, domain.Availability{Occupied: 3}); domain.ErrorCode(err) != domain.EPRECONDITION {
			t.Fatalf("stale version: %v, want EPRECONDITION", err)
		}
		// A declared facility still takes a typed figure.
		d, _ := db.Facilities.FindFacility(ctx, declared.Code)
		if got, err := db.Facilities.SetAvailability(ctx, d.Code, d.Version, domain.Availability{Occupied: 3}); err != nil || got.Occupied != 3 {
			t.Fatalf("declared facility: %+v %v", got, err)
		}
	})
}
