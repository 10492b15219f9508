//go:build naivehold

package store

import (
	"context"

	"github.com/gesta-er/gesta/internal/domain"
)

// holdCounter, in the naivehold build, counts free places before the write
// transaction begins (read-then-write), as a spreadsheet-minded
// implementation would. It exists for the mutation check:
// TestHoldsNeverOversell and TestPlanPlacementConcurrency must fail with it
// (.ci/run).
func holdCounter(ctx context.Context, db *DB, codes []string) freeCounter {
	before := map[string]int{}
	for _, code := range codes {
		if f, err := db.Facilities.FindFacility(ctx, code); err == nil {
			before[f.Code] = f.Free
		}
	}
	return func(_ context.Context, _ *Tx, f domain.Facility) (int, error) { return before[f.Code], nil }
}
