// Package api serves the JSON API under /api/v1 with huma: OpenAPI 3.1 at
// /api/v1/openapi.json, errors as RFC 9457 problem+json.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Server holds the API adapter's dependencies.
type Server struct {
	Territory  domain.TerritoryService
	Users      domain.UserService
	Audit      domain.AuditService
	Facilities domain.FacilityService
	Guests     domain.GuestService
	Plans      domain.PlanService
	Placement  domain.PlacementService
	// Publications makes and publishes the public site's publications.
	Publications domain.PublicationService
	Cases        domain.CaseService
	// Complex cases, continued: documents, network tables, the dashboard,
	// the subject-access export; with the PDF writers (internal/report),
	// which this adapter does not import.
	Documents      domain.DocumentService
	Tables         domain.TableService
	CaseDashboards domain.CaseDashboards
	Subjects       domain.CaseSubjects
	TableMinutes   func(w io.Writer, t domain.NetworkTable, provinceName string, generated time.Time) error
	SubjectPDF     func(w io.Writer, x domain.SubjectExport, label func(kind, code string) string) error
	// Idempotency remembers POSTs sent with Idempotency-Key (nil: ignored).
	Idempotency domain.IdempotencyService
	// Population answers the population statistics (store.Population).
	Population func(ctx context.Context, province string, day time.Time, by string) ([]domain.StatItem, int, error)
	// Dashboard answers the population dashboard (store.Dashboard).
	Dashboard func(ctx context.Context, province string, day time.Time, afterDays int) (*domain.Dashboard, error)
	// Events delivers facility changes to the board's live stream.
	Events interface {
		Subscribe() (<-chan string, func())
	}
	// SessionActor resolves a signed-in browser's session, so that the
	// board page can use the API without a token.
	SessionActor func(r *http.Request) (domain.Actor, bool)
	// SetActorLabel tells the access log who made the request.
	SetActorLabel func(ctx context.Context, label string)
	// Streaming tells the priority gate that a request has become a
	// long-lived stream (web.StreamingCtx).
	Streaming func(ctx context.Context)
	Logger    *slog.Logger
	Version   string
	// Boundaries returns GeoJSON for a level ("comuni", "province").
	Boundaries func(level string) ([]byte, error)
	// RequestID reads the request id set by the HTTP middleware.
	RequestID func(ctx context.Context) string
	// I18n translates error messages into the caller's language
	// (Accept-Language, Italian by default); nil: the embedded catalogues.
	I18n *i18n.Bundle
}

// Register adds the API routes to the mux and returns the huma API (the
// OpenAPI document is built from it).
func (s *Server) Register(mux *http.ServeMux) huma.API {
	cfg := huma.DefaultConfig("gesta API", s.Version)
	cfg.Info.Description = "API di Gest.A: accoglienza dei richiedenti protezione internazionale in Emilia-Romagna. " +
		"Every POST that acts accepts an Idempotency-Key header (per user, kept 24 hours): the same key and body " +
		"replays the first answer (Idempotent-Replayed: true) without acting twice; another body → 422; while the " +
		"first is still running → 409."
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = ""     // the docs renderer loads scripts from a CDN, which our CSP forbids
	cfg.SchemasPath = ""  // schemas are inline in the OpenAPI document
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		bearer: {Type: "http", Scheme: "bearer", Description: "API token: gesta token create, or the profile page"},
	}
	if s.I18n == nil {
		s.I18n = i18n.MustNew()
	}
	huma.NewError = newProblem // every error body, and the OpenAPI schema of errors, carries the code
	api := humago.NewWithPrefix(mux, Prefix, cfg)
	api.UseMiddleware(s.language, s.authenticate(api), s.preconditions(api), s.idempotency(api))

	s.registerTerritory(api)
	s.registerAccess(api)
	if s.Facilities != nil {
		s.registerFacilities(api)
		s.registerFacilityRegister(api)
	}
	if s.Guests != nil {
		s.registerGuests(api)
	}
	if s.Population != nil {
		s.registerStats(api)
	}
	if s.Plans != nil {
		s.registerPlans(api)
	}
	if s.Publications != nil {
		s.registerPublications(api)
	}
	if s.Cases != nil {
		s.registerCases(api)
		if s.Documents != nil && s.Tables != nil && s.CaseDashboards != nil && s.Subjects != nil {
			s.registerCaseFiles(api)
		}
	}

	declareIdempotencyKey(api.OpenAPI())

	// Unknown API paths answer in problem+json, not with the HTML 404 page;
	// without a valid token, 401 first, so that paths cannot be probed.
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		l := s.I18n.For(i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")))
		if _, err := s.actorFromHeader(r.Context(), r.Header.Get("Authorization")); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gesta"`)
			writeProblem(w, http.StatusUnauthorized, domain.EUNAUTHORIZED, l.T("err.api.token"))
			return
		}
		writeProblem(w, http.StatusNotFound, domain.ENOTFOUND, l.T("err.api.not_found"))
	})
	return api
}

