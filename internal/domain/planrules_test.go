package domain

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPlanStepAllows spells the transition table out as a matrix: for each
// status, the steps that may start from it.
func TestPlanStepAllows(t *testing.T) {
	want := map[PlanStatus][]PlanStep{
		PlanAnnounced: {StepSplit, StepAmend, StepCancel},
		PlanProposed:  {StepSplit, StepAdjust, StepPublish, StepAmend, StepCancel},
		PlanPublished: {StepAmend, StepPlace, StepCancel},
		PlanPlaced:    {StepPlace, StepCancel},
		PlanInTransit: {StepPlace, StepCancel},
		PlanArrived:   {StepClose, StepCancel},
		PlanClosed:    nil,
		PlanCancelled: nil,
	}
	steps := []PlanStep{StepSplit, StepAdjust, StepPublish, StepAmend, StepPlace, StepClose, StepCancel}
	if len(steps) != len(planSteps) {
		t.Fatalf("%d steps in the table, %d tested", len(planSteps), len(steps))
	}
	for _, s := range PlanStatuses {
		for _, step := range steps {
			t.Run(string(s)+"/"+string(step), func(t *testing.T) {
				if got, exp := step.Allows(s), slices.Contains(want[s], step); got != exp {
					t.Errorf("%s from %s: allowed %v, want %v", step, s, got, exp)
				}
			})
		}
	}
	if PlanStep("unknown").Allows(PlanAnnounced) {
		t.Error("an unknown step is allowed")
	}
	// Every step's destination is a status a later step (or none, at the end) starts from.
	for step, tr := range planSteps {
		if tr.to != "" && tr.to.Open() && len(want[tr.to]) == 0 {
			t.Errorf("%s leads to %s, a dead end", step, tr.to)
		}
	}
}

