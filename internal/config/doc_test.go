package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/config"
)

// TestOptionsDocIsCurrent keeps docs/configuration.md's table equal to the
// options table in code. Regenerate with: UPDATE_DOCS=1 go test ./internal/config -run Doc
func TestOptionsDocIsCurrent(t *testing.T) {
	var b strings.Builder
	config.WriteTable(&b)
	const path = "../../docs/configuration.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- options:begin -->\n", "<!-- options:end -->"
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the options markers", path)
	}
	current := string(doc[i+len(begin) : j])
	if current != b.String() {
		if os.Getenv("UPDATE_DOCS") != "" {
			os.WriteFile(path, []byte(string(doc[:i+len(begin)])+b.String()+string(doc[j:])), 0o644)
			return
		}
		t.Fatalf("docs/configuration.md is out of date; run UPDATE_DOCS=1 go test ./internal/config -run Doc\nwant:\n%s", b.String())
	}
}
