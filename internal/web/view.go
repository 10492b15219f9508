package web

import (
	"bytes"
	"net/http"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/territory"
)

// View is what every template receives: the page's data plus the frame's.
type View struct {
	Lang        string
	Languages   []string
	Path        string
	Here        string // path and query: where the language switch comes back to
	Static      string
	Version     string
	Actor       *domain.Actor
	RequestID   string
	Attribution string
	Error       string
	Fields      map[string]string // per-field errors of a form
	Flash       string            // a message left by the previous request
	Unread      int               // the user's unread notifications, for the navigation's badge
	Data        any

	loc *i18n.Localizer
}

// T translates a message id for the page's language.
func (v *View) T(id string, args ...any) string { return v.loc.T(id, args...) }

// Event renders a plan's timeline entry in the reader's language.
func (v *View) Event(e domain.PlanEvent) string {
	return v.loc.Stored("timeline.", e.Kind, e.Params, e.Summary)
}

// Note renders a notification's title in the reader's language.
func (v *View) Note(n domain.Notification) string {
	return v.loc.Stored("notification.", n.Kind, n.Params, n.Title)
}

// AuditDetail renders an audit row's detail in the reader's language.
func (v *View) AuditDetail(e domain.AuditEntry) string {
	return v.loc.AuditDetail(e)
}

// Col names a column of an uploaded file: the store names columns by field
// key (translated here, "import.col.comune"); the spreadsheet reader by the
// file's own header, shown as written.
func (v *View) Col(col string) string {
	id := "import.col." + col
	if s := v.loc.T(id); s != id {
		return s
	}
	return col
}

// Cell is a cell error's text: its message id translated, or the reader's
// own text when it has no id.
func (v *View) Cell(msgID string, args map[string]any, text string) string {
	if msgID == "" {
		return text
	}
	return v.loc.Msg(msgID, args)
}

func (s *Server) view(r *http.Request, data any) *View {
	lang := i18n.FromRequest(r)
	v := &View{
		Lang: lang, Languages: i18n.Languages, Path: r.URL.Path, Here: r.URL.Path, Static: s.static, Version: s.Version,
		RequestID: RequestID(r.Context()), Attribution: territory.Attribution, Data: data, loc: s.I18n.For(lang),
	}
	if r.URL.RawQuery != "" && r.Method == http.MethodGet {
		v.Here += "?" + r.URL.RawQuery
	}
	if a, ok := domain.ActorFromContext(r.Context()); ok {
		v.Actor = &a
		if s.Plans != nil && a.UserID != "" {
			// A count on an index; a failure only hides the badge.
			v.Unread, _ = s.Plans.UnreadCount(r.Context())
		}
	}
	if s.Sessions != nil {
		v.Flash = s.Sessions.PopString(r.Context(), flashKey)
	}
	return v
}

// render executes a page into a buffer first, so that a template error gives
// a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *View) {
	t, ok := s.pages[page]
	if !ok {
		s.Logger.Error("web: missing template", "page", page, "request_id", v.RequestID)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.Logger.Error("web: render", "page", page, "err", err, "request_id", v.RequestID)
		if page != "error" {
			s.renderError(w, r, http.StatusInternalServerError)
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// renderPartial executes one named block of a page, without the frame.
func (s *Server) renderPartial(w http.ResponseWriter, r *http.Request, page, block string, v *View) {
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, block, v); err != nil {
		s.Logger.Error("web: render partial", "page", page, "err", err, "request_id", v.RequestID)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
}

type errorData struct{ Title, Message string }

// renderError shows a generic error page: no internal detail, the request id.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int) {
	v := s.view(r, nil)
	key := "internal"
	switch status {
	case http.StatusNotFound:
		key = "notfound"
	case http.StatusForbidden:
		key = "forbidden"
	case http.StatusMethodNotAllowed:
		key = "method"
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		key = "invalid"
	}
	msg := v.T("error." + key + ".text")
	if key == "invalid" {
		msg = v.T("error.internal.text")
	}
	v.Data = errorData{Title: v.T("error." + key + ".title"), Message: msg}
	s.render(w, r, status, "error", v)
}

// Error renders err as a page with the status its code maps to; internal
// errors are logged with the request id.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(domain.ErrorCode(err))
	if status >= 500 {
		s.Logger.Error("web: error", "err", err, "request_id", RequestID(r.Context()))
	}
	s.renderError(w, r, status)
}

// StatusOf maps a domain error code to an HTTP status.
func StatusOf(code string) int {
	switch code {
	case domain.ENOTFOUND:
		return http.StatusNotFound
	case domain.EINVALID:
		return http.StatusUnprocessableEntity // well-formed, but the data is refused (as in the API)
	case domain.ECONFLICT:
		return http.StatusConflict
	case domain.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case domain.EFORBIDDEN:
		return http.StatusForbidden
	case domain.ETOOMANY:
		return http.StatusTooManyRequests
	case domain.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case domain.EPRECONDITION:
		return http.StatusPreconditionFailed
	case domain.EPRECONDREQUIRE:
		return http.StatusPreconditionRequired
	case domain.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

const flashKey = "flash"

// flash leaves a message for the next page the user sees (after a redirect).
func (s *Server) flash(r *http.Request, msg string) { s.Sessions.Put(r.Context(), flashKey, msg) }

// Can reports whether the signed-in user holds a permission (for navigation).
func (v *View) Can(p string) bool {
	return v.Actor != nil && domain.Can(*v.Actor, domain.Permission(p))
}

// formError renders a form again with the error's message and field errors.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, page string, data any, err error) {
	code := domain.ErrorCode(err)
	if code != domain.EINVALID && code != domain.ECONFLICT {
		s.Error(w, r, err)
		return
	}
	v := s.view(r, data)
	v.Error = s.errText(r, err)
	v.Fields = s.I18n.For(i18n.FromRequest(r)).Fields(err)
	s.render(w, r, StatusOf(code), page, v)
}

// errText translates a domain error's message for the request's language.
func (s *Server) errText(r *http.Request, err error) string {
	return s.I18n.For(i18n.FromRequest(r)).Error(err)
}

// asConflict shows err's message with the conflict status (a stale version
// reads to the user as a conflict to resolve on the form).
func asConflict(err error) error {
	e := *domain.SafeError(err)
	e.Code = domain.ECONFLICT
	return &e
}

// t translates a message id for the request's language.
func (s *Server) t(r *http.Request, id string, args ...any) string {
	return s.I18n.For(i18n.FromRequest(r)).T(id, args...)
}
