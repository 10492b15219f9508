package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
)

// The public site's edge: public traffic arrives in spikes (a newspaper
// links the site), so anonymous GETs of public routes are
//   - capped: at most publicMaxInFlight at once; a request waits up to
//     publicQueueWait for a slot, then gets 503 with Retry-After. Signed-in
//     pages do not pass through the cap, so a public spike leaves them
//     their share of the machine;
//   - answered from memory: a 200 answer is kept for publicCacheTTL, keyed by
//     method, path, query and language, with its headers and a gzip copy;
//     If-None-Match is answered 304 from the kept ETag. The answers are
//     built only from published publications (R0), the same for every
//     anonymous visitor, so keeping them is safe; a new publication shows
//     within publicCacheTTL (pages say max-age=300 anyway).
//
// A signed-in visitor's request bypasses the memory (its header names the
// user) but not the cap.
const (
	publicCacheTTL     = 5 * time.Second
	publicCacheEntries = 512
	publicQueueWait    = 2 * time.Second
)

// publicMaxInFlight bounds concurrent anonymous public requests.
var publicMaxInFlight = 64

type edgeEntry struct {
	status  int
	header  http.Header
	body    []byte
	gz      []byte // nil when not worth compressing
	expires time.Time
	// refilling: an expired entry that one request is rebuilding; until it
	// is replaced the others are answered from it (at most one build per key
	// at a time, so a spike at the moment of expiry does not render it 64 times).
	refilling bool
}

type publicEdge struct {
	slots   chan struct{}
	wait    time.Duration // publicQueueWait
	yield   time.Duration // publicYield
	mu      sync.Mutex
	entries map[string]*edgeEntry
	now     func() time.Time
}

func newPublicEdge() *publicEdge {
	return &publicEdge{slots: make(chan struct{}, publicMaxInFlight), wait: publicQueueWait, yield: publicYield, entries: map[string]*edgeEntry{}, now: time.Now}
}

// kept are the headers a kept answer carries; the outer middleware sets the
// security headers on every answer anyway.
var kept = []string{"Content-Type", "ETag", "Last-Modified", "Cache-Control", "Content-Disposition", "Access-Control-Allow-Origin"}

// wrap puts a public route behind the edge: the cap outside the session
// loader, the memory inside it, where the visitor is known to be anonymous
// or signed in (a made-up session cookie is only anonymous: it cannot make
// the page be built anew for every request).
func (e *publicEdge) wrap(sessions func(http.Handler) http.Handler, next http.Handler) http.Handler {
	return e.limit(sessions(e.memory(next)))
}

// limit takes one of the edge's slots for the request, or answers 503 with
// Retry-After after waiting publicQueueWait for one.
func (e *publicEdge) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timer := time.NewTimer(e.wait)
		select {
		case e.slots <- struct{}{}:
			timer.Stop()
		case <-timer.C:
			w.Header().Set("Retry-After", "5")
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		case <-r.Context().Done():
			timer.Stop()
			return
		}
		defer func() { <-e.slots }()
		next.ServeHTTP(w, r)
	})
}

// memory answers anonymous visitors from the kept answers, after letting the
// staff's requests in flight go first; a signed-in visitor's page names them,
// so it is built for them.
func (e *publicEdge) memory(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, signedIn := domain.ActorFromContext(r.Context()); signedIn {
			next.ServeHTTP(w, r)
			return
		}
		info(r).gate.wait(r.Context(), e.yield) // anonymous: the staff first
		key := r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "|" + i18n.FromRequest(r)
		now := e.now()
		e.mu.Lock()
		ent := e.entries[key]
		refill := ent == nil || (now.After(ent.expires) && !ent.refilling)
		if refill && ent != nil {
			ent.refilling = true // one request refills; the others serve the kept answer meanwhile
		}
		e.mu.Unlock()
		if refill {
			if ent != nil { // an answer not kept, or a panic, must not leave it marked
				defer func(old *edgeEntry) { e.mu.Lock(); old.refilling = false; e.mu.Unlock() }(ent)
			}
			ent = e.fill(next, r, key, now)
		}
		ent.serve(w, r)
	})
}

// fill runs the handler into a buffer (without the client's conditional
// headers, so that the full answer is kept) and keeps a 200 answer.
func (e *publicEdge) fill(next http.Handler, r *http.Request, key string, now time.Time) *edgeEntry {
	r2 := r.Clone(r.Context())
	r2.Header.Del("If-None-Match")
	r2.Header.Del("If-Modified-Since")
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	next.ServeHTTP(rec, r2)
	ent := &edgeEntry{status: rec.status, header: http.Header{}, body: rec.buf.Bytes(), expires: now.Add(publicCacheTTL)}
	for _, k := range kept {
		if v := rec.header.Values(k); len(v) > 0 {
			ent.header[http.CanonicalHeaderKey(k)] = v
		}
	}
	if len(ent.body) > 1024 {
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		_, _ = zw.Write(ent.body)
		_ = zw.Close()
		ent.gz = gz.Bytes()
	}
	if rec.status != http.StatusOK || rec.header.Get("Set-Cookie") != "" {
		// Errors and answers that set a cookie are not kept: served once.
		for k, v := range rec.header {
			ent.header[k] = v
		}
		return ent
	}
	e.mu.Lock()
	if len(e.entries) >= publicCacheEntries {
		for k, old := range e.entries { // drop the expired, or everything
			if now.After(old.expires) {
				delete(e.entries, k)
			}
		}
		if len(e.entries) >= publicCacheEntries {
			e.entries = map[string]*edgeEntry{}
		}
	}
	e.entries[key] = ent
	e.mu.Unlock()
	return ent
}

func (ent *edgeEntry) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range ent.header {
		h[k] = v
	}
	if ent.status == http.StatusOK {
		if etag := ent.header.Get("ETag"); etag != "" && etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	body := ent.body
	if ent.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			body = ent.gz
		}
	}
	w.WriteHeader(ent.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// etagMatch is If-None-Match's weak comparison.
func etagMatch(inm, etag string) bool {
	if inm == "" {
		return false
	}
	for _, t := range strings.Split(inm, ",") {
		if t = strings.TrimSpace(t); t == etag || t == "*" || t == "W/"+etag || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// recorder buffers an answer.
type recorder struct {
	header http.Header
	buf    bytes.Buffer
	status int
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if !r.wrote {
		r.status, r.wrote = s, true
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.buf.Write(b)
}
