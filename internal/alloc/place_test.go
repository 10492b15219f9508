package alloc

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// randomInstance makes a small instance where households, needs, the
// guideline and scarce places all bite.
func randomInstance(r *rand.Rand, units, facilities int) *Instance {
	in := &Instance{Origin: Point{44.5, 11.3}, Weights: Weights{Distance: 1, OverGuideline: int64(r.IntN(60)), Unplaced: 500}}
	for c := range 3 {
		in.Comuni = append(in.Comuni, ComuneGuidance{Code: fmt.Sprintf("0370%02d", c), Residents: 1000 + r.IntN(3000),
			Hosted: r.IntN(8), PerThousand: 2.5})
	}
	groups := []string{GroupMan, GroupWoman, GroupFamily, GroupMinor}
	for i := range facilities {
		f := PlaceFacility{ID: fmt.Sprintf("f%d", i), Free: r.IntN(6), Lat: 44.5 + r.Float64()*0.8 - 0.4,
			Lon: 11.3 + r.Float64()*0.8 - 0.4, Comune: in.Comuni[r.IntN(3)].Code}
		for _, g := range groups {
			if r.IntN(2) == 0 {
				f.Accepts = append(f.Accepts, g)
			}
		}
		if r.IntN(3) == 0 {
			f.Features = []string{"wheelchair"}
		}
		in.Facilities = append(in.Facilities, f)
	}
	for i := range units {
		u := PlaceUnit{ID: fmt.Sprintf("u%d", i), Size: 1, Group: groups[r.IntN(4)]}
		if u.Group == GroupFamily {
			u.Size = 2 + r.IntN(3)
		}
		if r.IntN(5) == 0 {
			u.Needs = []string{"wheelchair"}
		}
		in.Units = append(in.Units, u)
	}
	return in
}

// packingInstance makes a small instance where households must be packed:
// families of 2–3 (often interchangeable), a few single women, facilities of
// 2–7 places, so the flow relaxation splits households and the search works.
func packingInstance(r *rand.Rand) *Instance {
	in := randomInstance(r, 0, 3+r.IntN(2))
	for i := range in.Facilities {
		in.Facilities[i].Free = 2 + r.IntN(6)
		in.Facilities[i].Accepts = []string{GroupFamily, GroupWoman}
		in.Facilities[i].Features = nil
	}
	for i := range 4 + r.IntN(3) {
		u := PlaceUnit{ID: fmt.Sprintf("h%d", i), Size: 2 + r.IntN(2), Group: GroupFamily}
		if r.IntN(3) == 0 {
			u = PlaceUnit{ID: fmt.Sprintf("w%d", i), Size: 1, Group: GroupWoman}
		}
		in.Units = append(in.Units, u)
	}
	return in
}

// bruteForce enumerates every placement (each unit: a facility or none).
func bruteForce(in *Instance) int64 {
	n, k := len(in.Units), len(in.Facilities)+1
	best := int64(-1)
	choice := make([]int, n)
	for {
		var as []Assignment
		var un []string
		for i, c := range choice {
			if c == 0 {
				un = append(un, in.Units[i].ID)
			} else {
				as = append(as, Assignment{Unit: in.Units[i].ID, Facility: in.Facilities[c-1].ID})
			}
		}
		if obj, err := Evaluate(in, as, un); err == nil && (best < 0 || obj < best) {
			best = obj
		}
		i := 0
		for i < n {
			choice[i]++
			if choice[i] < k {
				break
			}
			choice[i] = 0
			i++
		}
		if i == n {
			return best
		}
	}
}

