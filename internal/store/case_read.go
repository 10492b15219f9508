package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// GetCase implements domain.CaseService. The read and its access row share
// one transaction: when the row cannot be written, nothing is returned.
func (s *CaseService) GetCase(ctx context.Context, id, purpose string) (domain.Case, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return domain.Case{}, domain.Err(domain.EUNAUTHORIZED, "err.case.auth_required")
	}
	if !slices.Contains(domain.AccessPurposes, purpose) {
		return domain.Case{}, domain.Err(domain.EINVALID, "err.case.purpose_required").WithFields(
			map[string]domain.FieldError{"purpose": domain.Field("err.case.purpose_required")})
	}
	var out domain.Case
	err := s.db.InTx(ctx, func(tx *Tx) error {
		c, err := findCaseTx(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if c.restricted && a.System == "" && !domain.Can(a, domain.PermCaseRestricted) {
			// The case exists for this reader as "riservato", without content;
			// the look is still logged, with no section read.
			out = domain.Case{ID: c.id, Restricted: true, Sections: []string{}}
			return logCaseAccess(ctx, tx, a, c.id, purpose, nil, !c.inProvince)
		}
		out, err = loadCase(ctx, tx, c.id, domain.CaseSections)
		if err != nil {
			return err
		}
		return logCaseAccess(ctx, tx, a, c.id, purpose, out.Sections, !c.inProvince)
	})
	if err != nil {
		return domain.Case{}, err
	}
	return out, nil
}

// loadCase reads a case's header and the listed sections, opening their
// sealed texts.
func loadCase(ctx context.Context, tx *Tx, id string, sections []string) (domain.Case, error) {
	c := domain.Case{ID: id, Sections: []string{}}
	var guestID string
	var worker sql.NullString
	var closed sql.NullTime
	if err := tx.QueryRowContext(ctx, `SELECT guest_id, restricted, status, category, urgency, province_code, worker_id,
		opened_at, closed_at, version FROM cases WHERE id = $1`, id).Scan(&guestID, &c.Restricted, &c.Status, &c.Category,
		&c.Urgency, &c.Province, &worker, &c.OpenedAt, &closed, &c.Version); err != nil {
		return c, fmt.Errorf("store: load case: %w", err)
	}
	c.WorkerID, c.ClosedAt, c.OpenedAt = worker.String, timePtr(closed), c.OpenedAt.UTC()
	now := tx.now
	for _, sec := range domain.CaseSections {
		if !slices.Contains(sections, sec) {
			continue
		}
		var err error
		switch sec {
		case domain.SectionIdentity:
			var g domain.Guest
			g, err = scanGuest(tx.QueryRowContext(ctx, `SELECT `+guestColumns+` FROM guests g WHERE g.id = $1`, guestID))
			c.Guest = &g
		case domain.SectionReports:
			c.Reports, err = caseReports(ctx, tx, id)
		case domain.SectionVulnerabilities:
			c.Vulnerabilities, err = caseVulnerabilities(ctx, tx, id, guestID)
		case domain.SectionTasks:
			c.Tasks, err = caseTasks(ctx, tx, id, now)
		case domain.SectionMeasures:
			c.Measures, err = caseMeasures(ctx, tx, id, now)
		case domain.SectionNotes:
			c.Notes, err = caseNotes(ctx, tx, id)
		case domain.SectionReferrals:
			c.Referrals, err = caseReferrals(ctx, tx, `r.case_id = $1`, id)
		case domain.SectionTimeline:
			c.Timeline, err = caseTimeline(ctx, tx, id)
		}
		if err != nil {
			return c, err
		}
		c.Sections = append(c.Sections, sec)
	}
	return c, nil
}

