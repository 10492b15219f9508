package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// The reconciliation page lists the demo's facilities out of step with the
// registry, as the store counts them; a prefecture sees its own province
// only; an operator is refused; the board says how occupied places are
// counted and links the page.
func TestReconciliationPage(t *testing.T) {
	srv, db := newServerWith(t, "sqlite", demo.Options{Population: true})
	coord := signIn(t, srv.URL, "coordinamento@gesta.example")
	resp, body := get(t, coord, srv.URL+"/strutture/riconciliazione")
	if resp.StatusCode != 200 {
		t.Fatalf("reconciliation: %d", resp.StatusCode)
	}
	rec, err := db.Facilities.Reconciliation(storetest.Ctx(), "", 1, 50)
	if err != nil || rec.Total == 0 {
		t.Fatalf("demo reconciliation: %+v %v", rec, err)
	}
	rows := regexp.MustCompile(`data-testid="recon-([A-Z]{2}-\d{4})"`).FindAllStringSubmatch(body, -1)
	if len(rows) != len(rec.Rows) {
		t.Fatalf("%d rows shown, %d differ", len(rows), len(rec.Rows))
	}
	for i, r := range rec.Rows {
		if rows[i][1] != r.Code {
			t.Fatalf("row %d: %s, want %s", i, rows[i][1], r.Code)
		}
	}
	for _, want := range []string{"Riconciliazione delle presenze", "dichiarati dal gestore", `<option value="BO">Bologna</option>`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Bologna's prefecture: its own rows, no province to choose, no other province.
	bo := signIn(t, srv.URL, "prefettura.bo@gesta.example")
	_, body = get(t, bo, srv.URL+"/strutture/riconciliazione")
	for _, m := range regexp.MustCompile(`data-testid="recon-([A-Z]{2})-`).FindAllStringSubmatch(body, -1) {
		if m[1] != "BO" {
			t.Fatalf("Bologna sees %s", m[1])
		}
	}
	if strings.Contains(body, `id="r-provincia"`) {
		t.Error("a prefecture is offered other provinces")
	}
	if resp, _ := get(t, bo, srv.URL+"/strutture/riconciliazione?provincia=FE"); resp.StatusCode != 404 {
		t.Errorf("Bologna asking for Ferrara: %d", resp.StatusCode)
	}
	if resp, _ := get(t, signIn(t, srv.URL, "operatore.bo@gesta.example"), srv.URL+"/strutture/riconciliazione"); resp.StatusCode != 403 {
		t.Errorf("operator: %d", resp.StatusCode)
	}
	// Bologna's people present, a page at a time, read in the query.
	exits := regexp.MustCompile(`action="/ospiti/uscite/([^"]+)"`)
	_, first := get(t, bo, srv.URL+"/ospiti")
	_, second := get(t, bo, srv.URL+"/ospiti?pagina=2")
	p1, p2 := exits.FindAllStringSubmatch(first, -1), exits.FindAllStringSubmatch(second, -1)
	if len(p1) != 200 || len(p2) == 0 || !strings.Contains(first, `href="/ospiti?pagina=2"`) {
		t.Fatalf("registry pages: %d and %d rows", len(p1), len(p2))
	}
	for _, a := range p1 {
		for _, b := range p2 {
			if a[1] == b[1] {
				t.Fatalf("stay %s on both pages", a[1])
			}
		}
	}
	// The board says which facilities declare and links the reconciliation.
	b, _ := db.Facilities.Board(storetest.Ctx(), domain.FacilityFilter{})
	_, body = get(t, coord, srv.URL+"/bollettino")
	if !strings.Contains(body, `data-testid="board-modes"`) || !strings.Contains(body, `href="/strutture/riconciliazione"`) ||
		!strings.Contains(body, "dichiarati dal gestore per "+itoa(b.Totals.Declared)) {
		t.Errorf("board without its modes (%d declared)", b.Totals.Declared)
	}
}
