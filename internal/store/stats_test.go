package store_test

import (
	"database/sql"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestPopulationAgainstHandCounts builds a small history and checks every
// breakdown against counts worked out by hand.
func TestPopulationAgainstHandCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		spec, _ := crypt.NewKey("t1")
		db.Keys, _ = crypt.Parse(spec)
		ctx, bo, _ := facilityFixture(t, db, 10)
		fe := &domain.Facility{Name: "FE", Type: domain.TypeCASCollettivo, Target: domain.TargetMixed, GestoreID: ferraraGestore(t, db).ID,
			ComuneCode: "038008", Contracted: 10, Active: 10}
		if err := db.Facilities.CreateFacility(ctx, fe); err != nil {
			t.Fatal(err)
		}
		utc := func(y, m, d, h int) time.Time { return time.Date(y, time.Month(m), d, h, 0, 0, 0, time.UTC) }
		mk := func(sex, nat string, birth time.Time, msna bool, household string) *domain.Guest {
			gg := &domain.Guest{Surname: "X", Sex: sex, BirthDate: birth, Nationality: nat, MSNA: msna, HouseholdID: household,
				Stage: domain.StageC3Lodged}
			if household != "" {
				gg.HouseholdRole = "head"
			}
			if err := db.Guests.CreateGuest(ctx, gg, nil); err != nil {
				t.Fatal(err)
			}
			return gg
		}
		a := mk("M", "GIN", utc(2000, 6, 15, 0), false, "")
		b := mk("F", "CIV", utc(2010, 3, 1, 0), true, "")
		c := mk("M", "BGD", utc(1990, 1, 1, 0), false, "h1")
		// C's protection was granted on 1 September; B has an ascertained vulnerability.
		decided := utc(2026, 9, 1, 0)
		c2 := &domain.Guest{Surname: "Y", Sex: "M", BirthDate: utc(1991, 1, 1, 0), Nationality: "SYR",
			Stage: domain.StageSubsidiary, StageDate: &decided}
		if err := db.Guests.CreateGuest(ctx, c2, nil); err != nil {
			t.Fatal(err)
		}
		vb := &domain.Guest{Surname: "Z", Sex: "F", BirthDate: utc(1999, 1, 1, 0), Nationality: "NGA", Stage: domain.StageHeard}
		if err := db.Guests.CreateGuest(ctx, vb, []domain.Vulnerability{{Code: "tratta", Status: "accertata", Source: "ente anti-tratta",
			Date: utc(2026, 9, 1, 0)}}); err != nil {
			t.Fatal(err)
		}
		sa, _ := db.Guests.RecordEntry(ctx, a.ID, bo.Code, utc(2026, 10, 1, 8), "")
		if err := db.Guests.RecordExit(ctx, sa.ID, utc(2026, 10, 20, 8), "trasferimento_sai"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Guests.RecordEntry(ctx, b.ID, bo.Code, utc(2026, 10, 5, 8), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Guests.RecordEntry(ctx, c.ID, fe.Code, utc(2026, 10, 15, 8), ""); err != nil {
			t.Fatal(err)
		}
		count := func(province string, day time.Time, by string) map[string]int {
			items, total, err := db.Stats.Population(ctx, province, day, by)
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
		if m := count("", d10, "household"); m["uomini"] != 1 || m["msna"] != 1 {
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
		if m := count("", d20, "household"); m["nuclei"] != 1 || m["msna"] != 1 {
			t.Errorf("20 Oct by household = %v", m)
		}
		for _, by := range store.Breakdowns {
			count("", d20, by) // every breakdown sums to the total
		}
		// The dashboard on 20 Oct, after C2 (Ferrara, 16 Oct) and VB (Bologna,
		// 18 Oct) entered: 4 present, C2 hosted more than 30 days after a final
		// decision, one ascertained trafficking victim.
		if _, err := db.Guests.RecordEntry(ctx, c2.ID, fe.Code, utc(2026, 10, 16, 8), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Guests.RecordEntry(ctx, vb.ID, bo.Code, utc(2026, 10, 18, 8), ""); err != nil {
			t.Fatal(err)
		}
		d, err := db.Stats.Dashboard(ctx, "", d20, 30)
		if err != nil {
			t.Fatal(err)
		}
		if d.Total != 4 || d.AfterDecision != 1 {
			t.Errorf("dashboard total %d, after decision %d; want 4, 1", d.Total, d.AfterDecision)
		}
		for dim, items := range d.By {
			sum := 0
			for _, it := range items {
				sum += it.Count
			}
			if sum != d.Total {
				t.Errorf("dashboard by %s sums to %d, total %d", dim, sum, d.Total)
			}
		}
		if got := d.By["facility_type"]; len(got) == 0 {
			t.Errorf("by facility type = %v", got)
		}
		if got := d.By["length"]; len(got) != 1 || got[0].Key != "0-3m" || got[0].Count != 4 {
			t.Errorf("by length = %v", got)
		}
		if oct := d.Months[len(d.Months)-1]; oct.Month != "2026-10" || oct.Entries != 5 || oct.Exits != 1 {
			t.Errorf("October = %+v, want 5 entries and 1 exit", oct)
		}
		vulns := map[string]int{}
		for _, it := range d.Vulnerabilities {
			vulns[it.Key] = it.Count
		}
		if vulns["tratta"] != 1 || vulns["msna"] != 0 {
			t.Errorf("vulnerabilities = %v", d.Vulnerabilities)
		}
		if db2, _ := db.Stats.Dashboard(ctx, "BO", d10, 30); db2.Total != 2 || db2.Months[len(db2.Months)-1].Entries != 2 {
			t.Errorf("Bologna on 10 Oct: %+v", db2)
		}
		viewerBO := storetest.CtxAs(domain.Actor{UserID: "v", Role: domain.RoleViewer, ProvinceCode: "037"})
		if dv, err := db.Stats.Dashboard(viewerBO, "", d20, 30); err != nil || dv.Vulnerabilities != nil || dv.Total != 2 {
			t.Errorf("viewer dashboard: %+v %v (no vulnerability counts for viewers)", dv, err)
		}

		// Scope: Ferrara's viewer sees Ferrara only, and not Bologna.
		viewer := storetest.CtxAs(domain.Actor{UserID: "v", Role: domain.RoleViewer, ProvinceCode: "038"})
		if _, total, err := db.Stats.Population(viewer, "", d20, "sex"); err != nil || total != 2 {
			t.Errorf("Ferrara viewer: %d %v", total, err)
		}
		if _, _, err := db.Stats.Population(viewer, "BO", d20, "sex"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("Ferrara viewer asking Bologna: %v", err)
		}
		op := storetest.CtxAs(domain.Actor{UserID: "o", Role: domain.RoleOperator})
		if _, _, err := db.Stats.Population(op, "", d20, "sex"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("operator: %v", err)
		}
	})
}

// TestTodayFiguresFollowChanges: today's figures are cached, and an entry or
// an exit shows at once; a stay recorded in the past drops the materialised
// days it changes.
func TestTodayFiguresFollowChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, bo, _ := facilityFixture(t, db, 10)
		total := func(day time.Time) int {
			_, n, err := db.Stats.Population(ctx, "BO", day, "sex")
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		now := db.Now()
		lastWeek := now.AddDate(0, 0, -7)
		if total(now) != 0 || total(lastWeek) != 0 { // (last week's is now materialised)
			t.Fatal("not empty")
		}
		g := newGuest(t, ctx, db, "")
		st, err := db.Guests.RecordEntry(ctx, g.ID, bo.Code, now.AddDate(0, 0, -10), "")
		if err != nil {
			t.Fatal(err)
		}
		if total(now) != 1 || total(lastWeek) != 1 {
			t.Errorf("after a back-dated entry: today %d, last week %d; want 1, 1", total(now), total(lastWeek))
		}
		if err := db.Guests.RecordExit(ctx, st.ID, now.Add(-time.Minute), "rinuncia"); err != nil {
			t.Fatal(err)
		}
		if total(now) != 0 || total(lastWeek) != 1 {
			t.Errorf("after the exit: today %d, last week %d; want 0, 1", total(now), total(lastWeek))
		}
	})
}

// TestMonthlyFlowsAfterBulkLoad: the monthly entries and exits of the
// dashboard agree with a count made from the stays themselves, after a bulk
// load (as the demo's) and after a live entry and exit.
func TestMonthlyFlowsAfterBulkLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		ctx, f, _ := facilityFixture(t, db, 500)
		r := rand.New(rand.NewPCG(7, 11))
		err := db.Stats.SeedPopulation(ctx, func(emit store.PopulationEmitter) error {
			for i := range 300 {
				in := now.AddDate(0, 0, -1-r.IntN(400)).Add(time.Duration(r.IntN(86400)) * time.Second) // never after now
				var out *time.Time
				if i%3 != 0 {
					o := in.AddDate(0, 0, 1+r.IntN(200))
					if o.Before(now) {
						out = &o
					}
				}
				g := &domain.Guest{Surname: "Flusso", Sex: domain.SexMale, BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC),
					Nationality: "NGA", Stage: domain.StageC3Lodged}
				if err := emit(g, []store.SeedStay{{Facility: f.Code, Entered: in, Exited: out, Reason: domain.ExitReasons[0]}}, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A live entry and exit on top.
		g := &domain.Guest{Surname: "Dal vivo", Sex: domain.SexFemale, BirthDate: time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC),
			Nationality: "ERI", Stage: domain.StageC3Lodged}
		st, err := db.Guests.AdmitGuest(ctx, g, f.Code, now.Add(-48*time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Guests.RecordExit(ctx, st.ID, now.Add(-24*time.Hour), domain.ExitReasons[0]); err != nil {
			t.Fatal(err)
		}

		italy, _ := time.LoadLocation("Europe/Rome")
		want := map[string][2]int{}
		err = db.ReadTx(ctx, func(tx *store.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT entered_at, exited_at FROM stays WHERE province_code = '037'`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var in time.Time
				var out sql.NullTime
				if err := rows.Scan(&in, &out); err != nil {
					return err
				}
				m := want[in.In(italy).Format("2006-01")]
				m[0]++
				want[in.In(italy).Format("2006-01")] = m
				if out.Valid {
					m := want[out.Time.In(italy).Format("2006-01")]
					m[1]++
					want[out.Time.In(italy).Format("2006-01")] = m
				}
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.Stats.Dashboard(ctx, "037", now, 180)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Months) != 12 {
			t.Fatalf("%d months", len(d.Months))
		}
		nonzero := 0
		for _, m := range d.Months {
			w := want[m.Month]
			if m.Entries != w[0] || m.Exits != w[1] {
				t.Errorf("%s: entries %d exits %d, the stays say %d and %d", m.Month, m.Entries, m.Exits, w[0], w[1])
			}
			if m.Entries > 0 {
				nonzero++
			}
		}
		if nonzero < 10 {
			t.Errorf("only %d of 12 months with entries: the generator or the flows are off", nonzero)
		}
	})
}
