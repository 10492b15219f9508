package alloc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
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

// Instance is the JSON of `gesta alloc solve`.
type Instance struct {
	Origin     Point            `json:"origin"`
	Weights    Weights          `json:"weights"`
	Units      []PlaceUnit      `json:"units"`
	Facilities []PlaceFacility  `json:"facilities"`
	Comuni     []ComuneGuidance `json:"comuni"`
}

// Point is a place on the sphere.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Weights of the objective's terms.
type Weights struct {
	Distance      int64 `json:"distance"`
	OverGuideline int64 `json:"over_guideline"`
	Unplaced      int64 `json:"unplaced"`
}

// PlaceUnit is a person or a household to place.
type PlaceUnit struct {
	ID    string   `json:"id"`
	Size  int      `json:"size"`
	Group string   `json:"group"`
	Needs []string `json:"needs"`
}

// PlaceFacility is a facility with free places.
type PlaceFacility struct {
	ID       string   `json:"id"`
	Free     int      `json:"free"`
	Accepts  []string `json:"accepts"`
	Features []string `json:"features"`
	Lat      float64  `json:"lat"`
	Lon      float64  `json:"lon"`
	Comune   string   `json:"comune"`
}

// ComuneGuidance is a comune's residents, people already hosted and the
// guideline per thousand residents.
type ComuneGuidance struct {
	Code        string  `json:"code"`
	Residents   int     `json:"residents"`
	Hosted      int     `json:"hosted"`
	PerThousand float64 `json:"per_thousand"`
}

// Assignment places a unit in a facility.
type Assignment struct {
	Unit     string `json:"unit"`
	Facility string `json:"facility"`
}

// Solution is the answer of `gesta alloc solve`.
type Solution struct {
	Objective   int64             `json:"objective"`
	Optimal     bool              `json:"optimal"`
	Bound       int64             `json:"bound"`
	Assignments []Assignment      `json:"assignments"`
	Unplaced    []string          `json:"unplaced"`
	Explain     map[string]string `json:"explain"`
	Stats       SolveStats        `json:"stats"`
}

// SolveStats tell how the answer was found.
type SolveStats struct {
	Nodes        int     `json:"nodes"`         // branch-and-bound nodes (flow relaxations solved)
	Rounds       int     `json:"rounds"`        // Dijkstra rounds over all relaxations
	Arcs         int     `json:"arcs"`          // arcs of the root network
	CoreArcs     int     `json:"core_arcs"`     // arcs of the network searched (facilities reduced costs rule out removed)
	Millis       float64 `json:"millis"`        // solve time
	FoundMillis  float64 `json:"found_millis"`  // when the placement returned was found (the rest is proof)
	VerifyMicros float64 `json:"verify_micros"` // one certificate pass over the root network's arcs
	Lagrange     bool    `json:"lagrange"`      // the Lagrangian phase ran (large networks)
	// LagrangeLB is the bound the phase proved, when it made an evaluation
	// (LagrangeEvaluations > 0; 0 otherwise: no bound).
	LagrangeLB          int64 `json:"lagrange_bound"`
	LagrangeEvaluations int   `json:"lagrange_evaluations"`
}

// maxCost bounds every cost of an instance Validate accepts: a quarter of
// int64's range, for sums of bounds.
const maxCost = 1 << 61

// ErrBadInstance wraps every validation error (exit status 2).
var ErrBadInstance = errors.New("alloc: bad instance")

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadInstance, fmt.Sprintf(format, a...))
}

