package alloc

import (
	"encoding/binary"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// A Lagrangian bound for when the flow relaxation is too weak for branch
// and bound to close the gap in time: on large networks straight away, on
// smaller ones when a search on flow bounds does not end soon.
//
// The flow lets a household be split across facilities, so it fills near
// facilities exactly with parts of households. Relax instead the constraint
// "class k places exactly its n_k households" with a multiplier mu_k per
// household: each facility then chooses, on its own, a pattern of whole
// households (counts per class that fit its free places), rewarded mu_k per
// household — a small knapsack over the places q it fills, V_f(q). The
// single people, the comuni and the facilities' shared capacity stay a flow:
// a pool node H offers each facility its households' load along arcs whose
// costs are the slopes of V_f's lower convex envelope. For every mu the
// flow's cost plus sum mu_k n_k bounds the optimum from below, and the best
// over mu equals the Dantzig–Wolfe bound of per-facility patterns, which
// knows households are whole (Geoffrion, "Lagrangean relaxation for integer
// programming", 1974; Fisher, "The Lagrangian relaxation method for solving
// integer programming problems", 1981). Multipliers start from the flow
// relaxation's prices and follow the subgradient method with Polyak's step
// (Held, Wolfe & Crowder 1974), then, on large networks, box-steps (run).
//
// The relaxation also yields: placements (each facility's pattern, the
// surplus removed and the rest placed by the completion of pack);
// Lagrangian reduced-cost fixing — a household class whose every pattern at
// a facility costs, beyond the bound, the gap to the best placement cannot be
// there in a better one; and bounds for the search's nodes with the
// multipliers fixed: cheap penalties per restricted facility for each child
// (penalties.bound), and the relaxation re-solved for each node expanded
// (penalties.exact).
//
// Why: on the national batches the flow's bound stays a few units below the
// optimum at every node (a degenerate relaxation), and the search on flow
// bounds alone does not close that gap; the Lagrangian bound does
// (docs/adr/0007-placement-lagrangian-bound.md).

// lagrangeScale multiplies costs so that multipliers and envelope slopes
// have fractional parts; slopes are rounded down, which keeps the bound a
// bound.
const lagrangeScale = 1000

// lagrangeShift makes the pool's arc costs non-negative (the flow's solve
// needs it); every unit of the pool pays it once, to a facility or to T.
const lagrangeShift = int64(1) << 40

// lagrangeMinFacilities: networks this large get the Lagrangian phase
// straight away; smaller ones first search on flow bounds, for flowBudget
// relaxations: most regional batches (1,500 facilities) end there sooner
// than the phase's fixed cost, and the few that do not gain from it
// (measured: BENCHMARKS.md, "Tuning measurements").
const lagrangeMinFacilities = 3000

const flowBudget = 4000

// lagrangeIterations caps the relaxation's evaluations, the first
// lagrangeSubgradient of them by the subgradient method.
const (
	lagrangeIterations  = 200
	lagrangeSubgradient = 50
	lagrangeCuts        = 40 // the latest cuts the box-step's model keeps
	// relaxations for a placement at the Lagrangian bound's ceiling: where
	// one exists it is found soon, where none does the look is wasted
	// (measured: BENCHMARKS.md, "Tuning measurements")
	lagrangeFaceBudget = 1000
	// on networks below lagrangeMinFacilities
	lagrangeSubgradientOnly = 100
)

type lagrange struct {
	m   *model
	box bool // box-steps after the subgradient's (large networks: see run)
	// The relaxation's flow network, built at the first evaluation.
	g    *mcf
	h    int
	node []int   // per facility: its node (-1: none, as in model.build)
	arcs [][]int // per facility: the pool's unit arcs, one per place
	// per facility: the single people's arc in, the arc out to the comune
	// (the same arc signature → comune for a facility without a node)
	sigFac, facOut []int // -1: the facility has no free place
	pool, need     int64
	compat         [][]int // per facility: household classes with an arc to it
	mask           []uint64
	size           []int64 // per household class
	count          []int64 // households per class
}

// lagrangePoint is the relaxation at one vector of multipliers.
type lagrangePoint struct {
	bound    int64     // scaled by lagrangeScale
	sub      []float64 // per class: households minus those placed (a subgradient)
	patterns map[int][]int64
	g        *mcf
	h        int
	node     []int   // per facility: its node
	arcs     [][]int // per facility: the pool's unit arcs
	table    map[[3]uint64]*knapsack
	cur      []int64 // per facility: the pool's flow into it at reduced costs (beyond; nil: not yet)
}

// knapsack holds V(q), the least value of a pattern filling exactly q places
// (inf: none), and one such pattern, for a free-places count and a set of
// classes.
type knapsack struct {
	v       []int64
	pattern [][]int64
}

func newLagrange(m *model) *lagrange {
	nw := m.nw
	l := &lagrange{m: m, compat: make([][]int, len(nw.in.Facilities)), mask: make([]uint64, len(nw.in.Facilities))}
	for k, ks := range nw.hhClasses {
		l.size = append(l.size, m.size(k))
		l.count = append(l.count, int64(len(ks)))
		for _, a := range m.hhArcs[k] {
			l.compat[a[1]] = append(l.compat[a[1]], k)
			l.mask[a[1]] |= 1 << (k % 64)
		}
	}
	return l
}

// knapsack of facility f for the multipliers mu: whole households of the
// classes compatible with f, at most n_k of each, within its free places.
// forced ≥ 0 requires one household of that class.
func (l *lagrange) knapsack(f int, mu []int64, forced int) *knapsack {
	free := l.m.nw.in.Facilities[f].Free
	lo, hi := make([]int64, len(l.size)), make([]int64, len(l.size))
	for _, k := range l.compat[f] {
		hi[k] = min(l.count[k], int64(free)/l.size[k])
	}
	if forced >= 0 {
		lo[forced] = 1
	}
	return fill(free, l.size, mu, lo, hi, true)
}

// fill is the knapsack of free places for households of the classes'
// sizes, between lo[k] and hi[k] of class k, each valued -mu[k]: V(q), the
// least value filling exactly q places (inf: none), and with patterns one
// such choice per q.
func fill(free int, size, mu, lo, hi []int64, patterns bool) *knapsack {
	ks := &knapsack{v: make([]int64, free+1)}
	if patterns {
		ks.pattern = make([][]int64, free+1)
	}
	v := ks.v
	for q := range v {
		v[q] = inf
	}
	var q0, v0 int64
	for k := range lo {
		q0 += lo[k] * size[k]
		v0 -= lo[k] * mu[k]
	}
	if q0 > int64(free) {
		return ks
	}
	v[q0] = v0
	if patterns {
		ks.pattern[q0] = slices.Clone(lo)
	}
	for k := range lo {
		s := int(size[k])
		for range hi[k] - lo[k] { // one household at a time: counts are small
			for q := free; q >= s+int(q0); q-- {
				if v[q-s] < inf && v[q-s]-mu[k] < v[q] {
					v[q] = v[q-s] - mu[k]
					if patterns {
						ks.pattern[q] = slices.Clone(ks.pattern[q-s])
						ks.pattern[q][k]++
					}
				}
			}
		}
	}
	return ks
}

// cached is knapsack for f, shared by the facilities with the same free
// places and classes (the table belongs to one vector of multipliers).
func (l *lagrange) cached(table map[[3]uint64]*knapsack, f int, mu []int64, forced int) *knapsack {
	if len(l.size) > 64 { // the class set is a bit mask
		return l.knapsack(f, mu, forced)
	}
	key := [3]uint64{uint64(l.m.nw.in.Facilities[f].Free), l.mask[f], uint64(forced + 1)}
	ks := table[key]
	if ks == nil {
		ks = l.knapsack(f, mu, forced)
		table[key] = ks
	}
	return ks
}

// envelope returns the breakpoints of the lower convex envelope of the
// finite values of v, from q = 0.
func envelope(v []int64) []int {
	pts := []int{0}
	for q := 1; q < len(v); q++ {
		if v[q] >= inf {
			continue
		}
		for len(pts) >= 2 {
			a, b := pts[len(pts)-2], pts[len(pts)-1]
			// b is on or above the chord from a to q.
			if (v[b]-v[a])*int64(q-a) >= (v[q]-v[a])*int64(b-a) {
				pts = pts[:len(pts)-1]
				continue
			}
			break
		}
		pts = append(pts, q)
	}
	return pts
}

// floorDiv is ⌊a/b⌋ for b > 0, for every a (no negation that overflows).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// ceilDiv is ⌈a/b⌉ for b > 0, for every a. (It was -floorDiv(-a, b): at
// a = MinInt64 the negation overflowed into a bound of 9.2·10^15.)
func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a > 0 {
		q++
	}
	return q
}

