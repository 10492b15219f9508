package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// facilityFixture creates a managing entity in Bologna and one facility.
func facilityFixture(t *testing.T, db *store.DB, active int) (context.Context, *domain.Facility, *domain.Gestore) {
	t.Helper()
	ctx := storetest.Ctx()
	g := &domain.Gestore{Name: "Coop Test", TaxCode: fmt.Sprintf("%011d", time.Now().UnixNano()%1e11), ProvinceCode: "037"}
	if err := db.Orgs.CreateGestore(ctx, g); err != nil {
		t.Fatal(err)
	}
	f := &domain.Facility{Name: "Centro Test", Type: domain.TypeCASCollettivo, Target: domain.TargetMen, GestoreID: g.ID,
		ComuneCode: "037006", Contracted: active + 5, Active: active, Features: []string{domain.FeatureWheelchair}}
	if err := db.Facilities.CreateFacility(ctx, f); err != nil {
		t.Fatal(err)
	}
	return ctx, f, g
}

// ferraraGestore creates a managing entity in Ferrara.
func ferraraGestore(t *testing.T, db *store.DB) *domain.Gestore {
	t.Helper()
	g := &domain.Gestore{Name: "Coop Ferrara", TaxCode: fmt.Sprintf("%011d", (time.Now().UnixNano()+1)%1e11), ProvinceCode: "038"}
	if err := db.Orgs.CreateGestore(storetest.Ctx(), g); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestLedgerArithmetic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		ctx, f, _ := facilityFixture(t, db, 40)
		if f.Code != "BO-0001" || f.ProvinceCode != "037" {
			t.Fatalf("code %s, province %s", f.Code, f.ProvinceCode)
		}
		got, err := db.Facilities.SetAvailability(ctx, f.Code, f.Version, domain.Availability{Occupied: 30})
		if err != nil {
			t.Fatal(err)
		}
		if got.Free != 10 || got.ConfirmedBy != "system" || got.ConfirmedAt == nil || !got.ConfirmedAt.Equal(now) {
			t.Fatalf("after declaring 30: %+v", got)
		}
		to := now.Add(48 * time.Hour)
		if err := db.Facilities.AddBlock(ctx, f.Code, domain.Block{Places: 3, Reason: "lavori", From: now.Add(-time.Hour), To: &to}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Facilities.Hold(ctx, f.Code, 4, now.Add(2*time.Hour), "piano 12"); err != nil {
			t.Fatal(err)
		}
		got, _ = db.Facilities.FindFacility(ctx, f.Code)
		if got.Active != 40 || got.Blocked != 3 || got.Occupied != 30 || got.Held != 4 || got.Free != 3 {
			t.Fatalf("40 − 3 − 30 − 4 = 3, got %+v", got)
		}
		// The hold expires by itself; the block ends at its date.
		now = now.Add(3 * time.Hour)
		got, _ = db.Facilities.FindFacility(ctx, f.Code)
		if got.Held != 0 || got.Free != 7 {
			t.Fatalf("after the hold's expiry: held %d free %d", got.Held, got.Free)
		}
		now = now.Add(48 * time.Hour)
		got, _ = db.Facilities.FindFacility(ctx, f.Code)
		if got.Blocked != 0 || got.Free != 10 {
			t.Fatalf("after the block: blocked %d free %d", got.Blocked, got.Free)
		}
		// Stale: confirmed before the last 10:00 deadline.
		if !got.Stale {
			t.Fatal("a facility confirmed two days ago is not stale")
		}
		// Over-declaration is refused; a suspended facility has no free places.
		if _, err := db.Facilities.SetAvailability(ctx, f.Code, got.Version, domain.Availability{Occupied: 46}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("occupied above contracted: %v", err)
		}
		got.Status = domain.StatusSuspended
		if err := db.Facilities.UpdateFacility(ctx, &got, got.Version); err != nil {
			t.Fatal(err)
		}
		got, _ = db.Facilities.FindFacility(ctx, f.Code)
		if got.Free != 0 {
			t.Fatalf("suspended facility has %d free", got.Free)
		}
	})
}

func TestOptimisticConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, f, _ := facilityFixture(t, db, 10)
		var ok, stale atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				_, err := db.Facilities.SetAvailability(ctx, f.Code, f.Version, domain.Availability{Occupied: i})
				switch domain.ErrorCode(err) {
				case "":
					ok.Add(1)
				case domain.EPRECONDITION:
					stale.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 || stale.Load() != 7 {
			t.Fatalf("same version, 8 writers: %d succeeded, %d stale; want exactly 1 and 7", ok.Load(), stale.Load())
		}
		got, _ := db.Facilities.FindFacility(ctx, f.Code)
		if got.Version != f.Version+1 {
			t.Fatalf("version %d, want %d", got.Version, f.Version+1)
		}
	})
}

// TestHoldsNeverOversell is the never-oversell rule (docs/facilities.md, ADR 0004) at the store: many concurrent
// holds of one place each on capacity 1 and 100; exactly capacity succeed.
// With -tags naivehold (read-then-write) it fails.
func TestHoldsNeverOversell(t *testing.T) {
	for _, capacity := range []int{1, 100} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx, f, _ := facilityFixture(t, db, capacity)
				const clients, attempts = 64, 4
				var won atomic.Int32
				var wg sync.WaitGroup
				for range clients {
					wg.Go(func() {
						for range attempts {
							_, err := db.Facilities.Hold(ctx, f.Code, 1, time.Now().Add(time.Hour), "prova")
							switch domain.ErrorCode(err) {
							case "":
								won.Add(1)
							case domain.ECONFLICT:
							default:
								t.Error(err)
							}
						}
					})
				}
				wg.Wait()
				holds, _ := db.Facilities.ListHolds(ctx, f.Code)
				got, _ := db.Facilities.FindFacility(ctx, f.Code)
				if int(won.Load()) != capacity || len(holds) != capacity || got.Held != capacity || got.Free != 0 {
					t.Fatalf("capacity %d: %d acknowledged, %d stored, held %d, free %d", capacity, won.Load(),
						len(holds), got.Held, got.Free)
				}
			})
		})
	}
}

func TestHoldsReleaseAndValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, f, _ := facilityFixture(t, db, 5)
		h, err := db.Facilities.Hold(ctx, f.Code, 5, time.Now().Add(time.Hour), "piano 1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Facilities.Hold(ctx, f.Code, 1, time.Now().Add(time.Hour), "piano 2"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("hold on a full facility: %v", err)
		}
		if err := db.Facilities.ReleaseHold(ctx, h.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.Facilities.ReleaseHold(ctx, h.ID); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("releasing twice: %v", err)
		}
		for _, bad := range []struct {
			places  int
			expires time.Duration
			reason  string
		}{{0, time.Hour, "x"}, {1, -time.Minute, "x"}, {1, 31 * 24 * time.Hour, "x"}, {1, time.Hour, " "}} {
			if _, err := db.Facilities.Hold(ctx, f.Code, bad.places, time.Now().Add(bad.expires), bad.reason); domain.ErrorCode(err) != domain.EINVALID {
				t.Errorf("hold %+v: %v", bad, err)
			}
		}
	})
}

func TestFacilityScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, f, g := facilityFixture(t, db, 10)
		fe, _ := db.Orgs.FindOfficeBySigla(ctx, "FE")
		bo, _ := db.Orgs.FindOfficeBySigla(ctx, "BO")
		prefFE := storetest.CtxAs(domain.Actor{UserID: "u1", Role: domain.RolePrefecture, OfficeID: fe.ID, ProvinceCode: "038"})
		prefBO := storetest.CtxAs(domain.Actor{UserID: "u2", Role: domain.RolePrefecture, OfficeID: bo.ID, ProvinceCode: "037"})
		opOwn := storetest.CtxAs(domain.Actor{UserID: "u3", Role: domain.RoleOperator, GestoreID: g.ID})
		opOther := storetest.CtxAs(domain.Actor{UserID: "u4", Role: domain.RoleOperator, GestoreID: "other"})
		viewer := storetest.CtxAs(domain.Actor{UserID: "u5", Role: domain.RoleViewer})

		// Ferrara reads Bologna's free places but cannot change or hold them.
		if _, err := db.Facilities.FindFacility(prefFE, f.Code); err != nil {
			t.Fatalf("prefecture reading another province: %v", err)
		}
		if _, err := db.Facilities.Hold(prefFE, f.Code, 1, time.Now().Add(time.Hour), "x"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("Ferrara holding in Bologna: %v", err)
		}
		if _, err := db.Facilities.Hold(prefBO, f.Code, 1, time.Now().Add(time.Hour), "x"); err != nil {
			t.Fatalf("Bologna holding in Bologna: %v", err)
		}
		// Operators: their own facilities only; another's reads as not found.
		if _, err := db.Facilities.SetAvailability(opOwn, f.Code, f.Version, domain.Availability{Occupied: 2}); err != nil {
			t.Fatalf("own operator: %v", err)
		}
		if _, err := db.Facilities.FindFacility(opOther, f.Code); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("other operator reading: %v", err)
		}
		if list, _ := db.Facilities.ListFacilities(opOther, domain.FacilityFilter{}); len(list) != 0 {
			t.Fatalf("other operator lists %d facilities", len(list))
		}
		if _, err := db.Facilities.Hold(opOwn, f.Code, 1, time.Now().Add(time.Hour), "x"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("operator holding: %v", err)
		}
		// Viewers: the board, not the facilities.
		if _, err := db.Facilities.ListFacilities(viewer, domain.FacilityFilter{}); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("viewer listing facilities: %v", err)
		}
		b, err := db.Facilities.Board(viewer, domain.FacilityFilter{})
		if err != nil || b.Totals.Active != 10 || b.Totals.Free != 10-2-1 {
			t.Fatalf("viewer's board: %+v %v", b.Totals, err)
		}
		// Creating in another province is refused.
		nf := &domain.Facility{Name: "X", Type: domain.TypeHub, Target: domain.TargetMixed, GestoreID: g.ID,
			ComuneCode: "037006", Contracted: 1, Active: 1}
		if err := db.Facilities.CreateFacility(prefFE, nf); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("Ferrara creating in Bologna: %v", err)
		}
	})
}

func TestConvertHold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, f, _ := facilityFixture(t, db, 10)
		h, err := db.Facilities.Hold(ctx, f.Code, 4, time.Now().Add(time.Hour), "arrivo")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Facilities.ConvertHold(ctx, h.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Facilities.FindFacility(ctx, f.Code)
		if got.Held != 0 || got.Occupied != 4 || got.Free != 6 {
			t.Fatalf("after conversion: held %d occupied %d free %d", got.Held, got.Occupied, got.Free)
		}
		if err := db.Facilities.ConvertHold(ctx, h.ID); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("converting twice: %v", err)
		}
		holds, _ := db.Facilities.ListHolds(ctx, f.Code)
		if holds[0].Status != "converted" {
			t.Fatalf("status = %s", holds[0].Status)
		}
	})
}
