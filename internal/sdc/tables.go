package sdc

import (
	"fmt"
	"sort"

	"github.com/gesta-er/gesta/internal/domain"
)

// The public tables of a publication, designed and protected from the raw
// counts the store reads: which tables exist and how they are linked (R2),
// the categories shown and those folded into their total (R3), the stricter
// threshold for minors (R4), the guests of facilities for minors counted in
// the metropolitan total only (R7), rates from protected counts (R6). The
// store hands the raw figures over inside the draft's transaction and stores
// what comes back; it decides nothing about disclosure.

// Figure keys: the same key in two tables is the same figure (a shared margin).
const keyTotal = "total"

func comuneKey(code string) string      { return "comune/" + code }
func profileKey(dim, cat string) string { return "profilo/" + dim + "/" + cat }
func monthKey(month, what string) string {
	return "mese/" + month + "/" + what
}
func arrivalKey(month, code string) string { return "arrivi/" + month + "/" + code }

// foldedKey is the category of a dimension's unknown and other values (R3):
// counted in the total, never shown.
const foldedKey = "ND"

// sensitiveCategory reports whether a profile category is about minors (R4:
// the stricter threshold).
func sensitiveCategory(dim, cat string) bool {
	switch dim {
	case "eta":
		return cat == domain.PublicAgeBands[0].Key
	case "tipo_nucleo":
		return cat == domain.GroupMinor
	case "tipo_struttura":
		return cat == string(domain.TypeMSNAPrima)
	}
	return false
}

// profileCategories are the categories shown of each dimension but the
// nationalities (which are the top N, see TopN), in display order (R3).
func profileCategories(dim string) []string {
	switch dim {
	case "sesso":
		return []string{domain.SexFemale, domain.SexMale}
	case "eta":
		var out []string
		for _, b := range domain.PublicAgeBands {
			out = append(out, b.Key)
		}
		return out
	case "tipo_nucleo":
		return domain.PublicHouseholds
	case "tipo_struttura":
		var out []string
		for _, t := range domain.PublicFacilityTypes {
			out = append(out, string(t))
		}
		return out
	case "fase_procedura":
		var out []string
		for _, s := range domain.Stages {
			out = append(out, string(s))
		}
		return out
	}
	return nil
}

// profileCounts turns a dimension's raw counts into the table's categories:
// the shown ones, then one folded category for every other value (R3).
func profileCounts(dim string, raw map[string]int) []Count {
	if dim == "nazionalita" {
		// Every known nationality, largest first; TopN keeps the largest
		// and sums the rest into ALTRE.
		var out []Count
		for k, n := range raw {
			if k != "" && n > 0 {
				out = append(out, Count{Key: profileKey(dim, k), Raw: n})
			}
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Raw != out[j].Raw {
				return out[i].Raw > out[j].Raw
			}
			return out[i].Key < out[j].Key
		})
		if n := raw[""]; n > 0 {
			out = append(out, Count{Key: profileKey(dim, foldedKey), Raw: n, Fold: true})
		}
		return out
	}
	var out []Count
	shown := map[string]bool{}
	for _, c := range profileCategories(dim) {
		shown[c] = true
		out = append(out, Count{Key: profileKey(dim, c), Raw: raw[c], Sensitive: sensitiveCategory(dim, c)})
	}
	rest := 0
	for k, n := range raw {
		if !shown[k] {
			rest += n
		}
	}
	if rest > 0 {
		out = append(out, Count{Key: profileKey(dim, foldedKey), Raw: rest, Fold: true})
	}
	return out
}