// unitCosts sets cost[q-1], q = 1..free, to the pool's arc costs for f's
// q-th place: the slope of the envelope's segment holding it (rounded down,
// so the bound stays one), plus the shift; places beyond the largest load a
// pattern reaches cost twice the shift, more than the pool's arc to T, so
// no optimal flow uses them.
func unitCosts(ks *knapsack, cost []int64) {
	pts := envelope(ks.v)
	for i := range cost {
		cost[i] = 2 * lagrangeShift
	}
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		slope := floorDiv(ks.v[b]-ks.v[a], int64(b-a))
		for q := a; q < b; q++ {
			cost[q] = slope + lagrangeShift
		}
	}
}

// evaluate solves the relaxation for the multipliers mu (per household,
// scaled by lagrangeScale). The network is built once, with one arc of
// capacity 1 from the pool per place of a facility that takes households,
// and later multipliers only change those arcs' costs: the flow is
// re-optimised from the last one (each step moves a few facilities' loads,
// so that is a fraction of a solve from scratch).
func (l *lagrange) evaluate(mu []int64) *lagrangePoint {
	m := l.m
	nw, in := m.nw, m.nw.in
	w := in.Weights
	const K = lagrangeScale
	nF, nC, nCl := len(in.Facilities), len(in.Comuni), len(nw.classes)
	p := &lagrangePoint{table: map[[3]uint64]*knapsack{}}
	if l.g == nil {
		S, T := 0, 1
		cl0 := 2
		H := cl0 + nCl
		sg0 := H + 1
		fa0 := sg0 + nw.nSig
		// As in model.build: a node for the facilities households may go
		// to (those with a pool), one arc signature → comune for the others.
		var nNodes int
		l.node, nNodes = nw.facilityNodes(fa0)
		co0 := fa0 + nNodes
		g := newMCF(co0+nC, len(m.g.to)/2+nF)
		l.g, l.h, l.arcs = g, H, make([][]int, nF)
		l.sigFac, l.facOut = make([]int, nF), make([]int, nF)
		for f := range nF {
			l.sigFac[f], l.facOut[f] = -1, -1
		}
		for c, members := range nw.classes {
			n := int64(len(members))
			l.need += n
			g.addArc(S, cl0+c, n, 0)
			g.addArc(cl0+c, T, n, w.Unplaced*K)
			for s := range nw.nSig {
				if nw.sigAccepts[s][c] {
					g.addArc(cl0+c, sg0+s, n, 0)
				}
			}
		}
		var cost []int64
		for f := range nF {
			if len(l.compat[f]) == 0 {
				continue
			}
			free := in.Facilities[f].Free
			cost = slices.Grow(cost[:0], free)[:free]
			unitCosts(l.cached(p.table, f, mu, -1), cost)
			for _, c := range cost {
				l.arcs[f] = append(l.arcs[f], g.addArc(H, l.node[f], 1, c))
			}
			l.pool += int64(free)
		}
		g.addArc(S, H, l.pool, 0)
		g.addArc(H, T, l.pool, lagrangeShift)
		l.need += l.pool
		nw.singleArcs(g, sg0, co0, l.node, w.Distance*K, func(f, in, out int) {
			l.sigFac[f], l.facOut[f] = in, out
		})
		for c := range in.Comuni {
			if nw.room[c] > 0 {
				g.addArc(co0+c, T, nw.room[c], 0)
			}
			g.addArc(co0+c, T, inf/4, w.OverGuideline*K)
		}
		// Each new multiplier moves units along the pool's unit arcs: one
		// search per path would be a search per unit.
		g.multi = true
		if sent, _ := g.solve(S, T, l.need); sent != l.need {
			return nil // cannot happen: everyone may stay unplaced
		}
	} else {
		var cost []int64
		for f, arcs := range l.arcs {
			if len(arcs) == 0 {
				continue
			}
			cost = slices.Grow(cost[:0], len(arcs))[:len(arcs)]
			unitCosts(l.cached(p.table, f, mu, -1), cost)
			for i, a := range arcs {
				l.g.setCost(a, cost[i])
			}
		}
		if !l.g.reoptimize() {
			return nil
		}
		l.g.checkpoint() // nothing to undo: keeps the log short
	}
	g, pool := l.g, l.pool
	p.g, p.h, p.node, p.arcs = g, l.h, l.node, l.arcs
	p.bound = g.flowCost() - lagrangeShift*pool
	p.sub = make([]float64, len(l.size))
	for k, n := range l.count {
		p.bound += mu[k] * n
		if unplaced := l.size[k] * w.Unplaced * K; unplaced < mu[k] {
			p.bound += n * (unplaced - mu[k]) // leaving them out pays
		} else {
			p.sub[k] = float64(n)
		}
	}
	p.patterns = map[int][]int64{}
	for f, arcs := range p.arcs {
		var load int64
		for _, a := range arcs {
			load += g.flow(a)
		}
		if load == 0 {
			continue
		}
		ks := l.cached(p.table, f, mu, -1)
		pts := envelope(ks.v)
		// The load lies on a segment: the subgradient interpolates its
		// patterns, the placement takes the nearer end.
		for i := 1; i < len(pts); i++ {
			a, b := int64(pts[i-1]), int64(pts[i])
			if load > b {
				continue
			}
			t := float64(load-a) / float64(b-a)
			for k := range l.size {
				p.sub[k] -= (1-t)*float64(ks.pattern[a][k]) + t*float64(ks.pattern[b][k])
			}
			if end := pts[i-1]; 2*(load-a) >= b-a {
				p.patterns[f] = ks.pattern[b]
			} else if end > 0 {
				p.patterns[f] = ks.pattern[end]
			}
			break
		}
	}
	return p
}

