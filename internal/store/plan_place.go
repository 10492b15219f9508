package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// Placement and arrival: a prefecture places its share in its facilities
// (the engine proposes, the office adjusts, places are held), records the
// departures and confirms who arrived; guests and stays are then created and
// the holds become occupancy.

// PlacementInput reads what the engine needs to propose a placement of the
// caller's province's share (internal/placement runs the engine on it). The
// plan's own holds count as free, so that a proposal can be asked again after
// placing. Permission plan:place with a province, else EFORBIDDEN; a plan out
// of scope is ENOTFOUND; canPlace's conflicts are ECONFLICT.
func (s *PlanService) PlacementInput(ctx context.Context, id string) (domain.PlacementInput, error) {
	sc, err := s.db.planScope(ctx)
	if err != nil {
		return domain.PlacementInput{}, err
	}
	province, err := sc.needPlace()
	if err != nil {
		return domain.PlacementInput{}, err
	}
	p, err := s.db.Plans.FindPlan(ctx, id)
	if err != nil {
		return domain.PlacementInput{}, err
	}
	if err := canPlace(p, province); err != nil {
		return domain.PlacementInput{}, err
	}
	fs, err := s.db.Facilities.ListFacilities(ctx, domain.FacilityFilter{ProvinceCode: province})
	if err != nil {
		return domain.PlacementInput{}, err
	}
	in := domain.PlacementInput{Province: province, Facilities: fs, OwnHeld: map[string]int{}}
	for _, u := range p.Units {
		if u.Province != province {
			continue
		}
		in.Units = append(in.Units, u)
		if u.Facility != "" {
			in.OwnHeld[u.Facility] += u.Size
		}
	}
	err = s.db.read.QueryRowContext(ctx, `SELECT c.code, p.uts_code <> p.code FROM comuni c JOIN provinces p ON p.code = c.province_code
		WHERE c.province_code = $1 AND c.capital = true`, province).Scan(&in.Capital, &in.Metropolitan)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return domain.PlacementInput{}, fmt.Errorf("store: province capital: %w", err)
	}
	in.Comuni, err = queryAll(ctx, s.db.read, "placement comuni", func(s scanner) (domain.ComuneResidents, error) {
		var c domain.ComuneResidents
		return c, s.Scan(&c.Code, &c.Residents, &c.Capital)
	}, `SELECT code, residents, capital FROM comuni WHERE province_code = $1 ORDER BY code`, province)
	if err != nil {
		return domain.PlacementInput{}, err
	}
	return in, nil
}

func canPlace(p domain.Plan, province string) error {
	if !domain.StepPlace.Allows(p.Status) {
		if p.Status == domain.PlanAnnounced || p.Status == domain.PlanProposed {
			return conflictf("err.place.not_published")
		}
		return conflictf("err.place.state", "Status", statusLabel(p.Status))
	}
	r := p.Province(province)
	if r == nil || r.Persons == 0 {
		return conflictf("err.plan.no_share")
	}
	if r.ArrivedAt != nil {
		return conflictf("err.place.arrived")
	}
	return nil
}

// holdExpiry keeps places until two days after the end of the expected
// arrival window, at least a day from now and never beyond MaxHoldDuration.
func holdExpiry(p domain.Plan, now time.Time) time.Time {
	exp := p.ExpectedAt.Add(time.Duration(p.WindowHours)*time.Hour + 48*time.Hour)
	if exp.Before(now.Add(24 * time.Hour)) {
		exp = now.Add(24 * time.Hour)
	}
	if exp.After(now.Add(MaxHoldDuration)) {
		exp = now.Add(MaxHoldDuration)
	}
	return exp
}

