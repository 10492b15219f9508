package alloc

import (
	"maps"
	"math"
	"sort"
	"time"
)

// candidate is a branching choice: class k's flow on arc (to facility f,
// -1: unplaced) is not a whole number of its households.
type candidate struct {
	k, arc, f int
	rem       int64 // people on the arc beyond whole households (0 < rem < size)
	score     float64
}

// maxRoundGap is the most nodes between two tries of the rounding heuristic.
const maxRoundGap = 1024

// strongCandidates is how many choices strong branching tries at a node.
const strongCandidates = 16

// reliable is how many times both children of an arc are computed before
// its pseudo-costs stand in for strong branching (reliability branching,
// Achterberg, Koch & Martin, "Branching rules revisited", 2005).
const reliable = 1

// pseudoCost is an arc's mean bound gain, down and up, per household moved.
type pseudoCost struct {
	sum [2]float64
	n   [2]int32
}

// candidates lists up to n branching choices, best first: for each class
// its largest fractional share, larger households first (they weigh most on
// the bound), then the other fractional arcs. None: every flow is whole.
func (m *model) candidates(n int) []candidate {
	g := m.g
	var cs []candidate
	for c := range m.nw.hhClasses {
		size := m.size(c)
		bestA, bestF, bestRem := -1, -1, int64(0)
		if r := g.flow(m.hhOut[c]) % size; r > 0 {
			bestA, bestRem = m.hhOut[c], r
		}
		for _, a := range m.hhArcs[c] {
			if r := g.flow(a[0]) % size; r > bestRem {
				bestA, bestF, bestRem = a[0], a[1], r
			}
		}
		if bestA < 0 {
			continue
		}
		cs = append(cs, candidate{c, bestA, bestF, bestRem, -float64(size)})
		for _, a := range m.hhArcs[c] {
			if r := g.flow(a[0]) % size; r > 0 && a[0] != bestA {
				cs = append(cs, candidate{c, a[0], a[1], r, 10 + float64(r)/float64(size)})
			}
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].score < cs[j].score })
	return cs[:min(n, len(cs))]
}

// fractionalSince is fractional for the flow now, given base, its value at
// the flow's last checkpoint: only the household arcs the undo log holds
// changed (strong branching asks it of every child; a scan of every
// household arc was 6 % of a regional search).
func (m *model) fractionalSince(base int64) int64 {
	g := m.g
	m.stamp++
	for i, a := range g.undoArcs {
		size := m.arcSize[a/2]
		if size == 0 || m.seen[a/2] == m.stamp {
			continue
		}
		m.seen[a/2] = m.stamp
		base += g.flow(int(a))%size - (g.undoCapa[3*i+1]+g.undoCapa[3*i+2])%size
	}
	return base
}

// fractional counts the people of households split across arcs (the flow
// an arc carries beyond whole households): zero when the flow is a placement.
func (m *model) fractional() int64 {
	g := m.g
	var n int64
	for c := range m.nw.hhClasses {
		size := m.size(c)
		n += g.flow(m.hhOut[c]) % size
		for _, a := range m.hhArcs[c] {
			n += g.flow(a[0]) % size
		}
	}
	return n
}

// branchOn rounds the flow of class k on arc (to facility f, -1: unplaced)
// up (at least one more whole household there) or down (at most the whole
// households it carries), and re-optimises from the current flow. False when
// the branch is infeasible. Rounding down to none forbids f's whole orbit:
// the facilities identical to it that no branch has touched — any placement
// using one of them has a twin using f at the same cost, so nothing is lost
// (orbital branching, Ostrowski et al. 2011).
func (m *model) branchOn(k, arc, f int, up bool, touched map[int]bool) bool {
	g := m.g
	size := m.size(k)
	whole := g.flow(arc) / size * size
	switch {
	case up:
		g.atLeast(arc, whole+size)
	case whole > 0 || f == -1 || touched[f]:
		g.atMost(arc, whole)
	default:
		for _, a := range m.hhArcs[k] {
			if a[1] == f || m.nw.class[a[1]] == m.nw.class[f] && !touched[a[1]] {
				g.atMost(a[0], g.fixed[a[0]])
			}
		}
	}
	return g.reoptimize()
}

// node is an open branch: its flow state, the bound it proved, and the
// facilities some household is fixed to.
type node struct {
	st      flowState
	live    bool // the state is the flow's current one (the dive), not st
	bound   int64
	frac    int64 // people in households split across arcs: how far from whole
	touched map[int]bool
}

