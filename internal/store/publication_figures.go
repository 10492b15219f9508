package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// rawFigures are the unprotected counts of a publication: they exist only
// between the registry and the disclosure control, and in the preview.
type rawFigures struct {
	Date    string
	Total   int           // people hosted in the metro area's reception facilities
	MSNA    int           // of whom in facilities for minors: counted only in the total (R7)
	Comuni  []rawComune   // all 55 comuni, in ISTAT code order
	Profile []rawCategory // ProfileDimensions, each summing to Total (nationalities: all of them)
	Months  []rawMonth    // since the data begin, up to the reference date's month
}

type rawComune struct {
	Code, Name   string
	Residents    int
	Count        int     // people in the comune's facilities (those for minors aside)
	Facilities   int     // facilities with someone present
	LargestShare float64 // share of the comune's people in its largest facility
}

type rawCategory struct {
	Dim, Cat  string
	Count     int
	Sensitive bool // about minors: the stricter threshold
	Fold      bool // unknown or "other" values: counted in the total, never shown (R3)
}

type rawMonth struct {
	Month                   string // YYYY-MM
	Present, Entries, Exits int
}

// publicTypes are the facility types of the prefecture's reception system
// that the publications count (CAS, hubs, first reception, minors' first
// reception). SAI projects are the comuni's and are published by the SAI
// network: their places are not counted here.
var publicTypes = []domain.FacilityType{domain.TypeCASCollettivo, domain.TypeCASAppartamento, domain.TypeHub,
	domain.TypeCPA, domain.TypeMSNAPrima}

func publicTypesSQL() string {
	var q []string
	for _, t := range publicTypes {
		q = append(q, "'"+string(t)+"'")
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// publicAgeBands are the age bands of the open data (R3).
var publicAgeBands = []struct {
	key string
	max int
}{{"0-17", 17}, {"18-24", 24}, {"25-34", 34}, {"35-44", 44}, {"45+", 0}}

var publicHouseholds = []string{"uomini", "donne", "nuclei", "msna"}

// metroFigures counts, from the stays, the people hosted at the end of day
// (Italian time) in the Metropolitan City of Bologna: per comune, by each
// profile dimension, and the monthly series with entries and exits counted
// from the stays' own dates.
func metroFigures(ctx context.Context, q querier, day time.Time) (*rawFigures, error) {
	end := endOfDay(day)
	f := &rawFigures{Date: day.Format("2006-01-02")}
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
		rc := rawComune{Code: c.code, Name: c.name, Residents: c.residents}
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
	for _, b := range publicAgeBands[:len(publicAgeBands)-1] {
		fmt.Fprintf(&age, " WHEN birth_date >= %s THEN '%s'", args.add(local.AddDate(-(b.max+1), 0, 0)), b.key)
	}
	fmt.Fprintf(&age, " WHEN birth_date IS NOT NULL THEN '%s' ELSE '' END", publicAgeBands[len(publicAgeBands)-1].key)
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
		sex := r.sex
		if sex != domain.SexFemale && sex != domain.SexMale {
			sex = ""
		}
		counts["sesso"][sex] += r.n
		counts["eta"][r.age] += r.n
		counts["nazionalita"][r.nat] += r.n
		h, _ := HouseholdType(r.sex, r.household, r.msna)
		if h == "altro" {
			h = ""
		}
		counts["tipo_nucleo"][h] += r.n
		counts["tipo_struttura"][r.kind] += r.n
		counts["fase_procedura"][r.stage] += r.n
	}
	fixed := func(dim string, cats []string, sensitive func(string) bool) {
		known := map[string]bool{}
		for _, c := range cats {
			known[c] = true
			f.Profile = append(f.Profile, rawCategory{Dim: dim, Cat: c, Count: counts[dim][c], Sensitive: sensitive(c)})
		}
		rest := 0
		for k, n := range counts[dim] {
			if !known[k] {
				rest += n
			}
		}
		if rest > 0 {
			f.Profile = append(f.Profile, rawCategory{Dim: dim, Cat: "ND", Count: rest, Fold: true})
		}
	}
	never := func(string) bool { return false }
	fixed("sesso", []string{domain.SexFemale, domain.SexMale}, never)
	var ages []string
	for _, b := range publicAgeBands {
		ages = append(ages, b.key)
	}
	fixed("eta", ages, func(c string) bool { return c == "0-17" })
	// Nationalities: every known one, largest first; the disclosure control
	// keeps the largest and sums the rest into ALTRE (R3).
	type nat struct {
		code string
		n    int
	}
	var nats []nat
	for k, n := range counts["nazionalita"] {
		if k != "" && n > 0 {
			nats = append(nats, nat{k, n})
		}
	}
	sort.Slice(nats, func(i, j int) bool {
		if nats[i].n != nats[j].n {
			return nats[i].n > nats[j].n
		}
		return nats[i].code < nats[j].code
	})
	for _, n := range nats {
		f.Profile = append(f.Profile, rawCategory{Dim: "nazionalita", Cat: n.code, Count: n.n})
	}
	if n := counts["nazionalita"][""]; n > 0 {
		f.Profile = append(f.Profile, rawCategory{Dim: "nazionalita", Cat: "ND", Count: n, Fold: true})
	}
	fixed("tipo_nucleo", publicHouseholds, func(c string) bool { return c == "msna" })
	var kinds []string
	for _, t := range publicTypes {
		kinds = append(kinds, string(t))
	}
	fixed("tipo_struttura", kinds, func(c string) bool { return c == string(domain.TypeMSNAPrima) })
	var stages []string
	for _, st := range domain.Stages {
		stages = append(stages, string(st))
	}
	fixed("fase_procedura", stages, never)

	if f.Months, err = monthSeries(ctx, q, end); err != nil {
		return nil, err
	}
	return f, nil
}

// monthSeries counts, for each calendar month from the first entry recorded
// in the metro area up to end's month, the people present at the month's last
// day (or at end, for end's month) and the entries and exits of the month,
// straight from the stays' dates.
func monthSeries(ctx context.Context, q querier, end time.Time) ([]rawMonth, error) {
	types := publicTypesSQL()
	var first time.Time
	err := q.QueryRowContext(ctx, `SELECT entered_at FROM stays WHERE province_code = $1 AND facility_type IN `+types+`
		AND entered_at < $2 ORDER BY entered_at LIMIT 1`, domain.MetroProvince, end).Scan(&first)
	if errors.Is(err, sql.ErrNoRows) {
		return []rawMonth{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: first entry: %w", err)
	}
	fl := first.In(italy)
	month := time.Date(fl.Year(), fl.Month(), 1, 0, 0, 0, 0, italy)
	var out []rawMonth
	for month.Before(end) {
		next := month.AddDate(0, 1, 0)
		upTo := next
		if end.Before(upTo) {
			upTo = end
		}
		m := rawMonth{Month: month.Format("2006-01")}
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
