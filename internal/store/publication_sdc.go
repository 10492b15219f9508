package store

import (
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/sdc"
)

// sdcProtector is the disclosure control of internal/sdc with the policy's
// parameters (sdc.DefaultConfig: changing them is an ADR). This file is the
// only place where the store meets the package.
type sdcProtector struct{ cfg sdc.Config }

func defaultProtector() protector { return sdcProtector{cfg: sdc.DefaultConfig()} }

// Figure keys: the same key in two tables is the same figure (a shared margin).
const keyTotal = "total"

func comuneKey(code string) string      { return "comune/" + code }
func profileKey(dim, cat string) string { return "profilo/" + dim + "/" + cat }
func monthKey(month, what string) string {
	return "mese/" + month + "/" + what
}

func (p sdcProtector) protect(raw *rawFigures) (domain.PublicTables, error) {
	total := sdc.Count{Key: keyTotal, Raw: raw.Total}
	var pub sdc.Publication

	// presenze-comuni: each comune's figure, people in facilities for minors
	// counted in the total only (a folded category, R7).
	comuni := sdc.Table{ID: domain.DatasetComuni, Dimension: "comune", Total: total}
	for _, c := range raw.Comuni {
		comuni.Cells = append(comuni.Cells, sdc.Count{Key: comuneKey(c.Code), Raw: c.Count})
	}
	comuni.Cells = append(comuni.Cells, sdc.Count{Key: comuneKey("msna"), Raw: raw.MSNA, Sensitive: true, Fold: true})
	pub.Tables = append(pub.Tables, comuni)

	// presenze-profilo: one table per dimension, all sharing the total.
	byDim := map[string][]sdc.Count{}
	for _, c := range raw.Profile {
		byDim[c.Dim] = append(byDim[c.Dim], sdc.Count{Key: profileKey(c.Dim, c.Cat), Raw: c.Count, Sensitive: c.Sensitive, Fold: c.Fold})
	}
	for _, dim := range domain.ProfileDimensions {
		cells := byDim[dim]
		if dim == "nazionalita" {
			var known, folded []sdc.Count
			for _, c := range cells {
				if c.Fold {
					folded = append(folded, c)
				} else {
					known = append(known, c)
				}
			}
			cells = append(sdc.TopN(known, p.cfg.TopN, p.cfg.Threshold, sdc.Count{Key: profileKey(dim, "ALTRE")}), folded...)
		}
		pub.Tables = append(pub.Tables, sdc.Table{ID: domain.DatasetProfilo + "/" + dim, Dimension: dim, Total: total, Cells: cells})
	}

	// presenze-mensili: each month's figures are independent (R8); the
	// reference date's own month-end is the total itself.
	for _, m := range raw.Months {
		present := sdc.Count{Key: monthKey(m.Month, "presenze"), Raw: m.Present}
		if m.Month == raw.Date[:7] && m.Present == raw.Total {
			present.Key = keyTotal
		}
		pub.Tables = append(pub.Tables, sdc.Table{ID: domain.DatasetMensili + "/" + m.Month, Dimension: "mese",
			Cells: []sdc.Count{present, {Key: monthKey(m.Month, "ingressi"), Raw: m.Entries},
				{Key: monthKey(m.Month, "uscite"), Raw: m.Exits}}})
	}

	res, err := sdc.Protect(pub, p.cfg)
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
		if c.Status == sdc.Published {
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

	var out domain.PublicTables
	var err2 error
	if out.Total.Presenze, err2 = must(keyTotal); err2 != nil {
		return out, err2
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
		if i == 0 || pub.Tables[i].Dimension == "mese" {
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
		present := monthKey(m.Month, "presenze")
		if m.Month == raw.Date[:7] && m.Present == raw.Total {
			present = keyTotal
		}
		row := domain.PubMonth{Month: m.Month}
		var err error
		if row.Presenze, err = must(present); err != nil {
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
	return out, nil
}
