package alloc

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestAnnealCostIsExact: what anneal says its placement costs beyond the
// start's is what the placement costs with the single people where the
// start put them, on small family-heavy batches whose comuni's rooms are
// often full (overflow paid); and tryPlan, re-optimising the single people
// around it, costs no more.
func TestAnnealCostIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 2026))
	checked, improved, overflow := 0, 0, 0
	for trial := range 400 {
		in := familyShaped(r, func() int { return 2 + r.IntN(8) }, func() int { return 4 + r.IntN(14) }, func() bool { return r.IntN(3) != 0 })
		m := buildNetwork(in).build()
		g := m.g
		if sent, _ := g.solve(m.s, m.t, m.need); sent != m.need {
			t.Fatalf("trial %d: the root flow does not carry every unit", trial)
		}
		root, rootCost := g.save(), g.flowCost()
		c, ok := m.pack(false)
		if !ok {
			continue
		}
		start := g.save()
		// The single people's flows at the start.
		single := map[int]int64{}
		for _, a := range m.classSig {
			single[a[0]] = g.flow(a[0])
		}
		for _, a := range m.sigFac {
			single[a[0]] = g.flow(a[0])
		}
		plan, sum := m.anneal(root, start, c-rootCost, 20000, uint64(trial), time.Now().Add(time.Minute), &SolveStats{})
		if sum > 0 {
			t.Fatalf("trial %d: anneal returned a placement %d above its start", trial, sum)
		}
		if sum < 0 {
			improved++
			g.load(root)
			got, ok := m.tryPlan(plan)
			if !ok || got > c+sum {
				t.Fatalf("trial %d: anneal said %d, the placement re-optimised costs %d (%v)", trial, c+sum, got, ok)
			}
		}
		// The plan with the single people held, on a network of its own
		// (fixing arcs outside the households' is not undone by load).
		h := buildNetwork(in).build()
		h.g.solve(h.s, h.t, h.need)
		for k := range h.nw.hhClasses {
			for _, a := range h.hhArcs[k] {
				h.g.setFlow(a[0], 0)
			}
			h.g.setFlow(h.hhOut[k], 0)
		}
		for _, p := range plan {
			h.g.setFlow(int(p[1]), p[2])
		}
		for a, v := range single {
			h.g.setFlow(a, v)
		}
		if !h.g.reoptimize() {
			t.Fatalf("trial %d: anneal's placement does not fit beside the start's single people", trial)
		}
		if got := h.g.flowCost(); got != c+sum {
			t.Fatalf("trial %d: anneal said %d, the placement costs %d with the single people held", trial, c+sum, got)
		}
		if overGuideline(h) {
			overflow++
		}
		checked++
	}
	t.Logf("checked %d, improved %d, with overflow %d", checked, improved, overflow)
	if checked < 200 || improved < 20 || overflow < 20 {
		t.Errorf("checked %d, improved %d, with overflow %d: the check is nearly idle", checked, improved, overflow)
	}
}

// overGuideline: the model's flow puts someone over a comune's room.
func overGuideline(m *model) bool {
	g := m.g
	for a := 0; a < len(g.to); a += 2 {
		if int(g.to[a]) == m.t && g.cost[a] > 0 && g.cost[a] == m.nw.in.Weights.OverGuideline && g.flow(a) > 0 {
			return true
		}
	}
	return false
}

// TestAnnealDeadline: past its deadline anneal makes no move and returns
// the start's placement.
func TestAnnealDeadline(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 2026))
	for trial := 0; trial < 50; trial++ {
		in := familyShaped(r, func() int { return 4 + r.IntN(6) }, func() int { return 8 + r.IntN(10) }, func() bool { return r.IntN(3) != 0 })
		m := buildNetwork(in).build()
		g := m.g
		g.solve(m.s, m.t, m.need)
		root, rootCost := g.save(), g.flowCost()
		c, ok := m.pack(false)
		if !ok || c == rootCost {
			continue
		}
		var stats SolveStats
		_, sum := m.anneal(root, g.save(), c-rootCost, 1_000_000, 1, time.Now().Add(-time.Second), &stats)
		if sum != 0 || stats.AnnealMoves != 0 {
			t.Fatalf("trial %d: past the deadline, %d moves and a gain of %d", trial, stats.AnnealMoves, -sum)
		}
		return
	}
	t.Fatal("no batch to anneal")
}
