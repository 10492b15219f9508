package alloc

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Placement: which facility each person or household of a group goes to.
//
// People of the same group and needs are interchangeable, so single people
// are classes with a supply, and facilities with the same accepted groups and
// features share a "signature" node: a class reaches a facility through the
// signature, which keeps the network small (classes × signatures + facilities
// arcs instead of classes × facilities). Distance is paid on the arc from a
// facility to its comune (from the signature to the comune when no household
// may go there: build); the comune's room under the guideline is a free arc
// to the sink and the rest a costly one (a convex cost, exact in a flow);
// leaving someone unplaced is an arc to the sink at the unplaced weight.
// Without households this flow is the exact optimum. Households (size ≥ 2)
// go whole to one facility: interchangeable ones (same size, group, needs)
// form a class node with an arc to each compatible facility, holding as many
// of them as fit; this flow is the LP relaxation of the integer program.
// Branch and bound on an arc whose flow is not a whole number of households
// (at least one more, or at most those it carries: lower and upper bounds in
// the flow) closes the gap, within a time limit, with the proven bound.

// network is the flow model of an instance, built once; a relaxation copies
// its capacities and applies a branch's fixings.
type network struct {
	in          *Instance
	km          []int64
	classes     [][]int // unit indices of each class of single people
	classKey    []string
	households  []int // unit indices of households
	signature   []int // per facility
	nSig        int
	sigAccepts  [][]bool // per signature × class
	room        []int64  // per comune index
	comuneOf    []int    // per facility
	householdFs [][]int  // per household: compatible facilities with room for it
	// hhClasses groups interchangeable households (same size, group and
	// needs; indices into households): the flow carries a class as a whole,
	// so branch and bound never tells two of them apart.
	hhClasses [][]int
	// class groups facilities that no placement can tell apart (signature,
	// free places, comune, distance): for branching they are one orbit.
	class   []int
	members [][]int
}

func buildNetwork(in *Instance) *network {
	nw := &network{in: in, km: make([]int64, len(in.Facilities)), signature: make([]int, len(in.Facilities)),
		comuneOf: make([]int, len(in.Facilities))}
	comune := map[string]int{}
	for i, c := range in.Comuni {
		comune[c.Code] = i
		nw.room = append(nw.room, c.Room())
	}
	sigs := map[string]int{}
	var sigFac []PlaceFacility
	for i, f := range in.Facilities {
		nw.km[i] = Km(in.Origin, f.Lat, f.Lon)
		nw.comuneOf[i] = comune[f.Comune]
		acc, feat := slices.Clone(f.Accepts), slices.Clone(f.Features)
		sort.Strings(acc)
		sort.Strings(feat)
		key := strings.Join(acc, ",") + "|" + strings.Join(feat, ",")
		s, ok := sigs[key]
		if !ok {
			s = len(sigs)
			sigs[key] = s
			sigFac = append(sigFac, f)
		}
		nw.signature[i] = s
	}
	nw.nSig = len(sigs)
	classOf := map[string]int{}
	for i, u := range in.Units {
		if u.Size >= 2 {
			nw.households = append(nw.households, i)
			continue
		}
		needs := slices.Clone(u.Needs)
		sort.Strings(needs)
		key := u.Group + "|" + strings.Join(needs, ",")
		c, ok := classOf[key]
		if !ok {
			c = len(nw.classes)
			classOf[key] = c
			nw.classes = append(nw.classes, nil)
			nw.classKey = append(nw.classKey, key)
		}
		nw.classes[c] = append(nw.classes[c], i)
	}
	nw.sigAccepts = make([][]bool, nw.nSig)
	for s := range nw.nSig {
		nw.sigAccepts[s] = make([]bool, len(nw.classes))
		for c, members := range nw.classes {
			nw.sigAccepts[s][c] = compatible(in.Units[members[0]], sigFac[s])
		}
	}
	classes := map[[4]int64]int{}
	nw.class = make([]int, len(in.Facilities))
	for i, f := range in.Facilities {
		k := [4]int64{int64(nw.signature[i]), int64(f.Free), int64(nw.comuneOf[i]), nw.km[i]}
		c, ok := classes[k]
		if !ok {
			c = len(nw.members)
			classes[k] = c
			nw.members = append(nw.members, nil)
		}
		nw.class[i] = c
		nw.members[c] = append(nw.members[c], i)
	}
	hhClass := map[string]int{}
	var classFs [][]int // per household class: compatible facilities with room for one
	for k, h := range nw.households {
		u := in.Units[h]
		needs := slices.Clone(u.Needs)
		sort.Strings(needs)
		key := fmt.Sprintf("%d|%s|%s", u.Size, u.Group, strings.Join(needs, ","))
		c, ok := hhClass[key]
		if !ok {
			c = len(nw.hhClasses)
			hhClass[key] = c
			nw.hhClasses = append(nw.hhClasses, nil)
			// Compatibility is the signature's: one test per signature.
			sigOK := make([]bool, nw.nSig)
			for sg := range nw.nSig {
				sigOK[sg] = compatible(u, sigFac[sg])
			}
			var fs []int
			for i, f := range in.Facilities {
				if f.Free >= u.Size && sigOK[nw.signature[i]] {
					fs = append(fs, i)
				}
			}
			classFs = append(classFs, fs)
		}
		nw.hhClasses[c] = append(nw.hhClasses[c], k)
		nw.householdFs = append(nw.householdFs, classFs[c])
	}
	return nw
}