// placement turns the relaxation's patterns into a plan for the flow
// network: the households of each class the patterns take beyond its count
// leave the farthest facilities first, the missing ones go where pack's
// completion puts them.
func (l *lagrange) placement(p *lagrangePoint) [][3]int64 {
	m := l.m
	nw := m.nw
	count := map[int]int64{}
	room := map[int]int64{}
	left := slices.Clone(l.count)
	type at struct{ f, arc int }
	var where [][]at // per class: facilities holding some, nearest first
	where = make([][]at, len(l.size))
	for k := range nw.hhClasses {
		for _, a := range m.hhArcs[k] {
			f := a[1]
			room[f] = int64(nw.in.Facilities[f].Free)
			if pat := p.patterns[f]; pat != nil && pat[k] > 0 {
				where[k] = append(where[k], at{f, a[0]})
			}
		}
		slices.SortStableFunc(where[k], func(x, y at) int { return int(nw.km[x.f] - nw.km[y.f]) })
	}
	for k := range where {
		for _, w := range where[k] {
			n := min(p.patterns[w.f][k], left[k])
			count[w.arc] += n
			left[k] -= n
			room[w.f] -= n * l.size[k]
		}
	}
	return m.complete(count, room, left)
}

// fix removes, from the flow network m (at its root), the household arcs
// that Lagrangian reduced costs rule out for placements below best: by the
// flow's duality, a placement's cost is at least the bound plus, per
// facility, what its pattern costs beyond the relaxation's choice there
// (reduced costs of the pool's arcs, priced at the facility's potential),
// and the rest is not negative. Arcs are named by the facility's index in
// the instance the relaxation was built on (orig maps m's facilities to it).
func (l *lagrange) fix(p *lagrangePoint, mu []int64, best int64, m *model, orig []int, tighten bool) int {
	g := p.g
	gap := satSub(satMul(best, lagrangeScale), p.bound)
	banned := map[[2]int]bool{}
	for f, arcs := range p.arcs {
		if len(arcs) == 0 {
			continue
		}
		for _, k := range l.compat[f] {
			if p.beyond(f, l.cached(p.table, f, mu, k).v) >= gap {
				banned[[2]int{k, f}] = true
			}
		}
	}
	n := 0
	// The other arcs of a facility: unused, with a reduced cost that closes
	// the gap, they are out too — the single people's arc in, and the way
	// out to the comune (then no one goes there).
	for _, pair := range []struct {
		own   [][2]int // (arc, facility) in m
		inner []int    // per facility: the relaxation's arc
	}{{m.sigFac, l.sigFac}, {m.facOut, l.facOut}, {m.direct, l.facOut}} {
		for _, a := range pair.own {
			f := a[1]
			if orig != nil {
				f = orig[f]
			}
			ia := pair.inner[f]
			if g.flow(ia) == 0 && g.reduced(int32(ia), int(g.to[ia^1])) >= gap && m.g.capa[a[0]]+m.g.capa[a[0]^1] > 0 {
				m.g.atMost(a[0], 0)
				n++
			}
		}
	}
	for k := range m.nw.hhClasses {
		for _, a := range m.hhArcs[k] {
			f := a[1]
			if orig != nil {
				f = orig[f]
			}
			if banned[[2]int{k, f}] && m.g.capa[a[0]]+m.g.capa[a[0]^1] > 0 {
				m.g.atMost(a[0], 0)
				n++
			}
		}
	}
	if !tighten {
		return n
	}
	// The relaxation loses what is ruled out too: banned classes leave their
	// facilities' knapsacks, ruled-out arcs of single people close, and the
	// flow is re-optimised — a stronger bound on placements below best (for
	// good: so not for a search with a lower cutoff than the last one's).
	before := g.flowCost()
	var cost []int64
	for f, arcs := range p.arcs {
		kept := slices.DeleteFunc(slices.Clone(l.compat[f]), func(k int) bool { return banned[[2]int{k, f}] })
		if len(kept) == len(l.compat[f]) {
			continue
		}
		l.compat[f], l.mask[f] = kept, 0
		for _, k := range kept {
			l.mask[f] |= 1 << (k % 64)
		}
		cost = slices.Grow(cost[:0], len(arcs))[:len(arcs)]
		unitCosts(l.knapsack(f, mu, -1), cost)
		for i, a := range arcs {
			g.setCost(a, cost[i])
		}
	}
	for f := range l.sigFac {
		for _, ia := range []int{l.sigFac[f], l.facOut[f]} {
			if ia >= 0 && g.capa[ia] > 0 && g.flow(ia) == 0 && g.reduced(int32(ia), int(g.to[ia^1])) >= gap {
				g.atMost(ia, 0)
			}
		}
	}
	if g.reoptimize() {
		g.checkpoint()
		p.bound += g.flowCost() - before
	}
	p.cur = nil // the potentials moved
	return n
}