// Problem is the API's RFC 9457 error body: huma's fields plus a stable
// machine code. Detail (and each entry of errors) is in the caller's language.
type Problem struct {
	huma.ErrorModel
	Code string `json:"code,omitempty" enum:"conflict,internal,invalid,not_found,unauthorized,forbidden,unavailable,too_many,precondition,precondition_required" doc:"Stable machine code of the error (domain error codes); detail is the text for people, in the language of Accept-Language (Italian by default)."`
}

// newProblem replaces huma.NewError, so that huma's own errors (validation,
// 404 of a route) have the same shape, with a code derived from the status.
func newProblem(status int, msg string, errs ...error) huma.StatusError {
	p := &Problem{Code: codeOf(status)}
	if m, ok := defaultNewError(status, msg, errs...).(*huma.ErrorModel); ok {
		p.ErrorModel = *m
	}
	return p
}

var defaultNewError = huma.NewError

// codeOf is the domain code of an HTTP status (the reverse of statusOf; huma
// answers malformed requests with 400, which is EINVALID too).
func codeOf(status int) string {
	switch status {
	case 0:
		return ""
	case http.StatusBadRequest:
		return domain.EINVALID
	}
	for _, c := range []string{domain.ENOTFOUND, domain.EINVALID, domain.ECONFLICT, domain.EUNAUTHORIZED, domain.EFORBIDDEN,
		domain.ETOOMANY, domain.ETOOLARGE, domain.EPRECONDITION, domain.EPRECONDREQUIRE, domain.EUNAVAILABLE} {
		if statusOf(c) == status {
			return c
		}
	}
	return domain.EINTERNAL
}

// statusOf maps a domain error code to an HTTP status.
func statusOf(code string) int {
	switch code {
	case domain.ENOTFOUND:
		return http.StatusNotFound
	case domain.EINVALID:
		return http.StatusUnprocessableEntity
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

// problem maps a domain error to an RFC 9457 problem: its code, its message
// and field messages in the caller's language. Internal errors are logged
// with the request id and shown as a generic message.
func (s *Server) problem(ctx context.Context, err error) error {
	l := s.localizer(ctx)
	code := domain.ErrorCode(err)
	status := statusOf(code)
	p := &Problem{ErrorModel: huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: l.Error(err)}, Code: code}
	if status == http.StatusInternalServerError {
		rid := ""
		if s.RequestID != nil {
			rid = s.RequestID(ctx)
		}
		s.Logger.Error("api: error", "err", err, "request_id", rid)
		p.Detail = l.T("err.api.internal", "RequestID", rid)
		return p
	}
	if dbFault(err) {
		// The database's faults: the generic message and the request id, the cause in the log.
		rid := ""
		if s.RequestID != nil {
			rid = s.RequestID(ctx)
		}
		s.Logger.Warn("api: database fault", "err", err, "request_id", rid)
		p.Detail += " " + l.T("err.api.request_id", "RequestID", rid)
		return p
	}
	fields := l.Fields(err)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Message: fields[k], Location: "body." + k})
	}
	return p
}

type langKey struct{}

// language is a huma middleware: the caller's language (Accept-Language,
// Italian by default) goes into the context, for the error messages.
func (s *Server) language(ctx huma.Context, next func(huma.Context)) {
	lang := i18n.FromAcceptLanguage(ctx.Header("Accept-Language"))
	next(huma.WithValue(ctx, langKey{}, lang))
}

// localizer translates for the language of the request in ctx.
func (s *Server) localizer(ctx context.Context) *i18n.Localizer {
	lang, _ := ctx.Value(langKey{}).(string)
	return s.I18n.For(lang)
}

// dbFault reports the database's own faults, as the store classifies them
// (still busy after its retries, I/O error, disk full, cancelled).
func dbFault(err error) bool {
	var e *domain.Error
	return errors.As(err, &e) && (e.MsgID == "err.db.busy" || e.MsgID == "err.db.unavailable")
}

// writeProblem answers outside huma's operations (unknown paths) in the same
// problem+json shape.
func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&Problem{ErrorModel: huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail}, Code: code})
}
