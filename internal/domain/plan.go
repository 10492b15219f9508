package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// PlanStatus is where a distribution plan (piano di riparto) is in its life.
type PlanStatus string

// The statuses, in order; cancelled can follow any status before closed. The
// steps between them are in planrules.go (PlanStep, PlanProgress).
const (
	PlanAnnounced PlanStatus = "announced"  // the Ministry's notice is recorded
	PlanProposed  PlanStatus = "proposed"   // the province split is proposed
	PlanPublished PlanStatus = "published"  // the prefectures are notified
	PlanPlaced    PlanStatus = "placed"     // every share is placed in facilities
	PlanInTransit PlanStatus = "in_transit" // at least one departure is recorded
	PlanArrived   PlanStatus = "arrived"    // every province confirmed its arrivals
	PlanClosed    PlanStatus = "closed"
	PlanCancelled PlanStatus = "cancelled"
)

// PlanStatuses lists the statuses in display order.
var PlanStatuses = []PlanStatus{PlanAnnounced, PlanProposed, PlanPublished, PlanPlaced, PlanInTransit, PlanArrived,
	PlanClosed, PlanCancelled}

// Open reports whether the plan can still change.
func (s PlanStatus) Open() bool { return s != PlanClosed && s != PlanCancelled }

// Unit groups: the same codes as the facility targets that take them, so that
// one idea has one word (migration 00011 converted the earlier singular
// "uomo", "donna", "nucleo"). The allocation engine uses the same values
// (alloc.GroupMan…, checked by TestGroupsMatchTheEngine).
const (
	GroupMan    = string(TargetMen)
	GroupWoman  = string(TargetWomen)
	GroupFamily = string(TargetFamilies)
	GroupMinor  = string(TargetMSNA)
)

// UnitGroups lists the groups in display order.
var UnitGroups = []string{GroupMan, GroupWoman, GroupFamily, GroupMinor}

// Arrival outcomes of a person (or of a unit without a nominative list).
const (
	OutcomeArrived      = "arrived"
	OutcomeNoShow       = "no_show"
	OutcomeHospitalised = "hospitalised"
	OutcomeDiverted     = "diverted"     // e.g. an MSNA sent to the minors' channel
	OutcomeAgeDisputed  = "age_disputed" // arrived, age to be assessed
)

// Outcomes lists the outcomes in display order.
var Outcomes = []string{OutcomeArrived, OutcomeNoShow, OutcomeHospitalised, OutcomeDiverted, OutcomeAgeDisputed}

// Hosted reports whether a person with this outcome enters the facility.
func OutcomeHosted(o string) bool { return o == OutcomeArrived || o == OutcomeAgeDisputed }

// PlanUnit is a single person or a household, placed whole.
type PlanUnit struct {
	ID       string   `json:"id"`
	Size     int      `json:"size"`
	Group    string   `json:"group"`
	Needs    []string `json:"needs"`
	Province string   `json:"province,omitempty"` // after the split
	Facility string   `json:"facility,omitempty"` // facility code, once placed
	Outcome  string   `json:"outcome,omitempty"`
}

// PlanPerson is one line of the nominative list (lista di trasferimento).
type PlanPerson struct {
	ID             string    `json:"id"`
	UnitID         string    `json:"unit_id"`
	CUI            string    `json:"cui,omitempty"`
	Surname        string    `json:"surname"`
	GivenName      string    `json:"given_name"`
	Sex            string    `json:"sex"`
	BirthDate      time.Time `json:"birth_date"`
	BirthEstimated bool      `json:"birth_estimated"`
	Nationality    string    `json:"nationality"`
	MSNA           bool      `json:"msna"`
	HouseholdRole  string    `json:"household_role,omitempty"`
	Outcome        string    `json:"outcome,omitempty"`
	GuestID        string    `json:"guest_id,omitempty"`
}