// beyond is the least that facility f's patterns, whose knapsack values are
// v, cost beyond the relaxation's choice there (scaled; inf: none fits):
// the pattern's value plus its load priced at f's potential, less what the
// pool's arcs into f carry at their reduced costs. By the flow's duality a
// placement costs at least the bound plus this at every facility.
func (p *lagrangePoint) beyond(f int, v []int64) int64 {
	g := p.g
	if p.cur == nil {
		p.cur = make([]int64, len(p.arcs))
		for f, arcs := range p.arcs {
			for _, a := range arcs {
				if fl := g.flow(a); fl > 0 {
					p.cur[f] += fl * g.reduced(int32(a), p.h)
				}
			}
		}
	}
	delta := lagrangeShift + g.pi[p.h] - g.pi[p.node[f]]
	least := inf
	for q, x := range v {
		if x < inf {
			least = min(least, x+int64(q)*delta-p.cur[f])
		}
	}
	return least
}

// lagrangeResult is what the Lagrangian phase proved. No evaluation (the
// deadline came first) is no bound at all: bounded is false.
type lagrangeResult struct {
	bounded     bool
	bound       int64 // the best evaluation's, scaled by lagrangeScale (valid when bounded)
	evaluations int
	// The best evaluation's multipliers and relaxation, for fixing and
	// penalties (nil when none, or when re-evaluating them failed: the bound
	// stands without them).
	mu    []int64
	point *lagrangePoint
}

