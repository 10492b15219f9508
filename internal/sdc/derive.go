package sdc

import (
	"math"
	"sort"
)

// PerThousand is a rate per 1,000 residents from a protected count (R6), to
// one decimal; none when the count is suppressed or there are no residents.
func PerThousand(c Cell, residents int) (float64, bool) {
	v, ok := c.Published()
	if !ok || residents <= 0 {
		return 0, false
	}
	return math.Round(float64(v)*10000/float64(residents)) / 10, true
}

// Percent is part's share of total from protected counts (R6), to one
// decimal; none when either is suppressed or the total is 0.
func Percent(part, total Cell) (float64, bool) {
	p, ok1 := part.Published()
	t, ok2 := total.Published()
	if !ok1 || !ok2 || t == 0 {
		return 0, false
	}
	return math.Round(float64(p)*1000/float64(t)) / 10, true
}

// Change is the difference between two protected values of the same figure
// in consecutive months (R8): none when either is suppressed, and, at comune
// level, none when either is below cfg.ChangeMin.
func Change(prev, cur Cell, comuneLevel bool, cfg Config) (int, bool) {
	p, ok1 := prev.Published()
	c, ok2 := cur.Published()
	if !ok1 || !ok2 {
		return 0, false
	}
	if comuneLevel && (p < cfg.ChangeMin || c < cfg.ChangeMin) {
		return 0, false
	}
	return c - p, true
}

// TopN keeps the n largest counts that reach the threshold (R3: the top
// nationalities) in their order of size (ties by key) and sums the others into
// other, which is returned last when it is needed.
func TopN(counts []Count, n, threshold int, other Count) []Count {
	sorted := append([]Count(nil), counts...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Raw != sorted[j].Raw {
			return sorted[i].Raw > sorted[j].Raw
		}
		return sorted[i].Key < sorted[j].Key
	})
	var out []Count
	rest, folded := other, false
	rest.Raw = 0
	for i, c := range sorted {
		if i < n && c.Raw >= threshold {
			out = append(out, c)
			continue
		}
		rest.Raw += c.Raw
		rest.Sensitive = rest.Sensitive || c.Sensitive
		folded = true
	}
	if folded {
		out = append(out, rest)
	}
	return out
}
