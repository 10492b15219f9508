package demo_test

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func provinces(t *testing.T) ([]domain.Province, []domain.Comune) {
	t.Helper()
	dsn, _ := storetest.DSN(t, "sqlite")
	db := storetest.Open(t, dsn)
	ps, err := db.Territory.ListProvinces(storetest.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	cs, err := db.Territory.ListComuni(storetest.Ctx(), domain.ComuneFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return ps, cs
}

func TestGenerateIsDeterministic(t *testing.T) {
	ps, cs := provinces(t)
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	a := demo.Generate(demo.ScaleRegion, ps, cs, "h", now)
	b := demo.Generate(demo.ScaleRegion, ps, cs, "h", now)
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
	n := demo.Generate(demo.ScaleNation, ps, cs, "h", now)
	if len(n.Gestori) != 707 || len(n.Services) != 9*141 || len(n.Facilities) != 10_000 {
		t.Errorf("nation: gestori = %d, services = %d, facilities = %d; want 707, 1269, 10000",
			len(n.Gestori), len(n.Services), len(n.Facilities))
	}
	// About 600 facilities and 8,500 people in the region, with the landmarks.
	places, occupied, stale := 0, 0, 0
	for _, sf := range a.Facilities {
		f := sf.Facility
		places += f.Active
		occupied += f.Occupied
		if f.ConfirmedAt.Before(now.Add(-24 * time.Hour)) {
			stale++
		}
	}
	if len(a.Facilities) != 600 || occupied < 7500 || occupied > 10500 || stale < 30 || stale > 100 {
		t.Errorf("region: %d facilities, %d places, %d occupied, %d stale", len(a.Facilities), places, occupied, stale)
	}
	if a.Facilities[0].Facility.Name != "Hub regionale via Mattei" || a.Facilities[0].Facility.Active != 200 {
		t.Errorf("first facility = %+v", a.Facilities[0].Facility)
	}
}

func TestLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		seed, err := demo.Load(ctx, db, demo.ScaleRegion)
		if err != nil {
			t.Fatal(err)
		}
		g, s, u, err := db.Orgs.OrgCounts(ctx)
		if err != nil || g != 60 || s != 108 || u != len(seed.Users) {
			t.Fatalf("counts = %d %d %d, %v", g, s, u, err)
		}
		if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("second load: err = %v, want conflict", err)
		}
		c, err := db.Users.Credentials(ctx, "operatore.bo@gesta.example")
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

// TestPopulation checks the region's generated people against the brief's
// composition and the facilities' declared occupancy, from the database.
func TestPopulation(t *testing.T) {
	ctx := storetest.Ctx()
	dsn, _ := storetest.DSN(t, "sqlite")
	db := storetest.Open(t, dsn)
	seed, err := demo.Load(ctx, db, demo.ScaleRegion)
	if err != nil {
		t.Fatal(err)
	}
	occupied := 0
	for _, f := range seed.Facilities {
		occupied += f.Facility.Occupied
	}
	by := func(dim string) (map[string]int, int) {
		items, total, err := db.Stats.Population(ctx, "", db.Now(), dim)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, it := range items {
			m[it.Key] = it.Count
		}
		return m, total
	}
	// The people of the demo plan that arrived this week are present too
	// (the past months' plans had no nominative list: showcase.go).
	all, err := db.Plans.ListPlans(ctx, domain.PlanFilter{Status: domain.PlanArrived})
	var arrived []domain.Plan
	for _, p := range all {
		if db.Now().Sub(p.ExpectedAt) < 7*24*time.Hour {
			arrived = append(arrived, p)
		}
	}
	if err != nil || len(arrived) != 1 {
		t.Fatalf("arrived plans this week: %d of %d, %v", len(arrived), len(all), err)
	}
	sex, total := by("sex")
	if total != occupied+arrived[0].Total {
		t.Fatalf("present = %d, declared occupancy = %d + %d arrived by plan", total, occupied, arrived[0].Total)
	}
	if total < 7500 || total > 9500 {
		t.Errorf("present = %d, want about 8,500", total)
	}
	share := func(n int) float64 { return float64(n) / float64(total) }
	if s := share(sex["M"]); s < 0.76 || s > 0.88 {
		t.Errorf("men = %.2f, want about 0.82", s)
	}
	hh, _ := by("household")
	for k, want := range map[string]float64{"uomini": 0.66, "nuclei": 0.20, "donne": 0.07, "msna": 0.06} {
		if s := share(hh[k]); s < want-0.06 || s > want+0.06 {
			t.Errorf("%s = %.3f, want about %.2f", k, s, want)
		}
	}
	nat, _ := by("nationality")
	if nat["GIN"] < nat["EGY"] || nat["TUN"] < nat["PAK"] {
		t.Errorf("nationalities = %v", nat)
	}
	_, stays, closed, err := db.Stats.RegistryCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if closed < 2*total {
		t.Errorf("historic stays = %d for %d present, want two years of turnover", closed, total)
	}
	t.Logf("present %d, stays %d (%d closed), sex %v, households %v", total, stays, closed, sex, hh)
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
		if _, err := demo.LoadWith(ctx, db, demo.ScaleNation, demo.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPopulationCacheMatchesLive: the figures materialised by the sweep over
// two years of stays equal, day by day, those computed from the stays by the
// database, for every breakdown, in every province.
func TestPopulationCacheMatchesLive(t *testing.T) {
	ctx := storetest.Ctx()
	dsn, _ := storetest.DSN(t, "sqlite")
	db := storetest.Open(t, dsn)
	if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{Population: true}); err != nil {
		t.Fatal(err)
	}
	// The region's demo leaves the days to be computed on first read: sweep now.
	if err := db.Stats.BuildPopulationCache(ctx, db.Now().AddDate(0, 0, -730)); err != nil {
		t.Fatal(err)
	}
	provinces, _ := db.Territory.ListProvinces(ctx)
	r := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for range 8 {
		day := db.Now().AddDate(0, 0, -1-r.IntN(729))
		for _, p := range provinces {
			for _, by := range store.Breakdowns {
				cached, total, err := db.Stats.Population(ctx, p.Sigla, day, by)
				if err != nil {
					t.Fatal(err)
				}
				live, liveTotal, _, err := db.Stats.LivePopulation(ctx, p.Sigla, day, by)
				if err != nil {
					t.Fatal(err)
				}
				if total != liveTotal || !reflect.DeepEqual(cached, live) {
					t.Fatalf("%s on %s by %s:\ncached %d %v\nlive   %d %v", p.Sigla, day.Format("2006-01-02"), by, total, cached, liveTotal, live)
				}
				checked++
			}
			d, err := db.Stats.Dashboard(ctx, p.Sigla, day, store.DefaultAfterDays)
			if err != nil {
				t.Fatal(err)
			}
			_, _, after, _ := db.Stats.LivePopulation(ctx, p.Sigla, day, "sex")
			if d.AfterDecision != after {
				t.Fatalf("%s on %s: after decision cached %d, live %d", p.Sigla, day.Format("2006-01-02"), d.AfterDecision, after)
			}
		}
	}
	t.Logf("%d breakdowns compared", checked)
}

// TestDemoPasswordHash: the fixed hash of the demo accounts verifies the
// published demo password (and no other).
func TestDemoPasswordHash(t *testing.T) {
	for pw, want := range map[string]bool{demo.DemoPassword: true, demo.DemoPassword + "x": false} {
		ok, err := auth.VerifyPassword(pw, demo.DemoPasswordHash)
		if err != nil || ok != want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}