// ProtectFigures designs the public tables of one reference date from its
// raw figures and protects them with cfg (DefaultConfig is the policy): the
// result carries, for the coordinator's preview, each figure's raw value and
// rule codes; PublicTables.Public strips them for everyone else.
func ProtectFigures(raw *domain.RawFigures, cfg Config) (domain.PublicTables, error) {
	total := Count{Key: keyTotal, Raw: raw.Total}
	var pub Publication

	// presenze-comuni: each comune's figure, people in facilities for minors
	// counted in the total only (a folded category, R7).
	comuni := Table{ID: domain.DatasetComuni, Dimension: "comune", Total: total}
	for _, c := range raw.Comuni {
		comuni.Cells = append(comuni.Cells, Count{Key: comuneKey(c.Code), Raw: c.Count})
	}
	comuni.Cells = append(comuni.Cells, Count{Key: comuneKey("msna"), Raw: raw.MSNA, Sensitive: true, Fold: true})
	pub.Tables = append(pub.Tables, comuni)

	// presenze-profilo: one table per dimension, all sharing the total.
	for _, dim := range domain.ProfileDimensions {
		cells := profileCounts(dim, raw.Profile[dim])
		if dim == "nazionalita" {
			var known, folded []Count
			for _, c := range cells {
				if c.Fold {
					folded = append(folded, c)
				} else {
					known = append(known, c)
				}
			}
			cells = append(TopN(known, cfg.TopN, cfg.Threshold, Count{Key: profileKey(dim, "ALTRE")}), folded...)
		}
		pub.Tables = append(pub.Tables, Table{ID: domain.DatasetProfilo + "/" + dim, Dimension: dim, Total: total, Cells: cells})
	}

	// presenze-mensili: each month's figures are independent (R8); the
	// reference date's own month-end is the total itself.
	presentKey := func(m domain.RawMonth) string {
		if m.Month == raw.Date[:7] && m.Present == raw.Total {
			return keyTotal
		}
		return monthKey(m.Month, "presenze")
	}
	for _, m := range raw.Months {
		pub.Tables = append(pub.Tables, Table{ID: domain.DatasetMensili + "/" + m.Month, Dimension: "mese",
			Cells: []Count{{Key: presentKey(m), Raw: m.Present}, {Key: monthKey(m.Month, "ingressi"), Raw: m.Entries},
				{Key: monthKey(m.Month, "uscite"), Raw: m.Exits}}})
	}

	// arrivi-piani: each month a table of the region's provinces adding up to
	// the region's total; months are independent of each other (R8) and of
	// the metro area's tables (other people, other dates).
	for _, m := range raw.Arrivals {
		t := Table{ID: domain.DatasetArrivi + "/" + m.Month, Dimension: "provincia",
			Total: Count{Key: arrivalKey(m.Month, raw.RegionCode)}}
		for _, p := range m.Provinces {
			t.Total.Raw += p.Count
			t.Cells = append(t.Cells, Count{Key: arrivalKey(m.Month, p.Code), Raw: p.Count})
		}
		pub.Tables = append(pub.Tables, t)
	}

	res, err := Protect(pub, cfg)
	if err != nil {
		return domain.PublicTables{}, err
	}
	fig := func(key string) (domain.PubFigure, bool) {
		c, ok := res.Cell(key)
		if !ok {
			return domain.PubFigure{}, false
		}
		raw := c.Raw
		f := domain.PubFigure{Status: string(c.Status), Raw: &raw}
		if c.Status == Published {
			v := c.Value
			f.Value = &v
		} else {
			f.Status = domain.CellSuppressed
		}
		for _, r := range c.Rules {
			f.Rules = append(f.Rules, string(r))
		}
		return f, !c.Hidden
	}
	must := func(key string) (domain.PubFigure, error) {
		f, ok := fig(key)
		if !ok {
			return f, fmt.Errorf("sdc: figure %s hidden or missing", key)
		}
		return f, nil
	}

	out := domain.PublicTables{ReferenceDate: raw.Date}
	if out.Total.Presenze, err = must(keyTotal); err != nil {
		return out, err
	}
	out.Total.Code, out.Total.Name = domain.MetroProvince, ""
	for _, c := range raw.Comuni {
		out.Total.Residents += c.Residents
		f, err := must(comuneKey(c.Code))
		if err != nil {
			return out, err
		}
		out.Comuni = append(out.Comuni, domain.PubComune{Code: c.Code, Name: c.Name, Residents: c.Residents, Presenze: f})
	}
	for i, t := range res.Tables {
		if i == 0 || pub.Tables[i].Dimension == "mese" || pub.Tables[i].Dimension == "provincia" {
			continue
		}
		for _, c := range t.Cells {
			f, shown := fig(c.Key)
			if !shown {
				continue // folded categories count in the total only
			}
			out.Profile = append(out.Profile, domain.PubCategory{Dimension: t.Dimension,
				Category: c.Key[len(profileKey(t.Dimension, "")):], Presenze: f})
		}
	}
	for _, m := range raw.Months {
		row := domain.PubMonth{Month: m.Month}
		if row.Presenze, err = must(presentKey(m)); err != nil {
			return out, err
		}
		if row.Ingressi, err = must(monthKey(m.Month, "ingressi")); err != nil {
			return out, err
		}
		if row.Uscite, err = must(monthKey(m.Month, "uscite")); err != nil {
			return out, err
		}
		out.Months = append(out.Months, row)
	}
	for _, m := range raw.Arrivals {
		row := domain.PubArrivalMonth{Month: m.Month, Region: domain.PubProvince{Code: raw.RegionCode, Name: raw.RegionName}}
		if row.Region.Arrivi, err = must(arrivalKey(m.Month, raw.RegionCode)); err != nil {
			return out, err
		}
		for _, p := range m.Provinces {
			f, err := must(arrivalKey(m.Month, p.Code))
			if err != nil {
				return out, err
			}
			row.Provinces = append(row.Provinces, domain.PubProvince{Code: p.Code, Name: p.Name, Arrivi: f})
		}
		out.Arrivals = append(out.Arrivals, row)
	}
	perMille(&out)
	return out, nil
}

// perMille computes the rates per 1,000 residents from the protected counts
// (R6), one decimal; none for a suppressed count.
func perMille(t *domain.PublicTables) {
	rate := func(c *domain.PubComune) {
		c.PerMille = nil
		if v, ok := c.Presenze.Published(); ok {
			if r, ok := PerThousand(Cell{Value: v, Status: Published}, c.Residents); ok {
				c.PerMille = &r
			}
		}
	}
	rate(&t.Total)
	for i := range t.Comuni {
		rate(&t.Comuni[i])
	}
}
