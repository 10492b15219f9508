package alloc

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// faceBudget is how many relaxations the search for a placement of the
// root's cost may solve: enough for the regional batches that have one
// (measured: BENCHMARKS.md, "Tuning measurements").
const faceBudget = 1500

// faceBudgetLarge is faceBudget on networks the Lagrangian phase takes
// straight away: there a relaxation under the root's cutoff is cheap (the
// cutoff fixes nearly every arc) and the phase is not, so a longer look
// pays (measured: BENCHMARKS.md, "Tuning measurements").
const faceBudgetLarge = 10000

// Solve places the units. Past the time limit it returns the best placement
// found with optimal false and the proven bound (optimal is true only when
// that bound meets the objective). The phases: solver, below.
func Solve(in *Instance, timeLimit time.Duration) (*Solution, error) {
	return solve(in, timeLimit, options{lagrangeMin: lagrangeMinFacilities, flowBudget: flowBudget})
}

// options of the solver that tests change.
type options struct {
	lagrangeMin int // facilities from which the Lagrangian phase comes before any search below the incumbent
	flowBudget  int // on smaller networks, the relaxations a search on flow bounds may solve before it (-1: all)
	// Deterministic stand-ins for the time limit, so that tests and fuzzing
	// reproduce what a limit cuts short: the Lagrangian phase's evaluations
	// (0: lagrangeIterations; -1: none, as when the deadline comes before
	// its first evaluation), and the relaxations the searches may solve
	// in all (0: no limit).
	lagrangeEvaluations int
	nodeLimit           int
	// noFill: no faceFill (at the root, boundFill), so that a test
	// reaches the searches after it as often as before it came.
	noFill bool
}

// solver is one solve's state: the root network and flow, the incumbent,
// and the bound proven so far. solve runs its phases in order:
//
//	rootIncumbents  placements from the root's flow (rounding, pack, dives)
//	faceSearch      a placement of the root's cost (the relaxation's optimal face)
//	flowSearch      below the incumbent on flow bounds (smaller networks, within a budget)
//	lagrangeSearch  the Lagrangian phase, then below the incumbent on its bounds
//
// and stops as soon as one proves the incumbent optimal or the limit comes.
type solver struct {
	in              *Instance
	opt             options
	sol             *Solution
	start, deadline time.Time
	m               *model
	g               *mcf
	root            flowState // the root's flow
	rootCost        int64
	// The incumbent: its cost (MaxInt64: none), its flow and the model the
	// flow belongs to (the root's, or a core's).
	best      int64
	bestState *flowState
	bestModel *model
	// lower is a proven bound: no placement costs less (or, from the
	// Lagrangian phase tightened below the incumbent, no placement below
	// the incumbent does — so min(lower, best) bounds the optimum).
	lower int64
	// dives: the heuristics dive too (networks the Lagrangian phase does
	// not take straight away; see rootIncumbents).
	dives bool
	// nearNext: the first distance d above the root's cost at which
	// nearLooks has not looked (0: it has not run).
	nearNext int64
}

func solve(in *Instance, timeLimit time.Duration, opt options) (*Solution, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	s := &solver{in: in, opt: opt, sol: &Solution{Explain: map[string]string{}}, start: time.Now(),
		best: math.MaxInt64}
	s.deadline = s.start.Add(timeLimit)
	if err := s.rootFlow(); err != nil {
		return nil, err
	}
	s.rootIncumbents()
	// A search that finds a placement below its cutoff and finishes has
	// proven it optimal; whatever a search's end, the least bound of its
	// open nodes and of what it found bounds the optimum.
	for _, phase := range []func() (bool, error){s.faceSearch, s.boundFill, s.flowSearch, func() (bool, error) {
		return s.lagrangeSearch(timeLimit)
	}} {
		if s.best <= s.lower {
			break // an earlier search proved it
		}
		done, err := phase()
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
	}
	return s.answer()
}

// large: the Lagrangian phase comes straight away, before any search below
// the incumbent.
func (s *solver) large() bool { return len(s.in.Facilities) >= s.opt.lagrangeMin }

// stop: the time limit, or the tests' node limit, is reached.
func (s *solver) stop() bool {
	return time.Now().After(s.deadline) || s.opt.nodeLimit > 0 && s.sol.Stats.Nodes >= s.opt.nodeLimit
}

