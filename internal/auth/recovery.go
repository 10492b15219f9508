package auth

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// RecoveryStore keeps recovery codes as hashes (store.RecoveryCodeService).
type RecoveryStore interface {
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string) error
	UseRecoveryCode(ctx context.Context, userID, hash string) error
}

// RecoveryCodeCount codes are issued at a time; each has 16 digits (53
// bits), grouped by four, so that a phone's numeric keypad types it.
const RecoveryCodeCount = 10

// normalizeCode keeps the digits of a typed code.
func normalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(code))
}

func isRecoveryCode(code string) bool {
	if len(code) != 16 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// NewRecoveryCodes implements domain.UserService: ten fresh codes for the
// caller, who has a second factor, replacing any earlier ones; shown once.
func (s *Service) NewRecoveryCodes(ctx context.Context) ([]string, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || a.UserID == "" {
		return nil, domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	if s.Recovery == nil {
		return nil, nil
	}
	codes := make([]string, RecoveryCodeCount)
	hashes := make([]string, RecoveryCodeCount)
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(16), nil)
	for i := range codes {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return nil, err
		}
		d := fmt.Sprintf("%016d", n)
		codes[i] = d[:4] + "-" + d[4:8] + "-" + d[8:12] + "-" + d[12:]
		hashes[i] = HashToken("recovery:" + d)
	}
	if err := s.Recovery.ReplaceRecoveryCodes(ctx, a.UserID, hashes); err != nil {
		return nil, err
	}
	return codes, nil
}