// facilityNodes numbers, from base, the facilities some household may go
// to (-1: no node), and counts them. Only they need a node, where the
// households' arcs and the single people's share the free places; the others
// are one arc from their signature to their comune (singleArcs). Most
// facilities of a batch take single people only: without their nodes a
// shortest-path search settles a signature's comuni rather than each of its
// hundreds of facilities.
func (nw *network) facilityNodes(base int) ([]int, int) {
	node := make([]int, len(nw.in.Facilities))
	for f := range node {
		node[f] = -1
	}
	for _, ks := range nw.hhClasses {
		for _, f := range nw.householdFs[ks[0]] {
			node[f] = 0
		}
	}
	n := 0
	for f := range node {
		if node[f] == 0 {
			node[f] = base + n
			n++
		}
	}
	return node, n
}

// singleArcs adds the arcs by which single people reach the facilities with
// free places, paying distance × perKm: signature → facility → comune for a
// facility with a node, else one arc signature → comune, shared by the
// facilities of the same signature, comune and distance (its capacity their
// free places: parallel arcs would cost the same, and a search scans each).
// add(f, in, out) learns each facility's arcs (in == out: the shared arc).
func (nw *network) singleArcs(g *mcf, sg0, co0 int, node []int, perKm int64, add func(f, in, out int)) {
	shared := map[[3]int64]int{}
	for f, pf := range nw.in.Facilities {
		if pf.Free == 0 {
			continue
		}
		if node[f] < 0 {
			key := [3]int64{int64(nw.signature[f]), int64(nw.comuneOf[f]), nw.km[f]}
			a, ok := shared[key]
			if ok {
				g.capa[a] += int64(pf.Free)
			} else {
				a = g.addArc(sg0+nw.signature[f], co0+nw.comuneOf[f], int64(pf.Free), nw.km[f]*perKm)
				shared[key] = a
			}
			add(f, a, a)
			continue
		}
		in := g.addArc(sg0+nw.signature[f], node[f], int64(pf.Free), 0)
		add(f, in, g.addArc(node[f], co0+nw.comuneOf[f], int64(pf.Free), nw.km[f]*perKm))
	}
}

// model is the flow network of an instance with the arcs to read back.
type model struct {
	nw       *network
	g        *mcf
	s, t     int
	need     int64
	classSig [][2]int // arc, class×nSig+signature
	sigFac   [][2]int // arc the single people enter a facility by, facility
	facOut   [][2]int // arc facility → comune, facility (facilities with a node)
	direct   [][2]int // arc signature → comune, facility (facilities without a node, some sharing an arc: also in sigFac)
	hhArcs   [][][2]int
	hhOut    []int
	rounded  map[uint64]bool // the plans round has tried
	orig     []int           // a core's facilities in the instance it was cut from (nil: the same)
	arcSize  []int64         // per arc pair: the household size of a class's arc (0: not a household arc)
	seen     []int32         // scratch of fractionalSince, by stamp
	stamp    int32
	// faceMemoHits counts the fills faceFill skipped by its memo (tests).
	faceMemoHits int
}

