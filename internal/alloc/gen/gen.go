// Package gen generates realistic placement instances over Emilia-Romagna's
// comuni: the benchmark batches of bench/alloc, which the engine's tests
// solve too.
//
// Instances are seeded and reproducible: "region" — 400 people over 1,500
// facilities — and "nation" — 1,000 people over 10,000 facilities.
// Facilities: mostly apartments of 4–10 places, collective centres of 11–50
// and a few of 51–300, occupancy 85–98%, placed in proportion to
// population^0.8; people: about 66% single men, 20% in households of 2–7,
// 7% single women, 6% MSNA; needs (wheelchair, medical) on about 5% of
// units.
package gen

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gesta-er/gesta/internal/alloc"
	"github.com/gesta-er/gesta/internal/territory"
)

// Size is a family of batches: how many people over how many facilities.
type Size struct {
	Name       string
	People     int
	Facilities int
}

// The benchmark's sizes.
var (
	Region = Size{"region", 400, 1500}
	Nation = Size{"nation", 1000, 10000}
)

// Map is the territory batches are placed on.
type Map struct {
	terr    *territory.Data
	centres map[string][2]float64
}

// LoadMap reads the embedded territory.
func LoadMap() (*Map, error) {
	terr, err := territory.Load(nil, "")
	if err != nil {
		return nil, err
	}
	centres, err := territory.Centroids()
	if err != nil {
		return nil, err
	}
	return &Map{terr: terr, centres: centres}, nil
}

// Label names batch seed of size s ("region-3").
func (s Size) Label(seed int) string { return fmt.Sprintf("%s-%d", s.Name, seed) }

// Batch is the instance of size s and seed (from 1) on the map.
func (mp *Map) Batch(s Size, seed int) *alloc.Instance {
	return generate(rand.New(rand.NewPCG(uint64(seed), uint64(s.People))), mp.terr, mp.centres, s.People, s.Facilities)
}

// generate builds an instance over the region's comuni (facilities weighted
// by population^0.8, the Bologna hub as origin).
func generate(r *rand.Rand, terr *territory.Data, centres map[string][2]float64, people, nFac int) *alloc.Instance {
	in := &alloc.Instance{Origin: alloc.Point{Lat: 44.5075, Lon: 11.3514},
		Weights: alloc.Weights{Distance: 1, OverGuideline: 40, Unplaced: 100000}}
	weights := make([]float64, len(terr.Comuni))
	total := 0.0
	for i, c := range terr.Comuni {
		weights[i] = math.Pow(float64(c.Residents), 0.8)
		total += weights[i]
	}
	hosted := map[string]int{}
	for i := range nFac {
		x := r.Float64() * total
		ci := 0
		for ci < len(weights)-1 && x > weights[ci] {
			x -= weights[ci]
			ci++
		}
		c := terr.Comuni[ci]
		var size int
		switch y := r.IntN(100); {
		case y < 80:
			size = 4 + r.IntN(7)
		case y < 95:
			size = 11 + r.IntN(40)
		default:
			size = 51 + int(250*math.Pow(r.Float64(), 3))
		}
		occupied := int(math.Round(float64(size) * (0.85 + 0.13*r.Float64())))
		hosted[c.Code] += occupied
		f := alloc.PlaceFacility{ID: fmt.Sprintf("F%05d", i), Free: size - occupied, Comune: c.Code,
			Lat: centres[c.Code][1] + (r.Float64()-0.5)*0.02, Lon: centres[c.Code][0] + (r.Float64()-0.5)*0.02}
		switch t := r.IntN(100); {
		case t < 70:
			f.Accepts = []string{alloc.GroupMan}
		case t < 80:
			f.Accepts = []string{alloc.GroupWoman, alloc.GroupFamily}
		case t < 90:
			f.Accepts = []string{alloc.GroupFamily}
		case t < 95:
			f.Accepts = []string{alloc.GroupMinor}
		default:
			f.Accepts = []string{alloc.GroupMan, alloc.GroupWoman, alloc.GroupFamily}
		}
		f.Features = []string{}
		if r.IntN(6) == 0 {
			f.Features = append(f.Features, "wheelchair")
		}
		if r.IntN(8) == 0 {
			f.Features = append(f.Features, "medical")
		}
		in.Facilities = append(in.Facilities, f)
	}
	for _, c := range terr.Comuni {
		per := 2.5
		if c.Capital {
			per = 1.5
		}
		in.Comuni = append(in.Comuni, alloc.ComuneGuidance{Code: c.Code, Residents: c.Residents, Hosted: hosted[c.Code], PerThousand: per})
	}
	placed := 0
	for placed < people {
		u := alloc.PlaceUnit{ID: fmt.Sprintf("u%04d", len(in.Units)), Size: 1, Needs: []string{}}
		// By unit: 7% are households (mean size about 3.2), so that about
		// 20% of the people are in families; then 66/7/6 of the people.
		switch y := r.IntN(1000); {
		case y < 70:
			u.Group, u.Size = alloc.GroupFamily, 2+int(6*math.Pow(r.Float64(), 1.7))
		case y < 70+773:
			u.Group = alloc.GroupMan
		case y < 70+773+82:
			u.Group = alloc.GroupWoman
		default:
			u.Group = alloc.GroupMinor
		}
		if u.Size > people-placed {
			u.Group, u.Size = alloc.GroupMan, 1
		}
		if r.IntN(20) == 0 {
			u.Needs = append(u.Needs, []string{"wheelchair", "medical"}[r.IntN(2)])
		}
		placed += u.Size
		in.Units = append(in.Units, u)
	}
	return in
}
