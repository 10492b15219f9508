package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestDashboard follows the coordinator through Bologna's dashboard, a past
// reference date, a table download and the monthly PDF, and checks who may
// see what.
func TestDashboard(t *testing.T) {
	srv, db := newServerWith(t, "sqlite", demo.Options{Population: true})
	ctx := storetest.Ctx()
	_, want, err := db.Stats.Population(ctx, "BO", time.Now(), "sex")
	if err != nil || want == 0 {
		t.Fatalf("Bologna's population: %d %v", want, err)
	}
	c := signIn(t, srv.URL, "coordinamento@gesta.example")
	resp, body := get(t, c, srv.URL+"/cruscotto")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d", resp.StatusCode)
	}
	total := regexp.MustCompile(`data-testid="dash-total">([\d.]+)<`).FindStringSubmatch(body)
	if total == nil || strings.ReplaceAll(total[1], ".", "") != strconv.Itoa(want) {
		t.Fatalf("dashboard total = %v, want %d (Bologna by default)", total, want)
	}
	for _, s := range []string{`class="gesta-map"`, `data-code="037006"`, `data-testid="table-comune"`, `data-testid="table-age"`,
		`data-testid="table-mesi"`, `data-testid="bars-sex"`, `id="desc-sex"`, "Guinea", `data-testid="table-vulnerabilita"`} {
		if !strings.Contains(body, s) {
			t.Errorf("dashboard lacks %s", s)
		}
	}
	if n := strings.Count(body, `data-code="037`); n != 55 {
		t.Errorf("map has %d of Bologna's 55 comuni", n)
	}
	// A year ago: the figures come from the stays of that day.
	past := time.Now().AddDate(-1, 0, 0)
	_, wantPast, _ := db.Stats.Population(ctx, "BO", past, "sex")
	_, body = get(t, c, srv.URL+"/cruscotto?provincia=BO&data="+past.Format("2006-01-02"))
	if m := regexp.MustCompile(`data-testid="dash-total">([\d.]+)<`).FindStringSubmatch(body); m == nil ||
		strings.ReplaceAll(m[1], ".", "") != strconv.Itoa(wantPast) || wantPast == want {
		t.Errorf("a year ago: %v, want %d (today %d)", m, wantPast, want)
	}
	// The age table as CSV sums to the total.
	resp, body = get(t, c, srv.URL+"/cruscotto/tabella.csv?tabella=age&provincia=BO")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "cruscotto-bo-age") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		// The file may start with comment lines (title, source): read leniently.
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
		r.FieldsPerRecord, r.Comma = -1, ';'
		records, err = r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
	}
	sum, totalRow := 0, -1
	for _, rec := range records {
		if len(rec) == 1 {
			rec = strings.Split(rec[0], ";")
		}
		if len(rec) < 3 {
			continue
		}
		n, err := strconv.Atoi(rec[2])
		if err != nil {
			continue
		}
		if rec[0] == "totale" {
			totalRow = n
		} else {
			sum += n
		}
	}
	if sum != want || totalRow != want {
		t.Errorf("age csv: rows sum %d, total row %d, want %d\n%s", sum, totalRow, want, body)
	}
	resp, _ = get(t, c, srv.URL+"/cruscotto/tabella.xlsx?tabella=comune")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("xlsx: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, pdf := get(t, c, srv.URL+"/cruscotto/rapporto.pdf?provincia=BO")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(pdf, "%PDF-") || len(pdf) < 5000 {
		t.Fatalf("pdf: %d, %d bytes, starts %q", resp.StatusCode, len(pdf), pdf[:min(8, len(pdf))])
	}
	if m := regexp.MustCompile(`/Count (\d+)`).FindStringSubmatch(pdf); m == nil || m[1] == "1" {
		t.Errorf("pdf pages: %v, want several", m)
	}
	// Ferrara's prefecture sees Ferrara whatever it asks; a viewer sees no
	// vulnerability counts; an operator has no dashboard.
	_, body = get(t, signIn(t, srv.URL, "prefettura.fe@gesta.example"), srv.URL+"/cruscotto?provincia=BO")
	if !strings.Contains(body, "– Ferrara</h1>") {
		t.Error("Ferrara's prefecture did not get Ferrara's dashboard")
	}
	_, body = get(t, signIn(t, srv.URL, "osservatorio.bo@gesta.example"), srv.URL+"/cruscotto")
	if strings.Contains(body, "table-vulnerabilita") || !strings.Contains(body, "dash-total") {
		t.Error("viewer: vulnerability table shown, or no dashboard")
	}
	if resp, _ := get(t, signIn(t, srv.URL, "operatore.bo@gesta.example"), srv.URL+"/cruscotto"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("operator: %d, want 403", resp.StatusCode)
	}
}