func (nw *network) build() *model {
	in := nw.in
	nF, nC, nH := len(in.Facilities), len(in.Comuni), len(nw.hhClasses)
	nCl := len(nw.classes)
	// Nodes: S, T, classes, households, signatures, facilities (those with
	// a node: facilityNodes), comuni.
	S, T := 0, 1
	cl0 := 2
	hh0 := cl0 + nCl
	sg0 := hh0 + nH
	fa0 := sg0 + nw.nSig
	node, nNodes := nw.facilityNodes(fa0)
	co0 := fa0 + nNodes
	arcs := nCl*(nw.nSig+2) + nF + nNodes + 2*nC + 2*nH
	for _, ks := range nw.hhClasses {
		arcs += len(nw.householdFs[ks[0]])
	}
	g := newMCF(co0+nC, arcs)
	m := &model{nw: nw, g: g, s: S, t: T, hhArcs: make([][][2]int, nH), hhOut: make([]int, nH)}
	w := in.Weights
	for c, members := range nw.classes {
		n := int64(len(members))
		m.need += n
		g.addArc(S, cl0+c, n, 0)
		g.addArc(cl0+c, T, n, w.Unplaced)
		for s := range nw.nSig {
			if nw.sigAccepts[s][c] {
				m.classSig = append(m.classSig, [2]int{g.addArc(cl0+c, sg0+s, n, 0), c*nw.nSig + s})
			}
		}
	}
	g.fixLo = len(g.to) // the household arcs, the only ones with forced flow
	for k, ks := range nw.hhClasses {
		size, n := int64(in.Units[nw.households[ks[0]]].Size), int64(len(ks))
		m.need += n * size
		g.addArc(S, hh0+k, n*size, 0)
		m.hhOut[k] = g.addArc(hh0+k, T, n*size, w.Unplaced) // per person, like every arc
		for _, f := range nw.householdFs[ks[0]] {
			// As many of the class as the facility can hold whole.
			fit := min(n, int64(in.Facilities[f].Free)/size)
			m.hhArcs[k] = append(m.hhArcs[k], [2]int{g.addArc(hh0+k, node[f], fit*size, 0), f})
		}
	}
	g.fixHi = len(g.to)
	nw.singleArcs(g, sg0, co0, node, w.Distance, func(f, in, out int) {
		m.sigFac = append(m.sigFac, [2]int{in, f})
		if in == out {
			m.direct = append(m.direct, [2]int{in, f})
		} else {
			m.facOut = append(m.facOut, [2]int{out, f})
		}
	})
	for c := range in.Comuni {
		if nw.room[c] > 0 {
			g.addArc(co0+c, T, nw.room[c], 0)
		}
		g.addArc(co0+c, T, inf/4, w.OverGuideline)
	}
	m.arcSize = make([]int64, len(g.to)/2)
	m.seen = make([]int32, len(g.to)/2)
	for k := range nw.hhClasses {
		m.arcSize[m.hhOut[k]/2] = m.size(k)
		for _, a := range m.hhArcs[k] {
			m.arcSize[a[0]/2] = m.size(k)
		}
	}
	return m
}

// size of the households of class k.
func (m *model) size(k int) int64 {
	return int64(m.nw.in.Units[m.nw.households[m.nw.hhClasses[k][0]]].Size)
}

// extract turns an integral flow into assignments.
func (m *model) extract() ([]Assignment, []string) {
	nw, in, g := m.nw, m.nw.in, m.g
	var as []Assignment
	var unplaced []string
	// Singles: per signature, classes in and facilities out, matched in order.
	type part struct {
		who int
		n   int64
	}
	inflow := make([][]part, nw.nSig)
	outflow := make([][]part, nw.nSig)
	for _, a := range m.classSig {
		if fl := g.flow(a[0]); fl > 0 {
			c, s := a[1]/nw.nSig, a[1]%nw.nSig
			inflow[s] = append(inflow[s], part{c, fl})
		}
	}
	left := map[int]int64{} // what an arc facilities share still carries
	for _, a := range m.sigFac {
		fl, ok := left[a[0]]
		if !ok {
			fl = g.flow(a[0])
		}
		take := min(fl, int64(in.Facilities[a[1]].Free))
		left[a[0]] = fl - take
		if take > 0 {
			outflow[nw.signature[a[1]]] = append(outflow[nw.signature[a[1]]], part{a[1], take})
		}
	}
	next := make([]int, len(nw.classes))
	for s := range nw.nSig {
		j := 0
		for _, p := range inflow[s] {
			for range p.n {
				for outflow[s][j].n == 0 {
					j++
				}
				outflow[s][j].n--
				u := nw.classes[p.who][next[p.who]]
				next[p.who]++
				as = append(as, Assignment{Unit: in.Units[u].ID, Facility: in.Facilities[outflow[s][j].who].ID})
			}
		}
	}
	for c, members := range nw.classes {
		for _, u := range members[next[c]:] {
			unplaced = append(unplaced, in.Units[u].ID)
		}
	}
	for k, ks := range nw.hhClasses {
		size := int64(in.Units[nw.households[ks[0]]].Size)
		next := 0
		for _, a := range m.hhArcs[k] {
			for range g.flow(a[0]) / size {
				as = append(as, Assignment{Unit: in.Units[nw.households[ks[next]]].ID, Facility: in.Facilities[a[1]].ID})
				next++
			}
		}
		for _, h := range ks[next:] {
			unplaced = append(unplaced, in.Units[nw.households[h]].ID)
		}
	}
	return as, unplaced
}

