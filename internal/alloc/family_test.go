package alloc

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// familyInstance makes a small instance of the family-heavy shape of
// gen.Variant.Families: about half the units households of 2–7,
// a fifth of them needing an infant-suitable facility that few family
// facilities offer, wheelchair and vulnerable-person needs, apartments with
// a few free places and a collective centre with more, so that large
// households, their needs and the room left compete.
func familyInstance(r *rand.Rand) *Instance {
	return familyShaped(r, func() int { return 2 + r.IntN(3) }, func() int { return 3 + r.IntN(4) }, func() bool { return r.IntN(2) == 0 })
}

// familyShaped is familyInstance with nf facilities and nu units, each a
// household when household() says so.
func familyShaped(r *rand.Rand, nf, nu func() int, household func() bool) *Instance {
	in := randomInstance(r, 0, 0)
	for i := range nf() {
		f := PlaceFacility{ID: fmt.Sprintf("f%d", i), Lat: 44.5 + r.Float64()*0.8 - 0.4,
			Lon: 11.3 + r.Float64()*0.8 - 0.4, Comune: in.Comuni[r.IntN(3)].Code}
		switch r.IntN(3) {
		case 0: // a collective centre
			f.Free = 3 + r.IntN(7)
			f.Accepts = []string{GroupMan, GroupWoman, GroupFamily}
		case 1: // an apartment for families and women
			f.Free = 2 + r.IntN(6)
			f.Accepts = []string{GroupWoman, GroupFamily}
		default: // an apartment for families only
			f.Free = 2 + r.IntN(6)
			f.Accepts = []string{GroupFamily}
		}
		if slices.Contains(f.Accepts, GroupFamily) && r.IntN(10) < 4 {
			f.Features = append(f.Features, "infant")
		}
		f.Features = append(f.Features, someOf(r, 4, "wheelchair", "vulnerable")...)
		in.Facilities = append(in.Facilities, f)
	}
	for i := range nu() {
		u := PlaceUnit{ID: fmt.Sprintf("u%d", i), Size: 1, Group: []string{GroupMan, GroupWoman}[r.IntN(2)]}
		if household() {
			u.Group, u.Size = GroupFamily, 2+r.IntN(6)
			if r.IntN(5) == 0 {
				u.Needs = append(u.Needs, "infant")
			}
		}
		u.Needs = append(u.Needs, someOf(r, 8, "wheelchair", "vulnerable")...)
		in.Units = append(in.Units, u)
	}
	return in
}

// TestFamiliesAgainstBruteForce: on small instances of the family-heavy
// shape the engine's objective equals the best placement enumerated, proven
// optimal — on flow bounds alone, with the Lagrangian phase straight away
// (with and without faceFill before it) and after a few relaxations of flow
// search.
func TestFamiliesAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 2026))
	const trials = 1000
	branched, infant, split, lagranged, annealed := 0, 0, 0, 0, 0
	for trial := range trials {
		in := familyInstance(r)
		opt := options{lagrangeMin: lagrangeMinFacilities, flowBudget: -1}
		switch trial % 4 {
		case 1:
			// faceFill off: it would end most before the phase.
			opt.lagrangeMin, opt.noFill = 0, true
		case 2:
			if trial%8 == 2 {
				opt.lagrangeMin = 0 // the large networks' path, faceFill on
			}
		case 3:
			opt.flowBudget = 4
		}
		sol, err := solve(in, 5*time.Second, opt)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		checkProven(t, trial, in, sol)
		if sol.Stats.Nodes > 1 {
			branched++
		}
		if sol.Stats.Lagrange {
			lagranged++
		}
		if sol.Stats.AnnealMoves > 0 {
			annealed++
		}
		if slices.ContainsFunc(in.Units, func(u PlaceUnit) bool { return slices.Contains(u.Needs, "infant") }) {
			infant++
		}
		if sol.Bound > rootBound(in) {
			split++ // the root flow split a household: the integer optimum lies above it
		}
	}
	t.Logf("%d of %d trials branched, %d had a household needing an infant-suitable facility, %d closed a gap above the flow's bound, %d ran the Lagrangian phase, %d annealed",
		branched, trials, infant, split, lagranged, annealed)
	if branched < trials/10 || infant < trials/5 || split < trials/10 || lagranged < trials/40 || annealed < trials/40 {
		t.Errorf("too few trials exercise the shape: %d branched, %d infant, %d above the flow bound, %d Lagrangian, %d annealed",
			branched, infant, split, lagranged, annealed)
	}
}

// rootBound is the flow relaxation's cost: households divisible.
func rootBound(in *Instance) int64 {
	m := buildNetwork(in).build()
	m.g.solve(m.s, m.t, m.need)
	return m.g.flowCost()
}

// someOf returns each of features with probability 1/n.
func someOf(r *rand.Rand, n int, features ...string) []string {
	var out []string
	for _, f := range features {
		if r.IntN(n) == 0 {
			out = append(out, f)
		}
	}
	return out
}

// checkProven: the engine's answer equals the brute force's optimum, is
// proven so, and its objective is what its assignments cost.
func checkProven(t *testing.T, trial int, in *Instance, sol *Solution) {
	t.Helper()
	want := bruteForce(in)
	if sol.Objective != want || !sol.Optimal || sol.Bound != sol.Objective {
		t.Fatalf("trial %d: objective %d (optimal %v, bound %d), brute force %d\n%+v", trial, sol.Objective,
			sol.Optimal, sol.Bound, want, in)
	}
	if got, err := Evaluate(in, sol.Assignments, sol.Unplaced); err != nil || got != sol.Objective {
		t.Fatalf("trial %d: recomputed %d, %v", trial, got, err)
	}
}

// TestLargePathAgainstReference: the path of large networks (the Lagrangian
// phase straight away, boundFillLarge's doubling, bisection and looks near
// the bound) on family-heavy instances a little larger than the brute
// force's (2–9 facilities, 4–17 units, three households in four): its
// bound never exceeds the optimum that the search on flow bounds alone
// proves, and every optimal answer is that optimum. A look that proved a
// bound above the optimum fails it.
func TestLargePathAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 2026))
	trials := 300
	if testing.Short() {
		trials = 60
	}
	proven := 0
	for trial := range trials {
		in := familyShaped(r, func() int { return 2 + r.IntN(8) }, func() int { return 4 + r.IntN(14) }, func() bool { return r.IntN(4) != 0 })
		ref, err := solve(in, 20*time.Second, options{lagrangeMin: math.MaxInt, flowBudget: -1, noFill: true})
		if err != nil || !ref.Optimal {
			t.Fatalf("trial %d: the reference did not prove its answer: %v", trial, err)
		}
		sol, err := solve(in, 10*time.Second, options{lagrangeMin: 0, flowBudget: flowBudget})
		if err != nil {
			t.Fatal(err)
		}
		if sol.Bound > ref.Objective || sol.Optimal && sol.Objective != ref.Objective {
			t.Fatalf("trial %d: objective %d, bound %d, optimal %v; the optimum is %d", trial, sol.Objective, sol.Bound, sol.Optimal, ref.Objective)
		}
		if sol.Optimal {
			proven++
		}
	}
	if proven < trials/2 {
		t.Errorf("only %d of %d proven: the check is nearly idle", proven, trials)
	}
}

// TestHugeWeights: the weights as large as Validate accepts. Every cost is
// linear in the weights, so scaling them all by λ scales the optimum by λ
// and keeps its placement; the engine, with its Lagrangian phase, must
// return within its time limit (a guard, not a timing: the first
// evaluation's flow once met negative arc costs and never ended), and
// whatever it answers must hold against λ × the unscaled optimum.
func TestHugeWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 2026))
	trials := 12
	if testing.Short() {
		trials = 4
	}
	proven, evaluated := 0, 0
	for trial := range trials {
		in := familyShaped(r, func() int { return 6 + r.IntN(12) }, func() int { return 6 + r.IntN(12) }, func() bool { return r.IntN(2) == 0 })
		ref, err := solve(in, 20*time.Second, options{lagrangeMin: math.MaxInt, flowBudget: -1})
		if err != nil || !ref.Optimal {
			t.Fatalf("trial %d: the reference did not prove its answer: %v", trial, err)
		}
		// The largest λ Validate accepts (its own formula, at the boundary).
		var people, places float64
		for _, u := range in.Units {
			people += float64(u.Size)
		}
		for _, f := range in.Facilities {
			places += float64(f.Free)
		}
		w := in.Weights
		perPerson := 20016*float64(w.Distance) + float64(w.OverGuideline) + float64(w.Unplaced)
		lambda := int64((float64(maxCost) - 2*float64(lagrangeShift)*(people+places)) / (people * perPerson * lagrangeScale) * 0.99)
		in.Weights = Weights{Distance: w.Distance * lambda, OverGuideline: w.OverGuideline * lambda, Unplaced: w.Unplaced * lambda}
		if err := in.Validate(); err != nil {
			t.Fatalf("trial %d: λ = %d refused: %v", trial, lambda, err)
		}
		want := ref.Objective * lambda
		done := make(chan *Solution, 1)
		go func() {
			sol, err := solve(in, time.Second, options{lagrangeMin: 0, flowBudget: flowBudget, noFill: true})
			if err != nil {
				t.Error(err)
			}
			done <- sol
		}()
		var sol *Solution
		select {
		case sol = <-done:
		case <-time.After(time.Minute):
			t.Fatalf("trial %d (λ = %d): a solve with a 1 s limit has not returned in a minute", trial, lambda)
		}
		if sol == nil {
			t.FailNow()
		}
		if sol.Bound > want || sol.Objective < want || sol.Optimal && sol.Objective != want {
			t.Fatalf("trial %d (λ = %d): objective %d, bound %d, optimal %v; the optimum is %d", trial, lambda, sol.Objective, sol.Bound, sol.Optimal, want)
		}
		if sol.Stats.LagrangeEvaluations > 0 {
			evaluated++
		}
		if sol.Optimal {
			proven++
		}
	}
	t.Logf("%d of %d proven at the largest weights; %d through the Lagrangian phase", proven, trials, evaluated)
	if evaluated < trials/2 {
		t.Errorf("the Lagrangian phase evaluated in only %d of %d solves: the check is nearly idle", evaluated, trials)
	}
}
