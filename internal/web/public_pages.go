package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/opendata"
	"github.com/gesta-er/gesta/internal/territory"
)

// The public site's data pages (Territorio, Chi è accolto, Nel tempo) draw
// only from a published publication's protected tables (R0): the map, the
// charts, the tables and the CSV links all show the same protected values
// (R9). Each page keeps the chosen reference date (?data=) in its links.

// publicSection is a data page of the public site, for the sub-navigation.
type publicSection struct{ Path, Key string }

var publicSections = []publicSection{
	{"/accoglienza/territorio", "pub.page.territory"},
	{"/accoglienza/chi-e-accolto", "pub.page.profile"},
	{"/accoglienza/nel-tempo", "pub.page.time"},
	{"/accoglienza/cas-e-sai", "pub.page.cassai"},
	{"/accoglienza/contesto-regionale", "pub.page.context"},
}

// pubPage is what every public data page carries besides its own data.
type pubPage struct {
	Pub      *domain.Publication
	Sections []publicSection
	Versions []domain.Publication
}

// loadPubPage finds the page's publication and answers 304 when the client
// has it; ok is false when the answer is written.
func (s *Server) loadPubPage(w http.ResponseWriter, r *http.Request, name string) (pubPage, bool) {
	p, ok := s.publicPub(w, r)
	if !ok {
		return pubPage{}, false
	}
	vs, err := s.Publications.ListPublished(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return pubPage{}, false
	}
	d := pubPage{Sections: publicSections, Versions: vs}
	if p.ID != "" {
		d.Pub = &p
		tag, cc := s.pageTag(r, versionsTag(vs)+p.ID)
		if cached(w, r, cc, name+"|"+tag, p.PublishedAt) {
			return d, false
		}
	}
	return d, true
}

// choropleth is the map of the 55 comuni by their protected rate per 1,000
// residents, with the same rows as a table.
type choropleth struct {
	ViewBox string
	Shapes  []choroShape
	Rows    []choroRow
	Classes []string // the legend, in order
	Sort    string
}

type choroShape struct {
	Code, D, FillRule, Class string
	Row                      choroRow
}

type choroRow struct {
	domain.PubComune
	Guideline float64
	Over      bool
	Class     string
}

// choroClass places a comune: "ms" suppressed, "m0" nobody, "m1" up to half
// the guideline, "m2" up to the guideline, "m3" over it.
func choroClass(c domain.PubComune, g float64) string {
	v, ok := c.Presenze.Published()
	switch {
	case !ok:
		return "ms"
	case v == 0 || c.PerMille == nil:
		return "m0"
	case *c.PerMille <= g/2:
		return "m1"
	case *c.PerMille <= g:
		return "m2"
	}
	return "m3"
}

// choroSorts are the table's orders (?ordina=), all stable by name second.
var choroSorts = map[string]func(a, b choroRow) int{
	"comune":    func(a, b choroRow) int { return 0 },
	"residenti": func(a, b choroRow) int { return cmp.Compare(b.Residents, a.Residents) },
	"presenze": func(a, b choroRow) int {
		va, oka := a.Presenze.Published()
		vb, okb := b.Presenze.Published()
		if !oka {
			va = -1
		}
		if !okb {
			vb = -1
		}
		return cmp.Compare(vb, va)
	},
	"per_mille": func(a, b choroRow) int {
		fa, fb := -1.0, -1.0
		if a.PerMille != nil {
			fa = *a.PerMille
		}
		if b.PerMille != nil {
			fb = *b.PerMille
		}
		return cmp.Compare(fb, fa)
	},
}

func newChoropleth(t *domain.PublicTables, sort string) (*choropleth, error) {
	m, err := territory.ComuniMap(domain.MetroProvince)
	if err != nil {
		return nil, err
	}
	if _, ok := choroSorts[sort]; !ok {
		sort = "comune"
	}
	c := &choropleth{ViewBox: m.ViewBox, Sort: sort, Classes: []string{"m0", "m1", "m2", "m3", "ms"}}
	byCode := map[string]choroRow{}
	for _, pc := range t.Comuni {
		g := guidelineFor(pc.Code)
		row := choroRow{PubComune: pc, Guideline: g, Over: pc.PerMille != nil && *pc.PerMille > g, Class: choroClass(pc, g)}
		byCode[pc.Code] = row
		c.Rows = append(c.Rows, row)
	}
	for _, sh := range m.Shapes {
		row, ok := byCode[sh.Code]
		if !ok {
			continue
		}
		c.Shapes = append(c.Shapes, choroShape{Code: sh.Code, D: sh.D, FillRule: sh.FillRule, Class: row.Class, Row: row})
	}
	if len(c.Shapes) != len(t.Comuni) {
		return nil, fmt.Errorf("web: map has %d of the %d comuni", len(c.Shapes), len(t.Comuni))
	}
	by := choroSorts[sort]
	slices.SortStableFunc(c.Rows, func(a, b choroRow) int {
		return cmp.Or(by(a, b), cmp.Compare(a.Name, b.Name))
	})
	return c, nil
}

