package alloc

import (
	"math"
	"math/rand/v2"
	"time"
)

// anneal is a primal heuristic that moves whole households, several at a
// time over its course, where the searches fix one arc at a time.
//
// Any two flows differ in cost by the sum, over the arcs, of each arc's
// reduced cost (at any potentials) times the difference of its flows. So,
// with the single people held where the starting placement (start) puts
// them, moving one household changes the cost by a few terms: its two arcs,
// its two facilities' ways out, their comuni's room and overflow arcs.
// Simulated annealing (Kirkpatrick, Gelatt & Vecchi 1983) minimises that
// cost over the households' facilities, by moving one household or swapping
// two of different sizes between facilities; the best placement it meets
// is then tried with the single people re-optimised around it (tryPlan),
// which costs no more. At the root's potentials every term of a placement's
// cost beyond the root's is at least zero, so an arc whose reduced cost for
// one household is limit (the incumbent's distance to the root's cost) or
// more is in no better placement and is left out.
//
// On the family-heavy national batches the optimum is often a different
// exact filling of the same facilities, or one that pays a comune's
// overflow to fill them (nation-16-fam-it: a place left empty and five
// people over the guideline, 60 above the root's cost), which the searches,
// one household arc at a time, reach slowly or not at all.
//
// Households move only between facilities: one the start leaves unplaced
// may be placed, none is unplaced by a move (its class's unplaced arc is the
// last of its arcs, which moves skip). It returns the best plan met (class,
// arc, flow), and its cost minus the start's (at most 0), after moves moves
// or at the deadline; stats counts the moves.
func (m *model) anneal(root, start flowState, limit int64, moves int, seed uint64, deadline time.Time, stats *SolveStats) ([][3]int64, int64) {
	g, nw := m.g, m.nw
	in := nw.in
	type facility struct {
		r      int64 // reduced cost of the way out, per person
		room   int64 // places for households beside the single people
		load   int64 // households' people now
		comune int
	}
	type comune struct {
		room, roomRC, overRC int64 // the room arc's capacity and reduced costs of both arcs
		roomFlow, overFlow   int64 // the starting placement's flows on them
		change               int64 // households' people now minus at the start
	}
	type arc struct {
		arc, fac int // fac -1: unplaced
		rc       int64
	}
	var facs []facility
	facIdx := map[int]int{}
	comIdx := map[int]int{}
	var coms []comune
	var comArcs [][2]int // per comune: room arc, overflow arc (-1: none)
	arcs := make([][]arc, len(nw.hhClasses))
	arcOf := make([][]int32, len(nw.hhClasses)) // per class: facility index → arc index (-1: none)
	count := make([][]int64, len(nw.hhClasses))
	// Reduced costs at the root's potentials, flows at the start.
	g.load(root)
	rc := func(a int) int64 { return g.reduced(int32(a), int(g.to[a^1])) }
	for _, a := range m.facOut {
		f, out := a[1], a[0]
		node := int(g.to[out])
		c, ok := comIdx[node]
		if !ok {
			c = len(coms)
			comIdx[node] = c
			coms = append(coms, comune{})
			comArcs = append(comArcs, [2]int{-1, -1})
		}
		facIdx[f] = len(facs)
		facs = append(facs, facility{r: rc(out), room: int64(in.Facilities[f].Free), comune: c})
	}
	for a := 0; a < len(g.to); a += 2 {
		c, ok := comIdx[int(g.to[a^1])]
		if !ok || int(g.to[a]) != m.t {
			continue
		}
		if ca := &comArcs[c]; g.cost[a] == 0 && ca[0] < 0 { // the room (free) before the overflow
			coms[c].room, coms[c].roomRC, ca[0] = g.capa[a]+g.capa[a^1], rc(a), a
		} else {
			coms[c].overRC, ca[1] = rc(a), a
		}
	}
	for k := range nw.hhClasses {
		size := m.size(k)
		for _, a := range m.hhArcs[k] {
			arcs[k] = append(arcs[k], arc{a[0], facIdx[a[1]], rc(a[0]) * size})
		}
		arcs[k] = append(arcs[k], arc{m.hhOut[k], -1, rc(m.hhOut[k]) * size})
	}
	g.load(start)
	for _, a := range m.sigFac {
		if i, ok := facIdx[a[1]]; ok {
			facs[i].room -= g.flow(a[0]) // the single people stay
		}
	}
	for c, ca := range comArcs {
		if ca[0] >= 0 {
			coms[c].roomFlow = g.flow(ca[0])
		}
		if ca[1] >= 0 {
			coms[c].overFlow = g.flow(ca[1])
		}
	}
	type household struct{ k, at int }
	var hs []household
	for k := range arcs {
		size := m.size(k)
		kept := arcs[k][:0]
		arcOf[k] = make([]int32, len(facs))
		for i := range arcOf[k] {
			arcOf[k][i] = -1
		}
		for _, a := range arcs[k] {
			n := g.flow(a.arc) / size
			if a.fac >= 0 && n == 0 && a.rc >= limit {
				continue // no placement below the limit uses it (reduced costs; see above)
			}
			if a.fac >= 0 {
				arcOf[k][a.fac] = int32(len(kept))
				facs[a.fac].load += n * size
			}
			for range n {
				hs = append(hs, household{k, len(kept)})
			}
			kept = append(kept, a)
			count[k] = append(count[k], n)
		}
		arcs[k] = kept
	}
	g.load(root)
	// psi: the comune's arcs' share at a change d of its households' people.
	psi := func(c *comune, d int64) int64 {
		load := c.roomFlow + c.overFlow + d
		room := min(load, c.room)
		return c.roomRC*(room-c.roomFlow) + c.overRC*(load-room-c.overFlow)
	}
	var sum int64 // the placement's cost minus the start's
	// comuneDelta: what moving people d into facility a's comune and out of
	// b's (−1: none) adds.
	comuneDelta := func(to, from int, d int64) int64 {
		var delta int64
		ct, cf := -1, -1
		if to >= 0 {
			ct = facs[to].comune
		}
		if from >= 0 {
			cf = facs[from].comune
		}
		if ct == cf {
			return 0
		}
		if ct >= 0 {
			c := &coms[ct]
			delta += psi(c, c.change+d) - psi(c, c.change)
		}
		if cf >= 0 {
			c := &coms[cf]
			delta += psi(c, c.change-d) - psi(c, c.change)
		}
		return delta
	}
	move := func(h int, to int, d int64) {
		k, j := hs[h].k, hs[h].at
		size := m.size(k)
		count[k][j]--
		count[k][to]++
		hs[h].at = to
		if f := arcs[k][j].fac; f >= 0 {
			facs[f].load -= size
			coms[facs[f].comune].change -= size
		}
		if f := arcs[k][to].fac; f >= 0 {
			facs[f].load += size
			coms[facs[f].comune].change += size
		}
		sum += d
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	best := sum
	bestCount := make([][]int64, len(count))
	snapshot := func() {
		for k := range count {
			bestCount[k] = append(bestCount[k][:0], count[k]...)
		}
	}
	snapshot()
	if len(hs) < 2 {
		moves = 0
	}
	// The temperature falls geometrically from annealT0 to annealT1.
	temp, cool := annealT0, math.Pow(annealT1/annealT0, 1/float64(max(1, moves)))
	// step makes one random move, or none; true when it moved.
	step := func() bool {
		accept := func(d int64) bool {
			return d <= 0 || rng.Float64() < math.Exp(-float64(d)/temp)
		}
		h := rng.IntN(len(hs))
		k, j := hs[h].k, hs[h].at
		size := m.size(k)
		from := arcs[k][j].fac
		if rng.IntN(2) == 0 {
			if len(arcs[k]) < 2 {
				return false
			}
			// One household to another facility.
			to := rng.IntN(len(arcs[k]) - 1)
			tf := arcs[k][to].fac
			if to == j || facs[tf].load+size > facs[tf].room {
				return false
			}
			d := arcs[k][to].rc - arcs[k][j].rc + facs[tf].r*size + comuneDelta(tf, from, size)
			if from >= 0 {
				d -= facs[from].r * size
			}
			if !accept(d) {
				return false
			}
			move(h, to, d)
			return true
		}
		// Two households of different sizes swap facilities.
		h2 := rng.IntN(len(hs))
		k2, j2 := hs[h2].k, hs[h2].at
		size2 := m.size(k2)
		f2 := arcs[k2][j2].fac
		if size2 == size || from < 0 || f2 < 0 || from == f2 {
			return false
		}
		to, to2 := int(arcOf[k][f2]), int(arcOf[k2][from])
		if to < 0 || to2 < 0 || facs[from].load-size+size2 > facs[from].room || facs[f2].load-size2+size > facs[f2].room {
			return false
		}
		d := arcs[k][to].rc - arcs[k][j].rc + arcs[k2][to2].rc - arcs[k2][j2].rc +
			(facs[f2].r-facs[from].r)*(size-size2) + comuneDelta(f2, from, size-size2)
		if !accept(d) {
			return false
		}
		move(h, to, 0)
		move(h2, to2, d)
		return true
	}
	for it := range moves {
		if it%4096 == 0 && time.Now().After(deadline) {
			break
		}
		temp *= cool
		stats.AnnealMoves++
		if step() && sum < best {
			best = sum
			snapshot()
		}
	}
	var plan [][3]int64
	for k := range arcs {
		size := m.size(k)
		for j, a := range arcs[k] {
			if n := bestCount[k][j]; n > 0 {
				plan = append(plan, [3]int64{int64(k), int64(a.arc), n * size})
			}
		}
	}
	return plan, best
}

// The annealing's schedule: its first and last temperatures, in units of
// cost (from 20 to 0.2, nation-16-fam-it ended 560–970 above its optimum;
// from 100 to 0.5, 0–110); the moves of a round, per household and at
// most (about 50 ms on a regional or national batch: region-1-fam, 51
// households, reaches its optimum in four rounds of 10⁶ moves from 3 seeds
// of 4, of 5 × 10⁵ from 1 of 6); and the rounds.
const (
	annealT0                = 100.0
	annealT1                = 0.5
	annealMovesPerHousehold = 20_000
	annealMoves             = 1_000_000
	annealRounds            = 4
)
