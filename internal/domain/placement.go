package domain

import "context"

// PlacementInput is what the engine needs to propose a placement of one
// province's share, as read by the store: the province's units still to
// place, its facilities with their ledgers, the places the plan itself holds
// (they count as free: a proposal can be asked again after placing) and the
// comuni with their residents, for the reception guideline.
type PlacementInput struct {
	Province     string
	Units        []PlanUnit     // the province's units in the plan
	Facilities   []Facility     // the province's facilities, free places computed now
	OwnHeld      map[string]int // facility code → places held by this plan's units
	Capital      string         // ISTAT code of the province's capital comune ("" if unknown)
	Metropolitan bool           // the capital is a metropolitan city's: a lower guideline there
	Comuni       []ComuneResidents
}

// ComuneResidents is a comune of the province with its resident population.
type ComuneResidents struct {
	Code      string
	Residents int
	Capital   bool
}

// PlacementService proposes where a province's share of a plan should go. The
// proposal is only read: placing is PlanService.PlaceUnits.
type PlacementService interface {
	// ProposePlacement asks the engine where the caller's province's share of
	// plan id should go. Permission plan:place with an office's province (else
	// EFORBIDDEN); an unknown plan is ENOTFOUND; a plan not yet published,
	// closed or cancelled, a province without a share or with its arrivals
	// already confirmed is ECONFLICT. Nothing is written; the engine runs
	// within a time limit and says whether its answer is optimal.
	ProposePlacement(ctx context.Context, id string) (PlacementProposal, error)
}

// SplitRequest is what the province split is computed from: each province's
// share of the key table in force, what it received in the period and its
// free places by unit group (nil: no cap), the period's cumulative total and
// the plan's units.
type SplitRequest struct {
	Provinces       []SplitProvince
	CumulativeTotal int
	Units           []PlanUnit
}

// SplitProvince is one province's figures for a split.
type SplitProvince struct {
	Code     string
	Share    float64
	Received int
	Free     map[string]int // unit group → free places; nil: no cap
}

// SplitResult is a proposed split: each province's persons, units and
// explanation, and the units no province could take within its free places.
type SplitResult struct {
	Provinces []SplitShare
	Unplaced  []string
}

// SplitShare is one province's part of a proposed split.
type SplitShare struct {
	Code    string
	Persons int
	Units   []string // unit ids
	Why     SplitWhy
}

// Splitter computes a province split. The store calls it inside
// ProposeSplit's transaction, so that the figures read, the split and its
// record are one; the engine behind it is wired by internal/app. An error
// means the input cannot be split (the store reports EINVALID).
type Splitter func(SplitRequest) (SplitResult, error)
