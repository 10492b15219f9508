package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// publicTypesSQL is the SQL list of the facility types the publications count.
func publicTypesSQL() string {
	var q []string
	for _, t := range domain.PublicFacilityTypes {
		q = append(q, "'"+string(t)+"'")
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// metroFigures counts, from the stays, the people hosted at the end of day
// (Italian time) in the Metropolitan City of Bologna: per comune, by each
// profile dimension's values, and the monthly series with entries and exits
// counted from the stays' own dates. Raw counts only: which of them are
// shown, and how, is internal/sdc's.
func metroFigures(ctx context.Context, q querier, day time.Time) (*domain.RawFigures, error) {
	end := endOfDay(day)
	f := &domain.RawFigures{Date: day.Format("2006-01-02")}
	province := domain.MetroProvince
	types := publicTypesSQL()

	// Comuni, with their residents.
	type comuneRow struct {
		code, name string
		residents  int
	}
	comuni, err := queryAll(ctx, q, "publication comuni", func(s scanner) (comuneRow, error) {
		var r comuneRow
		return r, s.Scan(&r.code, &r.name, &r.residents)
	}, `SELECT code, name, residents FROM comuni WHERE province_code = $1 ORDER BY code`, province)
	if err != nil {
		return nil, err
	}

	// People per comune and facility, at the instant.
	type facRow struct {
		comune, facility, kind string
		n                      int
	}
	present := `entered_at < $1 AND (exited_at IS NULL OR exited_at >= $1) AND province_code = $2 AND facility_type IN ` + types
	facs, err := queryAll(ctx, q, "publication facilities", func(s scanner) (facRow, error) {
		var r facRow
		return r, s.Scan(&r.comune, &r.facility, &r.kind, &r.n)
	}, `SELECT comune_code, facility_id, facility_type, COUNT(*) FROM stays WHERE `+present+`
		GROUP BY comune_code, facility_id, facility_type`, end, province)
	if err != nil {
		return nil, err
	}
	type agg struct{ n, facilities, largest int }
	byComune := map[string]*agg{}
	for _, r := range facs {
		f.Total += r.n
		if r.kind == string(domain.TypeMSNAPrima) {
			f.MSNA += r.n
			continue
		}
		a := byComune[r.comune]
		if a == nil {
			a = &agg{}
			byComune[r.comune] = a
		}
		a.n += r.n
		a.facilities++
		a.largest = max(a.largest, r.n)
	}
	for _, c := range comuni {
		rc := domain.RawComune{Code: c.code, Name: c.name, Residents: c.residents}
		if a := byComune[c.code]; a != nil {
			rc.Count, rc.Facilities = a.n, a.facilities
			if a.n > 0 {
				rc.LargestShare = float64(a.largest) / float64(a.n)
			}
		}
		f.Comuni = append(f.Comuni, rc)
	}

	// The profile: one GROUP BY over the people present (counts only).
	var args sqlArgs
	at := args.add(end)
	prov := args.add(province)
	local := end.In(italy)
	var age strings.Builder
	age.WriteString("CASE")
	bands := domain.PublicAgeBands
	for _, b := range bands[:len(bands)-1] {
		fmt.Fprintf(&age, " WHEN birth_date >= %s THEN '%s'", args.add(local.AddDate(-(b.Max+1), 0, 0)), b.Key)
	}
	fmt.Fprintf(&age, " WHEN birth_date IS NOT NULL THEN '%s' ELSE '' END", bands[len(bands)-1].Key)
	type profRow struct {
		sex, age, nat, kind, stage string
		household, msna            bool
		n                          int
	}
	prof, err := queryAll(ctx, q, "publication profile", func(s scanner) (profRow, error) {
		var r profRow
		return r, s.Scan(&r.sex, &r.age, &r.nat, &r.kind, &r.stage, &r.household, &r.msna, &r.n)
	}, fmt.Sprintf(`SELECT sex, %[1]s, nationality, facility_type, stage, in_household, msna, COUNT(*) FROM stays
		WHERE entered_at < %[2]s AND (exited_at IS NULL OR exited_at >= %[2]s) AND province_code = %[3]s
		AND facility_type IN %[4]s GROUP BY 1, 2, 3, 4, 5, 6, 7`, age.String(), at, prov, types), args...)
	if err != nil {
		return nil, err
	}
	counts := map[string]map[string]int{}
	for _, d := range domain.ProfileDimensions {
		counts[d] = map[string]int{}
	}
	for _, r := range prof {
		counts["sesso"][r.sex] += r.n
		counts["eta"][r.age] += r.n
		counts["nazionalita"][r.nat] += r.n
		h, _ := HouseholdType(r.sex, r.household, r.msna)
		counts["tipo_nucleo"][h] += r.n
		counts["tipo_struttura"][r.kind] += r.n
		counts["fase_procedura"][r.stage] += r.n
	}
	f.Profile = counts

	if f.Months, err = monthSeries(ctx, q, end); err != nil {
		return nil, err
	}
	if err := planArrivals(ctx, q, end, f); err != nil {
		return nil, err
	}
	return f, nil
}

// planArrivals counts the people hosted on arrival with the distribution
// plans (cancelled plans aside), by province of the metro area's region and
// by month (Italian time) of the province's confirmation — when it was
// recorded, not the arrival time it states — up to end: one month per
// calendar month from the first confirmation on, zeros included. A
// confirmation is recorded once and a plan with one cannot be cancelled, so
// a past month's counts are the same in every later publication (a late
// confirmation counts in the month it is made).
func planArrivals(ctx context.Context, q querier, end time.Time, f *domain.RawFigures) error {
	if err := q.QueryRowContext(ctx, `SELECT r.code, r.name FROM regions r JOIN provinces p ON p.region_code = r.code
		WHERE p.code = $1`, domain.MetroProvince).Scan(&f.RegionCode, &f.RegionName); err != nil {
		return fmt.Errorf("store: publication region: %w", err)
	}
	provinces, err := queryAll(ctx, q, "publication provinces", func(s scanner) (domain.RawProvinceCount, error) {
		var r domain.RawProvinceCount
		return r, s.Scan(&r.Code, &r.Name)
	}, `SELECT code, name FROM provinces WHERE region_code = $1 ORDER BY code`, f.RegionCode)
	if err != nil {
		return err
	}
	type arrival struct {
		province string
		at       time.Time
		n        int
	}
	rows, err := queryAll(ctx, q, "publication plan arrivals", func(s scanner) (arrival, error) {
		var r arrival
		return r, s.Scan(&r.province, &r.at, &r.n)
	}, `SELECT pp.province_code, e.at, pp.arrived FROM plan_provinces pp JOIN plans p ON p.id = pp.plan_id
		JOIN plan_events e ON e.plan_id = pp.plan_id AND e.province_code = pp.province_code AND e.kind = 'arrived'
		WHERE p.status <> $1 AND pp.arrived_at IS NOT NULL AND e.at < $2 ORDER BY e.at`,
		string(domain.PlanCancelled), end)
	if err != nil {
		return err
	}
	f.Arrivals = []domain.RawArrivalMonth{}
	if len(rows) == 0 {
		return nil
	}
	counts := map[string]map[string]int{} // month → province → people
	for _, r := range rows {
		m := r.at.In(italy).Format("2006-01")
		if counts[m] == nil {
			counts[m] = map[string]int{}
		}
		counts[m][r.province] += r.n
	}
	fl := rows[0].at.In(italy)
	last := end.Add(-time.Nanosecond).In(italy).Format("2006-01")
	for month := time.Date(fl.Year(), fl.Month(), 1, 0, 0, 0, 0, italy); month.Format("2006-01") <= last; month = month.AddDate(0, 1, 0) {
		m := domain.RawArrivalMonth{Month: month.Format("2006-01")}
		for _, p := range provinces {
			p.Count = counts[m.Month][p.Code]
			m.Provinces = append(m.Provinces, p)
		}
		f.Arrivals = append(f.Arrivals, m)
	}
	return nil
}

// monthSeries counts, for each calendar month from the first entry recorded
// in the metro area up to end's month, the people present at the month's last
// day (or at end, for end's month) and the entries and exits of the month,
// straight from the stays' dates.
func monthSeries(ctx context.Context, q querier, end time.Time) ([]domain.RawMonth, error) {
	types := publicTypesSQL()
	var first time.Time
	err := q.QueryRowContext(ctx, `SELECT entered_at FROM stays WHERE province_code = $1 AND facility_type IN `+types+`
		AND entered_at < $2 ORDER BY entered_at LIMIT 1`, domain.MetroProvince, end).Scan(&first)
	if errors.Is(err, sql.ErrNoRows) {
		return []domain.RawMonth{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: first entry: %w", err)
	}
	fl := first.In(italy)
	month := time.Date(fl.Year(), fl.Month(), 1, 0, 0, 0, 0, italy)
	var out []domain.RawMonth
	for month.Before(end) {
		next := month.AddDate(0, 1, 0)
		upTo := next
		if end.Before(upTo) {
			upTo = end
		}
		m := domain.RawMonth{Month: month.Format("2006-01")}
		if err := q.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM stays WHERE province_code = $1 AND facility_type IN `+types+`
				AND entered_at < $3 AND (exited_at IS NULL OR exited_at >= $3)),
			(SELECT COUNT(*) FROM stays WHERE province_code = $1 AND facility_type IN `+types+`
				AND entered_at >= $2 AND entered_at < $3),
			(SELECT COUNT(*) FROM stays WHERE province_code = $1 AND facility_type IN `+types+`
				AND exited_at >= $2 AND exited_at < $3)`,
			domain.MetroProvince, month.UTC(), upTo.UTC()).Scan(&m.Present, &m.Entries, &m.Exits); err != nil {
			return nil, fmt.Errorf("store: month %s: %w", m.Month, err)
		}
		out = append(out, m)
		month = next
	}
	return out, nil
}
