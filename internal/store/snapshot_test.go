package store_test

import (
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestSeededHistoryMeetsToday: the demo's synthetic history counts free
// places as the board does (none in a suspended facility, holds and blocks
// subtracted), so with no deviation yesterday's free places per province are
// today's — the 90-day chart does not drop on its last day.
func TestSeededHistoryMeetsToday(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{}); err != nil {
			t.Fatal(err)
		}
		fs, err := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{})
		if err != nil {
			t.Fatal(err)
		}
		suspended := 0
		for _, f := range fs {
			if f.Status != domain.StatusActive && f.Active > f.Occupied {
				suspended++
			}
		}
		if suspended == 0 {
			t.Fatal("the demo has no suspended facility with room: the test would prove nothing")
		}
		if err := db.Facilities.SeedSnapshots(ctx, 3, func(int, int) int { return 0 }); err != nil {
			t.Fatal(err)
		}
		series, err := db.Facilities.FreeSeries(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		today := map[string]int{}
		for _, f := range fs {
			today[f.ProvinceCode] += f.Free
		}
		if len(series) != 9 {
			t.Fatalf("series for %d provinces", len(series))
		}
		for province, days := range series {
			for day, free := range days {
				if free != today[province] {
					t.Errorf("%s on %s: %d free, today %d", province, day, free, today[province])
				}
			}
		}
	})
}