// ceiling is the bound in cost units.
func (r lagrangeResult) ceiling() int64 { return ceilDiv(r.bound, lagrangeScale) }

// run improves the multipliers until the deadline, an iteration
// cap, or a bound that meets best; it returns the best bound (scaled) with
// its multipliers and point, and offers each point's placement to try.
func (l *lagrange) run(best int64, deadline time.Time, iterations int, try func(plan [][3]int64) int64) lagrangeResult {
	m := l.m
	g := m.g
	nH := len(l.size)
	mu := make([]int64, nH)
	hh0 := 2 + len(m.nw.classes)
	for k := range nH {
		// The flow's price of one more person of the class, per household.
		mu[k] = satMul(l.size[k]*(g.pi[m.t]-g.pi[hh0+k]), lagrangeScale)
	}
	l.clamp(mu)
	var bestMu []int64
	var bestPoint *lagrangePoint
	bestBound, evaluations := int64(0), 0 // bestBound is valid once evaluations > 0
	// First the subgradient method: Polyak's step times theta, halved after
	// five steps without a better bound — it wanders near feasible
	// multipliers, where the placements are good. Then the box-step method on
	// the cuts of every step so far: it converges to the best bound in a few
	// dozen steps where the subgradient crawls. Only on large networks: on
	// small ones a step is cheap and the box-step's LP is not (gonum's
	// simplex refactors its basis at each pivot), so they take
	// lagrangeSubgradientOnly subgradient steps (measured: BENCHMARKS.md, "Tuning measurements").
	if !l.box {
		iterations = min(iterations, lagrangeSubgradientOnly)
	}
	theta, stale := 1.0, 0
	var cuts []cut
	pred, onEdge, prevBound := math.Inf(-1), false, int64(0)
	delta := 1.0 // the box's half-width, in cost units per household
	for k := range mu {
		delta = max(delta, 0.05*math.Abs(float64(mu[k]))/lagrangeScale)
	}
	var last []int64 // the multipliers the network is at
	for it := 0; it < iterations && time.Now().Before(deadline); it++ {
		p := l.evaluate(mu)
		last = slices.Clone(mu)
		if p == nil {
			break
		}
		evaluations++
		if c := try(l.placement(p)); c < best {
			best = c
		}
		if evaluations == 1 || p.bound > bestBound {
			bestBound, bestMu, bestPoint, stale = p.bound, slices.Clone(mu), p, 0
		} else if stale++; stale >= 5 {
			theta, stale = theta/2, 0
		}
		if ceilDiv(bestBound, lagrangeScale) >= best {
			break
		}
		var norm float64
		for _, s := range p.sub {
			norm += s * s
		}
		if norm == 0 {
			break // the patterns place every class exactly: nothing to gain
		}
		cuts = append(cuts, cut{mu: scaleDown(last), l: float64(p.bound) / lagrangeScale, g: slices.Clone(p.sub)})
		if it < lagrangeSubgradient || !l.box {
			step := theta * float64(satSub(satMul(best, lagrangeScale), p.bound)) / norm
			for k := range mu {
				mu[k] = satAdd(mu[k], int64(max(-muMax, min(muMax, math.Round(step*p.sub[k])))))
			}
			l.clamp(mu)
			continue
		}
		// A box-step that gained enough, from the edge of its box, earns a
		// larger box.
		if pred > math.Inf(-1) && onEdge && float64(p.bound-prevBound) > 0.1*(pred*lagrangeScale-float64(prevBound)) {
			delta *= 2
		}
		prevBound = bestBound
		var next []float64
		next, pred, onEdge = boxStep(cuts[max(0, len(cuts)-lagrangeCuts):], scaleDown(bestMu), delta)
		if next == nil || pred-float64(bestBound)/lagrangeScale < 0.01 {
			break // the model sees nothing better in the box: by concavity, nowhere
		}
		for k := range mu {
			mu[k] = int64(max(-muMax, min(muMax, math.Round(next[k]*lagrangeScale))))
		}
		l.clamp(mu)
	}
	res := lagrangeResult{bounded: evaluations > 0, bound: bestBound, evaluations: evaluations}
	if bestPoint != nil && !slices.Equal(last, bestMu) {
		// The network has moved on: back to the best multipliers, whose
		// potentials fixing and penalties read.
		bestPoint = l.evaluate(bestMu)
		if bestPoint == nil || bestPoint.bound != bestBound {
			return res
		}
	}
	res.mu, res.point = bestMu, bestPoint
	return res
}