func TestPlanProgress(t *testing.T) {
	for _, c := range []struct {
		name                             string
		shares, placed, departed, arrive int
		want                             PlanStatus
	}{
		{"NothingPlaced", 3, 0, 0, 0, PlanPublished},
		{"SomePlaced", 3, 2, 0, 0, PlanPublished},
		{"AllPlaced", 3, 3, 0, 0, PlanPlaced},
		{"OneDeparture", 3, 3, 1, 0, PlanInTransit},
		{"DepartureBeforeAllPlaced", 3, 1, 1, 0, PlanInTransit},
		{"SomeArrived", 3, 3, 3, 2, PlanInTransit},
		{"AllArrived", 3, 3, 3, 3, PlanArrived},
		{"ArrivedWithoutDeparture", 1, 1, 0, 1, PlanArrived},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := PlanProgress(c.shares, c.placed, c.departed, c.arrive); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestCheckUnitFits(t *testing.T) {
	f := func(target Target, features ...string) Facility {
		return Facility{Code: "F1", Target: target, Features: features}
	}
	u := func(group string, needs ...string) PlanUnit {
		return PlanUnit{ID: "u1", Size: 1, Group: group, Needs: needs}
	}
	for _, c := range []struct {
		name string
		f    Facility
		u    PlanUnit
		ok   bool
	}{
		{"ManInMen", f(TargetMen), u(GroupMan), true},
		{"WomanInMen", f(TargetMen), u(GroupWoman), false},
		{"WomanInWomen", f(TargetWomen), u(GroupWoman), true},
		{"FamilyInFamilies", f(TargetFamilies), u(GroupFamily), true},
		{"WomanInFamilies", f(TargetFamilies), u(GroupWoman), true},
		{"ManInFamilies", f(TargetFamilies), u(GroupMan), false},
		{"MinorInMSNA", f(TargetMSNA), u(GroupMinor), true},
		{"MinorInMixed", f(TargetMixed), u(GroupMinor), false},
		{"AdultInMSNA", f(TargetMSNA), u(GroupMan), false},
		{"FamilyInMixed", f(TargetMixed), u(GroupFamily), true},
		{"UnknownTarget", f(Target("altro")), u(GroupMan), false},
		{"NeedMet", f(TargetMen, FeatureWheelchair, FeatureMedical), u(GroupMan, FeatureMedical), true},
		{"NeedMissing", f(TargetMen, FeatureWheelchair), u(GroupMan, FeatureMedical), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckUnitFits(c.f, c.u)
			if (err == nil) != c.ok || (err != nil && ErrorCode(err) != EINVALID) {
				t.Errorf("got %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestSplitTargets(t *testing.T) {
	rows := []PlanProvince{{Code: "037", Persons: 10}, {Code: "038", Persons: 5}, {Code: "039", Persons: 0}}
	for _, c := range []struct {
		name    string
		persons map[string]int
		want    map[string]int // nil: EINVALID with a message containing msg
		msg     string
	}{
		{"MoveOne", map[string]int{"037": 9, "038": 6}, map[string]int{"037": 9, "038": 6, "039": 0}, ""},
		{"ToAZeroShare", map[string]int{"037": 8, "039": 2}, map[string]int{"037": 8, "038": 5, "039": 2}, ""},
		{"Negative", map[string]int{"037": -1, "038": 16}, nil, "err.plan.persons_negative"},
		{"UnknownProvince", map[string]int{"099": 0}, nil, "Province=099"},
		{"SumDiffers", map[string]int{"037": 11}, nil, "Got=16"},
		{"NothingChanged", map[string]int{"037": 10}, nil, "err.plan.no_share_changed"},
		{"Empty", map[string]int{}, nil, "err.plan.no_share_changed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := SplitTargets(rows, c.persons, 15)
			if c.want == nil {
				if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("got %v, want EINVALID with %q", err, c.msg)
				}
				return
			}
			if err != nil || !maps.Equal(got, c.want) {
				t.Fatalf("got %v %v, want %v", got, err, c.want)
			}
		})
	}
}

func TestReassignUnits(t *testing.T) {
	units := func(spec string) []PlanUnit { // "037:u1=1,f1=4;038:u2=1"
		var us []PlanUnit
		for _, prov := range strings.Split(spec, ";") {
			code, list, _ := strings.Cut(prov, ":")
			for _, it := range strings.Split(list, ",") {
				id, size, _ := strings.Cut(it, "=")
				n := int(size[0] - '0')
				us = append(us, PlanUnit{ID: id, Size: n, Province: code})
			}
		}
		return us
	}
	for _, c := range []struct {
		name   string
		units  string
		target map[string]int
		moved  map[string]string // nil: EINVALID (households cannot be split)
	}{
		{"SingleMoves", "037:a=1,b=1,c=1;038:d=1", map[string]int{"037": 2, "038": 2}, map[string]string{"c": "038"}},
		{"SinglesBeforeHouseholds", "037:a=1,f=3,b=1;038:d=1", map[string]int{"037": 4, "038": 2}, map[string]string{"b": "038"}},
		// 037 gives up a, then f (no single left); f goes whole, a returns home.
		{"HouseholdWhole", "037:f=3,a=1;038:d=1", map[string]int{"037": 1, "038": 4}, map[string]string{"f": "038", "a": "037"}},
		{"NoChange", "037:a=1;038:d=1", map[string]int{"037": 1, "038": 1}, map[string]string{}},
		{"HouseholdCannotSplit", "037:f=4;038:d=1", map[string]int{"037": 2, "038": 3}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReassignUnits(units(c.units), c.target)
			if c.moved == nil {
				if ErrorCode(err) != EINVALID {
					t.Fatalf("got %v %v, want EINVALID", got, err)
				}
				return
			}
			if err != nil || !maps.Equal(got, c.moved) {
				t.Fatalf("got %v %v, want %v", got, err, c.moved)
			}
		})
	}
}

func TestValidatePlan(t *testing.T) {
	expected := time.Date(2026, 8, 7, 10, 0, 0, 0, time.UTC)
	plan := func() *Plan {
		return &Plan{Reference: "prot. 1", Origin: "Ravenna", ExpectedAt: expected, WindowHours: 4, AckHours: 2}
	}
	units := []PlanUnit{{ID: "u1", Size: 1, Group: GroupMan}, {ID: "f1", Size: 2, Group: GroupFamily, Needs: []string{FeatureInfants}}}
	person := func(unit string) PlanPerson {
		return PlanPerson{UnitID: unit, Surname: "Rossi", Sex: SexMale, BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), Nationality: "GIN"}
	}
	persons := []PlanPerson{person("u1"), person("f1"), person("f1")}
	for _, c := range []struct {
		name    string
		edit    func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson)
		field   string // "": valid
		persons bool
	}{
		{"OK", nil, "", false},
		{"OKWithList", nil, "", true},
		{"NoReference", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			p.Reference = " "
			return us, ps
		}, "reference", false},
		{"ReferenceTooLong", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			p.Reference = strings.Repeat("x", 201)
			return us, ps
		}, "reference", false},
		{"NoOrigin", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			p.Origin = ""
			return us, ps
		}, "origin", false},
		{"NoExpectedAt", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			p.ExpectedAt = time.Time{}
			return us, ps
		}, "expected_at", false},
		{"WindowTooLong", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			p.WindowHours = 241
			return us, ps
		}, "window_hours", false},
		{"NegativeAckHours", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			p.AckHours = -1
			return us, ps
		}, "window_hours", false},
		{"NoUnits", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) { return nil, ps }, "units", false},
		{"TooManyUnits", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			return make([]PlanUnit, MaxPlanUnits+1), ps
		}, "units", false},
		{"RepeatedID", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			us[1].ID = "u1"
			return us, ps
		}, "units[1].id", false},
		{"HouseholdOfOne", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			us[1].Size = 1
			return us, ps
		}, "units[1].size", false},
		{"HouseholdTooLarge", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			us[1].Size = MaxHousehold + 1
			return us, ps
		}, "units[1].size", false},
		{"SingleOfTwo", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			us[0].Size = 2
			return us, ps
		}, "units[0].size", false},
		{"UnknownGroup", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			us[0].Group = "altro"
			return us, ps
		}, "units[0].group", false},
		{"UnknownNeed", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			us[1].Needs = []string{"pool"}
			return us, ps
		}, "units[1].needs", false},
		{"PersonOfUnknownUnit", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			ps[0].UnitID = "zz"
			return us, ps
		}, "persons[0].unit_id", true},
		{"PersonInvalid", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			ps[2].Nationality = "it"
			return us, ps
		}, "persons[2].nationality", true},
		{"ListShort", func(p *Plan, us []PlanUnit, ps []PlanPerson) ([]PlanUnit, []PlanPerson) {
			return us, ps[:2]
		}, "persons", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, us, ps := plan(), slices.Clone(units), []PlanPerson(nil)
			if c.persons {
				ps = slices.Clone(persons)
			}
			if c.edit != nil {
				us, ps = c.edit(p, us, ps)
			}
			err := ValidatePlan(p, us, ps)
			if c.field == "" {
				if err != nil {
					t.Fatalf("valid plan refused: %v", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != EINVALID || e.Fields[c.field].MsgID == "" {
				t.Fatalf("got %v, want EINVALID on %s", err, c.field)
			}
		})
	}
}

func TestVulnerabilityAndExitVocabulary(t *testing.T) {
	for _, c := range []struct {
		v  Vulnerability
		ok bool
	}{
		{Vulnerability{Code: "tratta", Status: VulnSuspected}, true},
		{Vulnerability{Code: "msna", Status: VulnAscertained}, true},
		{Vulnerability{Code: "tratta", Status: "suspected"}, false}, // one language for codes
		{Vulnerability{Code: "trafficking", Status: VulnSuspected}, false},
		{Vulnerability{Code: "", Status: ""}, false},
	} {
		if err := c.v.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.v, err)
		}
	}
	for _, r := range ExitReasons {
		if !ValidExitReason(r) {
			t.Errorf("%s refused", r)
		}
	}
	for _, r := range []string{"", "transfer", "Decesso"} {
		if ValidExitReason(r) {
			t.Errorf("%q accepted", r)
		}
	}
}
