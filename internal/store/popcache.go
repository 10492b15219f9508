package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gesta-er/gesta/internal/domain"
)

// DefaultAfterDays is the "still hosted after a final decision" threshold the
// materialised figures are kept for; other thresholds are computed live.
const DefaultAfterDays = 30

// dayKey is the Italian calendar day of an instant.
func dayKey(t time.Time) string { return t.In(italy).Format("2006-01-02") }

// cachedDims are the breakdowns kept per day and province.
var cachedDims = []string{"sex", "household", "stage", "nationality", "comune", "facility_type", "age", "length"}

// label names a key of a dimension, as the live aggregation does: places and
// countries by their name; coded keys get their label from the catalogues in
// the adapters (i18n.StatLabels), so "" here.
func label(dim, key string, names map[string]string) string {
	switch dim {
	case "nationality":
		return domain.NationalityName(key)
	case "comune":
		return names[key]
	}
	return ""
}

// population returns the figures of a province (or the region: the sum of
// its provinces) at the end of a day: from population_daily for past days
// (computing and keeping a missing province-day), live for today and for
// thresholds other than the default.
func (db *DB) population(ctx context.Context, province string, day time.Time, afterDays int, want ...string) (*population, error) {
	end := endOfDay(day)
	if afterDays != DefaultAfterDays {
		return db.aggregate(ctx, province, end, afterDays, want...)
	}
	provinces := []string{province}
	if province == "" {
		ps, err := db.Territory.ListProvinces(ctx)
		if err != nil {
			return nil, err
		}
		provinces = provinces[:0]
		for _, p := range ps {
			provinces = append(provinces, p.Code)
		}
	}
	key := dayKey(end.Add(-time.Second))
	out := &population{by: map[string]*counter{}}
	for _, d := range cachedDims {
		out.by[d] = newCounter()
	}
	if !end.Before(endOfDay(db.Now())) {
		// Today (so far): each province from the cache or computed, summed.
		for _, p := range provinces {
			pp, err := db.today.get(p, key, func() (*population, error) {
				return db.aggregate(ctx, p, end, afterDays, cachedDims...)
			})
			if err != nil {
				return nil, err
			}
			out.total += pp.total
			out.after += pp.after
			for _, d := range cachedDims {
				for _, it := range pp.by[d].m {
					out.by[d].addN(it.Key, it.Label, it.Count)
				}
			}
		}
		return out, nil
	}
	var names map[string]string
	for _, p := range provinces {
		rows, err := queryAll(ctx, db.read, "population cache", func(s scanner) (cacheRow, error) {
			var r cacheRow
			return r, s.Scan(&r.dim, &r.key, &r.count)
		}, `SELECT dim, key, count FROM population_daily WHERE day = $1 AND province_code = $2`, key, p)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			agg, err := db.aggregate(ctx, p, end, DefaultAfterDays, cachedDims...)
			if err != nil {
				return nil, err
			}
			rows = cacheRows(agg)
			// Keep it for next time; a failure here costs only speed, so the
			// answer is still given.
			_ = db.storeCache(ctx, key, p, rows)
		}
		for _, r := range rows {
			switch r.dim {
			case "total":
				out.total += r.count
			case "after":
				out.after += r.count
			default:
				if r.dim == "comune" && names == nil {
					if names, err = db.comuneNames(ctx); err != nil {
						return nil, err
					}
				}
				out.by[r.dim].addN(r.key, label(r.dim, r.key, names), r.count)
			}
		}
	}
	return out, nil
}

type cacheRow struct {
	dim, key string
	count    int
}

func cacheRows(p *population) []cacheRow {
	rows := []cacheRow{{"total", "total", p.total}, {"after", "after", p.after}}
	for _, d := range cachedDims {
		for _, it := range p.by[d].m {
			rows = append(rows, cacheRow{d, it.Key, it.Count})
		}
	}
	return rows
}

