package placement

import (
	"math"
	"testing"

	"github.com/gesta-er/gesta/internal/alloc"
	"github.com/gesta-er/gesta/internal/domain"
)

// TestInstance: what the engine is given for a province — the plan's own
// holds count as free, facilities not active, full or of another province
// are left out, units with an outcome are not placed again, a metropolitan
// capital has the lower guideline and the hosted count excludes the plan's
// own holds.
func TestInstance(t *testing.T) {
	fac := func(code, comune string, status domain.FacilityStatus, free, held int) domain.Facility {
		return domain.Facility{Code: code, ProvinceCode: "037", ComuneCode: comune, Status: status, Target: domain.TargetMen,
			Free: free, Held: held, Occupied: 10, Lat: 44, Lon: 11}
	}
	pin := domain.PlacementInput{
		Province: "037",
		Units: []domain.PlanUnit{{ID: "u1", Size: 1, Group: domain.GroupMan}, {ID: "u2", Size: 1, Group: domain.GroupMan, Outcome: domain.OutcomeArrived},
			{ID: "u3", Size: 1, Group: domain.GroupMan, Facility: "F3"}},
		Facilities: []domain.Facility{
			fac("F1", "037006", domain.StatusActive, 5, 0),
			fac("F2", "037006", domain.StatusClosed, 5, 0), // not active
			fac("F3", "037001", domain.StatusActive, 0, 1), // full, but the one held place is the plan's own
			fac("F4", "037001", domain.StatusActive, 0, 0), // full
		},
		OwnHeld:      map[string]int{"F3": 1},
		Capital:      "037006",
		Metropolitan: true,
		Comuni:       []domain.ComuneResidents{{Code: "037001", Residents: 1000}, {Code: "037006", Residents: 390000, Capital: true}},
	}
	pin.Facilities = append(pin.Facilities, domain.Facility{Code: "F5", ProvinceCode: "038", Status: domain.StatusActive, Free: 9})
	in, byCode := instance(pin)
	var codes []string
	for _, f := range in.Facilities {
		codes = append(codes, f.ID+":"+string(rune('0'+f.Free)))
	}
	if got := len(byCode); got != 2 || byCode["F1"].Code != "F1" || byCode["F3"].Code != "F3" {
		t.Errorf("candidates %v, want F1 and F3", codes)
	}
	if len(in.Facilities) != 2 || in.Facilities[0].Free != 5 || in.Facilities[1].Free != 1 {
		t.Errorf("facilities %v, want F1:5 F3:1", codes)
	}
	if len(in.Units) != 2 || in.Units[0].ID != "u1" || in.Units[1].ID != "u3" {
		t.Errorf("units %+v, want u1 and u3 (u2 has arrived)", in.Units)
	}
	per := map[string]float64{}
	hosted := map[string]int{}
	for _, c := range in.Comuni {
		per[c.Code], hosted[c.Code] = c.PerThousand, c.Hosted
	}
	if per["037006"] != 1.5 || per["037001"] != 2.5 {
		t.Errorf("guidelines %v, want 1.5 in the metropolitan capital, 2.5 elsewhere", per)
	}
	if hosted["037001"] != 20 || hosted["037006"] != 20 { // occupied 10 each; F3's held place is the plan's own
		t.Errorf("hosted %v", hosted)
	}
	if in.Origin.Lat == 0 || in.Origin.Lon == 0 {
		t.Errorf("no origin: %+v", in.Origin)
	}
}

// TestSplit: the engine's split through the domain types — every unit goes
// to one province, and the persons add up.
func TestSplit(t *testing.T) {
	req := domain.SplitRequest{
		Provinces: []domain.SplitProvince{{Code: "037", Share: 0.6}, {Code: "038", Share: 0.4, Free: map[string]int{domain.GroupMan: 10}}},
		Units: []domain.PlanUnit{{ID: "a", Size: 1, Group: domain.GroupMan}, {ID: "b", Size: 1, Group: domain.GroupMan},
			{ID: "f", Size: 3, Group: domain.GroupFamily}},
	}
	res, err := Split(req)
	if err != nil {
		t.Fatal(err)
	}
	persons, units := 0, map[string]string{}
	for _, p := range res.Provinces {
		persons += p.Persons
		for _, u := range p.Units {
			units[u] = p.Code
		}
		if w := p.Why; w.Batch != 5 || w.Low > p.Persons || w.High < p.Persons {
			t.Errorf("%s: %d persons, reason %+v", p.Code, p.Persons, w)
		}
	}
	if persons != 5 || len(units) != 3 || len(res.Unplaced) != 0 {
		t.Fatalf("split %+v", res)
	}
	if _, err := Split(domain.SplitRequest{}); err == nil {
		t.Error("a split of no provinces succeeded")
	}
}

// TestGap: a proposal says how far from the optimum it may be, from the
// bound the engine proved, and nothing else: 0 only when proven.
func TestGap(t *testing.T) {
	for _, c := range []struct {
		sol  alloc.Solution
		want float64
	}{
		{alloc.Solution{Objective: 1000, Bound: 1000, Optimal: true}, 0},
		{alloc.Solution{Objective: 1000, Bound: 990}, 1},
		{alloc.Solution{Objective: 21456, Bound: 21387}, float64(69) / 21456 * 100},
		{alloc.Solution{Objective: 0, Bound: 0}, 0},
	} {
		if got := gapPercent(&c.sol); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%+v: gap %v, want %v", c.sol, got, c.want)
		}
	}
}