func caseReports(ctx context.Context, tx *Tx, caseID string) ([]domain.Report, error) {
	type row struct {
		r      domain.Report
		sealed string
	}
	rows, err := queryAll(ctx, tx, "case reports", func(s scanner) (row, error) {
		var x row
		var caseID sql.NullString
		var triaged sql.NullTime
		err := s.Scan(&x.r.ID, &x.r.GuestID, &x.r.Facility, &x.r.Category, &x.r.Urgency, &x.r.Status, &caseID,
			&x.r.FiledAt, &triaged, &x.sealed)
		x.r.CaseID, x.r.TriagedAt, x.r.FiledAt = caseID.String, timePtr(triaged), x.r.FiledAt.UTC()
		return x, err
	}, `SELECT `+reportColumns+`, r.sealed_description FROM case_reports r JOIN facilities f ON f.id = r.facility_id
		WHERE r.case_id = $1 ORDER BY r.filed_at, r.id`, caseID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Report, 0, len(rows))
	for _, x := range rows {
		if x.r.Description, err = tx.unseal(ctx, x.sealed, "report:"+x.r.ID+":description"); err != nil {
			return nil, err
		}
		out = append(out, x.r)
	}
	return out, nil
}

// caseVulnerabilities opens the registry rows the case references.
func caseVulnerabilities(ctx context.Context, tx *Tx, caseID, guestID string) ([]domain.Vulnerability, error) {
	sealed, err := queryAll(ctx, tx, "case vulnerabilities", func(s scanner) (string, error) {
		var v string
		return v, s.Scan(&v)
	}, `SELECT gv.sealed FROM case_vulnerabilities cv JOIN guest_vulnerabilities gv ON gv.id = cv.vulnerability_id
		WHERE cv.case_id = $1 ORDER BY gv.id`, caseID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Vulnerability, 0, len(sealed))
	for _, s := range sealed {
		pt, err := tx.unseal(ctx, s, "guest:"+guestID+":vulnerability")
		if err != nil {
			return nil, err
		}
		var v domain.Vulnerability
		if err := json.Unmarshal([]byte(pt), &v); err != nil {
			return nil, fmt.Errorf("store: vulnerability: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

func caseTasks(ctx context.Context, tx *Tx, caseID string, now time.Time) ([]domain.Task, error) {
	type row struct {
		t      domain.Task
		sealed string
	}
	rows, err := queryAll(ctx, tx, "case tasks", func(s scanner) (row, error) {
		var x row
		var done sql.NullTime
		err := s.Scan(&x.t.ID, &x.sealed, &x.t.Due, &done)
		x.t.Due, x.t.DoneAt = x.t.Due.UTC(), timePtr(done)
		return x, err
	}, `SELECT id, sealed_title, due, done_at FROM case_tasks WHERE case_id = $1 ORDER BY due, id`, caseID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Task, 0, len(rows))
	for _, x := range rows {
		if x.t.Title, err = tx.unseal(ctx, x.sealed, "case:"+caseID+":task:"+x.t.ID); err != nil {
			return nil, err
		}
		x.t.Overdue = x.t.DoneAt == nil && x.t.Due.Before(now)
		out = append(out, x.t)
	}
	return out, nil
}

func caseMeasures(ctx context.Context, tx *Tx, caseID string, now time.Time) ([]domain.Measure, error) {
	type row struct {
		m      domain.Measure
		sealed string
	}
	rows, err := queryAll(ctx, tx, "case measures", func(s scanner) (row, error) {
		var x row
		var deadline sql.NullTime
		err := s.Scan(&x.m.ID, &x.m.Kind, &x.m.Ground, &x.m.DecidedOn, &x.m.DurationDays, &deadline, &x.sealed)
		x.m.DecidedOn, x.m.Deadline = x.m.DecidedOn.UTC(), timePtr(deadline)
		return x, err
	}, `SELECT id, kind, ground, decided_on, duration_days, deadline, sealed_reason FROM case_measures
		WHERE case_id = $1 ORDER BY decided_on, id`, caseID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Measure, 0, len(rows))
	for _, x := range rows {
		if x.m.Reason, err = tx.unseal(ctx, x.sealed, "case:"+caseID+":measure:"+x.m.ID); err != nil {
			return nil, err
		}
		x.m.Overdue = x.m.Deadline != nil && x.m.Deadline.Before(now)
		out = append(out, x.m)
	}
	return out, nil
}

func caseNotes(ctx context.Context, tx *Tx, caseID string) ([]domain.Note, error) {
	type row struct {
		n      domain.Note
		sealed string
	}
	rows, err := queryAll(ctx, tx, "case notes", func(s scanner) (row, error) {
		var x row
		err := s.Scan(&x.n.ID, &x.sealed, &x.n.CreatedBy, &x.n.CreatedAt)
		x.n.CreatedAt = x.n.CreatedAt.UTC()
		return x, err
	}, `SELECT id, sealed_text, created_by, created_at FROM case_notes WHERE case_id = $1 ORDER BY created_at, id`, caseID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Note, 0, len(rows))
	for _, x := range rows {
		if x.n.Text, err = tx.unseal(ctx, x.sealed, "case:"+caseID+":note:"+x.n.ID); err != nil {
			return nil, err
		}
		out = append(out, x.n)
	}
	return out, nil
}

func caseTimeline(ctx context.Context, tx *Tx, caseID string) ([]domain.CaseEvent, error) {
	return queryAll(ctx, tx, "case timeline", func(s scanner) (domain.CaseEvent, error) {
		var e domain.CaseEvent
		var params string
		if err := s.Scan(&e.At, &e.Actor, &e.Kind, &params); err != nil {
			return e, err
		}
		e.At = e.At.UTC()
		return e, json.Unmarshal([]byte(params), &e.Params)
	}, `SELECT at, actor, kind, params FROM case_events WHERE case_id = $1 ORDER BY at, id`, caseID)
}

// caseReferrals lists referrals matching cond (alias r, one argument $1),
// opening their sealed texts.
func caseReferrals(ctx context.Context, tx *Tx, cond, arg string) ([]domain.Referral, error) {
	type row struct {
		r                                 domain.Referral
		sections, reason, answer, outcome string
		given                             bool
		date                              sql.NullTime
		recordedBy, purpose, override     string
	}
	rows, err := queryAll(ctx, tx, "referrals", func(s scanner) (row, error) {
		var x row
		var answered, taken sql.NullTime
		err := s.Scan(&x.r.ID, &x.r.CaseID, &x.r.ServiceID, &x.reason, &x.r.Status, &x.given, &x.date, &x.recordedBy,
			&x.purpose, &x.sections, &x.override, &x.r.SentAt, &answered, &x.answer, &x.outcome, &taken)
		x.r.SentAt, x.r.AnsweredAt, x.r.TakenInCharge = x.r.SentAt.UTC(), timePtr(answered), timePtr(taken)
		return x, err
	}, `SELECT r.id, r.case_id, r.service_id, r.sealed_reason, r.status, r.consent_given, r.consent_date,
		r.consent_recorded_by, r.consent_purpose, r.sections, r.sealed_override, r.sent_at, r.answered_at,
		r.sealed_answer, r.sealed_outcome, r.taken_in_charge
		FROM referrals r WHERE `+cond+` ORDER BY r.sent_at, r.id`, arg)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Referral, 0, len(rows))
	for _, x := range rows {
		r := x.r
		r.Sections = splitSections(x.sections)
		r.Overridden = x.override != ""
		if x.given {
			d := x.date.Time.UTC()
			r.Consent = &domain.Consent{Given: true, Date: d, RecordedBy: x.recordedBy, Purpose: x.purpose, Sections: r.Sections}
		}
		aad := "referral:" + r.ID + ":"
		if r.Reason, err = tx.unseal(ctx, x.reason, aad+"reason"); err != nil {
			return nil, err
		}
		if r.Answer, err = tx.unseal(ctx, x.answer, aad+"answer"); err != nil {
			return nil, err
		}
		if r.Outcome, err = tx.unseal(ctx, x.outcome, aad+"outcome"); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func splitSections(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// CaseAccesses implements domain.CaseService: the coordinator and the admin
// read any case's log, the assigned case worker their case's.
func (s *CaseService) CaseAccesses(ctx context.Context, id string) ([]domain.CaseAccess, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return nil, domain.Err(domain.EUNAUTHORIZED, "err.case.auth_required")
	}
	var out []domain.CaseAccess
	err := s.db.ReadTx(ctx, func(tx *Tx) error {
		var n int
		all := a.System != "" || a.Role == domain.RoleAdmin || a.Role == domain.RoleCoordinator
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE id = $1 AND ($2 OR worker_id = $3)`,
			id, all, a.UserID).Scan(&n); err != nil {
			return fmt.Errorf("store: case accesses: %w", err)
		}
		if n == 0 {
			return domain.Err(domain.ENOTFOUND, "err.case.not_found")
		}
		var err error
		out, err = queryAll(ctx, tx, "case accesses", func(s scanner) (domain.CaseAccess, error) {
			var x domain.CaseAccess
			var sections string
			err := s.Scan(&x.At, &x.Actor, &x.Role, &x.Purpose, &sections, &x.BreakGlass)
			x.At, x.Sections = x.At.UTC(), splitSections(sections)
			return x, err
		}, `SELECT ca.at, COALESCE(u.email, ca.user_id), ca.role, ca.purpose, ca.sections, ca.break_glass
			FROM case_accesses ca LEFT JOIN users u ON u.id = ca.user_id
			WHERE ca.case_id = $1 ORDER BY ca.at DESC, ca.id DESC`, id)
		return err
	})
	return out, err
}

// Refer implements domain.CaseService: consent is checked here, on the
// server, whatever the client sent.
func (s *CaseService) Refer(ctx context.Context, id string, req domain.ReferralRequest) (string, error) {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return "", domain.Err(domain.EINVALID, "err.case.reason_required").WithFields(
			map[string]domain.FieldError{"reason": domain.Field("err.case.reason_required")})
	}
	overridden, err := domain.CheckReferralConsent(req.Consent, strings.TrimSpace(req.OverrideReason),
		a.System != "" || domain.Can(a, domain.PermConsentOverride))
	if err != nil {
		return "", err
	}
	sections := []string{domain.SectionIdentity, domain.SectionReports}
	consent := domain.Consent{}
	if !overridden {
		consent = *req.Consent
		sections = slices.Clone(consent.Sections)
	}
	slices.Sort(sections)
	sections = slices.Compact(sections)
	refID := newID()
	err = s.db.InTx(ctx, func(tx *Tx) error {
		c, _, err := writableCaseTx(ctx, tx, id)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM services WHERE id = $1 AND province_code = $2`,
			req.ServiceID, c.province).Scan(&n); err != nil {
			return fmt.Errorf("store: refer: %w", err)
		}
		if n == 0 {
			return domain.Err(domain.EINVALID, "err.case.service_invalid").WithFields(
				map[string]domain.FieldError{"service_id": domain.Field("err.case.service_invalid")})
		}
		aad := "referral:" + refID + ":"
		reason, err := tx.sealCase(ctx, id, req.Reason, aad+"reason")
		if err != nil {
			return err
		}
		override, overrideBy := "", ""
		if overridden {
			if override, err = tx.sealCase(ctx, id, req.OverrideReason, aad+"override"); err != nil {
				return err
			}
			overrideBy = a.Label()
		}
		var consentDate *time.Time
		if consent.Given {
			d := time.Date(consent.Date.Year(), consent.Date.Month(), consent.Date.Day(), 0, 0, 0, 0, time.UTC)
			consentDate = &d
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO referrals (id, case_id, service_id, sealed_reason, status, consent_given, consent_date,
				consent_recorded_by, consent_purpose, sections, sealed_override, override_by, sent_by, sent_at,
				answered_by, sealed_answer, sealed_outcome)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, '', '', '')`,
			refID, id, req.ServiceID, reason, domain.ReferralSent, consent.Given, consentDate, consent.RecordedBy,
			consent.Purpose, strings.Join(sections, ","), override, overrideBy, a.Label(), tx.now); err != nil {
			return fmt.Errorf("store: refer: %w", err)
		}
		if err := tx.caseEvent(ctx, id, "referral", map[string]string{"referral": refID, "service": req.ServiceID,
			"sections": strings.Join(sections, ",")}); err != nil {
			return err
		}
		if overridden {
			if err := tx.caseEvent(ctx, id, "consent_override", map[string]string{"referral": refID, "user": a.Label()}); err != nil {
				return err
			}
			if _, err := tx.caseNotify(ctx, "", true, "referral_override", id, "/casi/"+id, false); err != nil {
				return err
			}
		}
		return tx.audit(ctx, "case.refer", "case", id, "Referral", refID, "Service", req.ServiceID, "Override", overridden)
	})
	if err != nil {
		return "", err
	}
	return refID, nil
}

func serviceActor(ctx context.Context) (domain.Actor, error) {
	a, err := caseActor(ctx, domain.PermReferralAnswer)
	if err != nil {
		return a, err
	}
	if a.ServiceID == "" {
		return a, domain.Err(domain.EFORBIDDEN, "err.case.forbidden")
	}
	return a, nil
}

// Referrals implements domain.CaseService: the referrals to the caller's
// service, with no case content and no reason (those are read, and logged,
// through ReferredCase).
func (s *CaseService) Referrals(ctx context.Context) ([]domain.Referral, error) {
	a, err := serviceActor(ctx)
	if err != nil {
		return nil, err
	}
	var out []domain.Referral
	err = s.db.ReadTx(ctx, func(tx *Tx) error {
		var err error
		out, err = caseReferrals(ctx, tx, `r.service_id = $1`, a.ServiceID)
		return err
	})
	for i := range out {
		out[i].Reason, out[i].Consent = "", nil
	}
	return out, err
}

// referralTx finds a referral to the caller's service; ENOTFOUND otherwise.
func referralTx(ctx context.Context, tx *Tx, a domain.Actor, referralID string) (domain.Referral, error) {
	list, err := caseReferrals(ctx, tx, `r.id = $1`, referralID)
	if err != nil {
		return domain.Referral{}, err
	}
	if len(list) == 0 || list[0].ServiceID != a.ServiceID {
		return domain.Referral{}, domain.Err(domain.ENOTFOUND, "err.case.referral_not_found")
	}
	return list[0], nil
}

// ReferredCase implements domain.CaseService.
func (s *CaseService) ReferredCase(ctx context.Context, referralID, purpose string) (domain.ReferredCase, error) {
	a, err := serviceActor(ctx)
	if err != nil {
		return domain.ReferredCase{}, domain.Err(domain.ENOTFOUND, "err.case.referral_not_found")
	}
	if !slices.Contains(domain.AccessPurposes, purpose) {
		return domain.ReferredCase{}, domain.Err(domain.EINVALID, "err.case.purpose_required").WithFields(
			map[string]domain.FieldError{"purpose": domain.Field("err.case.purpose_required")})
	}
	var out domain.ReferredCase
	err = s.db.InTx(ctx, func(tx *Tx) error {
		r, err := referralTx(ctx, tx, a, referralID)
		if err != nil {
			return err
		}
		// Only the sections consent covered, and never the office's own.
		var sections []string
		for _, sec := range r.Sections {
			if slices.Contains(domain.ReferableSections, sec) {
				sections = append(sections, sec)
			}
		}
		c, err := loadCase(ctx, tx, r.CaseID, sections)
		if err != nil {
			return err
		}
		c.WorkerID, c.Province, c.Version = "", "", 0
		if c.Reports != nil {
			for i := range c.Reports {
				c.Reports[i].CaseID = ""
			}
		}
		out = domain.ReferredCase{Referral: r, Case: c}
		return logCaseAccess(ctx, tx, a, r.CaseID, purpose, c.Sections, false)
	})
	if err != nil {
		return domain.ReferredCase{}, err
	}
	return out, nil
}

// AnswerReferral implements domain.CaseService.
func (s *CaseService) AnswerReferral(ctx context.Context, referralID string, accept bool, reason string) error {
	a, err := serviceActor(ctx)
	if err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return domain.Err(domain.EINVALID, "err.case.reason_required").WithFields(
			map[string]domain.FieldError{"reason": domain.Field("err.case.reason_required")})
	}
	status := domain.ReferralDeclined
	if accept {
		status = domain.ReferralAccepted
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		r, err := referralTx(ctx, tx, a, referralID)
		if err != nil {
			return err
		}
		if r.Status != domain.ReferralSent {
			return domain.Err(domain.ECONFLICT, "err.case.referral_answered")
		}
		sealed, err := tx.sealCase(ctx, r.CaseID, reason, "referral:"+referralID+":answer")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE referrals SET status = $1, answered_by = $2, answered_at = $3, sealed_answer = $4
			WHERE id = $5 AND status = $6`, status, a.Label(), tx.now, sealed, referralID, domain.ReferralSent); err != nil {
			return fmt.Errorf("store: answer referral: %w", err)
		}
		if err := tx.caseEvent(ctx, r.CaseID, "referral_answer", map[string]string{"referral": referralID, "status": status}); err != nil {
			return err
		}
		return tx.audit(ctx, "referral.answer", "referral", referralID, "Status", status)
	})
}

// RecordOutcome implements domain.CaseService.
func (s *CaseService) RecordOutcome(ctx context.Context, referralID, outcome string, takenInCharge time.Time) error {
	a, err := serviceActor(ctx)
	if err != nil {
		return err
	}
	if strings.TrimSpace(outcome) == "" || takenInCharge.IsZero() {
		return domain.Err(domain.EINVALID, "err.case.outcome_invalid")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		r, err := referralTx(ctx, tx, a, referralID)
		if err != nil {
			return err
		}
		if r.Status != domain.ReferralAccepted {
			return domain.Err(domain.ECONFLICT, "err.case.referral_not_accepted")
		}
		if takenInCharge.Before(r.SentAt.Truncate(24 * time.Hour)) {
			return domain.Err(domain.EINVALID, "err.case.outcome_before_referral")
		}
		sealed, err := tx.sealCase(ctx, r.CaseID, outcome, "referral:"+referralID+":outcome")
		if err != nil {
			return err
		}
		day := time.Date(takenInCharge.Year(), takenInCharge.Month(), takenInCharge.Day(), 0, 0, 0, 0, time.UTC)
		if _, err := tx.ExecContext(ctx, `UPDATE referrals SET sealed_outcome = $1, taken_in_charge = $2 WHERE id = $3`,
			sealed, day, referralID); err != nil {
			return fmt.Errorf("store: referral outcome: %w", err)
		}
		if err := tx.caseEvent(ctx, r.CaseID, "referral_outcome", map[string]string{"referral": referralID,
			"taken_in_charge": day.Format(time.DateOnly)}); err != nil {
			return err
		}
		return tx.audit(ctx, "referral.outcome", "referral", referralID, "TakenInCharge", day.Format(time.DateOnly))
	})
}

// ListCases implements domain.CaseService.
func (s *CaseService) ListCases(ctx context.Context) ([]domain.CaseSummary, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return nil, domain.Err(domain.EUNAUTHORIZED, "err.case.auth_required")
	}
	if a.System == "" && !domain.Can(a, domain.PermCaseRead) {
		return nil, domain.Err(domain.EFORBIDDEN, "err.case.forbidden")
	}
	cond, args, err := caseScope(a, s.db.Now(), 1)
	if err != nil {
		return nil, err
	}
	restricted := a.System != "" || domain.Can(a, domain.PermCaseRestricted)
	list, err := queryAll(ctx, s.db.read, "list cases", func(sc scanner) (domain.CaseSummary, error) {
		var c domain.CaseSummary
		var worker sql.NullString
		err := sc.Scan(&c.ID, &c.Restricted, &c.Status, &c.Category, &c.Urgency, &c.Province, &worker, &c.OpenedAt)
		c.Mine, c.OpenedAt = worker.Valid && worker.String == a.UserID, c.OpenedAt.UTC()
		if c.Restricted && !restricted {
			c.Category, c.Urgency = "", ""
		}
		return c, err
	}, `SELECT c.id, c.restricted, c.status, c.category, c.urgency, c.province_code, c.worker_id, c.opened_at
		FROM cases c WHERE c.closed_at IS NULL AND `+cond+` ORDER BY c.opened_at DESC, c.id LIMIT 500`, args...)
	return list, err
}
