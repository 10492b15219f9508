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
// When it says it searched every fill to the end (true), no placement costs
// less than its cutoff: the brute force's optimum is at least the cutoff —
// with the depth-first look and with the look by limited discrepancy.
// Some looks must end so, or the check is idle.
func TestFaceFill(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 2026))
	const trials = 300
	atRoot, reported, proofs, ldsProofs, memoHits := 0, 0, 0, 0, 0
	for trial := range trials {
		in := familyInstance(r)
		m := buildNetwork(in).build()
		m.g.solve(m.s, m.t, m.need)
		rootCost, root := m.g.flowCost(), m.g.save()
		split := m.fractional() > 0
		want := bruteForce(in)
		for i, d := range []int64{1, 1, 1, 2, 4, 4, 8, 32, 4, 8} {
			lim := rootFace
			switch {
			case i == 1 || i == 8:
				lim = faceLimits{leaves: 8, steps: 0, leafBudget: 200, ldsSteps: 400} // by limited discrepancy only
			case i == 9:
				lim = atBoundFaceNear
			case i == 2 || i == 5:
				lim = faceLimits{leaves: 1, steps: 1, leafBudget: 1} // cut short: no proof to claim
			case d > 1 && i < 8:
				lim = boundFace
			}
			m.g.load(root)
			exhausted := m.faceFill(root, rootCost, rootCost+d, lim, searchParams{deadline: time.Now().Add(5 * time.Second)},
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
			if exhausted {
				if lim.steps == 0 {
					ldsProofs++
				}
				if want < rootCost+d {
					t.Fatalf("trial %d, cutoff root + %d: searched to the end without a placement below %d, the optimum is %d",
						trial, d, rootCost+d, want)
				}
				proofs++
			}
		}
		memoHits += m.faceMemoHits
	}
	t.Logf("%d placements reported, %d of the root's cost where the root flow split a household; %d looks proved a bound above the root's (%d by limited discrepancy alone); %d fills skipped by the memo",
		reported, atRoot, proofs, ldsProofs, memoHits)
	if ldsProofs < trials/50 {
		t.Errorf("the look by limited discrepancy alone searched to the end in only %d looks", ldsProofs)
	}
	if proofs < trials/50 {
		t.Errorf("faceFill searched to the end and proved a bound above the root's in only %d looks", proofs)
	}
	if atRoot < trials/50 {
		t.Errorf("faceFill found a placement of the root's cost after a split in only %d trials", atRoot)
	}
}

// TestFaceMemo: faceFill's memo (states searched to the end, skipped when
// reached again) changes no proof. On family-heavy
// batches with facilities enough for many exact fills, looks at cutoffs
// up to 89 above the root's cost must end the same with the memo as
// without it (the look TestFaceFill checks against the brute force) —
// searched to the end, or a placement below the cutoff found — unless the
// look without it stops at a limit; and the memo must skip fills, or the
// check is idle.
func TestFaceMemo(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 2026))
	trials := 120
	if testing.Short() {
		trials = 30
	}
	hits, proofs := 0, 0
	for trial := range trials {
		in := familyShaped(r, func() int { return 20 + r.IntN(20) }, func() int { return 16 + r.IntN(20) }, func() bool { return r.IntN(5) != 0 })
		m := buildNetwork(in).build()
		m.g.solve(m.s, m.t, m.need)
		rootCost, root := m.g.flowCost(), m.g.save()
		for _, d := range []int64{1, 2, 3, 5, 8, 13, 21, 34, 55, 89} {
			var outcome [2]string
			for i, noMemo := range []bool{false, true} {
				m.g.load(root)
				lim := faceLimits{leaves: 1 << 20, steps: 20000, leafBudget: 2000, noMemo: noMemo}
				found := false
				switch m.faceFill(root, rootCost, rootCost+d, lim, searchParams{deadline: time.Now().Add(time.Minute)}, &SolveStats{},
					func(int64) { found = true }) {
				case true:
					outcome[i] = "searched to the end"
				case found:
					outcome[i] = "found a placement"
				default:
					outcome[i] = "stopped at a limit"
				}
			}
			if outcome[0] != outcome[1] && outcome[1] != "stopped at a limit" {
				t.Fatalf("trial %d, cutoff root + %d: %s with the memo, %s without", trial, d, outcome[0], outcome[1])
			}
			if outcome[0] == "searched to the end" {
				proofs++
			}
		}
		hits += m.faceMemoHits
	}
	t.Logf("%d looks searched to the end; %d fills skipped by the memo", proofs, hits)
	if hits < trials || proofs < trials/4 {
		t.Errorf("%d fills skipped by the memo, %d looks searched to the end: the check is nearly idle", hits, proofs)
	}
}
