package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/placement"
	"github.com/gesta-er/gesta/internal/store"
)

// The showcase makes every screen of the demo show something a new user can
// read: facilities whose occupancy comes from the registry and a few whose
// operator declares it (some of them out of step with the registry, so the
// reconciliation has rows), and distribution plans at every stage — announced,
// split, acknowledged by some provinces, placed, arrived — with their
// notifications and a conversation. Deterministic: the same facilities and
// the same plans on every load.

// occupancyModes picks the declared facilities: one in ten, of which one in
// four declares a figure the registry does not confirm (−3…+3, never 0);
// and the first facility of each demo operator's entity (the first of its
// province), in step with the registry, so that the operator's daily
// confirmation shows both kinds: a figure to type and one read from the
// registry.
func occupancyModes(seed store.Seed) map[string]int {
	r := rand.New(rand.NewPCG(defaultSeed, 7))
	out := map[string]int{}
	operators := map[int]bool{} // gestore index → not yet given a declared facility
	seen := map[string]bool{}
	for i, g := range seed.Gestori {
		if !seen[g.ProvinceCode] {
			seen[g.ProvinceCode], operators[i] = true, true
		}
	}
	for _, f := range seed.Facilities {
		if operators[f.GestoreIndex] {
			operators[f.GestoreIndex] = false
			out[f.Facility.Code] = 0
		}
	}
	for i, f := range seed.Facilities {
		if i%10 != 3 {
			continue
		}
		d := 0
		if i%40 == 3 {
			d = 1 + r.IntN(3)
			if r.IntN(2) == 0 {
				d = -d
			}
		}
		out[f.Facility.Code] = d
	}
	return out
}

// loadShowcase runs after the population is loaded.
// The past months' plans come first: the occupancy modes then set every
// facility's figure from the registry (or the operator's declaration), so
// the places those people took months ago are not taken today — they have
// moved on, as most do.
func loadShowcase(ctx context.Context, db *store.DB, seed store.Seed) error {
	if err := loadPlans(ctx, db, true); err != nil {
		return err
	}
	if err := db.Facilities.SeedOccupancyModes(ctx, occupancyModes(seed)); err != nil {
		return err
	}
	return loadPlans(ctx, db, false)
}

// demoPlan is one plan of the showcase and how far it goes.
type demoPlan struct {
	ref, origin, transport string
	men, women, minors     int
	family                 int // members of one family (0: none)
	inHours                int // expected arrival, hours from now
	stage                  string
	// noList: announced by composition only, without a nominative list (its
	// arrivals become occupancy, not guests of the registry).
	noList bool
}

const (
	stageAnnounced = "announced"
	stageSplit     = "split"
	stageAcked     = "acked" // published, acknowledged by some provinces
	stagePlaced    = "placed"
	stageArrived   = "arrived"
)

var demoPlans = []demoPlan{
	{"Viminale – Dip. LCI, prot. 4411 (demo)", "Lampedusa (hotspot)", "aereo", 18, 2, 0, 4, -20, stageArrived, false},
	{"Viminale – Dip. LCI, prot. 4502 (demo)", "Ravenna (porto)", "bus", 24, 1, 2, 3, 6, stagePlaced, false},
	{"Viminale – Dip. LCI, prot. 4517 (demo)", "Pozzallo (hotspot)", "bus", 30, 3, 3, 4, 20, stageAcked, false},
	{"Viminale – Dip. LCI, prot. 4523 (demo)", "Ancona (porto)", "nave", 14, 2, 0, 0, 30, stageSplit, false},
	{"Viminale – Dip. LCI, prot. 4530 (demo)", "Bari (porto)", "bus", 10, 0, 1, 3, 44, stageAnnounced, false},
}