// TestSolveAgainstBruteForce: on hundreds of small instances the engine's
// objective equals the best of every placement enumerated, is proven
// optimal, and recomputes from its assignments. (It caught a search that
// dropped a node when pseudo-costs of infinite gain scored below none.)
func TestSolveAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	branched, twins, cored, lagranged, closed := 0, 0, 0, 0, 0
	for trial := range 1200 {
		in := randomInstance(r, 2+r.IntN(5), 1+r.IntN(4))
		if trial%2 == 1 {
			in = packingInstance(r)
		}
		// Half of the packing trials run the Lagrangian phase, which Solve
		// keeps for large networks or searches on flow bounds that do not
		// end soon: half of those straight away (without faceFill, which
		// would end most before it), half after a few nodes; and a quarter
		// take the large networks' path, faceFill on.
		opt := options{lagrangeMin: lagrangeMinFacilities, flowBudget: -1}
		switch trial % 8 {
		case 1, 5:
			opt.lagrangeMin, opt.noFill = 0, true
		case 7:
			opt.lagrangeMin = 0
		case 3:
			opt.flowBudget = 6
		}
		sol, err := solve(in, 5*time.Second, opt)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if sol.Stats.Lagrange {
			lagranged++
			if sol.Stats.LagrangeLB < sol.Objective {
				closed++ // the search closed what the relaxation left
			}
		}
		checkProven(t, trial, in, sol)
		if sol.Stats.Nodes > 1 {
			branched++
		}
		if sol.Stats.CoreArcs < sol.Stats.Arcs {
			cored++
		}
		if nw := buildNetwork(in); len(nw.hhClasses) < len(nw.households) {
			twins++
		}
	}
	// The trials must exercise the search, the classes of interchangeable
	// households and the search on the core network.
	t.Logf("%d of 1200 trials branched, %d had interchangeable households, %d searched a core, %d ran the Lagrangian phase (%d searched beyond its bound)",
		branched, twins, cored, lagranged, closed)
	if branched < 60 || twins < 100 || cored < 30 || lagranged < 15 || closed < 5 {
		t.Errorf("only %d trials branched, %d had interchangeable households, %d searched a core, %d ran the Lagrangian phase (%d searched beyond its bound)",
			branched, twins, cored, lagranged, closed)
	}
}

