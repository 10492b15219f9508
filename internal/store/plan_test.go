package store_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/notify"
	"github.com/gesta-er/gesta/internal/placement"
	"github.com/gesta-er/gesta/internal/sheet"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// planFixture loads the region's demo organisations and facilities (no
// people) at a fixed night-time clock and returns contexts per demo user.
func planFixture(t *testing.T, db *store.DB, now *time.Time) func(email string) context.Context {
	t.Helper()
	db.SetClock(func() time.Time { return *now })
	db.BaseURL = "https://gesta.example"
	if _, err := demo.LoadWith(storetest.Ctx(), db, demo.ScaleRegion, demo.Options{}); err != nil {
		t.Fatal(err)
	}
	return func(user string) context.Context {
		c, err := db.Users.Credentials(context.Background(), user+"@gesta.example")
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		return storetest.CtxAs(c.Actor)
	}
}

// ravenna73 is the Geo Barents landing at Ravenna (7 Aug 2024) in the brief,
// with a family and a woman added: 65 single men, 3 unaccompanied minors, a
// single woman and a family of four, 73 people with a nominative list.
func ravenna73() ([]domain.PlanUnit, []domain.PlanPerson) {
	var units []domain.PlanUnit
	var persons []domain.PlanPerson
	birth := time.Date(1998, 1, 1, 0, 0, 0, 0, time.UTC)
	person := func(unit, surname, sex string, role string, msna bool, age int) {
		persons = append(persons, domain.PlanPerson{UnitID: unit, Surname: surname, GivenName: "Test", Sex: sex,
			BirthDate: birth.AddDate(26-age, 0, 0), BirthEstimated: true, Nationality: "BGD", MSNA: msna, HouseholdRole: role})
	}
	for i := 1; i <= 65; i++ {
		id := fmt.Sprintf("u%02d", i)
		units = append(units, domain.PlanUnit{ID: id, Size: 1, Group: domain.GroupMan})
		person(id, fmt.Sprintf("Uomo%02d", i), domain.SexMale, "", false, 26)
	}
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("m%d", i)
		units = append(units, domain.PlanUnit{ID: id, Size: 1, Group: domain.GroupMinor})
		person(id, fmt.Sprintf("Minore%d", i), domain.SexMale, "", true, 16)
	}
	units = append(units, domain.PlanUnit{ID: "w1", Size: 1, Group: domain.GroupWoman})
	person("w1", "Donna", domain.SexFemale, "", false, 30)
	units = append(units, domain.PlanUnit{ID: "f1", Size: 4, Group: domain.GroupFamily})
	person("f1", "Famiglia", domain.SexMale, "head", false, 35)
	person("f1", "Famiglia", domain.SexFemale, "partner", false, 32)
	person("f1", "Famiglia", domain.SexFemale, "child", false, 6)
	person("f1", "Famiglia", domain.SexMale, "child", false, 3)
	return units, persons
}