type territoryPage struct {
	pubPage
	Map *choropleth
}

func (s *Server) handlePublicTerritory(w http.ResponseWriter, r *http.Request) {
	base, ok := s.loadPubPage(w, r, "pub-territory")
	if !ok {
		return
	}
	d := territoryPage{pubPage: base}
	if d.Pub != nil {
		m, err := newChoropleth(d.Pub.Tables, r.URL.Query().Get("ordina"))
		if err != nil {
			s.Error(w, r, err)
			return
		}
		d.Map = m
	}
	s.render(w, r, http.StatusOK, "pub_territory", s.view(r, d))
}

// hbars is one dimension of presenze-profilo as a horizontal bar chart.
type hbars struct {
	Dim        string
	W, H, Left int
	Bars       []hbar
}

type hbar struct {
	Category string
	Value    domain.PubFigure
	Y, W     float64
	LabelX   float64 // where the value is written, right of the bar
}

// A bar's row: its label above it (long Italian labels need the width, and
// the chart stays legible at 320 px), the bar, the value at its end.
const hbarRow = 44

func newHBars(dim string, cats []domain.PubCategory) hbars {
	h := hbars{Dim: dim, W: 440, Left: 2}
	top := 0
	for _, c := range cats {
		if v, ok := c.Presenze.Published(); ok {
			top = max(top, v)
		}
	}
	width := float64(h.W - h.Left - 70)
	for i, c := range cats {
		b := hbar{Category: c.Category, Value: c.Presenze, Y: float64(i * hbarRow)}
		if v, ok := c.Presenze.Published(); ok && top > 0 {
			b.W = width * float64(v) / float64(top)
		}
		b.LabelX = float64(h.Left) + b.W + 6
		h.Bars = append(h.Bars, b)
	}
	h.H = len(cats)*hbarRow + 4
	return h
}

type profilePage struct {
	pubPage
	Dims []hbars
}

func (s *Server) handlePublicProfile(w http.ResponseWriter, r *http.Request) {
	base, ok := s.loadPubPage(w, r, "pub-profile")
	if !ok {
		return
	}
	d := profilePage{pubPage: base}
	if d.Pub != nil {
		byDim := map[string][]domain.PubCategory{}
		for _, c := range d.Pub.Tables.Profile {
			byDim[c.Dimension] = append(byDim[c.Dimension], c)
		}
		for _, dim := range domain.ProfileDimensions {
			if cats := byDim[dim]; len(cats) > 0 {
				d.Dims = append(d.Dims, newHBars(dim, cats))
			}
		}
	}
	s.render(w, r, http.StatusOK, "pub_profile", s.view(r, d))
}

// flowBars are the monthly entries and exits side by side.
type flowBars struct {
	W, H, Left, Right, Base int
	Grid                    []gridLine
	Cols                    []flowCol
	From, To                string
}

type flowCol struct {
	Month                string
	X, W                 float64
	InY, InH, OutY, OutH float64
	In, Out              domain.PubFigure
}

func newFlowBars(t *domain.PublicTables, n int) *flowBars {
	ms := t.Months
	if len(ms) > n {
		ms = ms[len(ms)-n:]
	}
	if len(ms) == 0 {
		return nil
	}
	c := &flowBars{W: 720, H: 260, Left: 48, Right: 710, Base: 230, From: ms[0].Month, To: ms[len(ms)-1].Month}
	top := 0
	for _, m := range ms {
		for _, f := range []domain.PubFigure{m.Ingressi, m.Uscite} {
			if v, ok := f.Published(); ok {
				top = max(top, v)
			}
		}
	}
	step := niceStep(top)
	ceil := max(step, step*((top+step-1)/step))
	scale := float64(c.Base-20) / float64(ceil)
	for v := 0; v <= ceil; v += step {
		c.Grid = append(c.Grid, gridLine{Y: float64(c.Base) - float64(v)*scale, Label: v})
	}
	slot := float64(c.Right-c.Left) / float64(len(ms))
	for i, m := range ms {
		col := flowCol{Month: m.Month, X: float64(c.Left) + float64(i)*slot + slot*0.1, W: slot * 0.4, In: m.Ingressi, Out: m.Uscite}
		if v, ok := m.Ingressi.Published(); ok {
			col.InH = float64(v) * scale
		}
		if v, ok := m.Uscite.Published(); ok {
			col.OutH = float64(v) * scale
		}
		col.InY, col.OutY = float64(c.Base)-col.InH, float64(c.Base)-col.OutH
		c.Cols = append(c.Cols, col)
	}
	return c
}

// OutX is where a month's exit bar starts, right of its entry bar.
func (c flowCol) OutX() float64 { return c.X + c.W }

type timePage struct {
	pubPage
	Presences *monthBars
	Flows     *flowBars
	Arrivals  *monthBars // the region's plan arrivals by month
}

