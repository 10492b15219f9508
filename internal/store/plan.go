package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// Plans: the life of a distribution plan (see domain.PlanService). Every
// write locks the plan's row first (an UPDATE of its version), so that two
// steps on one plan run one after the other and each sees the other's result:
// an acknowledgement or an arrival cannot be recorded twice.

// needReason refuses a change recorded without its reason.
func needReason(reason, msgID string) error {
	if strings.TrimSpace(reason) == "" {
		return domain.Err(domain.EINVALID, msgID).WithFields(map[string]domain.FieldError{"reason": domain.Field("err.field.reason_required")})
	}
	return nil
}

const planColumns = `id, reference, received_at, expected_at, window_hours, origin, transport, status, total,
	key_table_id, ack_hours, ack_deadline, published_at, closed_at, note, version, created_by, created_at, updated_at`

func scanPlan(s scanner) (domain.Plan, error) {
	var p domain.Plan
	var key sql.NullString
	var ack, pub, closed sql.NullTime
	err := s.Scan(&p.ID, &p.Reference, &p.ReceivedAt, &p.ExpectedAt, &p.WindowHours, &p.Origin, &p.Transport, &p.Status,
		&p.Total, &key, &p.AckHours, &ack, &pub, &closed, &p.Note, &p.Version, &p.CreatedBy, &p.CreatedAt, &p.UpdatedAt)
	p.KeyTable = key.String
	p.AckDeadline, p.PublishedAt, p.ClosedAt = timePtr(ack), timePtr(pub), timePtr(closed)
	p.ReceivedAt, p.ExpectedAt, p.CreatedAt, p.UpdatedAt = p.ReceivedAt.UTC(), p.ExpectedAt.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// lockPlan takes the plan's row lock inside tx and returns the plan's header.
func lockPlan(ctx context.Context, tx *Tx, id string) (domain.Plan, error) {
	res, err := tx.ExecContext(ctx, `UPDATE plans SET version = version + 1, updated_at = $1 WHERE id = $2`, tx.now, id)
	if err != nil {
		return domain.Plan{}, fmt.Errorf("store: lock plan: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Plan{}, domain.Err(domain.ENOTFOUND, "err.plan.not_found")
	}
	return scanPlan(tx.QueryRowContext(ctx, `SELECT `+planColumns+` FROM plans WHERE id = $1`, id))
}

// event appends a line to the plan's timeline and its audit row.
// planEvent appends a timeline entry: its kind and parameters (kv), rendered
// when read ("timeline.<kind>"), and the audit row with the same parameters.
func (tx *Tx) planEvent(ctx context.Context, planID, kind, province string, kv ...any) error {
	a, _ := domain.ActorFromContext(ctx)
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO plan_events (id, plan_id, at, actor, kind, province_code, summary, params) VALUES ($1, $2, $3, $4, $5, $6, '', $7)`,
		newID(), planID, tx.now, a.Label(), kind, province, domain.EncodeParams(kv...)); err != nil {
		return fmt.Errorf("store: plan event: %w", err)
	}
	return tx.audit(ctx, "plan."+kind, "plan", planID, append([]any{"Province", province}, kv...)...)
}

func (tx *Tx) setPlanStatus(ctx context.Context, id string, s domain.PlanStatus) error {
	_, err := tx.ExecContext(ctx, `UPDATE plans SET status = $1 WHERE id = $2`, string(s), id)
	if err != nil {
		return fmt.Errorf("store: plan status: %w", err)
	}
	return nil
}

// CreatePlan records the Ministry's notice with its units and, optionally,
// the nominative list. The coordinator only.
func (s *PlanService) CreatePlan(ctx context.Context, p *domain.Plan, units []domain.PlanUnit, persons []domain.PlanPerson) error {
	sc, err := s.db.runScope(ctx)
	if err != nil {
		return err
	}
	if p.AckHours == 0 {
		p.AckHours = 2
	}
	if err := domain.ValidatePlan(p, units, persons); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		p.ID, p.Status, p.Version, p.CreatedBy, p.CreatedAt, p.UpdatedAt = newID(), domain.PlanAnnounced, 1, sc.a.Label(), tx.now, tx.now
		if p.ReceivedAt.IsZero() {
			p.ReceivedAt = tx.now
		}
		p.Reference, p.Origin, p.Transport = strings.TrimSpace(p.Reference), strings.TrimSpace(p.Origin), strings.TrimSpace(p.Transport)
		p.Total = 0
		for _, u := range units {
			p.Total += u.Size
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO plans (id, reference, received_at, expected_at, window_hours, origin, transport, status, total,
				ack_hours, note, version, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $13)`,
			p.ID, p.Reference, p.ReceivedAt.UTC(), p.ExpectedAt.UTC(), p.WindowHours, p.Origin, p.Transport, string(p.Status),
			p.Total, p.AckHours, p.Note, p.CreatedBy, tx.now); err != nil {
			return fmt.Errorf("store: create plan: %w", err)
		}
		if err := insertPlanUnits(ctx, tx, p.ID, units, persons); err != nil {
			return err
		}
		c := domain.Compose(units)
		return tx.planEvent(ctx, p.ID, "announced", "", "Reference", p.Reference, "Origin", p.Origin, "Total", p.Total,
			"Men", c.Men, "Women", c.Women, "Households", c.Households, "HouseholdPersons", c.HouseholdPersons, "MSNA", c.MSNA,
			"ListRows", len(persons))
	})
}