// found makes a placement of cost c, whose flow is model m's now, the
// incumbent when it is better.
func (s *solver) found(c int64, m *model) {
	if c < s.best {
		s.best, s.bestState, s.bestModel = c, new(m.g.save()), m
		s.sol.Stats.FoundMillis = millisSince(s.start)
	}
}

// rootFlow builds the network and solves its flow: the relaxation's
// optimum, the first bound.
func (s *solver) rootFlow() error {
	s.m = buildNetwork(s.in).build()
	s.g = s.m.g
	m, g := s.m, s.g
	if sent, _ := g.solve(m.s, m.t, m.need); sent != m.need {
		return errors.New("alloc: internal error, the flow cannot carry every unit")
	}
	s.sol.Stats.Nodes, s.sol.Stats.Arcs = 1, len(g.to)/2
	vs := time.Now()
	if g.verify() != 0 {
		return errors.New("alloc: the flow's optimality certificate does not verify")
	}
	s.sol.Stats.VerifyMicros = float64(time.Since(vs).Nanoseconds()) / 1000
	s.rootCost = g.flowCost()
	s.root = g.save()
	s.bestModel, s.lower = m, s.rootCost
	return nil
}

// rootIncumbents: first incumbents from the root's flow, rounded, packed,
// and dived.
func (s *solver) rootIncumbents() {
	m, g := s.m, s.g
	if c, ok := m.round(); ok {
		s.found(c, m)
	}
	// Dives (at the root, and in the searches with the rounding) on
	// networks the Lagrangian phase does not take straight away: there its
	// placements are the incumbents, and its multipliers' path follows the
	// incumbent it starts from (measurements: docs/allocation.md) — which
	// is also why the rounding by facility follows the flow's households
	// only there (pack's agree: nation-1 24,155 → 43,809 nodes with it).
	s.dives = !s.large()
	g.load(s.root)
	if c, ok := m.pack(s.dives); ok {
		s.found(c, m)
	}
	if s.best > s.rootCost && !s.opt.noFill {
		// A placement of the root's cost, filling exactly the facilities
		// the relaxation's optimal face must fill (face.go). On large
		// networks with a longer look: there the Lagrangian phase and its
		// search are what it saves (nation-1-fam-it: the optimum, at the
		// root's cost, found in 2,091 nodes instead of 105,657).
		g.load(s.root)
		lim := rootFace
		if s.large() {
			lim = rootFaceLarge
		}
		if m.faceFill(s.root, s.rootCost, s.rootCost+1, lim, searchParams{start: s.start, deadline: s.deadline, nodeLimit: s.opt.nodeLimit}, &s.sol.Stats,
			func(c int64) { s.found(c, m) }) {
			s.lower = max(s.lower, s.rootCost+1) // searched to the end: none at the root's cost
		}
	}
	for i := 0; s.dives && i < len(diveOrders); i++ {
		g.load(s.root)
		if c, ok := m.dive(diveOrders[i], s.best); ok {
			s.found(c, m)
		}
	}
	g.load(s.root)
}

// faceSearch looks for a placement of the root's cost: often one exists,
// and with that cutoff reduced costs fix every arc off the relaxation's
// optimal face, so the search is small — but proving that none exists can
// take long, so it has a budget. Done when it finds one.
func (s *solver) faceSearch() (bool, error) {
	if s.best-s.rootCost <= 1 || s.lower > s.rootCost { // nothing to find, or faceFill proved there is none
		return false, nil
	}
	budget := faceBudget
	if s.large() {
		budget = faceBudgetLarge
	}
	s.g.load(s.root)
	r, err := s.searchBelow(s.rootCost+1, budget, nil)
	if err != nil {
		return false, err
	}
	return !r.stopped && r.state != nil || s.stop(), nil
}

