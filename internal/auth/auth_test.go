package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func TestHashAndVerify(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery", auth.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id", h)
	}
	if ok, err := auth.VerifyPassword("correct horse battery", h); !ok || err != nil {
		t.Fatalf("verify right password = %v, %v", ok, err)
	}
	if ok, _ := auth.VerifyPassword("correct horse batterY", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := auth.HashPassword("correct horse battery", auth.DefaultParams)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if _, err := auth.VerifyPassword("x", "$argon2id$v=19$broken"); err == nil {
		t.Fatal("malformed hash: want an error")
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{"short": false, "12345678": false, "abcdefghijk": false, "ventitre ore e mezzo": true, strings.Repeat("é", 128): true, strings.Repeat("a", 129): false} {
		if err := auth.CheckPassword(pw); (err == nil) != ok {
			t.Errorf("CheckPassword(%d chars) = %v, want ok=%v", len(pw), err, ok)
		}
	}
}

var fast = auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32}

func newService(t *testing.T, db *store.DB) (*auth.Service, *domain.User) {
	t.Helper()
	s := &auth.Service{Store: db.Users, Params: fast}
	u := &domain.User{Email: "admin@gesta.example", Name: "Admin", Role: domain.RoleAdmin}
	if err := s.CreateUser(storetest.Ctx(), u, "short"); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("short password: err = %v", err)
	}
	if err := s.CreateUser(storetest.Ctx(), u, "una password lunga"); err != nil {
		t.Fatal(err)
	}
	return s, u
}

func TestAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		s, u := newService(t, db)
		c, err := s.Authenticate(ctx, " ADMIN@gesta.example ", "una password lunga", "10.0.0.1")
		if err != nil || c.Actor.UserID != u.ID || c.Actor.Role != domain.RoleAdmin || c.PasswordHash != "" {
			t.Fatalf("authenticate = %+v, %v", c, err)
		}
		_, errWrong := s.Authenticate(ctx, "admin@gesta.example", "sbagliata!", "10.0.0.1")
		_, errUnknown := s.Authenticate(ctx, "nobody@gesta.example", "una password lunga", "10.0.0.1")
		if domain.ErrorCode(errWrong) != domain.EUNAUTHORIZED || errWrong.Error() != errUnknown.Error() {
			t.Fatalf("wrong password %v and unknown user %v must fail alike", errWrong, errUnknown)
		}
		if err := s.SetDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "admin@gesta.example", "una password lunga", ""); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("disabled user signs in: %v", err)
		}
	})
}

func TestThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		s, _ := newService(t, db)
		for i := range auth.ThrottlePerAccount {
			if _, err := s.Authenticate(ctx, "admin@gesta.example", "wrong", "10.0.0.2"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		// Past the limit even the right password is refused, without a check.
		if _, err := s.Authenticate(ctx, "admin@gesta.example", "una password lunga", "10.0.0.3"); domain.ErrorCode(err) != domain.ETOOMANY {
			t.Fatalf("after %d failures: %v, want throttled", auth.ThrottlePerAccount, err)
		}
		// Another account from another address is not affected.
		if _, err := s.Authenticate(ctx, "nobody@gesta.example", "x", "10.0.0.9"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("other account: %v", err)
		}
		// The window passes.
		now = now.Add(auth.ThrottleWindow + time.Second)
		if _, err := s.Authenticate(ctx, "admin@gesta.example", "una password lunga", "10.0.0.3"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

func TestTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		s, u := newService(t, db)
		a, _ := db.Users.ActorByUserID(storetest.Ctx(), u.ID)
		ctx := storetest.CtxAs(a)
		secret, uri, err := s.BeginTOTP(ctx)
		if err != nil || !strings.HasPrefix(uri, "otpauth://totp/Gest.A:admin@gesta.example?") {
			t.Fatalf("begin = %q, %v", uri, err)
		}
		if err := s.ConfirmTOTP(ctx, "000000"); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("wrong confirmation code: %v", err)
		}
		code, _ := totp.GenerateCode(secret, now)
		if err := s.ConfirmTOTP(ctx, code); err != nil {
			t.Fatal(err)
		}
		c, _ := s.Authenticate(ctx, "admin@gesta.example", "una password lunga", "")
		if !c.TOTPEnabled {
			t.Fatal("credential does not ask for the code")
		}
		// The code used for confirmation cannot sign in (replay).
		if err := s.VerifyTOTP(ctx, u.ID, code); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("replayed code: %v", err)
		}
		now = now.Add(30 * time.Second)
		next, _ := totp.GenerateCode(secret, now)
		if err := s.VerifyTOTP(ctx, u.ID, next); err != nil {
			t.Fatalf("fresh code: %v", err)
		}
		if err := s.VerifyTOTP(ctx, u.ID, next); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("same code twice: %v", err)
		}
		// One step of clock skew is tolerated, more is not.
		now = now.Add(30 * time.Second)
		early, _ := totp.GenerateCode(secret, now.Add(30*time.Second))
		if err := s.VerifyTOTP(ctx, u.ID, early); err != nil {
			t.Fatalf("code one step ahead: %v", err)
		}
		far, _ := totp.GenerateCode(secret, now.Add(5*time.Minute))
		if err := s.VerifyTOTP(ctx, u.ID, far); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("code 5 minutes ahead: %v", err)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, u := newService(t, db)
		ctx := storetest.Ctx()
		token, rec, err := s.CreateToken(ctx, u.ID, "ci")
		if err != nil || !strings.HasPrefix(token, auth.TokenPrefix) || len(token) < 40 || rec.Label != "ci" {
			t.Fatalf("create = %q %+v %v", token, rec, err)
		}
		a, err := s.ActorByToken(ctx, token)
		if err != nil || a.UserID != u.ID {
			t.Fatalf("token actor = %+v %v", a, err)
		}
		if _, err := s.ActorByToken(ctx, token+"x"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("altered token: %v", err)
		}
		// Another user may not mint tokens for this one.
		other := storetest.CtxAs(domain.Actor{UserID: "intruder", Role: domain.RolePrefecture})
		if _, _, err := s.CreateToken(other, u.ID, "x"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("token for someone else: %v", err)
		}
		if n, err := s.RevokeTokens(ctx, u.ID, ""); n != 1 || err != nil {
			t.Fatalf("revoke = %d %v", n, err)
		}
		if _, err := s.ActorByToken(ctx, token); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("revoked token: %v", err)
		}
	})
}

func TestTOTPSecretSealedAtRest(t *testing.T) {
	dsn, _ := storetest.DSN(t, "sqlite")
	db := storetest.Open(t, dsn)
	spec, _ := crypt.NewKey("t1")
	keys, _ := crypt.Parse(spec)
	s := &auth.Service{Store: db.Users, Params: fast, Keys: keys}
	u := &domain.User{Email: "sealed@gesta.example", Name: "S", Role: domain.RoleAdmin}
	if err := s.CreateUser(storetest.Ctx(), u, "una password lunga"); err != nil {
		t.Fatal(err)
	}
	a, _ := db.Users.ActorByUserID(storetest.Ctx(), u.ID)
	ctx := storetest.CtxAs(a)
	secret, _, err := s.BeginTOTP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, pending, _, _ := db.Users.TOTPSecrets(ctx, u.ID)
	if strings.Contains(pending, secret) || crypt.KeyID(pending) != "t1" {
		t.Fatalf("pending secret stored as %q", pending)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	if err := s.ConfirmTOTP(ctx, code); err != nil {
		t.Fatal(err)
	}
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if err := s.VerifyTOTP(ctx, u.ID, next); err != nil {
		t.Fatalf("sign-in code with a sealed secret: %v", err)
	}
}
