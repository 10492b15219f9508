package domain

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Role is what a user does in the system; it grants permissions (see policy.go)
// within a scope (an office, a managing entity or a service).
type Role string

const (
	RoleAdmin       Role = "admin"       // system: users, offices, settings, audit log
	RoleCoordinator Role = "coordinator" // the region (Prefecture of Bologna)
	RolePrefecture  Role = "prefecture"  // one prefecture / province
	RoleOperator    Role = "operator"    // one managing entity
	RoleService     Role = "service"     // one territorial service
	RoleViewer      Role = "viewer"      // aggregated figures, region or one province
)

// Roles lists the roles in display order.
var Roles = []Role{RoleAdmin, RoleCoordinator, RolePrefecture, RoleOperator, RoleService, RoleViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if v == r {
			return true
		}
	}
	return false
}

// User is a person who signs in. Exactly the scope fields its role needs are set.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	OfficeID  string    `json:"office_id,omitempty"`
	GestoreID string    `json:"gestore_id,omitempty"`
	ServiceID string    `json:"service_id,omitempty"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NormalizeEmail lower-cases and trims an address so that lookups match.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks the fields and that the scope fits the role.
func (u *User) Validate() error {
	fields := map[string]string{}
	if _, err := mail.ParseAddress(u.Email); err != nil || u.Email != NormalizeEmail(u.Email) {
		fields["email"] = "Indirizzo e-mail non valido."
	}
	if strings.TrimSpace(u.Name) == "" {
		fields["name"] = "Il nome è obbligatorio."
	}
	if !u.Role.Valid() {
		fields["role"] = "Ruolo sconosciuto."
	}
	switch u.Role {
	case RoleCoordinator, RolePrefecture:
		if u.OfficeID == "" {
			fields["office"] = "Questo ruolo richiede una prefettura."
		}
	case RoleOperator:
		if u.GestoreID == "" {
			fields["gestore"] = "Questo ruolo richiede un ente gestore."
		}
	case RoleService:
		if u.ServiceID == "" {
			fields["service"] = "Questo ruolo richiede un servizio territoriale."
		}
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "Dati dell'utente non validi.", Fields: fields}
	}
	return nil
}

// Actor is the identity behind a request or a CLI command, with its scope
// resolved once at sign-in so that queries can filter by it.
type Actor struct {
	UserID string
	Email  string
	Name   string
	Role   Role
	// Scope. ProvinceCode is set for prefecture users and for viewers of one
	// province; empty means the whole region where the role allows it.
	OfficeID     string
	OfficeSigla  string
	ProvinceCode string
	GestoreID    string
	ServiceID    string
	// System marks writes made by the CLI or scheduled jobs (actor "cli"/"system").
	System string
}

// Label names the actor in logs and the audit trail without personal data.
func (a Actor) Label() string {
	if a.System != "" {
		return a.System
	}
	return a.UserID
}

// RegionWide reports whether the actor's scope is the whole region.
func (a Actor) RegionWide() bool {
	switch a.Role {
	case RoleAdmin, RoleCoordinator:
		return true
	case RoleViewer:
		return a.ProvinceCode == ""
	}
	return a.System != ""
}

type actorKey struct{}

// NewContextWithActor returns a context carrying the actor.
func NewContextWithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor in ctx, if any.
func ActorFromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// UserService manages users and authenticates them.
type UserService interface {
	// Authenticate checks an e-mail and password. A wrong password, an unknown
	// address and a disabled user all give the same EUNAUTHORIZED error.
	Authenticate(ctx context.Context, email, password string) (Actor, error)
	// ActorByUserID resolves the scope of an enabled user; ENOTFOUND otherwise.
	ActorByUserID(ctx context.Context, id string) (Actor, error)
	// CreateUser stores u with the password's hash. Admin only (or the CLI).
	CreateUser(ctx context.Context, u *User, password string) error
	// CountUsers returns how many users exist (to tell an empty install).
	CountUsers(ctx context.Context) (int, error)
}
