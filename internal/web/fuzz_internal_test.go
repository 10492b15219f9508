package web

// Fuzz targets for what the web layer parses by hand or builds into headers
// (docs/security.md R15, R19). Seeds in testdata/fuzz.

import (
	"errors"
	"net/url"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
)

// FuzzUnitsFromComposition: the new-plan form's counts and household sizes
// ("4, 3") give units whose sizes add up to what was asked, or a field error.
func FuzzUnitsFromComposition(f *testing.F) {
	f.Add(10, 2, 1, "4, 3")
	f.Add(0, 0, 0, "")
	f.Add(-1, 0, 0, "2;2 2")
	f.Add(1, 1, 1, "1, 16, x")
	f.Add(5000, 0, 0, "99999999999999999999")
	f.Fuzz(func(t *testing.T, men, women, msna int, households string) {
		if len(households) > 64<<10 {
			return // the form's body is capped at 64 KiB
		}
		units, err := unitsFromComposition(men, women, msna, households)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EINVALID || len(de.Fields) == 0 {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		if men < 0 || women < 0 || msna < 0 {
			t.Fatalf("negative counts accepted: %d %d %d", men, women, msna)
		}
		singles, ids := 0, map[string]bool{}
		for _, u := range units {
			if ids[u.ID] {
				t.Fatalf("unit id %s twice", u.ID)
			}
			ids[u.ID] = true
			switch {
			case u.Group == domain.GroupFamily && (u.Size < 2 || u.Size > domain.MaxHousehold):
				t.Fatalf("household of %d", u.Size)
			case u.Group != domain.GroupFamily:
				if u.Size != 1 {
					t.Fatalf("single unit of size %d", u.Size)
				}
				singles++
			}
		}
		if singles != men+women+msna {
			t.Fatalf("%d singles for %d+%d+%d", singles, men, women, msna)
		}
	})
}

// FuzzFacilityFilter: the board's filters come back as they were given, so a
// bookmarked view is the same view, and nothing is invented.
func FuzzFacilityFilter(f *testing.F) {
	f.Add("provincia=037&tipologia=cas_collettivo&destinatari=men&caratteristica=wheelchair&scadute=1&q=Ponte")
	f.Add("q=%00%0d%0a&provincia=../../")
	f.Add("scadute=&q=a&q=b")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt := facilityFilter(q)
		if flt.ProvinceCode != q.Get("provincia") || flt.Query != q.Get("q") || string(flt.Type) != q.Get("tipologia") ||
			string(flt.Target) != q.Get("destinatari") || flt.Feature != q.Get("caratteristica") || flt.OnlyStale != (q.Get("scadute") != "") {
			t.Fatalf("filter %+v from %q", flt, raw)
		}
		back := url.Values{}
		for k, v := range map[string]string{"provincia": flt.ProvinceCode, "q": flt.Query} {
			if v != "" {
				back.Set(k, v)
			}
		}
		again := facilityFilter(back)
		if again.ProvinceCode != flt.ProvinceCode || again.Query != flt.Query {
			t.Fatalf("round trip of %q changed the filter", raw)
		}
	})
}
