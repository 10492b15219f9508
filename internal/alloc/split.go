// Package alloc is the allocation engine: how many people each province takes
// from an arriving group (Split), and — in a later step — which facility each
// person or household goes to. Pure Go: no database, no HTTP.
package alloc

import (
	"fmt"
	"math"
	"sort"
)

// Groups of units.
const (
	GroupMan      = "uomini" // single adult man (the codes are domain's: domain.GroupMan…)
	GroupWoman    = "donne"  // single adult woman
	GroupFamily   = "nuclei" // household, indivisible
	GroupMinor    = "msna"   // unaccompanied minor
	damperLow     = 0.5      // β: every province takes at least ⌊β·q⌋ of a batch (when it can)
	damperHigh    = 2.0      // γ: and at most ⌈γ·q⌉, so that an old deficit is recovered gradually
	shareEpsilon  = 1e-9
	maxUnitSize   = 30
	maxProvinces  = 200
	maxBatchUnits = 100_000
)

// Province is one province's key share, history and free places.
type Province struct {
	Code     string         `json:"code"`
	Share    float64        `json:"share"`
	Received int            `json:"received"`
	Free     map[string]int `json:"free,omitempty"` // per group; a group absent or the map nil: no cap
}

// Unit is a person, or a household that goes whole.
type Unit struct {
	ID    string `json:"id"`
	Size  int    `json:"size"`
	Group string `json:"group"`
}

// SplitInput is the JSON of `gesta alloc split`.
type SplitInput struct {
	Provinces       []Province `json:"provinces"`
	CumulativeTotal int        `json:"cumulative_total"`
	Units           []Unit     `json:"units"`
}

// ProvinceResult is one province's part of the batch.
type ProvinceResult struct {
	Code    string   `json:"code"`
	Persons int      `json:"persons"`
	Units   []string `json:"units"`
	Why     SplitWhy `json:"why"`
}

// SplitWhy is why a province got its part: the figures of the rule (its key's
// quota of the batch, the cumulative quota and what it received, the balance)
// and the limits that bound it. Figures, not words: the presentation says them.
type SplitWhy struct {
	BatchQuota float64        `json:"batch_quota"` // key × batch
	Key        float64        `json:"key"`
	Batch      int            `json:"batch"`
	Cumulative float64        `json:"cumulative_quota"`
	Received   int            `json:"received"`
	Balance    float64        `json:"balance"` // received − cumulative quota
	Low        int            `json:"low"`     // the batch's bounds for the province
	High       int            `json:"high"`
	Free       map[string]int `json:"free,omitempty"` // free places by group, where they limit
}

// SplitOutput is the answer.
type SplitOutput struct {
	Provinces []ProvinceResult `json:"provinces"`
	Unplaced  []string         `json:"unplaced"`
}

// Validate checks the input and returns an error in Italian naming the field.
func (in *SplitInput) Validate() error {
	if len(in.Provinces) == 0 || len(in.Provinces) > maxProvinces {
		return fmt.Errorf("province: da 1 a %d", maxProvinces)
	}
	if len(in.Units) > maxBatchUnits {
		return fmt.Errorf("units: al massimo %d", maxBatchUnits)
	}
	sum, received := 0.0, 0
	codes := map[string]bool{}
	for i, p := range in.Provinces {
		if p.Code == "" || codes[p.Code] {
			return fmt.Errorf("provinces[%d].code: mancante o ripetuto", i)
		}
		codes[p.Code] = true
		if p.Share < 0 || math.IsNaN(p.Share) {
			return fmt.Errorf("provinces[%d].share: negativa", i)
		}
		if p.Received < 0 {
			return fmt.Errorf("provinces[%d].received: negativo", i)
		}
		for g, n := range p.Free {
			if n < 0 || !validGroup(g) {
				return fmt.Errorf("provinces[%d].free.%s: gruppo sconosciuto o valore negativo", i, g)
			}
		}
		sum += p.Share
		received += p.Received
	}
	if math.Abs(sum-1) > 1e-6 {
		return fmt.Errorf("provinces.share: la somma è %.6f, deve essere 1", sum)
	}
	if in.CumulativeTotal != received {
		return fmt.Errorf("cumulative_total: %d, ma la somma di received è %d", in.CumulativeTotal, received)
	}
	ids := map[string]bool{}
	for i, u := range in.Units {
		if u.ID == "" || ids[u.ID] {
			return fmt.Errorf("units[%d].id: mancante o ripetuto", i)
		}
		ids[u.ID] = true
		if !validGroup(u.Group) {
			return fmt.Errorf("units[%d].group: %q sconosciuto (uomini, donne, nuclei, msna)", i, u.Group)
		}
		if u.Size < 1 || u.Size > maxUnitSize || (u.Group != GroupFamily && u.Size != 1) {
			return fmt.Errorf("units[%d].size: %d non valido (1 per persone sole, 1–%d per i nuclei)", i, u.Size, maxUnitSize)
		}
	}
	return nil
}

func validGroup(g string) bool {
	return g == GroupMan || g == GroupWoman || g == GroupFamily || g == GroupMinor
}

// state is a province during the split.
type state struct {
	Province
	index     int
	taken     int            // persons of this batch
	freeLeft  map[string]int // remaining caps (absent: no cap)
	low, high int            // damping bounds on this batch's persons
	units     []string
}

