package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
)

// Throttling of failed sign-ins (docs/access.md): per account and per client
// address, counted over a sliding window. Past the limit, sign-in answers
// ETOOMANY without looking at the password.
// Past ThrottlePerClient, an address is slowed down rather than locked out
// (everyone behind one proxy or NAT shares it): one attempt per
// ThrottleSlowdown.
var (
	ThrottleWindow     = 15 * time.Minute
	ThrottlePerAccount = 10
	ThrottlePerClient  = 50
	ThrottleSlowdown   = 10 * time.Second
)

// TOTPIssuer names the service in authenticator apps.
const TOTPIssuer = "Gest.A"

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Store is what the service needs from the database adapter (*store.UserService).
type Store interface {
	Clock() time.Time
	Credentials(ctx context.Context, email string) (domain.Credential, error)
	ActorByUserID(ctx context.Context, id string) (domain.Actor, error)
	ActorByTokenHash(ctx context.Context, hash string) (domain.Actor, error)
	CountLoginFailures(ctx context.Context, key string, since time.Time) (int, error)
	RecordLoginFailure(ctx context.Context, keys ...string) error
	ClearLoginFailures(ctx context.Context, key string) error
	RecordSignIn(ctx context.Context, userID, how string) error
	CreateUser(ctx context.Context, u *domain.User, passwordHash string) error
	ListUsers(ctx context.Context, f domain.UserFilter) ([]domain.User, error)
	FindUser(ctx context.Context, id string) (domain.User, error)
	UpdateUser(ctx context.Context, u *domain.User) error
	SetDisabled(ctx context.Context, id string, disabled bool) error
	PasswordHash(ctx context.Context, id string) (string, error)
	SetPasswordHash(ctx context.Context, id, hash, action, keepToken string) error
	CountUsers(ctx context.Context) (int, error)
	SetTOTPPending(ctx context.Context, userID, secret string) error
	TOTPSecrets(ctx context.Context, userID string) (active, pending string, enabled bool, err error)
	UseTOTPStep(ctx context.Context, userID string, step int64) error
	ActivateTOTP(ctx context.Context, userID, pending string, step int64) error
	ListSessions(ctx context.Context, currentToken string) ([]domain.Session, error)
	RevokeSession(ctx context.Context, id string) error
	CreateToken(ctx context.Context, userID, label, hash string) (domain.Token, error)
	RevokeTokens(ctx context.Context, userID, label string) (int, error)
	ListTokens(ctx context.Context, userID string) ([]domain.Token, error)
}

// Service implements domain.UserService on the store.
type Service struct {
	Store  Store
	Params Params
	// Keys, when set, seal TOTP secrets at rest; without it they are stored
	// as they are (development). Values sealed earlier stay readable.
	Keys *crypt.Keyring
	// Log, when set, receives one line per sign-in and refused sign-in
	// (docs/security.md R22).
	Log *slog.Logger

	// Recovery keeps the recovery codes (nil: none are issued).
	Recovery RecoveryStore
	// DeviceKey signs device tokens (DeviceKeyFrom); random when empty.
	DeviceKey []byte

	dummyOnce  sync.Once
	dummy      string
	deviceOnce sync.Once
}

var _ domain.UserService = (*Service)(nil)

var errSignIn = domain.Err(domain.EUNAUTHORIZED, "err.auth.signin")

func keyOf(kind, s string) string {
	h := sha256.Sum256([]byte(kind + ":" + strings.ToLower(strings.TrimSpace(s))))
	return kind + ":" + hex.EncodeToString(h[:12]) // no e-mail or address in the table
}

// Authenticate implements domain.UserService. An unknown address costs the
// same hashing time as a wrong password, so timing does not tell them apart.
func (s *Service) Authenticate(ctx context.Context, email, password, client string) (domain.Credential, error) {
	return s.AuthenticateFrom(ctx, email, password, domain.SignInFrom{Addr: client})
}

