package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/auth"
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
	for pw, ok := range map[string]bool{"short": false, "12345678": true, strings.Repeat("é", 128): true, strings.Repeat("a", 129): false} {
		if err := auth.CheckPassword(pw); (err == nil) != ok {
			t.Errorf("CheckPassword(%d chars) = %v, want ok=%v", len(pw), err, ok)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &auth.Service{Store: db, Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32}}
		u := &domain.User{Email: "admin@gesta.example", Name: "Admin", Role: domain.RoleAdmin}
		if err := s.CreateUser(ctx, u, "short"); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("short password: err = %v", err)
		}
		if err := s.CreateUser(ctx, u, "una password lunga"); err != nil {
			t.Fatal(err)
		}
		a, err := s.Authenticate(ctx, " ADMIN@gesta.example ", "una password lunga")
		if err != nil || a.UserID != u.ID || a.Role != domain.RoleAdmin {
			t.Fatalf("authenticate = %+v, %v", a, err)
		}
		_, errWrong := s.Authenticate(ctx, "admin@gesta.example", "sbagliata!")
		_, errUnknown := s.Authenticate(ctx, "nobody@gesta.example", "una password lunga")
		if domain.ErrorCode(errWrong) != domain.EUNAUTHORIZED || errWrong.Error() != errUnknown.Error() {
			t.Fatalf("wrong password %v and unknown user %v must fail alike", errWrong, errUnknown)
		}
	})
}
