package i18n_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gesta-er/gesta/internal/i18n"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	it, err := i18n.IDs("it")
	if err != nil {
		t.Fatal(err)
	}
	en, err := i18n.IDs("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range it {
		if !slices.Contains(en, id) {
			t.Errorf("%q is missing in en.json", id)
		}
	}
	for _, id := range en {
		if !slices.Contains(it, id) {
			t.Errorf("%q is missing in it.json", id)
		}
	}
}

func TestTranslate(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	if got := b.For("it").T("nav.login"); got != "Accedi all'area riservata" {
		t.Errorf("it = %q", got)
	}
	if got := b.For("en").T("home.greeting", "Name", "Ada"); got != "Welcome, Ada" {
		t.Errorf("en = %q", got)
	}
	if got := b.For("xx").T("nav.logout"); got != "Esci" {
		t.Errorf("unknown language must fall back to Italian, got %q", got)
	}
	if got := b.For("it").T("no.such.id"); got != "no.such.id" {
		t.Errorf("missing id = %q", got)
	}
}

func TestFromRequest(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "en-GB")
	if got := i18n.FromRequest(r); got != "it" {
		t.Errorf("without cookie = %q, want it", got)
	}
	r.AddCookie(&http.Cookie{Name: i18n.CookieName, Value: "en"})
	if got := i18n.FromRequest(r); got != "en" {
		t.Errorf("with cookie = %q, want en", got)
	}
}
