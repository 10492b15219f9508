package sdc

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestGolden protects small synthetic populations with tiny cells and
// compares every table, with raw values and rules, to testdata/*.golden
// (go test ./internal/sdc/ -run TestGolden -update rewrites them).
func TestGolden(t *testing.T) {
	cases := []struct {
		name          string
		seed          uint64
		people, comun int
	}{
		{"tiny", 1, 12, 3},
		{"small", 2, 45, 4},
		{"medium", 3, 140, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(c.seed, 15))
			pub := synthPublication(synthPeople(rng, c.people, c.comun), c.comun)
			got := render(mustProtect(t, pub))
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs; run with -update and review the diff.\ngot:\n%s", path, got)
			}
		})
	}
}

// render writes a result as the coordinator's preview would show it: key,
// raw value, published value or status, rules.
func render(r *Result) string {
	var b strings.Builder
	line := func(c Cell, total bool) {
		v := fmt.Sprint(c.Value)
		switch {
		case c.Hidden:
			v = "nascosto"
		case c.Status == Suppressed:
			v = "soppresso"
		}
		mark := "  "
		if total {
			mark = "Σ "
		}
		var rules []string
		for _, r := range c.Rules {
			rules = append(rules, string(r))
		}
		fmt.Fprintf(&b, "  %s%-34s raw %4d  T %2d  %-9s %s\n", mark, c.Key, c.Raw, c.Threshold, v, strings.Join(rules, ","))
	}
	for _, t := range r.Tables {
		fmt.Fprintf(&b, "%s (%s)\n", t.ID, t.Dimension)
		if t.Total != nil {
			line(*t.Total, true)
		}
		for _, c := range t.Cells {
			line(c, false)
		}
	}
	return b.String()
}
