package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/gesta-er/gesta/internal/domain"
)

// bearer is the name of the security scheme in the OpenAPI document.
const bearer = "bearer"

// secured marks an operation as needing a token.
var secured = []map[string][]string{{bearer: {}}}

// requiresIfMatch marks operations on versioned resources: without If-Match
// they answer 428 before the body is even read (RFC 6585).
const requiresIfMatch = "requires-if-match"

// requiresPerm names the permission an operation needs: checked before the
// body is read, so that a role without it gets 403, not a validation error.
const requiresPerm = "requires-perm"

// preconditions is a huma middleware enforcing requiresPerm and requiresIfMatch.
func (s *Server) preconditions(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if p, ok := ctx.Operation().Metadata[requiresPerm].(domain.Permission); ok {
			if a, signed := domain.ActorFromContext(ctx.Context()); signed && a.System == "" && !domain.Can(a, p) {
				_ = huma.WriteErr(api, ctx, http.StatusForbidden, s.localizer(ctx.Context()).T("err.perm.operation"))
				return
			}
		}
		if ctx.Operation().Metadata[requiresIfMatch] == true && strings.TrimSpace(ctx.Header("If-Match")) == "" {
			_ = huma.WriteErr(api, ctx, http.StatusPreconditionRequired, s.localizer(ctx.Context()).T("err.api.if_match"))
			return
		}
		next(ctx)
	}
}

// authenticate is a huma middleware: operations that declare the bearer
// scheme need a valid token of an enabled user; the actor goes into the context.
func (s *Server) authenticate(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if len(ctx.Operation().Security) == 0 {
			next(ctx)
			return
		}
		a, err := s.actorFromHeader(ctx.Context(), ctx.Header("Authorization"))
		if err != nil && ctx.Header("Authorization") == "" && s.SessionActor != nil {
			r, _ := humago.Unwrap(ctx)
			if sa, ok := s.SessionActor(r); ok {
				a, err = sa, nil
			}
		}
		if err != nil && domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			// The token could not be checked (the database did not answer):
			// 503, not a 401 that would tell the client to drop its token.
			p, _ := s.problem(ctx.Context(), &domain.Error{Code: domain.EUNAVAILABLE, MsgID: "err.db.unavailable", Err: err}).(*Problem)
			_ = huma.WriteErr(api, ctx, p.Status, p.Detail)
			return
		}
		if err != nil {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="gesta"`)
			_ = huma.WriteErr(api, ctx, http.StatusUnauthorized, s.localizer(ctx.Context()).T("err.api.token"))
			return
		}
		if s.SetActorLabel != nil {
			s.SetActorLabel(ctx.Context(), a.Label())
		}
		next(huma.WithContext(ctx, domain.NewContextWithActor(ctx.Context(), a)))
	}
}

func (s *Server) actorFromHeader(ctx context.Context, h string) (domain.Actor, error) {
	const prefix = "Bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return domain.Actor{}, domain.Err(domain.EUNAUTHORIZED, "err.auth.token_missing")
	}
	return s.Users.ActorByToken(ctx, strings.TrimSpace(h[len(prefix):]))
}

// Me is the caller's identity and scope.
type Me struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Office   string `json:"office,omitempty" doc:"Sigla of the prefecture (coordinator, prefecture, provincial viewer)"`
	Province string `json:"province,omitempty" doc:"ISTAT code of the province the scope is limited to; absent: the region"`
	Gestore  string `json:"gestore,omitempty" doc:"Id of the managing entity (operator)"`
	Service  string `json:"service,omitempty" doc:"Id of the territorial service (service)"`
	// Permissions lists what the role may do, for clients that adapt their UI.
	Permissions []string `json:"permissions"`
}

type meOutput struct{ Body Me }

type auditInput struct {
	Limit      int    `query:"limit" minimum:"1" maximum:"1000" default:"50" doc:"Number of entries, newest first"`
	Before     int64  `query:"before" doc:"Only entries with seq below this (paging)"`
	Actor      string `query:"actor" doc:"User id, or cli / system"`
	Action     string `query:"action" doc:"Exact action, or a prefix ending in a dot (user.)"`
	TargetType string `query:"target_type"`
	TargetID   string `query:"target_id"`
}

type auditOutput struct{ Body []domain.AuditEntry }

func (s *Server) registerAccess(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/me", Summary: "The caller's identity and scope",
		Tags: []string{"access"}, Security: secured, Errors: []int{http.StatusUnauthorized},
	}, func(ctx context.Context, _ *struct{}) (*meOutput, error) {
		a, _ := domain.ActorFromContext(ctx)
		me := Me{ID: a.UserID, Email: a.Email, Name: a.Name, Role: string(a.Role), Office: a.OfficeSigla,
			Province: a.ProvinceCode, Gestore: a.GestoreID, Service: a.ServiceID, Permissions: []string{}}
		for _, p := range domain.Permissions(a.Role) {
			me.Permissions = append(me.Permissions, string(p))
		}
		return &meOutput{Body: me}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-audit", Method: http.MethodGet, Path: "/audit", Summary: "The audit log, newest first",
		Description: "Administrators only. Every write of the system, with actor, role, action, target and request id.",
		Tags:        []string{"access"}, Security: secured,
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden},
	}, func(ctx context.Context, in *auditInput) (*auditOutput, error) {
		entries, err := s.Audit.ListAudit(ctx, domain.AuditFilter{Actor: in.Actor, Action: in.Action,
			TargetType: in.TargetType, TargetID: in.TargetID, Before: in.Before, Limit: in.Limit})
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		if entries == nil {
			entries = []domain.AuditEntry{}
		}
		l := s.localizer(ctx)
		for i, e := range entries {
			entries[i].Summary = l.AuditDetail(e)
		}
		return &auditOutput{Body: entries}, nil
	})
}