// Validate checks an instance: ids unique, sizes positive, known groups and
// comuni, capacities and weights not negative.
func (in *Instance) Validate() error {
	groups := map[string]bool{GroupMan: true, GroupWoman: true, GroupFamily: true, GroupMinor: true}
	if in.Weights.Distance < 0 || in.Weights.OverGuideline < 0 || in.Weights.Unplaced < 0 {
		return bad("weights must not be negative")
	}
	if len(in.Units) > maxBatchUnits || len(in.Facilities) > 200_000 {
		return bad("too many units or facilities")
	}
	comuni := map[string]bool{}
	for _, c := range in.Comuni {
		if comuni[c.Code] {
			return bad("comune %q listed twice", c.Code)
		}
		if c.Residents < 0 || c.Hosted < 0 || c.PerThousand < 0 {
			return bad("comune %q: negative figures", c.Code)
		}
		comuni[c.Code] = true
	}
	ids := map[string]bool{}
	for _, u := range in.Units {
		if u.ID == "" || ids[u.ID] {
			return bad("unit id %q empty or duplicate", u.ID)
		}
		ids[u.ID] = true
		if u.Size < 1 || u.Size > maxUnitSize {
			return bad("unit %q: size %d (1 to %d)", u.ID, u.Size, maxUnitSize)
		}
		if !groups[u.Group] {
			return bad("unit %q: unknown group %q", u.ID, u.Group)
		}
	}
	fids := map[string]bool{}
	var people, places float64
	for _, u := range in.Units {
		people += float64(u.Size)
	}
	for _, f := range in.Facilities {
		places += float64(max(f.Free, 0))
	}
	// Every cost the engine adds up (scaled by lagrangeScale, with the
	// Lagrangian network's shift per unit) stays below maxCost, so sums and
	// differences of bounds cannot overflow.
	perPerson := 20016*float64(in.Weights.Distance) + float64(in.Weights.OverGuideline) + float64(in.Weights.Unplaced)
	if people*perPerson*lagrangeScale+2*float64(lagrangeShift)*(people+places) > maxCost {
		return bad("weights, people or free places too large for exact costs")
	}
	for _, f := range in.Facilities {
		if f.ID == "" || fids[f.ID] {
			return bad("facility id %q empty or duplicate", f.ID)
		}
		fids[f.ID] = true
		if f.Free < 0 {
			return bad("facility %q: negative free places", f.ID)
		}
		if !comuni[f.Comune] {
			return bad("facility %q: unknown comune %q", f.ID, f.Comune)
		}
		if math.IsNaN(f.Lat) || math.IsNaN(f.Lon) || math.Abs(f.Lat) > 90 || math.Abs(f.Lon) > 180 {
			return bad("facility %q: bad coordinates", f.ID)
		}
		for _, g := range f.Accepts {
			if !groups[g] {
				return bad("facility %q: unknown group %q", f.ID, g)
			}
		}
	}
	return nil
}

// Km is the great-circle distance on a sphere of radius 6371.0 km, rounded
// to the nearest whole kilometre.
func Km(a Point, lat, lon float64) int64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat-a.Lat)*rad, (lon-a.Lon)*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(a.Lat*rad)*math.Cos(lat*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return int64(math.Round(2 * r * math.Asin(math.Min(1, math.Sqrt(h)))))
}

// Room is how many more people a comune takes before the guideline.
func (c ComuneGuidance) Room() int64 {
	return max(0, int64(math.Floor(float64(c.Residents)*c.PerThousand/1000))-int64(c.Hosted))
}

// compatible: the unit's group is accepted and every need is a feature.
func compatible(u PlaceUnit, f PlaceFacility) bool {
	if !slices.Contains(f.Accepts, u.Group) {
		return false
	}
	for _, n := range u.Needs {
		if !slices.Contains(f.Features, n) {
			return false
		}
	}
	return true
}

// Evaluate recomputes the objective of a placement from the definitions, and
// checks it is feasible.
func Evaluate(in *Instance, as []Assignment, unplaced []string) (int64, error) {
	units := make(map[string]*PlaceUnit, len(in.Units))
	for i := range in.Units {
		units[in.Units[i].ID] = &in.Units[i]
	}
	facs := make(map[string]*PlaceFacility, len(in.Facilities))
	for i := range in.Facilities {
		facs[in.Facilities[i].ID] = &in.Facilities[i]
	}
	seen := map[string]bool{}
	used := map[string]int{}
	perComune := map[string]int64{}
	var obj int64
	for _, a := range as {
		u, ok := units[a.Unit]
		f, okf := facs[a.Facility]
		if !ok || !okf || seen[a.Unit] {
			return 0, fmt.Errorf("assignment %v: unknown or repeated", a)
		}
		seen[a.Unit] = true
		if !compatible(*u, *f) {
			return 0, fmt.Errorf("unit %s not compatible with %s", u.ID, f.ID)
		}
		used[f.ID] += u.Size
		if used[f.ID] > f.Free {
			return 0, fmt.Errorf("facility %s over its free places", f.ID)
		}
		perComune[f.Comune] += int64(u.Size)
		obj += int64(u.Size) * Km(in.Origin, f.Lat, f.Lon) * in.Weights.Distance
	}
	for _, id := range unplaced {
		u, ok := units[id]
		if !ok || seen[id] {
			return 0, fmt.Errorf("unplaced %s: unknown or repeated", id)
		}
		seen[id] = true
		obj += int64(u.Size) * in.Weights.Unplaced
	}
	if len(seen) != len(in.Units) {
		return 0, fmt.Errorf("%d units placed or unplaced, %d in the instance", len(seen), len(in.Units))
	}
	for _, c := range in.Comuni {
		obj += in.Weights.OverGuideline * max(0, perComune[c.Code]-c.Room())
	}
	return obj, nil
}

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
// hundreds of facilities (a regional network 1,867 → 424 nodes, its root
// flow 3.4 → 1.4 ms).
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
// free places: parallel arcs would cost the same, and a search scans each;
// on nation-1, 5,926 facilities without a node share 2,447 arcs).
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

