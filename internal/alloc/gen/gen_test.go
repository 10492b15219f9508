package gen

import (
	"reflect"
	"slices"
	"testing"

	"github.com/gesta-er/gesta/internal/alloc"
)

// TestVariants: the batches have the shapes their documentation promises,
// and every one is a valid instance.
func TestVariants(t *testing.T) {
	mp, err := LoadMap()
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mp.Batch(Region, 3), mp.BatchOf(Region, 3, Variant{}); !reflect.DeepEqual(a, b) {
		t.Error("the zero variant is not Batch")
	}
	var people, inHouseholds, households, large, infant int
	for seed := 1; seed <= 8; seed++ {
		in := mp.BatchOf(Region, seed, Variant{Families: true})
		if err := in.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, u := range in.Units {
			people += u.Size
			if u.Size >= 2 {
				inHouseholds += u.Size
				households++
				if u.Size >= 5 {
					large++
				}
				if slices.Contains(u.Needs, "infant") {
					infant++
				}
			}
		}
	}
	if share := float64(inHouseholds) / float64(people); share < 0.4 || share > 0.6 {
		t.Errorf("%.2f of the people in households, want about half", share)
	}
	if share := float64(large) / float64(households); share < 0.25 || share > 0.42 {
		t.Errorf("%.2f of households of 5 or more, want about a third", share)
	}
	if share := float64(infant) / float64(households); share < 0.12 || share > 0.28 {
		t.Errorf("%.2f of households need an infant-suitable facility, want about a fifth", share)
	}
	in := mp.BatchOf(Nation, 1, Variant{Families: true, Italy: true})
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	lo, hi := int64(1<<62), int64(0)
	for _, f := range in.Facilities {
		km := alloc.Km(in.Origin, f.Lat, f.Lon)
		lo, hi = min(lo, km), max(hi, km)
	}
	if len(in.Comuni) != 2000 || lo > 60 || hi < 900 || hi > 1400 {
		t.Errorf("national map: %d comuni, distances %d–%d km", len(in.Comuni), lo, hi)
	}
}
