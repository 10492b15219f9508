package store_test

import (
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// Pages read in the query are the whole list cut in order, with its count;
// the stale filter, applied in SQL, keeps exactly the facilities the ledger
// marks stale.
func TestListFacilitiesPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{}); err != nil {
			t.Fatal(err)
		}
		for _, f := range []domain.FacilityFilter{{ProvinceCode: "BO"}, {ProvinceCode: "BO", OnlyStale: true}, {Target: domain.TargetMen}} {
			all, err := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{ProvinceCode: f.ProvinceCode, Target: f.Target})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, x := range all {
				if !f.OnlyStale || x.Stale {
					want = append(want, x.Code)
				}
			}
			var got []string
			for off := 0; ; off += 7 {
				page, total, err := db.Facilities.ListFacilitiesPage(ctx, f, 7, off)
				if err != nil {
					t.Fatal(err)
				}
				if total != len(want) {
					t.Fatalf("%+v: total %d, want %d", f, total, len(want))
				}
				for _, x := range page {
					got = append(got, x.Code)
				}
				if len(page) < 7 {
					break
				}
			}
			if len(want) == 0 || len(got) != len(want) {
				t.Fatalf("%+v: %d read in pages, %d in the list", f, len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%+v: row %d is %s, want %s", f, i, got[i], want[i])
				}
			}
		}
	})
}
