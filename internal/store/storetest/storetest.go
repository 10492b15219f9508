// Package storetest opens fresh, migrated databases for tests: always a
// temporary SQLite file, and a throw-away PostgreSQL schema as well when
// GESTA_TEST_POSTGRES holds a connection URL.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/placement"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/territory"
)

// EnvPostgres names the variable with the PostgreSQL URL for tests.
const EnvPostgres = "GESTA_TEST_POSTGRES"

// EngineNames lists the engines every store test runs on.
var EngineNames = []string{"sqlite", "postgres"}

// DSN returns the DSN of a fresh, empty database on the engine ("sqlite": a
// temporary file; "postgres": a throw-away schema, only when
// GESTA_TEST_POSTGRES is set, else ok is false). It is dropped when the test ends.
func DSN(tb testing.TB, engine string) (dsn string, ok bool) {
	tb.Helper()
	switch engine {
	case "sqlite":
		return "sqlite:" + filepath.Join(tb.TempDir(), "gesta.db"), true
	case "postgres":
		if pg := os.Getenv(EnvPostgres); pg != "" {
			return freshSchema(tb, pg), true
		}
	}
	return "", false
}

// freshSchema creates a schema with a random name and returns a URL whose
// search_path points at it.
func freshSchema(tb testing.TB, base string) string {
	tb.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("storetest: create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("storetest: bad %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens and migrates the database at dsn, loads the territory, and
// closes it when the test ends.
func Open(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	ctx := Ctx()
	db, err := store.Open(ctx, dsn)
	if err == nil {
		db.Split = placement.Split
	}
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("storetest: migrate: %v", err)
	}
	t, err := territory.Load(nil, "")
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.Territory.SyncTerritory(ctx, store.TerritoryData{Region: territory.Region, Provinces: t.Provinces,
		Comuni: t.Comuni, PopulationSource: t.PopulationSource}); err != nil {
		tb.Fatalf("storetest: sync territory: %v", err)
	}
	return db
}

// Ctx returns a context acting as the system (actor "system"), for writes
// made by test set-up.
func Ctx() context.Context {
	return domain.NewContextWithActor(context.Background(), domain.ActorSystem)
}

// CtxAs returns a context acting as the actor.
func CtxAs(a domain.Actor) context.Context {
	return domain.NewContextWithActor(context.Background(), a)
}

// Each runs fn as a subtest on every engine, with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, engine := range EngineNames {
		t.Run(engine, func(t *testing.T) {
			dsn, ok := DSN(t, engine)
			if !ok {
				t.Skipf("%s not set: PostgreSQL variant skipped", EnvPostgres)
			}
			fn(t, Open(t, dsn))
		})
	}
}