func insertPlanUnits(ctx context.Context, tx *Tx, planID string, units []domain.PlanUnit, persons []domain.PlanPerson) error {
	for i, u := range units {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO plan_units (plan_id, id, seq, size, grp, needs, outcome) VALUES ($1, $2, $3, $4, $5, $6, '')`,
			planID, u.ID, i, u.Size, u.Group, strings.Join(u.Needs, ",")); err != nil {
			return fmt.Errorf("store: plan unit: %w", err)
		}
	}
	for i, pp := range persons {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO plan_persons (id, plan_id, unit_id, seq, cui, surname, given_name, sex, birth_date, birth_estimated,
				nationality, msna, household_role, outcome)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, '')`,
			newID(), planID, pp.UnitID, i, strings.TrimSpace(pp.CUI), strings.TrimSpace(pp.Surname),
			strings.TrimSpace(pp.GivenName), pp.Sex, pp.BirthDate.UTC(), pp.BirthEstimated, pp.Nationality, pp.MSNA,
			pp.HouseholdRole); err != nil {
			return fmt.Errorf("store: plan person: %w", err)
		}
	}
	return nil
}

// ListPlans returns plans, newest notice first. Every office reads the list
// (the arrival concerns all); units and people stay in FindPlan's scope.
func (s *PlanService) ListPlans(ctx context.Context, f domain.PlanFilter) ([]domain.Plan, error) {
	sc, err := s.db.planScope(ctx)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	ps, err := queryAll(ctx, s.db.read, "list plans", scanPlan, `SELECT `+planColumns+` FROM plans
		WHERE ($1 = '' OR status = $1) AND ($2 = false OR status NOT IN ('closed', 'cancelled'))
		ORDER BY received_at DESC, id DESC LIMIT $3 OFFSET $4`, string(f.Status), f.Open, limit, max(f.Offset, 0))
	if err != nil || len(ps) == 0 {
		return ps, err
	}
	// One query for everyone's shares, for the list's "your share" column.
	rows, err := queryAll(ctx, s.db.read, "list plan shares", func(s scanner) ([3]any, error) {
		var id, code string
		var persons int
		var ack sql.NullTime
		err := s.Scan(&id, &code, &persons, &ack)
		return [3]any{id, domain.PlanProvince{Code: code, Persons: persons, AcknowledgedAt: timePtr(ack)}, nil}, err
	}, `SELECT pp.plan_id, pp.province_code, pp.persons, pp.acknowledged_at FROM plan_provinces pp
		WHERE pp.plan_id IN (`+placeholders(1, len(ps))+`)`, planIDs(ps)...)
	if err != nil {
		return nil, err
	}
	byID := map[string]*domain.Plan{}
	for i := range ps {
		byID[ps[i].ID] = &ps[i]
		ps[i].MyProvince = sc.province
	}
	for _, r := range rows {
		if p := byID[r[0].(string)]; p != nil {
			p.Provinces = append(p.Provinces, r[1].(domain.PlanProvince))
		}
	}
	return ps, nil
}

