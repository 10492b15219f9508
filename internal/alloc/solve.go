package alloc

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// faceBudget is how many relaxations the search for a placement of the
// root's cost may solve (500 was too few for one of the eight benchmark
// batches that have such a placement: region-4, 41 → 14 ms with 1,500).
const faceBudget = 1500

// faceBudgetLarge is faceBudget on networks the Lagrangian phase takes
// straight away: there a relaxation under the root's cutoff costs 6–10 µs
// (the cutoff fixes nearly every arc) and the phase 200–300 ms, so a longer
// look pays — nation-4, whose optimum is the root's cost, 1.3 s → 0.07 s
// (found after ~7,000); where none exists it costs ~60–90 ms.
const faceBudgetLarge = 10000

// Solve places the units. Past the time limit it returns the best placement
// found with optimal false and the proven bound.
//
// Search: best-first on the flow relaxations' bounds with plunging — from
// the open node of least bound, dive along "one more whole household on
// this arc" until the placement is whole or the branch cannot beat the
// incumbent, leaving the "no more than the whole households it carries"
// siblings open. At every node the household arcs that reduced costs rule
// out are removed, then strong branching picks the arc: of a few
// candidates, the one whose two children raise the bound most (the product
// of the gains; a candidate with a pruned child is taken at once). Each
// node's flow is also rounded to whole households (round) for an early
// incumbent, which is what lets reduced costs and bounds prune.
func Solve(in *Instance, timeLimit time.Duration) (*Solution, error) {
	return solve(in, timeLimit, options{lagrangeMin: lagrangeMinFacilities, flowBudget: flowBudget})
}

// options of the solver that tests change.
type options struct {
	lagrangeMin int // facilities from which the Lagrangian phase comes before any search below the incumbent
	flowBudget  int // on smaller networks, the relaxations a search on flow bounds may solve before it (-1: all)
	// Deterministic stand-ins for the time limit, so that tests and fuzzing
	// reproduce what a limit cuts short: the Lagrangian phase's evaluations
	// (0: lagrangeIterations; -1: none, as when the searches before it used
	// up its share of the time), and the relaxations the searches may solve
	// in all (0: no limit).
	lagrangeEvaluations int
	nodeLimit           int
}

// The searches of solve, in order: for a placement of the root's cost (the
// relaxation's optimal face), below the incumbent on flow bounds, and below
// the incumbent after the Lagrangian phase.
const (
	phaseFace = iota
	phaseFlow
	phaseLagrange
)

