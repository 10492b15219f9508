package web

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("::1/128")}
	for _, c := range []struct {
		peer, fwd, xff, want string
	}{
		{"192.0.2.1:5000", "", "203.0.113.9", "192.0.2.1"},                                           // untrusted peer: headers ignored
		{"10.0.0.2:5000", "", "", "10.0.0.2"},                                                        // proxy without headers
		{"10.0.0.2:5000", "", "203.0.113.9", "203.0.113.9"},                                          // one proxy
		{"10.0.0.2:5000", "", "198.51.100.1, 203.0.113.9, 10.0.0.5", "203.0.113.9"},                  // two proxies, a spoofed entry
		{"10.0.0.2:5000", `for=198.51.100.1, for="[2001:db8::7]:443"`, "203.0.113.9", "2001:db8::7"}, // Forwarded first
		{"[::1]:5000", "for=203.0.113.4;proto=https", "", "203.0.113.4"},
		{"10.0.0.2:5000", "", "junk, 10.0.0.7", "10.0.0.7"}, // garbage: the last trusted hop
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.peer
		if c.fwd != "" {
			r.Header.Set("Forwarded", c.fwd)
		}
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := clientAddr(r, trusted); got != c.want {
			t.Errorf("peer %s fwd %q xff %q: %s, want %s", c.peer, c.fwd, c.xff, got, c.want)
		}
	}
}
