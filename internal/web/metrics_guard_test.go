package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/gesta-er/gesta/internal/config"
	"github.com/gesta-er/gesta/internal/web"
)

// TestMetricsGuard: /metrics answers loopback by default, configured
// networks, and the bearer token from anywhere; nothing else, and nothing
// that came through a proxy without the token.
func TestMetricsGuard(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("gesta_up 1\n")) })
	def, err := config.ParsePrefixes("127.0.0.0/8,::1/128") // the option's default
	if err != nil {
		t.Fatal(err)
	}
	office, err := config.ParsePrefixes("10.20.0.0/16, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		allow  []netip.Prefix
		token  string
		remote string
		header map[string]string
		want   int
	}{
		{"loopback v4, default", def, "", "127.0.0.1:5555", nil, 200},
		{"loopback v6, default", def, "", "[::1]:5555", nil, 200},
		{"v4-mapped loopback", def, "", "[::ffff:127.0.0.1]:5555", nil, 200},
		{"outside, default", def, "", "203.0.113.9:5555", nil, 403},
		{"loopback through a proxy", def, "", "127.0.0.1:5555", map[string]string{"X-Forwarded-For": "203.0.113.9"}, 403},
		{"loopback through a proxy (Forwarded)", def, "", "127.0.0.1:5555", map[string]string{"Forwarded": "for=203.0.113.9"}, 403},
		{"configured network", office, "", "10.20.3.4:5555", nil, 200},
		{"configured address", office, "", "192.0.2.7:5555", nil, 200},
		{"loopback not configured", office, "", "127.0.0.1:5555", nil, 403},
		{"token from outside", nil, "s3cret-metrics", "203.0.113.9:5555", map[string]string{"Authorization": "Bearer s3cret-metrics"}, 200},
		{"token through a proxy", def, "s3cret-metrics", "127.0.0.1:5555", map[string]string{"Authorization": "Bearer s3cret-metrics", "X-Forwarded-For": "203.0.113.9"}, 200},
		{"wrong token", nil, "s3cret-metrics", "203.0.113.9:5555", map[string]string{"Authorization": "Bearer s3cret-metricz"}, 403},
		{"no token configured, any bearer", nil, "", "203.0.113.9:5555", map[string]string{"Authorization": "Bearer "}, 403},
		{"none allowed, no token", nil, "", "127.0.0.1:5555", nil, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/metrics", nil)
			r.RemoteAddr = c.remote
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			web.MetricsGuard(c.allow, c.token, ok).ServeHTTP(w, r)
			if w.Code != c.want {
				t.Fatalf("status %d, want %d", w.Code, c.want)
			}
			if c.want == 403 && w.Body.String() == "gesta_up 1\n" {
				t.Fatal("metrics served with 403")
			}
		})
	}
}