// boundFill looks for placements near the proven bound with faceFill:
// below the root's cost + d for d from the bound's distance to it + 1 (a
// placement at the bound: optimal), doubling up to boundFillMax, until one
// is found. The incumbents before it are often 80 to 400 above the bound on
// the family-heavy batches, and one within a few units lets reduced costs
// fix nearly every arc in the searches that follow. A look that searched
// every fill to the end proves its cutoff a bound (face.go), and then a look
// for a placement at that bound follows: region-13-fam's optimum, 32 above
// the root's cost, which no search had proven or found. Large networks
// have their own (boundFillLarge); looking beyond boundFillMax on the
// first regional batches cost region-15 4,544 → 5,620 nodes and region-6
// 1,401 → 1,866. An incumbent still more than 1 % above the bound after
// the looks is annealed (anneal.go).
func (s *solver) boundFill() (bool, error) {
	if s.opt.noFill {
		return false, nil
	}
	if s.large() {
		s.boundFillLarge()
		s.g.load(s.root)
		return false, nil
	}
	for d := s.lower + 1 - s.rootCost; d <= boundFillMax && s.lower < s.best && !s.stop(); d *= 2 {
		if d == 1 && s.lower == s.rootCost {
			continue // rootIncumbents tried it
		}
		if s.best < s.rootCost+d {
			break // found within d: the searches take it from here
		}
		if s.look(min(s.rootCost+d, s.best), boundFace) && s.lower+1 < s.best && !s.stop() {
			s.look(s.lower+1, atBoundFace) // a placement at the new bound: optimal
		}
	}
	// More than 1 % above the bound after the looks: anneal (region-1-fam:
	// 421,272, one above its optimum, where the searches reached
	// 421,334–421,398 in 5 s).
	s.annealLook()
	s.g.load(s.root)
	return false, nil
}

// look runs faceFill below cutoff from the root's flow, taking what it
// finds; a look that searched every fill to the end proves cutoff a bound.
func (s *solver) look(cutoff int64, lim faceLimits) bool {
	s.g.load(s.root)
	if s.m.faceFill(s.root, s.rootCost, cutoff, lim, searchParams{start: s.start, deadline: s.deadline, nodeLimit: s.opt.nodeLimit},
		&s.sol.Stats, func(c int64) { s.found(c, s.m) }) {
		s.lower = max(s.lower, cutoff) // searched to the end: none below cutoff
		return true
	}
	return false
}

// boundFillLarge is boundFill on networks of the Lagrangian phase's size,
// where a look that proves is cheap (a few fills: with the facilities
// filled most constrained first, a facility with no fill left ends a path
// at once) and one that finds nothing costs its steps. It doubles d while
// the looks prove, then bisects between the last proof and the first look
// that did not (nation-10-fam-it: proven to the root's cost + 52, its
// optimum), then looks for a placement at the bound so found and, while the
// incumbent is more than 1 % above the bound, at cutoffs doubling above it:
// a near incumbent is what lets the searches after it fix arcs
// (nation-8-fam-it: 1,250 above the optimum before, 13 after the look at
// + 16). Those looks near the bound start only in the first half of the
// time limit: the Lagrangian phase and its search need the rest. An
// incumbent still more than 1 % above the bound after them is annealed
// (anneal.go).
func (s *solver) boundFillLarge() {
	// Proven: nothing below the root's cost + lo; a look at + hi did not
	// prove (0: none failed). Cutoffs stay at or below the incumbent, where a
	// look can prove or find something.
	lo, hi := s.lower-s.rootCost, int64(0)
	triedOne := lo == 0 // rootIncumbents looked at the root's cost, with longer limits
	for d := lo + 1; s.lower < s.best && !s.stop(); d *= 2 {
		if d == 1 && triedOne {
			continue
		}
		c := min(s.rootCost+d, s.best)
		if !s.look(c, boundFace) {
			hi = c - s.rootCost
			break
		}
		lo = s.lower - s.rootCost // c, or the incumbent: the loop ends
	}
	for hi = min(hi, s.best-s.rootCost); hi-lo > 1 && s.lower < s.best && !s.stop(); hi = min(hi, s.best-s.rootCost) {
		mid := (lo + hi) / 2
		if mid == 1 && triedOne {
			break
		}
		if s.look(s.rootCost+mid, boundFace) {
			lo = s.lower - s.rootCost
		} else {
			hi = mid
		}
	}
	s.nearLooks(s.start.Add(s.deadline.Sub(s.start)/2), 100)
	// Still more than 1 % above the bound: no look found a placement near
	// it, and what moves several households at once may (nation-16-fam-it:
	// 2,401 above the root's cost → 60, its optimum; the searches after
	// reached 776 in 10 s without it).
	s.annealLook()
}

