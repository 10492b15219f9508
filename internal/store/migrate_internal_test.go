package store

import (
	"context"
	"io/fs"
	"slices"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/gesta-er/gesta/internal/alloc"
	"github.com/gesta-er/gesta/internal/domain"
)

// TestVocabularyMigration: units written with the earlier singular groups
// (before migration 00011) read with the targets' codes afterwards.
func TestVocabularyMigration(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+t.TempDir()+"/g.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fsys, _ := fs.Sub(migrations, "migrations/"+db.dialect.name())
	p, err := goose.NewProvider(db.dialect.goose(), db.write, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO plans (id, reference, received_at, expected_at, window_hours, origin, transport, status, total, ack_hours, note,
			version, created_by, created_at, updated_at) VALUES ('p', 'r', '2026-01-01', '2026-01-02', 0, 'o', '', 'announced', 4, 0, '', 1, 'x', '2026-01-01', '2026-01-01')`,
		`INSERT INTO plan_units (plan_id, id, seq, size, grp, needs, outcome) VALUES ('p', 'a', 1, 1, 'uomo', '', ''),
			('p', 'b', 2, 1, 'donna', '', ''), ('p', 'c', 3, 2, 'nucleo', '', ''), ('p', 'd', 4, 1, 'msna', '', '')`,
		`INSERT INTO population_daily (day, province_code, dim, key, count) VALUES ('2026-01-01', '037', 'household', 'uomo_solo', 5),
			('2026-01-01', '037', 'household', 'donna_sola', 2), ('2026-01-01', '037', 'household', 'nucleo', 3),
			('2026-01-01', '037', 'sex', 'M', 5)`,
	} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	rows, err := db.read.QueryContext(ctx, `SELECT id, grp FROM plan_units ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, g string
		rows.Scan(&id, &g)
		got[id] = g
	}
	want := map[string]string{"a": domain.GroupMan, "b": domain.GroupWoman, "c": domain.GroupFamily, "d": domain.GroupMinor}
	for id, g := range want {
		if got[id] != g {
			t.Errorf("unit %s: group %q, want %q", id, got[id], g)
		}
	}
	// The statistics' household types are the same codes.
	var keys string
	if err := db.read.QueryRowContext(ctx, `SELECT GROUP_CONCAT(key || '=' || count, ' ') FROM
		(SELECT key, count FROM population_daily ORDER BY dim, key)`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if keys != "donne=2 nuclei=3 uomini=5 M=5" {
		t.Errorf("population_daily keys: %s", keys)
	}
}

// TestGroupsMatchTheEngine: one vocabulary for the unit groups — the
// engine's codes are domain's, and each is a facility target's code.
func TestGroupsMatchTheEngine(t *testing.T) {
	for _, g := range [][2]string{{domain.GroupMan, alloc.GroupMan}, {domain.GroupWoman, alloc.GroupWoman},
		{domain.GroupFamily, alloc.GroupFamily}, {domain.GroupMinor, alloc.GroupMinor}} {
		if g[0] != g[1] {
			t.Errorf("domain %q, engine %q", g[0], g[1])
		}
	}
	for _, g := range domain.UnitGroups {
		if !slices.Contains(domain.Target(g).AcceptedGroups(), g) {
			t.Errorf("group %q is not the code of the target that takes it", g)
		}
	}
}
