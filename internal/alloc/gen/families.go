package gen

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gesta-er/gesta/internal/alloc"
)

// Variant selects the shapes of batches beyond the benchmark's first ones
// (docs/allocation.md, "Batch families"): the zero value is Batch's.
type Variant struct {
	// Families: about half the people in households — one unit in five,
	// sizes 2–7 (mean about 4, a third of size 5 or more), a fifth of them
	// needing an infant-suitable facility that 30 % of family facilities
	// offer; wheelchair and vulnerable-person needs on about 3 % of units
	// each; facilities in proportion to population, apartments of 4–10
	// places with 0–2 free, collective centres of 20–200 at 85–100 %
	// occupancy.
	Families bool
	// Italy: a synthetic national map instead of Emilia-Romagna's comuni —
	// 2,000 comuni along the peninsula and the two large islands, residents
	// from 500 to 500,000 (log-uniform), the arrival point at a southern
	// port, distances 10–1,200 km, the guideline rarely binding.
	Italy bool
}

// Suffix names the variant in batch labels ("region-3-fam-it").
func (v Variant) Suffix() string {
	s := ""
	if v.Families {
		s += "-fam"
	}
	if v.Italy {
		s += "-it"
	}
	return s
}

// place is a comune of a map: code, residents, centre, guideline.
type place struct {
	code        string
	residents   int
	lat, lon    float64
	perThousand float64
}

// BatchOf is the instance of size s, seed and variant. The zero variant is
// Batch (the same instance); the others draw from their own streams.
func (mp *Map) BatchOf(s Size, seed int, v Variant) *alloc.Instance {
	if v == (Variant{}) {
		return mp.Batch(s, seed)
	}
	stream := uint64(s.People) + 1<<32
	if v.Families {
		stream += 1 << 33
	}
	if v.Italy {
		stream += 1 << 34
	}
	r := rand.New(rand.NewPCG(uint64(seed), stream))
	var places []place
	origin := alloc.Point{Lat: 44.5075, Lon: 11.3514} // the Bologna hub
	exponent := 0.8
	if v.Italy {
		places = italy(rand.New(rand.NewPCG(uint64(seed), 7)))
		origin = alloc.Point{Lat: 36.72, Lon: 14.85} // a port in the far south-east of Sicily
	} else {
		for _, c := range mp.terr.Comuni {
			per := 2.5
			if c.Capital {
				per = 1.5
			}
			ctr := mp.centres[c.Code]
			places = append(places, place{code: c.Code, residents: c.Residents, lat: ctr[1], lon: ctr[0], perThousand: per})
		}
	}
	if v.Families || v.Italy {
		exponent = 1
	}
	in := &alloc.Instance{Origin: origin, Weights: alloc.Weights{Distance: 1, OverGuideline: 40, Unplaced: 100000}}
	hosted := facilities(r, in, places, exponent, s.Facilities, v.Families)
	for _, p := range places {
		in.Comuni = append(in.Comuni, alloc.ComuneGuidance{Code: p.code, Residents: p.residents, Hosted: hosted[p.code],
			PerThousand: p.perThousand})
	}
	if v.Families {
		familyPeople(r, in, s.People)
	} else {
		people(r, in, s.People)
	}
	return in
}

// italy is a synthetic country: comuni scattered along a polyline down the
// peninsula and around Sicily's and Sardinia's centres.
func italy(r *rand.Rand) []place {
	spine := [][2]float64{{46.3, 7.3}, {45.6, 9.2}, {45.5, 12.2}, {44.4, 11.3}, {43.6, 11.8}, {41.9, 12.6},
		{40.9, 14.3}, {40.6, 15.8}, {39.3, 16.4}, {38.2, 15.9}}
	islands := [][3]float64{{37.5, 14.2, 0.7}, {40.1, 9.0, 0.6}} // lat, lon, spread
	var ps []place
	for i := range 2000 {
		var lat, lon float64
		switch y := r.IntN(100); {
		case y < 12:
			is := islands[0]
			lat, lon = is[0]+(r.Float64()-0.5)*2*is[2], is[1]+(r.Float64()-0.5)*4*is[2]
		case y < 16:
			is := islands[1]
			lat, lon = is[0]+(r.Float64()-0.5)*3*is[2], is[1]+(r.Float64()-0.5)*1.5*is[2]
		default:
			k := r.IntN(len(spine) - 1)
			t := r.Float64()
			a, b := spine[k], spine[k+1]
			lat = a[0] + t*(b[0]-a[0]) + (r.Float64()-0.5)*1.2
			lon = a[1] + t*(b[1]-a[1]) + (r.Float64()-0.5)*1.6
		}
		residents := int(math.Pow(10, 2.7+3*r.Float64()))
		per := 2.5
		if residents > 150_000 {
			per = 1.5
		}
		ps = append(ps, place{code: fmt.Sprintf("N%04d", i), residents: residents, lat: lat, lon: lon, perThousand: per})
	}
	return ps
}

