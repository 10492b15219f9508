package alloc

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

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
	Km       int    `json:"km"` // from the province's reference point, as the objective counts it
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
	AnnealMoves         int   `json:"anneal_moves"` // moves the annealing made (anneal.go; 0: it did not run)
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
	if o := in.Origin; math.IsNaN(o.Lat) || math.IsNaN(o.Lon) || math.Abs(o.Lat) > 90 || math.Abs(o.Lon) > 180 {
		return bad("origin: bad coordinates")
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
	// h within [0, 1]: rounding can take it just outside, and a square root
	// of a negative is NaN, which int64 turns into its minimum.
	return int64(math.Round(2 * r * math.Asin(math.Sqrt(max(0, min(1, h))))))
}

// Room is how many more people a comune takes before the guideline.
// Computed in float64 and kept within [0, maxRoom] (more room than any
// batch has people): a float past int64's range converts to its minimum,
// which made a huge per_thousand into no room at all.
func (c ComuneGuidance) Room() int64 {
	r := math.Floor(float64(c.Residents)*c.PerThousand/1000) - float64(c.Hosted)
	if !(r > 0) { // also NaN
		return 0
	}
	return int64(min(r, maxRoom))
}

// maxRoom caps a comune's room: far above any batch's people (Validate).
const maxRoom = 1 << 40

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
