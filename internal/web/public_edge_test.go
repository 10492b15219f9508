package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPublicEdge(t *testing.T) {
	var calls atomic.Int32
	body := strings.Repeat("pagina pubblica ", 200)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("If-None-Match") != "" {
			t.Error("the handler saw the client's conditional header")
		}
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, body+r.URL.RawQuery)
	})
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	e := newPublicEdge()
	e.now = func() time.Time { return now }
	srv := e.wrap(h)
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w
	}
	if w := get("/"); w.Code != 200 || w.Body.String() != body || w.Header().Get("ETag") != `"v1"` {
		t.Fatalf("first answer: %d %q", w.Code, w.Header())
	}
	if w := get("/"); w.Body.String() != body || calls.Load() != 1 {
		t.Errorf("second answer not from memory: %d calls", calls.Load())
	}
	if w := get("/", "If-None-Match", `"v1"`); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("conditional: %d", w.Code)
	}
	w := get("/", "Accept-Encoding", "gzip, br")
	zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil || w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip: %v %v", err, w.Header())
	}
	if b, _ := io.ReadAll(zr); string(b) != body {
		t.Error("the gzip copy differs")
	}
	// Another query, another language: other keys.
	get("/?data=2026-10-31")
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "gesta_lang", Value: "en"})
	srv.ServeHTTP(httptest.NewRecorder(), r)
	if calls.Load() != 3 {
		t.Errorf("%d calls, want 3", calls.Load())
	}
	// A signed-in request is never answered from memory.
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "gesta_session", Value: "x"})
	srv.ServeHTTP(httptest.NewRecorder(), r)
	if calls.Load() != 4 {
		t.Errorf("a signed-in request was served from memory")
	}
	// Errors are not kept.
	get("/missing")
	if w := get("/missing"); w.Code != 404 || calls.Load() != 6 {
		t.Errorf("404 kept: %d calls", calls.Load())
	}
	// After the time to live the handler is asked again.
	now = now.Add(publicCacheTTL + time.Second)
	get("/")
	if calls.Load() != 7 {
		t.Errorf("an expired answer was served: %d calls", calls.Load())
	}
}

// When every slot is taken, a public request is refused with 503 and
// Retry-After after its wait (zero here), and gets through once one frees.
func TestPublicEdgeCap(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, publicMaxInFlight)
	e := newPublicEdge()
	srv := e.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			started <- struct{}{}
			<-release
		}
		_, _ = io.WriteString(w, "ok")
	}))
	for i := range publicMaxInFlight {
		go srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/slow?"+strings.Repeat("x", i), nil))
	}
	for range publicMaxInFlight {
		<-started
	}
	e.wait = 0 // only now: a zero wait races a free slot
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/fast", nil))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("over the cap: %d %v", w.Code, w.Header())
	}
	close(release)
	e.wait = time.Minute // a slot frees as the slow ones finish
	w = httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/fast", nil))
	if w.Code != 200 {
		t.Errorf("after the spike: %d", w.Code)
	}
}