// PlaceUnits sets the placement of the caller's province's share: the lines
// replace any earlier placement of the province in this plan. For each
// facility, its row is locked and its free places counted in the same
// transaction as the hold, so two offices placing into one facility at once
// can never exceed its free places; a unit outside the province's share, a
// facility outside the province or incompatible with the unit is refused.
func (s *PlanService) PlaceUnits(ctx context.Context, id string, lines []domain.PlacementLine) error {
	sc, err := s.db.planScope(ctx)
	if err != nil {
		return err
	}
	province, err := sc.needPlace()
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return domain.Err(domain.EINVALID, "err.place.none")
	}
	var touched []string
	facilityCodes := make([]string, len(lines))
	for i, l := range lines {
		facilityCodes[i] = strings.ToUpper(strings.TrimSpace(l.Facility))
	}
	countFree := holdCounter(ctx, s.db, facilityCodes)
	err = s.db.InTx(ctx, func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Provinces, err = planProvinces(ctx, tx, p.ID); err != nil {
			return err
		}
		if err := canPlace(p, province); err != nil {
			return err
		}
		units, err := planUnits(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		byID := map[string]domain.PlanUnit{}
		share := 0
		for _, u := range units {
			byID[u.ID] = u
			if u.Province == province {
				share++
			}
		}
		perFacility := map[string][]domain.PlanUnit{}
		seen := map[string]bool{}
		persons := 0
		for _, l := range lines {
			u, ok := byID[l.Unit]
			if !ok || u.Province != province {
				return conflictf("err.place.unit_not_in_share", "Unit", l.Unit)
			}
			if seen[l.Unit] {
				return domain.Err(domain.EINVALID, "err.place.unit_twice", "Unit", l.Unit)
			}
			seen[l.Unit] = true
			code := strings.ToUpper(strings.TrimSpace(l.Facility))
			perFacility[code] = append(perFacility[code], u)
			persons += u.Size
		}
		released, err := releasePlanHolds(ctx, tx, p.ID, province)
		if err != nil {
			return err
		}
		touched = append(touched, released...)
		expires := holdExpiry(p, tx.now)
		codes := slices.Sorted(maps.Keys(perFacility)) // a fixed lock order: no deadlock between offices
		for _, code := range codes {
			f, err := findFacility(ctx, tx, code, province, "")
			if err != nil {
				return err
			}
			if f.Status != domain.StatusActive {
				return conflictf("err.place.facility_inactive", "Code", f.Code)
			}
			places := 0
			for _, u := range perFacility[code] {
				if err := domain.CheckUnitFits(f, u); err != nil {
					return err
				}
				places += u.Size
			}
			if _, err := tx.ExecContext(ctx, `UPDATE facilities SET version = version WHERE id = $1`, f.ID); err != nil {
				return fmt.Errorf("store: placement lock: %w", err)
			}
			free, err := countFree(ctx, tx, f)
			if err != nil {
				return err
			}
			if free < places {
				return domain.Err(domain.ECONFLICT, "err.place.no_room", "Code", f.Code, "Want", places, "Free", free)
			}
			h := domain.Hold{ID: newID(), FacilityCode: f.Code, Places: places, Reason: p.Reference, // the plan's reference names the hold; no words here
				ExpiresAt: expires.UTC().Truncate(time.Microsecond), Status: "active", CreatedBy: sc.a.Label()}
			if err := writeHold(ctx, tx, f, &h, sc.a); err != nil {
				return err
			}
			for _, u := range perFacility[code] {
				if _, err := tx.ExecContext(ctx, `UPDATE plan_units SET facility_id = $1, hold_id = $2 WHERE plan_id = $3 AND id = $4`,
					f.ID, h.ID, p.ID, u.ID); err != nil {
					return fmt.Errorf("store: placement: %w", err)
				}
			}
			touched = append(touched, f.Code)
		}
		var placedAt any
		if len(lines) == share {
			placedAt = tx.now
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plan_provinces SET placed_at = $1 WHERE plan_id = $2 AND province_code = $3`,
			placedAt, p.ID, province); err != nil {
			return err
		}
		if err := acknowledge(ctx, tx, p, province, sc.a, true); err != nil {
			return err
		}
		if err := tx.planEvent(ctx, p.ID, "placed", province, "Persons", persons, "Units", len(lines), "Share", share,
			"Facilities", len(codes), "Codes", strings.Join(codes, ", ")); err != nil {
			return err
		}
		return advanceStatus(ctx, tx, p)
	})
	if err == nil {
		for _, c := range touched {
			s.db.changed(c)
		}
	}
	return err
}

// advanceStatus moves a plan to placed when every share is placed, and to
// arrived when every arrival is confirmed.
func advanceStatus(ctx context.Context, tx *Tx, p domain.Plan) error {
	var shares, placed, arrived, departed int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(placed_at), COUNT(arrived_at), COUNT(departed_at)
		FROM plan_provinces WHERE plan_id = $1 AND persons > 0`, p.ID).Scan(&shares, &placed, &arrived, &departed); err != nil {
		return fmt.Errorf("store: plan progress: %w", err)
	}
	next := domain.PlanProgress(shares, placed, departed, arrived)
	if next == p.Status {
		return nil
	}
	if err := tx.setPlanStatus(ctx, p.ID, next); err != nil {
		return err
	}
	return tx.planEvent(ctx, p.ID, "status", "", "Status", statusLabel(next))
}

// RecordDeparture records a vehicle leaving for a province with its
// headcount. A prefecture records its own; the coordinator any province.
func (s *PlanService) RecordDeparture(ctx context.Context, id string, t domain.PlanTransport) error {
	sc, err := s.db.planScope(ctx)
	if err != nil {
		return err
	}
	province, err := sc.needPlace()
	if err != nil && !sc.can(domain.PermPlanRun) {
		return err
	}
	if t.Province != "" && t.Province != province {
		if !sc.can(domain.PermPlanRun) {
			return domain.Err(domain.EINVALID, "err.perm.departure_province").WithFields(
				map[string]domain.FieldError{"province": domain.Field("err.perm.departure_province")})
		}
		province = t.Province
	}
	if strings.TrimSpace(t.Vehicle) == "" || t.Headcount <= 0 || t.Headcount > domain.MaxPlanUnits {
		return domain.Err(domain.EINVALID, "err.transport.invalid").WithFields(map[string]domain.FieldError{
			"vehicle": domain.Field("err.transport.vehicle"), "headcount": domain.Field("err.transport.headcount")})
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Provinces, err = planProvinces(ctx, tx, p.ID); err != nil {
			return err
		}
		if err := canPlace(p, province); err != nil {
			return err
		}
		r := p.Province(province)
		if r.PlacedAt == nil {
			return conflictf("err.place.depart_unplaced")
		}
		at := t.DepartedAt
		if at.IsZero() {
			at = tx.now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO plan_transports (id, plan_id, province_code, vehicle, headcount, departed_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, newID(), p.ID, province, strings.TrimSpace(t.Vehicle), t.Headcount, at.UTC(), sc.a.Label()); err != nil {
			return fmt.Errorf("store: departure: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plan_provinces SET departed_at = COALESCE(departed_at, $1) WHERE plan_id = $2 AND province_code = $3`,
			at.UTC(), p.ID, province); err != nil {
			return err
		}
		var onBoard int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(headcount), 0) FROM plan_transports WHERE plan_id = $1 AND province_code = $2`,
			p.ID, province).Scan(&onBoard); err != nil {
			return err
		}
		if err := tx.planEvent(ctx, p.ID, "departed", province, "Vehicle", strings.TrimSpace(t.Vehicle), "Headcount", t.Headcount,
			"OnBoard", onBoard, "Share", r.Persons, "Partial", onBoard != r.Persons); err != nil {
			return err
		}
		return advanceStatus(ctx, tx, p)
	})
}

// ConfirmArrival reconciles the caller's province's share: one outcome per
// person of the nominative list (or per unit without a list). Those arrived
// become guests with a stay in their assigned facility; the holds end and
// the people who came become occupancy; the others free their places. It
// runs once per province: a second confirmation is a conflict.
func (s *PlanService) ConfirmArrival(ctx context.Context, id string, outcomes map[string]string, at time.Time) error {
	sc, err := s.db.planScope(ctx)
	if err != nil {
		return err
	}
	province, err := sc.needPlace()
	if err != nil {
		return err
	}
	if at.IsZero() {
		at = s.db.Now()
	}
	var touched []string
	err = s.db.InTx(ctx, func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Provinces, err = planProvinces(ctx, tx, p.ID); err != nil {
			return err
		}
		if r := p.Province(province); r != nil && r.ArrivedAt != nil {
			return conflictf("err.place.arrival_done", "Date", r.ArrivedAt.In(italy).Format("02/01/2006"), "Time", r.ArrivedAt.In(italy).Format("15:04"))
		}
		if err := canPlace(p, province); err != nil {
			return err
		}
		if p.Province(province).PlacedAt == nil {
			return conflictf("err.place.unplaced")
		}
		all, err := planUnits(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		var units []domain.PlanUnit
		for _, u := range all {
			if u.Province == province {
				units = append(units, u)
			}
		}
		persons, err := planPersons(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		byUnit := map[string][]domain.PlanPerson{}
		for _, pp := range persons {
			byUnit[pp.UnitID] = append(byUnit[pp.UnitID], pp)
		}
		nominative := len(persons) > 0
		expected := map[string]bool{}
		for _, u := range units {
			if nominative {
				for _, pp := range byUnit[u.ID] {
					expected[pp.ID] = true
				}
			} else {
				expected[u.ID] = true
			}
		}
		if err := checkOutcomes(outcomes, expected, nominative); err != nil {
			return err
		}
		counts := map[string]int{}
		hostedIn := map[string]int{} // facility code → persons hosted
		hosted := 0
		for _, u := range units {
			var unitOutcome string
			if !nominative {
				unitOutcome = outcomes[u.ID]
				counts[unitOutcome] += u.Size
				if domain.OutcomeHosted(unitOutcome) {
					hostedIn[u.Facility] += u.Size
					hosted += u.Size
				}
			} else {
				household := ""
				if u.Group == domain.GroupFamily {
					household = newID()
				}
				for _, pp := range byUnit[u.ID] {
					o := outcomes[pp.ID]
					counts[o]++
					guestID := ""
					if domain.OutcomeHosted(o) {
						if guestID, err = admitPerson(ctx, tx, sc.a, p, pp, household, u.Facility, at); err != nil {
							return err
						}
						hostedIn[u.Facility]++
						hosted++
						if unitOutcome == "" || unitOutcome != domain.OutcomeArrived {
							unitOutcome = o
						}
					} else if unitOutcome == "" {
						unitOutcome = o
					}
					if _, err := tx.ExecContext(ctx, `UPDATE plan_persons SET outcome = $1, guest_id = $2 WHERE id = $3`,
						o, nullable(guestID), pp.ID); err != nil {
						return fmt.Errorf("store: arrival: %w", err)
					}
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE plan_units SET outcome = $1 WHERE plan_id = $2 AND id = $3`, unitOutcome, p.ID, u.ID); err != nil {
				return fmt.Errorf("store: arrival: %w", err)
			}
		}
		if touched, err = convertPlanHolds(ctx, tx, sc.a, p, province, hostedIn); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plan_provinces SET arrived_at = $1, arrived = $2 WHERE plan_id = $3 AND province_code = $4`,
			at.UTC(), hosted, p.ID, province); err != nil {
			return err
		}
		outcomes := []any{"Hosted", hosted, "Share", p.Province(province).Persons}
		for _, o := range domain.Outcomes {
			outcomes = append(outcomes, outcomeParam[o], counts[o])
		}
		if err := tx.planEvent(ctx, p.ID, "arrived", province, outcomes...); err != nil {
			return err
		}
		return advanceStatus(ctx, tx, p)
	})
	if err == nil {
		for _, c := range touched {
			s.db.changed(c)
		}
	}
	return err
}

// outcomeParam names each outcome's count in the "arrived" timeline entry.
var outcomeParam = map[string]string{
	domain.OutcomeArrived: "Arrived", domain.OutcomeNoShow: "NoShow", domain.OutcomeHospitalised: "Hospitalised",
	domain.OutcomeDiverted: "Diverted", domain.OutcomeAgeDisputed: "AgeDisputed",
}

func checkOutcomes(outcomes map[string]string, expected map[string]bool, nominative bool) error {
	notInShare := "err.arrival.unit_not_in_share"
	if nominative {
		notInShare = "err.arrival.person_not_in_share"
	}
	fields := map[string]domain.FieldError{}
	for k, o := range outcomes {
		if !expected[k] {
			fields[k] = domain.Field(notInShare)
		} else if !slices.Contains(domain.Outcomes, o) {
			fields[k] = domain.Field("err.arrival.outcome_unknown", "Outcome", o)
		}
	}
	missing := 0
	for k := range expected {
		if _, ok := outcomes[k]; !ok {
			missing++
		}
	}
	if missing > 0 {
		fields["outcomes"] = domain.Field("err.arrival.outcomes_missing", "Count", missing)
	}
	if len(fields) > 0 {
		return domain.Err(domain.EINVALID, "err.arrival.invalid").WithFields(fields)
	}
	return nil
}

// admitPerson registers an arrived person as a guest and opens the stay.
func admitPerson(ctx context.Context, tx *Tx, a domain.Actor, p domain.Plan, pp domain.PlanPerson, household, facility string, at time.Time) (string, error) {
	arrival := at.UTC()
	g := domain.Guest{ID: newID(), CUI: pp.CUI, Surname: pp.Surname, GivenName: pp.GivenName, Sex: pp.Sex, BirthDate: pp.BirthDate,
		BirthEstimated: pp.BirthEstimated, Nationality: pp.Nationality, HouseholdID: household, HouseholdRole: pp.HouseholdRole,
		MSNA: pp.MSNA, ArrivalDate: &arrival, ArrivalChannel: "sea", ArrivalPlace: p.Origin, Stage: domain.StageToFormalise}
	if household == "" {
		g.HouseholdRole = ""
	}
	if err := insertGuest(ctx, tx, &g, a); err != nil {
		return "", err
	}
	if err := tx.audit(ctx, "guest.plan_arrival", "guest", g.ID, "Plan", p.Reference); err != nil {
		return "", err
	}
	if _, err := enterTx(ctx, tx, a, g.ID, facility, at, ""); err != nil {
		return "", err
	}
	return g.ID, nil
}

// convertPlanHolds ends the province's holds: the people hosted become the
// facility's occupancy (recounted from stays where the registry is used,
// declared otherwise) and the places of the others are free again.
func convertPlanHolds(ctx context.Context, tx *Tx, a domain.Actor, p domain.Plan, province string, hostedIn map[string]int) ([]string, error) {
	type held struct {
		facilityID, code string
		registry         bool
	}
	hs, err := queryAll(ctx, tx, "plan holds", func(s scanner) (held, error) {
		var h held
		return h, s.Scan(&h.facilityID, &h.code, &h.registry)
	}, `SELECT DISTINCT f.id, f.code, f.uses_registry FROM plan_units u JOIN facilities f ON f.id = u.facility_id
		WHERE u.plan_id = $1 AND u.province_code = $2 ORDER BY f.code`, p.ID, province)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE holds SET status = 'converted', closed_at = $1
		WHERE status = 'active' AND id IN (SELECT hold_id FROM plan_units WHERE plan_id = $2 AND province_code = $3)`,
		tx.now, p.ID, province); err != nil {
		return nil, fmt.Errorf("store: convert plan holds: %w", err)
	}
	var codes []string
	for _, h := range hs {
		codes = append(codes, h.code)
		n := hostedIn[h.code]
		if h.registry || n == 0 {
			continue
		}
		var occupied int
		if err := tx.QueryRowContext(ctx, `
			UPDATE facilities SET occupied = occupied + $1, confirmed_at = $2, confirmed_by = $3, version = version + 1, updated_at = $2
			WHERE id = $4 RETURNING occupied`, n, tx.now, a.Label(), h.facilityID).Scan(&occupied); err != nil {
			return nil, fmt.Errorf("store: arrival occupancy: %w", err)
		}
		// The note counts the plan's arrivals, with no words: "+3 · <reference>".
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO availability_declarations (id, facility_id, at, actor, occupied, unchanged, note)
			VALUES ($1, $2, $3, $4, $5, false, $6)`, newID(), h.facilityID, tx.now, a.Label(), occupied,
			fmt.Sprintf("+%d · %s", n, p.Reference)); err != nil {
			return nil, err
		}
	}
	sort.Strings(codes)
	return codes, nil
}