// pastPlans arrived in the months before the demo's publication, so that the
// public "arrivals by plan" dataset has figures (and suppressed cells: a
// province's share of a group is often under the threshold). monthsAgo
// places each under the store's clock moved back that far. Single adults
// without a nominative list: their arrivals became occupancy, which the
// occupancy modes then set from the registry (they have moved on since).
var pastPlans = []struct {
	demoPlan
	monthsAgo int
}{
	{demoPlan{"Viminale – Dip. LCI, prot. 3120 (demo)", "Lampedusa (hotspot)", "aereo", 44, 5, 0, 0, -20, stageArrived, true}, 5},
	{demoPlan{"Viminale – Dip. LCI, prot. 3388 (demo)", "Pozzallo (hotspot)", "bus", 38, 4, 0, 0, -20, stageArrived, true}, 4},
	{demoPlan{"Viminale – Dip. LCI, prot. 3642 (demo)", "Taranto (porto)", "bus", 50, 6, 0, 0, -20, stageArrived, true}, 3},
	{demoPlan{"Viminale – Dip. LCI, prot. 3901 (demo)", "Lampedusa (hotspot)", "aereo", 34, 4, 0, 0, -20, stageArrived, true}, 2},
	{demoPlan{"Viminale – Dip. LCI, prot. 4188 (demo)", "Reggio Calabria (porto)", "bus", 42, 5, 0, 0, -20, stageArrived, true}, 1},
}

// loadPlans plays the demo plans (the past months' or the current ones)
// through the plan service as the demo users would, so that their timelines,
// notifications and audit rows are real.
func loadPlans(ctx context.Context, db *store.DB, past bool) error {
	as := func(email string) (context.Context, error) {
		c, err := db.Users.Credentials(ctx, email+"@"+demoEmailDomain)
		if err != nil {
			return nil, fmt.Errorf("demo plans: %s: %w", email, err)
		}
		return domain.NewContextWithActor(ctx, c.Actor), nil
	}
	coord, err := as("coordinamento")
	if err != nil {
		return err
	}
	engine := &placement.Service{Store: db.Plans}
	if past {
		clock := db.ClockFunc()
		defer db.SetClock(clock)
		base := db.Now()
		for i, pp := range pastPlans {
			// Mid-month, in the store's time, as the plan would have been played.
			at := time.Date(base.Year(), base.Month()-time.Month(pp.monthsAgo), 12, 9, 0, 0, 0, time.UTC)
			start := clock()
			db.SetClock(func() time.Time { return at.Add(clock().Sub(start)) })
			if err := playPlan(as, coord, db, engine, len(demoPlans)+i, pp.demoPlan); err != nil {
				return err
			}
		}
		return nil
	}
	for n, dp := range demoPlans {
		if err := playPlan(as, coord, db, engine, n, dp); err != nil {
			return err
		}
	}
	return nil
}

// playPlan creates plan n and takes it to its stage.
func playPlan(as func(string) (context.Context, error), coord context.Context, db *store.DB, engine *placement.Service, n int, dp demoPlan) error {
	now := db.Now()
	units, persons := dp.people(n)
	if dp.noList {
		persons = nil
	}
	p := &domain.Plan{Reference: dp.ref, Origin: dp.origin, Transport: dp.transport,
		ExpectedAt: now.Add(time.Duration(dp.inHours) * time.Hour).Truncate(time.Hour), WindowHours: 4, AckHours: 2}
	if dp.inHours < 0 { // it already came: it was announced for a few hours from now
		p.ExpectedAt = now.Add(2 * time.Hour).Truncate(time.Hour)
	}
	if err := db.Plans.CreatePlan(coord, p, units, persons); err != nil {
		return fmt.Errorf("demo plan %d: %w", n, err)
	}
	if dp.stage == stageAnnounced {
		return nil
	}
	if _, err := db.Plans.ProposeSplit(coord, p.ID); err != nil {
		return fmt.Errorf("demo plan %d: split: %w", n, err)
	}
	if dp.stage == stageSplit {
		return nil
	}
	pub, err := db.Plans.PublishPlan(coord, p.ID)
	if err != nil {
		return fmt.Errorf("demo plan %d: publish: %w", n, err)
	}
	for i, r := range pub.Provinces {
		if r.Persons == 0 || (dp.stage == stageAcked && i%3 != 0 && r.Sigla != "BO") { // some, Bologna among them
			continue
		}
		pc, err := as("prefettura." + strings.ToLower(r.Sigla))
		if err != nil {
			return err
		}
		if err := db.Plans.AcknowledgePlan(pc, p.ID); err != nil {
			return fmt.Errorf("demo plan %d: %s: %w", n, r.Sigla, err)
		}
		if dp.stage == stageAcked {
			continue
		}
		prop, err := engine.ProposePlacement(pc, p.ID)
		if err != nil {
			return fmt.Errorf("demo plan %d: %s: proposal: %w", n, r.Sigla, err)
		}
		if err := db.Plans.PlaceUnits(pc, p.ID, prop.Assignments); err != nil {
			return fmt.Errorf("demo plan %d: %s: place: %w", n, r.Sigla, err)
		}
		if dp.stage == stagePlaced {
			continue
		}
		if err := db.Plans.RecordDeparture(coord, p.ID, domain.PlanTransport{Province: r.Code,
			Vehicle: "Pullman CRI " + r.Sigla, Headcount: r.Persons}); err != nil {
			return fmt.Errorf("demo plan %d: %s: departure: %w", n, r.Sigla, err)
		}
		mine, err := db.Plans.FindPlan(pc, p.ID)
		if err != nil {
			return err
		}
		outcomes := map[string]string{}
		for _, pp := range mine.Persons {
			outcomes[pp.ID] = domain.OutcomeArrived
		}
		if len(mine.Persons) == 0 { // no nominative list: one outcome per unit
			for _, u := range mine.Units {
				outcomes[u.ID] = domain.OutcomeArrived
			}
		}
		if err := db.Plans.ConfirmArrival(pc, p.ID, outcomes, db.Now()); err != nil {
			return fmt.Errorf("demo plan %d: %s: arrival: %w", n, r.Sigla, err)
		}
	}
	if dp.stage == stageAcked {
		// A conversation: the coordinator asks, Bologna answers.
		if err := db.Plans.PostMessage(coord, p.ID, "Si chiede di confermare la presa visione entro le 2 ore: "+
			"il pullman partirà dall'hotspot in mattinata."); err != nil {
			return fmt.Errorf("demo plan %d: message: %w", n, err)
		}
		if bo, err := as("prefettura.bo"); err == nil {
			if err := db.Plans.PostMessage(bo, p.ID, "Presa visione data; i posti per la quota di Bologna sono "+
				"individuati, l'assegnazione segue entro sera."); err != nil {
				return fmt.Errorf("demo plan %d: message: %w", n, err)
			}
		}
	}
	return nil
}

