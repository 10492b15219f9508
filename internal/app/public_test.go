package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/app"
	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

var publicColumns = map[string][]string{
	"presenze-comuni":  {"codice_comune", "comune", "residenti", "presenze", "per_mille", "stato"},
	"presenze-profilo": {"dimensione", "categoria", "etichetta", "presenze", "stato"},
	"presenze-mensili": {"mese", "presenze", "ingressi", "uscite", "stato"},
	"arrivi-piani":     {"mese", "codice_provincia", "provincia", "arrivi", "stato"},
}

// publicGet fetches a public URL anonymously, in a language.
func publicGet(t *testing.T, url, lang string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if lang != "" {
		req.AddCookie(&http.Cookie{Name: "gesta_lang", Value: lang})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var hrefs = regexp.MustCompile(`href="([^"]+)"`)

// crawl walks every public page and file reachable from the public site's
// entry points, as an anonymous visitor, and returns each URL's body. Every
// page must answer 200.
func crawl(t *testing.T, base, lang string, extra ...string) map[string]string {
	t.Helper()
	seen := map[string]string{}
	queue := append([]string{"/", "/dati", "/nota-metodologica"}, extra...)
	for ds := range publicColumns {
		for _, f := range []string{"latest.csv", "latest.json"} {
			queue = append(queue, "/dati/"+ds+"/"+f)
		}
	}
	for len(queue) > 0 && len(seen) < 400 {
		u := queue[0]
		queue = queue[1:]
		if _, ok := seen[u]; ok {
			continue
		}
		resp, body := publicGet(t, base+u, lang)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s (%s): %d", u, lang, resp.StatusCode)
		}
		seen[u] = body
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			continue
		}
		for _, m := range hrefs.FindAllStringSubmatch(body, -1) {
			h := html.UnescapeString(m[1])
			if i := strings.Index(h, "#"); i >= 0 {
				h = h[:i]
			}
			if !strings.HasPrefix(h, "/") || strings.HasPrefix(h, "//") || h == "" {
				continue
			}
			skip := false
			for _, p := range []string{"/static/", "/api/", "/login", "/logout", "/home", "/favicon"} {
				skip = skip || strings.HasPrefix(h, p)
			}
			if !skip {
				queue = append(queue, h)
			}
		}
	}
	return seen
}

