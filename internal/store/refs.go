package store

import (
	"context"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// The references a request carries — a managing entity, a comune, a
// household, a guest, a facility — are checked here, inside the writing
// transaction, against the caller's scope and the record they attach to.
// What a form offered proves nothing: a replayed request can carry any id.
// Out-of-scope references read as "not found" (guests, households,
// facilities) or as an invalid field (a managing entity or a comune, which
// are public registers: saying "not in this province" leaks nothing).

// checkComune requires a facility's comune to be in its province: a
// facility does not move between provinces (its code, office and guests'
// scope follow the province).
func checkComune(ctx context.Context, tx *Tx, comune, province string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM comuni WHERE code = $1 AND province_code = $2`,
		comune, province).Scan(&n); err != nil {
		return fmt.Errorf("store: check comune: %w", err)
	}
	if n == 0 {
		return domain.Err(domain.EINVALID, "err.facility.invalid").WithFields(
			map[string]domain.FieldError{"comune": domain.Field("err.facility.comune_province")})
	}
	return nil
}

// householdMembers counts a household's members and those the caller may read.
func householdMembers(ctx context.Context, tx *Tx, householdID string) (total, visible int, err error) {
	cond, args, err := guestScope(ctx, 2)
	if err != nil {
		return 0, 0, err
	}
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN `+cond+` THEN 1 ELSE 0 END), 0)
		FROM guests g WHERE g.household_id = $1`, append([]any{householdID}, args...)...).Scan(&total, &visible)
	if err != nil {
		return 0, 0, fmt.Errorf("store: household members: %w", err)
	}
	return total, visible, nil
}

// checkGuest requires the guest to be one the caller may read; any other
// reads as not found (an entry would otherwise pull a stranger into scope).
func checkGuest(ctx context.Context, tx *Tx, guestID string) error {
	cond, args, err := guestScope(ctx, 2)
	if err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM guests g WHERE g.id = $1 AND `+cond,
		append([]any{guestID}, args...)...).Scan(&n); err != nil {
		return fmt.Errorf("store: check guest: %w", err)
	}
	if n == 0 {
		return domain.Err(domain.ENOTFOUND, "err.guest.not_found")
	}
	return nil
}
