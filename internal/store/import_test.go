package store_test

import (
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func importRows(g *domain.Gestore, existing string) []domain.ImportRow {
	occ := 3
	return []domain.ImportRow{
		{Line: 2, Gestore: g.TaxCode, Comune: "Bologna", Occupied: &occ, Facility: domain.Facility{Name: "Nuovo appartamento",
			Type: domain.TypeCASAppartamento, Target: domain.TargetMen, Contracted: 6, Active: 6, Status: domain.StatusActive, Features: []string{}}},
		{Line: 3, Gestore: g.Name, Comune: "037006", Facility: domain.Facility{Code: existing, Name: "Centro Test rinominato",
			Type: domain.TypeCASCollettivo, Target: domain.TargetMen, Contracted: 15, Active: 12, Status: domain.StatusActive, Features: []string{}}},
	}
}

func TestImportPlanAndApply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, f, g := facilityFixture(t, db, 10)
		plan, err := db.Facilities.PlanFacilityImport(ctx, importRows(g, f.Code))
		if err != nil {
			t.Fatal(err)
		}
		if plan.Counts["create"] != 1 || plan.Counts["update"] != 1 || len(plan.Rows[1].Changes) == 0 {
			t.Fatalf("plan = %+v", plan)
		}
		// Nothing changed yet.
		if got, _ := db.Facilities.FindFacility(ctx, f.Code); got.Name != "Centro Test" {
			t.Fatal("the preview changed the register")
		}
		done, err := db.Facilities.ApplyFacilityImport(ctx, plan.ID, false)
		if err != nil || done["create"] != 1 || done["update"] != 1 {
			t.Fatalf("apply = %v, %v", done, err)
		}
		got, _ := db.Facilities.FindFacility(ctx, f.Code)
		if got.Name != "Centro Test rinominato" || got.Active != 12 {
			t.Fatalf("updated = %+v", got)
		}
		all, _ := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{Query: "nuovo appartamento"})
		if len(all) != 1 || all[0].Occupied != 3 || all[0].ConfirmedAt == nil {
			t.Fatalf("created = %+v", all)
		}
		if _, err := db.Facilities.ApplyFacilityImport(ctx, plan.ID, false); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("applying twice: %v", err)
		}
		audit, _ := db.Audit.ListAudit(ctx, domain.AuditFilter{Action: "import.apply"})
		if len(audit) != 1 {
			t.Fatalf("import audit rows = %d", len(audit))
		}
	})
}

func TestImportIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, f, g := facilityFixture(t, db, 10)
		rows := importRows(g, f.Code)
		rows = append(rows, domain.ImportRow{Line: 4, Gestore: "nessuno", Comune: "Atlantide", Facility: domain.Facility{
			Name: "X", Type: domain.TypeHub, Target: domain.TargetMixed, Contracted: 1, Active: 1, Status: domain.StatusActive}})
		plan, err := db.Facilities.PlanFacilityImport(ctx, rows)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Counts["error"] != 1 || len(plan.Rows[2].Errors) != 2 {
			t.Fatalf("plan errors = %+v", plan.Rows[2])
		}
		if _, err := db.Facilities.ApplyFacilityImport(ctx, plan.ID, false); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("apply with errors: %v", err)
		}
		if list, _ := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{}); len(list) != 1 {
			t.Fatalf("a refused import left %d facilities", len(list))
		}
		// The register changes after the preview: the confirmation is refused whole.
		if _, err := db.Facilities.SetAvailability(ctx, f.Code, f.Version, domain.Availability{Occupied: 1}); err != nil {
			t.Fatal(err)
		}
		cur, _ := db.Facilities.FindFacility(ctx, f.Code)
		cur.Name = "Cambiato da un collega"
		if err := db.Facilities.UpdateFacility(ctx, &cur, cur.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Facilities.ApplyFacilityImport(ctx, plan.ID, true); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("apply after a concurrent change: %v", err)
		}
		if list, _ := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{}); len(list) != 1 {
			t.Fatalf("a refused import left %d facilities", len(list))
		}
		// A fresh plan, errors excluded: the good rows go in.
		plan, _ = db.Facilities.PlanFacilityImport(ctx, rows)
		if done, err := db.Facilities.ApplyFacilityImport(ctx, plan.ID, true); err != nil || done["create"] != 1 || done["update"] != 1 {
			t.Fatalf("apply excluding errors: %v %v", done, err)
		}
	})
}

func TestImportScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, f, g := facilityFixture(t, db, 10)
		fe, _ := db.Orgs.FindOfficeBySigla(ctx, "FE")
		ferrara := storetest.CtxAs(domain.Actor{UserID: "fe", Role: domain.RolePrefecture, OfficeID: fe.ID, ProvinceCode: "038"})
		plan, err := db.Facilities.PlanFacilityImport(ferrara, importRows(g, f.Code))
		if err != nil {
			t.Fatal(err)
		}
		if plan.Counts["error"] != 2 {
			t.Fatalf("Ferrara importing Bologna's facilities: %+v", plan.Counts)
		}
		op := storetest.CtxAs(domain.Actor{UserID: "op", Role: domain.RoleOperator, GestoreID: g.ID})
		if _, err := db.Facilities.PlanFacilityImport(op, importRows(g, f.Code)); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("operator importing: %v", err)
		}
		if _, err := db.Facilities.ApplyFacilityImport(storetest.CtxAs(domain.Actor{UserID: "other", Role: domain.RoleCoordinator}), plan.ID, true); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("someone else's import: %v", err)
		}
	})
}

// TestImportRefusesTypedRegistryOccupancy: the register import cannot type
// the occupied places of a facility that counts from the guest registry (as
// /disponibilita cannot): the row is an error in the preview, and applying
// it changes nothing.
func TestImportRefusesTypedRegistryOccupancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, f, g := facilityFixture(t, db, 10)
		if err := db.Guests.SetUsesRegistry(ctx, f.Code, true); err != nil {
			t.Fatal(err)
		}
		before, _ := db.Facilities.FindFacility(ctx, f.Code)
		rows := importRows(g, f.Code)[1:]
		typed := before.Occupied + 2
		rows[0].Occupied = &typed
		plan, err := db.Facilities.PlanFacilityImport(ctx, rows)
		if err != nil {
			t.Fatal(err)
		}
		r := plan.Rows[0]
		if r.Action != "error" || len(r.Errors) != 1 || r.Errors[0].Column != "occupied" {
			t.Fatalf("row = %+v", r)
		}
		if _, err := db.Facilities.ApplyFacilityImport(ctx, plan.ID, false); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("applying a plan with the error: %v", err)
		}
		if after, _ := db.Facilities.FindFacility(ctx, f.Code); after.Occupied != before.Occupied {
			t.Fatalf("occupied %d → %d", before.Occupied, after.Occupied)
		}
		// The registry's own figure is no change, and the row goes through.
		same := before.Occupied
		rows = importRows(g, f.Code)[1:]
		rows[0].Occupied = &same
		if plan, err = db.Facilities.PlanFacilityImport(ctx, rows); err != nil || plan.Rows[0].Action == "error" {
			t.Fatalf("the registry's own figure: %+v, %v", plan.Rows, err)
		}
	})
}
