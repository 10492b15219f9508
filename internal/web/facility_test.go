package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func TestBoardPage(t *testing.T) {
	srv, _ := newServer(t)
	c := signIn(t, srv.URL, "prefettura.bo@gesta.example")
	resp, body := get(t, c, srv.URL+"/bollettino?provincia=BO&destinatari=uomini")
	if resp.StatusCode != 200 {
		t.Fatalf("board: %d", resp.StatusCode)
	}
	for _, want := range []string{`data-testid="free-total"`, `id="board-table"`, "js/board.js", `<svg class="gesta-chart"`,
		`<option value="BO" selected>`, `href="/bollettino.xlsx?destinatari=uomini&amp;provincia=BO"`} {
		if !strings.Contains(body, want) {
			t.Errorf("board page lacks %s", want)
		}
	}
	// The live update asks for the table alone.
	req, _ := http.NewRequest("GET", srv.URL+"/bollettino", nil)
	req.Header.Set("X-Partial", "board")
	r2, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if r2.StatusCode != 200 || strings.Contains(string(part), "<html") || !strings.Contains(string(part), `data-testid="board"`) {
		t.Fatalf("partial board: %d %.200s", r2.StatusCode, part)
	}
}

func TestExportsAreFormulaSafe(t *testing.T) {
	eachEngine(t, func(t *testing.T, srv *httptest.Server, db *store.DB) { testExports(t, srv, db) })
}

func testExports(t *testing.T, srv *httptest.Server, db *store.DB) {
	ctx := storetest.Ctx()
	gs, _ := db.Orgs.ListGestori(ctx, domain.OrgFilter{ProvinceCode: "037"})
	hostile := &domain.Facility{Name: `=HYPERLINK("http://evil.example","clic")`, Type: domain.TypeCASAppartamento,
		Target: domain.TargetMen, GestoreID: gs[0].ID, ComuneCode: "037006", Contracted: 5, Active: 5}
	if err := db.Facilities.CreateFacility(ctx, hostile); err != nil {
		t.Fatal(err)
	}
	c := signIn(t, srv.URL, "coordinamento@gesta.example")

	resp, csv := get(t, c, srv.URL+"/strutture.csv?provincia=BO")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `attachment; filename="strutture-`) {
		t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
	}
	if !strings.Contains(csv, `'=HYPERLINK(`) || strings.Contains(csv, `;=HYPERLINK(`) {
		t.Fatal("the hostile name reached the CSV as a formula")
	}
	if !strings.Contains(csv, "riferimento") {
		t.Fatal("no reference time in the CSV")
	}

	resp, err := c.Get(srv.URL + "/strutture.xlsx?provincia=BO")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	rows, _ := f.GetRows("Dati")
	found := false
	for i, row := range rows {
		if len(row) > 1 && strings.Contains(row[1], "HYPERLINK") {
			found = true
			cell, _ := excelize.CoordinatesToCellName(2, i+1)
			if formula, _ := f.GetCellFormula("Dati", cell); formula != "" || !strings.HasPrefix(row[1], "'") {
				t.Fatalf("xlsx cell %s = %q, formula %q", cell, row[1], formula)
			}
		}
	}
	if !found || !strings.HasPrefix(rows[1][0], "Riferimento: ") {
		t.Fatalf("xlsx: hostile row found %v, reference %q", found, rows[1][0])
	}

	resp, board := get(t, c, srv.URL+"/bollettino.csv")
	if resp.StatusCode != 200 || !strings.Contains(board, "TOTALE") || strings.Count(board, "\n") < 10 {
		t.Fatalf("board csv: %d\n%s", resp.StatusCode, board)
	}
}

