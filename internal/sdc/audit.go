package sdc

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// The audit plays the attacker: it knows every relation of the publication,
// that a published value v > 0 came from a count in [max(v-h, T), v+h] (h =
// Base/2, rounded down; a count below T would have been suppressed), that a
// published 0 is exactly 0, and that a suppressed or hidden figure is some
// count ≥ 0. It bounds each figure by linear programming. It models rounding
// as the policy has it, whatever the build: under sdc_norounding the audit
// does not notice the missing rounding, and the tests' attacker must.

// interval is what the attacker knows of a figure.
type interval struct {
	lo, hi float64 // hi = +Inf for unknown figures
}

func (s *state) known(f *figure) interval {
	if f.suppr {
		return interval{0, math.Inf(1)}
	}
	return publishedInterval(f.value, f.threshold, s.cfg.Base)
}

// publishedInterval is the set of counts a published value can come from
// under the policy.
func publishedInterval(v, threshold, base int) interval {
	if v == 0 {
		return interval{0, 0}
	}
	h := base / 2
	return interval{float64(max(v-h, threshold)), float64(v + h)}
}

// components groups the figures linked by relations (union-find).
func (s *state) components() [][]int {
	parent := make([]int, len(s.figs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, r := range s.rels {
		for _, p := range r.parts {
			a, b := find(r.total), find(p)
			if a != b {
				parent[max(a, b)] = min(a, b)
			}
		}
	}
	groups := map[int][]int{}
	var order []int
	for i := range s.figs {
		root := find(i)
		if _, ok := groups[root]; !ok {
			order = append(order, root)
		}
		groups[root] = append(groups[root], i)
	}
	out := make([][]int, 0, len(order))
	for _, root := range order {
		out = append(out, groups[root])
	}
	return out
}

// model is the attacker's linear programme over one component, in
// standard form (A y = b, y ≥ 0) with x = lo + y: one row per independent
// relation and one row with its own slack per finite upper bound. Figures
// known exactly (a published 0) are constants, not columns.
type model struct {
	known  []interval
	col    []int // figure (component position) → column, -1 for a constant
	a      *mat.Dense
	b      []float64
	cols   int
	points [][]float64 // feasible points seen so far, as x over the component
	basis  []int       // a feasible basis from the first optimum, reused to skip phase I
}

func buildModel(rels [][]float64, known []interval) *model {
	n := len(known)
	m := &model{known: known, col: make([]int, n)}
	nv := 0
	for k, iv := range known {
		m.col[k] = -1
		if iv.hi > iv.lo {
			m.col[k] = nv
			nv++
		}
	}
	var ubs []int
	for k, iv := range known {
		if m.col[k] >= 0 && !math.IsInf(iv.hi, 1) {
			ubs = append(ubs, k)
		}
	}
	m.cols = nv + len(ubs)
	var rows [][]float64
	var rhs []float64
	var reduced [][]float64
	for _, r := range rels {
		row := make([]float64, m.cols)
		b, any := 0.0, false
		for k, a := range r {
			if a == 0 {
				continue
			}
			b -= a * known[k].lo
			if c := m.col[k]; c >= 0 {
				row[c] += a
				any = true
			}
		}
		if !any {
			continue // only constants: nothing to learn
		}
		reduced = append(reduced, append(row[:nv:nv], b))
	}
	for _, r := range independentRows(reduced, nv) {
		row := make([]float64, m.cols)
		copy(row, r[:nv])
		b := r[nv]
		if b < 0 {
			for j := range row {
				row[j] = -row[j]
			}
			b = -b
		}
		rows = append(rows, row)
		rhs = append(rhs, b)
	}
	for i, k := range ubs {
		row := make([]float64, m.cols)
		row[m.col[k]] = 1
		row[nv+i] = 1
		rows = append(rows, row)
		rhs = append(rhs, known[k].hi-known[k].lo)
	}
	if len(rows) > 0 {
		m.a = mat.NewDense(len(rows), m.cols, nil)
		for i, r := range rows {
			m.a.SetRow(i, r)
		}
		m.b = rhs
	}
	return m
}

// independentRows keeps a maximal set of linearly independent rows over the
// first n columns (Gaussian elimination; the coefficients are small
// integers, the last column rides along).
func independentRows(rels [][]float64, n int) [][]float64 {
	var basis [][]float64
	var pivots []int
	var keep [][]float64
	for _, r := range rels {
		v := append([]float64(nil), r[:n]...)
		for k, b := range basis {
			if f := v[pivots[k]]; f != 0 {
				for j := range v {
					v[j] -= f * b[j]
				}
			}
		}
		p := -1
		for j := range n {
			if math.Abs(v[j]) > 1e-9 {
				p = j
				break
			}
		}
		if p < 0 {
			continue
		}
		f := v[p]
		for j := range v {
			v[j] /= f
		}
		for _, b := range basis {
			if g := b[p]; g != 0 {
				for j := range b {
					b[j] -= g * v[j]
				}
			}
		}
		basis = append(basis, v)
		pivots = append(pivots, p)
		keep = append(keep, r)
	}
	return keep
}

var errLP = errors.New("sdc: the audit's linear programme failed")

// solve minimises sign·x_k and records the optimum as a feasible point.
func (m *model) solve(k int, sign float64) (float64, error) {
	c := make([]float64, m.cols)
	c[m.col[k]] = sign
	f, y, err := m.simplex(c)
	if err != nil {
		return 0, err
	}
	if m.basis == nil {
		m.basis = basisOf(m.a, y)
	}
	x := make([]float64, len(m.known))
	for j, iv := range m.known {
		x[j] = iv.lo
		if cj := m.col[j]; cj >= 0 {
			x[j] += y[cj]
		}
	}
	m.points = append(m.points, x)
	return m.known[k].lo + sign*f, nil
}

// simplex solves from the saved basis when there is one; gonum panics on a
// basis it finds infeasible (rounding), and then phase I runs after all.
func (m *model) simplex(c []float64) (f float64, y []float64, err error) {
	if m.basis != nil {
		ok := func() (ok bool) {
			defer func() {
				if recover() != nil {
					ok = false
				}
			}()
			f, y, err = lp.Simplex(c, m.a, m.b, 1e-10, slices.Clone(m.basis))
			return true
		}()
		if ok {
			return f, y, err
		}
		m.basis = nil
	}
	return lp.Simplex(c, m.a, m.b, 1e-10, nil)
}

// basisOf completes the support of a vertex y of A y = b into a basis: the
// columns where y > 0, then others (slacks first, from the right) while
// they stay independent. nil when it cannot.
func basisOf(a *mat.Dense, y []float64) []int {
	rows, cols := a.Dims()
	var basis []int
	var reduced [][]float64 // columns in echelon form, with their pivot rows
	var pivots []int
	try := func(j int) bool {
		v := make([]float64, rows)
		for i := range rows {
			v[i] = a.At(i, j)
		}
		for k, r := range reduced {
			if f := v[pivots[k]]; f != 0 {
				for i := range v {
					v[i] -= f * r[i]
				}
			}
		}
		p := -1
		for i := range rows {
			if math.Abs(v[i]) > 1e-9 && (p < 0 || math.Abs(v[i]) > math.Abs(v[p])) {
				p = i
			}
		}
		if p < 0 {
			return false
		}
		f := v[p]
		for i := range v {
			v[i] /= f
		}
		reduced = append(reduced, v)
		pivots = append(pivots, p)
		basis = append(basis, j)
		return true
	}
	for j, v := range y {
		if v > 1e-9 && !try(j) {
			return nil
		}
	}
	for j := cols - 1; j >= 0 && len(basis) < rows; j-- {
		if y[j] <= 1e-9 {
			try(j)
		}
	}
	if len(basis) != rows {
		return nil
	}
	return basis
}

// bounds returns the least and greatest value of figure k.
func (m *model) bounds(k int) (float64, float64, error) {
	iv := m.known[k]
	if m.col[k] < 0 || m.a == nil || colZero(m.a, m.col[k]) {
		return iv.lo, iv.hi, nil
	}
	lo, err := m.solve(k, 1)
	if err != nil {
		return 0, 0, errLP
	}
	hi, err := m.solve(k, -1)
	switch {
	case errors.Is(err, lp.ErrUnbounded):
		hi = math.Inf(1)
	case err != nil:
		return 0, 0, errLP
	}
	return lo, hi, nil
}

// spread is the range of figure k over the feasible points seen: a lower
// bound of the attacker's interval, enough to clear a figure without
// solving.
func (m *model) spread(k int) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range m.points {
		lo, hi = min(lo, p[k]), max(hi, p[k])
	}
	return lo, hi
}

func colZero(a *mat.Dense, k int) bool {
	r, _ := a.Dims()
	for i := range r {
		if a.At(i, k) != 0 {
			return false
		}
	}
	return true
}

// span is an attacker's interval over whole counts.
func span(lo, hi float64) (int, float64) {
	l := math.Ceil(lo - 1e-6)
	if math.IsInf(hi, 1) {
		return int(l), math.Inf(1)
	}
	return int(l), math.Floor(hi+1e-6) - l
}

// weak reports whether the attacker's bounds on a figure break the rule: a
// suppressed figure with people in it narrowed below its threshold, or a
// published non-zero figure recovered exactly.
func weak(f *figure, lo, hi float64) bool {
	_, width := span(lo, hi)
	if f.suppr {
		if f.hidden && f.raw == 0 {
			return false
		}
		return width < float64(f.threshold)
	}
	return f.value > 0 && width < 1
}

// audit suppresses more figures until the attacker's bounds are wide
// enough: per component, the first weak figure in input order gets the
// smallest published figure it shares a relation with suppressed (itself,
// if it is published and has none); then R5's line test runs again.
func (s *state) audit() {
	unfixable := map[int]bool{}
	for range len(s.figs) + 1 {
		changed := false
		for _, comp := range s.components() {
			for {
				i := s.firstWeak(comp, unfixable)
				if i < 0 {
					break
				}
				if j := s.fixFor(i); j >= 0 {
					s.suppress(j)
					changed = true
					break
				}
				unfixable[i] = true
			}
		}
		if !changed {
			return
		}
		s.secondary()
	}
}

// firstWeak returns the first figure of a component the attacker narrows too
// much, or -1. The true counts are a feasible point, and every solved
// programme adds one: a figure whose spread over them is already wide enough
// needs no programme of its own.
func (s *state) firstWeak(comp []int, skip map[int]bool) int {
	col := map[int]int{}
	for k, i := range comp {
		col[i] = k
	}
	var rels [][]float64
	for _, r := range s.rels {
		if _, ok := col[r.total]; !ok {
			continue
		}
		row := make([]float64, len(comp))
		row[col[r.total]] = 1
		for _, p := range r.parts {
			row[col[p]] -= 1
		}
		rels = append(rels, row)
	}
	known := make([]interval, len(comp))
	truth := make([]float64, len(comp))
	for k, i := range comp {
		known[k] = s.known(s.figs[i])
		truth[k] = float64(s.figs[i].raw)
	}
	m := buildModel(rels, known)
	if feasible(truth, known, rels) {
		m.points = append(m.points, truth)
	}
	// Suppressed figures first: their programmes' optima clear many
	// published figures.
	order := make([]int, 0, len(comp))
	for k, i := range comp {
		if s.figs[i].suppr {
			order = append(order, k)
		}
	}
	for k, i := range comp {
		if !s.figs[i].suppr {
			order = append(order, k)
		}
	}
	for _, k := range order {
		i := comp[k]
		f := s.figs[i]
		if skip[i] || (!f.suppr && f.value == 0) || (f.hidden && f.raw == 0) {
			continue
		}
		if lo, hi := m.spread(k); !weak(f, lo, hi) {
			continue
		}
		lo, hi, err := m.bounds(k)
		if err != nil || weak(f, lo, hi) {
			// A failed programme counts as weak: protect rather than guess.
			return i
		}
	}
	return -1
}

// feasible reports whether x is within the attacker's intervals and meets
// the relations (true counts do, unless republished).
func feasible(x []float64, known []interval, rels [][]float64) bool {
	for k, v := range x {
		if v < known[k].lo || v > known[k].hi {
			return false
		}
	}
	for _, r := range rels {
		sum := 0.0
		for k, a := range r {
			sum += a * x[k]
		}
		if sum != 0 {
			return false
		}
	}
	return true
}

// fixFor picks what to suppress for a weak figure.
func (s *state) fixFor(i int) int {
	var members []int
	for _, r := range s.rels {
		in := r.total == i
		for _, p := range r.parts {
			in = in || p == i
		}
		if in {
			members = append(members, r.parts...)
			members = append(members, r.total)
		}
	}
	if j := s.candidate(members, i); j >= 0 {
		return j
	}
	if f := s.figs[i]; !f.suppr {
		return i
	}
	return -1
}
