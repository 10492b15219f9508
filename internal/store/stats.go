package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// Breakdowns accepted by Population.
var Breakdowns = []string{"sex", "age", "nationality", "household", "stage", "comune"}

// Population counts the people present at the end of a day (Italian time) —
// from the stays, so any past date is answered as it was — in a province or
// the region, broken down by one dimension. Every breakdown sums to the same
// total; values that are unknown get their own bucket. Aggregated figures:
// stats:read, within the caller's province when it has one.
func (db *DB) Population(ctx context.Context, province string, day time.Time, by string) ([]domain.StatItem, int, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || (a.System == "" && !domain.Can(a, domain.PermStatsRead)) {
		return nil, 0, domain.Errorf(domain.EFORBIDDEN, "Il tuo profilo non consente di vedere le statistiche.")
	}
	valid := false
	for _, b := range Breakdowns {
		valid = valid || b == by
	}
	if !valid {
		return nil, 0, domain.Errorf(domain.EINVALID, "Dimensione %q sconosciuta (sex, age, nationality, household, stage, comune).", by)
	}
	if province != "" {
		p, err := db.FindProvince(ctx, province)
		if err != nil {
			return nil, 0, err
		}
		province = p.Code
	}
	if a.ProvinceCode != "" {
		if province != "" && province != a.ProvinceCode {
			return nil, 0, domain.Errorf(domain.ENOTFOUND, "Provincia fuori dal tuo ambito.")
		}
		province = a.ProvinceCode
	}
	local := day.In(italy)
	end := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, italy).AddDate(0, 0, 1).UTC()
	type row struct {
		sex, nationality, household, stage, comune, comuneName string
		birth                                                  time.Time
		msna                                                   bool
	}
	rows, err := queryAll(ctx, db.read, "population", func(s scanner) (row, error) {
		var r row
		var household sql.NullString
		err := s.Scan(&r.sex, &r.birth, &r.nationality, &household, &r.msna, &r.stage, &r.comune, &r.comuneName)
		r.household = household.String
		return r, err
	}, `SELECT g.sex, g.birth_date, g.nationality, g.household_id, g.msna, g.stage, f.comune_code, c.name
		FROM stays s JOIN guests g ON g.id = s.guest_id JOIN facilities f ON f.id = s.facility_id
		JOIN comuni c ON c.code = f.comune_code
		WHERE s.entered_at < $1 AND (s.exited_at IS NULL OR s.exited_at >= $1) AND ($2 = '' OR f.province_code = $2)`,
		end, province)
	if err != nil {
		return nil, 0, err
	}
	counts := map[string]*domain.StatItem{}
	add := func(key, label string) {
		if key == "" {
			key, label = "sconosciuto", "non indicato"
		}
		if it, ok := counts[key]; ok {
			it.Count++
			return
		}
		counts[key] = &domain.StatItem{Key: key, Label: label, Count: 1}
	}
	for _, r := range rows {
		switch by {
		case "sex":
			add(r.sex, map[string]string{"M": "uomini", "F": "donne", "X": "altro"}[r.sex])
		case "age":
			k := AgeBand(r.birth, end.Add(-time.Second))
			add(k, k+" anni")
		case "nationality":
			add(r.nationality, r.nationality)
		case "household":
			k, l := "uomo_solo", "uomini soli"
			switch {
			case r.msna:
				k, l = "msna", "minori stranieri non accompagnati"
			case r.household != "":
				k, l = "nucleo", "nuclei familiari"
			case r.sex == "F":
				k, l = "donna_sola", "donne sole"
			case r.sex != "M":
				k, l = "altro", "altro"
			}
			add(k, l)
		case "stage":
			add(r.stage, r.stage)
		case "comune":
			add(r.comune, r.comuneName)
		}
	}
	out := make([]domain.StatItem, 0, len(counts))
	for _, it := range counts {
		out = append(out, *it)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out, len(rows), nil
}

// AgeBand returns the age band at a time: 0-13, 14-17, 18-24, 25-34, 35-44,
// 45-54, 55+.
func AgeBand(birth, at time.Time) string {
	age := at.Year() - birth.Year()
	if at.YearDay() < birth.YearDay() {
		age--
	}
	for _, b := range []struct {
		max   int
		label string
	}{{13, "0-13"}, {17, "14-17"}, {24, "18-24"}, {34, "25-34"}, {44, "35-44"}, {54, "45-54"}} {
		if age <= b.max {
			return b.label
		}
	}
	return fmt.Sprintf("%d+", 55)
}