func TestOperatorConfirmsAvailability(t *testing.T) {
	srv, db := newServer(t)
	c := signIn(t, srv.URL, "operatore.fe@gesta.example")
	cred, _ := db.Users.Credentials(storetest.Ctx(), "operatore.fe@gesta.example")
	fs, _ := db.Facilities.ListFacilities(storetest.Ctx(), domain.FacilityFilter{GestoreID: cred.Actor.GestoreID})
	_, page := get(t, c, srv.URL+"/disponibilita")
	for _, f := range fs {
		if !strings.Contains(page, `data-testid="confirm-`+f.Code+`"`) {
			t.Fatalf("facility %s missing from the operator's screen", f.Code)
		}
	}
	f := fs[0]
	form := url.Values{"version": {itoa(f.Version)}, "occupied": {itoa(f.Occupied)}}
	if r := post(t, c, srv.URL+"/disponibilita/"+f.Code, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", r.StatusCode)
	}
	got, _ := db.Facilities.FindFacility(storetest.Ctx(), f.Code)
	if got.Version != f.Version+1 || got.ConfirmedBy != cred.Actor.UserID || got.Stale {
		t.Fatalf("after confirming: %+v", got)
	}
	// The same stale version again: refused, nothing changes.
	post(t, c, srv.URL+"/disponibilita/"+f.Code, form)
	if again, _ := db.Facilities.FindFacility(storetest.Ctx(), f.Code); again.Version != got.Version {
		t.Fatal("a stale form changed the facility")
	}
	// Another entity's facility is not found.
	others, _ := db.Facilities.ListFacilities(storetest.Ctx(), domain.FacilityFilter{ProvinceCode: "037"})
	if r := post(t, c, srv.URL+"/disponibilita/"+others[0].Code, form); r.StatusCode != http.StatusNotFound {
		t.Fatalf("another entity's facility: %d", r.StatusCode)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestAvailabilityRegistryReadOnly: for a facility whose occupancy comes
// from the guest registry the page shows the figure read-only, with how to
// change it, and keeps "Invariato"; a typed figure sent anyway is refused
// with the reason, and the figure stays the registry's.
func TestAvailabilityRegistryReadOnly(t *testing.T) {
	srv, db := newServer(t)
	c := signIn(t, srv.URL, "operatore.fe@gesta.example")
	cred, _ := db.Users.Credentials(storetest.Ctx(), "operatore.fe@gesta.example")
	fs, _ := db.Facilities.ListFacilities(storetest.Ctx(), domain.FacilityFilter{GestoreID: cred.Actor.GestoreID})
	if len(fs) < 2 {
		t.Fatalf("operator's facilities: %d", len(fs))
	}
	if err := db.Guests.SetUsesRegistry(storetest.Ctx(), fs[0].Code, true); err != nil {
		t.Fatal(err)
	}
	f, _ := db.Facilities.FindFacility(storetest.Ctx(), fs[0].Code)
	_, page := get(t, c, srv.URL+"/disponibilita")
	row := func(code string) string {
		i := strings.Index(page, `<tr id="`+code+`">`)
		if i < 0 {
			t.Fatalf("no row for %s", code)
		}
		j := strings.Index(page[i:], "</tr>")
		return page[i : i+j]
	}
	reg := row(f.Code)
	if strings.Contains(reg, `name="occupied" value="`+itoa(f.Occupied)+`" required`) || strings.Contains(reg, `data-testid="save-`) ||
		!strings.Contains(reg, `id="occ-`+f.Code+`" value="`+itoa(f.Occupied)+`"`) || !strings.Contains(reg, "readonly") ||
		!strings.Contains(reg, "registro degli ospiti") || !strings.Contains(reg, `data-testid="confirm-`+f.Code+`"`) {
		t.Fatalf("registry facility's row:\n%s", reg)
	}
	if decl := row(fs[1].Code); !strings.Contains(decl, `data-testid="save-`+fs[1].Code+`"`) || strings.Contains(decl, "readonly") {
		t.Fatalf("declared facility's row:\n%s", decl)
	}
	typed := url.Values{"version": {itoa(f.Version)}, "occupied": {itoa(f.Occupied + 1)}, "back": {"/disponibilita"}}
	if r := post(t, c, srv.URL+"/disponibilita/"+f.Code, typed); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("typed figure: %d", r.StatusCode)
	}
	if _, page := get(t, c, srv.URL+"/disponibilita"); !strings.Contains(page, "derivano dal registro degli ospiti") {
		t.Fatal("the refusal does not say why")
	}
	if got, _ := db.Facilities.FindFacility(storetest.Ctx(), f.Code); got.Occupied != f.Occupied || got.Version != f.Version {
		t.Fatalf("a typed figure changed a registry facility: %+v", got)
	}
	// "Invariato" still confirms.
	same := url.Values{"version": {itoa(f.Version)}, "occupied": {itoa(f.Occupied)}}
	post(t, c, srv.URL+"/disponibilita/"+f.Code, same)
	if got, _ := db.Facilities.FindFacility(storetest.Ctx(), f.Code); got.Version != f.Version+1 || got.ConfirmedBy != cred.Actor.UserID {
		t.Fatalf("confirmation of a registry facility: %+v", got)
	}
}

func TestImportUploadPreviewConfirm(t *testing.T) {
	eachEngine(t, func(t *testing.T, srv *httptest.Server, db *store.DB) { testImport(t, srv, db) })
}

func testImport(t *testing.T, srv *httptest.Server, db *store.DB) {
	c := signIn(t, srv.URL, "prefettura.fe@gesta.example")
	gs, _ := db.Orgs.ListGestori(storetest.Ctx(), domain.OrgFilter{ProvinceCode: "038"})
	csv := "Nome;Tipologia;Destinatari;Ente gestore;Comune;Posti contrattualizzati;Posti attivi;Posti occupati\n" +
		"Appartamento importato;CAS appartamento;nuclei;" + gs[0].TaxCode + ";Ferrara;8;8;6\n" +
		"Riga sbagliata;castello;draghi;" + gs[0].TaxCode + ";Bologna;x;1;\n"
	upload := func(name, content string) (int, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(content))
		mw.Close()
		req, _ := http.NewRequest("POST", srv.URL+"/importazioni/strutture", &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	status, page := upload("strutture.csv", csv)
	if status != 200 || !strings.Contains(page, "Da creare: 1") || !strings.Contains(page, "righe con errori: 1") ||
		!strings.Contains(page, "colonna «Tipologia»") || !strings.Contains(page, "colonna «Comune»") {
		t.Fatalf("preview: %d\n%s", status, page)
	}
	id := regexp.MustCompile(`action="/importazioni/([0-9a-f-]+)"`).FindStringSubmatch(page)[1]
	if r := post(t, c, srv.URL+"/importazioni/"+id, nil); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("confirm with errors: %d", r.StatusCode)
	}
	if r := post(t, c, srv.URL+"/importazioni/"+id, url.Values{"exclude": {"1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm excluding errors: %d", r.StatusCode)
	}
	fs, _ := db.Facilities.ListFacilities(storetest.Ctx(), domain.FacilityFilter{Query: "appartamento importato"})
	if len(fs) != 1 || fs[0].ProvinceCode != "038" || fs[0].Occupied != 6 {
		t.Fatalf("imported = %+v", fs)
	}
	if status, page := upload("bomba.xlsx", "PK\x03\x04 broken"); status != http.StatusUnprocessableEntity || !strings.Contains(page, "alert-danger") {
		t.Fatalf("broken xlsx: %d", status)
	}
}
