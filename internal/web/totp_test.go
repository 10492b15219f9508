package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
	"github.com/gesta-er/gesta/internal/web"
)

// lands reports where /home sends a client: "" when it is served.
func lands(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	resp, _ := get(t, c, base+"/home")
	if resp.StatusCode == http.StatusOK {
		return ""
	}
	return resp.Header.Get("Location")
}

// TestTOTPGracePerRole: every role that reads personal data must enrol a
// second factor once its grace period (counted from the first sign-in) has
// ended; before, it works with the password; viewers never need one; a demo
// database outside production keeps the grace open.
func TestTOTPGracePerRole(t *testing.T) {
	for _, endless := range []bool{false, true} {
		srv, db := newServerConf(t, "sqlite", demo.Options{HistoryDays: 3}, func(s *web.Server) {
			s.TOTP = domain.TOTPPolicy{Grace: map[domain.Role]time.Duration{
				domain.RolePrefecture: 7 * 24 * time.Hour, domain.RoleOperator: 30 * 24 * time.Hour,
				domain.RoleCoordinator: 7 * 24 * time.Hour, domain.RoleService: 30 * 24 * time.Hour}, Endless: endless}
		})
		now := db.Now()
		users := []string{"prefettura.ra@gesta.example", "operatore.ra@gesta.example", "osservatorio@gesta.example"}
		for _, u := range users {
			if where := lands(t, signIn(t, srv.URL, u), srv.URL); where != "" {
				t.Fatalf("%s in grace: sent to %s", u, where)
			}
		}
		c := signIn(t, srv.URL, "operatore.ra@gesta.example")
		if _, page := get(t, c, srv.URL+"/profilo/2fa"); strings.Contains(page, "entro il") == endless {
			t.Errorf("endless=%v: the grace's end shown=%v", endless, !endless)
		}
		// The first sign-ins were 8 days ago: past the prefecture's week,
		// within the operator's month. (The sessions' own expiry follows the
		// real clock, so the grace's start moves back instead of the clock on.)
		for name, p := range db.Pools() {
			if name == "read" {
				continue
			}
			if _, err := p.Exec(`UPDATE users SET totp_grace_from = $1 WHERE totp_grace_from IS NOT NULL`, now.Add(-8*24*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]string{"prefettura.ra@gesta.example": "/profilo/2fa", "operatore.ra@gesta.example": "",
			"osservatorio@gesta.example": ""}
		if endless {
			want["prefettura.ra@gesta.example"] = ""
		}
		for _, u := range users {
			if where := lands(t, signIn(t, srv.URL, u), srv.URL); where != want[u] {
				t.Errorf("endless=%v, %s after 8 days: sent to %q, want %q", endless, u, where, want[u])
			}
		}
	}
}

// TestRecoveryCodes: enrolling shows ten recovery codes once; each stands in
// for a one-time code at sign-in, once; an admin's reset (audited) ends them
// and starts a new grace period.
func TestRecoveryCodes(t *testing.T) {
	srv, db := newServer(t)
	c := signIn(t, srv.URL, "operatore.mo@gesta.example")
	resp, err := c.PostForm(srv.URL+"/profilo/2fa", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	secret := string(regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`).FindSubmatch(body)[1])
	code, _ := totp.GenerateCode(secret, db.Now())
	resp, page := postPage(t, c, srv.URL+"/profilo/2fa/conferma", url.Values{"code": {code}})
	codes := regexp.MustCompile(`<code>(\d{4}-\d{4}-\d{4}-\d{4})</code>`).FindAllStringSubmatch(page, -1)
	if resp.StatusCode != http.StatusOK || len(codes) != 10 {
		t.Fatalf("confirmation: %d, %d recovery codes", resp.StatusCode, len(codes))
	}
	var n int
	for _, p := range db.Pools() {
		if err := p.QueryRow(`SELECT COUNT(*) FROM user_recovery_codes WHERE hash LIKE '%-%'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("codes stored in clear? %d %v", n, err)
		}
	}
	signInWith := func(code string) int {
		c := client(t)
		if r := post(t, c, srv.URL+"/login", url.Values{"email": {"operatore.mo@gesta.example"}, "password": {demo.DemoPassword}}); r.Header.Get("Location") != "/login/codice" {
			t.Fatalf("password step: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		return post(t, c, srv.URL+"/login/codice", url.Values{"code": {code}}).StatusCode
	}
	if st := signInWith(codes[0][1]); st != http.StatusSeeOther {
		t.Fatalf("recovery code: %d", st)
	}
	if st := signInWith(codes[0][1]); st != http.StatusUnauthorized {
		t.Fatalf("the same recovery code again: %d", st)
	}
	if st := signInWith(strings.ReplaceAll(codes[1][1], "-", " ")); st != http.StatusSeeOther {
		t.Fatalf("another code, typed with spaces: %d", st)
	}
	// The admin resets the operator's second factor.
	ctx := storetest.Ctx()
	u, err := db.Users.Credentials(ctx, "operatore.mo@gesta.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Users.ResetTOTP(ctx, u.Actor.UserID); err != nil {
		t.Fatal(err)
	}
	entries, _ := db.Audit.ListAudit(ctx, domain.AuditFilter{Action: "user.totp_reset"})
	if len(entries) != 1 || entries[0].TargetID != u.Actor.UserID {
		t.Errorf("reset not audited: %+v", entries)
	}
	c2 := client(t)
	if r := post(t, c2, srv.URL+"/login", url.Values{"email": {"operatore.mo@gesta.example"}, "password": {demo.DemoPassword}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") == "/login/codice" {
		t.Fatalf("after the reset, the password alone (a new grace): %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	for _, p := range db.Pools() {
		if err := p.QueryRow(`SELECT COUNT(*) FROM user_recovery_codes`).Scan(&n); err != nil || n != 0 {
			t.Errorf("recovery codes after the reset: %d %v", n, err)
		}
	}
}

// TestCaseRolesIdleTimeout: users who read case files are signed out after
// 15 idle minutes; an operator is not (the global limit is 30).
func TestCaseRolesIdleTimeout(t *testing.T) {
	srv, db := newServer(t)
	now := time.Now().UTC()
	db.SetClock(func() time.Time { return now })
	pref, pref2 := signIn(t, srv.URL, "prefettura.ra@gesta.example"), signIn(t, srv.URL, "prefettura.ra@gesta.example")
	op := signIn(t, srv.URL, "operatore.ra@gesta.example")
	for _, c := range []*http.Client{pref, pref2, op} {
		if where := lands(t, c, srv.URL); where != "" {
			t.Fatalf("signed in: %s", where)
		}
	}
	now = now.Add(14 * time.Minute)
	if where := lands(t, pref2, srv.URL); where != "" {
		t.Fatalf("prefecture after 14 idle minutes: %s", where)
	}
	now = now.Add(2 * time.Minute)
	if where := lands(t, pref, srv.URL); !strings.HasPrefix(where, "/login") {
		t.Errorf("prefecture after 16 idle minutes: %q, want the sign-in page", where)
	}
	if where := lands(t, op, srv.URL); where != "" {
		t.Errorf("operator after 16 idle minutes: %q", where)
	}
	if where := lands(t, pref2, srv.URL); where != "" {
		t.Errorf("prefecture 2 minutes after its last request: %q", where)
	}
}

func postPage(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
