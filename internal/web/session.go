package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

const sessionUserKey = "user_id"

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
// they were going (a local path only: no open redirects).
func (s *Server) requireActor(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := domain.ActorFromContext(r.Context()); !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
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
