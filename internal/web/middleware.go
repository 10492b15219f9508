package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gesta-er/gesta/internal/domain"
)

// reqInfo travels with a request so that outer middleware (logging, metrics)
// learns what inner handlers found out: the route pattern and the actor.
type reqInfo struct {
	ID      string
	Pattern string
	Actor   string
	// gate is the server's priority gate (priority.go); staff is set once
	// the request is known to be a signed-in user's or an API client's.
	gate  *priorityGate
	staff bool
}

// markStaff enters the priority gate for the rest of the request, once.
func (i *reqInfo) markStaff() {
	if i.gate != nil && !i.staff {
		i.staff = true
		i.gate.enter()
	}
}

type reqInfoKey struct{}

func info(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// RequestID returns the id of the request (also sent as X-Request-Id).
func RequestID(ctx context.Context) string {
	if i, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return i.ID
	}
	return ""
}

// SetActorLabel records who made the request, for the access log; the
// request then counts as the staff's for the priority gate.
func SetActorLabel(r *http.Request, label string) {
	i := info(r)
	i.Actor = label
	i.markStaff()
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

// Flush lets Server-Sent Events through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Metrics are the HTTP metrics exposed at /metrics.
type Metrics struct {
	duration *prometheus.HistogramVec
}

// NewMetrics registers the HTTP latency histogram, labelled by route pattern
// (never by raw path: ids in paths would explode the series).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "gesta", Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Latency of HTTP requests by route pattern, method and status class.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "code"})}
	reg.MustRegister(m.duration)
	return m
}

// Middleware wraps the whole router: request id, panic recovery, security
// headers, one access-log line per request, latency metrics, and the
// priority of the staff's requests over anonymous public ones (priority.go).
func Middleware(next http.Handler, logger *slog.Logger, m *Metrics, onPanic http.Handler) http.Handler {
	gate := &priorityGate{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{ID: newRequestID(), gate: gate}
		ctx := context.WithValue(r.Context(), reqInfoKey{}, ri)
		r = r.WithContext(domain.NewContextWithRequestID(ctx, ri.ID))
		sw := &statusWriter{ResponseWriter: w}
		securityHeaders(sw.Header(), r)
		sw.Header().Set("X-Request-Id", ri.ID)
		defer func() {
			if ri.staff {
				gate.leave()
			}
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.Error("panic", "request_id", ri.ID, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					onPanic.ServeHTTP(sw, r)
				}
			}
			d := time.Since(start)
			route := ri.Pattern
			if route == "" {
				route = "unmatched"
			}
			if m != nil {
				m.duration.WithLabelValues(route, r.Method, strconv.Itoa(sw.status/100)+"xx").Observe(d.Seconds())
			}
			// The raw URL is not logged: query strings may carry search terms.
			logger.LogAttrs(r.Context(), levelFor(sw.status), "http",
				slog.String("request_id", ri.ID), slog.String("method", r.Method), slog.String("route", route),
				slog.Int("status", sw.status), slog.Int("bytes", sw.size),
				slog.Float64("ms", float64(d.Microseconds())/1000), slog.String("actor", ri.Actor))
		}()
		next.ServeHTTP(sw, r)
	})
}

func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status == http.StatusForbidden || status == http.StatusTooManyRequests:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// RecordPattern wraps the ServeMux to learn the matched route pattern.
func RecordPattern(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		info(r).Pattern = r.Pattern
	})
}

// contentSecurityPolicy forbids inline scripts and styles, framing and
// foreign origins. Fonts and images may be data: URLs (Bootstrap Italia's CSS
// embeds some). Two inline styles are allowed by hash, not wholesale: the
// video.js bundled in Bootstrap Italia 2.18.3 injects an empty
// <style class="vjs-styles-defaults"> and the fixed CSS of its YouTube tech at
// load. The browser tests fail if an upgrade changes them.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; " +
	"style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' 'sha256-wPXhisdsFu1DtHYH1D9W5isSGqS5vIPn6QJWSNLqfCM='; " +
	"img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(h http.Header, r *http.Request) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	// Everything is private and fresh unless a handler says otherwise (static files).
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
}

// StreamingCtx tells the priority gate that the request has become a
// long-lived stream (the board's live events): it stops counting as a staff
// request in flight, or one open board would hold every public request back.
func StreamingCtx(ctx context.Context) {
	if i, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok && i.gate != nil && i.staff {
		i.staff = false
		i.gate.leave()
	}
}

// SetActorLabelCtx is SetActorLabel for code that has only the context (the API).
func SetActorLabelCtx(ctx context.Context, label string) {
	if i, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		i.Actor = label
		i.markStaff()
	}
}
