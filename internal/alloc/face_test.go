package alloc

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestFaceFill: on small family-heavy instances, every placement faceFill
// reports — at the root's cost and within the slacks boundFill uses — is a
// placement whose assignments cost what it says, never below the brute
// force's optimum; one of the root's cost is optimal. It must find one of
// the root's cost in some trials where the root flow splits a household.
func TestFaceFill(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 2026))
	const trials = 300
	atRoot, reported := 0, 0
	for trial := range trials {
		in := familyInstance(r)
		m := buildNetwork(in).build()
		m.g.solve(m.s, m.t, m.need)
		rootCost, root := m.g.flowCost(), m.g.save()
		split := m.fractional() > 0
		want := bruteForce(in)
		for _, d := range []int64{1, 2, 4, 8, 32} {
			lim := rootFace
			if d > 1 {
				lim = boundFace
			}
			m.g.load(root)
			m.faceFill(root, rootCost, rootCost+d, lim, searchParams{deadline: time.Now().Add(5 * time.Second)},
				&SolveStats{}, func(c int64) {
					reported++
					as, un := m.extract()
					got, err := Evaluate(in, as, un)
					if err != nil || got != c {
						t.Fatalf("trial %d, slack %d: reported %d, the placement costs %d (%v)", trial, d-1, c, got, err)
					}
					if c < want {
						t.Fatalf("trial %d, slack %d: %d below the optimum %d", trial, d-1, c, want)
					}
					if c == rootCost && split {
						atRoot++
					}
				})
		}
	}
	t.Logf("%d placements reported, %d of the root's cost where the root flow split a household", reported, atRoot)
	if atRoot < trials/50 {
		t.Errorf("faceFill found a placement of the root's cost after a split in only %d trials", atRoot)
	}
}
