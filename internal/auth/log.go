package auth

import (
	"context"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/gesta-er/gesta/internal/domain"
)

// Sign-in outcomes in the security log (docs/security.md R22).
const (
	OutcomeWrongPassword    = "wrong_password"
	OutcomeUnknownAccount   = "unknown_or_disabled_account"
	OutcomePasswordTooLong  = "password_too_long"
	OutcomeThrottledAccount = "throttled_account"
	OutcomeThrottledClient  = "throttled_client"
	OutcomeWrongTOTP        = "wrong_totp"
	OutcomeThrottledTOTP    = "throttled_totp"
)

// maxLoggedAccount bounds what an attacker can put in one log line.
const maxLoggedAccount = 254

// logFailure writes one structured line for a refused sign-in: the account
// tried (the e-mail typed, or the user id at the TOTP step), the outcome and
// the request id — never the password or the code. The handler escapes CR/LF,
// so a forged account cannot start a line of its own.
func (s *Service) logFailure(ctx context.Context, step, account, outcome string) {
	if s.Log == nil {
		return
	}
	// What was typed into the e-mail field is logged only when it is an
	// e-mail address: a password typed there by mistake must not reach the log.
	if !domain.LooksLikeEmail(account) && !strings.HasPrefix(account, "user:") {
		account = "(not an e-mail address)"
	}
	if len(account) > maxLoggedAccount {
		account = account[:maxLoggedAccount]
		for !utf8.ValidString(account) {
			account = account[:len(account)-1]
		}
	}
	s.Log.LogAttrs(ctx, slog.LevelWarn, "sign-in refused",
		slog.String("action", "auth."+step+".fail"),
		slog.String("account", account),
		slog.String("outcome", outcome),
		slog.String("request_id", domain.RequestIDFromContext(ctx)))
}

// logSuccess writes the line for a completed sign-in (the audit log has its row too).
func (s *Service) logSuccess(ctx context.Context, a domain.Actor, how string) {
	if s.Log == nil {
		return
	}
	s.Log.LogAttrs(ctx, slog.LevelInfo, "sign-in",
		slog.String("action", "auth.signin"),
		slog.String("actor", a.Label()),
		slog.String("how", how),
		slog.String("request_id", domain.RequestIDFromContext(ctx)))
}