// nearLooks looks for a placement at the bound + 1 and, while the
// incumbent is more than 1/ratio of the bound above it, at cutoffs doubling
// above it; a look starts only before until. Called again, it goes on
// from the first cutoff it has not looked at.
func (s *solver) nearLooks(until time.Time, ratio int64) {
	n0 := s.sol.Stats.Nodes
	// From the bound + 1, even at the root's cost + 1, which rootIncumbents
	// tried with shorter searches of the rest (skipping it changed no
	// national batch's node count when it was measured, before the looks
	// after the Lagrangian phase: nation-5-fam-it 54,851 either way).
	d, n := s.lower+1-s.rootCost, 0
	if s.nearNext > 0 {
		d, n = max(d, s.nearNext), 1
	}
	defer func() { s.nearNext = d }()
	for ; n < nearLooks && s.rootCost+d <= s.best && s.sol.Stats.Nodes-n0 < nearBudget && time.Now().Before(until) && !s.stop(); d, n = d*2, n+1 {
		far := s.above(ratio)
		if n > 0 && !far {
			break // near enough: the searches after fix arcs enough (the first national batches)
		}
		lim := nearFaceLarge
		switch {
		case n == 0 && far:
			lim = atBoundFaceLarge
		case n == 0:
			// Near the bound: the last look of the bisection was at
			// this cutoff, depth first; this one goes by limited
			// discrepancy only (nation-4-fam-it's optimum found so; the
			// first national batches paid 2,000 relaxations for
			// nearFaceLarge here: nation-7 937 → 3,937 nodes).
			lim = atBoundFaceNear
		}
		s.look(s.rootCost+d, lim)
	}
}

// nearFaceLarge: boundFillLarge's looks for a placement near the bound,
// longer than boundFace's and by limited discrepancy too.
var nearFaceLarge = faceLimits{leaves: 4, steps: 1000, leafBudget: 500, ldsSteps: 2000}

// atBoundFaceLarge: the first of them, at the bound + 1, with longer
// searches of the rest (nation-10-fam-it: its optimum found by it in 4,836
// relaxations; with nearFaceLarge, by the searches after in 2.9 s).
var atBoundFaceLarge = faceLimits{leaves: 16, steps: 1000, leafBudget: 1000, ldsSteps: 2000}

// atBoundFaceNear: the same look when the incumbent is within 1 % of the
// bound: no depth-first part (steps 0), 300 fills by limited discrepancy.
var atBoundFaceNear = faceLimits{leaves: 4, steps: 0, leafBudget: 50, ldsSteps: 300}

// nearLooks and nearBudget bound those looks, per call of nearLooks: at
// most five (four when it goes on), and none started after 16,000
// relaxations. A look that finds nothing costs up to
// steps + ldsSteps + 2 × leaves × leafBudget relaxations (the pass by
// limited discrepancy counts its leaves afresh): 7,000 for nearFaceLarge,
// 35,000 for atBoundFaceLarge.
const (
	nearLooks  = 5
	nearBudget = 16000
)

// boundFillMax is how far above the root's cost boundFill looks, and
// boundFace its limits for each look: a look that finds nothing costs up to
// steps + leaves × leafBudget relaxations (measured: BENCHMARKS.md, "Batch
// families: issue 19's third round").
const boundFillMax = 32

var boundFace = faceLimits{leaves: 4, steps: 300, leafBudget: 50}

// atBoundFace: boundFill's look for a placement at a bound a look has just
// proven, whose cutoff (the bound + 1) lets reduced costs fix nearly every
// arc: longer searches of the rest (region-13-fam: its optimum, at the
// bound 32 above the root's cost, found by the first one in 731
// relaxations; with 50 each, not in 130).
var atBoundFace = faceLimits{leaves: 4, steps: 300, leafBudget: 1000}

// flowSearch searches below the incumbent on flow bounds, within
// opt.flowBudget relaxations (skipped on large networks). Done when it ends.
func (s *solver) flowSearch() (bool, error) {
	if s.large() {
		return false, nil
	}
	s.g.load(s.root)
	r, err := s.searchBelow(s.best, s.opt.flowBudget, nil)
	if err != nil {
		return false, err
	}
	return !r.stopped || s.stop(), nil
}

// lagrangePhase is the Lagrangian relaxation the last search uses.
type lagrangePhase struct {
	lag *lagrange
	res lagrangeResult
}

