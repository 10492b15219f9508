package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/gesta-er/gesta/internal/config"
	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/store"
)

// DemoKeyFile is the encryption key a development instance generates beside
// its SQLite file when none is configured, so that `go run ./cmd/gesta serve`
// on a fresh clone holds the demo's complex cases (their texts are sealed at
// rest and cannot be written without a key). Never in production, never for
// PostgreSQL, never when a key is configured: production sets
// GESTA_SECRET_KEY (gesta key new) and keeps it apart from the database.
const DemoKeyFile = "gesta-demo-secret.key"

// demoKeyPath is where a development SQLite database keeps its generated
// key ("" when there is no such place: production, PostgreSQL, a key set).
func demoKeyPath(c config.Config) string {
	if c.SecretKey != "" || c.Production() {
		return ""
	}
	path, ok := strings.CutPrefix(c.DB, "sqlite:")
	if !ok || path == "" || strings.HasPrefix(path, ":memory:") || strings.Contains(path, "mode=memory") {
		return ""
	}
	path, _, _ = strings.Cut(path, "?")
	return filepath.Join(filepath.Dir(path), DemoKeyFile)
}

// demoKey returns the development key kept beside the SQLite file: the one
// already there, or — only when the demo is about to be loaded into an
// empty database — a new one, written with mode 0600. "" when none applies.
func demoKey(ctx context.Context, c config.Config, db *store.DB, log *slog.Logger) (string, error) {
	path := demoKeyPath(c)
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err == nil {
		if _, err := crypt.Parse(string(b)); err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		log.Warn("development: case texts are sealed with the generated demo key; never use it in production", "file", path)
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if !c.Demo {
		return "", nil
	}
	if n, err := db.Users.CountUsers(ctx); err != nil || n > 0 {
		return "", err // an existing database: its data were written without a key
	}
	key, err := crypt.NewKey("demo")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("demo key: %w", err)
	}
	log.Warn("development: generated a demo encryption key for the demo's case files; never use it in production", "file", path)
	return key, nil
}
