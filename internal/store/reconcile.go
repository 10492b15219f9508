package store

import (
	"context"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// openStaysByFacility counts the people present per facility in the registry.
const openStaysByFacility = `SELECT facility_id, COUNT(*) AS n FROM stays WHERE exited_at IS NULL GROUP BY facility_id`

// Reconciliation compares, facility by facility, the occupied places the
// facilities record with the people the registry has present, for the caller's
// province (a prefecture) or the region (the coordinator): totals over every
// facility in scope and one page of the facilities that differ, largest
// difference first. Permission facility:write (EFORBIDDEN): the offices that
// keep the register are the ones who chase a difference. page is 1-based;
// size rows per page.
func (s *FacilityService) Reconciliation(ctx context.Context, provinceCode string, page, size int) (domain.Reconciliation, error) {
	sc, err := scopeWith(ctx, domain.PermFacilityWrite, "err.perm.facility_write")
	if err != nil {
		return domain.Reconciliation{}, err
	}
	province, _, err := s.db.filterArgs(ctx, domain.FacilityFilter{ProvinceCode: provinceCode})
	if err != nil {
		return domain.Reconciliation{}, err
	}
	if sc.province != "" {
		if province != "" && province != sc.province {
			return domain.Reconciliation{}, domain.Err(domain.ENOTFOUND, "err.province.not_found", "Province", provinceCode)
		}
		province = sc.province
	}
	size = max(size, 1)
	page = max(page, 1)
	var out domain.Reconciliation
	from := ` FROM facilities f JOIN gestori g ON g.id = f.gestore_id
		LEFT JOIN (` + openStaysByFacility + `) s ON s.facility_id = f.id
		WHERE ($1 = '' OR f.province_code = $1)`
	if err := s.db.read.QueryRowContext(ctx, `
		SELECT COALESCE(SUM(f.occupied), 0), COALESCE(SUM(s.n), 0),
		       COALESCE(SUM(CASE WHEN f.uses_registry THEN 1 ELSE 0 END), 0),
		       COALESCE(SUM(CASE WHEN f.uses_registry THEN 0 ELSE 1 END), 0),
		       COALESCE(SUM(CASE WHEN f.occupied <> COALESCE(s.n, 0) THEN 1 ELSE 0 END), 0)`+from, province).
		Scan(&out.Occupied, &out.Registered, &out.FromRegistry, &out.Declared, &out.Total); err != nil {
		return domain.Reconciliation{}, fmt.Errorf("store: reconciliation: %w", err)
	}
	out.Rows, err = queryAll(ctx, s.db.read, "reconciliation", func(sc scanner) (domain.ReconciliationRow, error) {
		var r domain.ReconciliationRow
		err := sc.Scan(&r.Code, &r.Name, &r.ProvinceCode, &r.GestoreName, &r.Registry, &r.Occupied, &r.Registered)
		r.Difference = r.Occupied - r.Registered
		return r, err
	}, `SELECT f.code, f.name, f.province_code, g.name, f.uses_registry, f.occupied, COALESCE(s.n, 0)`+from+`
		  AND f.occupied <> COALESCE(s.n, 0)
		ORDER BY ABS(f.occupied - COALESCE(s.n, 0)) DESC, f.code
		LIMIT $2 OFFSET $3`, province, size, (page-1)*size)
	if err != nil {
		return domain.Reconciliation{}, err
	}
	return out, nil
}

// SeedOccupancyModes sets how the facilities count their occupied places:
// every facility derives them from its open stays except those in declared,
// which keep a declaration of the registry's count plus the given
// difference (never below zero nor above the active capacity). One
// transaction; for demo and test data (no audit rows: a system load).
func (s *FacilityService) SeedOccupancyModes(ctx context.Context, declared map[string]int) error {
	codes := make([]string, 0, len(declared))
	for c := range declared {
		codes = append(codes, c)
	}
	sortStrings(codes)
	err := s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `
			UPDATE facilities SET uses_registry = true,
				occupied = (SELECT COUNT(*) FROM stays WHERE stays.facility_id = facilities.id AND stays.exited_at IS NULL)`); err != nil {
			return fmt.Errorf("store: occupancy modes: %w", err)
		}
		for _, code := range codes {
			var occupied, active int
			if err := tx.QueryRowContext(ctx, `SELECT occupied, capacity_active FROM facilities WHERE code = $1`, code).
				Scan(&occupied, &active); err != nil {
				return fmt.Errorf("store: occupancy modes: %s: %w", code, err)
			}
			occupied = min(max(occupied+declared[code], 0), active)
			if _, err := tx.ExecContext(ctx, `UPDATE facilities SET uses_registry = false, occupied = $1 WHERE code = $2`,
				occupied, code); err != nil {
				return fmt.Errorf("store: occupancy modes: %w", err)
			}
		}
		return nil
	})
	if err == nil {
		s.db.boardCache.invalidate()
	}
	return err
}
