//go:build !mutant_gestore

package store

import (
	"context"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// checkGestore requires the managing entity to exist and to be registered in
// the facility's province: a facility is run by an entity of its province,
// and an entity's operators read and write the guests of its facilities, so
// handing a facility to another province's entity would hand over its guests.
func checkGestore(ctx context.Context, tx *Tx, gestoreID, province string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM gestori WHERE id = $1 AND province_code = $2`,
		gestoreID, province).Scan(&n); err != nil {
		return fmt.Errorf("store: check gestore: %w", err)
	}
	if n == 0 {
		return domain.Err(domain.EINVALID, "err.facility.invalid").WithFields(
			map[string]domain.FieldError{"gestore": domain.Field("err.facility.gestore_province")})
	}
	return nil
}
