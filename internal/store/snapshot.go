package store

import (
	"context"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// TakeSnapshots stores, once per Italian calendar day, every facility's
// figures, so that trends never depend on someone having kept a spreadsheet.
// It returns the rows written (0 if today's snapshot exists).
func (s *FacilityService) TakeSnapshots(ctx context.Context) (int, error) {
	now := s.db.Now()
	day := now.In(italy).Format("2006-01-02")
	var n int
	err := s.db.InTx(ctx, func(tx *Tx) error {
		sys := domain.NewContextWithActor(ctx, domain.ActorSystem)
		fs, err := s.db.boardFacilitiesTx(sys, tx, now)
		if err != nil {
			return err
		}
		ok, err := claimJob(ctx, tx, "snapshots", day, fmt.Sprint(len(fs)))
		if err != nil || !ok {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `
			INSERT INTO facility_snapshots (day, facility_id, province_code, target, capacity_active, blocked, occupied,
				held, free, confirmed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (day, facility_id) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("store: snapshots: %w", err)
		}
		defer stmt.Close()
		for _, f := range fs {
			if _, err := stmt.ExecContext(ctx, day, f.ID, f.ProvinceCode, f.Target, f.Active, f.Blocked, f.Occupied,
				f.Held, f.Free, f.ConfirmedAt); err != nil {
				return fmt.Errorf("store: snapshot %s: %w", f.Code, err)
			}
			n++
		}
		return tx.audit(ctx, "snapshots.take", "job", day, "Facilities", n)
	})
	return n, err
}

// FreeSeries returns free places per province and day over the last days,
// from the snapshots.
func (s *FacilityService) FreeSeries(ctx context.Context, days int) (map[string]map[string]int, error) {
	from := s.db.Now().In(italy).AddDate(0, 0, -days).Format("2006-01-02")
	type row struct {
		province, day string
		free          int
	}
	rows, err := queryAll(ctx, s.db.read, "free series", func(s scanner) (row, error) {
		var r row
		err := s.Scan(&r.province, &r.day, &r.free)
		return r, err
	}, `SELECT province_code, day, SUM(free) FROM facility_snapshots WHERE day > $1 GROUP BY province_code, day`, from)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]int{}
	for _, r := range rows {
		if out[r.province] == nil {
			out[r.province] = map[string]int{}
		}
		out[r.province][r.day] = r.free
	}
	return out, nil
}

// SeedSnapshots writes synthetic daily snapshots for the last days before
// today (demo data only), from each facility's current figures and a
// deviation the caller draws: history for the charts of a fresh demo.
// (One prepared single-row INSERT: with modernc's SQLite, statements with
// thousands of placeholders were measured ten times slower.)
func (s *FacilityService) SeedSnapshots(ctx context.Context, days int, deviation func(facility, day int) int) error {
	now := s.db.Now()
	return s.db.InTx(ctx, func(tx *Tx) error {
		fs, err := s.db.boardFacilitiesTx(ctx, tx, now)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `
			INSERT INTO facility_snapshots (day, facility_id, province_code, target, capacity_active, blocked, occupied,
				held, free, confirmed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (day, facility_id) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("store: seed snapshots: %w", err)
		}
		defer stmt.Close()
		for d := days; d >= 1; d-- {
			at := now.AddDate(0, 0, -d)
			day := at.In(italy).Format("2006-01-02")
			for i, f := range fs {
				// Free as TakeSnapshots and the board count it (a suspended
				// facility has none; today's holds and blocks stand in for
				// the past days'), so the history meets today's figure.
				g := f
				g.Occupied = min(max(f.Occupied+deviation(i, d), 0), f.Active)
				g.ComputeFree()
				if _, err := stmt.ExecContext(ctx, day, f.ID, f.ProvinceCode, f.Target, f.Active, g.Blocked, g.Occupied,
					g.Held, g.Free, at); err != nil {
					return fmt.Errorf("store: seed snapshot: %w", err)
				}
			}
		}
		return tx.audit(ctx, "snapshots.seed", "job", "demo", "Days", days, "Facilities", len(fs))
	})
}