// muMax bounds a multiplier per person: the pool's arcs cost a slope of
// the envelope, at least -muMax, plus lagrangeShift, so they stay positive
// — the flow's solve needs non-negative costs (with a cost per person of
// 10^12, an instance Validate accepts, the first evaluation's Dijkstra
// never ended). Any multipliers give a bound; only their search is
// limited, and then only where a person's cost, scaled, exceeds muMax
// (weights of 10^8 and more).
const muMax = float64(lagrangeShift / 4)

// clamp keeps each class's multiplier within ± muMax per person.
func (l *lagrange) clamp(mu []int64) {
	for k, size := range l.size {
		lim := size * int64(muMax)
		mu[k] = max(-lim, min(lim, mu[k]))
	}
}

// penalties bound a branch-and-bound node from the Lagrangian relaxation:
// the bound plus, for each facility some branch has restricted, the least
// its patterns within the restrictions cost beyond the relaxation's choice
// there (as in fix; the other facilities add at least nothing).
type penalties struct {
	l        *lagrange
	p        *lagrangePoint
	mu       []int64
	orig     []int                   // m's facilities in the relaxation's instance (nil: the same)
	arcsAt   [][][2]int              // per facility of m: (class, arc)
	cache    map[string]*restriction // by limits' key
	lo, hi   []int64                 // limits' bounds
	key      []byte                  // limits' key
	rootFlow int64                   // the relaxation's flow cost at p
	baseHi   []int64                 // per arc of m: a household arc's upper bound at the search's root
	withArcs []int                   // the facilities of m with household arcs, in order
}

