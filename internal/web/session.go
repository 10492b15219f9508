package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/gesta-er/gesta/internal/domain"
)

// Session keys.
const (
	sessionUserKey    = "user_id"
	sessionAgentKey   = "ua"
	sessionPendingKey = "pending_user_id" // password checked, one-time code awaited
	sessionNextKey    = "pending_next"
	sessionSeenKey    = "seen" // last request, unix seconds (the case roles' idle limit)
)

func (s *Server) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

// idleTooLong applies the shorter idle limit of users who read case files:
// past it the session ends as if it had expired. Otherwise it records the
// request's time, at most once a minute for every signed-in user: that write
// is what moves the session's idle expiry (idleStore), so a page view does
// not cost a write transaction — only the first in each minute does.
func (s *Server) idleTooLong(r *http.Request, a domain.Actor) bool {
	ctx, now := r.Context(), s.now().Unix()
	seen := s.Sessions.GetInt64(ctx, sessionSeenKey)
	if s.CaseIdle > 0 && domain.Can(a, domain.PermCaseRead) && seen != 0 && time.Duration(now-seen)*time.Second > s.CaseIdle {
		return true
	}
	if now-seen >= sessionTouchEvery {
		s.Sessions.Put(ctx, sessionSeenKey, now)
	}
	return false
}

// sessionTouchEvery is how often, in seconds, a signed-in session's idle
// expiry is moved: a session ends between idle−1 minute and idle after its
// last request.
const sessionTouchEvery = 60

// idleStore applies the idle timeout in the store rather than in scs: with
// scs's IdleTimeout every request re-commits its session (a write
// transaction per page view, which a spike of page views turns into a queue
// on the write lock). Here a commit — at sign-in, on any change, and the
// once-a-minute touch of idleTooLong — stores an expiry no later than idle
// from now, and an unchanged session is not written at all.
type idleStore struct {
	SessionStore
	idle time.Duration
}

func (st idleStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if st.idle > 0 {
		if e := time.Now().Add(st.idle); e.Before(expiry) {
			expiry = e
		}
	}
	return st.SessionStore.CommitCtx(ctx, token, b, expiry)
}

func (st idleStore) Commit(token string, b []byte, expiry time.Time) error {
	return st.CommitCtx(context.Background(), token, b, expiry)
}

// withActor resolves the signed-in user, if any, into the request's context.
// A user disabled since signing in loses the session here.
func (s *Server) withActor(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := s.Sessions.GetString(r.Context(), sessionUserKey)
		if id == "" {
			next(w, r)
			return
		}
		a, err := s.Users.ActorByUserID(r.Context(), id)
		if err == nil && s.idleTooLong(r, a) {
			_ = s.Sessions.Destroy(r.Context())
			next(w, r)
			return
		}
		switch domain.ErrorCode(err) {
		case "":
			SetActorLabel(r, a.Label())
			next(w, r.WithContext(domain.NewContextWithActor(r.Context(), a)))
		case domain.ENOTFOUND:
			_ = s.Sessions.Destroy(r.Context())
			next(w, r)
		default:
			s.Error(w, r, err)
		}
	}
}

// requireActor sends anonymous visitors to the sign-in page, remembering where
// they were going (a local path only: no open redirects); refuses users
// without the permission; and keeps a user whose role requires a one-time
// code on the enrolment page until they have one.
func (s *Server) requireActor(acc Access, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := domain.ActorFromContext(r.Context())
		if !ok {
			target := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				target = "/home"
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(target), http.StatusSeeOther)
			return
		}
		if s.TOTP.Overdue(a, s.now()) && !strings.HasPrefix(r.URL.Path, "/profilo/2fa") {
			http.Redirect(w, r, "/profilo/2fa", http.StatusSeeOther)
			return
		}
		if !acc.allows(a) {
			s.Logger.Warn("authz: forbidden", "actor", a.Label(), "role", a.Role, "perm", acc.Perm,
				"route", r.Pattern, "request_id", RequestID(r.Context()))
			s.renderError(w, r, http.StatusForbidden)
			return
		}
		next(w, r)
	}
}

