package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// boardCache keeps computed boards for a second, and drops them at any change:
// the board is read far more often than figures change.
type boardCache struct {
	mu      sync.Mutex
	entries map[domain.FacilityFilter]cachedBoard
}

type cachedBoard struct {
	b   domain.Board
	exp time.Time
}

const boardTTL = time.Second

func (c *boardCache) get(f domain.FacilityFilter, now time.Time) (domain.Board, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[f]
	if !ok || now.After(e.exp) {
		return domain.Board{}, false
	}
	return e.b, true
}

func (c *boardCache) put(f domain.FacilityFilter, b domain.Board, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 1000 {
		c.entries = map[domain.FacilityFilter]cachedBoard{}
	}
	c.entries[f] = cachedBoard{b: b, exp: now.Add(boardTTL)}
}

func (c *boardCache) invalidate() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}

// Board implements domain.FacilityService: free places by province × target.
// Aggregated figures: the coordinator, prefectures and viewers (stats:read)
// see the region; an operator sees its own facilities.
func (s *FacilityService) Board(ctx context.Context, flt domain.FacilityFilter) (domain.Board, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return domain.Board{}, err
	}
	if !sc.can(domain.PermFacilityRead) && !sc.can(domain.PermStatsRead) {
		return domain.Board{}, domain.Err(domain.EFORBIDDEN, "err.perm.board_read")
	}
	if sc.gestore != "" {
		flt.GestoreID = sc.gestore
	}
	now := s.db.Now()
	if b, ok := s.db.boardCache.get(flt, now); ok {
		return b, nil
	}
	// One computation at a time per filter: concurrent misses wait for it
	// rather than all doing the same work (the cache's thundering herd).
	v, err, _ := s.db.boardFlight.Do(fmt.Sprintf("%+v", flt), func() (any, error) {
		if b, ok := s.db.boardCache.get(flt, now); ok {
			return b, nil
		}
		fs, err := s.db.boardFacilities(ctx, flt, now)
		if err != nil {
			return domain.Board{}, err
		}
		provinces, err := s.db.Territory.ListProvinces(ctx)
		if err != nil {
			return domain.Board{}, err
		}
		sigla := map[string]string{}
		for _, p := range provinces {
			sigla[p.Code] = p.Sigla
		}
		b := BoardOf(fs, sigla)
		b.At, b.Deadline = now, s.db.Facilities.LastDeadline(now)
		s.db.boardCache.put(flt, b, now)
		return b, nil
	})
	if err != nil {
		return domain.Board{}, err
	}
	return v.(domain.Board), nil
}

// boardFacilities reads just what the board sums, with holds and blocks in
// force joined in one statement: a fraction of the full facility rows.
func (db *DB) boardFacilities(ctx context.Context, flt domain.FacilityFilter, now time.Time) ([]domain.Facility, error) {
	return db.boardQuery(ctx, db.read, flt, now)
}

// boardFacilitiesTx reads the same rows inside a transaction (snapshots).
func (db *DB) boardFacilitiesTx(ctx context.Context, tx *Tx, now time.Time) ([]domain.Facility, error) {
	return db.boardQuery(ctx, tx, domain.FacilityFilter{}, now)
}

func (db *DB) boardQuery(ctx context.Context, q querier, flt domain.FacilityFilter, now time.Time) ([]domain.Facility, error) {
	province, feature, err := db.filterArgs(ctx, flt)
	if err != nil {
		return nil, err
	}
	deadline := db.Facilities.StaleBefore(now)
	fs, err := queryAll(ctx, q, "board", func(s scanner) (domain.Facility, error) {
		var f domain.Facility
		var confirmed sql.NullTime
		err := s.Scan(&f.ID, &f.Code, &f.ProvinceCode, &f.Target, &f.Status, &f.Active, &f.Occupied, &confirmed, &f.Held, &f.Blocked, &f.UsesRegistry)
		f.ComputeFree()
		f.ConfirmedAt = timePtr(confirmed)
		f.Stale = f.Status == domain.StatusActive && (!confirmed.Valid || confirmed.Time.Before(deadline))
		return f, err
	}, `
		SELECT f.id, f.code, f.province_code, f.target, f.status, f.capacity_active, f.occupied, f.confirmed_at,
		       COALESCE(h.n, 0), COALESCE(b.n, 0), f.uses_registry
		FROM facilities f
		LEFT JOIN (`+heldByFacility+`) h ON h.facility_id = f.id
		LEFT JOIN (`+blockedByFacility+`) b ON b.facility_id = f.id
		WHERE ($2 = '' OR f.province_code = $2)
		  AND ($3 = '' OR f.type = $3)
		  AND ($4 = '' OR f.target = $4)
		  AND ($5 = '' OR f.features LIKE $5)
		  AND ($6 = '' OR f.gestore_id = $6)`,
		now, province, string(flt.Type), string(flt.Target), feature, flt.GestoreID)
	if err != nil {
		return nil, err
	}
	return onlyStale(fs, flt.OnlyStale), nil
}

// BoardOf sums facilities into province × target rows (in province and
// target order) and totals. Closed and suspended facilities count no places.
func BoardOf(fs []domain.Facility, sigla map[string]string) domain.Board {
	type key struct {
		p string
		t domain.Target
	}
	cells := map[key]*domain.BoardRow{}
	var b domain.Board
	add := func(r *domain.BoardRow, f domain.Facility) {
		r.Facilities++
		if f.Status == domain.StatusActive {
			r.Active += f.Active
			r.Blocked += f.Blocked
			r.Occupied += f.Occupied
			r.Held += f.Held
			r.Free += f.Free
			if !f.UsesRegistry {
				r.OccupiedDeclared += f.Occupied
			}
		}
		if !f.UsesRegistry {
			r.Declared++
		}
		if f.Stale {
			r.Stale++
		}
	}
	for _, f := range fs {
		k := key{f.ProvinceCode, f.Target}
		r, ok := cells[k]
		if !ok {
			r = &domain.BoardRow{ProvinceCode: f.ProvinceCode, Sigla: sigla[f.ProvinceCode], Target: f.Target}
			cells[k] = r
		}
		add(r, f)
		add(&b.Totals, f)
	}
	codes := make([]string, 0, len(sigla))
	for c := range sigla {
		codes = append(codes, c)
	}
	sortStrings(codes)
	for _, p := range codes {
		for _, t := range domain.Targets {
			if r, ok := cells[key{p, t}]; ok {
				b.Rows = append(b.Rows, *r)
			}
		}
	}
	if b.Rows == nil {
		b.Rows = []domain.BoardRow{}
	}
	return b
}