// core returns the model to search for placements costing less than the
// root's cost plus gap, with the model at its root flow: the model itself,
// or one rebuilt on the facilities live leaves when that removes much of a
// large network (on a regional batch a rebuild — a network and a flow —
// costs more than its search saves), or when it is
// cheap (small instances, which the brute-force test thus solves on both
// networks).
func (m *model) core(gap, rootCost int64) (*model, error) {
	in := m.nw.in
	live := m.live(gap)
	if (len(live) >= len(in.Facilities)*6/10 || len(in.Facilities) < 3000) && (len(live) == len(in.Facilities) || len(in.Facilities) > 64) {
		return m, nil
	}
	sub := *in
	sub.Facilities = make([]PlaceFacility, 0, len(live))
	for _, f := range live {
		sub.Facilities = append(sub.Facilities, in.Facilities[f])
	}
	cm := buildNetwork(&sub).build()
	cm.orig = live
	if sent, _ := cm.g.solve(cm.s, cm.t, cm.need); sent != cm.need || cm.g.flowCost() != rootCost {
		return nil, errors.New("alloc: internal error, the core network lost the root's flow")
	}
	return cm, nil
}

// live lists the facilities (in order) that a placement costing less than
// the root's bound plus gap may use: those the root's flow uses, and those
// where the cheapest way in, plus the way out to the comune, has a reduced
// cost below the gap (per person; per household for a household's arc). By
// LP duality every other facility costs a placement at least the gap more
// than the bound (reduced-cost fixing, as in fixByReducedCost, applied to
// whole facilities), so the search may run on the smaller network of the
// rest. How much it removes depends on the gap: on the national batch 634 of
// 10,000 facilities stay for a gap of 1, most of them for the root
// rounding's 40–220.
func (m *model) live(gap int64) []int {
	g := m.g
	in := int64(math.MaxInt64)
	cheapest := make([]int64, len(m.nw.in.Facilities))
	for i := range cheapest {
		cheapest[i] = in
	}
	used := make([]bool, len(cheapest))
	consider := func(a, f int, size int64) {
		if g.flow(a) > 0 {
			used[f] = true
		}
		if g.capa[a] > 0 {
			cheapest[f] = min(cheapest[f], g.reduced(int32(a), int(g.to[a^1]))*size)
		}
	}
	for _, a := range m.sigFac {
		consider(a[0], a[1], 1)
	}
	for k := range m.nw.hhClasses {
		size := m.size(k)
		for _, a := range m.hhArcs[k] {
			consider(a[0], a[1], size)
		}
	}
	var live []int
	for _, a := range m.facOut {
		f := a[1]
		out := g.reduced(int32(a[0]), int(g.to[a[0]^1]))
		if used[f] || cheapest[f] < in && cheapest[f]+max(out, 0) < gap {
			live = append(live, f)
		}
	}
	for _, a := range m.direct { // the way in is also the way out
		if f := a[1]; used[f] || cheapest[f] < gap {
			live = append(live, f)
		}
	}
	slices.Sort(live)
	return live
}

// explain gives each assignment its distance and writes a short reason per
// unit for the command line (the application words its own from the figures).
func (nw *network) explain(sol *Solution) {
	in := nw.in
	fac := map[string]int{}
	for i, f := range in.Facilities {
		fac[f.ID] = i
	}
	for i, a := range sol.Assignments {
		f := fac[a.Facility]
		sol.Assignments[i].Km = int(nw.km[f])
		sol.Explain[a.Unit] = fmt.Sprintf("%s, %d km, comune %s", in.Facilities[f].ID, nw.km[f], in.Facilities[f].Comune)
	}
	for _, u := range sol.Unplaced {
		sol.Explain[u] = "no compatible facility with enough free places"
	}
}