func (l *lagrange) penalties(p *lagrangePoint, mu []int64, m *model, orig []int) *penalties {
	pe := &penalties{l: l, p: p, mu: mu, orig: orig, arcsAt: make([][][2]int, len(m.nw.in.Facilities)),
		cache: map[string]*restriction{}, rootFlow: l.g.flowCost()}
	pe.baseHi = make([]int64, len(m.g.to))
	for k := range m.nw.hhClasses {
		for _, a := range m.hhArcs[k] {
			if len(pe.arcsAt[a[1]]) == 0 {
				pe.withArcs = append(pe.withArcs, a[1])
			}
			pe.arcsAt[a[1]] = append(pe.arcsAt[a[1]], [2]int{k, a[0]})
			pe.baseHi[a[0]] = m.g.fixed[a[0]] + m.g.capa[a[0]] + m.g.capa[a[0]^1]
		}
	}
	slices.Sort(pe.withArcs)
	return pe
}

// restrictedSet lists the facilities of m whose household arcs carry, in
// m's flow now, bounds the relaxation does not have: lower bounds, and upper
// bounds below the root's — from branching, from reduced-cost fixing at the
// node, and from orbits forbidden whole.
func (pe *penalties) restrictedSet(m *model) []int {
	g := m.g
	var fs []int
	for _, f := range pe.withArcs {
		for _, ka := range pe.arcsAt[f] {
			a := ka[1]
			if g.fixed[a] > 0 || g.fixed[a]+g.capa[a]+g.capa[a^1] < pe.baseHi[a] {
				fs = append(fs, f)
				break
			}
		}
	}
	return fs
}

// limits reads the bounds facility f's household arcs carry in m's flow now
// (between pe.lo and pe.hi households of each class) and returns a key
// naming the case (valid until the next call); fo is f in the relaxation's
// instance.
func (pe *penalties) limits(m *model, f int) (fo int, key []byte) {
	g := m.g
	fo = f
	if pe.orig != nil {
		fo = pe.orig[f]
	}
	nH := len(pe.l.size)
	pe.lo, pe.hi = slices.Grow(pe.lo[:0], nH)[:nH], slices.Grow(pe.hi[:0], nH)[:nH]
	clear(pe.lo)
	clear(pe.hi)
	buf := binary.AppendUvarint(pe.key[:0], uint64(fo))
	for _, ka := range pe.arcsAt[f] {
		k, a := ka[0], ka[1]
		s := pe.l.size[k]
		pe.lo[k] = g.fixed[a] / s
		pe.hi[k] = (g.fixed[a] + g.capa[a] + g.capa[a^1]) / s
		buf = binary.AppendUvarint(binary.AppendUvarint(buf, uint64(pe.lo[k])), uint64(pe.hi[k]))
	}
	pe.key = buf
	return fo, buf
}

// restriction is facility fo's knapsack under one case of bounds, with what
// the bounds give: computed once per case (a search meets the same cases at
// many nodes).
type restriction struct {
	v      []int64 // V(q) for q = 0..free (inf: no pattern)
	q0     int     // the least q with a pattern (-1: none)
	cost   []int64 // exact's costs of the pool's arcs into fo (nil: not yet)
	pen    int64   // beyond's figure (pen; valid when penned)
	penned bool
}

// restricted is facility f's restriction under the bounds its arcs carry in
// m's flow now.
func (pe *penalties) restricted(m *model, f int) (int, *restriction) {
	fo, key := pe.limits(m, f)
	if r, ok := pe.cache[string(key)]; ok {
		return fo, r
	}
	v := fill(pe.l.m.nw.in.Facilities[fo].Free, pe.l.size, pe.mu, pe.lo, pe.hi, false).v
	r := &restriction{v: v, q0: slices.IndexFunc(v, func(x int64) bool { return x < inf })}
	pe.cache[string(key)] = r
	return fo, r
}

// pen is what facility f of m (with the bounds its arcs carry in m's flow
// now) adds to the bound, scaled.
func (pe *penalties) pen(m *model, f int) int64 {
	fo, r := pe.restricted(m, f)
	if !r.penned {
		r.pen, r.penned = pe.p.beyond(fo, r.v), true
	}
	return r.pen
}

