package store_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func TestTerritory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		provinces, err := db.Territory.ListProvinces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(provinces) != 9 || provinces[4].Sigla != "BO" || provinces[4].Residents != 1030421 {
			t.Fatalf("provinces = %+v", provinces)
		}
		bo, err := db.Territory.FindProvince(ctx, "bo")
		if err != nil || bo.Code != "037" {
			t.Fatalf("FindProvince(bo) = %+v, %v", bo, err)
		}
		if _, err := db.Territory.FindProvince(ctx, "XX"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("FindProvince(XX) err = %v, want not found", err)
		}
		comuni, err := db.Territory.ListComuni(ctx, domain.ComuneFilter{ProvinceCode: "037"})
		if err != nil {
			t.Fatal(err)
		}
		if len(comuni) != 55 || comuni[0].Name != "Alto Reno Terme" {
			t.Fatalf("comuni of BO = %d, first %q", len(comuni), comuni[0].Name)
		}
		all, _ := db.Territory.ListComuni(ctx, domain.ComuneFilter{})
		if len(all) != 330 {
			t.Fatalf("comuni = %d, want 330", len(all))
		}
		var capital domain.Comune
		for _, c := range comuni {
			if c.Code == "037006" {
				capital = c
			}
		}
		if !capital.Capital || capital.Residents != 395561 {
			t.Fatalf("Bologna = %+v", capital)
		}
		if _, err := db.Territory.ListComuni(ctx, domain.ComuneFilter{ProvinceCode: "999"}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown province: err = %v", err)
		}
	})
}

func TestSyncTerritoryIsIdempotentAndUpdatesResidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		offices, _ := db.Orgs.ListOffices(ctx)
		if len(offices) != 9 {
			t.Fatalf("offices = %d, want 9", len(offices))
		}
		coordinators := 0
		for _, o := range offices {
			if o.Coordinator {
				coordinators++
				if o.Sigla != "BO" {
					t.Errorf("coordinator is %s, want BO", o.Sigla)
				}
			}
		}
		if coordinators != 1 {
			t.Fatalf("coordinators = %d", coordinators)
		}
		provinces, _ := db.Territory.ListProvinces(ctx)
		provinces[0].Residents = 1
		comuni, _ := db.Territory.ListComuni(ctx, domain.ComuneFilter{})
		if err := db.Territory.SyncTerritory(ctx, store.TerritoryData{Region: domain.Region{Code: "08", Name: "Emilia-Romagna"},
			Provinces: provinces, Comuni: comuni, PopulationSource: "test"}); err != nil {
			t.Fatal(err)
		}
		again, _ := db.Orgs.ListOffices(ctx)
		if len(again) != 9 || again[0].ID != offices[0].ID {
			t.Fatalf("offices changed on re-sync")
		}
		pc, _ := db.Territory.FindProvince(ctx, "PC")
		if pc.Residents != 1 {
			t.Fatalf("residents not updated: %d", pc.Residents)
		}
		if src, _ := db.Territory.Meta(ctx, "population_source"); src != "test" {
			t.Fatalf("population source = %q", src)
		}
		// The change is audited; a sync that changes nothing writes nothing.
		entries, _ := db.Audit.ListAudit(ctx, domain.AuditFilter{Action: "territory.sync"})
		if len(entries) != 2 || entries[0].Params["Provinces"] != int64(1) || entries[0].Params["Comuni"] != int64(0) {
			t.Fatalf("territory audit = %+v", entries)
		}
		db.Territory.SyncTerritory(ctx, store.TerritoryData{Region: domain.Region{Code: "08", Name: "Emilia-Romagna"},
			Provinces: provinces, Comuni: comuni, PopulationSource: "test"})
		if again, _ := db.Audit.ListAudit(ctx, domain.AuditFilter{Action: "territory.sync"}); len(again) != 2 {
			t.Fatalf("an idle sync was audited: %d rows", len(again))
		}
	})
}

func TestGestoreAndUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		g := &domain.Gestore{Name: "Cooperativa Test", TaxCode: "01234567890", ProvinceCode: "037", Email: "info@test.example"}
		if err := db.Orgs.CreateGestore(ctx, g); err != nil {
			t.Fatal(err)
		}
		dup := &domain.Gestore{Name: "Altra", TaxCode: "01234567890", ProvinceCode: "037"}
		if err := db.Orgs.CreateGestore(ctx, dup); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate tax code: err = %v, want conflict", err)
		}
		if err := db.Orgs.CreateGestore(ctx, &domain.Gestore{Name: "", TaxCode: "12"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("invalid gestore: err = %v", err)
		}
		list, _ := db.Orgs.ListGestori(ctx, domain.OrgFilter{ProvinceCode: "037"})
		if len(list) != 1 || list[0].ID != g.ID || !list[0].CreatedAt.Equal(g.CreatedAt) {
			t.Fatalf("gestori = %+v, want %+v", list, g)
		}

		bo, _ := db.Orgs.FindOfficeBySigla(ctx, "BO")
		u := &domain.User{Email: "Coord@Pref.example", Name: "Coordinatrice", Role: domain.RoleCoordinator, OfficeID: bo.ID}
		if err := db.Users.CreateUser(ctx, u, "hash"); err != nil {
			t.Fatal(err)
		}
		c, err := db.Users.Credentials(ctx, "coord@pref.example")
		a := c.Actor
		if err != nil || c.PasswordHash != "hash" || a.OfficeSigla != "BO" || !a.RegionWide() || a.ProvinceCode != "" {
			t.Fatalf("credentials = %+v %v", c, err)
		}
		fe, _ := db.Orgs.FindOfficeBySigla(ctx, "FE")
		p := &domain.User{Email: "fe@pref.example", Name: "Ferrara", Role: domain.RolePrefecture, OfficeID: fe.ID}
		if err := db.Users.CreateUser(ctx, p, "h"); err != nil {
			t.Fatal(err)
		}
		pa, err := db.Users.ActorByUserID(ctx, p.ID)
		if err != nil || pa.ProvinceCode != "038" || pa.RegionWide() {
			t.Fatalf("prefecture actor = %+v, %v", pa, err)
		}
		if err := db.Users.CreateUser(ctx, &domain.User{Email: "fe@pref.example", Name: "X", Role: domain.RoleAdmin}, "h"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate e-mail: err = %v", err)
		}
		if _, err := db.Users.Credentials(ctx, "nobody@x.example"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown user: err = %v", err)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		s := &store.SessionStore{DB: db}
		if err := s.CommitCtx(ctx, "tok", []byte("data"), now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.CommitCtx(ctx, "old", []byte("x"), now.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		b, ok, err := s.FindCtx(ctx, "tok")
		if err != nil || !ok || string(b) != "data" {
			t.Fatalf("find = %q %v %v", b, ok, err)
		}
		if _, ok, _ := s.FindCtx(ctx, "old"); ok {
			t.Fatal("expired session found")
		}
		now = now.Add(2 * time.Minute)
		if _, ok, _ := s.FindCtx(ctx, "tok"); ok {
			t.Fatal("session found after expiry")
		}
		if n, err := db.Users.DeleteExpiredSessions(ctx); err != nil || n != 2 {
			t.Fatalf("deleted = %d, %v; want 2", n, err)
		}
	})
}

// TestInTxRollsBackAndSerializesWriters checks that a failed transaction leaves
// nothing behind and that concurrent writers never lose an update.
func TestInTxRollsBackAndSerializesWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE provinces SET residents = 0 WHERE code = '037'`); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if p, _ := db.Territory.FindProvince(ctx, "037"); p.Residents == 0 {
			t.Fatal("rolled-back write is visible")
		}

		const writers, each = 8, 25
		var wg sync.WaitGroup
		var failures atomic.Int32
		for range writers {
			wg.Go(func() {
				for range each {
					if err := db.InTx(ctx, func(tx *store.Tx) error {
						_, err := tx.ExecContext(ctx, `UPDATE provinces SET comuni = comuni + 1 WHERE code = '033'`)
						return err
					}); err != nil {
						failures.Add(1)
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		p, _ := db.Territory.FindProvince(ctx, "033")
		if p.Comuni != 46+writers*each || failures.Load() != 0 {
			t.Fatalf("comuni = %d (failures %d), want %d", p.Comuni, failures.Load(), 46+writers*each)
		}
	})
}
