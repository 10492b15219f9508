package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
	"github.com/gesta-er/gesta/internal/web"
)

// newServer serves the web adapter on a real SQLite store with the demo data.
func newServer(t *testing.T) (*httptest.Server, *store.DB) {
	t.Helper()
	return newServerOn(t, "sqlite")
}

// eachEngine runs fn with a server on every engine (PostgreSQL when
// GESTA_TEST_POSTGRES is set).
func eachEngine(t *testing.T, fn func(t *testing.T, srv *httptest.Server, db *store.DB)) {
	for _, engine := range storetest.EngineNames {
		t.Run(engine, func(t *testing.T) {
			if _, ok := storetest.DSN(t, engine); !ok {
				t.Skipf("%s not set", storetest.EnvPostgres)
			}
			srv, db := newServerOn(t, engine)
			fn(t, srv, db)
		})
	}
}

func newServerOn(t *testing.T, engine string) (*httptest.Server, *store.DB) {
	t.Helper()
	return newServerWith(t, engine, demo.Options{HistoryDays: 3})
}

// newServerWith serves the demo loaded with the options (the population
// pages need the people).
func newServerWith(t *testing.T, engine string, opt demo.Options) (*httptest.Server, *store.DB) {
	t.Helper()
	return newServerConf(t, engine, opt, nil)
}

// newServerConf is newServerWith with a last word on the server's settings.
func newServerConf(t *testing.T, engine string, opt demo.Options, conf func(*web.Server)) (*httptest.Server, *store.DB) {
	t.Helper()
	dsn, _ := storetest.DSN(t, engine)
	db := storetest.Open(t, dsn)
	spec, _ := crypt.NewKey("test") // vulnerabilities are sealed: the demo seeds some
	db.Keys, _ = crypt.Parse(spec)
	if _, err := demo.LoadWith(storetest.Ctx(), db, demo.ScaleRegion, opt); err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	sessions := web.NewSessionManager(&store.SessionStore{DB: db}, 30*time.Minute, 12*time.Hour, false)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &web.Server{Territory: db.Territory, Orgs: db.Orgs, Users: &auth.Service{Store: db.Users, Params: auth.DefaultParams, Recovery: store.NewRecoveryCodeService(db)},
		Audit: db.Audit, Store: db.Audit, ResetTOTP: db.Users.ResetTOTP, Facilities: db.Facilities, History: db.Facilities.FacilityHistory, FreeSeries: db.Facilities.FreeSeries, Guests: db.Guests,
		Presence: db.Presence, Dashboard: db.Stats.Dashboard, Sessions: sessions, I18n: bundle, Logger: logger, Version: "test", PopulationSource: "ANPR",
		GuestExport: store.NewGuestRightsService(db).Export, Clock: db.Now, CaseIdle: 15 * time.Minute}
	if conf != nil {
		conf(s)
	}
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	h := web.Middleware(http.NewCrossOriginProtection().Handler(web.RecordPattern(mux)), logger,
		web.NewMetrics(prometheus.NewRegistry()), http.NotFoundHandler())
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, db
}

func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) *http.Response {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestLandingPage(t *testing.T) {
	srv, _ := newServer(t)
	resp, body := get(t, client(t), srv.URL+"/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<html lang="it">`, `class="skiplinks"`, `href="#main-container"`, `<header`, `<main id="main-container"`,
		`<footer`, `href="/accessibilita"`, `href="/privacy"`, `href="/note-legali"`, "Prefettura di Bologna",
		"1.030.421", "4.493.648", `href="/territorio?provincia=037"`, "bootstrap-italia.min.css", "fonts.css",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("landing page lacks %q", want)
		}
	}
	if strings.Contains(body, "style=") || strings.Contains(body, "<style") {
		t.Error("inline style found: the CSP forbids it")
	}
	h := resp.Header
	if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-store" || h.Get("X-Request-Id") == "" {
		t.Errorf("security headers missing: %v", h)
	}
}

