package store

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
)

// DashboardDims are the breakdowns of a dashboard, in display order.
var DashboardDims = []string{"sex", "age", "household", "nationality", "stage", "length", "facility_type", "comune"}

// Dashboard computes the dashboard of a province (or the region) at the end
// of a day. One read of the people present, aggregated here; months are index
// range counts. Vulnerability counts decrypt the sealed records of the people
// present, for roles with PermVulnRead only; the figures are aggregate and
// name nobody.
func (s *StatsService) Dashboard(ctx context.Context, province string, day time.Time, afterDays int) (*domain.Dashboard, error) {
	province, a, err := s.db.statsScope(ctx, province)
	if err != nil {
		return nil, err
	}
	end := endOfDay(day)
	p, err := s.db.population(ctx, province, day, afterDays, DashboardDims...)
	if err != nil {
		return nil, err
	}
	d := &domain.Dashboard{Province: province, Day: end.Add(-time.Second), Total: p.total, By: map[string][]domain.StatItem{},
		AfterDecision: p.after, AfterDays: afterDays}
	for _, dim := range DashboardDims {
		d.By[dim] = ordered(p.by[dim].items(), dimOrder[dim])
	}
	d.By["nationality"] = topN(d.By["nationality"], 10, OtherKey, "")
	if d.Months, err = s.db.monthFlows(ctx, province, end, 12); err != nil {
		return nil, err
	}
	if a.System != "" || domain.Can(a, domain.PermVulnRead) {
		if d.Vulnerabilities, err = s.db.vulnerabilityCounts(ctx, province, end); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// dimOrder is the natural order of the ordinal dimensions (others go by size).
var dimOrder = map[string][]string{
	"age":    {"0-13", "14-17", "18-24", "25-34", "35-44", "45-54", "55+"},
	"length": {"0-3m", "3-6m", "6-12m", "12-24m", "24m+"},
	"sex":    {"M", "F", "X"},
	"stage": func() []string {
		var s []string
		for _, st := range domain.Stages {
			s = append(s, string(st))
		}
		return s
	}(),
}

// ordered sorts items by a key order; keys not in it keep their place after.
func ordered(items []domain.StatItem, order []string) []domain.StatItem {
	if order == nil {
		return items
	}
	rank := map[string]int{}
	for i, k := range order {
		rank[k] = i + 1
	}
	sort.SliceStable(items, func(i, j int) bool {
		ri, rj := rank[items[i].Key], rank[items[j].Key]
		if ri == 0 {
			ri = len(order) + 1
		}
		if rj == 0 {
			rj = len(order) + 1
		}
		return ri < rj
	})
	return items
}

// topN keeps the n largest items and sums the rest into one.
func topN(items []domain.StatItem, n int, key, label string) []domain.StatItem {
	if len(items) <= n {
		return items
	}
	rest := domain.StatItem{Key: key, Label: label}
	for _, it := range items[n:] {
		rest.Count += it.Count
	}
	return append(items[:n:n], rest)
}

// monthFlows sums the daily entries and exits (stay_flows, kept in the
// transaction of each stay) per calendar month for the n months ending with
// end's month, up to end's day.
func (db *DB) monthFlows(ctx context.Context, province string, end time.Time, n int) ([]domain.MonthFlow, error) {
	local := end.Add(-time.Second).In(italy)
	first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, italy).AddDate(0, -(n - 1), 0)
	out := make([]domain.MonthFlow, n)
	index := map[string]int{}
	for i := range n {
		out[i].Month = first.AddDate(0, i, 0).Format("2006-01")
		index[out[i].Month] = i
	}
	type row struct {
		day            string
		entries, exits int
	}
	rows, err := queryAll(ctx, db.read, "month flows", func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.day, &r.entries, &r.exits)
	}, `SELECT day, entries, exits FROM stay_flows WHERE day >= $1 AND day <= $2 AND ($3 = '' OR province_code = $3)`,
		first.Format("2006-01-02"), local.Format("2006-01-02"), province)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if i, ok := index[r.day[:7]]; ok {
			out[i].Entries += r.entries
			out[i].Exits += r.exits
		}
	}
	return out, nil
}

// vulnerabilityCounts counts the people present with each art. 17 code.
func (db *DB) vulnerabilityCounts(ctx context.Context, province string, end time.Time) ([]domain.StatItem, error) {
	if db.Keys == nil {
		return []domain.StatItem{}, nil
	}
	cond, args := "", []any{end}
	if province != "" {
		cond, args = " AND s.province_code = $2", append(args, province)
	}
	type sealed struct{ guest, value string }
	rows, err := queryAll(ctx, db.read, "vulnerability counts", func(s scanner) (sealed, error) {
		var v sealed
		return v, s.Scan(&v.guest, &v.value)
	}, `SELECT v.guest_id, v.sealed FROM guest_vulnerabilities v JOIN stays s ON s.guest_id = v.guest_id
		WHERE s.entered_at < $1 AND (s.exited_at IS NULL OR s.exited_at >= $1)`+cond, args...)
	if err != nil {
		return nil, err
	}
	seen := map[[2]string]bool{}
	c := newCounter()
	for _, code := range domain.VulnerabilityCodes {
		c.m[code] = &domain.StatItem{Key: code}
	}
	keys := map[string]*crypt.DataKey{}
	for _, r := range rows {
		pt, err := db.unsealWith(ctx, db.read, keys, r.value, "guest:"+r.guest+":vulnerability")
		if IsErased(err) {
			continue // a restored copy's erased subject: nothing to count
		}
		if err != nil {
			return nil, err
		}
		var v domain.Vulnerability
		if err := json.Unmarshal([]byte(pt), &v); err != nil {
			return nil, err
		}
		if k := [2]string{r.guest, v.Code}; !seen[k] {
			seen[k] = true
			c.add(v.Code, "")
		}
	}
	return c.items(), nil
}