// fixByReducedCost removes the arcs that cannot be in a placement better
// than best: an arc without flow whose reduced cost, times the people one
// unit of it moves (a household's size; 1 for single people's arcs), closes
// the gap between best and the node's bound. By LP
// duality every flow of the node's network costs at least the bound plus the
// reduced costs of the arcs it uses beyond the node's flow, so any placement
// sending the household along such an arc costs at least best (reduced-cost
// fixing; Nemhauser & Wolsey, "Integer and Combinatorial Optimization",
// 1988, II.5.4). The arcs carry no flow, so the flow stays optimal.
func (m *model) fixByReducedCost(best, bound int64) {
	g := m.g
	gap := best - bound
	try := func(a int, size int64) {
		if g.capa[a] > 0 && g.capa[a^1] == 0 {
			if rc := g.reduced(int32(a), int(g.to[a^1])); rc > 0 && rc*size >= gap {
				g.touchArc(a)
				g.capa[a] = 0
			}
		}
	}
	for k := range m.nw.hhClasses {
		size := m.size(k)
		try(m.hhOut[k], size)
		for _, a := range m.hhArcs[k] {
			try(a[0], size)
		}
	}
	// The single people's arcs too: it does not change this node's bound,
	// but its children's re-optimisation cannot use them, which raises
	// their bounds.
	for _, a := range m.sigFac {
		try(a[0], 1)
	}
	for _, a := range m.facOut {
		try(a[0], 1)
	}
}

// nodeHeap orders open nodes by bound (best first).
type nodeHeap []node

func (h nodeHeap) less(i, j int) bool {
	return h[i].bound < h[j].bound || h[i].bound == h[j].bound && h[i].frac < h[j].frac
}

func (h *nodeHeap) push(n node) {
	*h = append(*h, n)
	i := len(*h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		(*h)[i], (*h)[p] = (*h)[p], (*h)[i]
		i = p
	}
}

func (h *nodeHeap) pop() node {
	old := *h
	top := old[0]
	last := len(old) - 1
	old[0] = old[last]
	*h = old[:last]
	i := 0
	for {
		l, m := 2*i+1, i
		if l < last && h.less(l, m) {
			m = l
		}
		if r := l + 1; r < last && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		(*h)[i], (*h)[m] = (*h)[m], (*h)[i]
		i = m
	}
	return top
}

// searchParams are a search's inputs.
type searchParams struct {
	rootCost  int64      // the cost of the model's root flow
	cutoff    int64      // look for placements below it (one of that cost is known; MaxInt64: none)
	floor     int64      // a proven bound: a placement at it ends the search
	pe        *penalties // node bounds from the Lagrangian relaxation (nil: flow bounds only)
	start     time.Time  // of the solve (for FoundMillis)
	deadline  time.Time
	budget    int  // relaxations this search may solve (-1: no limit)
	nodeLimit int  // relaxations of the whole solve, stats.Nodes (0: no limit)
	dives     bool // the rounding's tries come with a dive
}

// searchResult is what a search proved and found.
type searchResult struct {
	best    int64      // the best placement's cost (the cutoff when none was found below it)
	state   *flowState // its flow (nil: none below the cutoff)
	bound   int64      // proven: no placement below the cutoff costs less
	stopped bool       // the deadline or a budget stopped it before the end
}

// search is the branch and bound from the model's root flow: best-first on
// the flow relaxations' bounds with plunging — from the open node of least
// bound, dive along "one more whole household on this arc" until the
// placement is whole or the branch cannot beat the incumbent, leaving the
// "no more than the whole households it carries" siblings open. At every
// node the arcs that reduced costs rule out are removed, then strong
// branching picks the arc: of a few candidates, the one whose two children
// raise the bound most (the product of the gains; a candidate with a pruned
// child is taken at once). Each node's flow is also rounded to whole
// households (round) for an early incumbent, which is what lets reduced
// costs and bounds prune.
func (m *model) search(p searchParams, stats *SolveStats) searchResult {
	s := &searchRun{m: m, g: m.g, p: p, stats: stats, best: p.cutoff, n0: stats.Nodes, pcs: map[int]*pseudoCost{},
		roundGap: 1}
	s.open.push(node{st: m.g.save(), bound: p.rootCost, frac: m.fractional(), touched: map[int]bool{}})
	stopped := false
	for len(s.open) > 0 && !stopped {
		nd := s.open.pop()
		if nd.bound >= s.best || s.best <= p.floor {
			s.open = s.open[:0] // best first: every other open node is as bad
			break
		}
		stopped = s.plunge(nd)
	}
	bound := s.best
	for _, nd := range s.open {
		bound = min(bound, nd.bound)
	}
	return searchResult{best: s.best, state: s.bestState, bound: bound, stopped: stopped}
}

// searchRun is one search's state.
type searchRun struct {
	m     *model
	g     *mcf
	p     searchParams
	stats *SolveStats
	best  int64 // the best placement's cost so far (the cutoff at first)
	// bestState is its flow (nil: none below the cutoff yet).
	bestState *flowState
	n0        int // stats.Nodes at the start, for the budget
	open      nodeHeap
	// The children of the candidate being tried and of the best so far
	// live in reused buffers; only the chosen ones are copied out.
	trial, chosen [2]flowDiff
	pcs           map[int]*pseudoCost // by arc
	// Rounding's pacing (see heuristics) and the dives' next order.
	roundGap, sinceRound, dived int
	spare                       []flowState // states of nodes done with
}

// found makes the flow now, of cost c, the incumbent when it is better.
func (s *searchRun) found(c int64) bool {
	if c >= s.best {
		return false
	}
	s.best, s.bestState = c, new(s.g.save())
	s.stats.FoundMillis = millisSince(s.p.start)
	return true
}

// limited: the deadline, the search's budget or the solve's node limit is
// reached.
func (s *searchRun) limited() bool {
	p, n := s.p, s.stats.Nodes
	return time.Now().After(p.deadline) || p.budget >= 0 && n-s.n0 >= p.budget || p.nodeLimit > 0 && n >= p.nodeLimit
}

// plunge expands nd, then dives into one of its children (the other left
// open) until a node is pruned or whole. True when a limit stopped it (the
// node it was at is open again).
func (s *searchRun) plunge(nd node) bool {
	m, g, pe := s.m, s.g, s.p.pe
	for {
		if s.limited() {
			if nd.live {
				nd.st, nd.live = g.stateInto(&s.spare), false
			}
			s.open.push(nd)
			return true
		}
		if !nd.live {
			g.load(nd.st)
			s.spare = append(s.spare, nd.st) // its memory serves a later child
		}
		if s.best != math.MaxInt64 {
			// The flow's own cost: a node's bound may be the
			// Lagrangian's, higher, and reduced costs price the flow.
			m.fixByReducedCost(s.best, g.flowCost())
		}
		if pe != nil {
			if b := pe.exact(m); b >= s.best {
				return false // the relaxation, solved for this node, prunes it
			} else if b > nd.bound {
				nd.bound = b
			}
		}
		cands := m.candidates(strongCandidates)
		if len(cands) == 0 {
			s.found(g.flowCost())
			return false
		}
		g.checkpoint()
		s.heuristics()
		kids := s.branch(&nd, cands)
		// The dive goes on in the flow itself; only the sibling left
		// open is copied out.
		dive, wait := 1, 0
		if kids[1] == nil {
			dive, wait = 0, -1
		} else if kids[0] != nil {
			wait = 0
		} else {
			wait = -1
		}
		if kids[dive] == nil {
			return false // both children pruned: the dive ends here
		}
		if wait >= 0 {
			g.restore()
			g.apply(&s.chosen[wait])
			kids[wait].st = g.stateInto(&s.spare)
			s.open.push(*kids[wait])
		}
		g.restore()
		g.apply(&s.chosen[dive])
		nd = *kids[dive]
		nd.live = true
	}
}

// heuristics rounds the node's flow (by class and, with dives, by facility)
// and, with dives, dives from it.
// Rounding is most of a node's work and, once the optimum is found, all
// waste: after each try that finds nothing better, the next waits twice as
// many nodes (up to maxRoundGap).
func (s *searchRun) heuristics() {
	m, g := s.m, s.g
	if s.sinceRound++; s.sinceRound < s.roundGap {
		return
	}
	s.sinceRound = 0
	found := false
	if c, ok := m.round(); ok && s.found(c) {
		found = true
	}
	if s.p.dives {
		// The rounding by facility too, from the node's state: on the
		// family-heavy batches it finds what rounding by class misses
		// (BENCHMARKS.md, "Batch families").
		g.restore()
		if c, ok := m.pack(true); ok && s.found(c) {
			found = true
		}
	}
	if s.p.dives {
		// A dive too, in the next order each time, from the node's state
		// (rounding's changes undone); it leaves the flow elsewhere and
		// restarts the undo log, so the state comes back whole.
		g.restore()
		st := g.stateInto(&s.spare)
		if c, ok := m.dive(diveOrders[s.dived%len(diveOrders)], s.best); ok && s.found(c) {
			found = true
		}
		s.dived++
		g.load(st)
		s.spare = append(s.spare, st)
	}
	if found {
		s.roundGap = 1
	} else {
		s.roundGap = min(2*s.roundGap, maxRoundGap)
	}
}