// lagrangeSearch runs the Lagrangian phase (lagrange.go) within a quarter
// of the time limit (or of the time left, if more), then, on large
// networks with the incumbent still more than 0.1 % above the bound, the
// looks near it (nearLooks), then searches below the incumbent on its
// bounds, to the end or the deadline: first, within a budget, for a
// placement at the Lagrangian bound's ceiling, which would be optimal and
// whose cutoff fixes nearly every arc.
func (s *solver) lagrangeSearch(timeLimit time.Duration) (bool, error) {
	m, g := s.m, s.g
	g.load(s.root)
	s.sol.Stats.Lagrange = true
	lp := &lagrangePhase{lag: newLagrange(m)}
	lp.lag.box = s.large() // the phase straight away: a large network
	iterations := lagrangeIterations
	if s.opt.lagrangeEvaluations != 0 {
		iterations = max(0, s.opt.lagrangeEvaluations)
	}
	// A quarter of the time limit, or of what is left when the phases
	// before it took more (nation-8-fam-it: 2.5 s of 10 before it, and no
	// evaluation — no Lagrangian bound at all).
	share := s.start.Add(timeLimit / 4)
	if rest := time.Now().Add(time.Until(s.deadline) / 4); rest.After(share) {
		share = rest
	}
	lp.res = lp.lag.run(s.best, share, iterations, func(plan [][3]int64) int64 {
		g.load(s.root)
		if c, ok := m.tryPlan(plan); ok {
			s.found(c, m)
		}
		return s.best
	})
	g.load(s.root)
	// No evaluation is no bound (the deadline came first).
	s.sol.Stats.LagrangeEvaluations = lp.res.evaluations
	if lp.res.bounded {
		s.sol.Stats.LagrangeLB = lp.res.ceiling()
		s.lower = max(s.lower, s.sol.Stats.LagrangeLB)
	}
	if s.best <= s.lower {
		return true, nil
	}
	if s.large() && !s.opt.noFill {
		// Still more than 0.1 % above the bound: the Lagrangian placements
		// did not come near it, and the search below would spend its time
		// finding the optimum (nation-5-fam-it: 54,851 nodes, found by the
		// search at the end; 3,133 with these looks, which find it at the
		// root's cost + 16). boundFillLarge's 1 % rule is kept for the
		// first national batches, where the Lagrangian placements come
		// within a few units (nation-1 15,122 nodes; 32,900 with looks
		// there down to 0.1 %).
		s.nearLooks(s.start.Add(s.deadline.Sub(s.start)*3/4), 1000)
		g.load(s.root)
		if s.best <= s.lower {
			return true, nil
		}
	}
	cutoff := s.best
	if face := lp.res.ceiling(); lp.res.point != nil && face+1 < s.best {
		c, err := s.prepare(face+1, false, lp)
		if err != nil {
			return false, err
		}
		r := s.search(c, face+1, lagrangeFaceBudget)
		g.load(s.root)
		if !r.stopped {
			s.lower = max(s.lower, r.bound) // found (optimal), or none at the ceiling
		}
		if s.best <= s.lower || s.stop() {
			return true, nil
		}
	}
	c, err := s.prepare(cutoff, true, lp)
	if err != nil {
		return false, err
	}
	if p := lp.res.point; p != nil {
		// Tightened for placements below cutoff: with none there, cutoff
		// is the optimum, so that is all it proves.
		s.sol.Stats.LagrangeLB = max(s.sol.Stats.LagrangeLB, min(ceilDiv(p.bound, lagrangeScale), cutoff))
		s.lower = max(s.lower, s.sol.Stats.LagrangeLB)
		if s.best <= s.lower {
			return true, nil
		}
	}
	s.sol.Stats.CoreArcs = len(c.m.g.to) / 2
	r := s.search(c, cutoff, -1)
	s.lower = max(s.lower, r.bound)
	return true, nil
}

// coreSearch is the network a search runs on, its root flow's cost, and its
// node bounds from the Lagrangian relaxation (nil: flow bounds only).
type coreSearch struct {
	m        *model
	rootCost int64
	pe       *penalties
}

// prepare returns the network to search for placements below cutoff: the
// core (model.core), after the Lagrangian phase with the arcs it rules out
// removed (tighten: from the relaxation too), and its node bounds.
func (s *solver) prepare(cutoff int64, tighten bool, lp *lagrangePhase) (coreSearch, error) {
	cm, err := s.m.core(cutoff-s.rootCost, s.rootCost)
	if err != nil || lp == nil || lp.res.point == nil { // no point: no evaluation, search without it
		return coreSearch{m: cm, rootCost: s.rootCost}, err
	}
	p, mu := lp.res.point, lp.res.mu
	lp.lag.fix(p, mu, cutoff, cm, cm.orig, tighten)
	if !cm.g.reoptimize() {
		return coreSearch{}, errors.New("alloc: internal error, fixing arcs left no flow")
	}
	return coreSearch{m: cm, rootCost: cm.g.flowCost(), pe: lp.lag.penalties(p, mu, cm, cm.orig)}, nil
}