func solve(in *Instance, timeLimit time.Duration, opt options) (*Solution, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	deadline := start.Add(timeLimit)
	nw := buildNetwork(in)
	m := nw.build()
	g := m.g
	sol := &Solution{Explain: map[string]string{}}
	if sent, _ := g.solve(m.s, m.t, m.need); sent != m.need {
		return nil, errors.New("alloc: internal error, the flow cannot carry every unit")
	}
	sol.Stats.Nodes, sol.Stats.Arcs = 1, len(g.to)/2
	vs := time.Now()
	if g.verify() != 0 {
		return nil, errors.New("alloc: the flow's optimality certificate does not verify")
	}
	sol.Stats.VerifyMicros = float64(time.Since(vs).Nanoseconds()) / 1000
	rootCost := g.flowCost()
	// A first incumbent from the root's flow, then the core: the facilities
	// some placement better than it may still use (below).
	best := int64(math.MaxInt64)
	var bestState *flowState
	root := g.save()
	if c, ok := m.round(); ok {
		best, bestState = c, new(g.save())
		sol.Stats.FoundMillis = millisSince(start)
	}
	g.load(root)
	if c, ok := m.pack(); ok && c < best {
		best, bestState = c, new(g.save())
		sol.Stats.FoundMillis = millisSince(start)
	}
	// Dives (at the root, and in the searches with the rounding) on
	// networks the Lagrangian phase does not take straight away: there its
	// placements are the incumbents, and its multipliers' path follows the
	// incumbent it starts from — on the ten national batches, dives before
	// it made one (nation-1) unproven in 5 s, two faster (nation-7 0.8 →
	// 0.2 s): 5.3 s in all without them, 8.2 s with.
	dives := len(in.Facilities) < opt.lagrangeMin
	for i := 0; dives && i < len(diveOrders); i++ {
		g.load(root)
		if c, ok := m.dive(diveOrders[i], best); ok && c < best {
			best, bestState = c, new(g.save())
			sol.Stats.FoundMillis = millisSince(start)
		}
	}
	g.load(root)
	// The searches (phaseFace, phaseFlow, phaseLagrange). The first looks
	// for a placement of the root's cost: often one exists, and with that
	// cutoff reduced costs fix every arc off the relaxation's optimal face,
	// so the search is small — but proving that none exists can take long,
	// so it has a budget. The second searches below the incumbent on flow
	// bounds (within a budget on small networks, skipped on large ones); the
	// third after the Lagrangian phase, to the end or the deadline. Each runs
	// on the core network of its cutoff (see live). A search that finds a
	// placement below its cutoff and finishes has proven it optimal;
	// whatever a search's end, the least bound of its open nodes and of
	// what it found bounds the optimum.
	bestModel, lower := m, rootCost
	// stop: the time limit, or the tests' node limit, is reached.
	stop := func() bool {
		return time.Now().After(deadline) || opt.nodeLimit > 0 && sol.Stats.Nodes >= opt.nodeLimit
	}
	for _, phase := range []int{phaseFace, phaseFlow, phaseLagrange} {
		if best <= lower {
			break // an earlier search proved it
		}
		cutoff, budget := best, -1
		switch phase {
		case phaseFace:
			if best-rootCost <= 1 {
				continue
			}
			cutoff, budget = rootCost+1, faceBudget
			if len(in.Facilities) >= opt.lagrangeMin {
				budget = faceBudgetLarge
			}
		case phaseFlow:
			if len(in.Facilities) >= opt.lagrangeMin {
				continue
			}
			budget = opt.flowBudget
		}
		g.load(root)
		var lag *lagrange
		var lr lagrangeResult
		if phase == phaseLagrange {
			sol.Stats.Lagrange = true
			lag = newLagrange(m)
			lag.box = len(in.Facilities) >= opt.lagrangeMin // the phase straight away: a large network
			iterations := lagrangeIterations
			if opt.lagrangeEvaluations != 0 {
				iterations = max(0, opt.lagrangeEvaluations)
			}
			lr = lag.run(best, start.Add(timeLimit/4), iterations, func(plan [][3]int64) int64 {
				g.load(root)
				if c, ok := m.tryPlan(plan); ok && c < best {
					best, bestState, bestModel = c, new(g.save()), m
					sol.Stats.FoundMillis = millisSince(start)
				}
				return best
			})
			g.load(root)
			// No evaluation is no bound (the deadline came first).
			sol.Stats.LagrangeEvaluations = lr.evaluations
			if lr.bounded {
				sol.Stats.LagrangeLB = lr.ceiling()
				lower = max(lower, sol.Stats.LagrangeLB)
			}
			if best <= lower {
				break
			}
			cutoff = best
		}
		lagMu, lagPoint := lr.mu, lr.point // nil without the phase, or without an evaluation
		// The network to search for placements below cutoff: the core,
		// after the Lagrangian phase with the arcs it rules out removed
		// (tighten: from the relaxation too), and its node bounds.
		prepare := func(cutoff int64, tighten bool) (*model, int64, *penalties, error) {
			search, err := m.core(cutoff-rootCost, rootCost)
			if err != nil || lagPoint == nil { // nil: the relaxation failed (cannot happen), search without it
				return search, rootCost, nil, err
			}
			lag.fix(lagPoint, lagMu, cutoff, search, search.orig, tighten)
			if !search.g.reoptimize() {
				return nil, 0, nil, errors.New("alloc: internal error, fixing arcs left no flow")
			}
			return search, search.g.flowCost(), lag.penalties(lagPoint, lagMu, search, search.orig), nil
		}
		if face := lr.ceiling(); lagPoint != nil && face+1 < best {
			// A placement at the Lagrangian bound's ceiling would be
			// optimal, and the gap that cutoff leaves fixes nearly every
			// arc: look for one first, within a budget.
			search, searchRoot, pe, err := prepare(face+1, false)
			if err != nil {
				return nil, err
			}
			r := search.search(searchParams{rootCost: searchRoot, cutoff: face + 1, floor: lower, pe: pe, start: start,
				deadline: deadline, budget: lagrangeFaceBudget, nodeLimit: opt.nodeLimit, dives: dives}, &sol.Stats)
			c, st, bound, stopped := r.best, r.state, r.bound, r.stopped
			if search != m {
				sol.Stats.Rounds += search.g.rounds
			}
			g.load(root)
			if st != nil {
				best, bestState, bestModel = c, st, search
			}
			if !stopped {
				lower = max(lower, bound) // found (optimal), or none at the ceiling
			}
			if best <= lower || stop() {
				break
			}
		}
		search, searchRoot, pe, err := prepare(cutoff, true)
		if err != nil {
			return nil, err
		}
		if lagPoint != nil {
			// Tightened for placements below cutoff: with none there,
			// cutoff is the optimum, so that is all it proves.
			sol.Stats.LagrangeLB = max(sol.Stats.LagrangeLB, min(ceilDiv(lagPoint.bound, lagrangeScale), cutoff))
			lower = max(lower, sol.Stats.LagrangeLB)
			if best <= lower {
				break
			}
		}
		sol.Stats.CoreArcs = len(search.g.to) / 2
		r := search.search(searchParams{rootCost: searchRoot, cutoff: cutoff, floor: lower, pe: pe, start: start,
			deadline: deadline, budget: budget, nodeLimit: opt.nodeLimit, dives: dives}, &sol.Stats)
		c, st, bound, stopped := r.best, r.state, r.bound, r.stopped
		if search != m {
			sol.Stats.Rounds += search.g.rounds // a rebuilt core counts its own
		}
		lower = max(lower, bound)
		if st != nil {
			best, bestState, bestModel = c, st, search
		}
		// Done when a search ends (the face's only if it found a
		// placement of the root's cost), or at the deadline.
		if !stopped && (phase != phaseFace || st != nil) || stop() {
			break
		}
	}
	search, st := bestModel, bestState
	sol.Stats.Rounds += g.rounds
	if best == math.MaxInt64 || st == nil {
		return nil, errors.New("alloc: no placement found within the time limit")
	}
	search.g.load(*st)
	sol.Assignments, sol.Unplaced = search.extract()
	obj, err := Evaluate(in, sol.Assignments, sol.Unplaced)
	if err != nil {
		return nil, fmt.Errorf("alloc: internal error, the placement does not check: %w", err)
	}
	if obj != best {
		return nil, fmt.Errorf("alloc: internal error, objective %d recomputed as %d", best, obj)
	}
	bound := min(lower, best)
	sol.Objective, sol.Bound, sol.Optimal = obj, bound, bound == obj
	if sol.Assignments == nil {
		sol.Assignments = []Assignment{}
	}
	if sol.Unplaced == nil {
		sol.Unplaced = []string{}
	}
	nw.explain(sol)
	sol.Stats.Millis = millisSince(start)
	return sol, nil
}

func millisSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }
