package alloc

import (
	"encoding/binary"
	"maps"
	"math"
	"sort"
	"time"
)

// faceLimits are faceFill's: the complete fills it searches the rest of,
// the fills it tries in all, and the relaxations each search of the rest
// may solve.
type faceLimits struct {
	leaves, steps, leafBudget int
	// ldsSteps: after the depth-first look (steps), this many fills more
	// by limited discrepancy (Harvey & Ginsberg 1995) — first every path
	// that takes at each facility the first fill the flow accepts, then
	// those that deviate from it once, twice, … — whose looks reach the
	// early facilities' other fills, where depth first's backtracking stays
	// among the last facilities' when an early one was wrong.
	ldsSteps int
	noMemo   bool // no memo of the states searched (tests: the proofs must agree)
}

// rootFace is faceFill's at the root's cost.
var rootFace = faceLimits{leaves: 8, steps: 400, leafBudget: 200}

// rootFaceLarge is rootFace on networks the Lagrangian phase takes straight
// away (national batches): 40–60 facilities to fill exactly where a regional
// batch has 10–20, so more fills, depth first and then by limited
// discrepancy (measured: BENCHMARKS.md, "Batch families: issue 19's fourth
// round"). 16 complete fills in each: with 64, nation-4 (the first people
// mix) paid 24,000 relaxations in searches of the rest that found nothing
// (31,061 nodes; 13,262 with 16); with 8, nation-2-fam-it and
// nation-6-fam-it were not proven in 10 s.
var rootFaceLarge = faceLimits{leaves: 16, steps: 2500, leafBudget: 200, ldsSteps: 20000}

// faceFill is a primal heuristic for a placement of the root's cost
// (cutoff = root + 1), which would be optimal at once. Such a placement is an optimum of the
// relaxation, so it satisfies complementary slackness with the root's
// potentials: it uses no arc of positive reduced cost and saturates every
// arc of negative reduced cost. On the family-heavy batches the near
// facilities that take households only (no single person may enter at zero
// reduced cost) have a negative reduced cost on their way out: each must be
// filled exactly to its free places by whole households of the classes
// whose arcs there have a reduced cost of zero — a multiple subset-sum
// problem that the flow solves by splitting households and that branching
// on one arc at a time, whose children keep the bound, explores slowly
// (BENCHMARKS.md, "Batch families").
//
// faceFill searches those exact fills depth first, one facility at a time:
// next, the unfilled one with the fewest exact fills the households left
// allow, and a path ends at once at a facility with none; the counts
// nearest the flow's at that depth come first. (nation-4-fam-it: its bound,
// 16 above the root's cost, proven in 9 fills, where the static order,
// fewest classes first, found no complete fill in 22,500.) Each fill fixes
// the facility's household arcs, and the flow, re-optimised, must still
// cost less than cutoff, or the fill is dropped. When every such facility
// is filled, the households left to the others are a small search on the
// face (cutoff as given, lim.leafBudget relaxations). The pass by limited
// discrepancy (lim.ldsSteps) keeps the static order. With a cutoff above
// the root's cost + 1 it looks for a
// placement below cutoff the same way: the slack cutoff − 1 − root admits
// arcs whose reduced cost (per household) is within it, and only the
// facilities whose way out costs more than the slack per empty place must
// be full (boundFill). take learns each placement found while the flow is
// that placement's. Every fill and relaxation counts as a node. It stops at
// a placement below cutoff, after lim.leaves complete fills, lim.steps
// fills or at the limits of p; the model is left at some tried flow.
// It returns true when it searched every fill to the end and found no
// placement below cutoff: then none exists, a bound (see exhausted, below).
func (m *model) faceFill(root flowState, rootCost, cutoff int64, lim faceLimits, p searchParams, stats *SolveStats, take func(c int64)) bool {
	g, nw := m.g, m.nw
	in := nw.in
	// The searches of the rest look below cutoff: a plan their rounding
	// tries and finds above it is not tried again by round, though it may
	// beat the incumbent. So the plans tried here are forgotten after
	// (region-20-fam: 11,705 nodes; with them remembered, 127,336).
	tried := m.rounded
	m.rounded = maps.Clone(tried)
	defer func() { m.rounded = tried }()
	rc := func(a int) int64 { return g.reduced(int32(a), int(g.to[a^1])) }
	slack := cutoff - 1 - rootCost // what a placement below cutoff may cost beyond the root's
	nH := len(nw.hhClasses)
	// Per facility with a node: excluded (its way out must stay empty, or
	// single people must fill it), exact (full, of households only), or
	// room (at most its free places).
	const (
		room = iota
		exact
		excluded
	)
	status := map[int]int{}
	for _, a := range m.facOut {
		switch r := rc(a[0]); {
		case r > slack:
			status[a[1]] = excluded
		case -r > slack:
			status[a[1]] = exact
		}
	}
	for _, a := range m.sigFac {
		switch r := rc(a[0]); {
		case -r > slack:
			status[a[1]] = excluded // single people fill it
		case r <= slack && status[a[1]] == exact:
			status[a[1]] = room // single people fill what households leave
		}
	}
	type option struct {
		k, arc int
		cap    int64 // households the arc can carry
		flow   int64 // people the flow sends along it
	}
	options := map[int][]option{}
	left := make([]int64, nH)
	count := map[int]int64{} // households per arc
	free := map[int]int64{}
	for k, ks := range nw.hhClasses {
		left[k] = int64(len(ks))
		size := m.size(k)
		for _, a := range m.hhArcs[k] {
			f := a[1]
			if status[f] == excluded {
				continue
			}
			r := rc(a[0]) * size
			if r > slack {
				continue
			}
			c := (g.capa[a[0]] + g.capa[a[0]^1] + g.fixed[a[0]]) / size
			if -r > slack { // saturated
				count[a[0]] = c
				left[k] -= c
				free[f] -= c * size
				continue
			}
			options[f] = append(options[f], option{k, a[0], c, g.flow(a[0])})
		}
	}
	var exacts []int
	for f, os := range options {
		free[f] += int64(in.Facilities[f].Free)
		// The options in the root flow's order: compose tries them so in
		// both passes.
		sort.Slice(os, func(i, j int) bool {
			return os[i].flow > os[j].flow || os[i].flow == os[j].flow && os[i].arc < os[j].arc
		})
		if status[f] == exact {
			exacts = append(exacts, f)
		}
	}
	for _, k := range left {
		if k < 0 {
			return false // saturated arcs hold more than a class has: not a face to fill
		}
	}
	sort.Slice(exacts, func(i, j int) bool {
		a, b := exacts[i], exacts[j]
		return len(options[a]) < len(options[b]) || len(options[a]) == len(options[b]) && a < b
	})
	// incomplete: a limit cut the look short somewhere, or a search of the
	// rest stopped before its end. Otherwise the look is exhaustive: by
	// complementary slackness every placement below cutoff fills each exact
	// facility with one of the fills enumerated (and uses no option left
	// out); the flow prunes a fill only when no placement with it costs
	// less than cutoff (a relaxation); a path ends early only where some
	// facility has no exact fill with the households left, which no
	// placement on that path could fill; and each complete fill's rest was
	// searched to its end. So no placement costs less than cutoff.
	optimal, incomplete, leaves, steps := false, false, 0, 0

	done := func() bool {
		if optimal || leaves >= lim.leaves || steps >= lim.steps || p.nodeLimit > 0 && stats.Nodes >= p.nodeLimit ||
			time.Now().After(p.deadline) {
			incomplete = true
			return true
		}
		return false
	}
	// The states searched to the end without a placement below cutoff (in
	// the depth-first pass): a fill that leads to one again is skipped. A
	// state is the set of exact facilities filled and the households left.
	// Every path to it has fixed the same arcs — every option of the
	// facilities filled — each facility full, each class with the same
	// households on them, and a household's arc costs nothing (distance is
	// paid on the facility's way out), so the flow's cost and the rest of
	// the network, and with them all that the subtree below finds, are the
	// same. (nation-9-fam-it: a look at the root's cost filled 47 of 48
	// facilities 43,236 times before the last had no fill; with the memo,
	// 418.)
	memo := map[string]bool{}
	var key []byte
	useMemo := !lim.noMemo
	for _, os := range options {
		for _, o := range os {
			useMemo = useMemo && g.cost[o.arc] == 0 // the argument above needs it
		}
	}
	isFilled := make([]bool, len(exacts))
	stateKey := func() string {
		key = key[:0]
		for e := range exacts {
			if isFilled[e] {
				key = binary.AppendUvarint(key, uint64(e))
			}
		}
		key = append(key, 0xff)
		for _, n := range left {
			key = binary.AppendUvarint(key, uint64(n))
		}
		return string(key)
	}
	states := make([]flowState, len(exacts)+1)
	// The facilities are filled in a dynamic order: next, the unfilled
	// one with the fewest exact fills the households left allow (a
	// facility with none ends the path at once, without a relaxation; one
	// with a single fill is forced). order[i] is the facility filled at
	// depth i, want[i] the households per option the flow sends there at
	// that depth (the counts nearest to them are tried first).
	order, want := make([]int, len(exacts)), make([][]float64, len(exacts))
	ways := make([]int64, 0, 64)
	fills := func(f int) int64 {
		need := free[f]
		if need < 0 {
			return 0
		}
		ways = ways[:0]
		for range need + 1 {
			ways = append(ways, 0)
		}
		ways[0] = 1
		for _, o := range options[f] {
			size := m.size(o.k)
			hi := min(left[o.k], o.cap-count[o.arc])
			for j := need; j >= size; j-- { // bounded: at most hi of this option
				var w int64
				for n := int64(1); n <= hi && n*size <= j; n++ {
					w += ways[j-n*size]
				}
				ways[j] = min(ways[j]+w, 1<<40)
			}
		}
		return ways[need]
	}
	// Limited discrepancy: disc[i] is the path's deviations before depth i,
	// passed[i] the fills at depth i the flow accepted so far; a path
	// deviates at most maxDisc times, and only paths of exactly maxDisc
	// reach a leaf (the others were searched with a smaller maxDisc).
	maxDisc, cut, staticOrder := math.MaxInt, false, false
	disc, passed := make([]int, len(exacts)+1), make([]int, len(exacts)+1)
	var fill func(i int)
	var compose func(i, j int, need int64)
	// fill fixes the households of the exact facilities one at a time, the
	// flow checking after each that the rest still costs less than cutoff
	// (the face is not left); at the end the rest is searched.
	fill = func(i int) {
		if done() {
			return
		}
		if maxDisc == math.MaxInt && useMemo && len(memo) < faceMemoMax {
			k := stateKey()
			defer func() {
				if !incomplete && !optimal {
					memo[k] = true
				}
			}()
		}
		if i == len(exacts) {
			if disc[i] > maxDisc || maxDisc != math.MaxInt && disc[i] != maxDisc {
				return
			}
			leaves++
			// The rest, on the facilities with room: a search below
			// cutoff, within a budget.
			sp := p
			sp.rootCost, sp.cutoff, sp.floor, sp.budget, sp.dives = rootCost, cutoff, cutoff-1, lim.leafBudget, true
			r := m.search(sp, stats)
			if r.state != nil {
				g.load(*r.state)
				take(r.best)
				optimal = true
			}
			incomplete = incomplete || r.stopped
			return
		}
		next, fewest := -1, int64(math.MaxInt64)
		for e, f := range exacts {
			if isFilled[e] {
				continue
			}
			n := fills(f)
			if n == 0 {
				return // no fill left for it: no placement below cutoff on this path
			}
			if staticOrder {
				n = int64(e) // by limited discrepancy: the static order (exacts, above)
			}
			if n < fewest {
				next, fewest = e, n
			}
		}
		f := exacts[next]
		order[i], isFilled[next] = f, true
		defer func() { isFilled[next] = false }()
		want[i] = want[i][:0]
		for _, o := range options[f] {
			want[i] = append(want[i], float64(g.flow(o.arc))/float64(m.size(o.k)))
		}
		g.saveInto(&states[i])
		passed[i] = 0
		compose(i, 0, free[f])
	}
	// compose fills order[i] with need more people from its options j….
	compose = func(i, j int, need int64) {
		if done() {
			return
		}
		if disc[i]+passed[i] > maxDisc {
			cut = true
			return
		}
		f := order[i]
		os := options[f]
		if need == 0 {
			if maxDisc == math.MaxInt && useMemo && memo[stateKey()] {
				m.faceMemoHits++
				return // searched from there before: nothing below cutoff
			}
			steps++
			stats.Nodes++
			g.load(states[i])
			for _, o := range os {
				g.setFlow(o.arc, count[o.arc]*m.size(o.k))
			}
			if g.reoptimize() && g.flowCost() < cutoff {
				disc[i+1] = disc[i] + passed[i]
				passed[i]++
				fill(i + 1)
			}
			return
		}
		if j == len(os) {
			return
		}
		o := os[j]
		size := m.size(o.k)
		// The counts nearest to the flow's first.
		hi, w := min(left[o.k], o.cap-count[o.arc], need/size), want[i][j]
		ns := make([]int64, 0, hi+1)
		for n := int64(0); n <= hi; n++ {
			ns = append(ns, n)
		}
		sort.SliceStable(ns, func(a, b int) bool { return math.Abs(float64(ns[a])-w) < math.Abs(float64(ns[b])-w) })
		for _, n := range ns {
			if done() {
				break
			}
			count[o.arc] += n
			left[o.k] -= n
			compose(i, j+1, need-n*size)
			count[o.arc] -= n
			left[o.k] += n
		}
	}
	g.load(root)
	fill(0)
	// With no facility to fill exactly (a wide slack), the pass by limited
	// discrepancy would only search the rest again.
	if !incomplete || optimal || lim.ldsSteps == 0 || len(exacts) == 0 {
		return !incomplete && !optimal
	}
	incomplete, leaves, steps, lim.steps = false, 0, 0, lim.ldsSteps
	staticOrder = true
	for maxDisc = 0; !done(); maxDisc++ {
		cut = false
		g.load(root)
		fill(0)
		if !cut {
			break // every path searched
		}
	}
	return !incomplete && !optimal
}

// faceMemoMax bounds faceFill's memo: about 100 MB at its largest (a key
// is a few dozen bytes).
const faceMemoMax = 1 << 20