// AuthenticateFrom implements domain.UserService. A known device of the
// account (a valid DeviceToken, fewer than ThrottlePerAccount failures of its
// own) skips the per-account and per-address counts: those stop guessing from
// elsewhere, and cannot lock out the owner (OWASP "device cookies").
func (s *Service) AuthenticateFrom(ctx context.Context, email, password string, from domain.SignInFrom) (domain.Credential, error) {
	client := from.Addr
	acct, addr := keyOf("acct", email), keyOf("addr", client)
	since := s.Store.Clock().Add(-ThrottleWindow)
	dev := ""
	if id, ok := s.checkDevice(from.Device, email); ok {
		n, err := s.Store.CountLoginFailures(ctx, keyOf("dev", id), since)
		if err != nil {
			return domain.Credential{}, err
		}
		if n < ThrottlePerAccount {
			dev = keyOf("dev", id)
		}
	}
	if dev == "" {
		if n, err := s.Store.CountLoginFailures(ctx, acct, since); err != nil {
			return domain.Credential{}, err
		} else if n >= ThrottlePerAccount {
			s.logFailure(ctx, "password", email, OutcomeThrottledAccount)
			return domain.Credential{}, domain.Err(domain.ETOOMANY, "err.auth.too_many")
		}
		if client != "" {
			if n, err := s.Store.CountLoginFailures(ctx, addr, since); err != nil {
				return domain.Credential{}, err
			} else if n >= ThrottlePerClient {
				recent, err := s.Store.CountLoginFailures(ctx, addr, s.Store.Clock().Add(-ThrottleSlowdown))
				if err != nil {
					return domain.Credential{}, err
				}
				if recent > 0 {
					s.logFailure(ctx, "password", email, OutcomeThrottledClient)
					return domain.Credential{}, domain.Err(domain.ETOOMANY, "err.auth.too_many")
				}
			}
		}
	}
	fail := func(outcome string) (domain.Credential, error) {
		s.logFailure(ctx, "password", email, outcome)
		keys := []string{acct}
		if client != "" {
			keys = append(keys, addr)
		}
		if dev != "" {
			keys = []string{dev} // the known device's own count
		}
		if err := s.Store.RecordLoginFailure(ctx, keys...); err != nil {
			return domain.Credential{}, err
		}
		return domain.Credential{}, errSignIn
	}
	if len(password) > 4*MaxPasswordLen {
		return fail(OutcomePasswordTooLong)
	}
	c, err := s.Store.Credentials(ctx, email)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		s.dummyOnce.Do(func() { s.dummy, _ = HashPassword("not-a-password", s.Params) })
		_, _ = VerifyPassword(password, s.dummy)
		return fail(OutcomeUnknownAccount)
	}
	if err != nil {
		return domain.Credential{}, err
	}
	ok, err := VerifyPassword(password, c.PasswordHash)
	if err != nil {
		return domain.Credential{}, err
	}
	if !ok {
		return fail(OutcomeWrongPassword)
	}
	if err := s.Store.ClearLoginFailures(ctx, acct); err != nil {
		return domain.Credential{}, err
	}
	if dev != "" {
		if err := s.Store.ClearLoginFailures(ctx, dev); err != nil {
			return domain.Credential{}, err
		}
	}
	c.PasswordHash = ""
	return c, nil
}

// matchStep returns the time step whose code matches, allowing one step of
// clock skew either way; 0 if none does.
func matchStep(secret, code string, now time.Time) int64 {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0
	}
	for _, skew := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(skew) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / 30
		}
	}
	return 0
}

