package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gesta-er/gesta/internal/domain"
)

// Breakdowns accepted by Population.
var Breakdowns = []string{"sex", "age", "nationality", "household", "stage", "comune", "facility_type", "length"}

// statsScope checks the permission and resolves the province of a
// statistics call: a province-bound caller is held to its province (another
// one is not found); region-wide callers choose one or none (the region).
func (db *DB) statsScope(ctx context.Context, province string) (string, domain.Actor, error) {
	sc, err := scopeOf(ctx)
	if err == nil {
		err = sc.need(domain.PermStatsRead, "err.perm.stats_read")
	}
	if err != nil {
		return "", sc.a, domain.Err(domain.EFORBIDDEN, "err.perm.stats_read")
	}
	if province != "" {
		p, err := db.Territory.FindProvince(ctx, province)
		if err != nil {
			return "", sc.a, err
		}
		province = p.Code
	}
	if sc.province != "" {
		if province != "" && province != sc.province {
			return "", sc.a, domain.Err(domain.ENOTFOUND, "err.scope.province")
		}
		province = sc.province
	}
	return province, sc.a, nil
}

// endOfDay is the first instant after the day (Italian time) of t.
func endOfDay(t time.Time) time.Time {
	local := t.In(italy)
	return time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, italy).AddDate(0, 0, 1).UTC()
}

// sqlArgs numbers query arguments as they are added.
type sqlArgs []any

func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// population is what the aggregation passes found.
type population struct {
	total, after int
	by           map[string]*counter
}

// passes name the dimensions each aggregation pass fills.
var passes = []struct {
	dims []string
}{
	{[]string{"sex", "household", "stage"}},
	{[]string{"age", "length", "after"}},
	{[]string{"nationality"}},
	{[]string{"comune", "facility_type"}},
}

// aggregate counts the people present at an instant in a province (or the
// region), in the database: each pass is a GROUP BY over one range of the
// covering index of the stays (open stays, and stays closed after the
// instant), so only counts come back. Only the passes the wanted dimensions
// need are run; afterDays sets the "still hosted after a final decision" count.
func (db *DB) aggregate(ctx context.Context, province string, end time.Time, afterDays int, want ...string) (*population, error) {
	p := &population{by: map[string]*counter{}}
	var names map[string]string
	var run []int
	for i, pass := range passes {
		needed := false
		for _, d := range pass.dims {
			needed = needed || slices.Contains(want, d)
		}
		if !needed {
			continue
		}
		run = append(run, i)
		for _, d := range pass.dims {
			p.by[d] = newCounter()
		}
		if pass.dims[0] == "comune" {
			var err error
			if names, err = db.comuneNames(ctx); err != nil {
				return nil, err
			}
		}
	}
	// The passes read in parallel (each its own connection and its own
	// counters): on two cores this halves a cold dashboard.
	totals, afters := make([]int, len(passes)), make([]int, len(passes))
	grp, gctx := errgroup.WithContext(ctx)
	for _, i := range run {
		grp.Go(func() error {
			var err error
			totals[i], afters[i], err = db.aggregatePass(gctx, passes[i].dims, province, end, afterDays, p, names)
			return err
		})
	}
	if err := grp.Wait(); err != nil {
		return nil, err
	}
	if len(run) > 0 {
		p.total = totals[run[0]]
		for _, i := range run {
			p.after += afters[i]
		}
	}
	return p, nil
}

// aggregatePass runs one pass, adding to the counters of its dimensions
// (created by aggregate); it returns the total and the "after" count.
func (db *DB) aggregatePass(ctx context.Context, dims []string, province string, end time.Time, afterDays int,
	p *population, names map[string]string) (int, int, error) {
	after := 0
	var args sqlArgs
	at := args.add(end)
	where := "entered_at < " + at
	if province != "" {
		where += " AND province_code = " + args.add(province)
	}
	var cols string
	switch dims[0] {
	case "sex":
		cols = "sex, in_household, msna, stage"
	case "age":
		var age, length strings.Builder
		age.WriteString("CASE")
		// Thresholds are local midnights (see BuildPopulationCache).
		local := end.In(italy)
		for _, b := range ageBands[:len(ageBands)-1] {
			fmt.Fprintf(&age, " WHEN birth_date >= %s THEN '%s'", args.add(local.AddDate(-(b.max+1), 0, 0)), b.key)
		}
		fmt.Fprintf(&age, " WHEN birth_date IS NOT NULL THEN '%s' ELSE '' END", ageBands[len(ageBands)-1].key)
		length.WriteString("CASE")
		for _, b := range lengthBands[:len(lengthBands)-1] {
			fmt.Fprintf(&length, " WHEN entered_at >= %s THEN '%s'", args.add(local.AddDate(0, 0, -b.days)), b.key)
		}
		fmt.Fprintf(&length, " ELSE '%s' END", lengthBands[len(lengthBands)-1].key)
		var final []string
		for _, st := range domain.Stages {
			if domain.FinalDecision(st) {
				final = append(final, "'"+string(st)+"'")
			}
		}
		cols = fmt.Sprintf("%s, %s, CASE WHEN stage IN (%s) AND stage_date < %s THEN 1 ELSE 0 END", age.String(),
			length.String(), strings.Join(final, ", "), args.add(local.AddDate(0, 0, -afterDays)))
	case "nationality":
		cols = "nationality"
	case "comune":
		cols = "comune_code, facility_type"
	}
	n := strings.Count(cols, ", ") + 1
	if dims[0] == "age" {
		n = 3
	}
	group := make([]string, n)
	for i := range group {
		group[i] = strconv.Itoa(i + 1)
	}
	q := fmt.Sprintf(`SELECT %[1]s, COUNT(*) FROM stays WHERE exited_at IS NULL AND %[2]s GROUP BY %[3]s
		UNION ALL SELECT %[1]s, COUNT(*) FROM stays WHERE exited_at >= %[4]s AND %[2]s GROUP BY %[3]s`,
		cols, where, strings.Join(group, ", "), at)
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, 0, fmt.Errorf("store: population %s: %w", dims[0], err)
	}
	total := 0
	for rows.Next() {
		var c int
		switch dims[0] {
		case "sex":
			var sex, stage string
			var household, msna bool
			err = rows.Scan(&sex, &household, &msna, &stage, &c)
			p.by["sex"].addN(sex, "", c)
			k, l := HouseholdType(sex, household, msna)
			p.by["household"].addN(k, l, c)
			p.by["stage"].addN(stage, "", c)
		case "age":
			var age, length string
			var a int
			err = rows.Scan(&age, &length, &a, &c)
			p.by["age"].addN(age, "", c)
			p.by["length"].addN(length, "", c)
			after += a * c
		case "nationality":
			var nat string
			err = rows.Scan(&nat, &c)
			p.by["nationality"].addN(nat, domain.NationalityName(nat), c)
		case "comune":
			var comune, kind string
			err = rows.Scan(&comune, &kind, &c)
			p.by["comune"].addN(comune, names[comune], c)
			p.by["facility_type"].addN(kind, "", c)
		}
		if err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("store: population %s: %w", dims[0], err)
		}
		total += c
	}
	if err := rows.Close(); err != nil {
		return 0, 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: population %s: %w", dims[0], err)
	}
	return total, after, nil
}

