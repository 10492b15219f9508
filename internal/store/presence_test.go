package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// boAndFerrara: the fixture's Bologna facility and a Ferrara one (of a
// Ferrara managing entity: a facility's entity is of its province).
func boAndFerrara(t *testing.T, db *store.DB) (context.Context, *domain.Facility, *domain.Facility) {
	t.Helper()
	ctx, bo, _ := facilityFixture(t, db, 10)
	fe := &domain.Facility{Name: "FE", Type: domain.TypeCASCollettivo, Target: domain.TargetMixed, GestoreID: ferraraGestore(t, db).ID,
		ComuneCode: "038008", Contracted: 10, Active: 10}
	if err := db.Facilities.CreateFacility(ctx, fe); err != nil {
		t.Fatal(err)
	}
	return ctx, bo, fe
}

// TestPresenceReconciliation: a facility hosts A (with CUI), B (no CUI) and C;
// the list has A, B with a corrected birth date, D (new), E (new, but with the
// CUI of someone hosted in Ferrara) and not C. The plan says so; applying the
// confirmed part registers D, corrects B, closes C's stay, and refuses E.
func TestPresenceReconciliation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, bo, fe := boAndFerrara(t, db)
		day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
		host := func(cui, surname, given, nat string, birth time.Time, facility string) *domain.Guest {
			gg := &domain.Guest{CUI: cui, Surname: surname, GivenName: given, Sex: domain.SexMale, BirthDate: birth,
				Nationality: nat, Stage: domain.StageC3Lodged}
			if err := db.Guests.CreateGuest(ctx, gg, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Guests.RecordEntry(ctx, gg.ID, facility, day(2026, 9, 1), ""); err != nil {
				t.Fatal(err)
			}
			return gg
		}
		a := host("11111111", "Traoré", "Moussa", "MLI", day(2000, 5, 5), bo.Code)
		host("", "Hossain", "Rahim", "BGD", day(2001, 1, 1), bo.Code)
		c := host("33333333", "Bah", "Alpha", "GIN", day(1999, 9, 9), bo.Code)
		host("55555555", "Sow", "Ibrahima", "SEN", day(1998, 3, 3), fe.Code)
		rows := []domain.PresenceRow{
			{Line: 4, CUI: "11111111", Surname: "TRAORE", GivenName: "Moussa", Sex: "M", BirthDate: day(2000, 5, 5), Nationality: "MLI"},
			{Line: 5, Surname: "Hossain", GivenName: "Rahim", Sex: "M", BirthDate: day(2001, 1, 1), Nationality: "BGD"},
			{Line: 6, Surname: "Okafor", GivenName: "Joy", Sex: "F", BirthDate: day(2002, 2, 2), Nationality: "NGA", EnteredAt: day(2026, 11, 2)},
			{Line: 7, CUI: "55555555", Surname: "Sow", GivenName: "Ibrahima", Sex: "M", BirthDate: day(1998, 3, 3), Nationality: "SEN"},
		}
		// A is matched by CUI (its name is spelled differently), B by name, birth date and nationality.
		plan, err := db.Presence.PlanPresence(ctx, bo.Code, rows, nil)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Unchanged != 1 || len(plan.Changed) != 1 || len(plan.New) != 2 || len(plan.Missing) != 1 {
			t.Fatalf("plan: unchanged %d, changed %d, new %d, missing %d", plan.Unchanged, len(plan.Changed), len(plan.New), len(plan.Missing))
		}
		if ch := plan.Changed[0]; ch.GuestID != a.ID || ch.Fields["name"][1] != "TRAORE Moussa" {
			t.Errorf("changed = %+v", ch)
		}
		if plan.Missing[0].GuestID != c.ID {
			t.Errorf("missing = %+v", plan.Missing[0])
		}
		dups := map[int]string{}
		for _, n := range plan.New {
			dups[n.Row.Line] = n.Duplicate
		}
		if dups[6] != "" || dups[7] == "" {
			t.Errorf("duplicates = %v", dups)
		}
		// Someone else cannot apply the plan; applying the duplicate is refused whole.
		other := storetest.CtxAs(domain.Actor{UserID: "altro", Role: domain.RoleCoordinator})
		if _, err := db.Presence.ApplyPresence(other, plan.ID, domain.PresenceChoice{New: []int{6}}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("other user's apply: %v", err)
		}
		if _, err := db.Presence.ApplyPresence(ctx, plan.ID, domain.PresenceChoice{New: []int{6, 7}}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("applying a duplicate: %v", err)
		}
		if present, _ := db.Guests.Present(ctx, bo.Code); len(present) != 3 {
			t.Fatalf("after the refused apply %d present, want 3 (nothing applied)", len(present))
		}
		done, err := db.Presence.ApplyPresence(ctx, plan.ID, domain.PresenceChoice{New: []int{6}, Changed: []int{4},
			Exits: map[string]string{plan.Missing[0].StayID: "allontanamento_volontario"}, ExitAt: day(2026, 11, 20)})
		if err != nil {
			t.Fatal(err)
		}
		if done["new"] != 1 || done["changed"] != 1 || done["exits"] != 1 {
			t.Errorf("done = %v", done)
		}
		present, _ := db.Guests.Present(ctx, bo.Code)
		names := map[string]bool{}
		for _, p := range present {
			names[p.Guest.Surname] = true
		}
		if len(present) != 3 || !names["Okafor"] || !names["TRAORE"] || names["Bah"] || !names["Hossain"] {
			t.Errorf("present after apply: %v", names)
		}
		if _, err := db.Presence.ApplyPresence(ctx, plan.ID, domain.PresenceChoice{}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("second apply: %v", err)
		}
		// The corrected details reach the statistics (the stays carry them).
		items, total, err := db.Stats.Population(ctx, "BO", day(2026, 11, 21), "nationality")
		if err != nil || total != 3 {
			t.Fatalf("population: %d %v", total, err)
		}
		nat := map[string]int{}
		for _, it := range items {
			nat[it.Key] = it.Count
		}
		if nat["NGA"] != 1 || nat["GIN"] != 0 || nat["MLI"] != 1 {
			t.Errorf("nationalities after apply = %v", nat)
		}
		// An operator of another managing entity cannot reconcile this facility.
		op := storetest.CtxAs(domain.Actor{UserID: "op", Role: domain.RoleOperator, GestoreID: "altro"})
		if _, err := db.Presence.PlanPresence(op, bo.Code, rows, nil); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("out-of-scope plan: %v", err)
		}
	})
}

