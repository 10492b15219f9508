package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/app"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// serve starts `gesta serve` on a free port with the given database and
// extra arguments, and stops it when the test ends.
func serve(t *testing.T, dsn string, env map[string]string, args ...string) (string, *syncBuffer, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	m := &app.Main{Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return env[k] }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, append([]string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, args...)) }()
	select {
	case <-m.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped: %v\n%s", err, stderr)
	case <-time.After(6 * time.Minute): // the first start generates the region's people, protects and publishes a month: minutes under -race on a busy machine
		cancel()
		t.Fatal("serve not ready after 6 minutes")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + m.Addr(), stdout, stderr
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServe(t *testing.T) {
	for _, engine := range storetest.EngineNames {
		t.Run(engine, func(t *testing.T) {
			dsn, ok := storetest.DSN(t, engine)
			if !ok {
				t.Skipf("%s not set", storetest.EnvPostgres)
			}
			base, stdout, stderr := serve(t, dsn, nil)
			if !strings.Contains(stdout.String(), "listening on "+base) || !strings.Contains(stdout.String(), "gesta-demo-2026") {
				t.Errorf("welcome lacks the address or how to sign in:\n%s", stdout)
			}
			if status, body := get(t, base+"/healthz"); status != 200 || strings.TrimSpace(body) != `{"status":"ok"}` {
				t.Fatalf("healthz: %d %s", status, body)
			}
			if status, _ := get(t, base+"/"); status != 200 {
				t.Fatalf("landing: %d", status)
			}
			if status, _ := get(t, base+"/api/v1/territory/provinces"); status != 200 {
				t.Fatalf("provinces: %d", status)
			}
			status, metrics := get(t, base+"/metrics")
			for _, want := range []string{
				`gesta_http_request_duration_seconds_bucket{code="2xx",method="GET",route="GET /api/v1/territory/provinces"`,
				`gesta_http_request_duration_seconds_count{code="2xx",method="GET",route="GET /{$}"}`,
				"go_sql_open_connections",
			} {
				if status != 200 || !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
			if strings.Contains(stderr.String(), "gesta-demo-2026") {
				t.Error("the demo password is in the log")
			}
		})
	}
}

func TestServeWithoutDemo(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sub", "dir", "gesta.db")
	base, stdout, _ := serve(t, dsn, map[string]string{"GESTA_ENV": "production"}, "--demo=true")
	if !strings.Contains(stdout.String(), "No users yet") {
		t.Errorf("an empty production instance must say how to create the first user:\n%s", stdout)
	}
	if _, body := get(t, base+"/login"); strings.Contains(body, "gesta-demo-2026") {
		t.Error("production shows the demo password")
	}
	if _, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:")); err != nil {
		t.Errorf("database file not created with its folder: %v", err)
	}
}

func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &app.Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), args)
	return out.String() + errb.String(), err
}