// PlanProvince is one province's part of a plan.
type PlanProvince struct {
	Code          string  `json:"code"`
	Sigla         string  `json:"sigla"`
	Name          string  `json:"name"`
	Share         float64 `json:"share"`
	Quota         float64 `json:"quota"`          // share × the plan's total
	BalanceBefore float64 `json:"balance_before"` // saldo of the period before this plan
	Proposed      int     `json:"proposed"`       // what the engine proposed
	Persons       int     `json:"persons"`        // the share in force
	// Why is the engine's reason for Proposed (nil: an older plan, whose reason
	// is the text in Explain).
	Why            *SplitWhy  `json:"why,omitempty"`
	Explain        string     `json:"explain,omitempty"`
	AdjustReason   string     `json:"adjust_reason,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	AcknowledgedBy string     `json:"acknowledged_by,omitempty"`
	RemindedAt     *time.Time `json:"reminded_at,omitempty"`
	EscalatedAt    *time.Time `json:"escalated_at,omitempty"`
	PlacedAt       *time.Time `json:"placed_at,omitempty"`
	DepartedAt     *time.Time `json:"departed_at,omitempty"`
	ArrivedAt      *time.Time `json:"arrived_at,omitempty"`
	Arrived        int        `json:"arrived"`
}

// PlanEvent is one line of a plan's timeline.
// The store keeps the kind and its parameters; Summary is the text of
// entries written before parameters existed, or the rendering of the kind in
// the reader's language, set by the adapters. Names are resolved when read.
type PlanEvent struct {
	At           time.Time      `json:"at"`
	Actor        string         `json:"actor"`
	ActorName    string         `json:"actor_name,omitempty"`
	ActorOffice  string         `json:"actor_office,omitempty"` // sigla of the actor's prefecture
	Kind         string         `json:"kind"`
	Province     string         `json:"province,omitempty"`
	ProvinceName string         `json:"province_name,omitempty"`
	Params       map[string]any `json:"params,omitempty"`
	Summary      string         `json:"summary"`
}

// PlanMessage is a message in a plan's thread between offices.
type PlanMessage struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Office string    `json:"office"` // the author's office's sigla when written
	Body   string    `json:"body"`
	// Resolved when read: the author's name and office's name (empty for
	// a system actor or a removed user).
	ActorName  string `json:"actor_name,omitempty"`
	OfficeName string `json:"office_name,omitempty"`
}

// PlanTransport is a vehicle leaving for a province, with its headcount.
type PlanTransport struct {
	Province   string    `json:"province"`
	Vehicle    string    `json:"vehicle"`
	Headcount  int       `json:"headcount"`
	DepartedAt time.Time `json:"departed_at"`
}

// Plan is a distribution plan for one announced arrival.
type Plan struct {
	ID          string          `json:"id"`
	Reference   string          `json:"reference"` // the Ministry's reference (mail, PEC, telegram)
	ReceivedAt  time.Time       `json:"received_at"`
	ExpectedAt  time.Time       `json:"expected_at"`
	WindowHours int             `json:"window_hours"`
	Origin      string          `json:"origin"`    // hotspot or port: Lampedusa, Ravenna…
	Transport   string          `json:"transport"` // bus, aereo, nave
	Status      PlanStatus      `json:"status"`
	Total       int             `json:"total"`
	AckHours    int             `json:"ack_hours"` // the acknowledgement deadline, hours after publication
	AckDeadline *time.Time      `json:"ack_deadline,omitempty"`
	PublishedAt *time.Time      `json:"published_at,omitempty"`
	ClosedAt    *time.Time      `json:"closed_at,omitempty"`
	Note        string          `json:"note,omitempty"`
	KeyTable    string          `json:"key_table,omitempty"`
	Version     int             `json:"version"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	Composition Composition     `json:"composition"`
	Provinces   []PlanProvince  `json:"provinces"`
	Units       []PlanUnit      `json:"units,omitempty"`   // the caller's scope only
	Persons     []PlanPerson    `json:"persons,omitempty"` // with guest:read, in scope only
	Transports  []PlanTransport `json:"transports,omitempty"`
	Events      []PlanEvent     `json:"events,omitempty"`
	Messages    []PlanMessage   `json:"messages,omitempty"`
	// MyProvince is the caller's province when it has a share in the plan.
	MyProvince string `json:"my_province,omitempty"`
}