// VerifyTOTP implements domain.UserService. Wrong codes count as sign-in
// failures for throttling.
func (s *Service) VerifyTOTP(ctx context.Context, userID, code string) error {
	acct := keyOf("totp", userID)
	if n, err := s.Store.CountLoginFailures(ctx, acct, s.Store.Clock().Add(-ThrottleWindow)); err != nil {
		return err
	} else if n >= ThrottlePerAccount {
		s.logFailure(ctx, "totp", "user:"+userID, OutcomeThrottledTOTP)
		return domain.Err(domain.ETOOMANY, "err.auth.too_many")
	}
	if c := normalizeCode(code); isRecoveryCode(c) && s.Recovery != nil {
		err := s.Recovery.UseRecoveryCode(ctx, userID, HashToken("recovery:"+c))
		if domain.ErrorCode(err) == domain.EUNAUTHORIZED {
			s.logFailure(ctx, "recovery_code", "user:"+userID, OutcomeWrongTOTP)
			if err := s.Store.RecordLoginFailure(ctx, acct); err != nil {
				return err
			}
		}
		return err
	}
	secret, _, enabled, err := s.Store.TOTPSecrets(ctx, userID)
	if err != nil {
		return err
	}
	if secret, err = s.unseal(secret, userID); err != nil {
		return err
	}
	step := int64(0)
	if enabled && secret != "" {
		step = matchStep(secret, code, s.Store.Clock())
	}
	if step == 0 {
		s.logFailure(ctx, "totp", "user:"+userID, OutcomeWrongTOTP)
		if err := s.Store.RecordLoginFailure(ctx, acct); err != nil {
			return err
		}
		return domain.Err(domain.EUNAUTHORIZED, "err.auth.code_invalid")
	}
	return s.Store.UseTOTPStep(ctx, userID, step)
}

// CompleteSignIn implements domain.UserService.
func (s *Service) CompleteSignIn(ctx context.Context, a domain.Actor) error {
	how := "password"
	if a.TOTPEnabled {
		how = "password e codice TOTP"
	}
	if err := s.Store.RecordSignIn(domain.NewContextWithActor(ctx, a), a.UserID, how); err != nil {
		return err
	}
	s.logSuccess(ctx, a, how)
	return nil
}

// ActorByUserID implements domain.UserService.
func (s *Service) ActorByUserID(ctx context.Context, id string) (domain.Actor, error) {
	return s.Store.ActorByUserID(ctx, id)
}

// TokenPrefix marks gesta's API tokens, so that secret scanners recognise them.
const TokenPrefix = "gesta_"

// HashToken is how tokens are stored: SHA-256 suffices for 256-bit random
// tokens (no dictionary to attack), and keeps each request's lookup cheap.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// ActorByToken implements domain.UserService.
func (s *Service) ActorByToken(ctx context.Context, token string) (domain.Actor, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 128 {
		return domain.Actor{}, domain.Err(domain.EUNAUTHORIZED, "err.auth.token_invalid")
	}
	return s.Store.ActorByTokenHash(ctx, HashToken(token))
}

// CreateUser implements domain.UserService.
func (s *Service) CreateUser(ctx context.Context, u *domain.User, password string) error {
	u.Email = domain.NormalizeEmail(u.Email)
	if err := u.Validate(); err != nil {
		return err
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password, s.Params)
	if err != nil {
		return err
	}
	return s.Store.CreateUser(ctx, u, hash)
}

func (s *Service) ListUsers(ctx context.Context, f domain.UserFilter) ([]domain.User, error) {
	return s.Store.ListUsers(ctx, f)
}

func (s *Service) FindUser(ctx context.Context, id string) (domain.User, error) {
	return s.Store.FindUser(ctx, id)
}

func (s *Service) UpdateUser(ctx context.Context, u *domain.User) error {
	return s.Store.UpdateUser(ctx, u)
}

func (s *Service) SetDisabled(ctx context.Context, id string, disabled bool) error {
	return s.Store.SetDisabled(ctx, id, disabled)
}

// ResetPassword implements domain.UserService: an admin sets a new password;
// the user's sessions end.
func (s *Service) ResetPassword(ctx context.Context, id, password string) error {
	a, _ := domain.ActorFromContext(ctx)
	if a.System == "" && !domain.Can(a, domain.PermUserManage) {
		return domain.Err(domain.EFORBIDDEN, "err.perm.admin")
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password, s.Params)
	if err != nil {
		return err
	}
	return s.Store.SetPasswordHash(ctx, id, hash, "user.password_reset", "")
}

