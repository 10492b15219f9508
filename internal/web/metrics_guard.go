package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// MetricsGuard lets a request reach /metrics only with the bearer token (when
// one is configured) or from one of the allowed networks. A request that
// carries a proxy's forwarding header is judged as coming from outside: a
// reverse proxy on the same host would otherwise make every visitor look
// like loopback. Refusals are a bare 403 (the endpoint is for scrapers).
func MetricsGuard(allow []netip.Prefix, token string, next http.Handler) http.Handler {
	var want [32]byte
	if token != "" {
		want = sha256.Sum256([]byte(token))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
				h := sha256.Sum256([]byte(strings.TrimSpace(got)))
				if subtle.ConstantTimeCompare(h[:], want[:]) == 1 {
					next.ServeHTTP(w, r)
					return
				}
			}
		}
		if !forwarded(r) && addrAllowed(r.RemoteAddr, allow) {
			next.ServeHTTP(w, r)
			return
		}
		if token != "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
		}
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
	})
}

func forwarded(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	return false
}

func addrAllowed(remote string, allow []netip.Prefix) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
