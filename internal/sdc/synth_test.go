package sdc

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
)

// A synthetic population, shaped as the publication builder will shape the
// store's breakdowns: people in facilities in comuni, with sex, age band,
// nationality and household type.

type person struct {
	comune, facility, ftype, sex, age, nat, household string
}

var (
	synthTypes  = []string{"cas_collettivo", "cas_appartamento", "sai_ordinario"}
	synthAges   = []string{"0-17", "18-24", "25-34", "35-44", "45+"}
	synthNats   = []string{"NGA", "PAK", "BGD", "TUN", "EGY", "GMB", "MLI", "CIV", "GIN", "SEN", "ERI", "AFG", "SDN", "MAR", "UKR"}
	synthHouses = []string{"uomo_solo", "donna_sola", "nucleo", "msna"}
)

// synthPeople draws n people over comuni comuni, each with 1-3 facilities;
// the distributions are skewed so that small cells are frequent.
func synthPeople(rng *rand.Rand, n, comuni int) []person {
	type fac struct{ comune, id, ftype string }
	var facs []fac
	for c := range comuni {
		code := fmt.Sprintf("0370%02d", c+1)
		for f := range 1 + rng.IntN(3) {
			facs = append(facs, fac{code, fmt.Sprintf("%s-f%d", code, f), synthTypes[rng.IntN(len(synthTypes))]})
		}
	}
	skew := func(k int) int { // index in 0..k-1, small indices more likely
		return min(k-1, int(float64(k)*rng.Float64()*rng.Float64()))
	}
	out := make([]person, n)
	for i := range out {
		f := facs[skew(len(facs))]
		p := person{comune: f.comune, facility: f.id, ftype: f.ftype, age: synthAges[1+skew(len(synthAges)-1)],
			nat: synthNats[skew(len(synthNats))], sex: "M", household: "uomo_solo"}
		switch r := rng.Float64(); {
		case r < 0.04:
			p.age, p.household = "0-17", "msna"
		case r < 0.12:
			p.age, p.household = synthAges[rng.IntN(len(synthAges))], "nucleo"
			if rng.IntN(2) == 0 {
				p.sex = "F"
			}
		case r < 0.25:
			p.sex, p.household = "F", "donna_sola"
		case r < 0.26:
			p.sex = "X"
		}
		out[i] = p
	}
	return out
}

// synthPublication builds the tables of one reference date from people: the
// comune table (every comune, with the metropolitan total), a breakdown by
// facility type for every comune (R2 and R7 decide which are shown), the
// columns of that cross-tab (relation-only tables), and the profile tables
// sharing the metropolitan total.
func synthPublication(people []person, comuni int) Publication {
	count := map[string]int{}
	facilities := map[string]map[string]int{}
	for _, p := range people {
		count["comune/"+p.comune]++
		count["comune/"+p.comune+"/"+p.ftype]++
		count["tipo_struttura/"+p.ftype]++
		count["sesso/"+p.sex]++
		count["eta/"+p.age]++
		count["nazionalita/"+p.nat]++
		count["tipo_nucleo/"+p.household]++
		if facilities[p.comune] == nil {
			facilities[p.comune] = map[string]int{}
		}
		facilities[p.comune][p.facility]++
	}
	total := Count{Key: "metro", Raw: len(people)}
	c := func(key string) Count { return Count{Key: key, Raw: count[key]} }
	var pub Publication
	comTable := Table{ID: "presenze-comuni", Dimension: "comune", Total: total}
	var codes []string
	for i := range comuni {
		codes = append(codes, fmt.Sprintf("0370%02d", i+1))
	}
	for _, code := range codes {
		comTable.Cells = append(comTable.Cells, c("comune/"+code))
	}
	pub.Tables = append(pub.Tables, comTable)
	for _, code := range codes {
		t := Table{ID: "comune/" + code + "/tipo_struttura", Dimension: "tipo_struttura", Total: c("comune/" + code)}
		largest, n := 0, 0
		for _, v := range facilities[code] {
			largest, n = max(largest, v), n+v
		}
		share := 0.0
		if n > 0 {
			share = float64(largest) / float64(n)
		}
		t.Comune = &Comune{Code: code, Facilities: len(facilities[code]), LargestShare: share}
		for _, ft := range synthTypes {
			t.Cells = append(t.Cells, c("comune/"+code+"/"+ft))
		}
		pub.Tables = append(pub.Tables, t)
	}
	for _, ft := range synthTypes {
		t := Table{ID: "tipo_struttura/" + ft + "/comuni", Dimension: "comune", Total: c("tipo_struttura/" + ft)}
		for _, code := range codes {
			t.Cells = append(t.Cells, c("comune/"+code+"/"+ft))
		}
		pub.Tables = append(pub.Tables, t)
	}
	profile := func(dim string, cats []string, sensitive func(string) bool, fold func(string) bool) {
		t := Table{ID: "presenze-profilo/" + dim, Dimension: dim, Total: total}
		for _, k := range cats {
			cc := c(dim + "/" + k)
			cc.Sensitive = sensitive != nil && sensitive(k)
			cc.Fold = fold != nil && fold(k)
			t.Cells = append(t.Cells, cc)
		}
		pub.Tables = append(pub.Tables, t)
	}
	profile("sesso", []string{"F", "M", "X"}, nil, func(k string) bool { return k == "X" })
	profile("eta", synthAges, func(k string) bool { return k == "0-17" }, nil)
	profile("tipo_nucleo", synthHouses, func(k string) bool { return k == "msna" }, nil)
	profile("tipo_struttura", synthTypes, nil, nil)
	var nats []Count
	for _, n := range synthNats {
		nats = append(nats, c("nazionalita/"+n))
	}
	t := Table{ID: "presenze-profilo/nazionalita", Dimension: "nazionalita", Total: total,
		Cells: TopN(nats, 10, 5, Count{Key: "nazionalita/ALTRE"})}
	pub.Tables = append(pub.Tables, t)
	return pub
}

// relations lists the relations of a publication as key lists (total first),
// for the tests' own attacker.
func relations(p Publication) [][]string {
	var out [][]string
	for _, t := range p.Tables {
		if t.Total.Key == "" {
			continue
		}
		r := []string{t.Total.Key}
		for _, c := range t.Cells {
			r = append(r, c.Key)
		}
		out = append(out, r)
	}
	return out
}

// keys lists every key of a publication once, in order.
func keys(p Publication) []string {
	var out []string
	for _, t := range p.Tables {
		for _, c := range append([]Count{t.Total}, t.Cells...) {
			if c.Key != "" && !slices.Contains(out, c.Key) {
				out = append(out, c.Key)
			}
		}
	}
	return out
}

// cells maps every key of a result to its cell.
func cells(r *Result) map[string]Cell {
	m := map[string]Cell{}
	for _, t := range r.Tables {
		if t.Total != nil {
			m[t.Total.Key] = *t.Total
		}
		for _, c := range t.Cells {
			m[c.Key] = c
		}
	}
	return m
}

// moved returns a copy of people where out leave and in new people arrive.
func moved(rng *rand.Rand, people []person, in, out, comuni int) []person {
	next := slices.Clone(people)
	for range min(out, len(next)) {
		i := rng.IntN(len(next))
		next = slices.Delete(next, i, i+1)
	}
	next = append(next, synthPeople(rng, in, comuni)...)
	sort.SliceStable(next, func(i, j int) bool { return next[i].comune < next[j].comune })
	return next
}
