package auth_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestKnownDeviceIsNotLockedOut: 50 failures from one address and the
// account's own limit reached stop every sign-in except the owner's, from a device that signed
// in before; a token for another account, a forged one, or a device that has
// failed too often itself, do not exempt.
func TestKnownDeviceIsNotLockedOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		s, _ := newService(t, db)
		const addr = "10.0.0.5"
		for i := range 50 { // the address's limit, on accounts that do not exist
			_, _ = s.Authenticate(ctx, fmt.Sprintf("n%d@gesta.example", i), "sbagliata!", addr)
		}
		for range auth.ThrottlePerAccount { // and the account's, from elsewhere
			_, _ = s.Authenticate(ctx, "admin@gesta.example", "sbagliata!", "10.9.9.9")
		}
		right := func(dev string) error {
			_, err := s.AuthenticateFrom(ctx, "admin@gesta.example", "una password lunga", domain.SignInFrom{Addr: addr, Device: dev})
			return err
		}
		if err := right(""); domain.ErrorCode(err) != domain.ETOOMANY {
			t.Fatalf("no device: %v, want ETOOMANY", err)
		}
		dev := s.DeviceToken("ADMIN@gesta.example ")
		if err := right(s.DeviceToken("altro@gesta.example")); domain.ErrorCode(err) != domain.ETOOMANY {
			t.Fatalf("another account's device: %v, want ETOOMANY", err)
		}
		if err := right(dev[:len(dev)-2] + "AA"); domain.ErrorCode(err) != domain.ETOOMANY {
			t.Fatalf("forged device token: %v, want ETOOMANY", err)
		}
		other := &auth.Service{Store: db.Users, Params: fast} // another key: its tokens mean nothing here
		if err := right(other.DeviceToken("admin@gesta.example")); domain.ErrorCode(err) != domain.ETOOMANY {
			t.Fatalf("token signed with another key: %v, want ETOOMANY", err)
		}
		if err := right(dev); err != nil {
			t.Fatalf("owner's known device: %v", err)
		}
		// The device has a limit of its own.
		for range auth.ThrottlePerAccount {
			_, err := s.AuthenticateFrom(ctx, "admin@gesta.example", "sbagliata!", domain.SignInFrom{Addr: addr, Device: dev})
			if domain.ErrorCode(err) != domain.EUNAUTHORIZED {
				t.Fatalf("wrong password from the device: %v", err)
			}
		}
		if err := right(dev); domain.ErrorCode(err) != domain.ETOOMANY {
			t.Fatalf("device after its own failures: %v, want ETOOMANY", err)
		}
	})
}

// TestCommonPasswordsRefused: the embedded list refuses password123 (ignoring
// case) and other common ones, and new passwords have at least 12 characters.
func TestCommonPasswordsRefused(t *testing.T) {
	for _, pw := range []string{"password123", "PASSWORD123", "123456", "qwertyuiop", "1q2w3e4r5t6y"} {
		if err := auth.CheckPassword(pw); domain.ErrorCode(err) != domain.EINVALID || !strings.Contains(err.Error(), "err.password.common") {
			t.Errorf("CheckPassword(%q) = %v, want err.password.common", pw, err)
		}
	}
	if err := auth.CheckPassword("Zq8-vorrei-x"); err != nil {
		t.Errorf("a 12-character uncommon password: %v", err)
	}
	if err := auth.CheckPassword("Zq8-vorreix"); err == nil || !strings.Contains(err.Error(), "err.password.length") {
		t.Errorf("11 characters: %v, want err.password.length", err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, u := newService(t, db)
		ctx := domain.NewContextWithActor(storetest.Ctx(), domain.Actor{UserID: u.ID, Role: domain.RoleAdmin})
		if err := s.ResetPassword(ctx, u.ID, "password123"); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("reset to password123: %v", err)
		}
	})
}

// TestAddressIsSlowedNotLocked: past 50 failures in the window, an address
// (a proxy, an office's NAT) gets one attempt per ThrottleSlowdown instead of
// none for 15 minutes; the injected clock moves time.
func TestAddressIsSlowedNotLocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		s, _ := newService(t, db)
		const addr = "10.0.0.6"
		for i := range auth.ThrottlePerClient {
			_, _ = s.Authenticate(ctx, fmt.Sprintf("n%d@gesta.example", i), "sbagliata!", addr)
		}
		if _, err := s.Authenticate(ctx, "admin@gesta.example", "una password lunga", addr); domain.ErrorCode(err) != domain.ETOOMANY {
			t.Fatalf("at once: %v, want ETOOMANY", err)
		}
		now = now.Add(auth.ThrottleSlowdown + time.Second)
		if _, err := s.Authenticate(ctx, "nobody@gesta.example", "sbagliata!", addr); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("a slowed attempt is checked: %v, want EUNAUTHORIZED", err)
		}
		if _, err := s.Authenticate(ctx, "admin@gesta.example", "una password lunga", addr); domain.ErrorCode(err) != domain.ETOOMANY {
			t.Fatalf("right after it: %v, want ETOOMANY", err)
		}
		now = now.Add(auth.ThrottleSlowdown + time.Second)
		if _, err := s.Authenticate(ctx, "admin@gesta.example", "una password lunga", addr); err != nil {
			t.Fatalf("after the pause, well within the 15-minute window: %v", err)
		}
	})
}