// TestPresenceUpload: an operator uploads a list of one facility with one
// person left out and one newcomer, sees the differences, and applies them.
func TestPresenceUpload(t *testing.T) {
	srv, db := newServerWith(t, "sqlite", demo.Options{Population: true})
	c := signIn(t, srv.URL, "operatore.bo@gesta.example")
	cred, err := db.Users.Credentials(storetest.Ctx(), "operatore.bo@gesta.example")
	if err != nil {
		t.Fatal(err)
	}
	op := storetest.CtxAs(cred.Actor)
	present, err := db.Guests.Present(op, "")
	if err != nil || len(present) < 3 {
		t.Fatalf("present: %d %v", len(present), err)
	}
	facility := present[0].Facility
	var mine []domain.PresentGuest
	for _, p := range present {
		if p.Facility == facility {
			mine = append(mine, p)
		}
	}
	var b strings.Builder
	b.WriteString("Elenco presenze;;;;;\n;;;;;\nCognome;Nome;Sesso;Data di nascita;Cittadinanza;CUI\n")
	for _, p := range mine[1:] {
		g := p.Guest
		fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s\n", g.Surname, g.GivenName, g.Sex, g.BirthDate.Format("02/01/2006"),
			domain.NationalityName(g.Nationality), g.CUI)
	}
	b.WriteString("Nuovo;Arrivato;M;03/04/2005;Gambia;\n")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("facility", facility)
	fw, _ := mw.CreateFormFile("file", "presenze.csv")
	fw.Write([]byte(b.String()))
	mw.Close()
	resp, err := c.Post(srv.URL+"/ospiti/elenco", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d\n%s", resp.StatusCode, page)
	}
	wantSummary := fmt.Sprintf("%d persone invariate, 1 nuove, 0 con dati cambiati, 1 non più in elenco", len(mine)-1)
	if !strings.Contains(page, wantSummary) {
		t.Fatalf("summary: want %q in\n%s", wantSummary, regexp.MustCompile(`presence-summary">[^<]*`).FindString(page))
	}
	action := regexp.MustCompile(`action="(/ospiti/elenco/[^"]+)"`).FindStringSubmatch(page)
	line := regexp.MustCompile(`name="new" value="(\d+)"`).FindStringSubmatch(page)
	if action == nil || line == nil {
		t.Fatal("no apply form")
	}
	form := url.Values{"new": {line[1]}, "exit": {mine[0].StayID}, "reason-" + mine[0].StayID: {"trasferimento_sai"}}
	if resp := post(t, c, srv.URL+action[1], form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", resp.StatusCode)
	}
	after, _ := db.Guests.Present(op, facility)
	names := map[string]bool{}
	for _, p := range after {
		names[p.Guest.Surname+" "+p.Guest.GivenName] = true
	}
	if len(after) != len(mine) || !names["Nuovo Arrivato"] || names[mine[0].Guest.Surname+" "+mine[0].Guest.GivenName] && len(mine) > 1 &&
		mine[0].Guest.Surname+mine[0].Guest.GivenName != mine[1].Guest.Surname+mine[1].Guest.GivenName {
		t.Errorf("after apply: %d present (want %d), %v", len(after), len(mine), names)
	}
	// The same plan cannot be applied twice.
	if resp := post(t, c, srv.URL+action[1], form); resp.StatusCode != http.StatusConflict {
		t.Errorf("second apply: %d, want 409", resp.StatusCode)
	}
	// The registry page: a page of rows with the count of all, and the search
	// (in the body) that finds the newcomer.
	all, _ := db.Guests.Present(op, "")
	_, page = get(t, c, srv.URL+"/ospiti")
	rows := strings.Count(page, `action="/ospiti/uscite/`)
	if rows != min(len(all), 200) || strings.Contains(page, `data-testid="pager"`) != (len(all) > 200) {
		t.Errorf("registry page: %d rows for %d present", rows, len(all))
	}
	if len(all) > 200 { // the next page is read in the query: the rows after the first 200
		_, next := get(t, c, srv.URL+"/ospiti?pagina=2")
		if n := strings.Count(next, `action="/ospiti/uscite/`); n != min(len(all)-200, 200) {
			t.Errorf("registry page 2: %d rows for %d present", n, len(all))
		}
	}
	resp, err = c.PostForm(srv.URL+"/ospiti/ricerca", url.Values{"cerca": {"ARRIVAT"}})
	if err != nil {
		t.Fatal(err)
	}
	page = readAll(t, resp)
	if !strings.Contains(page, ">Nuovo Arrivato</th>") || strings.Count(page, `action="/ospiti/uscite/`) != 1 {
		t.Errorf("search for the newcomer: %d rows", strings.Count(page, `action="/ospiti/uscite/`))
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return b.String()
}