func TestValidate(t *testing.T) {
	base := func() *Instance {
		return &Instance{Weights: Weights{1, 1, 1}, Comuni: []ComuneGuidance{{Code: "037006", Residents: 100}},
			Facilities: []PlaceFacility{{ID: "f", Free: 1, Accepts: []string{GroupMan}, Comune: "037006"}},
			Units:      []PlaceUnit{{ID: "u", Size: 1, Group: GroupMan}}}
	}
	for name, mutate := range map[string]func(*Instance){
		"negative size":   func(in *Instance) { in.Units[0].Size = -1 },
		"unknown comune":  func(in *Instance) { in.Facilities[0].Comune = "999999" },
		"duplicate unit":  func(in *Instance) { in.Units = append(in.Units, in.Units[0]) },
		"duplicate fac":   func(in *Instance) { in.Facilities = append(in.Facilities, in.Facilities[0]) },
		"unknown group":   func(in *Instance) { in.Units[0].Group = "x" },
		"negative free":   func(in *Instance) { in.Facilities[0].Free = -2 },
		"negative weight": func(in *Instance) { in.Weights.Unplaced = -1 },
		"huge weight":     func(in *Instance) { in.Weights.Unplaced = 1 << 55 },
		"huge capacity":   func(in *Instance) { in.Facilities[0].Free = 1 << 21 },
	} {
		in := base()
		mutate(in)
		if _, err := Solve(in, time.Second); !errors.Is(err, ErrBadInstance) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := Solve(base(), time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestRestore: restoring a checkpoint after branching, changing an arc's cost
// and re-optimising gives back exactly the saved state (arcs, forced flows,
// potentials, costs, the flow's cost), as loading it whole would.
func TestRestore(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	tried := 0
	for range 200 {
		m := buildNetwork(packingInstance(r)).build()
		g := m.g
		g.solve(m.s, m.t, m.need)
		var base flowState
		g.saveInto(&base)
		costs := slices.Clone(g.cost)
		g.checkpoint()
		for _, cd := range m.candidates(4) {
			for _, up := range []bool{false, true} {
				m.branchOn(cd.k, cd.arc, cd.f, up, map[int]bool{})
				m.round()
				// Costs change too (the Lagrangian relaxation's network).
				if len(m.sigFac) > 0 {
					g.setCost(m.sigFac[r.IntN(len(m.sigFac))][0], r.Int64N(50))
					g.reoptimize()
				}
				g.restore()
				if !slices.Equal(g.cost, costs) {
					t.Fatalf("restore left changed costs")
				}
				tried++
				var now flowState
				g.saveInto(&now)
				if !slices.Equal(now.capa, base.capa) || !slices.Equal(now.pi, base.pi) || !slices.Equal(now.fixed, base.fixed) ||
					now.total != base.total || g.totalCost() != base.total || slices.ContainsFunc(g.excess, func(e int64) bool { return e != 0 }) {
					t.Fatalf("restore differs from the checkpoint")
				}
			}
		}
	}
	if tried < 100 {
		t.Fatalf("only %d restores tried", tried)
	}
}

// mediumInstance is a batch too large to enumerate, shaped like the
// benchmark's: many small facilities of a few kinds, mostly single men, and
// households of 2–7 that must be packed.
func mediumInstance(r *rand.Rand) *Instance {
	in := randomInstance(r, 0, 0)
	kinds := [][]string{{GroupMan}, {GroupWoman, GroupFamily}, {GroupFamily}, {GroupMinor}, {GroupMan, GroupWoman, GroupFamily}}
	for i := range 30 + r.IntN(30) {
		in.Facilities = append(in.Facilities, PlaceFacility{ID: fmt.Sprintf("f%d", i), Free: 1 + r.IntN(8),
			Accepts: kinds[r.IntN(len(kinds))], Lat: 44.5 + r.Float64()*0.8 - 0.4, Lon: 11.3 + r.Float64()*0.8 - 0.4,
			Comune: in.Comuni[r.IntN(3)].Code})
	}
	for i := range 25 + r.IntN(20) {
		u := PlaceUnit{ID: fmt.Sprintf("u%d", i), Size: 1, Group: GroupMan}
		switch y := r.IntN(10); {
		case y < 3:
			u.Group, u.Size = GroupFamily, 2+r.IntN(6)
		case y < 4:
			u.Group = GroupWoman
		case y < 5:
			u.Group = GroupMinor
		}
		in.Units = append(in.Units, u)
	}
	return in
}

// TestLagrangeAgreesWithFlowSearch: on batches too large to enumerate, the
// search with the Lagrangian phase (its bound, fixing and penalties) and the
// search on flow bounds alone prove the same optimum — two proofs by
// different bounds. (It caught reduced-cost fixing priced against a node's
// Lagrangian bound instead of its flow's cost, which pruned the optimum.)
func TestLagrangeAgreesWithFlowSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	ran, searched := 0, 0
	for trial := range 60 {
		in := mediumInstance(r)
		flow, err := solve(in, 20*time.Second, options{lagrangeMin: math.MaxInt, flowBudget: -1})
		if err != nil {
			t.Fatal(err)
		}
		// No faceFill: since it runs on large networks it proves most of
		// these before the Lagrangian phase, whose search is the point.
		lag, err := solve(in, 20*time.Second, options{lagrangeMin: 0, noFill: true})
		if err != nil {
			t.Fatal(err)
		}
		if !flow.Optimal || !lag.Optimal || flow.Objective != lag.Objective {
			t.Fatalf("trial %d: flow search %d (optimal %v), with the Lagrangian phase %d (optimal %v)", trial,
				flow.Objective, flow.Optimal, lag.Objective, lag.Optimal)
		}
		// With faceFill on the large path too (its proofs: face.go).
		fill, err := solve(in, 20*time.Second, options{lagrangeMin: 0})
		if err != nil {
			t.Fatal(err)
		}
		if !fill.Optimal || fill.Objective != flow.Objective {
			t.Fatalf("trial %d: flow search %d, with faceFill and the Lagrangian phase %d (optimal %v)", trial,
				flow.Objective, fill.Objective, fill.Optimal)
		}
		if got, err := Evaluate(in, lag.Assignments, lag.Unplaced); err != nil || got != lag.Objective {
			t.Fatalf("trial %d: recomputed %d, %v", trial, got, err)
		}
		if lag.Stats.Lagrange {
			ran++
			if lag.Stats.LagrangeLB < lag.Objective {
				searched++
			}
		}
	}
	t.Logf("the Lagrangian phase ran on %d of 60 batches, %d searched beyond its bound", ran, searched)
	if ran < 20 || searched < 10 {
		t.Errorf("the Lagrangian phase ran on %d of 60 batches, %d searched beyond its bound", ran, searched)
	}
}

// TestDiveIsAPlacement: every dive that ends returns the cost of a feasible
// placement, as recomputed from the assignments read back from its flow —
// also where facilities share an arc (single people only, same signature,
// comune and distance), which extract splits by free places.
func TestDiveIsAPlacement(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 13))
	dived, shared := 0, 0
	for i := range 120 {
		in := mediumInstance(r)
		if i%2 == 1 {
			in = packingInstance(r)
		}
		m := buildNetwork(in).build()
		g := m.g
		if sent, _ := g.solve(m.s, m.t, m.need); sent != m.need {
			t.Fatal("the root flow does not carry every unit")
		}
		arcs := map[int]bool{}
		for _, a := range m.direct {
			arcs[a[0]] = true
		}
		if len(arcs) < len(m.direct) {
			shared++
		}
		root := g.save()
		for _, order := range diveOrders {
			g.load(root)
			c, ok := m.dive(order, math.MaxInt64)
			if !ok {
				continue
			}
			dived++
			if m.fractional() != 0 {
				t.Fatalf("instance %d: a dive ended on split households", i)
			}
			as, unplaced := m.extract()
			obj, err := Evaluate(in, as, unplaced)
			if err != nil || obj != c {
				t.Fatalf("instance %d: dive says %d, the placement is %d (%v)", i, c, obj, err)
			}
		}
	}
	if dived < 300 || shared < 20 {
		t.Fatalf("only %d dives ended, %d instances with shared arcs", dived, shared)
	}
}

