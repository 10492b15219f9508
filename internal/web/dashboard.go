package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/report"
	"github.com/gesta-er/gesta/internal/sheet"
	"github.com/gesta-er/gesta/internal/territory"
)

// DashboardFunc computes a territory's dashboard (store.Dashboard).
type DashboardFunc func(ctx context.Context, province string, day time.Time, afterDays int) (*domain.Dashboard, error)

// defaultAfterDays is how long after a final decision a stay counts as
// overdue, unless the page asks otherwise.
const defaultAfterDays = 30

// dashboardQuery is the dashboard's state in the URL: province (sigla, or
// "tutte" for the region), reference date, days after the decision.
type dashboardQuery struct {
	Province  string // sigla; "" for the region
	Day       time.Time
	AfterDays int
}

func (s *Server) dashboardQuery(r *http.Request) (dashboardQuery, error) {
	q := r.URL.Query()
	a, _ := domain.ActorFromContext(r.Context())
	dq := dashboardQuery{Province: q.Get("provincia"), Day: time.Now(), AfterDays: defaultAfterDays}
	switch {
	case a.ProvinceCode != "":
		p, err := s.Territory.FindProvince(r.Context(), a.ProvinceCode)
		if err != nil {
			return dq, err
		}
		dq.Province = p.Sigla
	case dq.Province == "":
		dq.Province = "BO" // the Bologna area by default
	case dq.Province == "tutte":
		dq.Province = ""
	}
	if v := q.Get("data"); v != "" {
		d, err := time.ParseInLocation("2006-01-02", v, rome)
		if err != nil {
			return dq, domain.Err(domain.EINVALID, "err.dashboard.day").WithFields(
				map[string]domain.FieldError{"data": domain.Field("err.field.date_iso")})
		}
		dq.Day = d.Add(12 * time.Hour)
	}
	if v := q.Get("giorni"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 3650 {
			return dq, domain.Err(domain.EINVALID, "err.dashboard.after_days", "Max", 3650)
		}
		dq.AfterDays = n
	}
	return dq, nil
}

func (dq dashboardQuery) encode() string {
	v := url.Values{}
	p := dq.Province
	if p == "" {
		p = "tutte"
	}
	v.Set("provincia", p)
	v.Set("data", dq.Day.In(rome).Format("2006-01-02"))
	v.Set("giorni", strconv.Itoa(dq.AfterDays))
	return v.Encode()
}

type dashboardData struct {
	Provinces []domain.Province
	CanChoose bool
	Query     dashboardQuery
	QS        template.URL
	Place     string
	Date      string
	D         *domain.Dashboard
	Sections  []dashSection
	Months    *monthChart
	Map       *popMap
}

type dashSection struct {
	Dim  string
	Bars *bars
}

func (s *Server) dashboard(r *http.Request) (*dashboardData, error) {
	dq, err := s.dashboardQuery(r)
	if err != nil {
		return nil, err
	}
	d, err := s.Dashboard(r.Context(), dq.Province, dq.Day, dq.AfterDays)
	if err != nil {
		return nil, err
	}
	s.I18n.For(i18n.FromRequest(r)).DashboardLabels(d)
	ps, err := s.Territory.ListProvinces(r.Context())
	if err != nil {
		return nil, err
	}
	a, _ := domain.ActorFromContext(r.Context())
	dd := &dashboardData{Provinces: ps, CanChoose: a.ProvinceCode == "", Query: dq, QS: template.URL(dq.encode()),
		D: d, Date: dq.Day.In(rome).Format("2006-01-02"), Place: "Emilia-Romagna"}
	for _, p := range ps {
		if p.Code == d.Province {
			dd.Place = p.Name
		}
	}
	for _, dim := range dashboardDims {
		if dim == "comune" {
			continue // drawn as the map
		}
		dd.Sections = append(dd.Sections, dashSection{Dim: dim, Bars: newBars(d.By[dim])})
	}
	dd.Months = newMonthChart(d.Months)
	comuni, err := s.Territory.ListComuni(r.Context(), domain.ComuneFilter{ProvinceCode: d.Province})
	if err != nil {
		return nil, err
	}
	if dd.Map, err = newPopMap(d.Province, comuni, d.By["comune"]); err != nil {
		return nil, err
	}
	return dd, nil
}

// dashboardDims are the page's breakdowns, in order (store.DashboardDims).
var dashboardDims = []string{"sex", "age", "household", "nationality", "stage", "length", "facility_type", "comune"}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	dd, err := s.dashboard(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", s.view(r, dd))
}

