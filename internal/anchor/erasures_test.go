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

// TestErasureLedger: entries read back in order; an altered entry, one
// taken out of the middle, or another key is an error, never a shorter list.
func TestErasureLedger(t *testing.T) {
	dir := t.TempDir()
	l, err := anchor.Open(dir, []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	if es, err := l.Erasures(); err != nil || len(es) != 0 || l.HasErasures() {
		t.Fatalf("no file: %v %v", es, err)
	}
	if err := l.EnsureErasures(); err != nil || !l.HasErasures() {
		t.Fatalf("ensure: %v", err)
	}
	at := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, s := range []string{"g-1", "g-2", "g-3"} {
		if err := l.AppendErasures([]domain.Erasure{{Subject: s, At: at}}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := l.Erasures()
	if err != nil || len(es) != 3 || es[0].Subject != "g-1" || es[2].Subject != "g-3" || !es[1].At.Equal(at) {
		t.Fatalf("read back: %+v %v", es, err)
	}
	path := filepath.Join(dir, anchor.ErasuresFile)
	good, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(good), "\n")
	for name, text := range map[string]string{
		"Altered":   strings.Replace(string(good), "g-2", "g-9", 1),
		"CutMiddle": lines[0] + lines[2],
	} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if es, err := l.Erasures(); err == nil {
			t.Errorf("%s ledger accepted: %+v", name, es)
		}
	}
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	// Two servers appending at once: both lines follow the same one; valid.
	one := lines[0]
	if err := os.WriteFile(path, []byte(one), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = l.AppendErasures([]domain.Erasure{{Subject: "s-a", At: at}})
	a, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(one), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = l.AppendErasures([]domain.Erasure{{Subject: "s-b", At: at}})
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(string(a)+strings.TrimPrefix(string(b), one)), 0o600); err != nil {
		t.Fatal(err)
	}
	if es, err := l.Erasures(); err != nil || len(es) != 3 || es[1].Subject != "s-a" || es[2].Subject != "s-b" {
		t.Fatalf("concurrent appends: %+v %v", es, err)
	}
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	other, _ := anchor.Open(dir, []byte(strings.Repeat("x", 32)))
	if _, err := other.Erasures(); err == nil {
		t.Error("another key verifies the ledger")
	}
}
