package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/opendata"
)

// The public site reads only published publications (rule R0): every handler
// here goes through Publications.FindPublished, FindPublishedVersion or
// ListPublished, which never return a draft nor a raw value.

// Cache lifetimes of public answers: pages and "latest" files may change at
// the next publication; a dated version's file changes only by a correction,
// which the ETag catches.
const (
	publicPageCache = "public, max-age=300"
	publicFileCache = "public, max-age=3600"
)

var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// publicPub returns the publication a public page shows: the ?data= date's
// current version, or the latest. ok is false when none is published (or the
// date is not), after writing the answer.
func (s *Server) publicPub(w http.ResponseWriter, r *http.Request) (domain.Publication, bool) {
	date := r.URL.Query().Get("data")
	if date != "" && !isoDate.MatchString(date) {
		s.renderError(w, r, http.StatusNotFound)
		return domain.Publication{}, false
	}
	p, err := s.Publications.FindPublished(r.Context(), date)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND && date == "" {
			return domain.Publication{}, true // nothing published yet: the page says so
		}
		s.Error(w, r, err)
		return domain.Publication{}, false
	}
	return p, true
}

// cached sets ETag, Last-Modified and Cache-Control for an answer built only
// from public publications, and answers 304 when the client has it. tag
// names everything the answer depends on besides the publications.
func cached(w http.ResponseWriter, r *http.Request, cacheControl, tag string, modified *time.Time) bool {
	sum := sha256.Sum256([]byte(tag))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	if modified != nil {
		h.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if t = strings.TrimSpace(t); t == etag || t == "*" || t == "W/"+etag {
				w.WriteHeader(http.StatusNotModified)
				return true
			}
		}
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" && modified != nil {
		if t, err := http.ParseTime(ims); err == nil && !modified.Truncate(time.Second).After(t) {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

// pageTag is what a public page depends on: the publications shown, the
// language, who is signed in (the header shows them), the templates' version.
func (s *Server) pageTag(r *http.Request, pubs string) (tag, cacheControl string) {
	actor := ""
	cc := publicPageCache
	if a, ok := domain.ActorFromContext(r.Context()); ok {
		actor, cc = a.Label(), "private, no-cache"
	}
	return strings.Join([]string{pubs, i18n.FromRequest(r), actor, s.static, s.Version, r.URL.RawQuery}, "|"), cc
}

// dateWords writes a reference date in words: "30 novembre 2026".
func (v *View) DateWords(date string) string {
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		return date
	}
	return fmt.Sprintf("%d %s %d", d.Day(), v.T(fmt.Sprintf("month.%d", int(d.Month()))), d.Year())
}

// MonthWords writes a YYYY-MM month in words: "novembre 2026".
func (v *View) MonthWords(month string) string {
	d, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return v.T(fmt.Sprintf("month.%d", int(d.Month()))) + " " + strconv.Itoa(d.Year())
}

// CatLabel names a category of presenze-profilo in the page's language.
func (v *View) CatLabel(dim, cat string) string {
	if dim == "nazionalita" && cat != "ALTRE" {
		if id := "country." + cat; v.loc.T(id) != id {
			return v.loc.T(id) // in the page's language
		}
		return domain.NationalityName(cat)
	}
	return v.T("pub.cat." + dim + "." + cat)
}

// Fig writes a protected figure for a page: the number, or "<5" when suppressed.
func (v *View) Fig(f domain.PubFigure) string {
	if n, ok := f.Published(); ok {
		return formatNumber(n)
	}
	return v.T("pub.suppressed.short")
}

// Rate writes a rate per 1,000 with one decimal, Italian style in Italian.
func (v *View) Rate(r *float64) string {
	if r == nil {
		return "–"
	}
	s := strconv.FormatFloat(*r, 'f', 1, 64)
	if v.Lang == "it" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// keyFigures are the public home's headline numbers, all from protected counts.
type keyFigures struct {
	Total          domain.PubFigure
	PerMille       *float64
	ComuniHosting  int
	ComuniOver     int
	Change         *int   // since the previous month's end; nil when not publishable
	PreviousMonth  string // YYYY-MM
	YearChange     *int   // since the same month a year before
	YearMonth      string
	Comuni         int
	MetroResidents int
}

func newKeyFigures(t *domain.PublicTables) keyFigures {
	k := keyFigures{Total: t.Total.Presenze, PerMille: t.Total.PerMille, Comuni: len(t.Comuni), MetroResidents: t.Total.Residents}
	for _, c := range t.Comuni {
		v, ok := c.Presenze.Published()
		if !ok || v > 0 {
			k.ComuniHosting++
		}
		if c.PerMille != nil && *c.PerMille > guidelineFor(c.Code) {
			k.ComuniOver++
		}
	}
	if n := len(t.Months); n >= 2 {
		cur, ok1 := t.Months[n-1].Presenze.Published()
		prev, ok2 := t.Months[n-2].Presenze.Published()
		k.PreviousMonth = t.Months[n-2].Month
		if ok1 && ok2 {
			d := cur - prev
			k.Change = &d
		}
		if n >= 13 {
			old, ok3 := t.Months[n-13].Presenze.Published()
			k.YearMonth = t.Months[n-13].Month
			if ok1 && ok3 {
				d := cur - old
				k.YearChange = &d
			}
		}
	}
	return k
}

// guidelineFor is the hosting guideline per 1,000 residents of a comune of the
// metro area: 1.5‰ in the capital (Bologna, 037006), 2.5‰ elsewhere.
func guidelineFor(code string) float64 {
	if code == "037006" {
		return 1.5
	}
	return 2.5
}

type publicHome struct {
	landingData
	Pub   *domain.Publication
	Keys  keyFigures
	Chart *monthBars
	// Sections are the public data pages the home links to.
	Sections []publicSection
}

func (s *Server) handleLanding(w http.ResponseWriter, r *http.Request) {
	provinces, err := s.Territory.ListProvinces(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := publicHome{landingData: landingData{Provinces: provinces, Map: s.provinceMap, PopulationSource: s.PopulationSource,
		Lines: []string{"landing.line.plans", "landing.line.places", "landing.line.data", "landing.line.cases"}}}
	for _, p := range provinces {
		d.Comuni += p.Comuni
		d.Residents += p.Residents
	}
	if s.Publications != nil {
		p, ok := s.publicPub(w, r)
		if !ok {
			return
		}
		if p.ID != "" {
			d.Pub, d.Keys, d.Chart, d.Sections = &p, newKeyFigures(p.Tables), newMonthBars(p.Tables, 24), publicSections
			tag, cc := s.pageTag(r, p.ID)
			if cached(w, r, cc, "home|"+tag, p.PublishedAt) {
				return
			}
		}
	}
	s.render(w, r, http.StatusOK, "landing", s.view(r, d))
}

// datasetInfo describes a dataset for the pages (texts in the catalogues).
type datasetInfo struct {
	ID      string
	Columns []string
}

var datasetColumns = map[string][]string{
	domain.DatasetComuni:  {"codice_comune", "comune", "residenti", "presenze", "per_mille", "stato"},
	domain.DatasetProfilo: {"dimensione", "categoria", "etichetta", "presenze", "stato"},
	domain.DatasetMensili: {"mese", "presenze", "ingressi", "uscite", "stato"},
	domain.DatasetArrivi:  {"mese", "codice_provincia", "provincia", "arrivi", "stato"},
	domain.DatasetCASSAI:  {"rete", "indicatore", "valore", "unita", "data_riferimento", "stato", "fonte"},
	domain.DatasetContesto: {"data", "italia_hotspot", "italia_centri_accoglienza", "italia_sai", "italia_totale",
		"emilia_romagna_centri_accoglienza", "emilia_romagna_sai", "emilia_romagna_totale", "quota_emilia_romagna"},
}

func datasets() []datasetInfo {
	var out []datasetInfo
	for _, id := range domain.PublicDatasets {
		out = append(out, datasetInfo{ID: id, Columns: datasetColumns[id]})
	}
	return out
}

type datasetsPage struct {
	Catalog  bool // the DCAT-AP_IT catalogue is served
	Datasets []datasetInfo
	Versions []domain.Publication
	Pub      *domain.Publication
}

func versionsTag(vs []domain.Publication) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.ID + string(v.Status) + ";")
	}
	return b.String()
}

