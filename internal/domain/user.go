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

	TOTPEnabled bool       `json:"totp_enabled"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	// Resolved scope names, for display.
	OfficeSigla string `json:"office,omitempty"`
	GestoreName string `json:"gestore_name,omitempty"`
	ServiceName string `json:"service_name,omitempty"`
}

// UserFilter narrows the list of users.
type UserFilter struct {
	Role     Role
	OfficeID string
	Query    string // part of the e-mail or name
	Disabled *bool
	// Limit > 0 reads a page in the query, ordered by the name's lower case
	// (then id) from Offset; 0 reads all, in the Italian order of names.
	Limit, Offset int
}

// Session is an active web session of a user, as shown on the profile page.
type Session struct {
	ID        string    `json:"id"` // a hash of the token: the token itself never leaves the cookie
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UserAgent string    `json:"user_agent"`
	Current   bool      `json:"current"`
}

// Token is an API token's record; the token itself is shown once at creation.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Label      string     `json:"label"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Credential is what sign-in checks: the actor and its secrets.
type Credential struct {
	Actor        Actor
	PasswordHash string
	TOTPEnabled  bool
	TOTPSecret   string
}

// NormalizeEmail lower-cases and trims an address so that lookups match.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks the fields and that the scope fits the role.
func (u *User) Validate() error {
	fields := map[string]FieldError{}
	if _, err := mail.ParseAddress(u.Email); err != nil || u.Email != NormalizeEmail(u.Email) {
		fields["email"] = Field("err.field.email")
	}
	if strings.TrimSpace(u.Name) == "" {
		fields["name"] = Field("err.field.name_required")
	}
	checkText(fields, "name", u.Name)
	if !u.Role.Valid() {
		fields["role"] = Field("err.user.role_unknown")
	}
	switch u.Role {
	case RoleCoordinator, RolePrefecture:
		if u.OfficeID == "" {
			fields["office"] = Field("err.user.role_needs_office")
		}
	case RoleOperator:
		if u.GestoreID == "" {
			fields["gestore"] = Field("err.user.role_needs_gestore")
		}
	case RoleService:
		if u.ServiceID == "" {
			fields["service"] = Field("err.user.role_needs_service")
		}
	}
	if len(fields) > 0 {
		return Err(EINVALID, "err.user.invalid").WithFields(fields)
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
	// TOTPEnabled says whether the user has enrolled a second factor.
	TOTPEnabled bool
	// TOTPGraceFrom is when the user's grace period for enrolling began
	// (zero: not yet, i.e. before their first sign-in).
	TOTPGraceFrom time.Time
}

// NeedsTOTP reports whether the role must use a one-time code to sign in:
// the administrator and every role that reads personal data (issues 16, 17).
// Viewers see aggregate figures only.
func (a Actor) NeedsTOTP() bool {
	switch a.Role {
	case RoleAdmin, RoleCoordinator, RolePrefecture, RoleOperator, RoleService:
		return true
	}
	return false
}

// DefaultTOTPGrace is how long each role may work without a second factor
// after its first sign-in: the administrator not at all (as before); the
// coordinator and prefecture staff, who read case files, a week; operators
// and service workers, who may need a phone issued by their employer, a month.
var DefaultTOTPGrace = map[Role]time.Duration{
	RoleAdmin: 0, RoleCoordinator: 7 * 24 * time.Hour, RolePrefecture: 7 * 24 * time.Hour,
	RoleOperator: 30 * 24 * time.Hour, RoleService: 30 * 24 * time.Hour,
}

// TOTPPolicy decides when a user without a second factor must enrol before
// doing anything else. Grace nil means DefaultTOTPGrace; Endless keeps every
// grace period with a length open forever (a demo database outside
// production, so that its accounts sign in with the password alone).
type TOTPPolicy struct {
	Grace   map[Role]time.Duration
	Endless bool
}

// Deadline is when the actor's grace period ends, and whether it has one.
func (p TOTPPolicy) Deadline(a Actor) (time.Time, bool) {
	grace := p.Grace
	if grace == nil {
		grace = DefaultTOTPGrace
	}
	g := grace[a.Role]
	if !a.NeedsTOTP() || a.TOTPEnabled || g <= 0 || p.Endless || a.TOTPGraceFrom.IsZero() {
		return time.Time{}, false
	}
	return a.TOTPGraceFrom.Add(g), true
}

// Overdue reports whether the actor must enrol now: the role needs a second
// factor, the user has none, and their grace period (if the role has one)
// has ended.
func (p TOTPPolicy) Overdue(a Actor, now time.Time) bool {
	if !a.NeedsTOTP() || a.TOTPEnabled {
		return false
	}
	grace := p.Grace
	if grace == nil {
		grace = DefaultTOTPGrace
	}
	g := grace[a.Role]
	switch {
	case g <= 0:
		return true
	case p.Endless, a.TOTPGraceFrom.IsZero():
		return false
	}
	return !now.Before(a.TOTPGraceFrom.Add(g))
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

// SignInFrom is where a sign-in comes from: the client's address and the
// device token its browser presented, if any.
type SignInFrom struct{ Addr, Device string }

// DeviceLifetime is how long a browser stays a known device of an account
// after a successful sign-in.
const DeviceLifetime = 90 * 24 * time.Hour

// UserService manages users and authenticates them. Methods that change a
// user need PermUserManage unless they act on the caller's own account; all
// are audited.
type UserService interface {
	// Authenticate checks an e-mail and password; client identifies the caller
	// (address) for throttling. A wrong password, an unknown address and a
	// disabled user all give the same EUNAUTHORIZED; too many failures give
	// ETOOMANY. When the user has TOTP, the returned Credential says so and the
	// sign-in is not complete until VerifyTOTP succeeds.
	Authenticate(ctx context.Context, email, password, client string) (Credential, error)
	// AuthenticateFrom is Authenticate for a client that may present a known
	// device (a token from DeviceToken after an earlier sign-in to the same
	// account): such a device is exempt from the per-address and per-account
	// limits, so that failures by others cannot lock its owner out; it has a
	// limit of its own.
	AuthenticateFrom(ctx context.Context, email, password string, from SignInFrom) (Credential, error)
	// DeviceToken returns a signed token naming this browser as a known
	// device of the account (no personal data in it).
	DeviceToken(email string) string
	// VerifyTOTP checks a one-time code (or an unused recovery code) for the
	// user; a code is accepted once.
	// EUNAUTHORIZED for a wrong or reused code, ETOOMANY after too many.
	VerifyTOTP(ctx context.Context, userID, code string) error
	// CompleteSignIn records a successful sign-in (audited).
	CompleteSignIn(ctx context.Context, a Actor) error
	// ActorByUserID resolves the scope of an enabled user; ENOTFOUND otherwise.
	ActorByUserID(ctx context.Context, id string) (Actor, error)
	// ActorByToken resolves an API token of an enabled user; EUNAUTHORIZED otherwise.
	ActorByToken(ctx context.Context, token string) (Actor, error)

	// CreateUser validates u and the password (8–128 characters), stores the
	// user with the password's argon2id hash and the audit row, filling its
	// id. Permission user:manage or the system actor (EFORBIDDEN); EINVALID
	// on bad input; ECONFLICT when the e-mail is taken.
	CreateUser(ctx context.Context, u *User, password string) error
	// ListUsers returns the users matching f, ordered by name. Permission
	// user:manage (EFORBIDDEN).
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)
	// FindUser returns a user: admins any, others only themselves; anything
	// else is ENOTFOUND.
	FindUser(ctx context.Context, id string) (User, error)
	// UpdateUser changes name, role and scope, with the audit row; a change of
	// role or scope ends the user's sessions in the same transaction.
	// Permission user:manage (EFORBIDDEN); ENOTFOUND for an unknown user;
	// EINVALID on bad input.
	UpdateUser(ctx context.Context, u *User) error
	// SetDisabled disables or re-enables a user, with the audit row; disabling
	// deletes the sessions in the same transaction and tokens stop working.
	// Permission user:manage (EFORBIDDEN); ENOTFOUND for an unknown user;
	// ECONFLICT for an admin disabling themselves.
	SetDisabled(ctx context.Context, id string, disabled bool) error
	// ResetPassword sets a user's password (an admin's reset), audited; the
	// user's sessions end. Permission user:manage or the system actor
	// (EFORBIDDEN); EINVALID for a password out of bounds; ENOTFOUND for an
	// unknown user.
	ResetPassword(ctx context.Context, id, password string) error
	// ChangePassword changes the caller's own password, proving the current
	// one (EINVALID if wrong or the new one is out of bounds), audited; the
	// caller's other sessions end, keepSessionToken's stays. EUNAUTHORIZED
	// without a signed-in user.
	ChangePassword(ctx context.Context, current, password, keepSessionToken string) error
	// CountUsers returns how many users exist (the first-run check). No
	// permission: it reveals a number only.
	CountUsers(ctx context.Context) (int, error)

	// BeginTOTP generates a new secret for the caller and returns it with its
	// otpauth:// URI; it is not active until ConfirmTOTP.
	BeginTOTP(ctx context.Context) (secret, uri string, err error)
	// ConfirmTOTP activates the secret begun by BeginTOTP once a code from it
	// verifies, audited. EUNAUTHORIZED without a signed-in user; ECONFLICT
	// when no activation was begun or it has expired; EINVALID for a wrong
	// code.
	ConfirmTOTP(ctx context.Context, code string) error
	// NewRecoveryCodes issues the caller ten single-use codes that stand in
	// for a one-time code at sign-in (a lost phone), replacing earlier ones;
	// only their hashes are kept.
	NewRecoveryCodes(ctx context.Context) ([]string, error)

	// ListSessions returns the caller's own sessions, marking the one with
	// currentToken. EUNAUTHORIZED without a signed-in user.
	ListSessions(ctx context.Context, currentToken string) ([]Session, error)
	// RevokeSession ends one of the caller's sessions by its public id,
	// audited; another user's session is ENOTFOUND. EUNAUTHORIZED without a
	// signed-in user.
	RevokeSession(ctx context.Context, id string) error

	// CreateToken makes an API token for the user; the token is returned once
	// and only its hash is stored, audited. The user themselves, an admin or
	// the system actor; anyone else gets ENOTFOUND; EINVALID without a label
	// (at most 64 characters).
	CreateToken(ctx context.Context, userID, label string) (string, Token, error)
	// RevokeTokens revokes the user's tokens with the label (all when empty);
	// it returns how many. Who may, as CreateToken.
	RevokeTokens(ctx context.Context, userID, label string) (int, error)
	// ListTokens returns the user's tokens (never the secrets). Who may, as
	// CreateToken.
	ListTokens(ctx context.Context, userID string) ([]Token, error)
}

// LooksLikeEmail reports whether s has the shape of an e-mail address (one
// @, a dot after it, no spaces): enough to tell an address from a password
// typed into the wrong field.
func LooksLikeEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at == strings.LastIndexByte(s, '@') && strings.Contains(s[at:], ".") && !strings.ContainsAny(s, " \t\r\n")
}
