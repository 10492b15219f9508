// Package auth handles credentials: argon2id password hashes and, with the
// store, signing users in.
package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/gesta-er/gesta/internal/domain"
)

// Params are argon2id's cost parameters. The defaults are OWASP's minimum
// recommendation (19 MiB, 2 passes, 1 lane): about 20 ms on this machine.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
}

var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32}

// Password length limits for new passwords: at least 12 (ASVS asks
// 8 and recommends 15), at most 128 characters. Existing shorter passwords
// still sign in: the limit applies when one is set.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

// The 100,000 most common passwords (commonpw/README.md: source and licence).
//
//go:embed commonpw/top100000.txt.gz
var commonGz []byte

var (
	commonOnce sync.Once
	common     map[string]struct{}
)

// IsCommonPassword reports whether pw (ignoring case) is on the embedded list
// of the most common passwords. The list is loaded on first use (about 5 MB).
func IsCommonPassword(pw string) bool {
	commonOnce.Do(func() {
		common = make(map[string]struct{}, 100000)
		zr, err := gzip.NewReader(bytes.NewReader(commonGz))
		if err != nil {
			panic("auth: embedded password list: " + err.Error())
		}
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			if w := strings.TrimSpace(sc.Text()); w != "" {
				common[strings.ToLower(w)] = struct{}{}
			}
		}
		if sc.Err() != nil || len(common) < 90000 {
			panic("auth: embedded password list is damaged")
		}
	})
	_, ok := common[strings.ToLower(pw)]
	return ok
}

// CheckPassword reports why a new password is not acceptable: a common one is
// refused first (whatever its length, so that the reason is the true one).
func CheckPassword(pw string) error {
	if IsCommonPassword(pw) {
		return domain.Err(domain.EINVALID, "err.password.common")
	}
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen || n > MaxPasswordLen {
		return domain.Err(domain.EINVALID, "err.password.length", "Min", MinPasswordLen, "Max", MaxPasswordLen)
	}
	return nil
}

// HashPassword returns a PHC-formatted argon2id hash with a random salt.
func HashPassword(pw string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// VerifyPassword reports whether pw matches the hash, in constant time.
func VerifyPassword(pw, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
