package anchor

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// ErasuresFile is the erasure ledger inside the anchors' directory: one
// signed JSON object a line per subject whose data key was destroyed (its
// id and the date, nothing else), only ever appended to. `gesta restore`
// replays it on an older copy (docs/adr/0011-per-subject-keys.md).
const ErasuresFile = "erasures.jsonl"

// erasureLine is a ledger entry as stored. Its signature covers the
// signature of the newest line when it was written (Prev), which must be a
// line before it: a line taken out of the middle breaks the lines that
// name it. Two servers appending at once both name the same line, which
// verifies (the ledger is a set: a subject listed twice is one erasure).
type erasureLine struct {
	Subject string    `json:"subject"`
	At      time.Time `json:"at"`
	Prev    string    `json:"prev"`
	MAC     string    `json:"mac"`
}

func (l *Log) erasureMAC(e erasureLine) string {
	m := hmac.New(sha256.New, l.key)
	fmt.Fprintf(m, "gesta-erasure|%s|%d|%s", e.Subject, e.At.UTC().UnixMicro(), e.Prev)
	return hex.EncodeToString(m.Sum(nil))
}

// Erasures returns the ledger's entries in the order written; a line whose
// signature does not verify is an error naming it. No file is no entries.
func (l *Log) Erasures() ([]domain.Erasure, error) {
	_, out, err := l.readErasures()
	return out, err
}

func (l *Log) readErasures() (string, []domain.Erasure, error) {
	b, err := os.ReadFile(filepath.Join(l.dir, ErasuresFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("anchor: %w", err)
	}
	var out []domain.Erasure
	prev := ""
	seen := map[string]bool{"": true}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e erasureLine
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return "", nil, fmt.Errorf("anchor: erasure ledger line %d: %w", n, err)
		}
		if !hmac.Equal([]byte(e.MAC), []byte(l.erasureMAC(e))) {
			return "", nil, fmt.Errorf("anchor: erasure ledger line %d: signature does not verify", n)
		}
		if !seen[e.Prev] {
			return "", nil, fmt.Errorf("anchor: erasure ledger line %d follows a line that is not there: a line was removed", n)
		}
		seen[e.MAC], prev = true, e.MAC
		out = append(out, domain.Erasure{Subject: e.Subject, At: e.At.UTC()})
	}
	return prev, out, sc.Err()
}

// AppendErasures signs and appends entries, synced to disk before it
// returns.
func (l *Log) AppendErasures(es []domain.Erasure) error {
	prev, _, err := l.readErasures()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, x := range es {
		e := erasureLine{Subject: x.Subject, At: x.At.UTC().Truncate(time.Microsecond), Prev: prev}
		e.MAC = l.erasureMAC(e)
		prev = e.MAC
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(append(b, '\n'))
	}
	f, err := os.OpenFile(filepath.Join(l.dir, ErasuresFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("anchor: %w", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("anchor: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("anchor: %w", err)
	}
	return f.Close()
}

// EnsureErasures creates the ledger's file, empty, if it is missing: a
// restore then tells "no erasure yet" from "no ledger".
func (l *Log) EnsureErasures() error {
	f, err := os.OpenFile(filepath.Join(l.dir, ErasuresFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("anchor: %w", err)
	}
	return f.Close()
}

// HasErasures reports whether the ledger's file exists.
func (l *Log) HasErasures() bool {
	_, err := os.Stat(filepath.Join(l.dir, ErasuresFile))
	return err == nil
}