func (db *DB) storeCache(ctx context.Context, day, province string, rows []cacheRow) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM population_daily WHERE day = $1 AND province_code = $2`, day, province); err != nil {
			return err
		}
		b := newBatch(ctx, tx, "population_daily", []string{"day", "province_code", "dim", "key", "count"})
		for _, r := range rows {
			if err := b.add(day, province, r.dim, r.key, r.count); err != nil {
				return err
			}
		}
		return b.flush()
	})
}

// dropCache forgets the figures of a province from a day on: a stay entered,
// closed or changed with that date changes them. Called in the transaction of
// the change.
func dropCache(ctx context.Context, tx *Tx, province string, from time.Time) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM population_daily WHERE province_code = $1 AND day >= $2`, province, dayKey(from))
	if err != nil {
		return fmt.Errorf("store: drop population cache: %w", err)
	}
	return nil
}

// countFlow adds an entry or an exit to the day's flows, in the transaction
// of the stay.
func countFlow(ctx context.Context, tx *Tx, province string, at time.Time, entry bool) error {
	col := "exits"
	e, x := 0, 1
	if entry {
		col, e, x = "entries", 1, 0
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO stay_flows (day, province_code, entries, exits) VALUES ($1, $2, $3, $4)
		ON CONFLICT (day, province_code) DO UPDATE SET `+col+` = stay_flows.`+col+` + 1`, dayKey(at), province, e, x)
	if err != nil {
		return fmt.Errorf("store: count flow: %w", err)
	}
	return nil
}

// flowCounter adds up entries and exits per day (in Italy) and province, for
// loads that write many stays at once.
type flowCounter map[[2]string][2]int

func (c flowCounter) add(province string, entered time.Time, exited *time.Time) {
	k := [2]string{dayKey(entered), province}
	v := c[k]
	v[0]++
	c[k] = v
	if exited != nil {
		k := [2]string{dayKey(*exited), province}
		v := c[k]
		v[1]++
		c[k] = v
	}
}

// save adds the counts to stay_flows (rows already there keep theirs): in
// multi-row inserts into an empty table (a first load, a rebuild), row by row
// otherwise.
func (c flowCounter) save(ctx context.Context, tx *Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM stay_flows`).Scan(&n); err != nil {
		return fmt.Errorf("store: save flows: %w", err)
	}
	if n == 0 {
		b := newBatch(ctx, tx, "stay_flows", []string{"day", "province_code", "entries", "exits"})
		for k, v := range c {
			if err := b.add(k[0], k[1], v[0], v[1]); err != nil {
				return err
			}
		}
		return b.flush()
	}
	for k, v := range c {
		if _, err := tx.ExecContext(ctx, `INSERT INTO stay_flows (day, province_code, entries, exits) VALUES ($1, $2, $3, $4)
			ON CONFLICT (day, province_code) DO UPDATE SET entries = stay_flows.entries + $3, exits = stay_flows.exits + $4`,
			k[0], k[1], v[0], v[1]); err != nil {
			return fmt.Errorf("store: save flows: %w", err)
		}
	}
	return nil
}