// search runs a search below cutoff on c and takes what it finds.
func (s *solver) search(c coreSearch, cutoff int64, budget int) searchResult {
	r := c.m.search(searchParams{rootCost: c.rootCost, cutoff: cutoff, floor: s.lower, pe: c.pe, start: s.start,
		deadline: s.deadline, budget: budget, nodeLimit: s.opt.nodeLimit, dives: s.dives}, &s.sol.Stats)
	if c.m != s.m {
		s.sol.Stats.Rounds += c.m.g.rounds // a rebuilt core counts its own
	}
	if r.state != nil {
		s.best, s.bestState, s.bestModel = r.best, r.state, c.m
	}
	return r
}

// searchBelow searches below cutoff on flow bounds, on the core of that
// cutoff, within budget relaxations (-1: none), and records its bound.
func (s *solver) searchBelow(cutoff int64, budget int, lp *lagrangePhase) (searchResult, error) {
	c, err := s.prepare(cutoff, true, lp)
	if err != nil {
		return searchResult{}, err
	}
	s.sol.Stats.CoreArcs = len(c.m.g.to) / 2
	r := s.search(c, cutoff, budget)
	s.lower = max(s.lower, r.bound)
	return r, nil
}

// answer reads the incumbent's placement back, checks it, and states what
// is proven: optimal only when the proven bound meets the objective.
func (s *solver) answer() (*Solution, error) {
	sol, in := s.sol, s.in
	sol.Stats.Rounds += s.g.rounds
	if s.best == math.MaxInt64 || s.bestState == nil {
		return nil, errors.New("alloc: no placement found within the time limit")
	}
	s.bestModel.g.load(*s.bestState)
	sol.Assignments, sol.Unplaced = s.bestModel.extract()
	obj, err := Evaluate(in, sol.Assignments, sol.Unplaced)
	if err != nil {
		return nil, fmt.Errorf("alloc: internal error, the placement does not check: %w", err)
	}
	if obj != s.best {
		return nil, fmt.Errorf("alloc: internal error, objective %d recomputed as %d", s.best, obj)
	}
	bound := min(s.lower, s.best)
	sol.Objective, sol.Bound, sol.Optimal = obj, bound, bound == obj
	if sol.Assignments == nil {
		sol.Assignments = []Assignment{}
	}
	if sol.Unplaced == nil {
		sol.Unplaced = []string{}
	}
	s.m.nw.explain(sol)
	sol.Stats.Millis = millisSince(s.start)
	return sol, nil
}

func millisSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

// above: the incumbent is more than 1/ratio of the bound above it.
func (s *solver) above(ratio int64) bool { return s.best-s.lower > s.lower/ratio }

// annealLook anneals the incumbent when it is more than 1 % above the
// bound: up to annealRounds rounds, each from the best placement so far
// with the temperature raised again (nation-16-fam-it: 4 rounds of 10⁶
// moves reach its optimum from 4 of 5 seeds, one round of 4 × 10⁶ from
// none), while a round improves the incumbent and within the first half of
// the time limit (the searches after it need the rest). The incumbent's
// model is the root's here — boundFill and its looks place on it — and the
// guard only keeps anneal from reading another model's flow.
func (s *solver) annealLook() {
	if !s.above(100) {
		return
	}
	until := s.start.Add(s.deadline.Sub(s.start) / 2)
	moves := min(annealMoves, annealMovesPerHousehold*len(s.m.nw.households))
	for r := range annealRounds {
		if time.Now().After(until) || s.stop() || s.bestState == nil || s.bestModel != s.m {
			break
		}
		plan, sum := s.m.anneal(s.root, *s.bestState, s.best-s.rootCost, moves, uint64(r+1), s.deadline, &s.sol.Stats)
		s.g.load(s.root)
		c, ok := int64(0), false
		if sum < 0 {
			c, ok = s.m.tryPlan(plan)
		}
		if !ok || c >= s.best {
			break // no gain: the next round would start from the same placement
		}
		s.found(c, s.m)
	}
	s.g.load(s.root)
}
