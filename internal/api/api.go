// Package api serves the JSON API under /api/v1 with huma: OpenAPI 3.1 at
// /api/v1/openapi.json, errors as RFC 9457 problem+json.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/gesta-er/gesta/internal/domain"
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
	Cases      domain.CaseService
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
	Logger        *slog.Logger
	Version       string
	// Boundaries returns GeoJSON for a level ("comuni", "province").
	Boundaries func(level string) ([]byte, error)
	// RequestID reads the request id set by the HTTP middleware.
	RequestID func(ctx context.Context) string
}

// Register adds the API routes to the mux and returns the huma API (the
// OpenAPI document is built from it).
func (s *Server) Register(mux *http.ServeMux) huma.API {
	cfg := huma.DefaultConfig("gesta API", s.Version)
	cfg.Info.Description = "API di Gest.A: accoglienza dei richiedenti protezione internazionale in Emilia-Romagna."
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = ""     // the docs renderer loads scripts from a CDN, which our CSP forbids
	cfg.SchemasPath = ""  // schemas are inline in the OpenAPI document
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		bearer: {Type: "http", Scheme: "bearer", Description: "API token: gesta token create, or the profile page"},
	}
	api := humago.NewWithPrefix(mux, Prefix, cfg)
	api.UseMiddleware(s.authenticate(api), preconditions(api))

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
	if s.Cases != nil {
		s.registerCases(api)
	}

	// Unknown API paths answer in problem+json, not with the HTML 404 page;
	// without a valid token, 401 first, so that paths cannot be probed.
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.actorFromHeader(r.Context(), r.Header.Get("Authorization")); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gesta"`)
			writeProblem(w, http.StatusUnauthorized, "Token mancante o non valido.")
			return
		}
		writeProblem(w, http.StatusNotFound, "Risorsa non trovata.")
	})
	return api
}

// problem maps a domain error to an RFC 9457 problem; internal errors are
// logged with the request id and shown as a generic message.
func (s *Server) problem(ctx context.Context, err error) error {
	code := domain.ErrorCode(err)
	msg := domain.ErrorMessage(err)
	switch code {
	case domain.ENOTFOUND:
		return huma.Error404NotFound(msg)
	case domain.EINVALID:
		return huma.Error422UnprocessableEntity(msg)
	case domain.ECONFLICT:
		return huma.Error409Conflict(msg)
	case domain.EUNAUTHORIZED:
		return huma.Error401Unauthorized(msg)
	case domain.EFORBIDDEN:
		return huma.Error403Forbidden(msg)
	case domain.ETOOMANY:
		return huma.Error429TooManyRequests(msg)
	case domain.EPRECONDITION:
		return huma.Error412PreconditionFailed(msg)
	case domain.EPRECONDREQUIRE:
		return huma.NewError(http.StatusPreconditionRequired, msg)
	case domain.EUNAVAILABLE:
		return huma.Error503ServiceUnavailable(msg)
	}
	rid := ""
	if s.RequestID != nil {
		rid = s.RequestID(ctx)
	}
	s.Logger.Error("api: error", "err", err, "request_id", rid)
	return huma.Error500InternalServerError("Errore interno. Codice della richiesta: " + rid)
}

// writeProblem answers outside huma's operations (unknown paths) in the same
// problem+json shape.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail})
}