// TestMultiAugment: re-optimising after cost changes sending along every
// admissible path after each search (the Lagrangian relaxation's way) gives
// a flow as cheap as one path per search, with a certificate that verifies.
func TestMultiAugment(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	changed, fewer := 0, 0
	for i := range 150 {
		in := mediumInstance(r)
		var gs [2]*mcf
		var ms [2]*model
		for j := range gs {
			ms[j] = buildNetwork(in).build()
			gs[j] = ms[j].g
			gs[j].multi = j == 1
			gs[j].solve(ms[j].s, ms[j].t, ms[j].need)
		}
		for range 5 {
			for range 1 + r.IntN(20) {
				a := ms[0].sigFac[r.IntN(len(ms[0].sigFac))][0]
				if r.IntN(2) == 0 && len(ms[0].facOut) > 0 {
					a = ms[0].facOut[r.IntN(len(ms[0].facOut))][0]
				}
				c := r.Int64N(80)
				for _, g := range gs {
					g.setCost(a, c)
				}
			}
			for _, g := range gs {
				if !g.reoptimize() {
					t.Fatalf("instance %d: re-optimisation failed", i)
				}
				if g.verify() != 0 || g.totalCost() != g.flowCost() {
					t.Fatalf("instance %d: the certificate does not verify", i)
				}
			}
			if gs[0].flowCost() != gs[1].flowCost() {
				t.Fatalf("instance %d: %d with one path per search, %d with all", i, gs[0].flowCost(), gs[1].flowCost())
			}
			changed++
		}
		if gs[1].rounds < gs[0].rounds {
			fewer++
		}
	}
	if changed < 500 || fewer < 50 {
		t.Fatalf("only %d re-optimisations compared, %d instances with fewer searches", changed, fewer)
	}
}