// exact is the relaxation solved for the node m's flow is at: the knapsacks
// of its restricted facilities (restrictedSet) under the node's bounds replace theirs in the
// flow, which is re-optimised from the relaxation's and then restored. It
// is at least bound (which prices the same changes at the relaxation's
// potentials) and costs a re-optimisation, so the search asks it once per
// node it expands rather than per child. In cost units; MaxInt64 when a
// facility has no pattern left.
func (pe *penalties) exact(m *model) int64 {
	g := pe.l.g
	g.checkpoint()
	defer g.restore()
	const forceCost = lagrangeShift / 2 // less than the pool's way to T by far more than any cost: always taken
	var forced int64
	for _, f := range pe.restrictedSet(m) {
		fo, r := pe.restricted(m, f)
		if r.q0 < 0 {
			return math.MaxInt64
		}
		arcs := pe.l.arcs[fo]
		if r.cost == nil {
			r.cost = make([]int64, len(arcs))
			// The first q0 places are forced (the node's lower bounds):
			// they share V(q0), rounded down; then V's envelope from q0.
			unitCosts(&knapsack{v: r.v[r.q0:]}, r.cost[r.q0:])
			for q := range r.q0 {
				r.cost[q] = floorDiv(r.v[r.q0], int64(r.q0)) + lagrangeShift - forceCost
			}
		}
		forced += int64(r.q0) * forceCost
		for i, a := range arcs {
			g.setCost(a, r.cost[i])
		}
	}
	if !g.reoptimize() {
		return math.MaxInt64
	}
	return ceilDiv(satAdd(satSub(satAdd(pe.p.bound, g.flowCost()), pe.rootFlow), forced), lagrangeScale)
}

// bound of the node whose restricted facilities are touched, in cost units.
func (pe *penalties) bound(m *model, touched map[int]bool) int64 {
	sum := pe.p.bound
	for f := range touched {
		if p := pe.pen(m, f); p >= inf {
			return math.MaxInt64 // no pattern fits: infeasible
		} else {
			sum = satAdd(sum, p)
		}
	}
	return ceilDiv(sum, lagrangeScale)
}

// cut is one evaluation of the relaxation: L(mu') <= l + g·(mu' - mu), by
// concavity (in cost units per household).
type cut struct {
	mu, g []float64
	l     float64
}

func scaleDown(mu []int64) []float64 {
	r := make([]float64, len(mu))
	for i, x := range mu {
		r[i] = float64(x) / lagrangeScale
	}
	return r
}

// boxStep maximises the cutting-plane model of L (the least of the cuts)
// within the box of half-width delta around center (Marsten, Hogan &
// Blankenship, "The boxstep method for large-scale optimization", 1975), a
// linear program of a dozen columns solved by gonum's simplex: the next
// multipliers, the model's value there, and whether they lie on the box's
// edge. Nil when the simplex fails.
func boxStep(cuts []cut, center []float64, delta float64) ([]float64, float64, bool) {
	n, m := len(center), len(cuts)
	ref := cuts[0].l
	for _, c := range cuts {
		ref = max(ref, c.l)
	}
	// Standard form, every variable non-negative: t = t⁺ - t⁻ is the model's
	// value less ref, mu = center - delta + y with y + s = 2 delta, and each
	// cut t ≤ l - ref + g·(mu - mu_i) gets a slack r_i.
	cols := 2 + 2*n + m
	A := mat.NewDense(n+m, cols, nil)
	b := make([]float64, n+m)
	for k := range n {
		A.Set(k, 2+k, 1)
		A.Set(k, 2+n+k, 1)
		b[k] = 2 * delta
	}
	// t is measured from the least cut at y = 0, so that y = 0, t = 0 and
	// the slacks are a feasible basis (no phase one, which was most of the
	// simplex's time).
	low := math.Inf(1)
	for i, c := range cuts {
		rhs := c.l - ref
		for k := range n {
			rhs += c.g[k] * (center[k] - delta - c.mu[k])
		}
		b[n+i] = rhs
		low = min(low, rhs)
	}
	basis := make([]int, 0, n+m)
	for k := range n {
		basis = append(basis, 2+n+k)
	}
	for i, c := range cuts {
		row := n + i
		A.Set(row, 0, 1)
		A.Set(row, 1, -1)
		for k := range n {
			A.Set(row, 2+k, -c.g[k])
		}
		A.Set(row, 2+2*n+i, 1)
		b[row] -= low
		basis = append(basis, 2+2*n+i)
	}
	obj := make([]float64, cols)
	obj[0], obj[1] = -1, 1
	f, x, err := lp.Simplex(obj, A, b, 1e-9, basis)
	if err != nil {
		return nil, 0, false
	}
	f -= low
	mu := make([]float64, n)
	edge := false
	for k := range n {
		mu[k] = center[k] - delta + x[2+k]
		if x[2+k] < 1e-6*delta || x[2+k] > 2*delta*(1-1e-6) {
			edge = true
		}
	}
	return mu, ref - f, edge
}
