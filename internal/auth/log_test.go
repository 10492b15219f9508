package auth_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestSignInFailuresAreLogged (docs/security.md R22): every refused sign-in is one
// JSON line with the account tried, the outcome and the request id; the
// password never appears, and CR/LF in the account cannot forge a line.
func TestSignInFailuresAreLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var buf bytes.Buffer
		s, u := newService(t, db)
		s.Log = slog.New(slog.NewJSONHandler(&buf, nil))
		ctx := domain.NewContextWithRequestID(storetest.Ctx(), "req-42")
		const secret = "Segreto-Che-Non-Va-Nei-Log"
		forged := "x@y.example\r\n{\"msg\":\"sign-in\",\"actor\":\"admin\"}"
		notEmail := "(not an e-mail address)" // a forged line, or a password typed into the e-mail field
		attempts := []struct{ email, password, outcome, logged string }{
			{"admin@gesta.example", secret, auth.OutcomeWrongPassword, "admin@gesta.example"},
			{"nessuno@gesta.example", secret, auth.OutcomeUnknownAccount, "nessuno@gesta.example"},
			{forged, secret, auth.OutcomeUnknownAccount, notEmail},
			{"Segreto-Nel-Campo-Sbagliato", secret, auth.OutcomeUnknownAccount, notEmail},
			{"admin@gesta.example", strings.Repeat(secret, 100), auth.OutcomePasswordTooLong, "admin@gesta.example"},
		}
		for _, a := range attempts {
			if _, err := s.Authenticate(ctx, a.email, a.password, "10.0.0.7"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
				t.Fatalf("%q: %v", a.email, err)
			}
		}
		if err := s.VerifyTOTP(ctx, u.ID, "000000"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("wrong TOTP: %v", err)
		}
		if strings.Contains(buf.String(), "Segreto") || strings.Contains(buf.String(), "000000") {
			t.Fatalf("a password or code reached the log:\n%s", buf.String())
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != len(attempts)+1 {
			t.Fatalf("%d log lines for %d refusals:\n%s", len(lines), len(attempts)+1, buf.String())
		}
		for i, line := range lines {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("line %d is not JSON: %q", i, line)
			}
			if rec["msg"] != "sign-in refused" || rec["request_id"] != "req-42" || rec["time"] == nil {
				t.Errorf("line %d: %v", i, rec)
			}
			if i < len(attempts) {
				if rec["account"] != attempts[i].logged || rec["outcome"] != attempts[i].outcome || rec["action"] != "auth.password.fail" {
					t.Errorf("line %d: %v, want account %q outcome %s", i, rec, attempts[i].logged, attempts[i].outcome)
				}
			} else if rec["account"] != "user:"+u.ID || rec["outcome"] != auth.OutcomeWrongTOTP {
				t.Errorf("TOTP line: %v", rec)
			}
		}
		// Throttled attempts are logged too, with their outcome.
		for range auth.ThrottlePerAccount {
			_, _ = s.Authenticate(ctx, "admin@gesta.example", "wrong", "10.0.0.8")
		}
		buf.Reset()
		if _, err := s.Authenticate(ctx, "admin@gesta.example", "una password lunga", "10.0.0.8"); domain.ErrorCode(err) != domain.ETOOMANY {
			t.Fatalf("throttle: %v", err)
		}
		if !strings.Contains(buf.String(), `"outcome":"`+auth.OutcomeThrottledAccount+`"`) || strings.Contains(buf.String(), "una password lunga") {
			t.Fatalf("throttled sign-in log: %s", buf.String())
		}
	})
}
