package alloc_test

// Fuzz targets for the allocation engine's JSON inputs (docs/security.md R15), as
// `gesta alloc solve` and `gesta alloc split` decode them. Seeds in testdata/fuzz.

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/alloc"
)

const seedInstance = `{"origin":{"lat":44.49,"lon":11.34},"weights":{"distance":1,"over_guideline":100,"unplaced":100000},
"units":[{"id":"U1","size":1,"group":"man","needs":[]},{"id":"N1","size":4,"group":"family","needs":["infants"]},
{"id":"D1","size":1,"group":"woman"}],
"facilities":[{"id":"BO-0001","free":3,"accepts":["man","woman"],"features":[],"lat":44.5,"lon":11.3,"comune":"037006"},
{"id":"BO-0002","free":5,"accepts":["family"],"features":["infants"],"lat":44.6,"lon":11.2,"comune":"037006"}],
"comuni":[{"code":"037006","residents":390000,"hosted":800,"per_thousand":2.5}]}`

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// FuzzInstanceJSON: a decoded instance is valid or refused with
// ErrBadInstance; a small valid one solves to a placement that respects every
// facility's free places and accepted groups and names each unit once.
func FuzzInstanceJSON(f *testing.F) {
	f.Add([]byte(seedInstance))
	f.Add([]byte(`{"units":[{"id":"U1","size":0,"group":"man"}],"facilities":[]}`))
	f.Add([]byte(`{"units":[{"id":"U1","size":1,"group":"alien"}],"facilities":[{"id":"F","free":-1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in alloc.Instance
		if err := decodeStrict(data, &in); err != nil {
			return
		}
		if err := in.Validate(); err != nil {
			if !errors.Is(err, alloc.ErrBadInstance) {
				t.Fatalf("validation error not marked as a bad instance: %v", err)
			}
			return
		}
		units := 0
		for _, u := range in.Units {
			units += u.Size
		}
		if len(in.Units) > 40 || len(in.Facilities) > 12 || units > 200 {
			return // the property, not the search's speed on big inputs
		}
		free := 0
		for _, fc := range in.Facilities {
			free += fc.Free
		}
		if free > 1000 {
			return
		}
		sol, err := alloc.Solve(&in, 200*time.Millisecond)
		if err != nil {
			if !errors.Is(err, alloc.ErrBadInstance) {
				t.Fatalf("valid instance, solve failed: %v", err)
			}
			return
		}
		unit := map[string]alloc.PlaceUnit{}
		for _, u := range in.Units {
			unit[u.ID] = u
		}
		fac := map[string]alloc.PlaceFacility{}
		for _, fc := range in.Facilities {
			fac[fc.ID] = fc
		}
		seen := map[string]bool{}
		used := map[string]int{}
		for _, a := range sol.Assignments {
			u, ok := unit[a.Unit]
			fc, ok2 := fac[a.Facility]
			if !ok || !ok2 || seen[a.Unit] {
				t.Fatalf("assignment %+v: unknown or repeated", a)
			}
			seen[a.Unit] = true
			used[a.Facility] += u.Size
			if !slices.Contains(fc.Accepts, u.Group) {
				t.Fatalf("unit %s (%s) in %s, which accepts %v", u.ID, u.Group, fc.ID, fc.Accepts)
			}
		}
		for _, id := range sol.Unplaced {
			if _, ok := unit[id]; !ok || seen[id] {
				t.Fatalf("unplaced %q: unknown or also placed", id)
			}
			seen[id] = true
		}
		if len(seen) != len(in.Units) {
			t.Fatalf("%d of %d units accounted for", len(seen), len(in.Units))
		}
		for id, n := range used {
			if n > fac[id].Free {
				t.Fatalf("%s: %d placed, %d free", id, n, fac[id].Free)
			}
		}
		if sol.Bound > sol.Objective {
			t.Fatalf("bound %d above the objective %d", sol.Bound, sol.Objective)
		}
	})
}

// FuzzSplitJSON: the province split refuses what it cannot split with an
// error and otherwise hands out each unit once.
func FuzzSplitJSON(f *testing.F) {
	f.Add([]byte(`{"provinces":[{"code":"037","share":0.5},{"code":"038","share":0.5}],"cumulative_total":0,
"units":[{"id":"U1","size":1},{"id":"N1","size":3}]}`))
	f.Add([]byte(`{"provinces":[],"units":[{"id":"U1","size":-1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in alloc.SplitInput
		if err := decodeStrict(data, &in); err != nil || len(in.Units) > 200 || len(in.Provinces) > 20 {
			return
		}
		out, err := alloc.Split(in)
		if err != nil {
			return
		}
		size := map[string]int{}
		for _, u := range in.Units {
			size[u.ID] = u.Size
		}
		seen := map[string]bool{}
		for _, p := range out.Provinces {
			persons := 0
			for _, u := range p.Units {
				if _, ok := size[u]; !ok || seen[u] {
					t.Fatalf("unit %q: unknown or given twice", u)
				}
				seen[u] = true
				persons += size[u]
			}
			if persons != p.Persons {
				t.Fatalf("province %s: %d persons declared, its units hold %d", p.Code, p.Persons, persons)
			}
		}
		for _, u := range out.Unplaced {
			if _, ok := size[u]; !ok || seen[u] {
				t.Fatalf("unplaced %q: unknown or also given", u)
			}
			seen[u] = true
		}
		if len(seen) != len(size) {
			t.Fatalf("%d of %d units accounted for", len(seen), len(size))
		}
	})
}
