package alloc

import (
	"encoding/binary"
	"hash/fnv"
	"sort"
)

// round is a primal heuristic: it turns the node's flow into whole
// households — per class, the whole households each arc carries, then the
// rest to the arcs with the largest fractions where they fit, else unplaced —
// fixes those counts and re-optimises the single people around them. It
// returns the cost of that placement, or false when it does not fit.
func (m *model) round() (int64, bool) {
	g, in := m.g, m.nw.in
	var plan [][3]int64 // class, arc, flow
	room := make(map[int]int64)
	for c := range m.nw.hhClasses {
		size := m.size(c)
		for _, a := range m.hhArcs[c] {
			if _, ok := room[a[1]]; !ok {
				room[a[1]] = int64(in.Facilities[a[1]].Free)
			}
			room[a[1]] -= g.flow(a[0]) / size * size
		}
	}
	type part struct {
		arc, f   int
		count    int64
		fraction int64
	}
	for c, ks := range m.nw.hhClasses {
		size := m.size(c)
		parts := []part{{m.hhOut[c], -1, g.flow(m.hhOut[c]) / size, g.flow(m.hhOut[c]) % size}}
		for _, a := range m.hhArcs[c] {
			if fl := g.flow(a[0]); fl > 0 {
				parts = append(parts, part{a[0], a[1], fl / size, fl % size})
			}
		}
		left := int64(len(ks))
		for _, p := range parts {
			left -= p.count
		}
		sort.SliceStable(parts[1:], func(i, j int) bool { return parts[1+i].fraction > parts[1+j].fraction })
		for i := 1; i < len(parts) && left > 0; i++ {
			if p := &parts[i]; p.fraction > 0 && room[p.f] >= size {
				p.count++
				room[p.f] -= size
				left--
			}
		}
		// The rest to the nearest facility with room, before leaving anyone out.
		planned := map[int]int64{}
		for _, p := range parts {
			planned[p.arc] = p.count
		}
		for left > 0 {
			bestA, bestF := -1, -1
			for _, a := range m.hhArcs[c] {
				// What the arc may still carry in this node (branching and
				// reduced-cost fixing respected), and the facility's room.
				capacity := g.fixed[a[0]] + g.capa[a[0]] + g.capa[a[0]^1]
				if capacity-planned[a[0]]*size >= size && room[a[1]] >= size && (bestF < 0 || m.nw.km[a[1]] < m.nw.km[bestF]) {
					bestA, bestF = a[0], a[1]
				}
			}
			if bestA < 0 {
				break
			}
			if _, ok := planned[bestA]; !ok {
				parts = append(parts, part{bestA, bestF, 0, 0})
			}
			for i := range parts {
				if parts[i].arc == bestA {
					parts[i].count++
				}
			}
			planned[bestA]++
			room[bestF] -= size
			left--
		}
		parts[0].count += left
		for _, p := range parts {
			if p.count > 0 {
				plan = append(plan, [3]int64{int64(c), int64(p.arc), p.count * size})
			}
		}
	}
	return m.tryPlan(plan)
}

// tryPlan fixes the household arcs to the plan's flows (class, arc, flow)
// and re-optimises the single people around them: the cost of that
// placement, or false when it does not fit or was tried before.
func (m *model) tryPlan(plan [][3]int64) (int64, bool) {
	g := m.g
	// Household arcs are all fixed by the plan and branching touches no
	// other arc, so the single people's flow around it is the same at every
	// node: a plan tried before gives nothing new (most nodes of a subtree
	// round alike).
	h := fnv.New64a()
	var buf [24]byte
	for _, p := range plan {
		for i, x := range p {
			binary.LittleEndian.PutUint64(buf[8*i:], uint64(x))
		}
		h.Write(buf[:])
	}
	key := h.Sum64()
	if m.rounded == nil {
		m.rounded = map[uint64]bool{}
	}
	if m.rounded[key] {
		return 0, false
	}
	m.rounded[key] = true
	for c := range m.nw.hhClasses {
		for _, a := range m.hhArcs[c] {
			g.setFlow(a[0], 0)
		}
		g.setFlow(m.hhOut[c], 0)
	}
	for _, p := range plan {
		g.setFlow(int(p[1]), p[2])
	}
	if !g.reoptimize() {
		return 0, false
	}
	return g.flowCost(), true
}

