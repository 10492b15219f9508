//go:build !mutant_household

package store

import (
	"context"

	"github.com/gesta-er/gesta/internal/domain"
)

// checkHousehold lets a guest join a household only when every member
// already registered is one the caller may read: a household of another
// province (or entity) reads as not found, and a new id starts a household.
func checkHousehold(ctx context.Context, tx *Tx, householdID string) error {
	if householdID == "" {
		return nil
	}
	total, visible, err := householdMembers(ctx, tx, householdID)
	if err != nil {
		return err
	}
	if visible < total {
		return domain.Err(domain.ENOTFOUND, "err.household.not_found")
	}
	return nil
}