func (s *Server) handleDatasets(w http.ResponseWriter, r *http.Request) {
	vs, err := s.Publications.ListPublished(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := datasetsPage{Datasets: datasets(), Versions: vs, Catalog: s.OpenDataEmail != ""}
	// The date chosen (?data=, kept in the links) or the latest.
	p, ok := s.publicPub(w, r)
	if !ok {
		return
	}
	if p.ID != "" {
		d.Pub = &p
	}
	if len(vs) > 0 {
		tag, cc := s.pageTag(r, versionsTag(vs))
		if cached(w, r, cc, "datasets|"+tag, vs[0].PublishedAt) {
			return
		}
	}
	s.render(w, r, http.StatusOK, "datasets", s.view(r, d))
}

type datasetPage struct {
	Dataset  datasetInfo
	Regional []opendata.RegionalPoint // contesto-regionale's rows
	Source   string                   // its attribution
	Pub      *domain.Publication
	Versions []domain.Publication
	Keys     keyFigures
}

func knownDataset(id string) (datasetInfo, bool) {
	for _, d := range datasets() {
		if d.ID == id {
			return d, true
		}
	}
	return datasetInfo{}, false
}

func (s *Server) handleDataset(w http.ResponseWriter, r *http.Request) {
	ds, ok := knownDataset(r.PathValue("dataset"))
	if !ok {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	p, ok := s.publicPub(w, r)
	if !ok {
		return
	}
	vs, err := s.Publications.ListPublished(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := datasetPage{Dataset: ds, Versions: vs}
	if p.ID != "" {
		d.Pub, d.Keys = &p, newKeyFigures(p.Tables)
		if ds.ID == domain.DatasetContesto {
			if d.Regional, err = opendata.RegionalSeries(p.ReferenceDate); err != nil {
				s.Error(w, r, err)
				return
			}
			d.Source = opendata.RegionalSource
		}
		tag, cc := s.pageTag(r, versionsTag(vs)+p.ID)
		if cached(w, r, cc, "dataset|"+ds.ID+"|"+tag, p.PublishedAt) {
			return
		}
	}
	s.render(w, r, http.StatusOK, "dataset", s.view(r, d))
}

func (s *Server) handleMethodology(w http.ResponseWriter, r *http.Request) {
	tag, cc := s.pageTag(r, "")
	if cached(w, r, cc, "methodology|"+tag, nil) {
		return
	}
	s.render(w, r, http.StatusOK, "methodology", s.view(r, nil))
}

// fileName splits "2026-11-30.csv", "2026-11-30-v1.json" or "latest.csv".
var fileName = regexp.MustCompile(`^(latest|\d{4}-\d{2}-\d{2})(?:-v(\d{1,4}))?\.(csv|json)$`)

// handleDatasetFile serves a dataset's CSV or JSON distribution: the current
// version of a reference date, a given version (-vN, superseded ones too),
// or the latest date.
func (s *Server) handleDatasetFile(w http.ResponseWriter, r *http.Request) {
	ds, ok := knownDataset(r.PathValue("dataset"))
	m := fileName.FindStringSubmatch(r.PathValue("file"))
	if !ok || m == nil || (m[1] == "latest" && m[2] != "") {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	ctx := r.Context()
	var p domain.Publication
	var err error
	switch {
	case m[2] != "":
		vs, lerr := s.Publications.ListPublished(ctx)
		if lerr != nil {
			s.Error(w, r, lerr)
			return
		}
		err = domain.Err(domain.ENOTFOUND, "err.publication.not_found")
		for _, v := range vs {
			if v.ReferenceDate == m[1] && strconv.Itoa(v.Version) == m[2] {
				p, err = s.Publications.FindPublishedVersion(ctx, v.ID)
				break
			}
		}
	case m[1] == "latest":
		p, err = s.Publications.FindPublished(ctx, "")
	default:
		p, err = s.Publications.FindPublished(ctx, m[1])
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cc := publicFileCache
	if m[1] == "latest" {
		cc = publicPageCache
	}
	// A file is the same for everyone: its tag is the publication and format.
	if cached(w, r, cc, "file|"+p.ID+"|"+string(p.Status)+"|"+ds.ID+"|"+m[3]+"|"+s.Version, p.PublishedAt) {
		return
	}
	rows, err := s.datasetRows(ds.ID, p.ReferenceDate, p.Tables)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	name := fmt.Sprintf("%s-%s", ds.ID, p.ReferenceDate)
	if m[2] != "" {
		name += "-v" + m[2]
	}
	if m[3] == "csv" {
		cw := csv.NewWriter(&buf)
		_ = cw.Write(ds.Columns)
		for _, row := range rows {
			rec := make([]string, len(ds.Columns))
			for i, c := range ds.Columns {
				rec[i] = csvValue(row[c])
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		out := make([]orderedRow, len(rows))
		for i, row := range rows {
			out[i] = orderedRow{cols: ds.Columns, m: row}
		}
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", " ")
		if err := enc.Encode(out); err != nil {
			s.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.%s"`, name, m[3]))
	w.Header().Set("Access-Control-Allow-Origin", "*") // open data: any site may read it
	_, _ = buf.WriteTo(w)
}

// csvValue writes a cell: empty for nil (a suppressed count), numbers plain.
func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case *int:
		if x == nil {
			return ""
		}
		return strconv.Itoa(*x)
	case *float64:
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', 1, 64)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

// orderedRow marshals a row's fields in the dataset's column order.
type orderedRow struct {
	cols []string
	m    map[string]any
}

func (o orderedRow) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range o.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c)
		v, err := json.Marshal(o.m[c])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// datasetRows are a dataset's rows with their Italian column names; labels
// are Italian whatever the page's language (the files are a contract).
func (s *Server) datasetRows(id, refDate string, t *domain.PublicTables) ([]map[string]any, error) {
	it := s.I18n.For("it")
	stato := func(fs ...domain.PubFigure) string {
		for _, f := range fs {
			if f.Status != domain.CellPublished {
				return domain.CellSuppressed
			}
		}
		return domain.CellPublished
	}
	var rows []map[string]any
	switch id {
	case domain.DatasetComuni:
		add := func(c domain.PubComune, name string) {
			rows = append(rows, map[string]any{"codice_comune": c.Code, "comune": name, "residenti": c.Residents,
				"presenze": c.Presenze.Value, "per_mille": c.PerMille, "stato": stato(c.Presenze)})
		}
		for _, c := range t.Comuni {
			add(c, c.Name)
		}
		add(t.Total, it.T("pub.metro.name"))
	case domain.DatasetProfilo:
		v := &View{Lang: "it", loc: it}
		for _, c := range t.Profile {
			rows = append(rows, map[string]any{"dimensione": c.Dimension, "categoria": c.Category,
				"etichetta": v.CatLabel(c.Dimension, c.Category), "presenze": c.Presenze.Value, "stato": stato(c.Presenze)})
		}
	case domain.DatasetMensili:
		for _, m := range t.Months {
			rows = append(rows, map[string]any{"mese": m.Month, "presenze": m.Presenze.Value, "ingressi": m.Ingressi.Value,
				"uscite": m.Uscite.Value, "stato": stato(m.Presenze, m.Ingressi, m.Uscite)})
		}
	case domain.DatasetArrivi:
		// Each month: the provinces in code order, then the region's total.
		for _, m := range t.Arrivals {
			for _, p := range append(slices.Clip(m.Provinces), m.Region) {
				rows = append(rows, map[string]any{"mese": m.Month, "codice_provincia": p.Code, "provincia": p.Name,
					"arrivi": p.Arrivi.Value, "stato": stato(p.Arrivi)})
			}
		}
	case domain.DatasetCASSAI:
		rows = append(rows, map[string]any{"rete": "CAS", "indicatore": "presenze", "valore": t.Total.Presenze.Value,
			"unita": "persone", "data_riferimento": refDate, "stato": stato(t.Total.Presenze), "fonte": it.T("pub.attribution")})
		if sai := t.SAI; sai != nil {
			source := it.T("pub.cassai.source")
			if sai.Demo {
				source = it.T("pub.cassai.demo")
			}
			for _, f := range []struct {
				what, unit string
				n          int
			}{{"posti_ordinari", "posti", sai.Ordinari}, {"posti_dm_ds", "posti", sai.DMDS}, {"posti_msna", "posti", sai.MSNA},
				{"posti_totale", "posti", sai.Total}, {"progetti", "progetti", sai.Projects}, {"comuni_titolari", "comuni", sai.Comuni}} {
				rows = append(rows, map[string]any{"rete": "SAI", "indicatore": f.what, "valore": f.n, "unita": f.unit,
					"data_riferimento": sai.ReferenceDate, "stato": domain.CellPublished, "fonte": source})
			}
		}
	case domain.DatasetContesto:
		ps, err := opendata.RegionalSeries(refDate)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			share := p.ERShare // a plain float: the Ministry's two decimals
			rows = append(rows, map[string]any{"data": p.Date, "italia_hotspot": p.ITHotspot, "italia_centri_accoglienza": p.ITCentri,
				"italia_sai": p.ITSAI, "italia_totale": p.ITTotal, "emilia_romagna_centri_accoglienza": p.ERCentri,
				"emilia_romagna_sai": p.ERSAI, "emilia_romagna_totale": p.ERTotal, "quota_emilia_romagna": share})
		}
	}
	return rows, nil
}

// handleCatalog serves the DCAT-AP_IT catalogue of the datasets the site
// publishes (internal/opendata), as JSON-LD or Turtle, with the dates of the
// public publications. Without a contact e-mail (--opendata-email) there is
// no catalogue: DCAT-AP_IT makes the contact point mandatory.
func (s *Server) handleCatalog(w http.ResponseWriter, r *http.Request) {
	if s.OpenDataEmail == "" {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	vs, err := s.Publications.ListPublished(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var latest *domain.Publication
	var issued, modified, start time.Time
	for i, v := range vs {
		if v.PublishedAt == nil {
			continue
		}
		if latest == nil && v.Status == domain.PubPublished {
			latest = &vs[i]
		}
		if issued.IsZero() || v.PublishedAt.Before(issued) {
			issued = *v.PublishedAt
		}
		if v.PublishedAt.After(modified) {
			modified = *v.PublishedAt
		}
		if d, err := time.Parse("2006-01-02", v.ReferenceDate); err == nil && (start.IsZero() || d.Before(start)) {
			start = d
		}
	}
	if latest == nil {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	end, _ := time.Parse("2006-01-02", latest.ReferenceDate)
	pub := opendata.DefaultPublisher
	pub.Email = s.OpenDataEmail
	in := opendata.Input{BaseURL: s.PublicURL, Publisher: pub, Issued: issued, Modified: modified,
		Dates: map[string]opendata.Dates{}, Only: domain.PublicDatasets}
	for _, id := range domain.PublicDatasets {
		in.Dates[id] = opendata.Dates{Modified: modified, Latest: end, Start: start, End: end}
	}
	// The Ministry's series covers its own dates, up to the latest reference date.
	if ps, err := opendata.RegionalSeries(latest.ReferenceDate); err == nil && len(ps) > 0 {
		first, _ := time.Parse("2006-01-02", ps[0].Date)
		last, _ := time.Parse("2006-01-02", ps[len(ps)-1].Date)
		in.Dates[domain.DatasetContesto] = opendata.Dates{Modified: modified, Latest: end, Start: first, End: last}
	}
	turtle := strings.HasSuffix(r.URL.Path, ".ttl")
	if cached(w, r, publicPageCache, "catalog|"+versionsTag(vs)+"|"+s.PublicURL+"|"+strconv.FormatBool(turtle)+"|"+s.Version, &modified) {
		return
	}
	cat, err := opendata.Build(in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if turtle {
		w.Header().Set("Content-Type", "text/turtle; charset=utf-8")
		_, _ = w.Write(cat.Turtle())
		return
	}
	b, err := cat.JSONLD()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/ld+json; charset=utf-8")
	_, _ = w.Write(b)
}

// monthBars is the monthly series of presences as an SVG bar chart, from the
// protected values only (a suppressed month has no bar and is marked).
type monthBars struct {
	W, H, Left, Right, Base int
	Grid                    []gridLine
	Bars                    []monthBar
	From, To                string // YYYY-MM
}

type monthBar struct {
	X, Y, W, H float64
	Month      string
	Value      domain.PubFigure
}

// newMonthBars lays out the last n months of a publication's series.
func newMonthBars(t *domain.PublicTables, n int) *monthBars {
	ms := t.Months
	if len(ms) > n {
		ms = ms[len(ms)-n:]
	}
	var months []string
	var figs []domain.PubFigure
	for _, m := range ms {
		months, figs = append(months, m.Month), append(figs, m.Presenze)
	}
	return barsOf(months, figs)
}

// newArrivalBars lays out the region's plan arrivals of the last n months.
func newArrivalBars(t *domain.PublicTables, n int) *monthBars {
	ms := t.Arrivals
	if len(ms) > n {
		ms = ms[len(ms)-n:]
	}
	var months []string
	var figs []domain.PubFigure
	for _, m := range ms {
		months, figs = append(months, m.Month), append(figs, m.Region.Arrivi)
	}
	return barsOf(months, figs)
}

// barsOf lays out one protected figure per month as bars.
func barsOf(months []string, figs []domain.PubFigure) *monthBars {
	if len(months) == 0 {
		return nil
	}
	c := &monthBars{W: 720, H: 260, Left: 48, Right: 710, Base: 230, From: months[0], To: months[len(months)-1]}
	top := 0
	for _, f := range figs {
		if v, ok := f.Published(); ok {
			top = max(top, v)
		}
	}
	step := niceStep(top)
	ceil := step * ((top + step - 1) / step)
	if ceil == 0 {
		ceil = step
	}
	scale := float64(c.Base-20) / float64(ceil)
	for v := 0; v <= ceil; v += step {
		c.Grid = append(c.Grid, gridLine{Y: float64(c.Base) - float64(v)*scale, Label: v})
	}
	slot := float64(c.Right-c.Left) / float64(len(months))
	for i, f := range figs {
		b := monthBar{X: float64(c.Left) + float64(i)*slot + slot*0.15, W: slot * 0.7, Month: months[i], Value: f}
		if v, ok := f.Published(); ok {
			b.H = float64(v) * scale
		}
		b.Y = float64(c.Base) - b.H
		c.Bars = append(c.Bars, b)
	}
	return c
}
