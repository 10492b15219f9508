package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/pquerna/otp/totp"

	"github.com/gesta-er/gesta/internal/web"

	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func signIn(t *testing.T, base, email string) *http.Client {
	t.Helper()
	c := client(t)
	resp := post(t, c, base+"/login", url.Values{"email": {email}, "password": {demo.DemoPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in %s: %d", email, resp.StatusCode)
	}
	return c
}

// TestAdminMustEnrolTOTP follows an admin through the first sign-in: kept on
// the enrolment page until a code is confirmed, then asked for a code at
// every sign-in.
func TestAdminMustEnrolTOTP(t *testing.T) {
	srv, _ := newServer(t)
	c := signIn(t, srv.URL, "admin@gesta.example")
	if resp, _ := get(t, c, srv.URL+"/admin/utenti"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/profilo/2fa" {
		t.Fatalf("admin without TOTP reaches admin pages: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err := c.PostForm(srv.URL+"/profilo/2fa", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`).FindSubmatch(body)
	if m == nil || !strings.Contains(string(body), `src="data:image/png;base64,`) {
		t.Fatalf("enrolment page lacks the secret or QR code:\n%.500s", body)
	}
	secret := string(m[1])
	if r := post(t, c, srv.URL+"/profilo/2fa/conferma", url.Values{"code": {"123456"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong confirmation code: %d", r.StatusCode)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	if r := post(t, c, srv.URL+"/profilo/2fa/conferma", url.Values{"code": {code}}); r.StatusCode != http.StatusOK {
		t.Fatalf("confirmation (the recovery codes' page): %d", r.StatusCode)
	}
	if resp, _ := get(t, c, srv.URL+"/admin/utenti"); resp.StatusCode != http.StatusOK {
		t.Fatalf("admin with TOTP: %d", resp.StatusCode)
	}

	// Next sign-in: password, then a code; the password alone gives no access.
	c2 := signIn(t, srv.URL, "admin@gesta.example")
	if resp, _ := get(t, c2, srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("password alone gave access: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r := post(t, c2, srv.URL+"/login/codice", url.Values{"code": {code}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed code: %d", r.StatusCode)
	}
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if r := post(t, c2, srv.URL+"/login/codice", url.Values{"code": {next}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("fresh code: %d", r.StatusCode)
	}
	if resp, _ := get(t, c2, srv.URL+"/admin/registro"); resp.StatusCode != http.StatusOK {
		t.Fatalf("admin after code: %d", resp.StatusCode)
	}
}

func TestSignInThrottled(t *testing.T) {
	srv, _ := newServer(t)
	c := client(t)
	var last int
	for range 11 {
		last = post(t, c, srv.URL+"/login", url.Values{"email": {"prefettura.pc@gesta.example"}, "password": {"wrong-password"}}).StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("11th failure: %d, want 429", last)
	}
	if r := post(t, c, srv.URL+"/login", url.Values{"email": {"prefettura.pc@gesta.example"}, "password": {demo.DemoPassword}}); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right password while throttled: %d", r.StatusCode)
	}
}

func TestDisabledUserLosesSessionAtOnce(t *testing.T) {
	srv, db := newServer(t)
	c := signIn(t, srv.URL, "prefettura.ra@gesta.example")
	if resp, _ := get(t, c, srv.URL+"/home"); resp.StatusCode != 200 {
		t.Fatal("not signed in")
	}
	ctx := storetest.Ctx()
	cred, _ := db.Users.Credentials(ctx, "prefettura.ra@gesta.example")
	if err := db.Users.SetDisabled(ctx, cred.Actor.UserID, true); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, c, srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disabled user still in: %d", resp.StatusCode)
	}
}

func TestProfileSessionsAndPassword(t *testing.T) {
	srv, _ := newServer(t)
	a := signIn(t, srv.URL, "prefettura.mo@gesta.example")
	b := signIn(t, srv.URL, "prefettura.mo@gesta.example")
	_, page := get(t, a, srv.URL+"/profilo")
	ids := regexp.MustCompile(`/profilo/sessioni/([0-9a-f]+)/revoca`).FindAllStringSubmatch(page, -1)
	if len(ids) != 1 || !strings.Contains(page, "sessione corrente") {
		t.Fatalf("profile lists %d other sessions, want 1", len(ids))
	}
	if r := post(t, a, srv.URL+"/profilo/sessioni/"+ids[0][1]+"/revoca", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.StatusCode)
	}
	if resp, _ := get(t, b, srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoked session still works: %d", resp.StatusCode)
	}
	if r := post(t, a, srv.URL+"/profilo/password", url.Values{"current": {"nope"}, "password": {"nuova password 1"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current password: %d", r.StatusCode)
	}
	// The error reaches the reader in their language, with its field message:
	// Italian by default, English after the switch.
	for _, lang := range []struct{ code, want string }{{"en", "The current password is wrong."}, {"it", "La password attuale non è corretta."}} {
		post(t, a, srv.URL+"/lang", url.Values{"lang": {lang.code}, "next": {"/profilo"}})
		resp, err := a.PostForm(srv.URL+"/profilo/password", url.Values{"current": {"nope"}, "password": {"nuova password 1"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || strings.Count(string(body), lang.want) < 1 {
			t.Fatalf("wrong current password in %s: %d, no %q", lang.code, resp.StatusCode, lang.want)
		}
	}
	if r := post(t, a, srv.URL+"/profilo/password", url.Values{"current": {demo.DemoPassword}, "password": {"nuova password 1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d", r.StatusCode)
	}
	if resp, _ := get(t, a, srv.URL+"/home"); resp.StatusCode != 200 {
		t.Fatal("the session that changed the password was closed")
	}
	c := client(t)
	if r := post(t, c, srv.URL+"/login", url.Values{"email": {"prefettura.mo@gesta.example"}, "password": {"nuova password 1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the new password: %d", r.StatusCode)
	}
}

func TestAdminManagesUsers(t *testing.T) {
	srv, db := newServer(t)
	ctx := storetest.Ctx()
	// Enrol the admin's TOTP directly, then sign in with a code.
	cred, _ := db.Users.Credentials(ctx, "admin@gesta.example")
	secret := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	db.Users.SetTOTPPending(ctx, cred.Actor.UserID, secret)
	db.Users.ActivateTOTP(ctx, cred.Actor.UserID, secret, 1)
	c := signIn(t, srv.URL, "admin@gesta.example")
	code, _ := totp.GenerateCode(secret, time.Now())
	post(t, c, srv.URL+"/login/codice", url.Values{"code": {code}})

	_, list := get(t, c, srv.URL+"/admin/utenti?ruolo=prefecture")
	if strings.Count(list, `href="/admin/utenti/`) != 9+1 { // 9 rows + the "new" button
		t.Fatalf("prefecture users listed: %d", strings.Count(list, `href="/admin/utenti/`)-1)
	}
	bo, _ := db.Orgs.FindOfficeBySigla(ctx, "BO")
	form := url.Values{"email": {"nuova@pref.example"}, "name": {"Nuova Funzionaria"}, "role": {"prefecture"},
		"office_id": {bo.ID}, "password": {"password iniziale"}}
	resp := post(t, c, srv.URL+"/admin/utenti", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	userURL := srv.URL + resp.Header.Get("Location")
	if r := post(t, c, srv.URL+"/admin/utenti", form); r.StatusCode != http.StatusConflict {
		t.Fatalf("duplicate e-mail: %d", r.StatusCode)
	}
	form.Set("role", "operator")
	form.Set("email", "altra@pref.example")
	if r := post(t, c, srv.URL+"/admin/utenti", form); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("operator without gestore: %d", r.StatusCode)
	}
	u := client(t)
	if r := post(t, u, srv.URL+"/login", url.Values{"email": {"nuova@pref.example"}, "password": {"password iniziale"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("new user signs in: %d", r.StatusCode)
	}
	if r := post(t, c, userURL+"/stato", url.Values{"disabled": {"true"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.StatusCode)
	}
	if resp, _ := get(t, u, srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("disabled user keeps the session")
	}
	if r := post(t, c, userURL+"/password", url.Values{"password": {"x"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short reset password: %d", r.StatusCode)
	}
	_, audit := get(t, c, srv.URL+"/admin/registro?azione=user.")
	for _, want := range []string{"user.create", "user.disable"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit page lacks %s", want)
		}
	}
	_, verify := get(t, c, srv.URL+"/admin/registro?verifica=1")
	if !strings.Contains(verify, "Catena integra") {
		t.Error("chain verification not shown as intact")
	}
}

// TestIdleSessionExpires moves the store's clock past the idle timeout: the
// session row's expiry (idle or absolute, whichever comes first) is enforced
// by the store, so the cookie alone gets nowhere. (An operator: users who
// read case files have a shorter limit, TestCaseRolesIdleTimeout.)
func TestIdleSessionExpires(t *testing.T) {
	srv, db := newServer(t)
	c := signIn(t, srv.URL, "operatore.pr@gesta.example")
	if resp, _ := get(t, c, srv.URL+"/home"); resp.StatusCode != 200 {
		t.Fatal("not signed in")
	}
	db.SetClock(func() time.Time { return time.Now().Add(29 * time.Minute) })
	if resp, _ := get(t, c, srv.URL+"/home"); resp.StatusCode != 200 {
		t.Fatal("session expired before the idle timeout")
	}
	db.SetClock(func() time.Time { return time.Now().Add(29*time.Minute + 31*time.Minute) })
	if resp, _ := get(t, c, srv.URL+"/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("session alive after %v idle: %d", 31*time.Minute, resp.StatusCode)
	}
}

// countingSessions counts the session commits (write transactions).
type countingSessions struct {
	scs.CtxStore
	commits atomic.Int64
}

func (c *countingSessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	c.commits.Add(1)
	return c.CtxStore.CommitCtx(ctx, token, b, expiry)
}

// TestPageViewsDoNotWriteTheSession: a signed-in page view writes its session
// at most once a minute (the idle touch), not at every request — a public
// spike or a busy office must not queue page views on the write lock — and
// the idle timeout still holds (TestIdleSessionExpires).
func TestPageViewsDoNotWriteTheSession(t *testing.T) {
	var counter *countingSessions
	srv, db := newServerConf(t, "sqlite", demo.Options{HistoryDays: 3}, func(s *web.Server) {
		counter = &countingSessions{CtxStore: s.Sessions.Store.(scs.CtxStore)}
		s.Sessions.Store = counter
	})
	c := signIn(t, srv.URL, "prefettura.bo@gesta.example")
	before := counter.commits.Load()
	for range 5 {
		if resp, _ := get(t, c, srv.URL+"/home"); resp.StatusCode != 200 {
			t.Fatalf("/home: %d", resp.StatusCode)
		}
	}
	if n := counter.commits.Load() - before; n > 1 {
		t.Fatalf("5 page views within a minute wrote the session %d times", n)
	}
	db.SetClock(func() time.Time { return time.Now().Add(2 * time.Minute) })
	before = counter.commits.Load()
	if resp, _ := get(t, c, srv.URL+"/home"); resp.StatusCode != 200 {
		t.Fatalf("/home: %d", resp.StatusCode)
	}
	if n := counter.commits.Load() - before; n != 1 {
		t.Fatalf("a page view two minutes later wrote the session %d times, want 1 (the idle touch)", n)
	}
}
