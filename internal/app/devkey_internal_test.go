package app

import (
	"flag"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/config"
	"github.com/gesta-er/gesta/internal/domain"
)

// TestCaseRetentionSettings: the retention settings reach the case files'
// policy; a period left unset keeps its default.
func TestCaseRetentionSettings(t *testing.T) {
	env := map[string]string{"GESTA_RETENTION_CASES": "10d", "GESTA_RETENTION_CASE_ACCESSES": "400d"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c, _, err := config.Parse(fs, []string{"retention-cases", "retention-case-reports", "retention-case-accesses"},
		[]string{"--retention-case-reports", "30d"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	if p := caseRetention(c); p.ClosedCase != 10*day || p.ArchivedReport != 30*day || p.AccessLog != 400*day {
		t.Fatalf("policy from the settings: %+v", p)
	}
	if p := caseRetention(config.Config{}); p != domain.DefaultCaseRetention {
		t.Fatalf("policy without settings: %+v", p)
	}
	if _, _, err := config.Parse(flag.NewFlagSet("t", flag.ContinueOnError), []string{"retention-cases"},
		[]string{"--retention-cases", "0d"}, func(string) string { return "" }); err == nil {
		t.Fatal("a zero period was accepted")
	}
}

// TestDemoKeyPath: only a development SQLite file without a key gets one.
func TestDemoKeyPath(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		c    config.Config
		want string
	}{
		{config.Config{DB: "sqlite:" + filepath.Join(dir, "g.db"), Env: "development"}, filepath.Join(dir, DemoKeyFile)},
		{config.Config{DB: "sqlite:" + filepath.Join(dir, "g.db") + "?_pragma=x", Env: "development"}, filepath.Join(dir, DemoKeyFile)},
		{config.Config{DB: "sqlite:" + filepath.Join(dir, "g.db"), Env: "production"}, ""},
		{config.Config{DB: "sqlite:" + filepath.Join(dir, "g.db"), Env: "development", SecretKey: "k:x"}, ""},
		{config.Config{DB: "postgres://postgres@127.0.0.1/x", Env: "development"}, ""},
		{config.Config{DB: "sqlite::memory:", Env: "development"}, ""},
	} {
		if got := demoKeyPath(tc.c); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}
