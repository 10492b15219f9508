package anchor_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/anchor"
	"github.com/gesta-er/gesta/internal/domain"
)

func TestAppendRead(t *testing.T) {
	dir := t.TempDir()
	key := []byte(strings.Repeat("k", 32))
	l, err := anchor.Open(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 2, 10, 0, 0, 123456789, time.UTC)
	for i, why := range []string{"start", "hourly", "stop"} {
		if err := l.Append(domain.AuditAnchor{Seq: int64(10 * i), Hash: "h" + why, At: at, Why: why}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.Read()
	if err != nil || len(got) != 3 || got[2].Seq != 20 || got[2].Hash != "hstop" || !got[2].At.Equal(at.Truncate(time.Microsecond)) {
		t.Fatalf("read: %+v %v", got, err)
	}
	// Another key does not verify them; nor does an altered line.
	other, _ := anchor.Open(dir, []byte(strings.Repeat("x", 32)))
	if _, err := other.Read(); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("read with another key: %v", err)
	}
	path := filepath.Join(dir, anchor.FileName)
	b, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(b), `"seq":20`, `"seq":19`, 1)), 0o600)
	if _, err := l.Read(); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("read after altering line 3: %v", err)
	}
}

func TestKey(t *testing.T) {
	dir := t.TempDir()
	if k, err := anchor.Key("", dir, true); k != nil || err != nil {
		t.Fatalf("production without a key: %v %v", k, err)
	}
	k1, err := anchor.Key("", dir, false)
	if err != nil || len(k1) != 32 {
		t.Fatalf("development key: %v %v", k1, err)
	}
	if k2, _ := anchor.Key("", dir, false); string(k2) != string(k1) {
		t.Fatal("the development key changed between two reads")
	}
	if _, err := anchor.Key("c2hvcnQ=", dir, true); err == nil {
		t.Fatal("a short key was accepted")
	}
	if _, err := anchor.Open(dir, []byte("short")); err == nil {
		t.Fatal("Open accepted a short key")
	}
}

func TestDefaultDir(t *testing.T) {
	for dsn, want := range map[string]string{
		"sqlite:./data/gesta.db":             filepath.Join("data", "audit-anchors"),
		"sqlite:/var/lib/gesta/g.db?_pragma": "/var/lib/gesta/audit-anchors",
		"postgres://u@h/db":                  "",
		"sqlite::memory:":                    "",
	} {
		if got := anchor.DefaultDir(dsn); got != want {
			t.Errorf("DefaultDir(%q) = %q, want %q", dsn, got, want)
		}
	}
}