// Diving orders: which fractional household arc a dive rounds up next.
var diveOrders = []func(m *model, flow, rem, size int64, f int) float64{
	func(m *model, flow, rem, size int64, f int) float64 { return float64(rem) / float64(size) }, // nearest to whole
	func(m *model, flow, rem, size int64, f int) float64 { return float64(flow) },                // most people
	func(m *model, flow, rem, size int64, f int) float64 { return -float64(m.nw.km[f]) },         // nearest facility
	func(m *model, flow, rem, size int64, f int) float64 { // largest households, then nearest to whole
		return float64(size) + float64(rem)/float64(size)
	},
}

// dive is a primal heuristic: from the node's flow, one fractional
// household arc at a time (the first by order) gets one more whole household
// (or, when that is infeasible, no more than those it carries) and the flow
// is re-optimised, until the flow is a placement or costs best or more. It
// returns the placement's cost. Each order finds placements the others miss,
// nearer the optimum than the roundings: the search then starts from a
// cutoff that reduced costs can use. A dive costs about as many
// re-optimisations as there are households.
func (m *model) dive(order func(m *model, flow, rem, size int64, f int) float64, best int64) (int64, bool) {
	g := m.g
	touched := map[int]bool{}
	for g.flowCost() < best {
		k, arc, f := -1, -1, -1
		var score float64
		for c := range m.nw.hhClasses {
			size := m.size(c)
			for _, a := range m.hhArcs[c] {
				fl := g.flow(a[0])
				if fl%size == 0 {
					continue
				}
				if sc := order(m, fl, fl%size, size, a[1]); arc < 0 || sc > score {
					k, arc, f, score = c, a[0], a[1], sc
				}
			}
		}
		if arc < 0 {
			// Whole on every facility's arc; the unplaced arcs' flows sum
			// to whole households with the rest, so they are whole too.
			return g.flowCost(), true
		}
		g.checkpoint()
		if !m.branchOn(k, arc, f, true, touched) {
			g.restore()
			if !m.branchOn(k, arc, f, false, touched) {
				return 0, false
			}
		}
		touched[f] = true
	}
	return 0, false
}

