package web

import (
	"slices"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/territory"
)

func fig(v int) domain.PubFigure {
	return domain.PubFigure{Value: &v, Status: domain.CellPublished}
}

var suppressed = domain.PubFigure{Status: domain.CellSuppressed}

// metroTables builds protected tables for the 55 comuni of the embedded map:
// most published, one suppressed, one at zero, one over its guideline.
func metroTables(t *testing.T) *domain.PublicTables {
	t.Helper()
	m, err := territory.ComuniMap(domain.MetroProvince)
	if err != nil {
		t.Fatal(err)
	}
	tt := &domain.PublicTables{Total: domain.PubComune{Code: domain.MetroProvince, Presenze: fig(100)}}
	for i, sh := range m.Shapes {
		c := domain.PubComune{Code: sh.Code, Name: sh.Name, Residents: 10000, Presenze: fig(10)}
		rate := 2.0 // within 2.5‰ and over half of it; over the capital's 1.5‰
		switch i {
		case 0:
			c.Presenze, c.PerMille = suppressed, nil
			tt.Comuni = append(tt.Comuni, c)
			continue
		case 1:
			c.Presenze, rate = fig(0), 0
		case 2:
			c.Presenze, rate = fig(50), 5
		}
		c.PerMille = &rate
		tt.Comuni = append(tt.Comuni, c)
	}
	return tt
}

func TestChoropleth(t *testing.T) {
	tt := metroTables(t)
	if len(tt.Comuni) != 55 {
		t.Fatalf("the metro map has %d comuni, want 55", len(tt.Comuni))
	}
	c, err := newChoropleth(tt, "per_mille")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Shapes) != 55 || len(c.Rows) != 55 {
		t.Fatalf("%d shapes, %d rows", len(c.Shapes), len(c.Rows))
	}
	class := map[string]string{}
	for _, sh := range c.Shapes {
		class[sh.Code] = sh.Class
		if sh.Class != sh.Row.Class || sh.Row.Code != sh.Code {
			t.Errorf("shape %s drawn with row %s class %s", sh.Code, sh.Row.Code, sh.Row.Class)
		}
	}
	want := map[string]string{tt.Comuni[0].Code: "ms", tt.Comuni[1].Code: "m0", tt.Comuni[2].Code: "m3", "037006": "m3"}
	for _, pc := range tt.Comuni[3:] {
		if pc.Code != "037006" {
			want[pc.Code] = "m2"
		}
	}
	for code, w := range want {
		if class[code] != w {
			t.Errorf("comune %s class %q, want %q", code, class[code], w)
		}
	}
	// Sorted by rate, highest first; a withheld rate last.
	if c.Rows[0].Code != tt.Comuni[2].Code || c.Rows[54].Code != tt.Comuni[0].Code {
		t.Errorf("per_mille order: first %s last %s", c.Rows[0].Code, c.Rows[54].Code)
	}
	// An unknown order falls back to the name, and the sort is total.
	c, _ = newChoropleth(tt, "nope")
	if c.Sort != "comune" || !slices.IsSortedFunc(c.Rows, func(a, b choroRow) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	}) {
		t.Errorf("fallback sort %q not by name", c.Sort)
	}
	// A publication missing a comune's shape is an error, not a silent gap.
	tt.Comuni = append(tt.Comuni, domain.PubComune{Code: "099999", Name: "Altrove", Presenze: fig(5)})
	if _, err := newChoropleth(tt, ""); err == nil {
		t.Error("a comune without a shape was accepted")
	}
}

func TestHBarsScaleToTheLargestPublished(t *testing.T) {
	h := newHBars("eta", []domain.PubCategory{
		{Dimension: "eta", Category: "0-17", Presenze: suppressed},
		{Dimension: "eta", Category: "18-24", Presenze: fig(200)},
		{Dimension: "eta", Category: "25-34", Presenze: fig(50)},
	})
	if h.Bars[0].W != 0 {
		t.Errorf("a suppressed cell drew a bar of %v", h.Bars[0].W)
	}
	full := float64(h.W - h.Left - 70)
	if h.Bars[1].W != full || h.Bars[2].W != full/4 {
		t.Errorf("bar widths %v %v, want %v %v", h.Bars[1].W, h.Bars[2].W, full, full/4)
	}
	if h.Bars[2].LabelX != float64(h.Left)+full/4+6 {
		t.Errorf("label at %v", h.Bars[2].LabelX)
	}
}

func TestFlowBars(t *testing.T) {
	tt := &domain.PublicTables{Months: []domain.PubMonth{
		{Month: "2026-09", Presenze: fig(100), Ingressi: fig(40), Uscite: suppressed},
		{Month: "2026-10", Presenze: fig(110), Ingressi: fig(20), Uscite: fig(10)},
		{Month: "2026-11", Presenze: fig(115), Ingressi: fig(10), Uscite: fig(5)},
	}}
	f := newFlowBars(tt, 2)
	if len(f.Cols) != 2 || f.From != "2026-10" || f.To != "2026-11" {
		t.Fatalf("window %s–%s with %d columns", f.From, f.To, len(f.Cols))
	}
	if f.Cols[0].InH != 2*f.Cols[1].InH || f.Cols[1].InH != 2*f.Cols[1].OutH {
		t.Errorf("heights not proportional: %+v", f.Cols)
	}
	if f.Cols[0].OutX() != f.Cols[0].X+f.Cols[0].W {
		t.Error("exit bar overlaps the entry bar")
	}
	if all := newFlowBars(tt, 10); all.Cols[0].OutH != 0 {
		t.Errorf("a suppressed exit drew %v", all.Cols[0].OutH)
	}
}
