package domain

import (
	"maps"
	"slices"
	"sort"
)

// The rules of a plan's life that need no database: which step may run in
// which status, where the provinces' progress leads, which unit a facility
// takes, and how a reasoned change of the province split is checked and
// applied. The store calls them inside its transactions.

// PlanStep is a step of a plan's life, as the store runs it.
type PlanStep string

// The steps.
const (
	StepSplit   PlanStep = "split"   // propose the province split (again, before publication)
	StepAdjust  PlanStep = "adjust"  // change the proposed split, with a reason
	StepPublish PlanStep = "publish" // notify the prefectures
	StepAmend   PlanStep = "amend"   // replace the units (a later notice); the split starts over
	StepPlace   PlanStep = "place"   // a province places, departs, confirms arrivals
	StepClose   PlanStep = "close"   // every arrival confirmed: the figures are final
	StepCancel  PlanStep = "cancel"  // refused as well once an arrival is confirmed (checked on the data)
)

// planSteps is the transition table: the statuses a step may start from and
// the status it leads to. StepPlace leads where the provinces' progress says
// (PlanProgress).
var planSteps = map[PlanStep]struct {
	from []PlanStatus
	to   PlanStatus
}{
	StepSplit:   {from: []PlanStatus{PlanAnnounced, PlanProposed}, to: PlanProposed},
	StepAdjust:  {from: []PlanStatus{PlanProposed}, to: PlanProposed},
	StepPublish: {from: []PlanStatus{PlanProposed}, to: PlanPublished},
	StepAmend:   {from: []PlanStatus{PlanAnnounced, PlanProposed, PlanPublished}, to: PlanAnnounced},
	StepPlace:   {from: []PlanStatus{PlanPublished, PlanPlaced, PlanInTransit}},
	StepClose:   {from: []PlanStatus{PlanArrived}, to: PlanClosed},
	StepCancel: {from: []PlanStatus{PlanAnnounced, PlanProposed, PlanPublished, PlanPlaced, PlanInTransit, PlanArrived},
		to: PlanCancelled},
}

// Allows reports whether the step may run on a plan in status s.
func (step PlanStep) Allows(s PlanStatus) bool {
	return slices.Contains(planSteps[step].from, s)
}

// PlanProgress is the status a plan in its placement phase has, given how many
// provinces with a share there are and how many of them placed, saw a
// departure and confirmed their arrivals.
func PlanProgress(shares, placed, departed, arrived int) PlanStatus {
	switch {
	case arrived == shares:
		return PlanArrived
	case departed > 0 || arrived > 0:
		return PlanInTransit
	case placed == shares:
		return PlanPlaced
	default:
		return PlanPublished
	}
}

// AcceptedGroups maps a facility's target to the unit groups it takes.
func (t Target) AcceptedGroups() []string {
	switch t {
	case TargetMen:
		return []string{GroupMan}
	case TargetWomen:
		return []string{GroupWoman}
	case TargetFamilies:
		return []string{GroupFamily, GroupWoman}
	case TargetMSNA:
		return []string{GroupMinor}
	case TargetMixed:
		return []string{GroupMan, GroupWoman, GroupFamily}
	}
	return nil
}

// CheckUnitFits refuses (EINVALID) a unit the facility does not take: a group
// outside its target, or a need among the unit's that it lacks.
func CheckUnitFits(f Facility, u PlanUnit) error {
	if !slices.Contains(f.Target.AcceptedGroups(), u.Group) {
		return Err(EINVALID, "err.place.target", "Code", f.Code, "Target", Label("target."+string(f.Target)), "Unit", u.ID,
			"Group", Label("group."+string(u.Group)))
	}
	for _, n := range u.Needs {
		if !f.HasFeature(n) {
			return Err(EINVALID, "err.place.feature", "Code", f.Code, "Unit", u.ID, "Feature", Label("feature."+n))
		}
	}
	return nil
}

// SplitTargets checks a reasoned change of a proposed split and returns the
// persons of every province after it: rows are the provinces' current
// shares, persons the changed ones (province code → persons), total the
// plan's. No negative share, no unknown province, the sum equal to the total
// and at least one share changed; EINVALID otherwise.
func SplitTargets(rows []PlanProvince, persons map[string]int, total int) (map[string]int, error) {
	target, sum := map[string]int{}, 0
	for _, r := range rows {
		target[r.Code] = r.Persons
		if n, ok := persons[r.Code]; ok {
			if n < 0 {
				return nil, Err(EINVALID, "err.plan.persons_negative")
			}
			target[r.Code] = n
		}
		sum += target[r.Code]
	}
	for c := range persons {
		if _, ok := target[c]; !ok {
			return nil, Err(EINVALID, "err.province.unknown", "Province", c)
		}
	}
	if sum != total {
		return nil, Err(EINVALID, "err.plan.share_sum", "Got", sum, "Want", total)
	}
	changed := false
	for _, r := range rows {
		changed = changed || target[r.Code] != r.Persons
	}
	if !changed {
		return nil, Err(EINVALID, "err.plan.no_share_changed")
	}
	return target, nil
}

// ReassignUnits moves units so that each province's persons equal target.
// Provinces over target give up single persons first (the last ones), then
// their smallest household; provinces under target take households that fit,
// then singles. Households are never split: when the targets cannot be met
// exactly, the error says so.
func ReassignUnits(units []PlanUnit, target map[string]int) (map[string]string, error) {
	have := map[string]int{}
	byProv := map[string][]PlanUnit{}
	for _, u := range units {
		have[u.Province] += u.Size
		byProv[u.Province] = append(byProv[u.Province], u)
	}
	var pool []PlanUnit
	for _, c := range slices.Sorted(maps.Keys(target)) {
		us := byProv[c]
		// singles from the end, then households smallest first
		sort.SliceStable(us, func(i, j int) bool { return us[i].Size > us[j].Size })
		for have[c] > target[c] && len(us) > 0 {
			k := len(us) - 1
			if us[k].Size > 1 && have[c]-target[c] < us[k].Size {
				// a household would overshoot: take it only when no single remains
				k = -1
				for i := len(us) - 1; i >= 0; i-- {
					if us[i].Size == 1 {
						k = i
						break
					}
				}
				if k < 0 {
					k = len(us) - 1
				}
			}
			pool = append(pool, us[k])
			have[c] -= us[k].Size
			us = append(us[:k], us[k+1:]...)
		}
	}
	sort.SliceStable(pool, func(i, j int) bool { return pool[i].Size > pool[j].Size })
	moved := map[string]string{}
	taken := make([]bool, len(pool))
	for _, c := range slices.Sorted(maps.Keys(target)) {
		for i, u := range pool {
			if !taken[i] && have[c]+u.Size <= target[c] {
				taken[i], moved[u.ID] = true, c
				have[c] += u.Size
			}
		}
	}
	for i, u := range pool {
		if !taken[i] { // nobody could take it whole: back home, and the targets are not met
			have[u.Province] += u.Size
		}
	}
	for c, n := range target {
		if have[c] != n {
			return nil, Err(EINVALID, "err.plan.split_indivisible", "Province", c, "Got", have[c], "Want", n)
		}
	}
	return moved, nil
}
