package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/placement"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestPublicationPlanArrivals runs a distribution plan of 73 people to its
// arrivals (one no-show in Bologna), confirmed in August except Ravenna's,
// recorded on 5 September for an arrival of 7 August, and checks the
// publication of 30 September: arrivi-piani has August and September, every
// province of the region with the people hosted on arrival by month of the
// confirmation (raw in the preview, protected in public), the region's total
// from the provinces; the public copy carries no raw value.
func TestPublicationPlanArrivals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 8, 7, 9, 0, 0, 0, time.UTC)
		as := planFixture(t, db, &now)
		coord := as("coordinamento")
		units, persons := ravenna73()
		p := &domain.Plan{Reference: "prot. 1", Origin: "Ravenna (porto)", Transport: "bus",
			ExpectedAt: now.Add(8 * time.Hour), WindowHours: 4, AckHours: 2}
		if err := db.Plans.CreatePlan(coord, p, units, persons); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Plans.ProposeSplit(coord, p.ID); err != nil {
			t.Fatal(err)
		}
		pub, err := db.Plans.PublishPlan(coord, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		var late context.Context
		var lateN int
		var lateOutcomes map[string]string
		for _, r := range pub.Provinces {
			if r.Persons == 0 {
				continue
			}
			pc := as("prefettura." + strings.ToLower(r.Sigla))
			if err := db.Plans.AcknowledgePlan(pc, p.ID); err != nil {
				t.Fatal(err)
			}
			prop, err := (&placement.Service{Store: db.Plans}).ProposePlacement(pc, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Plans.PlaceUnits(pc, p.ID, prop.Assignments); err != nil {
				t.Fatal(err)
			}
			if err := db.Plans.RecordDeparture(coord, p.ID, domain.PlanTransport{Province: r.Code, Vehicle: "bus",
				Headcount: r.Persons}); err != nil {
				t.Fatal(err)
			}
			mine, _ := db.Plans.FindPlan(pc, p.ID)
			outcomes := map[string]string{}
			noShow := false
			for _, pp := range mine.Persons {
				outcomes[pp.ID] = domain.OutcomeArrived
				if r.Code == "037" && !noShow && pp.UnitID != "f1" {
					outcomes[pp.ID], noShow = domain.OutcomeNoShow, true
				}
			}
			n := r.Persons
			if noShow {
				n--
			}
			if r.Code == "039" { // Ravenna confirms late: below
				lateN, late, lateOutcomes = n, pc, outcomes
				continue
			}
			want[r.Code] = n
			if err := db.Plans.ConfirmArrival(pc, p.ID, outcomes, now.Add(3*time.Hour)); err != nil {
				t.Fatalf("%s: %v", r.Sigla, err)
			}
		}
		// Ravenna records on 5 September an arrival of 7 August: it counts
		// in September, the month of the confirmation, so August's figures
		// as published at the end of August do not change afterwards.
		if late == nil || lateN == 0 {
			t.Fatal("Ravenna has no share")
		}
		now = time.Date(2026, 9, 5, 9, 0, 0, 0, time.UTC)
		if err := db.Plans.ConfirmArrival(late, p.ID, lateOutcomes, time.Date(2026, 8, 7, 12, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 10, 2, 9, 0, 0, 0, time.UTC)
		pubs := store.NewPublicationService(db)
		d, err := pubs.CreateDraft(coord, "2026-09-30", "")
		if err != nil {
			t.Fatal(err)
		}
		prev, err := pubs.Preview(coord, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		arr := prev.Tables.Arrivals
		if len(arr) != 2 || arr[0].Month != "2026-08" || arr[1].Month != "2026-09" {
			t.Fatalf("arrivals = %+v", arr)
		}
		if arr[0].Region.Code != "08" || *arr[0].Region.Arrivi.Raw != 72-lateN || len(arr[0].Provinces) != 9 {
			t.Fatalf("August = %+v (raw %d)", arr[0].Region, *arr[0].Region.Arrivi.Raw)
		}
		for _, pr := range arr[0].Provinces {
			if *pr.Arrivi.Raw != want[pr.Code] {
				t.Errorf("%s: raw %d, want %d", pr.Code, *pr.Arrivi.Raw, want[pr.Code])
			}
			if v, ok := pr.Arrivi.Published(); ok && (v%5 != 0 || (v > 0 && v < 5)) {
				t.Errorf("%s published %d", pr.Code, v)
			}
		}
		for _, pr := range arr[1].Provinces {
			if w := map[bool]int{true: lateN}[pr.Code == "039"]; *pr.Arrivi.Raw != w {
				t.Errorf("September %s: %d, want %d", pr.Code, *pr.Arrivi.Raw, w)
			}
		}
		if _, err := pubs.Publish(coord, d.ID, ""); err != nil {
			t.Fatal(err)
		}
		public, err := pubs.FindPublished(storetest.Ctx(), "2026-09-30")
		if err != nil {
			t.Fatal(err)
		}
		if a := public.Tables.Arrivals; len(a) != 2 || a[0].Region.Arrivi.Raw != nil || a[0].Provinces[0].Arrivi.Rules != nil {
			t.Fatalf("public arrivals carry raw values: %+v", a)
		}
	})
}
