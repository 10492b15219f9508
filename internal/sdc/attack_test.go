package sdc

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The tests' own attacker, written apart from the package's audit. It knows
// the policy and everything published: a published value v that is a
// multiple of the base came from a count in [max(v-h, T), v+h]; any other
// published value is taken as exact (it was not rounded); a published 0 is 0;
// a suppressed or hidden figure is some count ≥ 0. It knows every relation of
// the publication (the margins). For two consecutive publications it also
// knows the published entries I and exits U of the month between them: the
// metropolitan total moved by I - U, and in every table the categories moved
// by at most I + U in all (each arrival or departure changes one category).

// knowledge is the attacker's interval for a published cell.
func knowledge(c Cell, base int) (float64, float64) {
	if c.Status == Suppressed {
		return 0, math.Inf(1)
	}
	v := c.Value
	switch {
	case v == 0:
		return 0, 0
	case v%base != 0:
		return float64(v), float64(v)
	}
	return float64(max(v-base/2, c.Threshold)), float64(v + base/2)
}

// program is the attacker's system: variables with intervals and linear
// equalities; an inequality gets a slack variable in [0, ∞). It is solved
// with the package's model (standard form, phase I skipped after the first
// optimum); what the attacker knows is written here, apart from the audit.
type program struct {
	known []interval
	rows  []map[int]float64
	m     *model
}

func (p *program) variable(lo, hi float64) int {
	p.known = append(p.known, interval{lo, hi})
	return len(p.known) - 1
}

func (p *program) eq(row map[int]float64) { p.rows = append(p.rows, row) }

// le adds Σ row ≤ 0.
func (p *program) le(row map[int]float64) {
	s := p.variable(0, math.Inf(1))
	row[s] = 1
	p.eq(row)
}

// extremes returns min and max of variable v.
func (p *program) extremes(v int) (float64, float64, error) {
	if p.m == nil {
		var rels [][]float64
		for _, r := range p.rows {
			row := make([]float64, len(p.known))
			for k, a := range r {
				row[k] += a
			}
			rels = append(rels, row)
		}
		p.m = buildModel(rels, p.known)
	}
	return p.m.bounds(v)
}

// spread is v's range over the optima found so far (feasible points).
func (p *program) spread(v int) (float64, float64) {
	if p.m == nil {
		return math.Inf(1), math.Inf(-1)
	}
	return p.m.spread(v)
}

// addPublication adds one publication's variables and constraints; it returns
// the variable of each key.
func addPublication(p *program, pub Publication, res *Result, base int) map[string]int {
	vars := map[string]int{}
	cs := cells(res)
	for _, k := range keys(pub) {
		vars[k] = p.variable(knowledge(cs[k], base))
	}
	for _, r := range relations(pub) {
		row := map[int]float64{vars[r[0]]: 1}
		for _, k := range r[1:] {
			row[vars[k]] -= 1
		}
		p.eq(row)
	}
	return vars
}

// finding is one figure the attacker narrowed too much.
type finding struct {
	key        string
	raw        int
	status     Status
	value      int
	lo, hi     float64
	threshold  int
	suppressed bool
}

func (f finding) String() string {
	if f.suppressed {
		return fmt.Sprintf("%s (raw %d, T %d, soppresso) narrowed to [%g, %g]", f.key, f.raw, f.threshold, f.lo, f.hi)
	}
	return fmt.Sprintf("%s (raw %d, published %d) recovered as [%g, %g]", f.key, f.raw, f.value, f.lo, f.hi)
}