// TestPlanRavenna73 plays a whole plan on each engine: an announcement of 73
// people landing at Ravenna, the split among the nine provinces, the
// acknowledgements (one late, reminded, escalated), placements with holds,
// departures, arrivals with one no-show and one family, guests and stays
// created, the plan closed and the saldo updated.
func TestPlanRavenna73(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 8, 7, 1, 30, 0, 0, time.UTC) // a night-time notice
		as := planFixture(t, db, &now)
		coord := as("coordinamento")
		units, persons := ravenna73()
		p := &domain.Plan{Reference: "Viminale prot. 12345 del 07/08/2026", Origin: "Ravenna (porto)", Transport: "bus",
			ExpectedAt: now.Add(8 * time.Hour), WindowHours: 4, AckHours: 2}
		if err := db.Plans.CreatePlan(as("prefettura.fe"), p, units, persons); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("a prefecture announcing: %v", err)
		}
		if err := db.Plans.CreatePlan(coord, p, units, persons); err != nil {
			t.Fatal(err)
		}
		if p.Total != 73 || p.Status != domain.PlanAnnounced {
			t.Fatalf("plan %+v", p)
		}
		// Out of order: acknowledging or placing an unpublished plan.
		if err := db.Plans.AcknowledgePlan(as("prefettura.fe"), p.ID); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("acknowledging an unpublished plan: %v", err)
		}
		if _, err := db.Plans.PublishPlan(coord, p.ID); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("publishing before the split: %v", err)
		}

		split, err := db.Plans.ProposeSplit(coord, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if split.Status != domain.PlanProposed || len(split.Provinces) != 9 {
			t.Fatalf("split: %s, %d provinces", split.Status, len(split.Provinces))
		}
		sum, shares := 0, 0.0
		family := ""
		for _, r := range split.Provinces {
			t.Logf("%s %2d (quota %.2f): %+v", r.Sigla, r.Persons, r.Quota, r.Why)
			sum += r.Persons
			shares += r.Share
			if math.Abs(float64(r.Persons)-r.Quota) > 4 { // within a household of the exact quota
				t.Errorf("%s: %d persons for a quota of %.2f", r.Sigla, r.Persons, r.Quota)
			}
			if w := r.Why; w == nil || w.Batch != split.Total || w.Low > r.Persons || w.High < r.Persons ||
				math.Abs(w.Key-r.Share) > 1e-9 {
				t.Errorf("%s: %d persons, reason %+v", r.Sigla, r.Persons, w)
			}
		}
		for _, u := range split.Units {
			if u.ID == "f1" {
				family = u.Province
			}
		}
		if sum != 73 || math.Abs(shares-1) > 1e-9 || family == "" {
			t.Fatalf("sum %d, shares %.6f, family in %q", sum, shares, family)
		}
		// The coordinator moves one person from Bologna to Ferrara, with a reason.
		bo, fe := split.Province("037").Persons, split.Province("038").Persons
		if _, err := db.Plans.AdjustSplit(coord, p.ID, map[string]int{"037": bo - 1, "038": fe + 1}, ""); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("a change without a reason: %v", err)
		}
		adj, err := db.Plans.AdjustSplit(coord, p.ID, map[string]int{"037": bo - 1, "038": fe + 1}, "posti liberi a Ferrara")
		if err != nil {
			t.Fatal(err)
		}
		if adj.Province("037").Persons != bo-1 || adj.Province("038").Persons != fe+1 ||
			adj.Province("038").AdjustReason != "posti liberi a Ferrara" || adj.Province("037").Proposed != bo {
			t.Fatalf("adjusted: %+v %+v", adj.Province("037"), adj.Province("038"))
		}

		pub, err := db.Plans.PublishPlan(coord, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pub.Status != domain.PlanPublished || pub.AckDeadline == nil || !pub.AckDeadline.Equal(now.Add(2*time.Hour)) {
			t.Fatalf("published: %s %v", pub.Status, pub.AckDeadline)
		}
		// Every prefecture with a share has a notification; e-mails carry a link and no names.
		for _, r := range pub.Provinces {
			if r.Persons == 0 {
				continue
			}
			inbox, err := db.Plans.Inbox(as("prefettura."+strings.ToLower(r.Sigla)), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(inbox) != 1 || inbox[0].Kind != "plan_published" || inbox[0].PlanID != p.ID || inbox[0].ReadAt != nil {
				t.Fatalf("%s inbox: %+v", r.Sigla, inbox)
			}
		}
		msgs, err := db.Outbox.PendingMessages(storetest.Ctx(), 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) < 9 {
			t.Fatalf("%d e-mails queued", len(msgs))
		}
		for _, m := range msgs {
			// The outbox holds the kind and its parameters; the e-mail is
			// rendered by internal/notify when sent.
			subject, body, err := notify.Render("it", m.Kind, m.Params)
			if err != nil || m.Body != "" || m.Subject != "" {
				t.Fatalf("outbox message %s: %v (legacy text %q)", m.Kind, err, m.Body)
			}
			if !strings.Contains(body, "https://gesta.example/piani/"+p.ID) {
				t.Errorf("no link in %q", body)
			}
			for _, pp := range persons {
				if strings.Contains(body, pp.Surname) || strings.Contains(subject, pp.Surname) {
					t.Fatalf("a name in an e-mail: %q", body)
				}
			}
		}

		// Acknowledgements: all but Rimini in time; a second one is refused.
		now = now.Add(30 * time.Minute)
		for _, r := range pub.Provinces {
			if r.Persons == 0 || r.Sigla == "RN" {
				continue
			}
			if err := db.Plans.AcknowledgePlan(as("prefettura."+strings.ToLower(r.Sigla)), p.ID); err != nil {
				t.Fatalf("%s: %v", r.Sigla, err)
			}
		}
		if err := db.Plans.AcknowledgePlan(as("prefettura.fe"), p.ID); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("a second acknowledgement: %v", err)
		}
		if n, m, err := db.Plans.PlanReminders(storetest.Ctx()); err != nil || n+m != 0 {
			t.Fatalf("reminders before the deadline: %d %d %v", n, m, err)
		}
		now = now.Add(2 * time.Hour) // past the deadline: Rimini is reminded, once
		if n, m, err := db.Plans.PlanReminders(storetest.Ctx()); err != nil || n != 1 || m != 0 {
			t.Fatalf("reminders: %d %d %v", n, m, err)
		}
		if n, m, err := db.Plans.PlanReminders(storetest.Ctx()); err != nil || n+m != 0 {
			t.Fatalf("reminders again: %d %d %v", n, m, err)
		}
		rn, _ := db.Plans.Inbox(as("prefettura.rn"), 10)
		if len(rn) != 2 || rn[0].Kind != "plan_reminder" {
			t.Fatalf("Rimini's inbox: %+v", rn)
		}
		now = now.Add(store.EscalateAfter + time.Minute) // still nothing: the coordinator is told
		if n, m, err := db.Plans.PlanReminders(storetest.Ctx()); err != nil || n != 0 || m != 1 {
			t.Fatalf("escalation: %d %d %v", n, m, err)
		}
		ci, _ := db.Plans.Inbox(coord, 10)
		if len(ci) == 0 || ci[0].Kind != "plan_escalation" {
			t.Fatalf("coordinator's inbox: %+v", ci)
		}
		if err := db.Plans.AcknowledgePlan(as("prefettura.rn"), p.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Plans.FindPlan(coord, p.ID)
		for _, r := range got.Provinces {
			if r.Persons > 0 && r.AcknowledgedAt == nil {
				t.Fatalf("%s not acknowledged", r.Sigla)
			}
		}
		if r := got.Province("099"); r.RemindedAt == nil || r.EscalatedAt == nil {
			t.Fatalf("Rimini: %+v", r)
		}

		// A prefecture sees only its own units and people.
		fePlan, err := db.Plans.FindPlan(as("prefettura.fe"), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(fePlan.Units) != fePlan.Province("038").Persons || len(fePlan.Persons) != fePlan.Province("038").Persons {
			t.Fatalf("Ferrara sees %d units and %d people for a share of %d", len(fePlan.Units), len(fePlan.Persons), fePlan.Province("038").Persons)
		}

		// Placements: the engine proposes, the prefecture confirms, places are held.
		heldBefore := map[string]int{}
		for _, r := range got.Provinces {
			if r.Persons == 0 {
				continue
			}
			pc := as("prefettura." + strings.ToLower(r.Sigla))
			prop, err := (&placement.Service{Store: db.Plans}).ProposePlacement(pc, p.ID)
			if err != nil {
				t.Fatalf("%s: %v", r.Sigla, err)
			}
			placed := 0
			for _, a := range prop.Assignments {
				placed += a.Size
				if _, seen := heldBefore[a.Facility]; !seen {
					f, err := db.Facilities.FindFacility(pc, a.Facility)
					if err != nil {
						t.Fatal(err)
					}
					heldBefore[a.Facility] = f.Held
				}
			}
			if placed != r.Persons || len(prop.Unplaced) != 0 {
				t.Fatalf("%s: proposal places %d of %d, unplaced %v", r.Sigla, placed, r.Persons, prop.Unplaced)
			}
			if err := db.Plans.PlaceUnits(pc, p.ID, prop.Assignments); err != nil {
				t.Fatalf("%s: %v", r.Sigla, err)
			}
		}
		// Placing a unit of another province is placing more than the share.
		if err := db.Plans.PlaceUnits(as("prefettura.fe"), p.ID, []domain.PlacementLine{{Unit: "f1", Facility: "FE-0001"}}); family != "038" &&
			domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("placing another province's unit: %v", err)
		}
		got, _ = db.Plans.FindPlan(coord, p.ID)
		if got.Status != domain.PlanPlaced {
			t.Fatalf("status after placements: %s", got.Status)
		}
		heldNow := map[string]int{}
		for _, u := range got.Units {
			if u.Facility == "" {
				t.Fatalf("unit %s not placed", u.ID)
			}
			heldNow[u.Facility] += u.Size
		}
		for code, n := range heldNow {
			f, _ := db.Facilities.FindFacility(coord, code)
			if f.Held != heldBefore[code]+n {
				t.Errorf("%s: held %d, want %d + %d", code, f.Held, heldBefore[code], n)
			}
		}

		// Departures, then arrivals: one man does not show up; the family arrives whole.
		now = now.Add(3 * time.Hour)
		var noShow string
		for _, r := range got.Provinces {
			if r.Persons == 0 {
				continue
			}
			pc := as("prefettura." + strings.ToLower(r.Sigla))
			if err := db.Plans.RecordDeparture(coord, p.ID, domain.PlanTransport{Province: r.Code, Vehicle: "Pullman CRI " + r.Sigla,
				Headcount: r.Persons}); err != nil {
				t.Fatal(err)
			}
			mine, _ := db.Plans.FindPlan(pc, p.ID)
			outcomes := map[string]string{}
			for _, pp := range mine.Persons {
				outcomes[pp.ID] = domain.OutcomeArrived
				if noShow == "" && r.Code == "037" && pp.UnitID != "f1" && strings.HasPrefix(pp.Surname, "Uomo") {
					noShow, outcomes[pp.ID] = pp.ID, domain.OutcomeNoShow
				}
			}
			if err := db.Plans.ConfirmArrival(pc, p.ID, outcomes, now); err != nil {
				t.Fatalf("%s: %v", r.Sigla, err)
			}
			if err := db.Plans.ConfirmArrival(pc, p.ID, outcomes, now); domain.ErrorCode(err) != domain.ECONFLICT {
				t.Fatalf("%s: a second confirmation: %v", r.Sigla, err)
			}
		}
		if noShow == "" {
			t.Fatal("Bologna has no single man to miss")
		}
		final, _ := db.Plans.FindPlan(coord, p.ID)
		if final.Status != domain.PlanArrived {
			t.Fatalf("status after arrivals: %s", final.Status)
		}
		guests, household := 0, ""
		for _, pp := range final.Persons {
			if pp.ID == noShow {
				if pp.GuestID != "" || pp.Outcome != domain.OutcomeNoShow {
					t.Fatalf("the no-show: %+v", pp)
				}
				continue
			}
			g, err := db.Guests.FindGuest(coord, pp.GuestID)
			if err != nil {
				t.Fatalf("guest of %s: %v", pp.Surname, err)
			}
			stays, err := db.Guests.Stays(coord, g.ID)
			if err != nil || len(stays) != 1 || stays[0].ExitedAt != nil {
				t.Fatalf("stays of %s: %+v %v", pp.Surname, stays, err)
			}
			var unit domain.PlanUnit
			for _, u := range final.Units {
				if u.ID == pp.UnitID {
					unit = u
				}
			}
			if stays[0].Facility != unit.Facility {
				t.Fatalf("%s in %s, assigned to %s", pp.Surname, stays[0].Facility, unit.Facility)
			}
			if pp.UnitID == "f1" {
				if g.HouseholdID == "" || (household != "" && g.HouseholdID != household) {
					t.Fatalf("family member with household %q (others %q)", g.HouseholdID, household)
				}
				household = g.HouseholdID
			}
			if g.MSNA != pp.MSNA || g.ArrivalPlace != "Ravenna (porto)" {
				t.Fatalf("guest %+v", g)
			}
			guests++
		}
		if guests != 72 {
			t.Fatalf("%d guests, want 72", guests)
		}
		for code := range heldNow {
			f, _ := db.Facilities.FindFacility(coord, code)
			if f.Held != heldBefore[code] {
				t.Errorf("%s: holds not converted (%d held, %d before)", code, f.Held, heldBefore[code])
			}
		}

		if err := db.Plans.ClosePlan(as("prefettura.fe"), p.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("a prefecture closing: %v", err)
		}
		if err := db.Plans.ClosePlan(coord, p.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.Plans.ClosePlan(coord, p.ID); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("closing twice: %v", err)
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		bal, err := db.Plans.Balances(coord, from, from.AddDate(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, b := range bal {
			total += b.Received
			want := final.Province(b.Province).Persons
			if b.Province == "037" {
				want-- // the no-show
			}
			if b.Received != want || math.Abs(b.Balance-(float64(b.Received)-b.Share*72)) > 1e-9 {
				t.Errorf("%s: %+v, want received %d", b.Sigla, b, want)
			}
			// The stages apart: all assigned; arrived as confirmed (the no-show
			// is not among them); nothing beyond what was assigned.
			if b.Assigned != final.Province(b.Province).Persons || b.Arrived != want ||
				b.Acknowledged > b.Assigned || b.Placed > b.Assigned {
				t.Errorf("%s: stages %+v, want %d assigned, %d arrived", b.Sigla, b, final.Province(b.Province).Persons, want)
			}
			if b.Received > 0 && (len(b.Plans) != 1 || b.Plans[0] != p.ID) {
				t.Errorf("%s plans %v", b.Sigla, b.Plans)
			}
		}
		if total != 72 {
			t.Fatalf("saldo total %d", total)
		}
		// The next plan starts from that saldo.
		p2 := &domain.Plan{Reference: "Viminale prot. 12399", Origin: "Lampedusa", Transport: "aereo", ExpectedAt: now.Add(24 * time.Hour)}
		if err := db.Plans.CreatePlan(coord, p2, units[:10], nil); err != nil {
			t.Fatal(err)
		}
		s2, err := db.Plans.ProposeSplit(coord, p2.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range s2.Provinces {
			for _, b := range bal {
				if b.Province == r.Code && math.Abs(r.BalanceBefore-b.Balance) > 1e-9 {
					t.Errorf("%s: saldo before %.3f, want %.3f", r.Sigla, r.BalanceBefore, b.Balance)
				}
			}
		}
		// The timeline tells the story.
		kinds := map[string]int{}
		for _, e := range final.Events {
			kinds[e.Kind]++
		}
		for _, k := range []string{"announced", "split_proposed", "split_adjusted", "published", "acknowledged", "reminded",
			"escalated", "placed", "departed", "arrived"} {
			if kinds[k] == 0 {
				t.Errorf("no %s event in the timeline", k)
			}
		}
		// Entries are kinds and parameters, rendered when read in the reader's
		// language, with the names of people and places resolved then.
		cat := i18n.MustNew()
		for _, e := range final.Events {
			if e.Summary != "" || e.Params == nil && e.Kind != "reminded" && e.Kind != "escalated" {
				t.Errorf("%s: stored as text %q or without parameters", e.Kind, e.Summary)
			}
			for _, lang := range []string{"it", "en"} {
				if txt := cat.For(lang).Stored("timeline.", e.Kind, e.Params, e.Summary); txt == "" || strings.Contains(txt, "no value") {
					t.Errorf("%s in %s: %q", e.Kind, lang, txt)
				}
			}
			if e.Actor != "system" && e.ActorName == "" {
				t.Errorf("%s: actor %s not resolved to a name", e.Kind, e.Actor)
			}
			if e.Province != "" && (e.ProvinceName == "" || e.ProvinceName == e.Province) {
				t.Errorf("%s: province %s not resolved to a name", e.Kind, e.Province)
			}
		}
		first := final.Events[0]
		if got := cat.For("it").Stored("timeline.", first.Kind, first.Params, ""); !strings.HasPrefix(got, "annuncio Viminale prot. 12345 del 07/08/2026 da Ravenna (porto): 73 persone (65 uomini") {
			t.Errorf("it: %q", got)
		}
		if got := cat.For("en").Stored("timeline.", first.Kind, first.Params, ""); !strings.HasPrefix(got, "notice Viminale prot. 12345 del 07/08/2026 from Ravenna (porto): 73 people (65 men") {
			t.Errorf("en: %q", got)
		}
	})
}

// TestPlanPlacementConcurrency: two offices place their shares of two plans
// into the same facility at the same moment; the facility's free places are
// never exceeded, and the refused office gets a conflict.
func TestPlanPlacementConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 8, 7, 9, 0, 0, 0, time.UTC)
		as := planFixture(t, db, &now)
		coord, bo := as("coordinamento"), as("prefettura.bo")
		fs, err := db.Facilities.ListFacilities(coord, domain.FacilityFilter{ProvinceCode: "037", Target: domain.TargetMen})
		if err != nil || len(fs) == 0 {
			t.Fatal(err)
		}
		target := fs[0]
		// Each office's share is 4 men; the facility has 6 free places.
		men := func(prefix string, n int) []domain.PlanUnit {
			var us []domain.PlanUnit
			for i := 0; i < n; i++ {
				us = append(us, domain.PlanUnit{ID: fmt.Sprintf("%s%d", prefix, i), Size: 1, Group: domain.GroupMan})
			}
			return us
		}
		rounds := 12
		for round := 0; round < rounds; round++ {
			f, _ := db.Facilities.FindFacility(coord, target.Code)
			if _, err := db.Facilities.SetAvailability(coord, f.Code, f.Version, domain.Availability{Occupied: f.Active - f.Blocked - f.Held - 6}); err != nil {
				t.Fatal(err)
			}
			var plans [2]string
			for i := range plans {
				p := &domain.Plan{Reference: fmt.Sprintf("round %d/%d", round, i), Origin: "Lampedusa", ExpectedAt: now.Add(time.Hour)}
				if err := db.Plans.CreatePlan(coord, p, men("u", 40), nil); err != nil {
					t.Fatal(err)
				}
				s, err := db.Plans.ProposeSplit(coord, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if bo := s.Province("037").Persons; bo != 4 {
					// move persons so that Bologna's share is exactly 4
					other := "034"
					if _, err := db.Plans.AdjustSplit(coord, p.ID, map[string]int{"037": 4, other: s.Province(other).Persons + bo - 4}, "test"); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := db.Plans.PublishPlan(coord, p.ID); err != nil {
					t.Fatal(err)
				}
				plans[i] = p.ID
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, ctx := range []context.Context{coord, bo} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					mine, err := db.Plans.FindPlan(ctx, plans[i])
					if err != nil {
						errs[i] = err
						return
					}
					var lines []domain.PlacementLine
					for _, u := range mine.Units {
						if u.Province == "037" {
							lines = append(lines, domain.PlacementLine{Unit: u.ID, Facility: target.Code})
						}
					}
					errs[i] = db.Plans.PlaceUnits(ctx, plans[i], lines)
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case domain.ErrorCode(err) != domain.ECONFLICT:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			f, _ = db.Facilities.FindFacility(coord, target.Code)
			if ok != 1 || f.Free < 0 || f.Free != 2 {
				t.Fatalf("round %d: %d placements succeeded, facility free %d", round, ok, f.Free)
			}
			for _, id := range plans {
				if err := db.Plans.CancelPlan(coord, id, "fine del round"); err != nil {
					t.Fatal(err)
				}
			}
			if f, _ = db.Facilities.FindFacility(coord, target.Code); f.Free != 6 {
				t.Fatalf("round %d: cancelling did not release the holds (free %d)", round, f.Free)
			}
		}
	})
}

// TestPlanNominativeList: a transfer list with a family, a minor and a bad
// row is previewed with the row and column of the error; nothing changes
// until it is applied, with the bad row excluded; it applies once.
func TestPlanNominativeList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 8, 7, 1, 30, 0, 0, time.UTC)
		as := planFixture(t, db, &now)
		coord := as("coordinamento")
		p := &domain.Plan{Reference: "Lista", Origin: "Lampedusa", ExpectedAt: now.Add(6 * time.Hour)}
		if err := db.Plans.CreatePlan(coord, p, []domain.PlanUnit{{ID: "x", Size: 1, Group: domain.GroupMan}}, nil); err != nil {
			t.Fatal(err)
		}
		csv := "Elenco trasferimento\n" +
			"N.;Cognome;Nome;Sesso;Data di nascita;Cittadinanza;CUI;Nucleo;Ruolo;MSNA\n" +
			"1;Diallo;Mamadou;M;01/01/1990;Guinea;;F1;capofamiglia;\n" +
			"2;Diallo;Aissatou;F;1992;GIN;;F1;moglie;\n" +
			"3;Diallo;Binta;F;2019;GIN;;F1;figlia;\n" +
			"4;Hossain;Rahim;M;05/05/2009;Bangladesh;;;;sì\n" +
			"5;Ahmed;Sara;F;02/02/1999;Eritrea;;;;\n" +
			"6;Senza;Sesso;?;01/01/2000;Sudan;;;;\n" +
			"7;Ali;Omar;M;03/03/2001;SDN;;;;\n"
		raw, err := sheet.ReadPresence([]byte(csv), "lista.csv")
		if err != nil {
			t.Fatal(err)
		}
		rows, errs, err := sheet.ParsePresence(raw)
		if err != nil {
			t.Fatal(err)
		}
		pv, err := db.Plans.PreviewPlanList(coord, p.ID, rows, errs)
		if err != nil {
			t.Fatal(err)
		}
		c := pv.Composition
		if pv.Persons != 6 || len(pv.Errors) != 1 || pv.Errors[0].Line != 8 || pv.Errors[0].Column != "sesso" ||
			c.Households != 1 || c.HouseholdPersons != 3 || c.MSNA != 1 || c.Women != 1 || c.Men != 1 {
			t.Fatalf("preview %+v", pv)
		}
		if got, _ := db.Plans.FindPlan(coord, p.ID); got.Total != 1 {
			t.Fatalf("the preview changed the plan: total %d", got.Total)
		}
		if err := db.Plans.ApplyPlanList(coord, pv.ID, false); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("applying a list with errors: %v", err)
		}
		if err := db.Plans.ApplyPlanList(as("prefettura.bo"), pv.ID, true); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("a prefecture applying: %v", err)
		}
		if err := db.Plans.ApplyPlanList(coord, pv.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := db.Plans.ApplyPlanList(coord, pv.ID, true); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("applying twice: %v", err)
		}
		got, _ := db.Plans.FindPlan(coord, p.ID)
		if got.Total != 6 || len(got.Persons) != 6 || got.Status != domain.PlanAnnounced {
			t.Fatalf("after the list: total %d, %d persons, %s", got.Total, len(got.Persons), got.Status)
		}
		roles := map[string]string{}
		for _, pp := range got.Persons {
			roles[pp.GivenName] = pp.HouseholdRole
			if pp.GivenName == "Rahim" && !pp.MSNA {
				t.Errorf("Rahim is not flagged MSNA")
			}
		}
		if roles["Mamadou"] != "head" || roles["Aissatou"] != "partner" || roles["Binta"] != "child" {
			t.Errorf("roles %v", roles)
		}
		if _, err := db.Plans.ProposeSplit(coord, p.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// TestProposeSplitReadsInItsTransaction: the free places the split rests on
// are read by the split's own transaction, so they are the figures of the
// moment it commits: with the read-only pool closed, the split still runs.
func TestProposeSplitReadsInItsTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 8, 7, 1, 30, 0, 0, time.UTC)
		as := planFixture(t, db, &now)
		coord := as("coordinamento")
		units, persons := ravenna73()
		p := &domain.Plan{Reference: "split in one transaction", Origin: "Ravenna (porto)", Transport: "bus",
			ExpectedAt: now.Add(8 * time.Hour), WindowHours: 4, AckHours: 2}
		if err := db.Plans.CreatePlan(coord, p, units, persons); err != nil {
			t.Fatal(err)
		}
		if !store.CloseReadPool(db) {
			t.Skip("one pool for reads and writes on this engine")
		}
		if err := store.ProposeSplitTx(coord, db, p.ID); err != nil {
			t.Fatalf("the split read outside its transaction: %v", err)
		}
	})
}