// Province returns the plan's row for a province, or nil.
func (p *Plan) Province(code string) *PlanProvince {
	for i := range p.Provinces {
		if p.Provinces[i].Code == code {
			return &p.Provinces[i]
		}
	}
	return nil
}

// Composition counts a group of units by kind.
type Composition struct {
	Men              int `json:"men"`
	Women            int `json:"women"`
	Households       int `json:"households"`
	HouseholdPersons int `json:"household_persons"`
	MSNA             int `json:"msna"`
	WithNeeds        int `json:"with_needs"`
}

// Compose counts units.
func Compose(us []PlanUnit) Composition {
	var c Composition
	for _, u := range us {
		switch u.Group {
		case GroupMan:
			c.Men += u.Size
		case GroupWoman:
			c.Women += u.Size
		case GroupFamily:
			c.Households++
			c.HouseholdPersons += u.Size
		case GroupMinor:
			c.MSNA += u.Size
		}
		if len(u.Needs) > 0 {
			c.WithNeeds++
		}
	}
	return c
}

// Limits of a plan's input.
const (
	MaxPlanUnits   = 5000
	MaxHousehold   = 15
	maxPlanTextLen = 200
)

// ValidatePlan checks a new plan and its units (and persons, when given).
func ValidatePlan(p *Plan, units []PlanUnit, persons []PlanPerson) error {
	fields := map[string]FieldError{}
	if s := strings.TrimSpace(p.Reference); s == "" || len(s) > maxPlanTextLen {
		fields["reference"] = Field("err.plan.reference", "Max", maxPlanTextLen)
	}
	if strings.TrimSpace(p.Origin) == "" || len(p.Origin) > maxPlanTextLen {
		fields["origin"] = Field("err.plan.origin")
	}
	if p.ExpectedAt.IsZero() {
		fields["expected_at"] = Field("err.plan.expected_at")
	}
	if p.WindowHours < 0 || p.WindowHours > 240 || p.AckHours < 0 || p.AckHours > 240 {
		fields["window_hours"] = Field("err.plan.window_hours", "Max", 240)
	}
	if len(units) == 0 || len(units) > MaxPlanUnits {
		fields["units"] = Field("err.plan.units_count", "Max", MaxPlanUnits)
	}
	ids := map[string]int{}
	for i, u := range units {
		switch {
		case u.ID == "" || len(u.ID) > 40:
			fields[fmt.Sprintf("units[%d].id", i)] = Field("err.plan.unit_id")
		case ids[u.ID] > 0:
			fields[fmt.Sprintf("units[%d].id", i)] = Field("err.plan.unit_id_repeated", "ID", u.ID)
		}
		ids[u.ID] = u.Size
		switch {
		case u.Group == GroupFamily && (u.Size < 2 || u.Size > MaxHousehold):
			fields[fmt.Sprintf("units[%d].size", i)] = Field("err.plan.household_size", "Max", MaxHousehold)
		case u.Group != GroupFamily && u.Group != "" && u.Size != 1:
			fields[fmt.Sprintf("units[%d].size", i)] = Field("err.plan.single_size")
		}
		valid := false
		for _, g := range UnitGroups {
			valid = valid || g == u.Group
		}
		if !valid {
			fields[fmt.Sprintf("units[%d].group", i)] = Field("err.plan.group_unknown")
		}
		for _, n := range u.Needs {
			if !validFeature(n) {
				fields[fmt.Sprintf("units[%d].needs", i)] = Field("err.plan.need_unknown", "Need", n)
			}
		}
	}
	if len(persons) > 0 {
		perUnit := map[string]int{}
		for i, pp := range persons {
			row := fmt.Sprintf("persons[%d]", i)
			if _, ok := ids[pp.UnitID]; !ok {
				fields[row+".unit_id"] = Field("err.plan.person_unit_unknown", "Unit", pp.UnitID)
			}
			perUnit[pp.UnitID]++
			g := Guest{CUI: pp.CUI, Surname: pp.Surname, GivenName: pp.GivenName, Sex: pp.Sex, BirthDate: pp.BirthDate,
				Nationality: pp.Nationality, HouseholdRole: pp.HouseholdRole, Stage: StageToFormalise}
			if err := g.Validate(); err != nil {
				if e, ok := err.(*Error); ok {
					for k, v := range e.Fields {
						fields[row+"."+k] = v
					}
					if len(e.Fields) == 0 {
						fields[row] = FieldError{MsgID: e.MsgID, Args: e.Args}
					}
				}
			}
		}
		for id, size := range ids {
			if perUnit[id] != size {
				fields["persons"] = Field("err.plan.persons_per_unit", "Unit", id, "Got", perUnit[id], "Want", size)
				break
			}
		}
	}
	if len(fields) > 0 {
		return Err(EINVALID, "err.plan.invalid").WithFields(fields)
	}
	return nil
}

