package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/app"
	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestDemoKeyBesideSQLite: `gesta serve` on a fresh SQLite file in
// development, without GESTA_SECRET_KEY, generates the demo's key beside the
// file (mode 0600) and loads the demo's complex cases, documents and tables;
// the cases command reads them with the same key. In production, and with a
// key configured, no file is written.
func TestDemoKeyBesideSQLite(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "gesta.db")
	base, _, _ := serve(t, dsn, nil)
	path := filepath.Join(dir, app.DemoKeyFile)
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("demo key file: %v %v", info, err)
	}
	raw, _ := os.ReadFile(path)
	keys, err := crypt.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}

	bo := signIn(t, base, "prefettura.bo@gesta.example")
	for page, want := range map[string]string{"/casi": `href="/casi/`, "/tavoli": `href="/tavoli/`, "/segnalazioni": "/documenti/"} {
		resp, err := bo.Get(base + page)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s on the demo: %d, no %s", page, resp.StatusCode, want)
		}
	}

	// The store, with the file's key, reads the demo's sealed texts.
	ctx := storetest.Ctx()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Keys = keys
	c, _ := db.Users.Credentials(ctx, "prefettura.bo@gesta.example")
	tables, err := db.CaseTables.ListTables(storetest.CtxAs(c.Actor))
	if err != nil || len(tables) != 1 {
		t.Fatalf("demo tables: %d %v", len(tables), err)
	}
	tbl, err := db.CaseTables.GetTable(storetest.CtxAs(c.Actor), tables[0].ID)
	if err != nil || tbl.Decisions == "" || len(tbl.Cases) != 1 || len(tbl.FollowUps) != 2 {
		t.Fatalf("demo table: %+v %v", tbl, err)
	}
	// The cases command finds the key by itself.
	var guest string
	db.ReadTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT guest_id FROM cases WHERE id = $1`, tbl.Cases[0].CaseID).Scan(&guest)
	})
	var out bytes.Buffer
	m := &app.Main{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"cases", "export", "--db", dsn, "--guest", guest}); err != nil {
		t.Fatalf("cases export with the demo key: %v", err)
	}
	var x domain.SubjectExport
	if err := json.Unmarshal(out.Bytes(), &x); err != nil || len(x.Cases) != 1 || len(x.Reports) == 0 || x.Reports[0].Description == "" {
		t.Fatalf("export: %v %+v", err, x.Cases)
	}

	// Production: no key file, whatever the demo flag says.
	pdir := t.TempDir()
	serve(t, "sqlite:"+filepath.Join(pdir, "gesta.db"), map[string]string{"GESTA_ENV": "production"})
	if _, err := os.Stat(filepath.Join(pdir, app.DemoKeyFile)); !os.IsNotExist(err) {
		t.Fatalf("production wrote a demo key: %v", err)
	}
	// A configured key: no file either.
	kdir := t.TempDir()
	key, _ := crypt.NewKey("k1")
	serve(t, "sqlite:"+filepath.Join(kdir, "gesta.db"), map[string]string{"GESTA_SECRET_KEY": key})
	if _, err := os.Stat(filepath.Join(kdir, app.DemoKeyFile)); !os.IsNotExist(err) {
		t.Fatalf("a configured key and a demo key: %v", err)
	}
}