// TestSearchPresent: the registry's list of present guests filters by
// facility and by any part of surname, given name or CUI (LIKE's wildcards
// taken literally), counts every match beyond the page, and stays in scope.
func TestSearchPresent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, bo, fe := boAndFerrara(t, db)
		host := func(cui, surname, given, facility string) {
			gg := &domain.Guest{CUI: cui, Surname: surname, GivenName: given, Sex: domain.SexMale,
				BirthDate: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), Nationality: "MLI", Stage: domain.StageC3Lodged}
			if err := db.Guests.CreateGuest(ctx, gg, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Guests.RecordEntry(ctx, gg.ID, facility, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), ""); err != nil {
				t.Fatal(err)
			}
		}
		host("11111111", "Traore", "Moussa", bo.Code)
		host("", "Hossain", "Rahim", bo.Code)
		host("", "Bah", "Alpha", bo.Code)
		host("55555555", "Sow", "Ibrahima", fe.Code)
		host("", "Özdemir", "Çelik", bo.Code) // letters beyond ASCII fold too (SQLite's own lower() does not)
		cases := []struct {
			as     context.Context
			filter domain.PresentFilter
			shown  int
			total  int
		}{
			{ctx, domain.PresentFilter{}, 5, 5},
			{ctx, domain.PresentFilter{Limit: 2}, 2, 5},
			{ctx, domain.PresentFilter{Facility: strings.ToLower(fe.Code)}, 1, 1},
			{ctx, domain.PresentFilter{Search: "TRA"}, 1, 1},
			{ctx, domain.PresentFilter{Search: " hoss "}, 1, 1},
			{ctx, domain.PresentFilter{Search: "rahim"}, 2, 2}, // Rahim and Ibrahima
			{ctx, domain.PresentFilter{Search: "5555"}, 1, 1},
			{ctx, domain.PresentFilter{Search: "%"}, 0, 0},
			{ctx, domain.PresentFilter{Search: "özdemir"}, 1, 1},
			{ctx, domain.PresentFilter{Search: "ÇELIK"}, 1, 1},
			{ctx, domain.PresentFilter{Search: "Özd"}, 1, 1},
			{ctx, domain.PresentFilter{Search: "a", Facility: bo.Code}, 3, 3},
			{storetest.CtxAs(domain.Actor{UserID: "pf", Role: domain.RolePrefecture, ProvinceCode: "038"}), domain.PresentFilter{}, 1, 1},
			{storetest.CtxAs(domain.Actor{UserID: "op", Role: domain.RoleOperator, GestoreID: "altro"}), domain.PresentFilter{}, 0, 0},
		}
		for i, c := range cases {
			list, total, err := db.Guests.SearchPresent(c.as, c.filter)
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			if len(list) != c.shown || total != c.total {
				t.Errorf("case %d %+v: %d shown of %d, want %d of %d", i, c.filter, len(list), total, c.shown, c.total)
			}
		}
	})
}
