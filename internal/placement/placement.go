// Package placement is the application service between the distribution
// plans and the allocation engine (internal/alloc): it turns what the store
// reads into the engine's input and the engine's answer into domain values.
// The store never imports the engine: it reads (PlacementInput) and, for the
// province split, calls the domain.Splitter this package provides inside its
// own transaction. See docs/adr/0008-placement-application-service.md.
package placement

import (
	"context"
	"fmt"
	"time"

	"github.com/gesta-er/gesta/internal/alloc"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/territory"
)

// Store reads what a placement proposal needs; *store.PlanService implements it.
type Store interface {
	// PlacementInput checks the caller's permission (plan:place with a
	// province) and scope and the plan's state, and returns the province's
	// units, facilities and comuni: ENOTFOUND out of scope, EFORBIDDEN
	// without the permission, ECONFLICT when the share cannot be placed now.
	PlacementInput(ctx context.Context, id string) (domain.PlacementInput, error)
}

// DefaultTimeLimit bounds the engine's search for a proposal.
const DefaultTimeLimit = 2 * time.Second

// Placement weights: a kilometre per person against forty per person over
// a comune's guideline and a prohibitive cost for leaving someone unplaced.
var placementWeights = alloc.Weights{Distance: 1, OverGuideline: 40, Unplaced: 100000}

// Service implements domain.PlacementService.
type Service struct {
	Store     Store
	TimeLimit time.Duration // 0: DefaultTimeLimit
}

var _ domain.PlacementService = (*Service)(nil)

// ProposePlacement asks the engine where the caller's province's share should
// go: compatible targets and needs, households together, near the province's
// capital, within the comuni's guideline (2.5 per thousand residents, 1.5 in
// a metropolitan capital). The plan's own holds count as free, so that a
// proposal can be asked again after placing.
func (s *Service) ProposePlacement(ctx context.Context, id string) (domain.PlacementProposal, error) {
	pin, err := s.Store.PlacementInput(ctx, id)
	if err != nil {
		return domain.PlacementProposal{}, err
	}
	in, byCode := instance(pin)
	limit := s.TimeLimit
	if limit == 0 {
		limit = DefaultTimeLimit
	}
	sol, err := alloc.Solve(in, limit)
	if err != nil {
		return domain.PlacementProposal{}, fmt.Errorf("placement: %w", err)
	}
	size := map[string]int{}
	for _, u := range pin.Units {
		size[u.ID] = u.Size
	}
	out := domain.PlacementProposal{Province: pin.Province, Objective: sol.Objective, Optimal: sol.Optimal, Bound: sol.Bound,
		Gap: gapPercent(sol), Millis: sol.Stats.Millis, Unplaced: sol.Unplaced, Facilities: byCode}
	for _, a := range sol.Assignments {
		out.Assignments = append(out.Assignments, domain.PlacementLine{Unit: a.Unit, Facility: a.Facility, Size: size[a.Unit], Km: a.Km})
	}
	if out.Unplaced == nil {
		out.Unplaced = []string{}
	}
	return out, nil
}

// gapPercent says how far the proposal may be from the optimum: the share of
// its cost above the proven bound (0 when proven optimal).
func gapPercent(sol *alloc.Solution) float64 {
	if sol.Optimal || sol.Objective <= 0 || sol.Bound >= sol.Objective {
		return 0
	}
	return float64(sol.Objective-sol.Bound) / float64(sol.Objective) * 100
}

// instance builds the engine's instance for a province's units; it returns
// the candidate facilities by code too, for display.
func instance(pin domain.PlacementInput) (*alloc.Instance, map[string]domain.Facility) {
	province, units, fs, ownHeld := pin.Province, pin.Units, pin.Facilities, pin.OwnHeld
	in := &alloc.Instance{Weights: placementWeights, Units: []alloc.PlaceUnit{}, Facilities: []alloc.PlaceFacility{}, Comuni: []alloc.ComuneGuidance{}}
	if cs, err := territory.Centroids(); err == nil {
		if c, ok := cs[pin.Capital]; ok {
			in.Origin = alloc.Point{Lat: c[1], Lon: c[0]}
		}
	}
	hosted := map[string]int{}
	byCode := map[string]domain.Facility{}
	for _, f := range fs {
		hosted[f.ComuneCode] += f.Occupied + f.Held - ownHeld[f.Code]
		free := f.Free + ownHeld[f.Code]
		if f.Status != domain.StatusActive || free <= 0 || f.ProvinceCode != province {
			continue
		}
		byCode[f.Code] = f
		in.Facilities = append(in.Facilities, alloc.PlaceFacility{ID: f.Code, Free: free, Accepts: f.Target.AcceptedGroups(),
			Features: append([]string{}, f.Features...), Lat: f.Lat, Lon: f.Lon, Comune: f.ComuneCode})
	}
	if (in.Origin == alloc.Point{}) && len(in.Facilities) > 0 { // no boundary: the facilities' mean
		for _, f := range in.Facilities {
			in.Origin.Lat += f.Lat / float64(len(in.Facilities))
			in.Origin.Lon += f.Lon / float64(len(in.Facilities))
		}
	}
	for _, c := range pin.Comuni {
		per := 2.5
		if c.Capital && pin.Metropolitan {
			per = 1.5
		}
		in.Comuni = append(in.Comuni, alloc.ComuneGuidance{Code: c.Code, Residents: c.Residents, Hosted: hosted[c.Code], PerThousand: per})
	}
	for _, u := range units {
		if u.Outcome != "" {
			continue
		}
		in.Units = append(in.Units, alloc.PlaceUnit{ID: u.ID, Size: u.Size, Group: u.Group, Needs: append([]string{}, u.Needs...)})
	}
	return in, byCode
}

// Split is the domain.Splitter gesta runs: the engine's province split
// (alloc.Split), for store.DB.Split.
func Split(r domain.SplitRequest) (domain.SplitResult, error) {
	in := alloc.SplitInput{CumulativeTotal: r.CumulativeTotal}
	for _, p := range r.Provinces {
		in.Provinces = append(in.Provinces, alloc.Province{Code: p.Code, Share: p.Share, Received: p.Received, Free: p.Free})
	}
	for _, u := range r.Units {
		in.Units = append(in.Units, alloc.Unit{ID: u.ID, Size: u.Size, Group: u.Group})
	}
	out, err := alloc.Split(in)
	if err != nil {
		return domain.SplitResult{}, err
	}
	res := domain.SplitResult{Unplaced: out.Unplaced}
	for _, p := range out.Provinces {
		res.Provinces = append(res.Provinces, domain.SplitShare{Code: p.Code, Persons: p.Persons, Units: p.Units, Why: domain.SplitWhy(p.Why)})
	}
	return res, nil
}

var _ domain.Splitter = Split