func validFeature(code string) bool {
	for _, f := range Features {
		if f == code {
			return true
		}
	}
	return false
}

// Notification is an in-app message for one user. It names a plan, never a person.
type Notification struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"` // plan_published, plan_reminder, plan_escalation, plan_amended, plan_cancelled, plan_message, plan_closed
	PlanID string `json:"plan_id,omitempty"`
	// Title is the text of notifications written before parameters existed,
	// or the rendering of "notification.<kind>" with Params, set by the adapters.
	Title     string         `json:"title"`
	Params    map[string]any `json:"params,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	ReadAt    *time.Time     `json:"read_at"`
}

// Balance is a province's saldo over a period: received minus quota.
type Balance struct {
	Province string   `json:"province"`
	Sigla    string   `json:"sigla"`
	Name     string   `json:"name"`
	Share    float64  `json:"share"`
	Quota    float64  `json:"quota"`
	Received int      `json:"received"` // what the saldo counts: the share, or the arrivals once confirmed
	Balance  float64  `json:"balance"`
	Plans    []string `json:"plans"` // ids of the plans behind the figure
	// The stages apart, over the period's published plans: persons assigned
	// to the province, of them acknowledged by its prefecture, placed in
	// facilities, and arrived as confirmed.
	Assigned     int `json:"assigned"`
	Acknowledged int `json:"acknowledged"`
	Placed       int `json:"placed"`
	Arrived      int `json:"arrived"`
}

// KeyTable is a versioned table of province shares (chiave di riparto).
type KeyTable struct {
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	ValidFrom time.Time          `json:"valid_from"`
	ValidTo   *time.Time         `json:"valid_to,omitempty"`
	Source    string             `json:"source"`
	Shares    map[string]float64 `json:"shares"` // province code → share; sums to 1
	CreatedBy string             `json:"created_by"`
	CreatedAt time.Time          `json:"created_at"`
}

// PlanFilter narrows the list of plans.
type PlanFilter struct {
	Status PlanStatus
	Open   bool // only plans not closed or cancelled
	Limit  int
	Offset int // plans skipped, newest first (a page past the first)
}

// PlacementProposal is the engine's placement of a province's share.
type PlacementProposal struct {
	Province    string              `json:"province"`
	Assignments []PlacementLine     `json:"assignments"`
	Unplaced    []string            `json:"unplaced"`
	Objective   int64               `json:"objective"`
	Optimal     bool                `json:"optimal"` // proven: the objective equals a bound the engine proved
	Bound       int64               `json:"bound"`   // a proven lower bound of the objective
	Gap         float64             `json:"gap"`     // (objective − bound) / objective, in percent: 0 when optimal
	Millis      float64             `json:"millis"`
	Facilities  map[string]Facility `json:"-"` // the candidate facilities, for display
}

// Line is the proposal's line of a unit (nil: the unit is unplaced).
func (p PlacementProposal) Line(unit string) *PlacementLine {
	for i := range p.Assignments {
		if p.Assignments[i].Unit == unit {
			return &p.Assignments[i]
		}
	}
	return nil
}

// PlacementLine places a unit in a facility.
type PlacementLine struct {
	Unit     string `json:"unit"`
	Facility string `json:"facility"`
	Size     int    `json:"size,omitempty"`
	Km       int    `json:"km,omitempty"` // in a proposal: from the province's reference point
}

// PlanService runs the distribution plans (docs/plans.md). Every method needs
// a signed-in caller (EUNAUTHORIZED) with plan:run (the coordinator's steps)
// or plan:place (a prefecture's steps for its own province), else
// EFORBIDDEN. Every office with either permission reads every plan from its
// announcement; units are shown for the caller's province only (all to
// plan:run) and people only with guest:read. An unknown plan is ENOTFOUND. A
// write locks the plan's row and runs in one transaction with its timeline
// line and audit row (and its notifications and e-mails, through the outbox);
// a step out of order (domain.PlanStep.Allows) is ECONFLICT.
type PlanService interface {
	// CreatePlan records the Ministry's notice with its units and, optionally,
	// the nominative list, filling p's id, status (announced) and total.
	// plan:run; EINVALID when ValidatePlan refuses the input.
	CreatePlan(ctx context.Context, p *Plan, units []PlanUnit, persons []PlanPerson) error
	// ListPlans returns the plans matching f, most recently received first,
	// without their detail. plan:run or plan:place.
	ListPlans(ctx context.Context, f PlanFilter) ([]Plan, error)
	// FindPlan returns a plan with its provinces, timeline, messages and
	// transports, and the units and people the caller may see (above), read
	// in one snapshot. plan:run or plan:place.
	FindPlan(ctx context.Context, id string) (Plan, error)
	// ProposeSplit runs the province split on the key table in force, the
	// period's saldo and the free places by group, all read inside its
	// transaction, and records each province's share and explanation
	// (StepSplit: announced or proposed, else ECONFLICT). plan:run; EINVALID
	// when the split cannot be computed.
	ProposeSplit(ctx context.Context, id string) (Plan, error)
	// AdjustSplit sets the persons of some provinces before publication,
	// moving whole units (SplitTargets, ReassignUnits); the reason is recorded
	// on each changed province and on the timeline. plan:run; EINVALID
	// without a reason, for a negative share, an unknown province, a sum other
	// than the total, no change, or targets households cannot meet; ECONFLICT
	// unless the split is proposed.
	AdjustSplit(ctx context.Context, id string, persons map[string]int, reason string) (Plan, error)
	// PublishPlan publishes a proposed split: every province with a share
	// gets an in-app notification per user and e-mails (no personal data) in
	// the same transaction, and the acknowledgement deadline starts.
	// plan:run; ECONFLICT unless proposed.
	PublishPlan(ctx context.Context, id string) (Plan, error)
	// AcknowledgePlan records the caller's province's acknowledgement of its
	// share (late ones say so on the timeline). plan:place with a province;
	// ECONFLICT when the plan is not published or closed, the province has no
	// share, or it has acknowledged already.
	AcknowledgePlan(ctx context.Context, id string) error
	// PlaceUnits sets the placement of the caller's province's share,
	// replacing its earlier one: one hold per facility, each facility's row
	// locked and its free places counted in the same transaction, so places
	// are never given twice; it implies the acknowledgement and advances the
	// plan's status (PlanProgress). plan:place with a province; ECONFLICT out
	// of StepPlace, for a unit outside the share, a facility not active or
	// with too few free places; ENOTFOUND for a facility outside the
	// province; EINVALID for no lines, a unit named twice or one the facility
	// does not take (CheckUnitFits).
	PlaceUnits(ctx context.Context, id string, lines []PlacementLine) error
	// RecordDeparture records a vehicle leaving for a province with its
	// headcount: a prefecture for its own province, the coordinator for any.
	// plan:place (or plan:run for another province, else EFORBIDDEN);
	// EINVALID without vehicle or headcount; ECONFLICT out of StepPlace or
	// before the province's share is placed.
	RecordDeparture(ctx context.Context, id string, t PlanTransport) error
	// ConfirmArrival reconciles the caller's province's share, once: one
	// outcome per person of the list (or per unit without one); those arrived
	// become guests with a stay in their facility, the holds end and become
	// occupancy, the others' places are freed. plan:place with a province;
	// EINVALID for missing, unknown or foreign outcomes; ECONFLICT out of
	// StepPlace, before placement, or when already confirmed.
	ConfirmArrival(ctx context.Context, id string, outcomes map[string]string, at time.Time) error
	// PreviewPlanList reads a nominative list into units (households
	// together, minors apart) and keeps the preview and the cell errors for
	// ApplyPlanList; the plan does not change. plan:run; EINVALID over
	// MaxPlanUnits rows.
	PreviewPlanList(ctx context.Context, id string, rows []PresenceRow, errs []CellError) (PlanListPreview, error)
	// ApplyPlanList replaces the plan's units with a list the caller
	// previewed (as AmendPlan). plan:run; ENOTFOUND for an unknown preview or
	// another user's; ECONFLICT when
	// applied already, expired or out of StepAmend; EINVALID when rows have
	// errors and excludeErrors is false, or no valid person remains.
	ApplyPlanList(ctx context.Context, previewID string, excludeErrors bool) error
	// ClosePlan closes a plan whose arrivals are all confirmed: its figures
	// are final and count in the period's saldo. plan:run; ECONFLICT unless
	// arrived.
	ClosePlan(ctx context.Context, id string) error
	// CancelPlan cancels an open plan with no arrival confirmed: its holds are
	// released and, if it was published, the provinces notified. plan:run;
	// EINVALID without a reason; ECONFLICT when closed, cancelled or an
	// arrival is confirmed.
	CancelPlan(ctx context.Context, id, reason string) error
	// AmendPlan replaces the units (a later notice changed the total) before
	// any placement; the split starts over (announced) and provinces already
	// notified are told. plan:run; EINVALID without a reason or when
	// ValidatePlan refuses; ECONFLICT out of StepAmend or once a unit is
	// placed.
	AmendPlan(ctx context.Context, id string, units []PlanUnit, persons []PlanPerson, reason string) error
	// PostMessage adds a message (1–2000 characters, else EINVALID) to the
	// plan's thread and notifies the other provinces with a share in-app.
	// plan:run or plan:place.
	PostMessage(ctx context.Context, id, body string) error
	// Inbox returns the caller's notifications, newest first (limit 1–500,
	// default 100). EUNAUTHORIZED without a signed-in user.
	Inbox(ctx context.Context, limit int) ([]Notification, error)
	// InboxPage is Inbox from the offset-th notification (a page past the first).
	InboxPage(ctx context.Context, limit, offset int) ([]Notification, error)
	// MarkRead marks one of the caller's notifications read ("all": every
	// one); another user's is ENOTFOUND. EUNAUTHORIZED without a signed-in user.
	MarkRead(ctx context.Context, id string) error
	// UnreadCount counts the caller's unread notifications; 0 without a
	// signed-in user (it decorates every page).
	UnreadCount(ctx context.Context) (int, error)
	// Balances returns each province's saldo over [from, to): persons
	// received through plans minus the quota by the key in force at its end,
	// in one snapshot. plan:run or plan:place; EINVALID when to is not after
	// from.
	Balances(ctx context.Context, from, to time.Time) ([]Balance, error)
	// KeyTables returns the key tables (chiavi di riparto), latest validity
	// first.
	// plan:run or plan:place.
	KeyTables(ctx context.Context) ([]KeyTable, error)
	// CreateKeyTable stores a new key table (shares normalised to sum to 1),
	// with the audit row. plan:run; EINVALID without a name or start, for a
	// period that ends before it starts, a missing, negative or unknown
	// province share, or shares not summing to 1 (within 0.0001).
	CreateKeyTable(ctx context.Context, k *KeyTable) error
}

// UnitsFromList groups the rows of a nominative list into the plan's units:
// the members of a household code go together (a household of one is a
// single person), an unaccompanied minor (flagged, or under 18 at asOf with no
// household) is an MSNA unit, and the others are single women or men by sex.
// The first member of a household without a stated role is its head.
func UnitsFromList(rows []PresenceRow, asOf time.Time) ([]PlanUnit, []PlanPerson) {
	members := map[string][]PresenceRow{}
	for _, r := range rows {
		if r.Household != "" {
			members[r.Household] = append(members[r.Household], r)
		}
	}
	var units []PlanUnit
	var persons []PlanPerson
	person := func(unit string, r PresenceRow, role string) {
		persons = append(persons, PlanPerson{UnitID: unit, CUI: r.CUI, Surname: r.Surname, GivenName: r.GivenName, Sex: r.Sex,
			BirthDate: r.BirthDate, BirthEstimated: r.BirthEstimated, Nationality: r.Nationality, MSNA: r.MSNA, HouseholdRole: role})
	}
	single := func(r PresenceRow) {
		id := fmt.Sprintf("R%d", r.Line)
		group := GroupMan
		switch {
		case r.MSNA || (r.Household == "" && !r.BirthDate.IsZero() && r.BirthDate.AddDate(18, 0, 0).After(asOf)):
			group, r.MSNA = GroupMinor, true
		case r.Sex == SexFemale:
			group = GroupWoman
		}
		units = append(units, PlanUnit{ID: id, Size: 1, Group: group})
		person(id, r, "")
	}
	done := map[string]bool{}
	for _, r := range rows {
		if r.Household == "" {
			single(r)
			continue
		}
		if done[r.Household] {
			continue
		}
		done[r.Household] = true
		ms := members[r.Household]
		if len(ms) == 1 {
			ms[0].Household = ""
			single(ms[0])
			continue
		}
		id := "N" + strings.Map(func(c rune) rune {
			if (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' {
				return c
			}
			return -1
		}, r.Household)
		if len(id) > 30 {
			id = id[:30]
		}
		id = fmt.Sprintf("%s-%d", id, r.Line)
		units = append(units, PlanUnit{ID: id, Size: len(ms), Group: GroupFamily})
		for i, m := range ms {
			role := m.HouseholdRole
			if role == "" {
				role = "other"
				if i == 0 {
					role = "head"
				}
			}
			person(id, m, role)
		}
	}
	return units, persons
}

// PlanListPreview is a nominative list read and waiting for confirmation:
// nothing changes in the plan until it is applied.
type PlanListPreview struct {
	ID          string      `json:"id"`
	PlanID      string      `json:"plan_id"`
	Persons     int         `json:"persons"`
	Units       int         `json:"units"`
	Composition Composition `json:"composition"`
	Errors      []CellError `json:"errors"`
}

// SplitWhy is why the engine proposed a province's share: its key's quota of
// the group, the cumulative quota of the period and what the province had
// received, the balance, the bounds of the group for the province, and its
// free places by group where they limited it. Stored as JSON with the split;
// the presentation words it in the reader's language.
type SplitWhy struct {
	BatchQuota float64        `json:"batch_quota"`
	Key        float64        `json:"key"`
	Batch      int            `json:"batch"`
	Cumulative float64        `json:"cumulative_quota"`
	Received   int            `json:"received"`
	Balance    float64        `json:"balance"`
	Low        int            `json:"low"`
	High       int            `json:"high"`
	Free       map[string]int `json:"free,omitempty"`
}