// pack is a primal heuristic that rounds by facility rather than by class:
// the facilities the node's flow sends households to, nearest first, each
// take the whole households (of those still to place, of the classes that
// reach it) whose sizes sum nearest to the household load the flow gives it,
// within its free places — the relaxation splits households to fill near
// facilities exactly, and a placement fills them with households that fit
// together. The rest go to the nearest facility with room, else unplaced;
// the single people are re-optimised around them (tryPlan).
func (m *model) pack(agree bool) (int64, bool) {
	g, nw := m.g, m.nw
	in := nw.in
	nH := len(nw.hhClasses)
	left := make([]int64, nH)
	count := make(map[int]int64) // households planned per arc
	room := make(map[int]int64)
	load := make(map[int]int64)
	type inArc struct{ c, arc int }
	arcsTo := make(map[int][]inArc)
	capacity := func(a int) int64 { return g.fixed[a] + g.capa[a] + g.capa[a^1] }
	for c, ks := range nw.hhClasses {
		left[c] = int64(len(ks))
		size := m.size(c)
		for _, a := range m.hhArcs[c] {
			f := a[1]
			if _, ok := room[f]; !ok {
				room[f] = int64(in.Facilities[f].Free)
			}
			arcsTo[f] = append(arcsTo[f], inArc{c, a[0]})
			load[f] += g.flow(a[0])
			// Lower bounds of the node first.
			if lo := g.fixed[a[0]] / size; lo > 0 {
				count[a[0]] += lo
				left[c] -= lo
				room[f] -= lo * size
			}
		}
	}
	var fs []int
	for f, l := range load {
		if l > 0 {
			fs = append(fs, f)
		}
	}
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		return nw.km[a] < nw.km[b] || nw.km[a] == nw.km[b] && a < b
	})
	for _, f := range fs {
		r := room[f]
		if r <= 0 {
			continue
		}
		// Subset sums of the households that may go to f: pick[q] is the
		// count per class of one way to reach q — with agree, the way that
		// agrees most with the flow (value[q]: the households the flow
		// sends to f that it takes, a fraction for the split one). Which
		// households fill f matters as much as how full: a class used up
		// here may be the only one that fills another facility exactly.
		pick := make([][]int64, r+1)
		value := make([]float64, r+1)
		pick[0] = make([]int64, nH)
		for _, ia := range arcsTo[f] {
			size := m.size(ia.c)
			n := min(left[ia.c], (capacity(ia.arc)-count[ia.arc]*size)/size)
			share := float64(g.flow(ia.arc)-g.fixed[ia.arc]) / float64(size) // households the flow adds on the arc
			for j := range n {
				v := min(1, max(0, share-float64(j))) - 1e-3 // a household nobody sends here: a little less than none
				for q := r; q >= size; q-- {
					if pick[q-size] != nil && (pick[q] == nil || agree && value[q-size]+v > value[q]+1e-9) {
						if pick[q] == nil {
							pick[q] = make([]int64, nH)
						}
						copy(pick[q], pick[q-size])
						pick[q][ia.c]++
						value[q] = value[q-size] + v
					}
				}
			}
		}
		target := load[f] - (int64(in.Facilities[f].Free) - r) // what the flow adds beyond lower bounds
		bestQ := int64(0)
		for q := int64(1); q <= r; q++ {
			if pick[q] == nil {
				continue
			}
			d, bd := q-target, bestQ-target
			if d < 0 {
				d = -d
			}
			if bd < 0 {
				bd = -bd
			}
			if d < bd || d == bd && q > bestQ {
				bestQ = q
			}
		}
		if bestQ == 0 {
			continue
		}
		for _, ia := range arcsTo[f] {
			if n := pick[bestQ][ia.c]; n > 0 {
				k := min(n, (capacity(ia.arc)-count[ia.arc]*m.size(ia.c))/m.size(ia.c))
				count[ia.arc] += k
				left[ia.c] -= k
				pick[bestQ][ia.c] -= k
				room[f] -= k * m.size(ia.c)
			}
		}
	}
	return m.tryPlan(m.complete(count, room, left))
}

// complete ends a plan of household counts per arc: the households still to
// place (left, per class) go one by one to the nearest facility with room on
// an arc that may carry one more, else unplaced. It returns the plan as
// (class, arc, flow) for tryPlan.
func (m *model) complete(count, room map[int]int64, left []int64) [][3]int64 {
	g, nw := m.g, m.nw
	var plan [][3]int64
	for c := range nw.hhClasses {
		size := m.size(c)
		for left[c] > 0 {
			bestA, bestF := -1, -1
			for _, a := range m.hhArcs[c] {
				capacity := g.fixed[a[0]] + g.capa[a[0]] + g.capa[a[0]^1]
				if capacity-count[a[0]]*size >= size && room[a[1]] >= size && (bestF < 0 || nw.km[a[1]] < nw.km[bestF]) {
					bestA, bestF = a[0], a[1]
				}
			}
			if bestA < 0 {
				break
			}
			count[bestA]++
			room[bestF] -= size
			left[c]--
		}
		for _, a := range m.hhArcs[c] {
			if n := count[a[0]]; n > 0 {
				plan = append(plan, [3]int64{int64(c), int64(a[0]), n * size})
			}
		}
		if left[c] > 0 {
			plan = append(plan, [3]int64{int64(c), int64(m.hhOut[c]), left[c] * size})
		}
	}
	return plan
}