// ChangePassword implements domain.UserService: the caller changes their own
// password, proving the current one; their other sessions end.
func (s *Service) ChangePassword(ctx context.Context, current, password, keepSessionToken string) error {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || a.UserID == "" {
		return domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	hash, err := s.Store.PasswordHash(ctx, a.UserID)
	if err != nil {
		return err
	}
	if ok, err := VerifyPassword(current, hash); err != nil || !ok {
		return domain.Err(domain.EINVALID, "err.password.current").WithFields(
			map[string]domain.FieldError{"current": domain.Field("err.password.current")})
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	newHash, err := HashPassword(password, s.Params)
	if err != nil {
		return err
	}
	return s.Store.SetPasswordHash(ctx, a.UserID, newHash, "user.password_change", keepSessionToken)
}

func (s *Service) CountUsers(ctx context.Context) (int, error) { return s.Store.CountUsers(ctx) }

// BeginTOTP implements domain.UserService.
func (s *Service) BeginTOTP(ctx context.Context) (string, string, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || a.UserID == "" {
		return "", "", domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: a.Email, Period: 30,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", err
	}
	stored, err := s.seal(key.Secret(), a.UserID)
	if err != nil {
		return "", "", err
	}
	if err := s.Store.SetTOTPPending(ctx, a.UserID, stored); err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// ConfirmTOTP implements domain.UserService: the first valid code turns TOTP on.
func (s *Service) ConfirmTOTP(ctx context.Context, code string) error {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || a.UserID == "" {
		return domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	_, pending, _, err := s.Store.TOTPSecrets(ctx, a.UserID)
	if err != nil {
		return err
	}
	if pending == "" {
		return domain.Err(domain.ECONFLICT, "err.totp.not_begun")
	}
	plain, err := s.unseal(pending, a.UserID)
	if err != nil {
		return err
	}
	step := matchStep(plain, code, s.Store.Clock())
	if step == 0 {
		return domain.Err(domain.EINVALID, "err.auth.code_invalid").WithFields(map[string]domain.FieldError{"code": domain.Field("err.auth.code_invalid")})
	}
	return s.Store.ActivateTOTP(ctx, a.UserID, pending, step)
}

// seal protects a TOTP secret at rest when a key is configured.
func (s *Service) seal(secret, userID string) (string, error) {
	if s.Keys == nil {
		return secret, nil
	}
	return s.Keys.Seal(secret, "user:"+userID+":totp")
}

// unseal reads a TOTP secret, sealed or (stored without a key) plain.
func (s *Service) unseal(stored, userID string) (string, error) {
	if crypt.KeyID(stored) == "" {
		return stored, nil
	}
	if s.Keys == nil {
		return "", fmt.Errorf("auth: TOTP secret is encrypted but no key is configured")
	}
	return s.Keys.Open(stored, "user:"+userID+":totp")
}

func (s *Service) ListSessions(ctx context.Context, currentToken string) ([]domain.Session, error) {
	return s.Store.ListSessions(ctx, currentToken)
}

func (s *Service) RevokeSession(ctx context.Context, id string) error {
	return s.Store.RevokeSession(ctx, id)
}

// mayManageTokens: the user themselves, an admin, or the CLI.
func mayManageTokens(ctx context.Context, userID string) error {
	a, _ := domain.ActorFromContext(ctx)
	if a.System != "" || a.UserID == userID || domain.Can(a, domain.PermUserManage) {
		return nil
	}
	return domain.Err(domain.ENOTFOUND, "err.user.not_found")
}

// CreateToken implements domain.UserService.
func (s *Service) CreateToken(ctx context.Context, userID, label string) (string, domain.Token, error) {
	if err := mayManageTokens(ctx, userID); err != nil {
		return "", domain.Token{}, err
	}
	label = strings.TrimSpace(label)
	if label == "" || len(label) > 64 {
		return "", domain.Token{}, domain.Err(domain.EINVALID, "err.token.label")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", domain.Token{}, err
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	t, err := s.Store.CreateToken(ctx, userID, label, HashToken(token))
	return token, t, err
}

// RevokeTokens implements domain.UserService.
func (s *Service) RevokeTokens(ctx context.Context, userID, label string) (int, error) {
	if err := mayManageTokens(ctx, userID); err != nil {
		return 0, err
	}
	return s.Store.RevokeTokens(ctx, userID, label)
}

// ListTokens implements domain.UserService.
func (s *Service) ListTokens(ctx context.Context, userID string) ([]domain.Token, error) {
	if err := mayManageTokens(ctx, userID); err != nil {
		return nil, err
	}
	return s.Store.ListTokens(ctx, userID)
}