// handleDashboardExport downloads one of the dashboard's tables (?tabella=).
func (s *Server) handleDashboardExport(w http.ResponseWriter, r *http.Request) {
	dd, err := s.dashboard(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	dim := r.URL.Query().Get("tabella")
	t := sheet.Table{RefTime: dd.D.Day, Source: "Gest.A – " + dd.Place + ", dati al " + dd.Date}
	switch dim {
	case "mesi":
		t.Title, t.Headers = "Ingressi e uscite per mese – "+dd.Place, []string{"mese", "ingressi", "uscite"}
		for _, m := range dd.D.Months {
			t.Rows = append(t.Rows, []any{m.Month, m.Entries, m.Exits})
		}
	case "comune":
		t.Title = "Persone accolte per comune e per mille residenti – " + dd.Place
		t.Headers = []string{"comune_istat", "comune", "residenti", "accolti", "per_mille", "soglia_per_mille", "oltre_soglia"}
		for _, row := range dd.Map.Rows {
			over := "no"
			if row.Over {
				over = "si"
			}
			t.Rows = append(t.Rows, []any{row.Code, row.Name, row.Residents, row.Hosted, row.PerThousand, row.Guideline, over})
		}
	case "vulnerabilita":
		if dd.D.Vulnerabilities == nil {
			s.Error(w, r, domain.Err(domain.ENOTFOUND, "err.stats.table_unavailable"))
			return
		}
		t.Title, t.Headers = "Vulnerabilità (art. 17) – "+dd.Place, []string{"codice", "descrizione", "persone"}
		for _, it := range dd.D.Vulnerabilities {
			t.Rows = append(t.Rows, []any{it.Key, it.Label, it.Count})
		}
	default:
		items, ok := dd.D.By[dim]
		if !ok {
			s.Error(w, r, domain.Err(domain.ENOTFOUND, "err.stats.table_unknown"))
			return
		}
		t.Title, t.Headers = s.t(r, "dashboard.dim."+dim)+" – "+dd.Place, []string{"chiave", "descrizione", "persone"}
		for _, it := range items {
			t.Rows = append(t.Rows, []any{it.Key, it.Label, it.Count})
		}
		t.Rows = append(t.Rows, []any{"totale", "totale", dd.D.Total})
	}
	place := "emilia-romagna"
	if dd.Query.Province != "" {
		place = strings.ToLower(dd.Query.Province)
	}
	s.sendTable(w, r, fmt.Sprintf("cruscotto-%s-%s", place, dim), t)
}

// bars is a horizontal bar chart: one row per item, scaled to the largest.
type bars struct {
	W, H, LabelW int
	Rows         []barRow
	Total        int
}

type barRow struct {
	Key, Label   string
	Count        int
	Y, BY, Width float64
	LX, BX, TX   float64
	Pct          string
	Share        float64 // the bar's length, 0–100, of the longest
}

const barH = 24

func newBars(items []domain.StatItem) *bars {
	b := &bars{W: 640, LabelW: 220}
	max := 1
	for _, it := range items {
		b.Total += it.Count
		max = maxInt(max, it.Count)
	}
	for i, it := range items {
		pct := "0"
		if b.Total > 0 {
			pct = strconv.FormatFloat(100*float64(it.Count)/float64(b.Total), 'f', 1, 64)
		}
		w := float64(b.W-b.LabelW-90) * float64(it.Count) / float64(max)
		b.Rows = append(b.Rows, barRow{Key: it.Key, Label: it.Label, Count: it.Count, Y: float64(i * barH),
			BY: float64(i*barH) + 3, Width: w, LX: float64(b.LabelW - 8), BX: float64(b.LabelW),
			TX: float64(b.LabelW) + w + 4, Pct: strings.Replace(pct, ".", ",", 1), Share: 100 * float64(it.Count) / float64(max)})
	}
	b.H = maxInt(len(items)*barH, barH)
	return b
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// monthChart is paired vertical bars of entries and exits per month.
type monthChart struct {
	W, H, Base int
	Max        int
	Cols       []monthCol
}

type monthCol struct {
	Month                    string
	Entries, Exits           int
	X, EntryY, EntryH, ExitY float64
	ExitH                    float64
}

func newMonthChart(months []domain.MonthFlow) *monthChart {
	c := &monthChart{W: 640, H: 220, Base: 190, Max: 1}
	for _, m := range months {
		c.Max = maxInt(c.Max, maxInt(m.Entries, m.Exits))
	}
	step := float64(c.W-40) / float64(maxInt(len(months), 1))
	for i, m := range months {
		eh := 170 * float64(m.Entries) / float64(c.Max)
		xh := 170 * float64(m.Exits) / float64(c.Max)
		c.Cols = append(c.Cols, monthCol{Month: m.Month, Entries: m.Entries, Exits: m.Exits, X: 40 + float64(i)*step,
			EntryY: float64(c.Base) - eh, EntryH: eh, ExitY: float64(c.Base) - xh, ExitH: xh})
	}
	return c
}

// popMap is the comuni map: people hosted per 1,000 residents against the
// guideline (2.5‰; 1.5‰ in provincial capitals), in four classes told apart
// by pattern as well as colour.
type popMap struct {
	ViewBox string
	Shapes  []popShape
	Rows    []popRow
}

type popShape struct {
	Code, Name, D, FillRule, Class, Title string
}

type popRow struct {
	Code, Name             string
	Residents, Hosted      int
	PerThousand, Guideline string
	Over                   bool
	Class                  string
	per, guideline         float64
}

// Guideline returns the hosting guideline per 1,000 residents of a comune.
func Guideline(c domain.Comune) float64 {
	if c.Capital {
		return 1.5
	}
	return 2.5
}

func newPopMap(province string, comuni []domain.Comune, byComune []domain.StatItem) (*popMap, error) {
	m, err := territory.ComuniMap(province)
	if err != nil {
		return nil, err
	}
	hosted := map[string]int{}
	for _, it := range byComune {
		hosted[it.Key] = it.Count
	}
	pm := &popMap{ViewBox: m.ViewBox}
	class := map[string]popRow{}
	for _, c := range comuni {
		h := hosted[c.Code]
		g := Guideline(c)
		per := 0.0
		if c.Residents > 0 {
			per = 1000 * float64(h) / float64(c.Residents)
		}
		row := popRow{Code: c.Code, Name: c.Name, Residents: c.Residents, Hosted: h,
			PerThousand: strings.Replace(strconv.FormatFloat(per, 'f', 2, 64), ".", ",", 1),
			Guideline:   strings.Replace(strconv.FormatFloat(g, 'f', 1, 64), ".", ",", 1), Over: per > g, per: per, guideline: g}
		switch {
		case h == 0:
			row.Class = "m0"
		case per <= g/2:
			row.Class = "m1"
		case per <= g:
			row.Class = "m2"
		default:
			row.Class = "m3"
		}
		class[c.Code] = row
		pm.Rows = append(pm.Rows, row)
	}
	for _, sh := range m.Shapes {
		row, ok := class[sh.Code]
		if !ok {
			continue
		}
		pm.Shapes = append(pm.Shapes, popShape{Code: sh.Code, Name: sh.Name, D: sh.D, FillRule: sh.FillRule, Class: row.Class,
			Title: fmt.Sprintf("%s: %d accolti, %s‰ (soglia %s‰)", row.Name, row.Hosted, row.PerThousand, row.Guideline)})
	}
	return pm, nil
}

// handleDashboardReport sends the monthly report as PDF, for the dashboard's
// territory and reference date.
func (s *Server) handleDashboardReport(w http.ResponseWriter, r *http.Request) {
	dd, err := s.dashboard(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	m := report.Monthly{Place: dd.Place, Day: dd.D.Day, Generated: time.Now(), D: dd.D}
	for _, dim := range dashboardDims {
		if dim != "comune" {
			m.Dims = append(m.Dims, report.Dim{Title: s.t(r, "dashboard.dim."+dim), Items: dd.D.By[dim]})
		}
	}
	for _, row := range dd.Map.Rows {
		if row.Over {
			m.Comuni = append(m.Comuni, report.ComuneRow{Name: row.Name, Residents: row.Residents, Hosted: row.Hosted,
				PerThousand: row.per, Guideline: row.guideline})
		}
	}
	sort.Slice(m.Comuni, func(i, j int) bool { return m.Comuni[i].PerThousand > m.Comuni[j].PerThousand })
	place := "emilia-romagna"
	if dd.Query.Province != "" {
		place = strings.ToLower(dd.Query.Province)
	}
	w.Header().Set("Content-Type", "application/pdf")
	setAttachment(w, fmt.Sprintf("rapporto-accoglienza-%s-%s.pdf", place, dd.Date))
	if err := report.WriteMonthly(w, m); err != nil {
		s.Logger.Error("web: monthly report", "err", err, "request_id", RequestID(r.Context()))
	}
}
