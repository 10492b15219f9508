package store_test

import (
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestPopulationAgainstHandCounts builds a small history and checks every
// breakdown against counts worked out by hand.
func TestPopulationAgainstHandCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, bo, g := facilityFixture(t, db, 10)
		fe := &domain.Facility{Name: "FE", Type: domain.TypeCASCollettivo, Target: domain.TargetMixed, GestoreID: g.ID,
			ComuneCode: "038008", Contracted: 10, Active: 10}
		if err := db.CreateFacility(ctx, fe); err != nil {
			t.Fatal(err)
		}
		utc := func(y, m, d, h int) time.Time { return time.Date(y, time.Month(m), d, h, 0, 0, 0, time.UTC) }
		mk := func(sex, nat string, birth time.Time, msna bool, household string) *domain.Guest {
			gg := &domain.Guest{Surname: "X", Sex: sex, BirthDate: birth, Nationality: nat, MSNA: msna, HouseholdID: household,
				Stage: domain.StageC3Lodged}
			if household != "" {
				gg.HouseholdRole = "head"
			}
			if err := db.CreateGuest(ctx, gg, nil); err != nil {
				t.Fatal(err)
			}
			return gg
		}
		a := mk("M", "GIN", utc(2000, 6, 15, 0), false, "")
		b := mk("F", "CIV", utc(2010, 3, 1, 0), true, "")
		c := mk("M", "BGD", utc(1990, 1, 1, 0), false, "h1")
		sa, _ := db.RecordEntry(ctx, a.ID, bo.Code, utc(2026, 10, 1, 8), "")
		if err := db.RecordExit(ctx, sa.ID, utc(2026, 10, 20, 8), "trasferimento_sai"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordEntry(ctx, b.ID, bo.Code, utc(2026, 10, 5, 8), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordEntry(ctx, c.ID, fe.Code, utc(2026, 10, 15, 8), ""); err != nil {
			t.Fatal(err)
		}
		count := func(province string, day time.Time, by string) map[string]int {
			items, total, err := db.Population(ctx, province, day, by)
			if err != nil {
				t.Fatal(err)
			}
			m, sum := map[string]int{"total": total}, 0
			for _, it := range items {
				m[it.Key] = it.Count
				sum += it.Count
			}
			if sum != total {
				t.Fatalf("%s on %s by %s: items sum %d, total %d", province, day.Format("2006-01-02"), by, sum, total)
			}
			return m
		}
		d10 := utc(2026, 10, 10, 12)
		if m := count("", d10, "sex"); m["total"] != 2 || m["M"] != 1 || m["F"] != 1 {
			t.Errorf("10 Oct by sex = %v", m)
		}
		if m := count("", d10, "household"); m["uomo_solo"] != 1 || m["msna"] != 1 {
			t.Errorf("10 Oct by household = %v", m)
		}
		if m := count("", d10, "age"); m["25-34"] != 1 || m["14-17"] != 1 {
			t.Errorf("10 Oct by age = %v", m)
		}
		// A left on 20 Oct: not present at the end of that day. C arrived in Ferrara on the 15th.
		d20 := utc(2026, 10, 20, 12)
		if m := count("", d20, "nationality"); m["total"] != 2 || m["CIV"] != 1 || m["BGD"] != 1 || m["GIN"] != 0 {
			t.Errorf("20 Oct by nationality = %v", m)
		}
		if m := count("BO", d20, "comune"); m["total"] != 1 || m["037006"] != 1 {
			t.Errorf("20 Oct Bologna by comune = %v", m)
		}
		if m := count("", d20, "household"); m["nucleo"] != 1 || m["msna"] != 1 {
			t.Errorf("20 Oct by household = %v", m)
		}
		for _, by := range store.Breakdowns {
			count("", d20, by) // every breakdown sums to the total
		}
		// Scope: Ferrara's viewer sees Ferrara only, and not Bologna.
		viewer := storetest.CtxAs(domain.Actor{UserID: "v", Role: domain.RoleViewer, ProvinceCode: "038"})
		if _, total, err := db.Population(viewer, "", d20, "sex"); err != nil || total != 1 {
			t.Errorf("Ferrara viewer: %d %v", total, err)
		}
		if _, _, err := db.Population(viewer, "BO", d20, "sex"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("Ferrara viewer asking Bologna: %v", err)
		}
		op := storetest.CtxAs(domain.Actor{UserID: "o", Role: domain.RoleOperator})
		if _, _, err := db.Population(op, "", d20, "sex"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("operator: %v", err)
		}
	})
}
