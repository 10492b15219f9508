package app_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/gesta-er/gesta/internal/app"
)

// TestAuditAnchorsCatchACutTail plays the attacker the audit chain alone
// cannot stop: with the database file in hand, drop the guards, delete the
// newest audit rows and set the head back to the last row left. The chain
// still verifies in itself; the anchors the server wrote at start and stop,
// outside the database and signed with a key it does not hold, do not.
func TestAuditAnchorsCatchACutTail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gesta.db")
	dsn := "sqlite:" + path
	if _, err := run(t, "", "migrate", "--db", dsn); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"a@gesta.example", "b@gesta.example", "c@gesta.example"} {
		if out, err := run(t, "password lunga 2026\n", "user", "add", "--db", dsn, "--email", email, "--name", "Prova",
			"--role", "viewer", "--password-stdin"); err != nil {
			t.Fatalf("user add: %q %v", out, err)
		}
	}
	// The server anchors the head when it starts and when it stops.
	ctx, cancel := context.WithCancel(context.Background())
	m := &app.Main{Stdout: &syncBuffer{}, Stderr: &syncBuffer{}, Getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--demo=false"}) }()
	select {
	case <-m.Ready():
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	anchors, err := os.ReadFile(filepath.Join(dir, "audit-anchors", "anchors.jsonl"))
	if err != nil || strings.Count(string(anchors), "\n") < 2 {
		t.Fatalf("anchors after a start and a stop: %q %v", anchors, err)
	}
	if out, err := run(t, "", "audit", "verify", "--db", dsn); err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("verify before the attack: %q %v", out, err)
	}

	// The attack, as the file's owner.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TRIGGER audit_log_no_delete`, `DROP TRIGGER audit_head_forward_only`,
		`DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log)`,
		`UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_log), hash = (SELECT hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log))`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	// Without the anchors the cut is invisible; with them (the default
	// directory beside the file) it is found.
	if out, err := run(t, "", "audit", "verify", "--db", dsn, "--anchors", filepath.Join(dir, "nowhere")); err != nil ||
		!strings.Contains(out, "OK") {
		t.Fatalf("the chain alone should still verify after a clean cut: %q %v", out, err)
	}
	out, err := run(t, "", "audit", "verify", "--db", dsn)
	if !errors.Is(err, app.ErrAuditBroken) || !strings.Contains(out, "cut") {
		t.Fatalf("verify with the anchors after the cut: %q %v", out, err)
	}

	// A forged anchor (the attacker rewrites the file without the key) is
	// refused as such.
	forged := strings.Replace(string(anchors), `"seq":`, `"seq":1`, 1)
	if err := os.WriteFile(filepath.Join(dir, "audit-anchors", "anchors.jsonl"), []byte(forged), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "", "audit", "verify", "--db", dsn); !errors.Is(err, app.ErrAuditBroken) || !strings.Contains(out, "signature") {
		t.Fatalf("verify with a forged anchor: %q %v", out, err)
	}
}