// people makes the plan's units and nominative list: fictitious names from
// the population's pools, the same on every load.
func (dp demoPlan) people(n int) ([]domain.PlanUnit, []domain.PlanPerson) {
	r := rand.New(rand.NewPCG(defaultSeed, uint64(100+n)))
	var units []domain.PlanUnit
	var persons []domain.PlanPerson
	birth := func(age int) time.Time { return time.Date(2026-age, time.January, 1, 0, 0, 0, 0, time.UTC) }
	person := func(unit, sex, role string, msna bool, age int, nat string) {
		pool := namePool(nat)
		persons = append(persons, domain.PlanPerson{UnitID: unit, Surname: pool[1][r.IntN(len(pool[1]))],
			GivenName: pool[0][r.IntN(len(pool[0]))], Sex: sex, BirthDate: birth(age), BirthEstimated: true,
			Nationality: nat, MSNA: msna, HouseholdRole: role})
	}
	nat := func() string { return draw(r, nationalityWeights) }
	for i := range dp.men {
		id := fmt.Sprintf("u%02d", i+1)
		units = append(units, domain.PlanUnit{ID: id, Size: 1, Group: domain.GroupMan})
		person(id, domain.SexMale, "", false, 19+r.IntN(20), nat())
	}
	for i := range dp.women {
		id := fmt.Sprintf("w%d", i+1)
		units = append(units, domain.PlanUnit{ID: id, Size: 1, Group: domain.GroupWoman})
		person(id, domain.SexFemale, "", false, 20+r.IntN(15), nat())
	}
	for i := range dp.minors {
		id := fmt.Sprintf("m%d", i+1)
		units = append(units, domain.PlanUnit{ID: id, Size: 1, Group: domain.GroupMinor})
		person(id, domain.SexMale, "", true, 15+r.IntN(3), nat())
	}
	if dp.family > 0 {
		units = append(units, domain.PlanUnit{ID: "f1", Size: dp.family, Group: domain.GroupFamily})
		fn := draw(r, familyNationalityWeights)
		person("f1", domain.SexMale, "head", false, 36, fn)
		person("f1", domain.SexFemale, "partner", false, 31, fn)
		for k := 2; k < dp.family; k++ {
			person("f1", []string{domain.SexMale, domain.SexFemale}[k%2], "child", false, 2+3*k, fn)
		}
	}
	// One family name for the family.
	for i := range persons {
		if persons[i].UnitID == "f1" {
			persons[i].Surname = persons[len(persons)-dp.family].Surname
		}
	}
	return units, persons
}