// FindPlan returns a plan with its provinces, timeline and messages, the
// units of the caller's scope and, with guest:read, their people.
func (s *PlanService) FindPlan(ctx context.Context, id string) (domain.Plan, error) {
	sc, err := s.db.planScope(ctx)
	if err != nil {
		return domain.Plan{}, err
	}
	var p domain.Plan
	err = s.db.ReadTx(ctx, func(tx *Tx) error {
		var err error
		p, err = scanPlan(tx.QueryRowContext(ctx, `SELECT `+planColumns+` FROM plans WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Err(domain.ENOTFOUND, "err.plan.not_found")
		}
		if err != nil {
			return fmt.Errorf("store: find plan: %w", err)
		}
		return loadPlanDetail(ctx, tx, &p, sc)
	})
	return p, err
}

func loadPlanDetail(ctx context.Context, tx *Tx, p *domain.Plan, sc scope) error {
	var err error
	if p.Provinces, err = planProvinces(ctx, tx, p.ID); err != nil {
		return err
	}
	units, err := planUnits(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	p.Composition = domain.Compose(units)
	mine := map[string]bool{}
	for _, u := range units {
		if sc.seesAllUnits() || (u.Province != "" && u.Province == sc.province) {
			p.Units = append(p.Units, u)
			mine[u.ID] = true
		}
	}
	if p.Province(sc.province) != nil {
		p.MyProvince = sc.province
	}
	if sc.a.System != "" || domain.Can(sc.a, domain.PermGuestRead) {
		persons, err := planPersons(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		for _, pp := range persons {
			if mine[pp.UnitID] {
				p.Persons = append(p.Persons, pp)
			}
		}
	}
	if p.Transports, err = queryAll(ctx, tx, "plan transports", func(s scanner) (domain.PlanTransport, error) {
		var t domain.PlanTransport
		err := s.Scan(&t.Province, &t.Vehicle, &t.Headcount, &t.DepartedAt)
		t.DepartedAt = t.DepartedAt.UTC()
		return t, err
	}, `SELECT province_code, vehicle, headcount, departed_at FROM plan_transports WHERE plan_id = $1 ORDER BY departed_at, id`, p.ID); err != nil {
		return err
	}
	// Names are resolved now, not stored: the actor by name and office, the
	// province by name.
	if p.Events, err = queryAll(ctx, tx, "plan events", func(s scanner) (domain.PlanEvent, error) {
		var e domain.PlanEvent
		var name, office, province sql.NullString
		var params string
		err := s.Scan(&e.At, &e.Actor, &name, &office, &e.Kind, &e.Province, &province, &e.Summary, &params)
		e.At, e.ActorName, e.ActorOffice, e.ProvinceName = e.At.UTC(), name.String, office.String, province.String
		e.Params = domain.DecodeParams(params)
		return e, err
	}, `SELECT e.at, e.actor, u.name, o.sigla, e.kind, e.province_code, pr.name, e.summary, e.params
		FROM plan_events e LEFT JOIN users u ON u.id = e.actor LEFT JOIN offices o ON o.id = u.office_id
		LEFT JOIN provinces pr ON pr.code = e.province_code
		WHERE e.plan_id = $1 ORDER BY e.at, e.id`, p.ID); err != nil {
		return err
	}
	p.Messages, err = queryAll(ctx, tx, "plan messages", func(s scanner) (domain.PlanMessage, error) {
		var m domain.PlanMessage
		var name, office sql.NullString
		err := s.Scan(&m.ID, &m.At, &m.Actor, &m.Office, &m.Body, &name, &office)
		m.At, m.ActorName, m.OfficeName = m.At.UTC(), name.String, office.String
		return m, err
	}, `SELECT m.id, m.at, m.actor, m.office, m.body, u.name, o.name
		FROM plan_messages m LEFT JOIN users u ON u.id = m.actor LEFT JOIN offices o ON o.sigla = m.office AND m.office <> ''
		WHERE m.plan_id = $1 ORDER BY m.at, m.id`, p.ID)
	return err
}

func planProvinces(ctx context.Context, q querier, planID string) ([]domain.PlanProvince, error) {
	return queryAll(ctx, q, "plan provinces", func(s scanner) (domain.PlanProvince, error) {
		var r domain.PlanProvince
		var ack, rem, esc, placed, dep, arr sql.NullTime
		err := s.Scan(&r.Code, &r.Sigla, &r.Name, &r.Share, &r.Quota, &r.BalanceBefore, &r.Proposed, &r.Persons, &r.Explain,
			&r.AdjustReason, &ack, &r.AcknowledgedBy, &rem, &esc, &placed, &dep, &arr, &r.Arrived)
		// The engine's reason is stored as its figures (JSON); plans split
		// before that keep their text, shown as it was.
		if strings.HasPrefix(r.Explain, "{") {
			var w domain.SplitWhy
			if json.Unmarshal([]byte(r.Explain), &w) == nil {
				r.Why, r.Explain = &w, ""
			}
		}
		r.AcknowledgedAt, r.RemindedAt, r.EscalatedAt = timePtr(ack), timePtr(rem), timePtr(esc)
		r.PlacedAt, r.DepartedAt, r.ArrivedAt = timePtr(placed), timePtr(dep), timePtr(arr)
		return r, err
	}, `SELECT pp.province_code, pr.sigla, pr.name, pp.share, pp.quota, pp.balance_before, pp.proposed, pp.persons,
			pp.explain, pp.adjust_reason, pp.acknowledged_at, pp.acknowledged_by, pp.reminded_at, pp.escalated_at,
			pp.placed_at, pp.departed_at, pp.arrived_at, pp.arrived
		FROM plan_provinces pp JOIN provinces pr ON pr.code = pp.province_code
		WHERE pp.plan_id = $1 ORDER BY pp.province_code`, planID)
}

func planUnits(ctx context.Context, q querier, planID string) ([]domain.PlanUnit, error) {
	return queryAll(ctx, q, "plan units", func(s scanner) (domain.PlanUnit, error) {
		var u domain.PlanUnit
		var needs string
		var province, facility sql.NullString
		err := s.Scan(&u.ID, &u.Size, &u.Group, &needs, &province, &facility, &u.Outcome)
		u.Needs, u.Province, u.Facility = splitFeatures(needs), province.String, facility.String
		return u, err
	}, `SELECT u.id, u.size, u.grp, u.needs, u.province_code, f.code, u.outcome
		FROM plan_units u LEFT JOIN facilities f ON f.id = u.facility_id
		WHERE u.plan_id = $1 ORDER BY u.seq`, planID)
}

func planPersons(ctx context.Context, q querier, planID string) ([]domain.PlanPerson, error) {
	return queryAll(ctx, q, "plan persons", func(s scanner) (domain.PlanPerson, error) {
		var pp domain.PlanPerson
		var guest sql.NullString
		err := s.Scan(&pp.ID, &pp.UnitID, &pp.CUI, &pp.Surname, &pp.GivenName, &pp.Sex, &pp.BirthDate, &pp.BirthEstimated,
			&pp.Nationality, &pp.MSNA, &pp.HouseholdRole, &pp.Outcome, &guest)
		pp.GuestID, pp.BirthDate = guest.String, pp.BirthDate.UTC()
		return pp, err
	}, `SELECT id, unit_id, cui, surname, given_name, sex, birth_date, birth_estimated, nationality, msna, household_role,
			outcome, guest_id
		FROM plan_persons WHERE plan_id = $1 ORDER BY seq`, planID)
}

// ProposeSplit runs the engine's province split (DB.Split) on the key
// table in force, the period's saldo and the provinces' free places by group,
// and records the proposal with each province's explanation.
func (s *PlanService) ProposeSplit(ctx context.Context, id string) (domain.Plan, error) {
	_, err := s.db.runScope(ctx)
	if err != nil {
		return domain.Plan{}, err
	}
	if err := s.db.InTx(ctx, proposeSplit(ctx, id)); err != nil {
		return domain.Plan{}, err
	}
	return s.db.Plans.FindPlan(ctx, id)
}

// proposeSplit is ProposeSplit's transaction: every figure the split rests on
// (free places included) is read inside it, at its time.
func proposeSplit(ctx context.Context, id string) func(tx *Tx) error {
	return func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !domain.StepSplit.Allows(p.Status) {
			return conflictf("err.plan.propose_state", "Status", statusLabel(p.Status))
		}
		keyID, shares, err := sharesAt(ctx, tx, p.ReceivedAt)
		if err != nil {
			return err
		}
		from, to := periodOf(p.ReceivedAt)
		received, _, _, err := periodReceived(ctx, tx, from, to, p.ID)
		if err != nil {
			return err
		}
		units, err := planUnits(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		caps, err := freeByGroup(ctx, tx)
		if err != nil {
			return err
		}
		if tx.db.Split == nil {
			return errors.New("store: no province split engine (DB.Split) wired")
		}
		in := domain.SplitRequest{Units: units}
		codes := slices.Sorted(maps.Keys(shares))
		for _, c := range codes {
			in.Provinces = append(in.Provinces, domain.SplitProvince{Code: c, Share: shares[c], Received: received[c], Free: caps[c]})
			in.CumulativeTotal += received[c]
		}
		out, err := tx.db.Split(in)
		if err != nil {
			return domain.Err(domain.EINVALID, "err.plan.split_failed", "Detail", err.Error())
		}
		keyOnly := false
		if len(out.Unplaced) > 0 { // free places do not suffice: split by the key alone and say so
			for i := range in.Provinces {
				in.Provinces[i].Free = nil
			}
			if out, err = tx.db.Split(in); err != nil {
				return domain.Err(domain.EINVALID, "err.plan.split_failed", "Detail", err.Error())
			}
			keyOnly = true
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM plan_provinces WHERE plan_id = $1`, p.ID); err != nil {
			return fmt.Errorf("store: split: %w", err)
		}
		var summary []string
		for _, r := range out.Provinces {
			c := r.Code
			quota := shares[c] * float64(p.Total)
			balance := float64(received[c]) - shares[c]*float64(in.CumulativeTotal)
			why, err := json.Marshal(r.Why)
			if err != nil {
				return fmt.Errorf("store: split reason: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO plan_provinces (plan_id, province_code, share, quota, balance_before, proposed, persons, explain,
					adjust_reason, acknowledged_by, arrived)
				VALUES ($1, $2, $3, $4, $5, $6, $6, $7, '', '', 0)`,
				p.ID, c, shares[c], quota, balance, r.Persons, string(why)); err != nil {
				return fmt.Errorf("store: split: %w", err)
			}
			for _, u := range r.Units {
				if _, err := tx.ExecContext(ctx, `UPDATE plan_units SET province_code = $1 WHERE plan_id = $2 AND id = $3`,
					c, p.ID, u); err != nil {
					return fmt.Errorf("store: split: %w", err)
				}
			}
			summary = append(summary, fmt.Sprintf("%s %d", c, r.Persons))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET key_table_id = $1 WHERE id = $2`, nullable(keyID), p.ID); err != nil {
			return fmt.Errorf("store: split: %w", err)
		}
		if err := tx.setPlanStatus(ctx, p.ID, domain.PlanProposed); err != nil {
			return err
		}
		return tx.planEvent(ctx, p.ID, "split_proposed", "", "Shares", strings.Join(summary, ", "), "KeyOnly", keyOnly)
	}
}

// freeByGroup sums the free places of active facilities per province and
// unit group: what each province can take now (a mixed facility counts for
// every adult group). Every facility of the region, read inside tx at its
// time: the figures only feed the split, never a caller's view.
func freeByGroup(ctx context.Context, tx *Tx) (map[string]map[string]int, error) {
	fs, err := queryAll(ctx, tx, "free by group", scanFacility, `SELECT `+facilityColumns+facilityFrom+` ORDER BY f.code`)
	if err != nil {
		return nil, err
	}
	if err := tx.db.ledger(ctx, tx, fs, tx.now); err != nil {
		return nil, err
	}
	caps := map[string]map[string]int{}
	for _, f := range fs {
		if f.Status != domain.StatusActive || f.Free <= 0 {
			continue
		}
		m := caps[f.ProvinceCode]
		if m == nil {
			m = map[string]int{domain.GroupMan: 0, domain.GroupWoman: 0, domain.GroupFamily: 0, domain.GroupMinor: 0}
			caps[f.ProvinceCode] = m
		}
		for _, g := range f.Target.AcceptedGroups() {
			m[g] += f.Free
		}
	}
	return caps, nil
}

// periodOf is the saldo's period: the Italian calendar year of t.
func periodOf(t time.Time) (from, to time.Time) {
	y := t.In(italy).Year()
	return time.Date(y, 1, 1, 0, 0, 0, 0, italy).UTC(), time.Date(y+1, 1, 1, 0, 0, 0, 0, italy).UTC()
}

// periodReceived sums, per province, the persons of the plans received in
// [from, to) other than except: those arrived for plans whose arrival is
// confirmed, the share otherwise (published plans not cancelled).
//
// stages gives, by province, the persons assigned, acknowledged, placed and
// arrived (as confirmed): the stages apart, for the balances page.
func periodReceived(ctx context.Context, q querier, from, to time.Time, except string) (
	received map[string]int, plans map[string][]string, stages map[string][4]int, err error) {
	type row struct {
		plan, code                      string
		persons, arrived                int
		acknowledged, placed, confirmed bool
	}
	rows, err := queryAll(ctx, q, "period received", func(s scanner) (row, error) {
		var r row
		var ack, placed, at sql.NullTime
		err := s.Scan(&r.plan, &r.code, &r.persons, &r.arrived, &ack, &placed, &at)
		r.acknowledged, r.placed, r.confirmed = ack.Valid, placed.Valid, at.Valid
		return r, err
	}, `SELECT p.id, pp.province_code, pp.persons, pp.arrived, pp.acknowledged_at, pp.placed_at, pp.arrived_at FROM plan_provinces pp
		JOIN plans p ON p.id = pp.plan_id
		WHERE p.received_at >= $1 AND p.received_at < $2 AND p.id <> $3
		  AND p.status IN ('published', 'placed', 'in_transit', 'arrived', 'closed')
		ORDER BY p.received_at, p.id`, from, to, except)
	if err != nil {
		return nil, nil, nil, err
	}
	received, plans, stages = map[string]int{}, map[string][]string{}, map[string][4]int{}
	for _, r := range rows {
		st := stages[r.code]
		st[0] += r.persons
		if r.acknowledged {
			st[1] += r.persons
		}
		if r.placed {
			st[2] += r.persons
		}
		n := r.persons
		if r.confirmed {
			n = r.arrived
			st[3] += r.arrived
		}
		stages[r.code] = st
		received[r.code] += n
		if n > 0 {
			plans[r.code] = append(plans[r.code], r.plan)
		}
	}
	return received, plans, stages, nil
}

// AdjustSplit sets the persons of some provinces before publication, moving
// whole units between provinces (single persons first, households whole);
// the reason is recorded on each changed province and on the timeline.
func (s *PlanService) AdjustSplit(ctx context.Context, id string, persons map[string]int, reason string) (domain.Plan, error) {
	_, err := s.db.runScope(ctx)
	if err != nil {
		return domain.Plan{}, err
	}
	if err := needReason(reason, "err.plan.adjust_reason"); err != nil {
		return domain.Plan{}, err
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !domain.StepAdjust.Allows(p.Status) {
			return conflictf("err.plan.adjust_state", "Status", statusLabel(p.Status))
		}
		rows, err := planProvinces(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		target, err := domain.SplitTargets(rows, persons, p.Total)
		if err != nil {
			return err
		}
		units, err := planUnits(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		moved, err := domain.ReassignUnits(units, target)
		if err != nil {
			return err
		}
		for uid, c := range moved {
			if _, err := tx.ExecContext(ctx, `UPDATE plan_units SET province_code = $1 WHERE plan_id = $2 AND id = $3`, c, p.ID, uid); err != nil {
				return fmt.Errorf("store: adjust: %w", err)
			}
		}
		var changes []string
		for _, r := range rows {
			if target[r.Code] == r.Persons {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE plan_provinces SET persons = $1, adjust_reason = $2 WHERE plan_id = $3 AND province_code = $4`,
				target[r.Code], strings.TrimSpace(reason), p.ID, r.Code); err != nil {
				return fmt.Errorf("store: adjust: %w", err)
			}
			changes = append(changes, fmt.Sprintf("%s %d→%d", r.Sigla, r.Persons, target[r.Code]))
		}
		return tx.planEvent(ctx, p.ID, "split_adjusted", "", "Changes", strings.Join(changes, ", "), "Reason", strings.TrimSpace(reason))
	})
	if err != nil {
		return domain.Plan{}, err
	}
	return s.db.Plans.FindPlan(ctx, id)
}

// PublishPlan publishes a proposed split: every province with a share gets
// an in-app notification per user and e-mails (office address and users)
// through the outbox, in the same transaction, with a link and no personal
// data; the acknowledgement deadline starts.
func (s *PlanService) PublishPlan(ctx context.Context, id string) (domain.Plan, error) {
	_, err := s.db.runScope(ctx)
	if err != nil {
		return domain.Plan{}, err
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !domain.StepPublish.Allows(p.Status) {
			return conflictf("err.plan.publish_state", "Status", statusLabel(p.Status))
		}
		deadline := tx.now.Add(time.Duration(p.AckHours) * time.Hour)
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET status = 'published', published_at = $1, ack_deadline = $2 WHERE id = $3`,
			tx.now, deadline, p.ID); err != nil {
			return fmt.Errorf("store: publish: %w", err)
		}
		rows, err := planProvinces(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		n := 0
		for _, r := range rows {
			if r.Persons == 0 {
				continue
			}
			k, err := tx.notifyProvinces(ctx, []string{r.Code}, "plan_published", p.ID, "Reference", p.Reference, "Persons", r.Persons,
				"Origin", p.Origin, "Expected", p.ExpectedAt.In(italy).Format("02/01/2006 15:04"), "Province", r.Name,
				"Date", deadline.In(italy).Format("02/01/2006"), "Time", deadline.In(italy).Format("15:04"), "URL", s.db.planURL(p.ID))
			if err != nil {
				return err
			}
			n += k
		}
		return tx.planEvent(ctx, p.ID, "published", "", "Notifications", n, "Deadline", deadline.In(italy).Format("02/01/2006 15:04"))
	})
	if err != nil {
		return domain.Plan{}, err
	}
	return s.db.Plans.FindPlan(ctx, id)
}

func (db *DB) planURL(id string) string { return strings.TrimRight(db.BaseURL, "/") + "/piani/" + id }

// AcknowledgePlan records the caller's office's acknowledgement of its share.
func (s *PlanService) AcknowledgePlan(ctx context.Context, id string) error {
	sc, err := s.db.planScope(ctx)
	if err != nil {
		return err
	}
	province, err := sc.needPlace()
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.Status.Open() || p.PublishedAt == nil {
			return conflictf("err.plan.ack_state", "Status", statusLabel(p.Status))
		}
		return acknowledge(ctx, tx, p, province, sc.a, false)
	})
}

// acknowledge records a province's acknowledgement inside tx; implicit when a
// prefecture places its share without having acknowledged first.
func acknowledge(ctx context.Context, tx *Tx, p domain.Plan, province string, a domain.Actor, implicit bool) error {
	var persons int
	var ack sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT persons, acknowledged_at FROM plan_provinces WHERE plan_id = $1 AND province_code = $2`,
		p.ID, province).Scan(&persons, &ack)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && persons == 0) {
		if implicit {
			return nil
		}
		return conflictf("err.plan.no_share")
	}
	if err != nil {
		return fmt.Errorf("store: acknowledge: %w", err)
	}
	if ack.Valid {
		if implicit {
			return nil
		}
		return conflictf("err.plan.ack_done", "Date", ack.Time.In(italy).Format("02/01/2006"), "Time", ack.Time.In(italy).Format("15:04"))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE plan_provinces SET acknowledged_at = $1, acknowledged_by = $2 WHERE plan_id = $3 AND province_code = $4`,
		tx.now, a.Label(), p.ID, province); err != nil {
		return fmt.Errorf("store: acknowledge: %w", err)
	}
	late := ""
	if p.AckDeadline != nil && tx.now.After(*p.AckDeadline) {
		late = tx.now.Sub(*p.AckDeadline).Round(time.Minute).String()
	}
	return tx.planEvent(ctx, p.ID, "acknowledged", province, "Persons", persons, "Late", late)
}

// ClosePlan closes a plan whose arrivals are all confirmed: its figures are
// final and count in the period's saldo.
func (s *PlanService) ClosePlan(ctx context.Context, id string) error {
	_, err := s.db.runScope(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !domain.StepClose.Allows(p.Status) {
			return conflictf("err.plan.close_state", "Status", statusLabel(p.Status))
		}
		var arrived int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(arrived), 0) FROM plan_provinces WHERE plan_id = $1`, p.ID).Scan(&arrived); err != nil {
			return fmt.Errorf("store: close plan: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET status = 'closed', closed_at = $1 WHERE id = $2`, tx.now, p.ID); err != nil {
			return fmt.Errorf("store: close plan: %w", err)
		}
		return tx.planEvent(ctx, p.ID, "closed", "", "Arrived", arrived, "Total", p.Total)
	})
}