// attack checks every figure of res (whose variables are vars in p): a
// suppressed figure with people in it must keep an interval at least T wide,
// a published non-zero one must not be pinned to one value.
func attack(t *testing.T, p *program, vars map[string]int, res *Result) []finding {
	t.Helper()
	var out []finding
	cs := cells(res)
	var order []string
	for _, pass := range []Status{Suppressed, Published} {
		for _, t := range res.Tables {
			all := slices.Clone(t.Cells)
			if t.Total != nil {
				all = append(all, *t.Total)
			}
			for _, c := range all {
				if c.Status == pass && !slices.Contains(order, c.Key) {
					order = append(order, c.Key)
				}
			}
		}
	}
	for _, key := range order {
		c := cs[key]
		if c.Status == Published && c.Value == 0 {
			continue
		}
		if c.Hidden && c.Raw == 0 {
			continue
		}
		// Optima found for other figures are feasible points: when they
		// already spread this figure wide enough, its own programmes cannot
		// narrow it further.
		plo, phi := p.spread(vars[key])
		pl, ph := math.Ceil(plo-1e-6), math.Floor(phi+1e-6)
		if (c.Status == Suppressed && ph-pl >= float64(c.Threshold)) || (c.Status == Published && ph-pl >= 1) {
			continue
		}
		lo, hi, err := p.extremes(vars[key])
		if err != nil {
			t.Fatalf("attack on %s: %v", key, err)
		}
		l, h := math.Ceil(lo-1e-6), math.Floor(hi+1e-6)
		if float64(c.Raw) < l || float64(c.Raw) > h {
			t.Fatalf("attack on %s: the true count %d is outside [%g, %g]: the attacker's model is wrong", key, c.Raw, l, h)
		}
		bad := false
		if c.Status == Suppressed {
			bad = h-l < float64(c.Threshold)
		} else {
			bad = h-l < 1
		}
		if bad {
			out = append(out, finding{key, c.Raw, c.Status, c.Value, l, h, c.Threshold, c.Status == Suppressed})
		}
	}
	return out
}

// attackOne attacks one publication on its own.
func attackOne(t *testing.T, pub Publication, res *Result, base int) []finding {
	p := &program{}
	vars := addPublication(p, pub, res, base)
	return attack(t, p, vars, res)
}

// attackPair attacks two consecutive publications together, linked by the
// month's published entries and exits.
func attackPair(t *testing.T, pub1 Publication, res1 *Result, pub2 Publication, res2 *Result, flows *Result, base int) []finding {
	p := &program{}
	v1 := addPublication(p, pub1, res1, base)
	v2 := addPublication(p, pub2, res2, base)
	fc := cells(flows)
	in := p.variable(knowledge(fc["ingressi"], base))
	out := p.variable(knowledge(fc["uscite"], base))
	p.eq(map[int]float64{v2["metro"]: 1, v1["metro"]: -1, in: -1, out: 1})
	// Each arrival or departure changes one category of each table; a table
	// whose categories differ between the months (the top nationalities) is
	// left out.
	tables2 := map[string]Table{}
	for _, t := range pub2.Tables {
		tables2[t.ID] = t
	}
	for _, t := range pub1.Tables {
		t2, ok := tables2[t.ID]
		if t.Total.Key == "" || !ok || !sameKeys(t.Cells, t2.Cells) {
			continue
		}
		row := map[int]float64{in: -1, out: -1}
		for _, c := range t.Cells {
			d := p.variable(0, math.Inf(1))
			p.le(map[int]float64{v2[c.Key]: 1, v1[c.Key]: -1, d: -1})
			p.le(map[int]float64{v1[c.Key]: 1, v2[c.Key]: -1, d: -1})
			row[d] = 1
		}
		p.le(row)
	}
	var found []finding
	for _, f := range attack(t, p, v1, res1) {
		f.key = "month 1: " + f.key
		found = append(found, f)
	}
	for _, f := range attack(t, p, v2, res2) {
		f.key = "month 2: " + f.key
		found = append(found, f)
	}
	return found
}

// flowsPublication is the month's metropolitan entries and exits, protected
// as the series is: independent figures.
func flowsPublication(in, out int) Publication {
	return Publication{Tables: []Table{{ID: "presenze-mensili/2026-10", Dimension: "mese",
		Cells: []Count{{Key: "ingressi", Raw: in}, {Key: "uscite", Raw: out}}}}}
}

