package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// DeviceKeyFrom derives the key signing device tokens from a configured
// secret; a service without one signs with a random key made at start
// (tokens then last until the process restarts).
func DeviceKeyFrom(secret string) []byte {
	if secret == "" {
		return nil
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("gesta device token v1"))
	return m.Sum(nil)
}

func (s *Service) deviceKey() []byte {
	s.deviceOnce.Do(func() {
		if len(s.DeviceKey) == 0 {
			s.DeviceKey = make([]byte, 32)
			_, _ = rand.Read(s.DeviceKey)
		}
	})
	return s.DeviceKey
}

func (s *Service) deviceMAC(id, exp, email string) string {
	m := hmac.New(sha256.New, s.deviceKey())
	m.Write([]byte(id + "|" + exp + "|" + domain.NormalizeEmail(email)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// DeviceToken implements domain.UserService: "id.expiry.mac", where the MAC
// binds the random id and expiry to the account's e-mail address, which the
// token does not carry.
func (s *Service) DeviceToken(email string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	exp := strconv.FormatInt(s.Store.Clock().Add(domain.DeviceLifetime).Unix(), 10)
	return id + "." + exp + "." + s.deviceMAC(id, exp, email)
}

// checkDevice returns the device's id when tok is a valid, unexpired token
// for the account.
func (s *Service) checkDevice(tok, email string) (string, bool) {
	parts := strings.Split(tok, ".")
	if tok == "" || len(tok) > 128 || len(parts) != 3 {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || s.Store.Clock().Unix() > exp {
		return "", false
	}
	if !hmac.Equal([]byte(parts[2]), []byte(s.deviceMAC(parts[0], parts[1], email))) {
		return "", false
	}
	return parts[0], true
}