// CancelPlan cancels an open plan whose arrivals are not yet confirmed; its
// holds are released and the provinces notified.
func (s *PlanService) CancelPlan(ctx context.Context, id, reason string) error {
	_, err := s.db.runScope(ctx)
	if err != nil {
		return err
	}
	if err := needReason(reason, "err.plan.cancel_reason"); err != nil {
		return err
	}
	var codes []string
	err = s.db.InTx(ctx, func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if !domain.StepCancel.Allows(p.Status) {
			return conflictf("err.plan.already", "Status", statusLabel(p.Status))
		}
		var confirmed int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_provinces WHERE plan_id = $1 AND arrived_at IS NOT NULL`, p.ID).Scan(&confirmed); err != nil {
			return err
		}
		if confirmed > 0 {
			return conflictf("err.plan.cancel_arrived")
		}
		if codes, err = releasePlanHolds(ctx, tx, p.ID, ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET status = 'cancelled', closed_at = $1 WHERE id = $2`, tx.now, p.ID); err != nil {
			return err
		}
		if p.PublishedAt != nil {
			if _, err := tx.notifyProvinces(ctx, sharedProvinces(ctx, tx, p.ID), "plan_cancelled", p.ID,
				"Reference", p.Reference, "URL", s.db.planURL(p.ID)); err != nil {
				return err
			}
		}
		return tx.planEvent(ctx, p.ID, "cancelled", "", "Reason", strings.TrimSpace(reason))
	})
	for _, c := range codes {
		s.db.changed(c)
	}
	return err
}