// BuildPopulationCache recomputes the materialised figures for every day
// from `from` to yesterday and the daily flows, in one sweep over the stays
// (entries and exits in time order; age, length of stay and time since the
// decision by Fenwick trees over days), then writes them in one
// transaction. Used after bulk loads; the nightly job adds one day at a time.
func (s *StatsService) BuildPopulationCache(ctx context.Context, from time.Time) error {
	type stay struct {
		province, sex, nat, stage, comune, ftype string
		household, msna                          bool
		birth, entered                           time.Time
		exited, stageDate                        sql.NullTime
	}
	stays, err := queryAll(ctx, s.db.read, "population sweep", func(s scanner) (stay, error) {
		var x stay
		var birth sql.NullTime
		err := s.Scan(&x.province, &x.sex, &x.nat, &x.stage, &x.comune, &x.ftype, &x.household, &x.msna, &birth,
			&x.entered, &x.exited, &x.stageDate)
		x.birth = birth.Time
		return x, err
	}, `SELECT province_code, sex, nationality, stage, comune_code, facility_type, in_household, msna, birth_date,
		entered_at, exited_at, stage_date FROM stays`)
	if err != nil {
		return err
	}
	today := endOfDay(s.db.Now()).AddDate(0, 0, -1) // start of today, Italian time
	first := endOfDay(from).AddDate(0, 0, -1)
	days := int(today.Sub(first).Hours()/24 + 0.5)
	if days <= 0 {
		return nil
	}
	// Day index of an instant: its Italian calendar day, counted from 1900.
	// Thresholds are local midnights, so that "born on or after", "entered on
	// or after" and "decided before" fall on whole days, as in the live query.
	epoch := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	idx := func(t time.Time) int {
		l := t.In(italy)
		return int(time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC).Sub(epoch).Hours()/24 + 0.5)
	}
	type prov struct {
		static                 map[[2]string]int // (dim, key) → count
		birth, entered, decide *fenwick
		total                  int
	}
	span := idx(today) + 2
	provs := map[string]*prov{}
	get := func(p string) *prov {
		if provs[p] == nil {
			provs[p] = &prov{static: map[[2]string]int{}, birth: newFenwick(span), entered: newFenwick(span), decide: newFenwick(span)}
		}
		return provs[p]
	}
	type event struct {
		at   time.Time
		i    int
		sign int
	}
	var events []event
	flows := flowCounter{}
	for i, s := range stays {
		events = append(events, event{s.entered, i, 1})
		var exited *time.Time
		if s.exited.Valid {
			events = append(events, event{s.exited.Time, i, -1})
			exited = &s.exited.Time
		}
		flows.add(s.province, s.entered, exited)
	}
	sort.Slice(events, func(a, b int) bool { return events[a].at.Before(events[b].at) })
	apply := func(e event) {
		s := stays[e.i]
		p := get(s.province)
		hk, _ := HouseholdType(s.sex, s.household, s.msna)
		for _, dk := range [][2]string{{"sex", s.sex}, {"household", hk}, {"stage", s.stage}, {"nationality", s.nat},
			{"comune", s.comune}, {"facility_type", s.ftype}} {
			if dk[1] == "" {
				dk[1] = "sconosciuto"
			}
			p.static[dk] += e.sign
		}
		p.total += e.sign
		p.birth.add(clamp(idx(s.birth), span), e.sign)
		p.entered.add(clamp(idx(s.entered), span), e.sign)
		if domain.FinalDecision(domain.ProcedureStage(s.stage)) && s.stageDate.Valid {
			p.decide.add(clamp(idx(s.stageDate.Time), span), e.sign)
		}
	}
	type out struct {
		day, province, dim, key string
		count                   int
	}
	var rows []out
	ei := 0
	for d := range days {
		end := first.In(italy).AddDate(0, 0, d+1)
		for ei < len(events) && events[ei].at.Before(end) {
			apply(events[ei])
			ei++
		}
		day := dayKey(end.Add(-time.Second))
		for code, p := range provs {
			if p.total == 0 {
				continue
			}
			rows = append(rows, out{day, code, "total", "total", p.total})
			for dk, n := range p.static {
				if n != 0 {
					rows = append(rows, out{day, code, dk[0], dk[1], n})
				}
			}
			// Born after the day m+1 years before the end: at most m years old.
			prev := 0
			for _, b := range ageBands[:len(ageBands)-1] {
				younger := p.total - p.birth.sum(clamp(idx(end.AddDate(-(b.max+1), 0, 0)), span))
				if n := younger - prev; n > 0 {
					rows = append(rows, out{day, code, "age", b.key, n})
				}
				prev = younger
			}
			if n := p.total - prev; n > 0 {
				rows = append(rows, out{day, code, "age", ageBands[len(ageBands)-1].key, n})
			}
			prev = 0
			for _, b := range lengthBands[:len(lengthBands)-1] {
				recent := p.total - p.entered.sum(clamp(idx(end.AddDate(0, 0, -b.days)), span))
				if n := recent - prev; n > 0 {
					rows = append(rows, out{day, code, "length", b.key, n})
				}
				prev = recent
			}
			if n := p.total - prev; n > 0 {
				rows = append(rows, out{day, code, "length", lengthBands[len(lengthBands)-1].key, n})
			}
			if n := p.decide.sum(clamp(idx(end.AddDate(0, 0, -DefaultAfterDays)), span)); n > 0 {
				rows = append(rows, out{day, code, "after", "after", n})
			}
		}
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM population_daily`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM stay_flows`); err != nil {
			return err
		}
		b := newBatch(ctx, tx, "population_daily", []string{"day", "province_code", "dim", "key", "count"})
		for _, r := range rows {
			if err := b.add(r.day, r.province, r.dim, r.key, r.count); err != nil {
				return err
			}
		}
		if err := b.flush(); err != nil {
			return err
		}
		if err := flows.save(ctx, tx); err != nil {
			return err
		}
		return tx.audit(ctx, "population.cache", "job", "population", "Days", days, "Rows", len(rows), "Flows", len(flows))
	})
}