// candidate is a branching choice: class k's flow on arc (to facility f,
// -1: unplaced) is not a whole number of its households.
type candidate struct {
	k, arc, f int
	rem       int64 // people on the arc beyond whole households (0 < rem < size)
	score     float64
}

// maxRoundGap is the most nodes between two tries of the rounding heuristic.
const maxRoundGap = 1024

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

// size of the households of class k.
func (m *model) size(k int) int64 {
	return int64(m.nw.in.Units[m.nw.households[m.nw.hhClasses[k][0]]].Size)
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

// node is an open branch: its flow state, the bound it proved, and the
// facilities some household is fixed to.
type node struct {
	st      flowState
	live    bool // the state is the flow's current one (the dive), not st
	bound   int64
	frac    int64 // people in households split across arcs: how far from whole
	touched map[int]bool
}

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

// core returns the model to search for placements costing less than the
// root's cost plus gap, with the model at its root flow: the model itself,
// or one rebuilt on the facilities live leaves when that removes much of a
// large network (a rebuild costs a network and a flow: 2–9 ms on a regional
// batch of 1,500 facilities, more than its search saves), or when it is
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

// search is the branch and bound from the model's root flow.
func (m *model) search(p searchParams, stats *SolveStats) searchResult {
	rootCost, best, floor, pe, start, deadline, budget, dives := p.rootCost, p.cutoff, p.floor, p.pe, p.start, p.deadline, p.budget, p.dives
	n0 := stats.Nodes
	g := m.g
	var bestState *flowState
	open := nodeHeap{}
	open.push(node{st: g.save(), bound: rootCost, frac: m.fractional(), touched: map[int]bool{}})
	timedOut := false
	var trial, chosen [2]flowDiff
	pcs := map[int]*pseudoCost{}
	roundGap, sinceRound, dived := 1, 0, 0
	var spare []flowState // states of nodes done with
	for len(open) > 0 && !timedOut {
		nd := open.pop()
		if nd.bound >= best || best <= floor {
			open = open[:0] // best first: every other open node is as bad
			break
		}
		for { // plunge
			if time.Now().After(deadline) || budget >= 0 && stats.Nodes-n0 >= budget || p.nodeLimit > 0 && stats.Nodes >= p.nodeLimit {
				if nd.live {
					nd.st, nd.live = g.stateInto(&spare), false
				}
				open.push(nd)
				timedOut = true
				break
			}
			if !nd.live {
				g.load(nd.st)
				spare = append(spare, nd.st) // its memory serves a later child
			}
			if best != math.MaxInt64 {
				// The flow's own cost: a node's bound may be the
				// Lagrangian's, higher, and reduced costs price the flow.
				m.fixByReducedCost(best, g.flowCost())
			}
			if pe != nil {
				if b := pe.exact(m); b >= best {
					break // the relaxation, solved for this node, prunes it
				} else if b > nd.bound {
					nd.bound = b
				}
			}
			cands := m.candidates(strongCandidates)
			if len(cands) == 0 {
				if c := g.flowCost(); c < best {
					best, bestState = c, new(g.save())
					stats.FoundMillis = millisSince(start)
				}
				break
			}
			g.checkpoint()
			// Rounding is most of a node's work and, once the optimum is
			// found, all waste: after each try that finds nothing better,
			// the next waits twice as many nodes (up to maxRoundGap).
			if sinceRound++; sinceRound >= roundGap {
				sinceRound = 0
				found := false
				if c, ok := m.round(); ok && c < best {
					best, bestState = c, new(g.save())
					stats.FoundMillis = millisSince(start)
					found = true
				}
				if dives {
					// A dive too, in the next order each time, from the
					// node's state (rounding's changes undone); it leaves
					// the flow elsewhere and restarts the undo log, so the
					// state comes back whole.
					g.restore()
					st := g.stateInto(&spare)
					if c, ok := m.dive(diveOrders[dived%len(diveOrders)], best); ok && c < best {
						best, bestState = c, new(g.save())
						stats.FoundMillis = millisSince(start)
						found = true
					}
					dived++
					g.load(st)
					spare = append(spare, st)
				}
				if found {
					roundGap = 1
				} else {
					roundGap = min(2*roundGap, maxRoundGap)
				}
			}
			// The children of the candidate being tried and of the best so
			// far live in reused buffers; only the chosen ones are copied out.
			evaluate := func(cd candidate) (kids [2]*node, gain [2]int64) {
				for i, up := range []bool{false, true} {
					g.restore()
					stats.Nodes++
					gain[i] = 1 << 20 // pruned or infeasible: the most a child can gain
					if !m.branchOn(cd.k, cd.arc, cd.f, up, nd.touched) {
						continue
					}
					c := g.flowCost()
					moved := float64(cd.rem) / float64(m.size(cd.k)) // of a household, off the arc (down) or onto it (up)
					if up {
						moved = 1 - moved
					}
					pc := pcs[cd.arc]
					if pc == nil {
						pc = &pseudoCost{}
						pcs[cd.arc] = pc
					}
					pc.sum[i] += float64(c-nd.bound) / moved
					pc.n[i]++
					if c >= best {
						continue
					}
					// A bound on f sets it apart from its orbit from now on.
					touched := nd.touched
					if cd.f >= 0 {
						touched = maps.Clone(nd.touched)
						touched[cd.f] = true
					}
					if pe != nil {
						// A child's placements are the node's: its bound
						// too. The node's may be the relaxation solved for
						// it (pe.exact), above the child's flow and
						// penalties: then a gain came out negative, the
						// product's score below the -1 of "nothing chosen",
						// and a node whose other child was pruned was
						// dropped with its subtree — a false optimum, found
						// by TestLagrangeOutOfTime (issue 19).
						if c = max(c, pe.bound(m, touched), nd.bound); c >= best {
							continue
						}
					}
					gain[i] = max(c-nd.bound, 0) // never negative: see the child's bound above
					g.diffInto(&trial[i])
					kids[i] = &node{bound: c, frac: m.fractionalSince(nd.frac), touched: touched}
				}
				return kids, gain
			}
			var best2 [2]*node
			bestScore, bestFrac := int64(-1), int64(0)
			var pending *candidate // chosen on pseudo-costs: children not yet computed
			for _, cd := range cands {
				if pc := pcs[cd.arc]; pc != nil && pc.n[0] >= reliable && pc.n[1] >= reliable {
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
				kids, gain := evaluate(cd)
				// Among equal scores (a degenerate relaxation: often every
				// child keeps the bound), the candidate whose children are
				// nearest to whole households.
				frac := int64(0)
				for _, k := range kids {
					if k != nil {
						frac += k.frac
					}
				}
				if score := (min(gain[0], 1<<20) + 1) * (min(gain[1], 1<<20) + 1); score > bestScore || score == bestScore && frac < bestFrac {
					bestScore, bestFrac, pending = score, frac, nil
					best2 = kids
					trial, chosen = chosen, trial
				}
				if kids[0] == nil || kids[1] == nil {
					break // a child pruned: nothing better to find
				}
			}
			if pending != nil {
				best2, _ = evaluate(*pending)
				trial, chosen = chosen, trial
			}
			// The dive goes on in the flow itself; only the sibling left
			// open is copied out.
			dive, wait := 1, 0
			if best2[1] == nil {
				dive, wait = 0, -1
			} else if best2[0] != nil {
				wait = 0
			} else {
				wait = -1
			}
			if best2[dive] == nil {
				break // both children pruned: the dive ends here
			}
			if wait >= 0 {
				g.restore()
				g.apply(&chosen[wait])
				best2[wait].st = g.stateInto(&spare)
				open.push(*best2[wait])
			}
			g.restore()
			g.apply(&chosen[dive])
			nd = *best2[dive]
			nd.live = true
		}
	}
	bound := best
	for _, nd := range open {
		bound = min(bound, nd.bound)
	}
	return searchResult{best: best, state: bestState, bound: bound, stopped: timedOut}
}

// explain writes a short reason per unit.
func (nw *network) explain(sol *Solution) {
	in := nw.in
	fac := map[string]int{}
	for i, f := range in.Facilities {
		fac[f.ID] = i
	}
	for _, a := range sol.Assignments {
		f := fac[a.Facility]
		sol.Explain[a.Unit] = fmt.Sprintf("%s, %d km, comune %s", in.Facilities[f].ID, nw.km[f], in.Facilities[f].Comune)
	}
	for _, u := range sol.Unplaced {
		sol.Explain[u] = "nessuna struttura compatibile con posti liberi sufficienti"
	}
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
// returns the placement's cost. Each order finds placements the others miss
// (on the eight regional batches the best of the four is within 0–45 of the
// optimum, the roundings 10–130): the search then starts from a cutoff that
// reduced costs can use. A dive costs about as many re-optimisations as
// there are households (0.1–0.6 ms on a regional batch).
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
func (m *model) pack() (int64, bool) {
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
		// count per class of one way to reach q.
		pick := make([][]int64, r+1)
		pick[0] = make([]int64, nH)
		for _, ia := range arcsTo[f] {
			size := m.size(ia.c)
			n := min(left[ia.c], (capacity(ia.arc)-count[ia.arc]*size)/size)
			for range n {
				for q := r; q >= size; q-- {
					if pick[q] == nil && pick[q-size] != nil && pick[q-size][ia.c] < n {
						pick[q] = slices.Clone(pick[q-size])
						pick[q][ia.c]++
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