// sharedProvinces lists the provinces with a share in the plan.
func sharedProvinces(ctx context.Context, tx *Tx, planID string) []string {
	cs, _ := queryAll(ctx, tx, "shared provinces", func(s scanner) (string, error) {
		var c string
		return c, s.Scan(&c)
	}, `SELECT province_code FROM plan_provinces WHERE plan_id = $1 AND persons > 0 ORDER BY province_code`, planID)
	return cs
}

// releasePlanHolds releases the plan's active holds (of one province, or all
// when province is empty) and clears the placements; it returns the codes of
// the facilities touched.
func releasePlanHolds(ctx context.Context, tx *Tx, planID, province string) ([]string, error) {
	codes, err := queryAll(ctx, tx, "plan holds", func(s scanner) (string, error) {
		var c string
		return c, s.Scan(&c)
	}, `SELECT DISTINCT f.code FROM plan_units u JOIN holds h ON h.id = u.hold_id JOIN facilities f ON f.id = h.facility_id
		WHERE u.plan_id = $1 AND ($2 = '' OR u.province_code = $2) AND h.status = 'active'`, planID, province)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE holds SET status = 'released', closed_at = $1
		WHERE status = 'active' AND id IN (SELECT hold_id FROM plan_units WHERE plan_id = $2 AND ($3 = '' OR province_code = $3))`,
		tx.now, planID, province); err != nil {
		return nil, fmt.Errorf("store: release plan holds: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE plan_units SET facility_id = NULL, hold_id = NULL WHERE plan_id = $1 AND ($2 = '' OR province_code = $2)`,
		planID, province); err != nil {
		return nil, fmt.Errorf("store: release plan holds: %w", err)
	}
	return codes, nil
}