// TestPublicSite publishes the demo's last complete month (the demo does) and
// checks, on each engine: every public page and file answers in Italian and
// English; the files parse with the documented columns; conditional requests
// answer 304; nothing personal of the demo appears anywhere (names, CUI,
// facilities, managing entities, operators, addresses); and a draft's figures
// and ids are reachable from no public URL (R0).
func TestPublicSite(t *testing.T) {
	for _, engine := range storetest.EngineNames {
		t.Run(engine, func(t *testing.T) {
			dsn, ok := storetest.DSN(t, engine)
			if !ok {
				t.Skipf("%s not set", storetest.EnvPostgres)
			}
			base, _, _ := serve(t, dsn, nil)
			db, err := store.Open(storetest.Ctx(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := storetest.Ctx()
			pubs := store.NewPublicationService(db)
			published, err := pubs.FindPublished(ctx, "")
			if err != nil {
				t.Fatalf("the demo published nothing: %v", err)
			}
			if published.ReferenceDate != domain.DefaultReferenceDate(time.Now()) {
				t.Errorf("demo published %s, want the last complete month", published.ReferenceDate)
			}

			pages := map[string]map[string]string{}
			for _, lang := range []string{"it", "en"} {
				pages[lang] = crawl(t, base, lang)
			}
			if len(pages["it"]) < 15 {
				t.Errorf("crawl reached only %d URLs", len(pages["it"]))
			}
			if !strings.Contains(pages["it"]["/"], "30 novembre") && !strings.Contains(pages["it"]["/"], published.ReferenceDate[:4]) {
				t.Errorf("home lacks the reference date in words")
			}
			if !strings.Contains(pages["en"]["/"], "Metropolitan City of Bologna") {
				t.Errorf("English home lacks its title")
			}

			if cat := pages["it"]["/dati/catalogo.jsonld"]; !strings.Contains(cat, "presenze-comuni") ||
				!strings.Contains(cat, "/dati/presenze-comuni/"+published.ReferenceDate+".csv") || !json.Valid([]byte(cat)) {
				t.Errorf("catalogue (JSON-LD) lacks the datasets or the download URL of %s", published.ReferenceDate)
			}
			if ttl := pages["it"]["/dati/catalogo.ttl"]; !strings.Contains(ttl, "dcatapit:Catalog") && !strings.Contains(ttl, "dcatapit#Catalog") {
				t.Errorf("catalogue (Turtle) lacks its catalogue")
			}
			checkFiles(t, base, published)
			checkDataPages(t, base, published, pages)
			checkConditional(t, base)
			checkNoPersonalData(t, db, pages)
			checkDraftUnreachable(t, base, db, pubs, published)
			checkAPIAndCLI(t, base, dsn, db)
			checkCoordinatorPages(t, base)
			checkSAI(t, base, published)
		})
	}
}

func checkFiles(t *testing.T, base string, p domain.Publication) {
	t.Helper()
	for ds, cols := range publicColumns {
		for _, name := range []string{"latest", p.ReferenceDate, p.ReferenceDate + "-v" + itoa(p.Version)} {
			resp, body := publicGet(t, base+"/dati/"+ds+"/"+name+".csv", "")
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("%s %s.csv: %d %s", ds, name, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("%s.csv does not parse: %v", ds, err)
			}
			if !slices.Equal(recs[0], cols) {
				t.Errorf("%s.csv header = %v, want %v", ds, recs[0], cols)
			}
			stato, presenze := slices.Index(cols, "stato"), slices.Index(cols, "presenze")
			if presenze < 0 {
				presenze = slices.Index(cols, "arrivi")
			}
			for _, r := range recs[1:] {
				switch r[stato] {
				case "soppresso":
				case "pubblicato":
					if r[presenze] == "" {
						t.Errorf("%s: a published row without a count: %v", ds, r)
					}
				default:
					t.Errorf("%s: stato %q", ds, r[stato])
				}
				if r[presenze] == "" && r[stato] != "soppresso" {
					t.Errorf("%s: an empty count not marked soppresso: %v", ds, r)
				}
				if v := r[presenze]; v != "" && (atoi(v)%5 != 0 || (atoi(v) > 0 && atoi(v) < 5)) {
					t.Errorf("%s: published count %s", ds, v)
				}
			}
			if ds == "presenze-comuni" {
				if len(recs) != 1+55+1 || recs[len(recs)-1][0] != "037" || len(recs[1][0]) != 6 {
					t.Errorf("presenze-comuni: %d rows, last %v", len(recs), recs[len(recs)-1])
				}
			}

			resp, body = publicGet(t, base+"/dati/"+ds+"/"+name+".json", "")
			var rows []map[string]any
			if err := json.Unmarshal([]byte(body), &rows); err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s.json: %d %v", ds, resp.StatusCode, err)
			}
			if len(rows) != len(recs)-1 {
				t.Errorf("%s: %d JSON rows, %d CSV rows", ds, len(rows), len(recs)-1)
			}
			for _, row := range rows {
				if len(row) != len(cols) {
					t.Errorf("%s.json row fields = %v", ds, row)
				}
				for _, c := range cols {
					if _, ok := row[c]; !ok {
						t.Errorf("%s.json row lacks %s", ds, c)
					}
				}
				if row["stato"] == "soppresso" && ds != "presenze-mensili" && row[cols[presenze]] != nil {
					t.Errorf("%s.json: a suppressed count is not null: %v", ds, row)
				}
			}
		}
	}
	if resp, _ := publicGet(t, base+"/dati/presenze-comuni/2001-01-31.csv", ""); resp.StatusCode != 404 {
		t.Errorf("an unpublished date's file: %d", resp.StatusCode)
	}
}

func checkConditional(t *testing.T, base string) {
	t.Helper()
	for _, u := range []string{"/", "/dati", "/dati/presenze-comuni", "/dati/presenze-profilo/latest.json"} {
		resp, _ := publicGet(t, base+u, "")
		etag := resp.Header.Get("ETag")
		if etag == "" || resp.Header.Get("Last-Modified") == "" || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "public") {
			t.Errorf("%s: ETag %q, Last-Modified %q, Cache-Control %q", u, etag, resp.Header.Get("Last-Modified"), resp.Header.Get("Cache-Control"))
			continue
		}
		if resp, body := publicGet(t, base+u, "", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified || body != "" {
			t.Errorf("%s with If-None-Match: %d", u, resp.StatusCode)
		}
		if resp, _ := publicGet(t, base+u, "en", "If-None-Match", etag); u != "/dati/presenze-profilo/latest.json" && resp.StatusCode != 200 {
			t.Errorf("%s in English answered %d to the Italian ETag", u, resp.StatusCode)
		}
	}
}

// checkNoPersonalData looks for every name, CUI, facility, managing entity,
// user and address of the Bologna demo in every public page and file.
func checkNoPersonalData(t *testing.T, db *store.DB, pages map[string]map[string]string) {
	t.Helper()
	ctx := storetest.Ctx()
	var needles []string
	add := func(s string) {
		if s = strings.TrimSpace(s); len(s) >= 4 {
			needles = append(needles, s)
		}
	}
	fs, err := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{ProvinceCode: "037"})
	if err != nil || len(fs) == 0 {
		t.Fatalf("facilities: %d %v", len(fs), err)
	}
	names := map[string]bool{}
	for _, f := range fs {
		add(f.Name)
		add(f.Address)
		add(f.GestoreName)
		add(f.ContactName)
		add(f.ContactEmail)
		present, _, err := db.Guests.SearchPresent(ctx, domain.PresentFilter{Facility: f.Code, Limit: 2000})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range present {
			add(p.Guest.CUI)
			names[p.Guest.Surname+" "+p.Guest.GivenName] = true
			names[p.Guest.GivenName+" "+p.Guest.Surname] = true
			add(p.Guest.ID)
		}
	}
	for n := range names {
		add(n)
	}
	users, err := db.Users.ListUsers(ctx, domain.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		add(u.Name)
		add(u.Email)
	}
	if len(needles) < 100 {
		t.Fatalf("only %d needles: the demo is not what the test expects", len(needles))
	}
	for lang, ps := range pages {
		for u, body := range ps {
			for _, n := range needles {
				if strings.Contains(body, n) || strings.Contains(body, html.EscapeString(n)) {
					t.Errorf("%s (%s) shows %q", u, lang, n)
				}
			}
		}
	}
}