func mustProtect(t *testing.T, p Publication) *Result {
	t.Helper()
	r, err := Protect(p, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// handMade are publications built to hit the classic disclosures.
func handMade() map[string]Publication {
	one := func(id string, total int, raws ...int) Table {
		t := Table{ID: id, Dimension: "d", Total: Count{Key: id + "/total", Raw: total}}
		for i, r := range raws {
			t.Cells = append(t.Cells, Count{Key: fmt.Sprintf("%s/%d", id, i), Raw: r})
		}
		return t
	}
	return map[string]Publication{
		"single suppressed cell beside a published total": {Tables: []Table{one("a", 12, 3, 9, 0)}},
		"rounded parts pinning the total":                 {Tables: []Table{one("a", 32, 8, 8, 8, 8)}},
		"linked tables sharing a total": {Tables: []Table{
			{ID: "sex", Dimension: "sesso", Total: Count{Key: "m", Raw: 40},
				Cells: []Count{{Key: "F", Raw: 3}, {Key: "M", Raw: 36}, {Key: "X", Raw: 1, Fold: true}}},
			{ID: "age", Dimension: "eta", Total: Count{Key: "m", Raw: 40},
				Cells: []Count{{Key: "minor", Raw: 6, Sensitive: true}, {Key: "adult", Raw: 34}}},
		}},
		"comune and its breakdown": {Tables: []Table{
			{ID: "comuni", Dimension: "comune", Total: Count{Key: "m", Raw: 60},
				Cells: []Count{{Key: "c1", Raw: 3}, {Key: "c2", Raw: 27}, {Key: "c3", Raw: 30}}},
			{ID: "c2/type", Dimension: "tipo_struttura", Total: Count{Key: "c2", Raw: 27},
				Comune: &Comune{Code: "c2", Facilities: 3, LargestShare: 0.5},
				Cells:  []Count{{Key: "c2/cas", Raw: 24}, {Key: "c2/sai", Raw: 3}}},
		}},
	}
}

func TestAttackHandMade(t *testing.T) {
	for name, pub := range handMade() {
		t.Run(name, func(t *testing.T) {
			res := mustProtect(t, pub)
			for _, f := range attackOne(t, pub, res, 5) {
				t.Error(f)
			}
		})
	}
}

// TestAttackRandom attacks many small synthetic publications, alone and in
// consecutive pairs where a few people arrived or left.
func TestAttackRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 4))
	cases := 16
	if testing.Short() || raceEnabled {
		cases = 2 // .ci/run runs the full set without the race detector
	}
	found := 0
	for c := range cases {
		comuni := 3 + rng.IntN(5)
		people := synthPeople(rng, 10+rng.IntN(90), comuni)
		pub1 := synthPublication(people, comuni)
		res1 := mustProtect(t, pub1)
		for _, f := range attackOne(t, pub1, res1, 5) {
			t.Errorf("case %d: %v", c, f)
			found++
		}
		in, out := rng.IntN(5), rng.IntN(5)
		pub2 := synthPublication(moved(rng, people, in, out, comuni), comuni)
		res2 := mustProtect(t, pub2)
		flows := mustProtect(t, flowsPublication(in, out))
		for _, f := range attackPair(t, pub1, res1, pub2, res2, flows, 5) {
			t.Errorf("case %d (pair, %d in, %d out): %v", c, in, out, f)
			found++
		}
		if found > 20 {
			t.Fatal("too many findings")
		}
	}
}

func sameKeys(a, b []Count) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			return false
		}
	}
	return true
}

// TestAttackMetropolitan attacks one publication of the real shape: 55
// comuni, most of them with a handful of people.
func TestAttackMetropolitan(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("slow: .ci/run runs it without the race detector")
	}
	rng := rand.New(rand.NewPCG(55, 1))
	pub := synthPublication(synthPeople(rng, 900, 55), 55)
	res := mustProtect(t, pub)
	for _, f := range attackOne(t, pub, res, 5) {
		t.Error(f)
	}
}
