package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// fakeSessions stands for the session loader: the cookie "valid" is a
// signed-in user's session, any other is nobody's.
func fakeSessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("gesta_session"); err == nil && c.Value == "valid" {
			r = r.WithContext(domain.NewContextWithActor(r.Context(), domain.Actor{UserID: "u1"}))
		}
		next.ServeHTTP(w, r)
	})
}

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
	srv := e.wrap(fakeSessions, h)
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
	r.AddCookie(&http.Cookie{Name: "gesta_session", Value: "valid"})
	srv.ServeHTTP(httptest.NewRecorder(), r)
	if calls.Load() != 4 {
		t.Errorf("a signed-in request was served from memory")
	}
	// A made-up session cookie is anonymous: answered from memory.
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "gesta_session", Value: "made-up"})
	srv.ServeHTTP(httptest.NewRecorder(), r)
	if calls.Load() != 4 {
		t.Errorf("a made-up session cookie had the page built anew")
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
	srv := e.wrap(fakeSessions, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

// An expired answer is rebuilt by one request; the others meanwhile get the
// kept one. A rebuild that is not kept (an error) lets the next one rebuild.
func TestPublicEdgeRefillsOnce(t *testing.T) {
	var calls atomic.Int32
	var version atomic.Int32
	version.Store(1)
	block := make(chan struct{})
	inside := make(chan struct{})
	var blocking atomic.Bool
	var fail atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if blocking.Load() {
			inside <- struct{}{}
			<-block
		}
		if fail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_, _ = fmt.Fprintf(w, "v%d", version.Load())
	})
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	e := newPublicEdge()
	e.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := e.wrap(fakeSessions, h)
	get := func() string {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		return w.Body.String()
	}
	if b := get(); b != "v1" {
		t.Fatalf("first: %q", b)
	}
	mu.Lock()
	now = now.Add(publicCacheTTL + time.Second)
	mu.Unlock()
	version.Store(2)
	blocking.Store(true)
	done := make(chan string)
	go func() { done <- get() }()
	<-inside // the rebuild is under way
	blocking.Store(false)
	if b := get(); b != "v1" || calls.Load() != 2 {
		t.Errorf("during the rebuild: %q after %d calls, want the kept v1 and no second rebuild", b, calls.Load())
	}
	close(block)
	if b := <-done; b != "v2" {
		t.Errorf("the rebuilding request got %q", b)
	}
	if b := get(); b != "v2" {
		t.Errorf("after the rebuild: %q", b)
	}
	// A failed rebuild is served once and not kept; the next request rebuilds.
	mu.Lock()
	now = now.Add(publicCacheTTL + time.Second)
	mu.Unlock()
	fail.Store(true)
	get()
	fail.Store(false)
	version.Store(3)
	if b := get(); b != "v3" {
		t.Errorf("after a failed rebuild: %q, want a new rebuild", b)
	}
}

// While a staff request (a signed-in user's or an API client's) is in
// flight, an anonymous public request waits for it (up to the edge's yield).
func TestPublicWaitsForStaff(t *testing.T) {
	release := make(chan struct{})
	staffIn := make(chan struct{})
	var publicRan atomic.Bool
	e := newPublicEdge()
	e.yield = time.Minute
	mux := http.NewServeMux()
	mux.HandleFunc("GET /staff", func(w http.ResponseWriter, r *http.Request) {
		SetActorLabel(r, "coordinamento")
		close(staffIn)
		<-release
	})
	mux.Handle("GET /{$}", e.wrap(fakeSessions, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		publicRan.Store(true)
		_, _ = io.WriteString(w, "pubblico")
	})))
	srv := Middleware(mux, slog.New(slog.DiscardHandler), nil, http.NotFoundHandler())
	go srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/staff", nil))
	<-staffIn
	done := make(chan int)
	go func() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		done <- w.Code
	}()
	time.Sleep(50 * time.Millisecond)
	if publicRan.Load() {
		t.Fatal("the public request ran while a staff request was in flight")
	}
	close(release)
	if code := <-done; code != 200 || !publicRan.Load() {
		t.Errorf("after the staff request: %d", code)
	}
	// With no staff request in flight, nothing waits.
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 200 {
		t.Errorf("quiet: %d", w.Code)
	}
}

// After the last staff request ends, the gate stays shut for the hold-off:
// a public request arriving then waits for it (the staff's next request
// would otherwise arrive behind the whole released crowd), and runs once it
// has passed.
func TestPublicWaitsForStaffHoldOff(t *testing.T) {
	defer func(d time.Duration) { staffHoldOff = d }(staffHoldOff)
	staffHoldOff = 300 * time.Millisecond
	var publicRan atomic.Bool
	e := newPublicEdge()
	e.yield = time.Minute
	mux := http.NewServeMux()
	mux.HandleFunc("GET /staff", func(w http.ResponseWriter, r *http.Request) { SetActorLabel(r, "coordinamento") })
	mux.Handle("GET /{$}", e.wrap(fakeSessions, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		publicRan.Store(true)
	})))
	srv := Middleware(mux, slog.New(slog.DiscardHandler), nil, http.NotFoundHandler())
	srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/staff", nil)) // ended
	done := make(chan int)
	go func() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		done <- w.Code
	}()
	time.Sleep(50 * time.Millisecond)
	if publicRan.Load() {
		t.Fatal("the public request ran within the hold-off after a staff request")
	}
	if code := <-done; code != 200 || !publicRan.Load() {
		t.Errorf("after the hold-off: %d", code)
	}
}

// A staff request that becomes a long-lived stream (the board's live
// events) no longer holds the public requests back.
func TestStreamingLeavesTheGate(t *testing.T) {
	defer func(d time.Duration) { staffHoldOff = d }(staffHoldOff)
	staffHoldOff = time.Millisecond
	release := make(chan struct{})
	streaming := make(chan struct{})
	e := newPublicEdge()
	e.yield = time.Minute
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		SetActorLabelCtx(r.Context(), "coordinamento")
		StreamingCtx(r.Context())
		close(streaming)
		<-release
	})
	mux.Handle("GET /{$}", e.wrap(fakeSessions, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	srv := Middleware(mux, slog.New(slog.DiscardHandler), nil, http.NotFoundHandler())
	go srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/events", nil))
	defer close(release)
	<-streaming
	done := make(chan int)
	go func() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		done <- w.Code
	}()
	select {
	case code := <-done:
		if code != 200 {
			t.Errorf("public request: %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a public request waited for a staff stream")
	}
}