func TestCommands(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "gesta.db")
	if out, err := run(t, "", "version"); err != nil || !strings.HasPrefix(out, "gesta ") {
		t.Fatalf("version: %q %v", out, err)
	}
	if out, err := run(t, "", "migrate", "--db", dsn); err != nil || !strings.Contains(out, "at schema version ") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	if _, err := run(t, "", "demo", "--db", dsn, "--scale", "galaxy"); !errors.Is(err, app.ErrUsage) {
		t.Fatalf("bad scale: %v", err)
	}
	if out, err := run(t, "", "demo", "--db", dsn, "--scale", "nation", "--people=false"); err != nil || !strings.Contains(out, "707 managing entities") {
		t.Fatalf("demo nation: %q %v", out, err)
	}
	if _, err := run(t, "", "demo", "--db", dsn); err == nil {
		t.Fatal("demo into a non-empty database must fail")
	}
	if out, err := run(t, "una password sicura\n", "user", "add", "--db", dsn, "--email", "Nuovo@Pref.example",
		"--name", "Nuovo", "--role", "prefecture", "--office", "RA", "--password-stdin"); err != nil || !strings.Contains(out, "nuovo@pref.example") {
		t.Fatalf("user add: %q %v", out, err)
	}
	if out, err := run(t, "x\n", "user", "add", "--db", dsn, "--email", "a@b.example", "--name", "A", "--role",
		"operator", "--password-stdin"); err == nil || !strings.Contains(out, "gestore") {
		t.Fatalf("operator without gestore: %q %v", out, err)
	}
	out, err := run(t, "", "token", "create", "--db", dsn, "--email", "nuovo@pref.example", "--label", "ci")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if err != nil || !strings.HasPrefix(token, "gesta_") {
		t.Fatalf("token create: %q %v", out, err)
	}
	if out, err := run(t, "", "token", "revoke", "--db", dsn, "--email", "nuovo@pref.example", "--label", "ci"); err != nil || !strings.Contains(out, "1 token(s) revoked") {
		t.Fatalf("token revoke: %q %v", out, err)
	}
	if out, err := run(t, "", "user", "disable", "--db", dsn, "--email", "nuovo@pref.example"); err != nil || !strings.Contains(out, "disabled") {
		t.Fatalf("user disable: %q %v", out, err)
	}
	if out, err := run(t, "", "audit", "verify", "--db", dsn); err != nil || !strings.Contains(out, "audit chain OK") {
		t.Fatalf("audit verify: %q %v", out, err)
	}
	// The CLI's writes are in the log as actor "cli".
	db, err := store.Open(storetest.Ctx(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, _ := db.Audit.ListAudit(storetest.Ctx(), domain.AuditFilter{Limit: 4})
	for _, e := range entries[:3] {
		if e.Actor != "cli" {
			t.Errorf("%s by %q, want cli", e.Action, e.Actor)
		}
	}
	if entries[0].Action != "user.disable" || entries[1].Action != "token.revoke" || entries[2].Action != "token.create" {
		t.Errorf("newest actions = %s, %s, %s", entries[0].Action, entries[1].Action, entries[2].Action)
	}
	if _, err := run(t, "", "frobnicate"); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestPopulationReplacement(t *testing.T) {
	dir := t.TempDir()
	// Take the embedded ANPR layout and change one comune's residents.
	var b strings.Builder
	b.WriteString("MESE,ANNO,REGIONE,PROVINCIA,COD_ISTAT_COMUNE,COMUNE,RESIDENTI\n")
	_, body := get(t, func() string {
		base, _, _ := serve(t, "sqlite:"+filepath.Join(dir, "a.db"), nil, "--demo=false")
		return base
	}()+"/api/v1/territory/comuni")
	for _, part := range strings.Split(body, `"code":"`)[1:] {
		code := part[:6]
		n := "1000"
		if code == "037006" {
			n = "400000"
		}
		b.WriteString("1,2027,EMILIA ROMAGNA,X," + code + ",X," + n + "\n")
	}
	path := filepath.Join(dir, "pop.csv")
	os.WriteFile(path, []byte(b.String()), 0o600)
	base, _, _ := serve(t, "sqlite:"+filepath.Join(dir, "b.db"), map[string]string{"GESTA_POPULATION": path}, "--demo=false")
	_, provinces := get(t, base+"/api/v1/territory/provinces")
	if !strings.Contains(provinces, `"sigla":"BO","name":"Bologna","uts_code":"237","nuts3":"ITH55","metropolitan":true,"residents":454000`) {
		t.Fatalf("Bologna's residents not replaced (54×1000 + 400000): %s", provinces)
	}
}

func TestAllocSplitCommand(t *testing.T) {
	in := `{"provinces": [{"code": "037", "share": 0.6, "received": 10, "free": {"uomini": 120}},
		{"code": "038", "share": 0.4, "received": 6}], "cumulative_total": 16,
		"units": [{"id": "u1", "size": 1, "group": "uomini"}, {"id": "u2", "size": 1, "group": "uomini"},
		{"id": "n1", "size": 3, "group": "nuclei"}]}`
	out, err := run(t, in, "alloc", "split")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, `"code": "037"`) || !strings.Contains(out, `"unplaced": []`) || !strings.Contains(out, `"batch_quota": `) {
		t.Fatalf("output:\n%s", out)
	}
	for _, bad := range []string{`{"provinces": [], "units": []}`, `not json`, `{"provinces": [{"code": "037", "share": 1}], "units": [], "extra": 1}`} {
		if _, err := run(t, bad, "alloc", "split"); !errors.Is(err, app.ErrUsage) {
			t.Errorf("bad input %q: %v (want a usage error, exit 2)", bad, err)
		}
	}
}

func TestKeyCommand(t *testing.T) {
	out, err := run(t, "", "key", "new")
	if err != nil || len(strings.TrimSpace(out)) < 50 || !strings.Contains(out, ":") {
		t.Fatalf("key new: %q %v", out, err)
	}
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "g.db")
	m := &app.Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
		return map[string]string{"GESTA_SECRET_KEY": "k1:not-a-key"}[k]
	}}
	if err := m.Run(context.Background(), []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}); !errors.Is(err, app.ErrUsage) {
		t.Fatalf("serve with a bad key: %v", err)
	}
}
