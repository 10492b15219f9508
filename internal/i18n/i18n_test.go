package i18n_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
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

func TestTranslateError(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	it, en := b.For("it"), b.For("en")
	e := domain.Err(domain.EINVALID, "err.plan.share_sum", "Got", 9, "Want", 10).WithFields(
		map[string]domain.FieldError{"reason": domain.Field("err.field.reason_required")})
	if got := it.Error(e); got != "La somma delle quote (9) deve essere uguale al totale del piano (10)." {
		t.Errorf("it = %q", got)
	}
	if got := en.Error(fmt.Errorf("store: x: %w", e)); got != "The shares add up to 9: they must equal the plan's total (10)." {
		t.Errorf("en = %q", got)
	}
	if got := en.Fields(e)["reason"]; got != "The reason is required." {
		t.Errorf("en field = %q", got)
	}
	// A Label argument is translated, and so is a nested error.
	st := domain.Err(domain.ECONFLICT, "err.plan.already", "Status", domain.Label("plan.status.closed"))
	if got := en.Error(st); got != "The plan is already "+en.T("plan.status.closed")+"." {
		t.Errorf("label = %q", got)
	}
	row := domain.Err(domain.EINVALID, "err.row", "Line", 3, "Reason", domain.Err(domain.EINVALID, "err.guest.invalid"))
	if got := it.Error(row); got != "Riga 3: Dati dell'ospite non validi." {
		t.Errorf("nested = %q", got)
	}
	// Internal and foreign errors show no detail.
	if got := en.Error(errors.New("SELECT secret")); got != "Internal error." {
		t.Errorf("foreign = %q", got)
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{"": "it", "en-GB,en;q=0.9": "en", "de-DE": "it", "fr;q=0.8, en;q=0.5": "en", "it-IT": "it", "garbage;;": "it"} {
		if got := i18n.FromAcceptLanguage(h); got != want {
			t.Errorf("%q → %q, want %q", h, got, want)
		}
	}
}

// Coded keys of the statistics get their labels from the catalogues; names
// set by the store (places, countries) stay.
func TestStatLabels(t *testing.T) {
	b := i18n.MustNew()
	items := []domain.StatItem{{Key: "M"}, {Key: "sconosciuto"}, {Key: "037006", Label: "Bologna"}}
	b.For("en").StatLabels("sex", items)
	if items[0].Label != "men" || items[1].Label != "not recorded" || items[2].Label != "Bologna" {
		t.Errorf("en = %+v", items)
	}
	d := &domain.Dashboard{By: map[string][]domain.StatItem{"age": {{Key: "18-24"}}, "nationality": {{Key: "altre"}},
		"facility_type": {{Key: "hub"}}}, Vulnerabilities: []domain.StatItem{{Key: "tratta"}}}
	b.For("it").DashboardLabels(d)
	if d.By["age"][0].Label != "18-24 anni" || d.By["nationality"][0].Label != "altre cittadinanze" ||
		d.By["facility_type"][0].Label != "Hub" || d.Vulnerabilities[0].Label != "vittima di tratta" {
		t.Errorf("it = %+v %+v", d.By, d.Vulnerabilities)
	}
}

// Stored texts render from their kind and parameters; rows written before
// parameters existed show their text; a plan's audit row reads as its
// timeline entry.
func TestStoredTexts(t *testing.T) {
	en := i18n.MustNew().For("en")
	p := domain.DecodeParams(domain.EncodeParams("Arrived", 70, "Total", 73))
	if got := en.Stored("timeline.", "closed", p, ""); got != "plan closed: 70 hosted of 73 announced" {
		t.Errorf("timeline = %q", got)
	}
	if got := en.Stored("timeline.", "closed", nil, "piano chiuso: 70 accolte su 73 annunciate"); got != "piano chiuso: 70 accolte su 73 annunciate" {
		t.Errorf("legacy = %q", got)
	}
	if got := en.Stored("timeline.", "reminded", nil, ""); got != "acknowledgement reminder sent" {
		t.Errorf("without parameters = %q", got)
	}
	if got := en.AuditDetail(domain.AuditEntry{Action: "plan.closed", Params: p}); got != "plan closed: 70 hosted of 73 announced" {
		t.Errorf("plan audit = %q", got)
	}
	if got := en.AuditDetail(domain.AuditEntry{Action: "user.enable"}); got != "" {
		t.Errorf("no detail = %q", got)
	}
	if got := en.AuditDetail(domain.AuditEntry{Action: "hold.release", Params: map[string]any{"Hold": "h1"}}); got != "hold h1" {
		t.Errorf("audit = %q", got)
	}
}

// Countries, named in Italian by the store, are named in the reader's
// language; a code without a name keeps the store's.
func TestCountryLabels(t *testing.T) {
	b := i18n.MustNew()
	for lang, want := range map[string][3]string{"en": {"Côte d'Ivoire", "Egypt", "XYZ"}, "it": {"Costa d'Avorio", "Egitto", "XYZ"}} {
		items := []domain.StatItem{{Key: "CIV", Label: "Costa d'Avorio"}, {Key: "EGY", Label: "Egitto"}, {Key: "XYZ", Label: "XYZ"}}
		b.For(lang).StatLabels("nationality", items)
		if got := [3]string{items[0].Label, items[1].Label, items[2].Label}; got != want {
			t.Errorf("%s: %v, want %v", lang, got, want)
		}
	}
}
