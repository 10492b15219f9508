package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/web"
)

// postFrom posts a sign-in form as if a proxy had forwarded it with the
// given X-Forwarded-For (none when empty).
func postFrom(t *testing.T, c *http.Client, u, xff string, form url.Values) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// fail50 makes 50 failed sign-ins (on unknown accounts, so that no account is
// throttled) appearing to come from xff.
func fail50(t *testing.T, base, xff string) {
	t.Helper()
	c := client(t)
	for i := range 50 {
		form := url.Values{"email": {fmt.Sprintf("nessuno%d@gesta.example", i)}, "password": {"sbagliata-sbagliata"}}
		if st := postFrom(t, c, base+"/login", xff, form); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, st)
		}
	}
}

// TestSignInBehindTrustedProxy: behind a trusted proxy, users are not one
// address: 50 failures from one client throttle that client only, and a
// client cannot escape its count by writing addresses of its own to the left.
func TestSignInBehindTrustedProxy(t *testing.T) {
	srv, _ := newServerConf(t, "sqlite", demo.Options{HistoryDays: 3}, func(s *web.Server) {
		s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	fail50(t, srv.URL, "203.0.113.7")
	right := url.Values{"email": {"prefettura.pc@gesta.example"}, "password": {demo.DemoPassword}}
	if st := postFrom(t, client(t), srv.URL+"/login", "198.51.100.9", right); st != http.StatusSeeOther {
		t.Fatalf("another user behind the same proxy: %d, want 303", st)
	}
	if st := postFrom(t, client(t), srv.URL+"/login", "203.0.113.7", right); st != http.StatusTooManyRequests {
		t.Fatalf("the throttled address: %d, want 429", st)
	}
	// The client sent "X-Forwarded-For: 198.51.100.9"; the proxy appended the
	// address it saw. The rightmost untrusted entry is the one that counts.
	if st := postFrom(t, client(t), srv.URL+"/login", "198.51.100.9, 203.0.113.7", right); st != http.StatusTooManyRequests {
		t.Fatalf("spoofed left entry: %d, want 429", st)
	}
}

// TestForwardedIgnoredWithoutTrustedProxy: with no trusted proxy configured,
// the headers are anyone's to write and change nothing: every request is
// the peer's.
func TestForwardedIgnoredWithoutTrustedProxy(t *testing.T) {
	srv, _ := newServer(t)
	fail50(t, srv.URL, "203.0.113.7")
	right := url.Values{"email": {"prefettura.pc@gesta.example"}, "password": {demo.DemoPassword}}
	if st := postFrom(t, client(t), srv.URL+"/login", "198.51.100.9", right); st != http.StatusTooManyRequests {
		t.Fatalf("a forged header escaped the peer's count: %d, want 429", st)
	}
}

// TestKnownDeviceNotLockedOut: 50 failures from the owner's own address, ten
// of them on the owner's account, do not stop the owner signing in correctly
// from the browser they signed in with before; a browser without the device
// cookie is throttled.
func TestKnownDeviceNotLockedOut(t *testing.T) {
	srv, _ := newServer(t)
	owner := signIn(t, srv.URL, "prefettura.pc@gesta.example")
	post(t, owner, srv.URL+"/logout", nil)
	fail50(t, srv.URL, "")
	attacker := client(t)
	for range 11 {
		post(t, attacker, srv.URL+"/login", url.Values{"email": {"prefettura.pc@gesta.example"}, "password": {"sbagliata-sbagliata"}})
	}
	right := url.Values{"email": {"prefettura.pc@gesta.example"}, "password": {demo.DemoPassword}}
	if st := post(t, client(t), srv.URL+"/login", right).StatusCode; st != http.StatusTooManyRequests {
		t.Fatalf("unknown browser: %d, want 429", st)
	}
	if st := post(t, owner, srv.URL+"/login", right).StatusCode; st != http.StatusSeeOther {
		t.Fatalf("owner's known device: %d, want 303", st)
	}
}