// branch chooses the candidate to branch on at nd and returns its
// children, down and up (nil: pruned), whose states are s.chosen.
func (s *searchRun) branch(nd *node, cands []candidate) [2]*node {
	m := s.m
	var kids [2]*node
	bestScore, bestFrac := int64(-1), int64(0)
	var pending *candidate // chosen on pseudo-costs: children not yet computed
	for _, cd := range cands {
		if pc := s.pcs[cd.arc]; pc != nil && pc.n[0] >= reliable && pc.n[1] >= reliable {
			r := float64(cd.rem) / float64(m.size(cd.k))
			est0 := int64(max(0, min(pc.sum[0]/float64(pc.n[0])*r, 1<<20)))
			est1 := int64(max(0, min(pc.sum[1]/float64(pc.n[1])*(1-r), 1<<20)))
			// Gains of nothing (a degenerate relaxation) tell nothing:
			// then strong branching's fractions break the tie.
			if score := (est0 + 1) * (est1 + 1); score > 1 {
				if score > bestScore {
					bestScore, bestFrac, pending = score, math.MaxInt64, &cd
				}
				continue
			}
		}
		ks, gain := s.evaluate(nd, cd)
		// Among equal scores (a degenerate relaxation: often every
		// child keeps the bound), the candidate whose children are
		// nearest to whole households.
		frac := int64(0)
		for _, k := range ks {
			if k != nil {
				frac += k.frac
			}
		}
		if score := (min(gain[0], 1<<20) + 1) * (min(gain[1], 1<<20) + 1); score > bestScore || score == bestScore && frac < bestFrac {
			bestScore, bestFrac, pending = score, frac, nil
			kids = ks
			s.trial, s.chosen = s.chosen, s.trial
		}
		if ks[0] == nil || ks[1] == nil {
			break // a child pruned: nothing better to find
		}
	}
	if pending != nil {
		kids, _ = s.evaluate(nd, *pending)
		s.trial, s.chosen = s.chosen, s.trial
	}
	return kids
}

// evaluate computes both children of candidate cd at nd (their states in
// s.trial) and what each gains on nd's bound; a pruned or infeasible child
// is nil and gains the most.
func (s *searchRun) evaluate(nd *node, cd candidate) (kids [2]*node, gain [2]int64) {
	m, g, pe := s.m, s.g, s.p.pe
	for i, up := range []bool{false, true} {
		g.restore()
		s.stats.Nodes++
		gain[i] = 1 << 20 // pruned or infeasible: the most a child can gain
		if !m.branchOn(cd.k, cd.arc, cd.f, up, nd.touched) {
			continue
		}
		c := g.flowCost()
		moved := float64(cd.rem) / float64(m.size(cd.k)) // of a household, off the arc (down) or onto it (up)
		if up {
			moved = 1 - moved
		}
		pc := s.pcs[cd.arc]
		if pc == nil {
			pc = &pseudoCost{}
			s.pcs[cd.arc] = pc
		}
		pc.sum[i] += float64(c-nd.bound) / moved
		pc.n[i]++
		if c >= s.best {
			continue
		}
		// A bound on f sets it apart from its orbit from now on.
		touched := nd.touched
		if cd.f >= 0 {
			touched = maps.Clone(nd.touched)
			touched[cd.f] = true
		}
		if pe != nil {
			// A child's placements are the node's: its bound too. The
			// node's may be the relaxation solved for it (pe.exact), above
			// the child's flow and penalties: then a gain came out
			// negative, the product's score below the -1 of "nothing
			// chosen", and a node whose other child was pruned was dropped
			// with its subtree — a false optimum, found by
			// TestLagrangeOutOfTime.
			if c = max(c, pe.bound(m, touched), nd.bound); c >= s.best {
				continue
			}
		}
		gain[i] = max(c-nd.bound, 0) // never negative: see the child's bound above
		g.diffInto(&s.trial[i])
		kids[i] = &node{bound: c, frac: m.fractionalSince(nd.frac), touched: touched}
	}
	return kids, gain
}
