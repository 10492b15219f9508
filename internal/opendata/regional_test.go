package opendata

import "testing"

// The known values come from the reference data's README (the Ministry's
// published figures), not from the file itself.
func TestRegionalSeries(t *testing.T) {
	all, err := RegionalSeries("")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 100 || all[0].Date != "2019-09-30" {
		t.Fatalf("%d points from %s", len(all), all[0].Date)
	}
	want := map[string][2]int{"2022-12-31": {10503, 0}, "2023-12-31": {12914, 139388}, "2024-12-31": {12528, 0}}
	found := 0
	for _, p := range all {
		if w, ok := want[p.Date]; ok {
			found++
			if p.ERTotal != w[0] || (w[1] != 0 && p.ITTotal != w[1]) {
				t.Errorf("%s: ER %d IT %d, want %v", p.Date, p.ERTotal, p.ITTotal, w)
			}
		}
	}
	if found != len(want) {
		t.Errorf("found %d of the known dates", found)
	}
	part, err := RegionalSeries("2023-12-31")
	if err != nil || part[len(part)-1].Date != "2023-12-31" || len(part) >= len(all) {
		t.Errorf("series until 2023-12-31 ends %s (%d points, %v)", part[len(part)-1].Date, len(part), err)
	}
}
