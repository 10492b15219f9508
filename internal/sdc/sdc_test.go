package sdc

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// table builds a one-way table: total and categories named id/0, id/1, ...
func table(id string, total int, raws ...int) Table {
	t := Table{ID: id, Dimension: "d", Total: Count{Key: id, Raw: total}}
	for i, r := range raws {
		t.Cells = append(t.Cells, Count{Key: fmt.Sprintf("%s/%d", id, i), Raw: r})
	}
	return t
}

// show renders a cell as "value" or "-" (suppressed) or "hidden", with its rules.
func show(c Cell) string {
	v := fmt.Sprint(c.Value)
	switch {
	case c.Hidden:
		v = "hidden"
	case c.Status == Suppressed:
		v = "-"
	}
	if len(c.Rules) > 0 {
		var rs []string
		for _, r := range c.Rules {
			rs = append(rs, string(r))
		}
		v += "[" + strings.Join(rs, ",") + "]"
	}
	return v
}

// row renders a table result as "total | cell cell ...".
func row(t TableResult) string {
	var parts []string
	for _, c := range t.Cells {
		parts = append(parts, show(c))
	}
	total := ""
	if t.Total != nil {
		total = show(*t.Total)
	}
	return total + " | " + strings.Join(parts, " ")
}

func TestRules(t *testing.T) {
	sens := func(tb Table) Table { tb.Sensitive = true; return tb }
	cases := []struct {
		name string
		pub  Publication
		want []string // one row per table
	}{
		{"R4 threshold and R5 single suppressed cell beside a published total",
			Publication{Tables: []Table{table("a", 20, 3, 17, 0)}},
			[]string{"20 | -[R4] -[R5] 0"}},
		{"R4 sensitive table: T = 10",
			Publication{Tables: []Table{sens(table("a", 40, 7, 12, 21))}},
			[]string{"40 | -[R4] -[R5] 20[R6]"}},
		{"R4 sensitive cell (0-17 band) among ordinary ones",
			Publication{Tables: []Table{{ID: "eta", Total: Count{Key: "m", Raw: 60}, Cells: []Count{
				{Key: "0-17", Raw: 8, Sensitive: true}, {Key: "18-24", Raw: 8}, {Key: "25+", Raw: 44}}}}},
			[]string{"60 | -[R4] -[R5] 45[R6]"}},
		{"R4 zero inside a small table is suppressed, then R5",
			Publication{Tables: []Table{table("a", 12, 12, 0)}},
			[]string{"10[R6] | -[R5] -[R4]"}},
		{"R4 zero inside a large table is shown; zero total shown",
			Publication{Tables: []Table{table("a", 30, 30, 0), table("b", 0, 0, 0)}},
			[]string{"30 | 30 0", "0 | 0 0"}},
		{"R5 ties: smallest first, then input order",
			Publication{Tables: []Table{table("a", 65, 3, 6, 6, 50)}},
			[]string{"65 | -[R4] -[R5] 5[R6] 50"}},
		{"R5 keeps suppressing until the suppressed cells reach T",
			Publication{Tables: []Table{table("a", 100, 1, 1, 1, 97)}},
			[]string{"100 | -[R4] -[R4] -[R4] -[R5]"}},
		{"R5 line of suppressed cells short of T takes the next smallest",
			Publication{Tables: []Table{table("a", 60, 1, 2, 27, 30)}},
			[]string{"60 | -[R4] -[R4] -[R5] 30"}},
		{"R4 and R6 on a month of the series: independent figures, no secondary suppression",
			Publication{Tables: []Table{{ID: "mese", Cells: []Count{{Key: "presenze", Raw: 123},
				{Key: "ingressi", Raw: 3}, {Key: "uscite", Raw: 0}}}}},
			[]string{" | 125[R6] -[R4] 0"}},
		{"R6 totals rounded from the unrounded total: parts need not add up",
			Publication{Tables: []Table{table("a", 21, 7, 7, 7)}},
			[]string{"20[R6] | 5[R6] 5[R6] 5[R6]"}},
		{"R3 folded category: never shown, no secondary suppression",
			Publication{Tables: []Table{{ID: "sesso", Total: Count{Key: "m", Raw: 90}, Cells: []Count{
				{Key: "F", Raw: 40}, {Key: "M", Raw: 50}, {Key: "X", Raw: 0, Fold: true}}}}},
			[]string{"90 | 40 50 hidden[R3]"}},
		{"R5 linked tables sharing the total",
			Publication{Tables: []Table{table("m", 40, 3, 37), {ID: "b", Total: Count{Key: "m", Raw: 40},
				Cells: []Count{{Key: "x", Raw: 20}, {Key: "y", Raw: 20}}}}},
			[]string{"40 | -[R4] -[R5]", "40 | 20 20"}},
		{"R5 hierarchy: a comune with a breakdown is the last choice",
			Publication{Tables: []Table{
				{ID: "comuni", Total: Count{Key: "m", Raw: 52}, Cells: []Count{
					{Key: "c1", Raw: 2}, {Key: "c2", Raw: 25}, {Key: "c3", Raw: 25}}},
				{ID: "c2/tipo", Dimension: "tipo_struttura", Total: Count{Key: "c2", Raw: 25},
					Comune: &Comune{Code: "c2", Facilities: 3, LargestShare: 0.4},
					Cells:  []Count{{Key: "c2/cas", Raw: 20}, {Key: "c2/sai", Raw: 5}}},
			}},
			[]string{"50[R6] | -[R4] 25 -[R5]", "25 | 20 5"}},
		{"R5 hierarchy: a comune suppressed in the comune table needs a second cell in its breakdown",
			Publication{Tables: []Table{
				{ID: "comuni", Total: Count{Key: "m", Raw: 27}, Cells: []Count{
					{Key: "c1", Raw: 2}, {Key: "c2", Raw: 25}}},
				{ID: "c2/tipo", Dimension: "tipo_struttura", Total: Count{Key: "c2", Raw: 25},
					Comune: &Comune{Code: "c2", Facilities: 3, LargestShare: 0.4},
					Cells:  []Count{{Key: "c2/cas", Raw: 20}, {Key: "c2/sai", Raw: 5}}},
			}},
			[]string{"25[R6] | -[R4] -[R5]", "-[R5] | 20 -[R5]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := mustProtect(t, c.pub)
			var got []string
			for _, tr := range res.Tables {
				got = append(got, row(tr))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestComuneBreakdown(t *testing.T) {
	pub := func(total int, c Comune, raws ...int) Publication {
		b := table("c/tipo", total, raws...)
		b.Total.Key = "c"
		b.Dimension = "tipo_struttura"
		b.Comune = &c
		return Publication{Tables: []Table{{ID: "comuni", Total: Count{Key: "m", Raw: total + 100},
			Cells: []Count{{Key: "c", Raw: total}, {Key: "other", Raw: 100}}}, b}}
	}
	cases := []struct {
		name string
		pub  Publication
		want string
	}{
		{"R2 total below 20", pub(19, Comune{Facilities: 3, LargestShare: 0.5}, 10, 9), "20[R6] | hidden[R2] hidden[R2]"},
		{"R2 more than 3 categories", pub(40, Comune{Facilities: 4, LargestShare: 0.3}, 10, 10, 10, 10),
			"40 | hidden[R2] hidden[R2] hidden[R2] hidden[R2]"},
		{"R7 single facility", pub(30, Comune{Facilities: 1, LargestShare: 1}, 30, 0), "30 | hidden[R7] hidden[R7]"},
		{"R7 dominant facility (85%)", pub(40, Comune{Facilities: 2, LargestShare: 0.85}, 34, 6),
			"40 | hidden[R7] hidden[R7]"},
		{"shown", pub(40, Comune{Facilities: 3, LargestShare: 0.6}, 24, 16), "40 | 25[R6] 15[R6]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := mustProtect(t, c.pub)
			if got := row(res.Tables[1]); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestInputErrors(t *testing.T) {
	forbidden := table("c/eta", 30, 30)
	forbidden.Total.Key, forbidden.Dimension, forbidden.Comune = "c", "eta", &Comune{Code: "c", Facilities: 3}
	twice := func(id, dim string) Table {
		b := table(id, 30, 30)
		b.Total.Key, b.Dimension, b.Comune = "c", dim, &Comune{Code: "c", Facilities: 3}
		return b
	}
	cases := map[string]struct {
		pub  Publication
		want string
	}{
		"sum":      {Publication{Tables: []Table{table("a", 10, 3, 4)}}, "add up to 7"},
		"negative": {Publication{Tables: []Table{table("a", 5, -1, 6)}}, "negative"},
		"key clash": {Publication{Tables: []Table{table("a", 10, 10),
			{ID: "b", Total: Count{Key: "a", Raw: 11}, Cells: []Count{{Key: "b/0", Raw: 11}}}}}, "differs"},
		"repeated id":  {Publication{Tables: []Table{table("a", 10, 10), table("a", 10, 10)}}, "repeated"},
		"comune × age": {Publication{Tables: []Table{forbidden}}, "no eta breakdown"},
		"two breakdowns": {Publication{Tables: []Table{twice("c/x", "tipo_struttura"), twice("c/y", "sesso")}},
			"already has a breakdown"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Protect(c.pub, DefaultConfig())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one with %q", err, c.want)
			}
		})
	}
	bad := DefaultConfig()
	bad.Base = 4
	if _, err := Protect(Publication{}, bad); err == nil {
		t.Error("an even rounding base was accepted")
	}
}

// TestAuditPins: four parts of 8 are published as 10 each and their total 32
// as 30; an attacker reads 32 = 4 × 8 from [28, 32] and [8, 12]⁴. The audit
// must break it.
func TestAuditPins(t *testing.T) {
	res := mustProtect(t, Publication{Tables: []Table{table("a", 32, 8, 8, 8, 8)}})
	if got := row(res.Tables[0]); got != "30[R6] | -[R5] -[R5] 10[R6] 10[R6]" {
		t.Errorf("got %q", got)
	}
}

func TestDerived(t *testing.T) {
	cfg := DefaultConfig()
	pub := Cell{Value: 25, Status: Published}
	sup := Cell{Status: Suppressed}
	if v, ok := PerThousand(pub, 12345); !ok || v != 2.0 {
		t.Errorf("PerThousand = %v, %v", v, ok)
	}
	if _, ok := PerThousand(sup, 1000); ok {
		t.Error("a rate from a suppressed count")
	}
	if v, ok := Percent(pub, Cell{Value: 75, Status: Published}); !ok || v != 33.3 {
		t.Errorf("Percent = %v, %v", v, ok)
	}
	if _, ok := Change(Cell{Value: 15, Status: Published}, pub, true, cfg); ok {
		t.Error("R8: a comune change below 20")
	}
	if d, ok := Change(Cell{Value: 15, Status: Published}, pub, false, cfg); !ok || d != 10 {
		t.Errorf("metropolitan change = %d, %v", d, ok)
	}
	if _, ok := Change(sup, pub, false, cfg); ok {
		t.Error("R8: a change from a suppressed value")
	}
	got := TopN([]Count{{Key: "A", Raw: 3}, {Key: "B", Raw: 9}, {Key: "C", Raw: 9}, {Key: "D", Raw: 6}}, 2, 5,
		Count{Key: "ALTRE"})
	want := []Count{{Key: "B", Raw: 9}, {Key: "C", Raw: 9}, {Key: "ALTRE", Raw: 9}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TopN = %v", got)
	}
}

// randomPublications are the synthetic populations of the property tests.
func randomPublications(n int) []Publication {
	rng := rand.New(rand.NewPCG(9, 15))
	var out []Publication
	for range n {
		comuni := 2 + rng.IntN(8)
		out = append(out, synthPublication(synthPeople(rng, rng.IntN(150), comuni), comuni))
	}
	return out
}

// TestProperties checks R9 on every table produced: no public value in
// 1..T-1, every published count a multiple of the base, a suppressed cell
// has no value, and idempotence. Also determinism.
func TestProperties(t *testing.T) {
	cfg := DefaultConfig()
	n := 40
	if testing.Short() || raceEnabled {
		n = 4 // .ci/run runs the full set without the race detector
	}
	for n, pub := range randomPublications(n) {
		res := mustProtect(t, pub)
		for _, tr := range res.Tables {
			all := slices.Clone(tr.Cells)
			if tr.Total != nil {
				all = append(all, *tr.Total)
			}
			for _, c := range all {
				v, ok := c.Published()
				switch {
				case !ok && c.Value != 0:
					t.Errorf("case %d %s: suppressed with a value %d", n, c.Key, c.Value)
				case ok && c.Hidden:
					t.Errorf("case %d %s: hidden but published", n, c.Key)
				case ok && v > 0 && v < c.Threshold:
					t.Errorf("case %d %s: published %d below T = %d", n, c.Key, v, c.Threshold)
				case ok && v%cfg.Base != 0:
					t.Errorf("case %d %s: published %d not a multiple of %d", n, c.Key, v, cfg.Base)
				}
			}
		}
		again := mustProtect(t, pub)
		if !reflect.DeepEqual(res, again) {
			t.Fatalf("case %d: two runs differ", n)
		}
		twice := mustProtect(t, res.Publication(pub))
		if a, b := public(res), public(twice); !reflect.DeepEqual(a, b) {
			t.Fatalf("case %d: not idempotent:\n%v\n%v", n, a, b)
		}
	}
}

// public is what a result shows: per key, value or status.
func public(r *Result) map[string]string {
	m := map[string]string{}
	for k, c := range cells(r) {
		m[k] = show(Cell{Value: c.Value, Status: c.Status, Hidden: c.Hidden})
	}
	return m
}

// TestPublic: the public copy has no raw values, no rules, no hidden cells.
func TestPublic(t *testing.T) {
	res := mustProtect(t, Publication{Tables: []Table{{ID: "sesso", Total: Count{Key: "m", Raw: 93}, Cells: []Count{
		{Key: "F", Raw: 41}, {Key: "M", Raw: 50}, {Key: "X", Raw: 2, Fold: true}}}}})
	pub := res.Public()
	b, err := json.Marshal(pub)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"tables":[{"id":"sesso","dimension":"","total":{"key":"m","value":95,"status":"pubblicato","threshold":5},` +
		`"cells":[{"key":"F","value":40,"status":"pubblicato","threshold":5},` +
		`{"key":"M","value":50,"status":"pubblicato","threshold":5}]}]}`
	if string(b) != want {
		t.Errorf("public JSON\n%s\nwant\n%s", b, want)
	}
	if c, _ := res.Cell("F"); c.Raw != 41 || len(c.Rules) == 0 {
		t.Errorf("the preview lost its raw value or rules: %+v", c)
	}
}
