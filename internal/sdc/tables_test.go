package sdc

import (
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
)

// provinceCounts gives four provinces of Emilia-Romagna their counts.
func provinceCounts(n ...int) []domain.RawProvinceCount {
	names := [][2]string{{"037", "Bologna"}, {"038", "Ferrara"}, {"039", "Ravenna"}, {"040", "Forlì-Cesena"}}
	var out []domain.RawProvinceCount
	for i, c := range n {
		out = append(out, domain.RawProvinceCount{Code: names[i][0], Name: names[i][1], Count: c})
	}
	return out
}

// rawFixture is a small metro area: 60 people, 52 in two comuni and 8 in a
// facility for minors; a few unknown values in every dimension.
func rawFixture() *domain.RawFigures {
	return &domain.RawFigures{
		Date: "2026-11-30", Total: 60, MSNA: 8,
		Comuni: []domain.RawComune{
			{Code: "037006", Name: "Bologna", Residents: 390000, Count: 40, Facilities: 3, LargestShare: 0.5},
			{Code: "037032", Name: "Imola", Residents: 70000, Count: 12, Facilities: 1, LargestShare: 1},
			{Code: "037001", Name: "Anzola", Residents: 12000},
		},
		Profile: map[string]map[string]int{
			"sesso":          {"F": 14, "M": 44, "X": 2},
			"eta":            {"0-17": 8, "18-24": 21, "25-34": 20, "35-44": 7, "45+": 3, "": 1},
			"nazionalita":    {"NGA": 20, "PAK": 15, "BGD": 12, "GIN": 6, "TUN": 3, "": 4},
			"tipo_nucleo":    {"uomini": 30, "donne": 10, "nuclei": 12, "msna": 8},
			"tipo_struttura": {"cas_collettivo": 40, "cas_appartamento": 12, "msna_prima_accoglienza": 8},
			"fase_procedura": {"c3_presentato": 30, "audito": 24, "": 6},
		},
		Months: []domain.RawMonth{{Month: "2026-10", Present: 55, Entries: 12, Exits: 3},
			{Month: "2026-11", Present: 60, Entries: 9, Exits: 4}},
		RegionCode: "08", RegionName: "Emilia-Romagna",
		Arrivals: []domain.RawArrivalMonth{
			{Month: "2026-10", Provinces: provinceCounts(23, 3, 11, 9)},
			{Month: "2026-11", Provinces: provinceCounts(0, 0, 0, 0)},
		},
	}
}

// TestProtectFigures checks the design of the publication's tables: every
// comune listed and the minors' facility only in the total (R7), unknown
// values folded (R3), the top nationalities with the rest in ALTRE, the
// stricter threshold on the 0-17 band, rates from the rounded counts (R6),
// the reference month's presence equal to the total.
func TestProtectFigures(t *testing.T) {
	out, err := ProtectFigures(rawFixture(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := out.Total.Presenze.Published(); !ok || v != 60 || out.Total.Residents != 472000 || out.Total.Code != "037" {
		t.Fatalf("total = %+v", out.Total)
	}
	if len(out.Comuni) != 3 || out.Comuni[0].Code != "037006" {
		t.Fatalf("comuni = %+v", out.Comuni)
	}
	if v, _ := out.Comuni[0].Presenze.Published(); v != 40 || out.Comuni[0].PerMille == nil || *out.Comuni[0].PerMille != 0.1 {
		t.Errorf("Bologna = %+v", out.Comuni[0])
	}
	cats := map[string]domain.PubFigure{}
	for _, c := range out.Profile {
		cats[c.Dimension+"/"+c.Category] = c.Presenze
	}
	for _, k := range []string{"sesso/X", "sesso/ND", "eta/ND", "nazionalita/ND", "fase_procedura/ND"} {
		if _, ok := cats[k]; ok {
			t.Errorf("%s shown: unknown values are folded into the total", k)
		}
	}
	for _, k := range []string{"nazionalita/NGA", "nazionalita/PAK", "nazionalita/BGD", "nazionalita/GIN", "nazionalita/ALTRE"} {
		if _, ok := cats[k]; !ok {
			t.Errorf("%s missing", k)
		}
	}
	if _, ok := cats["nazionalita/TUN"]; ok {
		t.Error("TUN (3 people) shown on its own: below the threshold it belongs to ALTRE")
	}
	if f := cats["eta/0-17"]; f.Status != domain.CellSuppressed {
		t.Errorf("0-17 with 8 people = %+v: minors' threshold is 10", f)
	}
	if len(out.Months) != 2 || out.Months[1].Presenze.Raw == nil || *out.Months[1].Presenze.Raw != 60 {
		t.Errorf("months = %+v", out.Months)
	}
	// Plan arrivals: a month per table, the region's total from the
	// provinces; a small province suppressed with a partner (R4, R5),
	// every published count a multiple of 5; a month without arrivals all 0.
	if len(out.Arrivals) != 2 {
		t.Fatalf("arrivals = %+v", out.Arrivals)
	}
	oct := out.Arrivals[0]
	if v, ok := oct.Region.Arrivi.Published(); !ok || v != 45 || oct.Region.Code != "08" || len(oct.Provinces) != 4 {
		t.Errorf("October = %+v", oct)
	}
	suppressed := 0
	for _, p := range oct.Provinces {
		if v, ok := p.Arrivi.Published(); ok && (v%5 != 0 || (v > 0 && v < 5)) {
			t.Errorf("%s published %d", p.Code, v)
		} else if !ok {
			suppressed++
		}
	}
	if oct.Provinces[1].Arrivi.Status != domain.CellSuppressed || suppressed < 2 {
		t.Errorf("Ferrara's 3 = %+v, %d suppressed", oct.Provinces[1].Arrivi, suppressed)
	}
	for _, p := range append(out.Arrivals[1].Provinces, out.Arrivals[1].Region) {
		if v, ok := p.Arrivi.Published(); !ok || v != 0 {
			t.Errorf("November %s = %+v, want 0", p.Code, p.Arrivi)
		}
	}

	pub := out.Public()
	if pub.Total.Presenze.Raw != nil || pub.Comuni[0].Presenze.Rules != nil || pub.Arrivals[0].Provinces[0].Arrivi.Raw != nil ||
		pub.Arrivals[0].Region.Arrivi.Raw != nil {
		t.Error("Public keeps raw values or rules")
	}
}