func TestStaticFilesAreVersionedAndCached(t *testing.T) {
	srv, _ := newServer(t)
	_, body := get(t, client(t), srv.URL+"/")
	i := strings.Index(body, "/static/")
	prefix := body[i : i+len("/static/")+12]
	resp, css := get(t, client(t), srv.URL+prefix+"/css/fonts.css")
	if resp.StatusCode != 200 || !strings.Contains(css, "@font-face") {
		t.Fatalf("fonts.css: %d", resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control = %q", cc)
	}
	for _, p := range []string{"/vendor/bootstrap-italia/css/bootstrap-italia.min.css",
		"/vendor/bootstrap-italia/js/bootstrap-italia.bundle.min.js", "/vendor/bootstrap-italia/svg/sprites.svg",
		"/vendor/bootstrap-italia/fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-regular.woff2"} {
		if resp, _ := get(t, client(t), srv.URL+prefix+p); resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := get(t, client(t), srv.URL+prefix+"/vendor/"); resp.StatusCode != 404 {
		t.Errorf("directory listing: %d", resp.StatusCode)
	}
	if resp, _ := get(t, client(t), srv.URL+"/static/000000000000/css/fonts.css"); resp.StatusCode != 404 {
		t.Errorf("stale version served: %d", resp.StatusCode)
	}
}

func TestSignInAndOut(t *testing.T) {
	srv, _ := newServer(t)
	c := client(t)
	if resp, _ := get(t, c, srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/login?next=%2Fhome" {
		t.Fatalf("anonymous /home: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := get(t, c, srv.URL+"/login")
	if !strings.Contains(page, `autocomplete="current-password"`) || strings.Contains(page, demo.DemoPassword) {
		t.Fatal("login form: no password autocomplete hint, or demo password shown though not configured")
	}
	resp := post(t, c, srv.URL+"/login", url.Values{"email": {"coordinamento@gesta.example"}, "password": {"wrong password"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp = post(t, c, srv.URL+"/login", url.Values{"email": {"coordinamento@gesta.example"},
		"password": {demo.DemoPassword}, "next": {"//evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/home" {
		t.Fatalf("sign-in: %d → %s (an off-site next must not be followed)", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := resp.Cookies()
	if len(cookie) == 0 || !cookie[0].HttpOnly || cookie[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v", cookie)
	}
	_, home := get(t, c, srv.URL+"/home")
	if !strings.Contains(home, "Coordinamento regionale") || !strings.Contains(home, "Piacenza") || !strings.Contains(home, "Rimini") {
		t.Fatal("coordinator's home does not show the whole region")
	}
	// Signing out ends the session on the server: replaying the old cookie fails.
	u, _ := url.Parse(srv.URL)
	old := c.Jar.Cookies(u)
	if resp := post(t, c, srv.URL+"/logout", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	replay := client(t)
	replay.Jar.SetCookies(u, old)
	if resp, _ := get(t, replay, srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("old cookie after logout: %d, want redirect to sign-in", resp.StatusCode)
	}
}

func TestSessionIDRotatesAtSignIn(t *testing.T) {
	srv, _ := newServer(t)
	c := client(t)
	u, _ := url.Parse(srv.URL)
	token := func() string {
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "gesta_session" {
				return ck.Value
			}
		}
		return ""
	}
	post(t, c, srv.URL+"/login", url.Values{"email": {"prefettura.bo@gesta.example"}, "password": {demo.DemoPassword}})
	first := token()
	post(t, c, srv.URL+"/login", url.Values{"email": {"osservatorio@gesta.example"}, "password": {demo.DemoPassword}})
	second := token()
	if first == "" || second == "" || first == second {
		t.Fatalf("session token not rotated at sign-in: %q → %q", first, second)
	}
	if len(second) < 32 { // scs: 32 bytes of randomness, base64url-encoded (43 chars)
		t.Fatalf("session token too short: %d chars", len(second))
	}
	stale := client(t)
	stale.Jar.SetCookies(u, []*http.Cookie{{Name: "gesta_session", Value: first}})
	if resp, _ := get(t, stale, srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the token from before the second sign-in still works: %d", resp.StatusCode)
	}
}

func TestPrefectureSeesOnlyItsProvince(t *testing.T) {
	srv, _ := newServer(t)
	c := client(t)
	post(t, c, srv.URL+"/login", url.Values{"email": {"prefettura.fe@gesta.example"}, "password": {demo.DemoPassword}})
	_, page := get(t, c, srv.URL+"/organizzazioni?provincia=BO")
	if !strings.Contains(page, "Progetto anti-tratta – Ferrara") {
		t.Fatal("Ferrara's services missing")
	}
	if strings.Contains(page, "– Bologna") || strings.Contains(page, "– Rimini") {
		t.Fatal("a prefecture sees another province's organisations")
	}
	_, home := get(t, c, srv.URL+"/home")
	if strings.Contains(home, "Piacenza") {
		t.Fatal("Ferrara's home lists Piacenza")
	}
}

func TestLanguageSwitch(t *testing.T) {
	srv, _ := newServer(t)
	c := client(t)
	resp := post(t, c, srv.URL+"/lang", url.Values{"lang": {"en"}, "next": {"/territorio"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/territorio" {
		t.Fatalf("lang: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := get(t, c, srv.URL+"/territorio")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Provinces of Emilia-Romagna") {
		t.Fatal("page not in English after the switch")
	}
	if resp := post(t, c, srv.URL+"/lang", url.Values{"lang": {"xx"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown language: %d", resp.StatusCode)
	}
}

func TestTerritoryPage(t *testing.T) {
	srv, _ := newServer(t)
	resp, body := get(t, client(t), srv.URL+"/territorio?provincia=BO")
	if resp.StatusCode != 200 || !strings.Contains(body, "Città metropolitana di Bologna") ||
		!strings.Contains(body, "Sasso Marconi") || !strings.Contains(body, "395.561") {
		t.Fatalf("territory of BO: %d", resp.StatusCode)
	}
	if resp, _ := get(t, client(t), srv.URL+"/territorio?provincia=ZZ"); resp.StatusCode != 404 {
		t.Fatalf("unknown province: %d", resp.StatusCode)
	}
}

func TestErrorPages(t *testing.T) {
	srv, _ := newServer(t)
	resp, body := get(t, client(t), srv.URL+"/no/such/page")
	if resp.StatusCode != 404 || !strings.Contains(body, "Pagina non trovata") || !strings.Contains(body, resp.Header.Get("X-Request-Id")) {
		t.Fatalf("404 page: %d", resp.StatusCode)
	}
	// A cross-origin form post is refused before it reaches the handler.
	req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader("email=a&password=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin POST: %d, want 403", r2.StatusCode)
	}
}

func TestStatusOf(t *testing.T) {
	for code, want := range map[string]int{domain.ENOTFOUND: 404, domain.EINVALID: 422, domain.ECONFLICT: 409,
		domain.EPRECONDREQUIRE: 428, domain.EPRECONDITION: 412, domain.ETOOLARGE: 413, domain.EINTERNAL: 500, "": 500} {
		if got := web.StatusOf(code); got != want {
			t.Errorf("StatusOf(%q) = %d, want %d", code, got, want)
		}
	}
}