func clamp(i, n int) int { return max(0, min(i, n-1)) }

// fenwick counts by day index; sum(i) is the count at indices < i.
type fenwick struct{ t []int }

func newFenwick(n int) *fenwick { return &fenwick{t: make([]int, n+1)} }

func (f *fenwick) add(i, v int) {
	for i++; i < len(f.t); i += i & -i {
		f.t[i] += v
	}
}

func (f *fenwick) sum(i int) int {
	s := 0
	for i = min(i, len(f.t)-1); i > 0; i -= i & -i {
		s += f.t[i]
	}
	return s
}

// LivePopulation computes a breakdown from the stays, bypassing the
// materialised figures: to check them, and for tests.
func (s *StatsService) LivePopulation(ctx context.Context, province string, day time.Time, by string) ([]domain.StatItem, int, int, error) {
	province, _, err := s.db.statsScope(ctx, province)
	if err != nil {
		return nil, 0, 0, err
	}
	p, err := s.db.aggregate(ctx, province, endOfDay(day), DefaultAfterDays, by, "age")
	if err != nil {
		return nil, 0, 0, err
	}
	return p.by[by].items(), p.total, p.after, nil
}

// todayCache keeps today's figures per province until the next change there
// (in this process, or announced by another through NOTIFY): today's cannot
// be materialised, and a dashboard is read far more often than a stay is
// recorded. The region's are the sum of its provinces', so a change in one
// province recomputes that one only. One computation per key at a time.
type todayCache struct {
	global  atomic.Uint64
	mu      sync.Mutex
	gens    map[string]uint64 // province code → changes seen
	entries map[string]todayEntry
	flight  singleflight.Group
}

type todayEntry struct {
	gen uint64
	p   *population
}

// invalidate drops a province's figures ("" : every province's).
func (c *todayCache) invalidate(province string) {
	if province == "" {
		c.global.Add(1)
		return
	}
	c.mu.Lock()
	if c.gens == nil {
		c.gens = map[string]uint64{}
	}
	c.gens[province]++
	c.mu.Unlock()
}

func (c *todayCache) get(province, day string, compute func() (*population, error)) (*population, error) {
	key := province + "|" + day
	c.mu.Lock()
	gen := c.global.Load()<<32 + c.gens[province]
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && e.gen == gen {
		return e.p, nil
	}
	v, err, _ := c.flight.Do(fmt.Sprint(key, "@", gen), func() (any, error) {
		p, err := compute()
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.entries == nil || len(c.entries) > 200 {
			c.entries = map[string]todayEntry{}
		}
		c.entries[key] = todayEntry{gen: gen, p: p}
		c.mu.Unlock()
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*population), nil
}

// provinceOfFacility maps a facility code ("BO-0001") to its province's
// ISTAT code through the sigla; "" when unknown.
func (db *DB) provinceOfFacility(code string) string {
	db.siglaOnce.Do(func() {
		db.siglas = map[string]string{}
		ps, err := db.Territory.ListProvinces(context.Background())
		if err != nil {
			return
		}
		for _, p := range ps {
			db.siglas[p.Sigla] = p.Code
		}
	})
	sigla, _, _ := strings.Cut(code, "-")
	return db.siglas[sigla]
}
