package benchserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFreeAddr(t *testing.T) {
	a, err := FreeAddr()
	if err != nil || !strings.HasPrefix(a, "127.0.0.1:") || strings.HasSuffix(a, ":0") {
		t.Fatalf("FreeAddr() = %q, %v", a, err)
	}
}

// TestWaitReady: it returns once /healthz answers 200 (after a few 503s),
// and fails after the timeout when it never does.
func TestWaitReady(t *testing.T) {
	var calls atomic.Int32
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer ready.Close()
	if err := WaitReady(ready.URL, time.Millisecond, 10*time.Second); err != nil || calls.Load() != 3 {
		t.Fatalf("WaitReady: %v after %d calls", err, calls.Load())
	}
	never := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer never.Close()
	if err := WaitReady(never.URL, time.Millisecond, 20*time.Millisecond); err == nil {
		t.Fatal("WaitReady succeeded on a server that is never ready")
	}
}