// comuneNames maps ISTAT codes to names.
func (db *DB) comuneNames(ctx context.Context) (map[string]string, error) {
	rows, err := queryAll(ctx, db.read, "comune names", func(s scanner) ([2]string, error) {
		var r [2]string
		return r, s.Scan(&r[0], &r[1])
	}, `SELECT code, name FROM comuni`)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r[0]] = r[1]
	}
	return m, nil
}

// Population counts the people present at the end of a day (Italian time) —
// from the stays, so any past date is answered as it was — in a province or
// the region, broken down by one dimension. Every breakdown sums to the same
// total; values that are unknown get their own bucket. Aggregated figures:
// stats:read, within the caller's province when it has one.
func (s *StatsService) Population(ctx context.Context, province string, day time.Time, by string) ([]domain.StatItem, int, error) {
	valid := false
	for _, b := range Breakdowns {
		valid = valid || b == by
	}
	if !valid {
		return nil, 0, domain.Err(domain.EINVALID, "err.stats.dimension_unknown", "By", by)
	}
	province, _, err := s.db.statsScope(ctx, province)
	if err != nil {
		return nil, 0, err
	}
	p, err := s.db.population(ctx, province, day, DefaultAfterDays, by)
	if err != nil {
		return nil, 0, err
	}
	return p.by[by].items(), p.total, nil
}

// HouseholdType is the brief's household classification: MSNA first, then
// members of a household, then single men and single women — the unit
// groups' codes (domain.GroupMinor…), "altro" for the rest. The label is left
// to the adapters (the catalogues' "stats.household.<key>"), so "".
func HouseholdType(sex string, household, msna bool) (string, string) {
	k := "altro"
	switch {
	case msna:
		k = domain.GroupMinor
	case household:
		k = domain.GroupFamily
	case sex == domain.SexFemale:
		k = domain.GroupWoman
	case sex == domain.SexMale:
		k = domain.GroupMan
	}
	return k, ""
}

// lengthBands are the bands of length of stay so far (upper bound in days).
var lengthBands = []struct {
	key  string
	days int
}{{"0-3m", 90}, {"3-6m", 180}, {"6-12m", 365}, {"12-24m", 730}, {"24m+", 0}}

// UnknownKey is the bucket of people whose value is not recorded (an API value).
const UnknownKey = "sconosciuto"

// OtherKey is the bucket of the breakdowns cut to their first rows (an API value).
const OtherKey = "altre"

// counter sums people into buckets; unknown values get their own bucket.
type counter struct {
	m map[string]*domain.StatItem
}

func newCounter() *counter { return &counter{m: map[string]*domain.StatItem{}} }

func (c *counter) add(key, label string) { c.addN(key, label, 1) }

func (c *counter) addN(key, label string, n int) {
	if key == "" {
		key, label = UnknownKey, ""
	}
	if it, ok := c.m[key]; ok {
		it.Count += n
		return
	}
	c.m[key] = &domain.StatItem{Key: key, Label: label, Count: n}
}

// items returns the buckets, largest first (ties by key).
func (c *counter) items() []domain.StatItem {
	out := make([]domain.StatItem, 0, len(c.m))
	for _, it := range c.m {
		out = append(out, *it)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// ageBands are the age bands (upper bound in whole years; the last is open).
var ageBands = []struct {
	key string
	max int
}{{"0-13", 13}, {"14-17", 17}, {"18-24", 24}, {"25-34", 34}, {"35-44", 44}, {"45-54", 54}, {"55+", 0}}

// AgeBand returns the age band at the end of a day: 0-13, 14-17, 18-24,
// 25-34, 35-44, 45-54, 55+. Someone is at most m years old at the end of a
// day when born on or after the next day m+1 years before.
func AgeBand(birth, day time.Time) string {
	end := endOfDay(day).In(italy)
	for _, b := range ageBands[:len(ageBands)-1] {
		if !birth.Before(end.AddDate(-(b.max + 1), 0, 0)) {
			return b.key
		}
	}
	return ageBands[len(ageBands)-1].key
}
