package web

import (
	"net/http/httptest"
	"testing"
)

// Pagers keep the list's other parameters in their links; a counted pager
// clamps the page asked for; an uncounted one offers a next page only when
// the store found a row past the page.
func TestPagers(t *testing.T) {
	r := httptest.NewRequest("GET", "/strutture?provincia=BO&pagina=9", nil)
	p := pageOf(r, 120, 50)
	if p.Page != 3 || p.Pages != 3 || p.First != 101 || p.Last != 120 || p.Next != "" || p.Prev != "/strutture?pagina=2&provincia=BO" {
		t.Errorf("counted: %+v", p)
	}
	r = httptest.NewRequest("GET", "/piani?stato=published&pagina=2", nil)
	if p := pageUncounted(r, 51, 50); p.Page != 2 || p.Pages != 3 || p.First != 51 || p.Last != 100 ||
		p.Next != "/piani?pagina=3&stato=published" || p.Prev != "/piani?pagina=1&stato=published" || p.Total >= 0 {
		t.Errorf("uncounted, more: %+v", p)
	}
	if p := pageUncounted(r, 7, 50); p.Pages != 2 || p.Next != "" || p.Last != 57 {
		t.Errorf("uncounted, last: %+v", p)
	}
	if p := pageOf(httptest.NewRequest("GET", "/x", nil), 0, 50); p.Page != 1 || p.Pages != 1 || p.Last != 0 {
		t.Errorf("empty: %+v", p)
	}
}