func (s *state) fits(u Unit) bool {
	if n, capped := s.freeLeft[u.Group]; capped && n < u.Size {
		return false
	}
	return true
}

// Split divides a batch among the provinces.
//
// Method: a sequential quota method on cumulative totals (Balinski & Young,
// "A new method for congressional apportionment", PNAS 1975; Fair
// Representation, 2nd ed. 2001, ch. 12). Units go one at a time, larger
// households first, each to the eligible province with the largest priority
// share / (cumulative persons + 1) — Jefferson's divisor, the one the quota
// method is built on. A province is eligible when the unit fits its free
// places for the group, keeps it within its upper cumulative quota
// ⌈share × (cumulative total + unit)⌉, and within its batch bound. With single
// persons and no binding cap the result stays within the floor and ceiling of
// every province's exact cumulative share after every batch (the quota
// property; see TestQuotaOverTime).
//
// Damping: within a batch a province takes at most ⌈2·q⌉ persons (q = share ×
// batch size) and, when others are ready to take it, at least ⌊0.5·q⌋ first;
// so a deficit left by caps in earlier batches is recovered over several
// batches and never dumped on one province at once. When no eligible province
// remains, the guards are relaxed in order — batch bound, then upper quota —
// and a unit that fits nowhere is reported unplaced.
//
// Ties: larger share, then the lower code (ISTAT order). Units are taken by
// size (descending), then id: the same input always gives the same output.
func Split(in SplitInput) (SplitOutput, error) {
	if err := in.Validate(); err != nil {
		return SplitOutput{}, err
	}
	batch := 0
	for _, u := range in.Units {
		batch += u.Size
	}
	ps := make([]*state, len(in.Provinces))
	for i, p := range in.Provinces {
		s := &state{Province: p, index: i, freeLeft: map[string]int{}}
		for g, n := range p.Free {
			s.freeLeft[g] = n
		}
		q := p.Share * float64(batch)
		s.low = int(math.Floor(damperLow*q + shareEpsilon))
		s.high = int(math.Ceil(damperHigh*q - shareEpsilon))
		ps[i] = s
	}
	units := append([]Unit(nil), in.Units...)
	sort.SliceStable(units, func(i, j int) bool {
		if units[i].Size != units[j].Size {
			return units[i].Size > units[j].Size
		}
		return units[i].ID < units[j].ID
	})
	total := in.CumulativeTotal
	var out SplitOutput
	for _, u := range units {
		p := choose(ps, u, total)
		if p == nil {
			out.Unplaced = append(out.Unplaced, u.ID)
			continue
		}
		p.taken += u.Size
		p.Received += u.Size
		total += u.Size
		if n, capped := p.freeLeft[u.Group]; capped {
			p.freeLeft[u.Group] = n - u.Size
		}
		p.units = append(p.units, u.ID)
	}
	for _, p := range ps {
		exact := p.Share * float64(total)
		units := p.units
		if units == nil {
			units = []string{}
		}
		out.Provinces = append(out.Provinces, ProvinceResult{Code: p.Code, Persons: p.taken, Units: units,
			Why: why(p, batch, exact)})
	}
	if out.Unplaced == nil {
		out.Unplaced = []string{}
	}
	return out, nil
}

// choose returns the province for the unit, or nil if it fits nowhere.
func choose(ps []*state, u Unit, total int) *state {
	// Strict pass: quota guard, batch bound, and the lower bounds of others
	// served first (a province below its floor for the batch goes before one
	// above it).
	type guard struct{ quota, bound bool }
	for _, g := range []guard{{true, true}, {false, true}, {false, false}} {
		var best *state
		bestBelow := false
		for _, p := range ps {
			if p.Share <= 0 || !p.fits(u) {
				continue
			}
			if g.bound && p.taken+u.Size > max(p.high, u.Size) {
				continue
			}
			if g.quota && float64(p.Received+u.Size) > math.Ceil(p.Share*float64(total+u.Size)-shareEpsilon)+shareEpsilon {
				continue
			}
			below := p.taken < p.low
			if best == nil || (below && !bestBelow) || (below == bestBelow && better(p, best)) {
				best, bestBelow = p, below
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}

// better compares priorities share/(cumulative+1) exactly, by cross
// multiplication, then breaks ties by share and code.
func better(a, b *state) bool {
	pa := a.Share * float64(b.Received+1)
	pb := b.Share * float64(a.Received+1)
	if math.Abs(pa-pb) > shareEpsilon*math.Max(pa, pb) {
		return pa > pb
	}
	if a.Share != b.Share {
		return a.Share > b.Share
	}
	return a.Code < b.Code
}

func why(p *state, batch int, exact float64) SplitWhy {
	w := SplitWhy{BatchQuota: p.Share * float64(batch), Key: p.Share, Batch: batch, Cumulative: exact,
		Received: p.Received, Balance: float64(p.Received) - exact, Low: p.low, High: p.high}
	for _, g := range []string{GroupMan, GroupWoman, GroupFamily, GroupMinor} {
		if n, ok := p.Free[g]; ok {
			if w.Free == nil {
				w.Free = map[string]int{}
			}
			w.Free[g] = n
		}
	}
	return w
}
