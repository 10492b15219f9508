package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestForeignReferences: the references a write carries are checked in the
// store, whoever calls it and whatever a form offered: a facility keeps a
// managing entity and a comune of its province (for the coordinator too), a
// guest joins only a household wholly in scope, an entry names a guest in
// scope, and a refused entry of a new guest leaves no guest behind.
func TestForeignReferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, bo, boGestore := facilityFixture(t, db, 10)
		feGestore := ferraraGestore(t, db)
		offices, err := db.Orgs.ListOffices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		officeOf := map[string]string{}
		for _, o := range offices {
			officeOf[o.ProvinceCode] = o.ID
		}
		prefFE := storetest.CtxAs(domain.Actor{UserID: "pref-fe", Role: domain.RolePrefecture, OfficeID: officeOf["038"], ProvinceCode: "038"})
		coord := storetest.CtxAs(domain.Actor{UserID: "coord", Role: domain.RoleCoordinator, OfficeID: officeOf["037"], ProvinceCode: "037"})
		opFE := storetest.CtxAs(domain.Actor{UserID: "op-fe", Role: domain.RoleOperator, GestoreID: feGestore.ID})

		// The register.
		fe := &domain.Facility{Name: "FE", Type: domain.TypeCASCollettivo, Target: domain.TargetMen, GestoreID: boGestore.ID,
			ComuneCode: "038008", Contracted: 10, Active: 10}
		if err := db.Facilities.CreateFacility(prefFE, fe); !fieldError(err, "gestore") {
			t.Fatalf("Ferrara creating with Bologna's entity: %v", err)
		}
		if err := db.Facilities.CreateFacility(coord, fe); !fieldError(err, "gestore") {
			t.Fatalf("the coordinator creating a Ferrara facility with Bologna's entity: %v", err)
		}
		fe.GestoreID = feGestore.ID
		if err := db.Facilities.CreateFacility(prefFE, fe); err != nil {
			t.Fatal(err)
		}
		edit := *fe
		edit.GestoreID = boGestore.ID
		if err := db.Facilities.UpdateFacility(prefFE, &edit, fe.Version); !fieldError(err, "gestore") {
			t.Fatalf("Ferrara handing its facility to Bologna's entity: %v", err)
		}
		if err := db.Facilities.UpdateFacility(coord, &edit, fe.Version); !fieldError(err, "gestore") {
			t.Fatalf("the coordinator handing a Ferrara facility to Bologna's entity: %v", err)
		}
		edit = *fe
		edit.ComuneCode = "037006"
		if err := db.Facilities.UpdateFacility(coord, &edit, fe.Version); !fieldError(err, "comune") {
			t.Fatalf("moving a facility to another province's comune: %v", err)
		}
		edit = *bo
		edit.Name = "Presa"
		if err := db.Facilities.UpdateFacility(prefFE, &edit, bo.Version); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("Ferrara editing Bologna's facility: %v", err)
		}
		if got, _ := db.Facilities.FindFacility(ctx, fe.Code); got.GestoreID != feGestore.ID || got.Version != fe.Version {
			t.Fatalf("the refused edits changed the facility: %+v", got)
		}

		// The import resolves a managing entity among the comune's province's.
		plan, err := db.Facilities.PlanFacilityImport(prefFE, []domain.ImportRow{{Line: 2, Gestore: boGestore.TaxCode, Comune: "038008",
			Facility: domain.Facility{Name: "Y", Type: domain.TypeHub, Target: domain.TargetMixed, Contracted: 1, Active: 1,
				Status: domain.StatusActive}}})
		if err != nil || plan.Counts["error"] != 1 || plan.Rows[0].Errors[0].Column != "gestore" {
			t.Fatalf("importing with Bologna's entity: %v %+v", err, plan.Rows)
		}
		plan, err = db.Facilities.PlanFacilityImport(coord, []domain.ImportRow{{Line: 2, Gestore: boGestore.TaxCode, Comune: "037006",
			Facility: domain.Facility{Code: fe.Code, Name: "FE", Type: domain.TypeCASCollettivo, Target: domain.TargetMen,
				Contracted: 10, Active: 10, Status: domain.StatusActive}}})
		if err != nil || plan.Counts["error"] != 1 {
			t.Fatalf("importing a move of a Ferrara facility to Bologna: %v %+v", err, plan.Rows)
		}

		// The registry: a Bologna household, guest and facility.
		guest := func(household string) *domain.Guest {
			g := &domain.Guest{Surname: "Prova", Sex: domain.SexMale, BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC),
				Nationality: "NGA", Stage: domain.StageC3Lodged, HouseholdID: household}
			if household != "" {
				g.HouseholdRole = "other"
			}
			return g
		}
		boHead := guest("nucleo-bo")
		if err := db.Guests.CreateGuest(ctx, boHead, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.Guests.CreateGuest(opFE, guest("nucleo-bo"), nil); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("joining Bologna's household: %v", err)
		}
		mine := guest("nucleo-fe")
		if err := db.Guests.CreateGuest(opFE, mine, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.Guests.CreateGuest(opFE, guest("nucleo-fe"), nil); err != nil {
			t.Fatalf("joining one's own household: %v", err)
		}
		// A member the caller cannot see makes the whole household not found.
		if err := db.Guests.CreateGuest(ctx, guest("nucleo-fe"), nil); err != nil {
			t.Fatal(err)
		}
		if st, err := db.Guests.RecordHouseholdEntry(opFE, "nucleo-fe", fe.Code, time.Now(), ""); domain.ErrorCode(err) != domain.ENOTFOUND || len(st) != 0 {
			t.Fatalf("entering a household with a member out of scope: %v %d stays", err, len(st))
		}
		if _, err := db.Guests.RecordEntry(opFE, boHead.ID, fe.Code, time.Now(), ""); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("entering Bologna's guest: %v", err)
		}
		if _, err := db.Guests.RecordEntry(opFE, mine.ID, fe.Code, time.Now(), ""); err != nil {
			t.Fatalf("entering one's own guest: %v", err)
		}
		before, _ := db.Guests.SearchGuests(ctx, "Admitted")
		admitted := guest("")
		admitted.Surname = "Admitted"
		if _, err := db.Guests.AdmitGuest(opFE, admitted, bo.Code, time.Now(), ""); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("admitting into Bologna's facility: %v", err)
		}
		if after, _ := db.Guests.SearchGuests(ctx, "Admitted"); len(after) != len(before) {
			t.Fatalf("a refused admission left a guest: %d → %d", len(before), len(after))
		}
		if st, err := db.Guests.AdmitGuest(opFE, admitted, fe.Code, time.Now(), ""); err != nil || st.Facility != fe.Code {
			t.Fatalf("admitting into one's own facility: %v %+v", err, st)
		}
	})
}

// fieldError reports whether err is EINVALID with a message for the field.
func fieldError(err error, field string) bool {
	var e *domain.Error
	return errors.As(err, &e) && e.Code == domain.EINVALID && e.Fields[field].MsgID != ""
}