// AmendPlan replaces the units (a later notice changed the total) before any
// placement: the split must be proposed and published again, and provinces
// already notified are told.
func (s *PlanService) AmendPlan(ctx context.Context, id string, units []domain.PlanUnit, persons []domain.PlanPerson, reason string) error {
	_, err := s.db.runScope(ctx)
	if err != nil {
		return err
	}
	if err := needReason(reason, "err.plan.amend_reason"); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		return s.db.amendTx(ctx, tx, p, units, persons, "amended", "Reason", strings.TrimSpace(reason))
	})
}

// amendTx replaces a locked plan's units and people inside tx.
// kv are the timeline entry's parameters beyond the totals.
func (db *DB) amendTx(ctx context.Context, tx *Tx, p domain.Plan, units []domain.PlanUnit, persons []domain.PlanPerson, kind string, kv ...any) error {
	if err := domain.ValidatePlan(&p, units, persons); err != nil {
		return err
	}
	if !domain.StepAmend.Allows(p.Status) {
		return conflictf("err.plan.amend_state", "Status", statusLabel(p.Status))
	}
	var placed int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_units WHERE plan_id = $1 AND facility_id IS NOT NULL`, p.ID).Scan(&placed); err != nil {
		return err
	}
	if placed > 0 {
		return conflictf("err.plan.amend_placed")
	}
	notify := []string{}
	if p.PublishedAt != nil {
		notify = sharedProvinces(ctx, tx, p.ID)
	}
	for _, q := range []string{`DELETE FROM plan_persons WHERE plan_id = $1`, `DELETE FROM plan_units WHERE plan_id = $1`,
		`DELETE FROM plan_provinces WHERE plan_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, p.ID); err != nil {
			return fmt.Errorf("store: amend: %w", err)
		}
	}
	if err := insertPlanUnits(ctx, tx, p.ID, units, persons); err != nil {
		return err
	}
	total := 0
	for _, u := range units {
		total += u.Size
	}
	if _, err := tx.ExecContext(ctx, `UPDATE plans SET total = $1, status = 'announced', published_at = NULL, ack_deadline = NULL WHERE id = $2`,
		total, p.ID); err != nil {
		return fmt.Errorf("store: amend: %w", err)
	}
	if len(notify) > 0 {
		if _, err := tx.notifyProvinces(ctx, notify, "plan_amended", p.ID, "Reference", p.Reference, "Total", total,
			"URL", db.planURL(p.ID)); err != nil {
			return err
		}
	}
	return tx.planEvent(ctx, p.ID, kind, "", append([]any{"From", p.Total, "To", total}, kv...)...)
}