func (s *Server) handlePublicTime(w http.ResponseWriter, r *http.Request) {
	base, ok := s.loadPubPage(w, r, "pub-time")
	if !ok {
		return
	}
	d := timePage{pubPage: base}
	if d.Pub != nil {
		n := len(d.Pub.Tables.Months)
		if v, err := strconv.Atoi(r.URL.Query().Get("mesi")); err == nil && v > 0 && v < n {
			n = v
		}
		d.Presences, d.Flows = newMonthBars(d.Pub.Tables, n), newFlowBars(d.Pub.Tables, n)
		d.Arrivals = newArrivalBars(d.Pub.Tables, len(d.Pub.Tables.Arrivals))
	}
	s.render(w, r, http.StatusOK, "pub_time", s.view(r, d))
}

// regionalChart draws the Ministry's series for Emilia-Romagna: people in
// reception in all (centres and SAI) and in SAI, as two lines.
type regionalChart struct {
	W, H, Left, Right, Base int
	Grid                    []gridLine
	Total, SAI              string // polyline points
	From, To                string
}

func newRegionalChart(ps []opendata.RegionalPoint) *regionalChart {
	if len(ps) < 2 {
		return nil
	}
	c := &regionalChart{W: 720, H: 260, Left: 56, Right: 710, Base: 230, From: ps[0].Date, To: ps[len(ps)-1].Date}
	top := 0
	for _, p := range ps {
		top = max(top, p.ERTotal)
	}
	step := niceStep(top)
	ceil := max(step, step*((top+step-1)/step))
	scale := float64(c.Base-20) / float64(ceil)
	for v := 0; v <= ceil; v += step {
		c.Grid = append(c.Grid, gridLine{Y: float64(c.Base) - float64(v)*scale, Label: v})
	}
	dx := float64(c.Right-c.Left) / float64(len(ps)-1)
	var tot, sai strings.Builder
	for i, p := range ps {
		x := float64(c.Left) + float64(i)*dx
		fmt.Fprintf(&tot, "%.1f,%.1f ", x, float64(c.Base)-float64(p.ERTotal)*scale)
		fmt.Fprintf(&sai, "%.1f,%.1f ", x, float64(c.Base)-float64(p.ERSAI)*scale)
	}
	c.Total, c.SAI = strings.TrimSpace(tot.String()), strings.TrimSpace(sai.String())
	return c
}

type contextPage struct {
	pubPage
	Source   string
	Last     *opendata.RegionalPoint
	YearEnds []opendata.RegionalPoint // the last date of each year, and the last date
	Chart    *regionalChart
}

func (s *Server) handlePublicContext(w http.ResponseWriter, r *http.Request) {
	base, ok := s.loadPubPage(w, r, "pub-context")
	if !ok {
		return
	}
	d := contextPage{pubPage: base, Source: opendata.RegionalSource}
	if d.Pub != nil {
		ps, err := opendata.RegionalSeries(d.Pub.ReferenceDate)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if n := len(ps); n > 0 {
			d.Last = &ps[n-1]
			for i, p := range ps {
				if i == n-1 || p.Date[:4] != ps[i+1].Date[:4] {
					d.YearEnds = append(d.YearEnds, p)
				}
			}
		}
		d.Chart = newRegionalChart(ps)
	}
	s.render(w, r, http.StatusOK, "pub_context", s.view(r, d))
}

type casSAIPage struct {
	pubPage
	SAI      *domain.SAISummary
	SameDate bool  // SAI and CAS figures refer to the same date
	Chart    hbars // CAS presences beside SAI places by type
}

func (s *Server) handlePublicCASSAI(w http.ResponseWriter, r *http.Request) {
	base, ok := s.loadPubPage(w, r, "pub-cassai")
	if !ok {
		return
	}
	d := casSAIPage{pubPage: base}
	if d.Pub != nil {
		t := d.Pub.Tables
		cats := []domain.PubCategory{{Dimension: "casai", Category: "cas", Presenze: t.Total.Presenze}}
		if d.SAI = t.SAI; d.SAI != nil {
			d.SameDate = d.SAI.ReferenceDate == d.Pub.ReferenceDate
			for _, c := range []struct {
				cat string
				n   int
			}{{"sai_ordinari", d.SAI.Ordinari}, {"sai_dm_ds", d.SAI.DMDS}, {"sai_msna", d.SAI.MSNA}} {
				cats = append(cats, domain.PubCategory{Dimension: "casai", Category: c.cat, Presenze: publicCount(c.n)})
			}
		}
		d.Chart = newHBars("casai", cats)
	}
	s.render(w, r, http.StatusOK, "pub_cassai", s.view(r, d))
}

// publicCount is a figure published as it is: SAI places are public facts
// of the SAI network, not counts of people, so disclosure control does not
// apply to them (docs/public-site.md).
func publicCount(n int) domain.PubFigure {
	return domain.PubFigure{Value: &n, Status: domain.CellPublished}
}