// facilities adds n facilities to in, placed by residents^exponent, and
// returns the places they occupy per comune.
func facilities(r *rand.Rand, in *alloc.Instance, places []place, exponent float64, n int, families bool) map[string]int {
	weights := make([]float64, len(places))
	total := 0.0
	for i, p := range places {
		weights[i] = math.Pow(float64(p.residents), exponent)
		total += weights[i]
	}
	hosted := map[string]int{}
	for i := range n {
		x := r.Float64() * total
		ci := 0
		for ci < len(weights)-1 && x > weights[ci] {
			x -= weights[ci]
			ci++
		}
		p := places[ci]
		var size, occupied int
		switch {
		case families && r.IntN(100) < 80: // an apartment, 0–2 free
			size = 4 + r.IntN(7)
			occupied = size - min(size, r.IntN(3))
		case families: // a collective centre
			size = 20 + r.IntN(181)
			occupied = int(math.Round(float64(size) * (0.85 + 0.15*r.Float64())))
		default:
			switch y := r.IntN(100); {
			case y < 80:
				size = 4 + r.IntN(7)
			case y < 95:
				size = 11 + r.IntN(40)
			default:
				size = 51 + int(250*math.Pow(r.Float64(), 3))
			}
			occupied = int(math.Round(float64(size) * (0.85 + 0.13*r.Float64())))
		}
		hosted[p.code] += occupied
		f := alloc.PlaceFacility{ID: fmt.Sprintf("F%05d", i), Free: size - occupied, Comune: p.code,
			Lat: p.lat + (r.Float64()-0.5)*0.02, Lon: p.lon + (r.Float64()-0.5)*0.02}
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
		if families {
			if r.IntN(8) == 0 {
				f.Features = append(f.Features, "vulnerable")
			}
			if len(f.Accepts) > 0 && f.Accepts[len(f.Accepts)-1] == alloc.GroupFamily && r.IntN(10) < 3 {
				f.Features = append(f.Features, "infant")
			}
		} else if r.IntN(8) == 0 {
			f.Features = append(f.Features, "medical")
		}
		in.Facilities = append(in.Facilities, f)
	}
	return hosted
}

// people adds the benchmark's first mix (generate's) of about n people.
func people(r *rand.Rand, in *alloc.Instance, n int) {
	for placed := 0; placed < n; {
		u := alloc.PlaceUnit{ID: fmt.Sprintf("u%04d", len(in.Units)), Size: 1, Needs: []string{}}
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
		if u.Size > n-placed {
			u.Group, u.Size = alloc.GroupMan, 1
		}
		if r.IntN(20) == 0 {
			u.Needs = append(u.Needs, []string{"wheelchair", "medical"}[r.IntN(2)])
		}
		placed += u.Size
		in.Units = append(in.Units, u)
	}
}

// familyPeople adds about n people, half of them in households.
func familyPeople(r *rand.Rand, in *alloc.Instance, n int) {
	// Household sizes 2–7: mean 3.94, a third of size 5 or more.
	sizes := []int{2, 3, 4, 5, 6, 7}
	cum := []int{20, 45, 67, 82, 92, 100}
	for placed := 0; placed < n; {
		u := alloc.PlaceUnit{ID: fmt.Sprintf("u%04d", len(in.Units)), Size: 1, Needs: []string{}}
		switch y := r.IntN(1000); {
		case y < 200:
			u.Group = alloc.GroupFamily
			z := r.IntN(100)
			for i, c := range cum {
				if z < c {
					u.Size = sizes[i]
					break
				}
			}
			if r.IntN(5) == 0 {
				u.Needs = append(u.Needs, "infant")
			}
		case y < 200+666:
			u.Group = alloc.GroupMan
		case y < 200+666+70:
			u.Group = alloc.GroupWoman
		default:
			u.Group = alloc.GroupMinor
		}
		if u.Size > n-placed {
			u.Group, u.Size, u.Needs = alloc.GroupMan, 1, []string{}
		}
		if r.IntN(33) == 0 {
			u.Needs = append(u.Needs, "wheelchair")
		}
		if r.IntN(33) == 0 {
			u.Needs = append(u.Needs, "vulnerable")
		}
		placed += u.Size
		in.Units = append(in.Units, u)
	}
}