// planList is a nominative list waiting in the imports table.
type planList struct {
	Preview domain.PlanListPreview `json:"preview"`
	Units   []domain.PlanUnit      `json:"units"`
	Persons []domain.PlanPerson    `json:"persons"`
}

// PreviewPlanList reads a nominative list for a plan (the coordinator): the
// people become the plan's units (households together, minors apart) once
// applied; the preview and the cell errors are kept until then.
func (s *PlanService) PreviewPlanList(ctx context.Context, id string, rows []domain.PresenceRow, errs []domain.CellError) (domain.PlanListPreview, error) {
	sc, err := s.db.runScope(ctx)
	if err != nil {
		return domain.PlanListPreview{}, err
	}
	p, err := s.db.Plans.FindPlan(ctx, id)
	if err != nil {
		return domain.PlanListPreview{}, err
	}
	if len(rows) > domain.MaxPlanUnits {
		return domain.PlanListPreview{}, domain.Err(domain.EINVALID, "err.plan.list_too_long", "Rows", len(rows), "Max", domain.MaxPlanUnits)
	}
	units, persons := domain.UnitsFromList(rows, p.ExpectedAt)
	pl := planList{Units: units, Persons: persons, Preview: domain.PlanListPreview{ID: newID(), PlanID: p.ID, Persons: len(persons),
		Units: len(units), Composition: domain.Compose(units), Errors: errs}}
	if pl.Preview.Errors == nil {
		pl.Preview.Errors = []domain.CellError{}
	}
	b, err := json.Marshal(pl)
	if err != nil {
		return domain.PlanListPreview{}, err
	}
	if _, err := s.db.write.ExecContext(ctx, `INSERT INTO imports (id, user_id, kind, plan, created_at) VALUES ($1, $2, 'plan_list', $3, $4)`,
		pl.Preview.ID, sc.a.Label(), string(b), s.db.Now()); err != nil {
		return domain.PlanListPreview{}, fmt.Errorf("store: save plan list: %w", err)
	}
	return pl.Preview, nil
}