// checkDraftUnreachable adds 50 people in a comune the published figures show
// empty, makes a correction draft of the published date (and a draft of an
// earlier date), and crawls again: the drafts' ids and the new figure appear
// nowhere, the published figures stay.
func checkDraftUnreachable(t *testing.T, base string, db *store.DB, pubs *store.PublicationService, published domain.Publication) {
	t.Helper()
	ctx := storetest.Ctx()
	empty := ""
	for _, c := range published.Tables.Comuni {
		if v, ok := c.Presenze.Published(); ok && v == 0 {
			empty = c.Code
			break
		}
	}
	if empty == "" {
		t.Fatal("no empty comune in the demo's publication")
	}
	gs, err := db.Orgs.ListGestori(ctx, domain.OrgFilter{ProvinceCode: "037"})
	if err != nil || len(gs) == 0 {
		t.Fatalf("gestori: %v", err)
	}
	f := &domain.Facility{Name: "Struttura di prova R0", Type: domain.TypeCASCollettivo, Target: domain.TargetMixed,
		GestoreID: gs[0].ID, ComuneCode: empty, Contracted: 60, Active: 60}
	if err := db.Facilities.CreateFacility(ctx, f); err != nil {
		t.Fatal(err)
	}
	ref, _ := time.Parse("2006-01-02", published.ReferenceDate)
	for i := range 50 {
		g := &domain.Guest{Surname: "Prova", GivenName: "R0", Sex: "M", BirthDate: time.Date(1990+i%10, 1, 1, 0, 0, 0, 0, time.UTC),
			Nationality: "GIN", Stage: domain.StageC3Lodged}
		if err := db.Guests.CreateGuest(ctx, g, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Guests.RecordEntry(ctx, g.ID, f.Code, ref.AddDate(0, 0, -10), ""); err != nil {
			t.Fatal(err)
		}
	}
	draft, err := pubs.CreateDraft(ctx, published.ReferenceDate, "correzione di prova")
	if err != nil {
		t.Fatal(err)
	}
	earlier, err := pubs.CreateDraft(ctx, ref.AddDate(0, -2, 0).Format("2006-01-02"), "")
	if err != nil {
		t.Fatal(err)
	}
	preview, err := pubs.Preview(ctx, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	var draftRow domain.PubComune
	for _, c := range preview.Tables.Comuni {
		if c.Code == empty {
			draftRow = c
		}
	}
	if v, ok := draftRow.Presenze.Published(); !ok || v != 50 {
		t.Fatalf("the draft's figure for %s = %+v, want 50", empty, draftRow.Presenze)
	}
	extra := []string{"/?data=" + earlier.ReferenceDate, "/dati?data=" + earlier.ReferenceDate}
	pages := crawl(t, base, "it")
	for u, body := range pages {
		for _, id := range []string{draft.ID, earlier.ID, "correzione di prova", "Struttura di prova R0"} {
			if strings.Contains(body, id) {
				t.Errorf("%s shows a draft's %q", u, id)
			}
		}
	}
	for _, p := range []string{"/accoglienza/territorio", "/accoglienza/chi-e-accolto", "/accoglienza/nel-tempo"} {
		extra = append(extra, p+"?data="+earlier.ReferenceDate)
	}
	for _, u := range append(extra, "/dati/presenze-comuni?data="+earlier.ReferenceDate,
		"/dati/presenze-comuni/"+earlier.ReferenceDate+".csv", "/dati/presenze-comuni/"+earlier.ReferenceDate+"-v1.json",
		"/dati/presenze-comuni/"+published.ReferenceDate+"-v2.csv") {
		if resp, body := publicGet(t, base+u, ""); resp.StatusCode != http.StatusNotFound || strings.Contains(body, earlier.ID) {
			t.Errorf("%s: %d, want 404", u, resp.StatusCode)
		}
	}
	_, body := publicGet(t, base+"/dati/presenze-comuni/latest.csv", "")
	recs, _ := csv.NewReader(strings.NewReader(body)).ReadAll()
	for _, r := range recs {
		if r[0] == empty && r[3] != "0" {
			t.Errorf("the public row of %s = %v: the draft's figure leaked", empty, r)
		}
		if r[0] == "037" {
			if v, _ := published.Tables.Total.Presenze.Published(); r[3] != itoa(v) {
				t.Errorf("public total %s, published %d", r[3], v)
			}
		}
	}
}

// checkAPIAndCLI walks the workflow through the API (as the coordinator)
// and the command line.
func checkAPIAndCLI(t *testing.T, base, dsn string, db *store.DB) {
	t.Helper()
	ctx := storetest.Ctx()
	cred, err := db.Users.Credentials(ctx, accounts["coordinator"])
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := (&auth.Service{Store: db.Users}).CreateToken(ctx, cred.Actor.UserID, "public-test")
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if st, out := call("POST", "/publications", `{"reference_date": "2999-01-31"}`); st != 422 || !strings.Contains(fmt.Sprint(out["detail"]), "data di riferimento") {
		t.Errorf("future date: %d %v", st, out)
	}
	date := time.Now().AddDate(0, -3, 0).Format("2006-01") + "-10"
	st, out := call("POST", "/publications", `{"reference_date": "`+date+`"}`)
	if st != 201 || out["status"] != "draft" || out["reference_date"] != date || out["preview"] == nil || out["id"] == "" {
		t.Fatalf("create: %d %v", st, out)
	}
	id := out["id"].(string)
	if st, _ := call("POST", "/publications", `{"reference_date": "`+date+`"}`); st != 409 {
		t.Errorf("second draft: %d", st)
	}
	if st, out := call("POST", "/publications/"+id+"/publish", ``); st != 200 || out["status"] != "published" {
		t.Errorf("publish: %d %v", st, out)
	}
	if st, _ := call("POST", "/publications/"+id+"/publish", ``); st != 409 {
		t.Errorf("publish twice: %d", st)
	}
	if st, _ := call("GET", "/publications", ``); st != 200 {
		t.Errorf("list: %d", st)
	}
	if resp, _ := publicGet(t, base+"/dati/presenze-comuni/"+date+".csv", ""); resp.StatusCode != 200 {
		t.Errorf("the API's publication is not public: %d", resp.StatusCode)
	}

	// The command line: a correction of that date needs a note; the id comes last.
	var stdout, stderr syncBuffer
	m := &app.Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"publish", "--db", dsn, "--date", date}); err == nil {
		t.Errorf("a correction without a note was published")
	}
	stdout = syncBuffer{}
	if err := m.Run(context.Background(), []string{"publish", "--db", dsn, "--date", date, "--note", "rettifica"}); err != nil {
		t.Fatalf("gesta publish: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	p, err := store.NewPublicationService(db).FindPublished(ctx, date)
	if err != nil || p.ID != last || p.Version != 2 {
		t.Errorf("CLI printed %q; current version %+v %v", last, p.ID, err)
	}
}

// checkCoordinatorPages walks the web workflow as the coordinator: a draft,
// its preview with exact values and rules, publishing only after the
// confirmation.
func checkCoordinatorPages(t *testing.T, base string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := noRedirect(jar)
	resp, err := c.PostForm(base+"/login", url.Values{"email": {accounts["coordinator"]}, "password": {demo.DemoPassword}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	page := func(method, path string, form url.Values) (*http.Response, string) {
		var resp *http.Response
		var err error
		if method == "GET" {
			resp, err = c.Get(base + path)
		} else {
			resp, err = c.PostForm(base+path, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, body := page("GET", "/pubblicazioni", nil); resp.StatusCode != 200 || !strings.Contains(body, "pubblicata") {
		t.Fatalf("/pubblicazioni: %d", resp.StatusCode)
	}
	if resp, body := page("POST", "/pubblicazioni", url.Values{"reference_date": {"2999-12-31"}}); resp.StatusCode != 422 ||
		!strings.Contains(body, "giorno già concluso") {
		t.Errorf("future date on the web: %d", resp.StatusCode)
	}
	date := time.Now().AddDate(0, -4, 0).Format("2006-01") + "-15"
	resp, _ = page("POST", "/pubblicazioni", url.Values{"reference_date": {date}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/pubblicazioni/") {
		t.Fatalf("draft on the web: %d %s", resp.StatusCode, loc)
	}
	resp, body := page("GET", loc, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "bozza") || !strings.Contains(body, "esatto") ||
		!strings.Contains(body, "R6") || !strings.Contains(body, `name="confirm"`) {
		t.Errorf("preview: %d, lacks the draft status, exact values, rules or the confirmation", resp.StatusCode)
	}
	if resp, _ := page("POST", loc+"/pubblica", url.Values{}); resp.StatusCode != 422 {
		t.Errorf("publish without confirmation: %d", resp.StatusCode)
	}
	if resp, _ := publicGet(t, base+"/dati/presenze-comuni/"+date+".csv", ""); resp.StatusCode != 404 {
		t.Errorf("an unconfirmed draft is public: %d", resp.StatusCode)
	}
	if resp, _ := page("POST", loc+"/pubblica", url.Values{"confirm": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("publish: %d", resp.StatusCode)
	}
	if resp, body := page("GET", loc, nil); !strings.Contains(body, "pubblicata") || strings.Contains(body, `name="confirm"`) {
		t.Errorf("after publishing: %d", resp.StatusCode)
	}
	if resp, _ := publicGet(t, base+"/dati/presenze-comuni/"+date+".csv", ""); resp.StatusCode != 200 {
		t.Errorf("the published date's file: %d", resp.StatusCode)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func atoi(s string) int {
	var n int
	_ = json.Unmarshal([]byte(s), &n)
	return n
}

// checkDataPages checks the public data pages (Territorio, Chi è accolto,
// Nel tempo): the home links to each, they answer in both languages, the map
// draws the 55 comuni, and every figure on the pages is the one in the
// published files (R9: the same protected value everywhere).
func checkDataPages(t *testing.T, base string, p domain.Publication, pages map[string]map[string]string) {
	t.Helper()
	q := "?data=" + p.ReferenceDate
	for _, u := range []string{"/accoglienza/territorio", "/accoglienza/chi-e-accolto", "/accoglienza/nel-tempo", "/accoglienza/contesto-regionale"} {
		for _, lang := range []string{"it", "en"} {
			if _, ok := pages[lang][u+q]; !ok {
				t.Errorf("the crawl (%s) did not reach %s from the home page", lang, u+q)
			}
		}
	}
	terr := pages["it"]["/accoglienza/territorio"+q]
	if n := strings.Count(terr, `data-code="037`); n != 55 {
		t.Errorf("the map draws %d comuni, want 55", n)
	}
	// Each comune's row on the page shows the CSV's protected count.
	_, body := publicGet(t, base+"/dati/presenze-comuni/"+p.ReferenceDate+".csv", "")
	recs, _ := csv.NewReader(strings.NewReader(body)).ReadAll()
	row := regexp.MustCompile(`<tr><th scope="row">([^<]+)</th><td class="num">[^<]*</td><td class="num">([^<]*)</td>`)
	shown := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(terr, -1) {
		shown[html.UnescapeString(m[1])] = strings.ReplaceAll(m[2], ".", "")
	}
	checked := 0
	for _, r := range recs[1 : len(recs)-1] {
		want := r[3]
		if r[5] == "soppresso" {
			want = "riservato"
		}
		if got, ok := shown[r[1]]; !ok || got != want {
			t.Errorf("territorio shows %s = %q, the CSV %q", r[1], got, want)
		}
		checked++
	}
	if checked != 55 {
		t.Errorf("checked %d comuni", checked)
	}
	// Sorting keeps the date and still shows every comune.
	resp, sorted := publicGet(t, base+"/accoglienza/territorio"+q+"&ordina=presenze", "")
	if resp.StatusCode != 200 || len(row.FindAllString(sorted, -1)) != 55+1 { // and the metro total
		t.Errorf("sorted territorio: %d", resp.StatusCode)
	}
	// Chi è accolto: one chart and table per dimension, with the JSON's values.
	prof := pages["it"]["/accoglienza/chi-e-accolto"+q]
	for _, dim := range domain.ProfileDimensions {
		if !strings.Contains(prof, `id="dim-`+dim+`"`) {
			t.Errorf("chi-e-accolto lacks %s", dim)
		}
	}
	var rows []map[string]any
	_, body = publicGet(t, base+"/dati/presenze-profilo/"+p.ReferenceDate+".json", "")
	if err := json.Unmarshal([]byte(body), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		v := "riservato"
		if n, ok := r["presenze"].(float64); ok {
			v = formatIT(int(n))
		}
		cell := html.EscapeString(r["etichetta"].(string)) + `</th><td class="num">` + v + `</td>`
		if !strings.Contains(prof, cell) {
			t.Errorf("chi-e-accolto lacks %s = %s", r["etichetta"], v)
		}
	}
	// Nel tempo: both charts, and the table has every month.
	tm := pages["it"]["/accoglienza/nel-tempo"+q]
	if !strings.Contains(tm, `data-testid="pub-presences"`) || !strings.Contains(tm, `data-testid="pub-flows"`) {
		t.Error("nel-tempo lacks a chart")
	}
	if n := strings.Count(tm, `<rect class="bar-alt"`); n != len(p.Tables.Months) {
		t.Errorf("nel-tempo draws %d months of exits, the publication has %d", n, len(p.Tables.Months))
	}
	// Contesto regionale: the Ministry's series, with its attribution, in the
	// page and in the dataset's files up to the reference date.
	ctx := pages["it"]["/accoglienza/contesto-regionale"+q]
	if !strings.Contains(ctx, "cruscotto statistico giornaliero") || !strings.Contains(ctx, "10.503") {
		t.Error("contesto-regionale lacks the Ministry's attribution or its 2022 year-end figure (10,503)")
	}
	resp, body = publicGet(t, base+"/dati/contesto-regionale/"+p.ReferenceDate+".csv", "")
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || resp.StatusCode != 200 || len(recs) < 100 {
		t.Fatalf("contesto-regionale.csv: %d, %d rows, %v", resp.StatusCode, len(recs), err)
	}
	if want := []string{"data", "italia_hotspot", "italia_centri_accoglienza", "italia_sai", "italia_totale",
		"emilia_romagna_centri_accoglienza", "emilia_romagna_sai", "emilia_romagna_totale", "quota_emilia_romagna"}; !slices.Equal(recs[0], want) {
		t.Errorf("contesto-regionale.csv header %v", recs[0])
	}
	for _, r := range recs[1:] {
		if r[0] > p.ReferenceDate {
			t.Errorf("contesto-regionale.csv has %s, after the reference date", r[0])
		}
		if r[0] == "2023-12-31" && (r[7] != "12914" || r[4] != "139388") {
			t.Errorf("contesto-regionale 2023-12-31 = %v", r)
		}
	}
	if cat := pages["it"]["/dati/catalogo.jsonld"]; !strings.Contains(cat, "/dati/contesto-regionale/"+p.ReferenceDate+".csv") {
		t.Error("the catalogue lacks contesto-regionale's download URL")
	}
	// A date never published is a 404, not the latest in disguise.
	if resp, _ := publicGet(t, base+"/accoglienza/territorio?data=2001-01-31", ""); resp.StatusCode != 404 {
		t.Errorf("territorio for an unpublished date: %d", resp.StatusCode)
	}
}

// formatIT writes an integer with Italian thousands separators, as the pages do.
func formatIT(n int) string {
	s := itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return s
}

// checkSAI: the demo's SAI places appear on "CAS e SAI" and in cas-sai,
// marked as demo data, beside the protected CAS figure; the coordinator's
// SAI import refuses a file with any bad row (nothing stored, errors by row
// and column), loads a good one after its preview, and the public site does
// not show it until a publication carries it (R0).
func checkSAI(t *testing.T, base string, p domain.Publication) {
	t.Helper()
	q := "?data=" + p.ReferenceDate
	_, page := publicGet(t, base+"/accoglienza/cas-e-sai"+q, "")
	if !strings.Contains(page, `data-testid="sai-figure">692<`) || !strings.Contains(page, "dati dimostrativi") {
		t.Errorf("cas-e-sai lacks the demo's 692 SAI places or their demo mark")
	}
	total, _ := p.Tables.Total.Presenze.Published()
	_, body := publicGet(t, base+"/dati/cas-sai/"+p.ReferenceDate+".csv", "")
	recs, _ := csv.NewReader(strings.NewReader(body)).ReadAll()
	if len(recs) != 8 || !slices.Equal(recs[0], []string{"rete", "indicatore", "valore", "unita", "data_riferimento", "stato", "fonte"}) {
		t.Fatalf("cas-sai.csv: %v", recs)
	}
	if recs[1][0] != "CAS" || recs[1][2] != itoa(total) || recs[1][4] != p.ReferenceDate {
		t.Errorf("cas-sai CAS row %v, published total %d", recs[1], total)
	}
	if recs[5][1] != "posti_totale" || recs[5][2] != "692" || !strings.Contains(recs[5][6], "dimostrativi") || recs[5][4] >= p.ReferenceDate {
		t.Errorf("cas-sai SAI total row %v", recs[5])
	}

	jar, _ := cookiejar.New(nil)
	c := noRedirect(jar)
	resp, err := c.PostForm(base+"/login", url.Values{"email": {accounts["coordinator"]}, "password": {demo.DemoPassword}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	upload := func(date, content string) (*http.Response, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("reference_date", date)
		fw, _ := mw.CreateFormFile("file", "sai.csv")
		_, _ = fw.Write([]byte(content))
		mw.Close()
		resp, err := c.Post(base+"/pubblicazioni/sai", mw.FormDataContentType(), &b)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, string(out)
	}
	date := time.Now().AddDate(0, -1, 0).Format("2006-01") + "-15"
	resp, body = upload(date, "codice_progetto,codice_comune_titolare,tipologia,posti\nA1,037006,ordinari,100\nA2,037999,msna,10\n")
	if resp.StatusCode != 422 || !strings.Contains(body, `data-testid="sai-errors"`) || !strings.Contains(body, "037999") ||
		!strings.Contains(body, "<td>3</td>") {
		t.Errorf("a bad file: %d, lacks the error on row 3", resp.StatusCode)
	}
	resp, body = upload(date, "codice_progetto;codice_comune_titolare;tipologia;posti\nA1;037006;ordinari;100\nA2;037032;msna;10\n")
	if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="sai-preview"`) {
		t.Fatalf("a good file's preview: %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`name="csv" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the preview lacks the confirmation")
	}
	if strings.Contains(listSAI(t, c, base), "110") {
		t.Error("a preview stored its figures")
	}
	resp, err = c.PostForm(base+"/pubblicazioni/sai", url.Values{"reference_date": {date}, "csv": {html.UnescapeString(m[1])}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if l := listSAI(t, c, base); !strings.Contains(l, ">110<") {
		t.Error("the confirmed load is not listed")
	}
	// Not public until a publication carries it.
	if _, page := publicGet(t, base+"/accoglienza/cas-e-sai"+q, ""); strings.Contains(page, `data-testid="sai-figure">110<`) {
		t.Error("a SAI load reached the public site without a publication")
	}
}

func listSAI(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	resp, err := c.Get(base + "/pubblicazioni/sai")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
