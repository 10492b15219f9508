package demo_test

import (
	"reflect"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func provinces(t *testing.T) []domain.Province {
	t.Helper()
	dsn, _ := storetest.DSN(t, "sqlite")
	ps, err := storetest.Open(t, dsn).ListProvinces(storetest.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestGenerateIsDeterministic(t *testing.T) {
	ps := provinces(t)
	a := demo.Generate(demo.ScaleRegion, ps, "h")
	b := demo.Generate(demo.ScaleRegion, ps, "h")
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	if n := len(a.Gestori); n != 60 {
		t.Errorf("gestori = %d, want 60", n)
	}
	if n := len(a.Services); n != 9*12 {
		t.Errorf("services = %d, want 108", n)
	}
	perProvince := map[string]int{}
	taxCodes := map[string]bool{}
	for _, g := range a.Gestori {
		perProvince[g.ProvinceCode]++
		if err := g.Validate(); err != nil {
			t.Errorf("gestore %q: %v", g.Name, err)
		}
		if taxCodes[g.TaxCode] {
			t.Errorf("tax code %s repeated", g.TaxCode)
		}
		taxCodes[g.TaxCode] = true
	}
	// Bologna has 22.9% of the residents: 14 of 60.
	if perProvince["037"] != 14 {
		t.Errorf("gestori in Bologna = %d, want 14", perProvince["037"])
	}
	n := demo.Generate(demo.ScaleNation, ps, "h")
	if len(n.Gestori) != 707 || len(n.Services) != 9*141 {
		t.Errorf("nation: gestori = %d, services = %d; want 707 and 1269", len(n.Gestori), len(n.Services))
	}
}

func TestLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		seed, err := demo.Load(ctx, db, demo.ScaleRegion)
		if err != nil {
			t.Fatal(err)
		}
		g, s, u, err := db.OrgCounts(ctx)
		if err != nil || g != 60 || s != 108 || u != len(seed.Users) {
			t.Fatalf("counts = %d %d %d, %v", g, s, u, err)
		}
		if _, err := demo.Load(ctx, db, demo.ScaleRegion); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("second load: err = %v, want conflict", err)
		}
		c, err := db.Credentials(ctx, "operatore.bo@gesta.example")
		if err != nil || c.Actor.Role != domain.RoleOperator || c.Actor.GestoreID == "" {
			t.Fatalf("operator = %+v, %v", c.Actor, err)
		}
		if len(seed.Users) != 3+4*9 {
			t.Fatalf("users = %d, want one per role and office (39)", len(seed.Users))
		}
		roles := map[domain.Role]int{}
		for _, u := range seed.Users {
			roles[u.User.Role]++
		}
		want := map[domain.Role]int{domain.RoleAdmin: 1, domain.RoleCoordinator: 1, domain.RolePrefecture: 9,
			domain.RoleOperator: 9, domain.RoleService: 9, domain.RoleViewer: 10}
		if !reflect.DeepEqual(roles, want) {
			t.Fatalf("roles = %v, want %v", roles, want)
		}
	})
}

// BenchmarkLoadNation loads the nation-scale organisations and users into a
// fresh SQLite database (migrated, territory synced) per iteration.
func BenchmarkLoadNation(b *testing.B) {
	ctx := storetest.Ctx()
	for b.Loop() {
		b.StopTimer()
		dsn, _ := storetest.DSN(b, "sqlite")
		db := storetest.Open(b, dsn)
		b.StartTimer()
		if _, err := demo.Load(ctx, db, demo.ScaleNation); err != nil {
			b.Fatal(err)
		}
	}
}