// ApplyPlanList applies a previewed list: the plan's units and people are
// replaced in one transaction. A list with bad rows is applied only when the
// caller excludes them; otherwise the rows are to be fixed and the list loaded again.
func (s *PlanService) ApplyPlanList(ctx context.Context, previewID string, excludeErrors bool) error {
	sc, err := s.db.runScope(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		var raw, owner string
		var created time.Time
		var applied sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT plan, user_id, created_at, applied_at FROM imports WHERE id = $1 AND kind = 'plan_list'`,
			previewID).Scan(&raw, &owner, &created, &applied)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != sc.a.Label()) {
			return domain.Err(domain.ENOTFOUND, "err.list.not_found")
		}
		if err != nil {
			return fmt.Errorf("store: plan list: %w", err)
		}
		if applied.Valid {
			return conflictf("err.plan.list_applied")
		}
		if tx.now.Sub(created) > importTTL {
			return conflictf("err.plan.list_expired")
		}
		var pl planList
		if err := json.Unmarshal([]byte(raw), &pl); err != nil {
			return err
		}
		if n := len(pl.Preview.Errors); n > 0 && !excludeErrors {
			return domain.Err(domain.EINVALID, "err.plan.list_errors", "Errors", n)
		}
		if len(pl.Units) == 0 {
			return domain.Err(domain.EINVALID, "err.plan.list_empty")
		}
		p, err := lockPlan(ctx, tx, pl.Preview.PlanID)
		if err != nil {
			return err
		}
		if err := s.db.amendTx(ctx, tx, p, pl.Units, pl.Persons, "list_loaded",
			"Persons", len(pl.Persons), "Excluded", len(pl.Preview.Errors)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE imports SET applied_at = $1 WHERE id = $2`, tx.now, previewID)
		return err
	})
}

// PostMessage adds a message to the plan's thread; the other offices with a
// share and the coordinator are notified (the message itself stays in the app).
func (s *PlanService) PostMessage(ctx context.Context, id, body string) error {
	sc, err := s.db.planScope(ctx)
	if err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	if body == "" || len(body) > 2000 {
		return domain.Err(domain.EINVALID, "err.plan.message_length", "Max", 2000).WithFields(map[string]domain.FieldError{"body": domain.Field("err.field.length", "Min", 1, "Max", 2000)})
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		office := sc.a.OfficeSigla
		if _, err := tx.ExecContext(ctx, `INSERT INTO plan_messages (id, plan_id, at, actor, office, body) VALUES ($1, $2, $3, $4, $5, $6)`,
			newID(), p.ID, tx.now, sc.a.Label(), office, body); err != nil {
			return fmt.Errorf("store: plan message: %w", err)
		}
		var others []string
		for _, c := range sharedProvinces(ctx, tx, p.ID) {
			if c != sc.province {
				others = append(others, c)
			}
		}
		if _, err := tx.notifyInApp(ctx, others, true, sc.a.UserID, "plan_message", p.ID, "Reference", p.Reference, "Office", office); err != nil {
			return err
		}
		return tx.audit(ctx, "plan.message", "plan", p.ID)
	})
}

// statusLabel is a plan status as a message argument, translated when shown.
func statusLabel(s domain.PlanStatus) domain.Label { return domain.Label("plan.status." + string(s)) }

// planIDs are the plans' ids as query arguments.
func planIDs(ps []domain.Plan) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
