package demo_test

import (
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestShowcase: the region's demo has plans at every stage with their
// notifications and messages, facilities of both occupancy modes, and a
// reconciliation whose rows explain the whole gap between the board's
// occupied places and the registry's present people.
func TestShowcase(t *testing.T) {
	ctx := storetest.Ctx()
	dsn, _ := storetest.DSN(t, "sqlite")
	db := storetest.Open(t, dsn)
	if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{Population: true}); err != nil {
		t.Fatal(err)
	}
	as := func(email string) domain.Actor {
		c, err := db.Users.Credentials(ctx, email+"@gesta.example")
		if err != nil {
			t.Fatal(err)
		}
		return c.Actor
	}
	coord := storetest.CtxAs(as("coordinamento"))
	plans, err := db.Plans.ListPlans(coord, domain.PlanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	stages := map[domain.PlanStatus]int{}
	for _, p := range plans {
		stages[p.Status]++
	}
	for _, s := range []domain.PlanStatus{domain.PlanAnnounced, domain.PlanProposed, domain.PlanPublished, domain.PlanPlaced} {
		if stages[s] != 1 {
			t.Errorf("plans %s: %d, want 1 (%v)", s, stages[s], stages)
		}
	}
	if stages[domain.PlanArrived] < 3 { // this week's and the past months'
		t.Errorf("plans arrived: %d, want at least 3 (%v)", stages[domain.PlanArrived], stages)
	}
	// The published month's "arrivals by plan": months with figures shown,
	// and the region's total shown in each.
	pubs := store.NewPublicationService(db)
	list, err := pubs.ListPublished(ctx)
	if err != nil || len(list) == 0 {
		t.Fatalf("publications: %d, %v", len(list), err)
	}
	pub, err := pubs.FindPublished(ctx, list[0].ReferenceDate)
	if err != nil || pub.Tables == nil {
		t.Fatalf("publication %s: %v", list[0].ReferenceDate, err)
	}
	shown := 0
	for _, m := range pub.Tables.Arrivals {
		if v, ok := m.Region.Arrivi.Published(); ok && v > 0 {
			shown++
		}
	}
	if shown < 3 {
		t.Errorf("the published arrivals by plan show %d months with arrivals: %+v", shown, pub.Tables.Arrivals)
	}
	inbox, err := db.Plans.Inbox(storetest.CtxAs(as("prefettura.bo")), 20)
	if err != nil || len(inbox) == 0 {
		t.Fatalf("Bologna's inbox: %d, %v", len(inbox), err)
	}
	rec, err := db.Facilities.Reconciliation(coord, "", 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Total == 0 || rec.Total > 30 || rec.Declared < 30 || rec.FromRegistry < 500 {
		t.Fatalf("reconciliation: %d differ, %d declared, %d from the registry", rec.Total, rec.Declared, rec.FromRegistry)
	}
	gap := 0
	for _, r := range rec.Rows {
		if r.Registry || r.Difference == 0 {
			t.Errorf("listed: %+v", r)
		}
		gap += r.Difference
	}
	if gap != rec.Occupied-rec.Registered {
		t.Fatalf("rows explain %d of a gap of %d (%d occupied, %d present)", gap, rec.Occupied-rec.Registered, rec.Occupied, rec.Registered)
	}
	b, err := db.Facilities.Board(coord, domain.FacilityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Totals.Declared != rec.Declared {
		t.Fatalf("board: %d declared, reconciliation %d", b.Totals.Declared, rec.Declared)
	}
	t.Logf("occupied %d, present %d, %d facilities differ; plans %v", rec.Occupied, rec.Registered, rec.Total, stages)
}