// localPath returns p if it is a path on this site, else "/home".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/home"
	}
	return p
}

// clientKey identifies the client for throttling: its address without port;
// behind a trusted proxy, the address the proxies forwarded (clientAddr).
func (s *Server) clientKey(r *http.Request) string {
	return clientAddr(r, s.TrustedProxies)
}

// clientAddr is the request's client address. The forwarding headers are
// believed only when the direct peer is a trusted proxy (anyone can send
// them); then the chain is read from the right, skipping trusted proxies,
// and the first address that is not one is the client's: entries to its
// left were written by the client itself and prove nothing. Forwarded
// (RFC 7239) is preferred to X-Forwarded-For when both are present.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	if len(trusted) == 0 || !addrAllowed(peer, trusted) {
		return peer
	}
	chain := forwardedFor(r.Header.Values("Forwarded"))
	if len(chain) == 0 {
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for _, f := range strings.Split(v, ",") {
				chain = append(chain, strings.TrimSpace(f))
			}
		}
	}
	client := peer
	for i := len(chain) - 1; i >= 0; i-- {
		a, ok := parseHop(chain[i])
		if !ok {
			break // garbage: the last trusted hop is all we know
		}
		client = a.String()
		if !addrAllowed(client, trusted) {
			break
		}
	}
	return client
}

// forwardedFor lists the for= values of Forwarded headers, in order.
func forwardedFor(values []string) []string {
	var out []string
	for _, v := range values {
		for _, elem := range strings.Split(v, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					out = append(out, strings.Trim(val, `"`))
				}
			}
		}
	}
	return out
}

// parseHop reads one hop: an address, possibly with a port or, for IPv6,
// in brackets.
func parseHop(h string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// SessionStore is where sessions live (the store's SessionStore); it learns
// from us how to read the owner and browser out of a session's data.
type SessionStore interface {
	scs.CtxStore
	SetDescribe(func(data []byte) (userID, userAgent string))
}

// NewSessionManager configures scs for gesta: sessions in our database,
// HttpOnly and SameSite=Lax cookies, Secure with the __Host- prefix behind TLS,
// idle and absolute timeouts.
func NewSessionManager(st SessionStore, idle, lifetime time.Duration, secure bool) *scs.SessionManager {
	sm := scs.New()
	st.SetDescribe(func(b []byte) (string, string) {
		_, values, err := sm.Codec.Decode(b)
		if err != nil {
			return "", ""
		}
		id, _ := values[sessionUserKey].(string)
		ua, _ := values[sessionAgentKey].(string)
		return id, ua
	})
	sm.Store = idleStore{SessionStore: st, idle: idle}
	sm.Lifetime = lifetime
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Secure = secure
	sm.Cookie.Name = "gesta_session"
	if secure {
		// __Host- binds the cookie to this host and path "/", and requires Secure.
		sm.Cookie.Name = "__Host-gesta_session"
	}
	return sm
}

// ActorFromSession resolves the signed-in user of a request that did not go
// through the session middleware (the API, for the board's live stream).
func (s *Server) ActorFromSession(r *http.Request) (domain.Actor, bool) {
	c, err := r.Cookie(s.Sessions.Cookie.Name)
	if err != nil || c.Value == "" {
		return domain.Actor{}, false
	}
	ctx, err := s.Sessions.Load(r.Context(), c.Value)
	if err != nil {
		return domain.Actor{}, false
	}
	id := s.Sessions.GetString(ctx, sessionUserKey)
	if id == "" {
		return domain.Actor{}, false
	}
	a, err := s.Users.ActorByUserID(ctx, id)
	if err != nil || s.TOTP.Overdue(a, s.now()) {
		return domain.Actor{}, false
	}
	return a, true
}
