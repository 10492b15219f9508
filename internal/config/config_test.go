package config_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/config"
)

func parse(t *testing.T, args []string, env map[string]string) (config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	names := []string{"db", "addr", "base-url", "env", "demo", "secret-key", "session-idle", "session-max"}
	c, _, err := config.Parse(fs, names, args, func(k string) string { return env[k] })
	return c, err
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "sqlite:./data/gesta.db" || c.Addr != "127.0.0.1:8080" || !c.Demo || c.SessionIdle != 30*time.Minute {
		t.Fatalf("defaults = %+v", c)
	}
	if c.BaseURL != "http://127.0.0.1:8080" {
		t.Fatalf("base url = %q", c.BaseURL)
	}
}

func TestPriority(t *testing.T) {
	env := map[string]string{"GESTA_DB": "sqlite:/env.db", "GESTA_ADDR": "127.0.0.1:9000"}
	c, err := parse(t, []string{"--db", "sqlite:/flag.db"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "sqlite:/flag.db" || c.Addr != "127.0.0.1:9000" {
		t.Fatalf("flag must beat env, env must beat default: %+v", c)
	}
}

func TestProductionNeverLoadsDemo(t *testing.T) {
	c, err := parse(t, []string{"--demo=true"}, map[string]string{"GESTA_ENV": "production"})
	if err != nil || c.Demo {
		t.Fatalf("production with --demo=true: demo = %v, err = %v", c.Demo, err)
	}
	c, _ = parse(t, []string{"--demo=false"}, nil)
	if c.Demo {
		t.Fatal("--demo=false ignored")
	}
}

func TestSecretFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	os.WriteFile(path, []byte("s3cret\n"), 0o600)
	c, err := parse(t, nil, map[string]string{"GESTA_SECRET_KEY_FILE": path})
	if err != nil || c.SecretKey != "s3cret" {
		t.Fatalf("secret from file = %q, %v", c.SecretKey, err)
	}
}

func TestInvalid(t *testing.T) {
	for _, args := range [][]string{{"--env", "staging"}, {"--session-idle", "forever"}, {"--demo", "maybe"}} {
		if _, err := parse(t, args, nil); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
	if _, err := parse(t, []string{"-h"}, nil); !config.IsHelp(err) {
		t.Errorf("-h: err = %v", err)
	}
}

func TestTOTPGraceOption(t *testing.T) {
	get := func(v string) func(string) string {
		return func(k string) string {
			if k == "GESTA_TOTP_GRACE" {
				return v
			}
			return ""
		}
	}
	c, _, err := config.Parse(flag.NewFlagSet("t", flag.ContinueOnError), []string{"totp-grace"}, nil, get(""))
	if err != nil || c.TOTPGrace["admin"] != 0 || c.TOTPGrace["operator"] != 30*24*time.Hour || c.TOTPGrace["prefecture"] != 7*24*time.Hour {
		t.Fatalf("default: %v %v", c.TOTPGrace, err)
	}
	for _, bad := range []string{"viewer=3d", "operator", "operator=-1d", "operator=abc"} {
		if _, _, err := config.Parse(flag.NewFlagSet("t", flag.ContinueOnError), []string{"totp-grace"}, nil, get(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
