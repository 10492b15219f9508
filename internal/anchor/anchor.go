// Package anchor keeps the audit chain's anchors outside the database: each
// anchor states the chain's head (sequence and hash) at a time, signed with
// HMAC-SHA256 under a key that the database does not hold, and is appended
// to a file. Whoever can rewrite the database — delete the newest audit rows
// and set the head back — cannot rewrite an anchor without the key, so
// `gesta audit verify` finds the cut (docs/adr/0009-audit-anchors.md).
package anchor

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// FileName is the anchors' file inside the anchors' directory: one JSON
// object a line, only ever appended to.
const FileName = "anchors.jsonl"

// devKeyFile holds a generated key where none is configured outside
// production: it protects against a database rewritten alone, not against
// someone who can also read this directory.
const devKeyFile = "dev.key"

// Log appends anchors to, and reads them from, one directory.
type Log struct {
	dir string
	key []byte
}

// Open returns the log of dir (created 0700 if missing) signing with key,
// which must be at least 32 bytes.
func Open(dir string, key []byte) (*Log, error) {
	if len(key) < 32 {
		return nil, errors.New("anchor: the key must be at least 32 bytes")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("anchor: %w", err)
	}
	return &Log{dir: dir, key: key}, nil
}

// Key decodes a configured key (base64, as `gesta key new` prints). Without
// one, outside production, it reads or creates a development key in dir;
// in production it answers nil: anchoring is off until a key is configured.
func Key(configured, dir string, production bool) ([]byte, error) {
	if configured != "" {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(configured))
		if err != nil || len(k) < 32 {
			return nil, errors.New("anchor: the audit key must be base64 of at least 32 bytes")
		}
		return k, nil
	}
	if production {
		return nil, nil
	}
	path := filepath.Join(dir, devKeyFile)
	if b, err := os.ReadFile(path); err == nil {
		return Key(string(b), dir, true)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("anchor: %w", err)
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("anchor: %w", err)
	}
	return k, nil
}

// line is an anchor as stored.
type line struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
	Why  string    `json:"why"` // start, stop, hourly
	MAC  string    `json:"mac"`
}

func (l *Log) mac(a line) string {
	m := hmac.New(sha256.New, l.key)
	fmt.Fprintf(m, "gesta-audit-anchor|%d|%s|%d|%s", a.Seq, a.Hash, a.At.UTC().UnixMicro(), a.Why)
	return hex.EncodeToString(m.Sum(nil))
}

// Append signs the head and appends it, synced to disk before it returns.
func (l *Log) Append(head domain.AuditAnchor) error {
	a := line{Seq: head.Seq, Hash: head.Hash, At: head.At.UTC().Truncate(time.Microsecond), Why: head.Why}
	a.MAC = l.mac(a)
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(l.dir, FileName), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("anchor: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("anchor: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("anchor: %w", err)
	}
	return f.Close()
}

// Read returns the anchors in the order written. A line whose signature does
// not verify is an error naming it: an anchor cannot be forged or altered
// without the key. No file is no anchors.
func (l *Log) Read() ([]domain.AuditAnchor, error) {
	b, err := os.ReadFile(filepath.Join(l.dir, FileName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("anchor: %w", err)
	}
	var out []domain.AuditAnchor
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var a line
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("anchor: line %d: %w", n, err)
		}
		if !hmac.Equal([]byte(a.MAC), []byte(l.mac(a))) {
			return nil, fmt.Errorf("anchor: line %d (sequence %s): signature does not verify", n, strconv.FormatInt(a.Seq, 10))
		}
		out = append(out, domain.AuditAnchor{Seq: a.Seq, Hash: a.Hash, At: a.At, Why: a.Why})
	}
	return out, sc.Err()
}

// DefaultDir is where anchors live by default: audit-anchors/ beside a
// SQLite database file; "" for other databases (it must be configured).
func DefaultDir(dsn string) string {
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok || path == "" || strings.HasPrefix(path, ":memory:") {
		return ""
	}
	path, _, _ = strings.Cut(path, "?")
	return filepath.Join(filepath.Dir(path), "audit-anchors")
}
