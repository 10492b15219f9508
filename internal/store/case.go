package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// CaseService implements domain.CaseService: reports, triage, case files,
// referrals and the access log. Messages are catalogue ids ("err.case.*");
// audit summaries hold ids and counts only.
type CaseService struct{ db *DB }

// NewCaseService returns the case service on db.
func NewCaseService(db *DB) *CaseService { return &CaseService{db: db} }

var _ domain.CaseService = (*CaseService)(nil)

// caseEvent appends a line to the case's timeline: a kind and parameters.
func (tx *Tx) caseEvent(ctx context.Context, caseID, kind string, params map[string]string) error {
	a, _ := domain.ActorFromContext(ctx)
	b, err := json.Marshal(params)
	if err != nil {
		return err
	}
	if params == nil {
		b = []byte("{}")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_events (id, case_id, at, actor, kind, params) VALUES ($1, $2, $3, $4, $5, $6)`,
		newID(), caseID, tx.now, a.Label(), kind, string(b)); err != nil {
		return fmt.Errorf("store: case event: %w", err)
	}
	return nil
}

// caseNotify writes in-app notifications naming a case or a report by id,
// with a catalogue id as title (no person, no content), to the case workers
// of a province or to the coordinators; with mail set, each distinct address
// also gets an e-mail holding only the link.
func (tx *Tx) caseNotify(ctx context.Context, province string, coordinators bool, kind, caseID, link string, mail bool) (int, error) {
	var provinces []string
	if province != "" {
		provinces = []string{province}
	}
	rs, err := planRecipients(ctx, tx, provinces, coordinators)
	if err != nil {
		return 0, err
	}
	n := 0
	mailed := map[string]bool{}
	for _, r := range rs {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO notifications (id, user_id, kind, case_id, title, params, created_at) VALUES ($1, $2, $3, $4, '', $5, $6)`,
			newID(), r.userID, kind, nullable(caseID), domain.EncodeParams("Case", caseID), tx.now); err != nil {
			return n, fmt.Errorf("store: case notification: %w", err)
		}
		n++
		for _, addr := range []string{r.email, r.officeEmail} {
			if !mail || addr == "" || mailed[addr] {
				continue
			}
			mailed[addr] = true
			if err := tx.enqueue(ctx, Message{Kind: kind, Recipient: addr,
				Params: map[string]any{"URL": strings.TrimRight(tx.db.BaseURL, "/") + link}}); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// FileReport implements domain.CaseService.
func (s *CaseService) FileReport(ctx context.Context, r *domain.Report) error {
	a, err := caseActor(ctx, domain.PermReportWrite)
	if err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		// The guest must be present (open stay) in one of the operator's
		// facilities; a prefecture user may report on its province's guests.
		var facilityID, code, province, gestore string
		err := tx.QueryRowContext(ctx, `
			SELECT f.id, f.code, f.province_code, f.gestore_id FROM stays st JOIN facilities f ON f.id = st.facility_id
			WHERE st.guest_id = $1 AND st.exited_at IS NULL
			  AND ($2 = '' OR f.gestore_id = $2) AND ($3 = '' OR f.province_code = $3)`,
			r.GuestID, operatorGestore(a), provinceOf(a)).Scan(&facilityID, &code, &province, &gestore)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Err(domain.ENOTFOUND, "err.case.guest_not_found")
		}
		if err != nil {
			return fmt.Errorf("store: report guest: %w", err)
		}
		r.ID, r.Facility, r.Status, r.FiledAt = newID(), code, domain.ReportNew, tx.now
		sealed, err := tx.seal(ctx, r.GuestID, r.Description, "report:"+r.ID+":description")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO case_reports (id, guest_id, facility_id, province_code, gestore_id, category, urgency,
				sealed_description, status, sealed_triage, filed_by, filed_at, triaged_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11, '')`,
			r.ID, r.GuestID, facilityID, province, gestore, r.Category, r.Urgency, sealed, r.Status, a.Label(), tx.now); err != nil {
			return fmt.Errorf("store: file report: %w", err)
		}
		if r.Urgency == domain.UrgencyImmediate {
			if _, err := tx.caseNotify(ctx, province, false, "report_immediate", "", "/segnalazioni", true); err != nil {
				return err
			}
		}
		return tx.audit(ctx, "report.file", "report", r.ID, "Category", r.Category, "Urgency", r.Urgency)
	})
}

func operatorGestore(a domain.Actor) string {
	if a.Role == domain.RoleOperator {
		return a.GestoreID
	}
	return ""
}

// provinceOf is the province an actor is limited to ("" for region-wide
// roles and the system).
func provinceOf(a domain.Actor) string {
	if a.System != "" || a.RegionWide() {
		return ""
	}
	return a.ProvinceCode
}

func scanReport(s scanner) (domain.Report, error) {
	var r domain.Report
	var caseID sql.NullString
	var triaged sql.NullTime
	err := s.Scan(&r.ID, &r.GuestID, &r.Facility, &r.Category, &r.Urgency, &r.Status, &caseID, &r.FiledAt, &triaged)
	r.CaseID, r.TriagedAt, r.FiledAt = caseID.String, timePtr(triaged), r.FiledAt.UTC()
	return r, err
}

const reportColumns = `r.id, r.guest_id, f.code, r.category, r.urgency, r.status, r.case_id, r.filed_at, r.triaged_at`

// MyReports implements domain.CaseService: the caller's own reports and
// their status, never the case they led to.
func (s *CaseService) MyReports(ctx context.Context) ([]domain.Report, error) {
	a, err := caseActor(ctx, domain.PermReportWrite)
	if err != nil {
		return nil, err
	}
	list, err := queryAll(ctx, s.db.read, "my reports", scanReport, `SELECT `+reportColumns+`
		FROM case_reports r JOIN facilities f ON f.id = r.facility_id
		WHERE r.filed_by = $1 ORDER BY r.filed_at DESC, r.id LIMIT 500`, a.Label())
	for i := range list {
		list[i].CaseID = "" // an operator learns the status, not the case file
	}
	return list, err
}

// PendingReports implements domain.CaseService.
func (s *CaseService) PendingReports(ctx context.Context) ([]domain.Report, error) {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db.read, "pending reports", scanReport, `SELECT `+reportColumns+`
		FROM case_reports r JOIN facilities f ON f.id = r.facility_id
		WHERE r.status = $1 AND ($2 = '' OR r.province_code = $2) ORDER BY r.filed_at, r.id LIMIT 500`,
		domain.ReportNew, provinceOf(a))
}

// TriageReport implements domain.CaseService.
func (s *CaseService) TriageReport(ctx context.Context, reportID, decision, reason string) (string, error) {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return "", err
	}
	if decision != domain.TriageClose && decision != domain.TriageMerge && decision != domain.TriageOpen {
		return "", domain.Err(domain.EINVALID, "err.case.triage_unknown")
	}
	if decision == domain.TriageClose && strings.TrimSpace(reason) == "" {
		return "", domain.Err(domain.EINVALID, "err.case.reason_required").WithFields(
			map[string]domain.FieldError{"reason": domain.Field("err.case.reason_required")})
	}
	var caseID string
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var guestID, province, category, urgency, status string
		err := tx.QueryRowContext(ctx, `SELECT guest_id, province_code, category, urgency, status FROM case_reports
			WHERE id = $1 AND ($2 = '' OR province_code = $2)`, reportID, provinceOf(a)).
			Scan(&guestID, &province, &category, &urgency, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Err(domain.ENOTFOUND, "err.case.report_not_found")
		}
		if err != nil {
			return fmt.Errorf("store: triage: %w", err)
		}
		if status != domain.ReportNew {
			return domain.Err(domain.ECONFLICT, "err.case.report_triaged")
		}
		newStatus, sealed := "", ""
		switch decision {
		case domain.TriageClose:
			newStatus = domain.ReportClosed
			if sealed, err = tx.sealReport(ctx, reportID, reason, "report:"+reportID+":triage"); err != nil {
				return err
			}
		case domain.TriageMerge:
			newStatus = domain.ReportMerged
			err := tx.QueryRowContext(ctx, `SELECT id FROM cases WHERE guest_id = $1 AND closed_at IS NULL`, guestID).Scan(&caseID)
			if errors.Is(err, sql.ErrNoRows) {
				return domain.Err(domain.ECONFLICT, "err.case.no_open_case")
			}
			if err != nil {
				return fmt.Errorf("store: triage merge: %w", err)
			}
			if err := tx.caseEvent(ctx, caseID, "report_merged", map[string]string{"report": reportID, "category": category}); err != nil {
				return err
			}
		case domain.TriageOpen:
			newStatus = domain.ReportOpened
			if caseID, err = openCaseTx(ctx, tx, a, guestID, province, category, urgency); err != nil {
				return err
			}
			if err := tx.caseEvent(ctx, caseID, "report_linked", map[string]string{"report": reportID, "category": category}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE case_reports SET status = $1, case_id = $2, sealed_triage = $3,
			triaged_by = $4, triaged_at = $5 WHERE id = $6`, newStatus, nullable(caseID), sealed, a.Label(), tx.now, reportID); err != nil {
			return fmt.Errorf("store: triage: %w", err)
		}
		return tx.audit(ctx, "report.triage", "report", reportID, "Decision", decision, "Case", caseID)
	})
	return caseID, err
}

// openCaseTx opens a case on a guest; the guest's MSNA flag and the category
// decide whether it is restricted.
func openCaseTx(ctx context.Context, tx *Tx, a domain.Actor, guestID, province, category, urgency string) (string, error) {
	var msna bool
	if err := tx.QueryRowContext(ctx, `SELECT msna FROM guests WHERE id = $1`, guestID).Scan(&msna); err != nil {
		return "", fmt.Errorf("store: open case: %w", err)
	}
	id := newID()
	_, err := tx.ExecContext(ctx, `
		INSERT INTO cases (id, guest_id, province_code, category, urgency, restricted, status, version, opened_by,
			opened_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9)`,
		id, guestID, province, category, urgency, domain.Restricted(category, msna), domain.CaseOpen, a.Label(), tx.now)
	if tx.db.dialect.uniqueViolation(err) {
		return "", domain.Err(domain.ECONFLICT, "err.case.already_open")
	}
	if err != nil {
		return "", fmt.Errorf("store: open case: %w", err)
	}
	if err := tx.caseEvent(ctx, id, "opened", map[string]string{"category": category, "urgency": urgency}); err != nil {
		return "", err
	}
	return id, tx.audit(ctx, "case.open", "case", id, "Category", category)
}

// OpenCase implements domain.CaseService: a case without a report, on a
// guest whose open stay (or, failing that, last stay) is in the caller's
// province.
func (s *CaseService) OpenCase(ctx context.Context, guestID string) (string, error) {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return "", err
	}
	var id string
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var province string
		err := tx.QueryRowContext(ctx, `SELECT f.province_code FROM stays st JOIN facilities f ON f.id = st.facility_id
			WHERE st.guest_id = $1 AND ($2 = '' OR f.province_code = $2)
			ORDER BY st.exited_at IS NULL DESC, st.entered_at DESC LIMIT 1`, guestID, provinceOf(a)).Scan(&province)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Err(domain.ENOTFOUND, "err.case.guest_not_found")
		}
		if err != nil {
			return fmt.Errorf("store: open case: %w", err)
		}
		id, err = openCaseTx(ctx, tx, a, guestID, province, "altro", domain.UrgencyOrdinary)
		return err
	})
	return id, err
}

// caseRow is what writes need of a case in scope.
type caseRow struct {
	id, guestID, province string
	status                domain.CaseStatus
	version               int
	restricted            bool
	workerID              string
	inProvince            bool // false: reached through a break-glass grant
}

// findCaseTx locks nothing but checks scope; ENOTFOUND out of scope.
func findCaseTx(ctx context.Context, tx *Tx, a domain.Actor, id string) (caseRow, error) {
	cond, args, err := caseScope(a, tx.now, 2)
	if err != nil {
		return caseRow{}, err
	}
	var c caseRow
	var worker sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT c.id, c.guest_id, c.province_code, c.status, c.version, c.restricted, c.worker_id
		FROM cases c WHERE c.id = $1 AND `+cond, append([]any{id}, args...)...).
		Scan(&c.id, &c.guestID, &c.province, &c.status, &c.version, &c.restricted, &worker)
	if errors.Is(err, sql.ErrNoRows) {
		return c, domain.Err(domain.ENOTFOUND, "err.case.not_found")
	}
	if err != nil {
		return c, fmt.Errorf("store: find case: %w", err)
	}
	c.workerID = worker.String
	c.inProvince = a.System != "" || a.RegionWide() || c.province == a.ProvinceCode
	return c, nil
}

// writableCaseTx is findCaseTx for writes: PermCaseWrite, content access for
// restricted cases, and an open case.
func writableCaseTx(ctx context.Context, tx *Tx, id string) (caseRow, domain.Actor, error) {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return caseRow{}, a, err
	}
	c, err := findCaseTx(ctx, tx, a, id)
	if err != nil {
		return c, a, err
	}
	if c.restricted && a.System == "" && !domain.Can(a, domain.PermCaseRestricted) {
		return c, a, domain.Err(domain.EFORBIDDEN, "err.case.restricted")
	}
	if c.status == domain.CaseClosed {
		return c, a, domain.Err(domain.ECONFLICT, "err.case.closed")
	}
	return c, a, nil
}

// SetStatus implements domain.CaseService.
func (s *CaseService) SetStatus(ctx context.Context, id string, to domain.CaseStatus, version int) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		a, err := caseActor(ctx, domain.PermCaseWrite)
		if err != nil {
			return err
		}
		c, err := findCaseTx(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if c.restricted && a.System == "" && !domain.Can(a, domain.PermCaseRestricted) {
			return domain.Err(domain.EFORBIDDEN, "err.case.restricted")
		}
		if err := domain.CheckTransition(c.status, to); err != nil {
			return err
		}
		if version != 0 && version != c.version {
			return domain.Err(domain.EPRECONDITION, "err.case.stale")
		}
		var closed *time.Time
		if to == domain.CaseClosed {
			closed = &tx.now
		}
		res, err := tx.ExecContext(ctx, `UPDATE cases SET status = $1, closed_at = $2, version = version + 1, updated_at = $3
			WHERE id = $4 AND version = $5`, to, closed, tx.now, id, c.version)
		if err != nil {
			return fmt.Errorf("store: case status: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return domain.Err(domain.EPRECONDITION, "err.case.stale")
		}
		if err := tx.caseEvent(ctx, id, "status", map[string]string{"from": string(c.status), "to": string(to)}); err != nil {
			return err
		}
		return tx.audit(ctx, "case.status", "case", id, "From", string(c.status), "To", string(to))
	})
}

// AssignWorker implements domain.CaseService.
func (s *CaseService) AssignWorker(ctx context.Context, id, userID string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		c, _, err := writableCaseTx(ctx, tx, id)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u JOIN offices o ON o.id = u.office_id
			WHERE u.id = $1 AND u.disabled = false AND (u.role = 'coordinator' OR (u.role = 'prefecture' AND o.province_code = $2))`,
			userID, c.province).Scan(&n); err != nil {
			return fmt.Errorf("store: assign worker: %w", err)
		}
		if n == 0 {
			return domain.Err(domain.EINVALID, "err.case.worker_invalid").WithFields(
				map[string]domain.FieldError{"worker_id": domain.Field("err.case.worker_invalid")})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET worker_id = $1, version = version + 1, updated_at = $2 WHERE id = $3`,
			userID, tx.now, id); err != nil {
			return fmt.Errorf("store: assign worker: %w", err)
		}
		if err := tx.caseEvent(ctx, id, "worker", map[string]string{"user": userID}); err != nil {
			return err
		}
		return tx.audit(ctx, "case.assign", "case", id, "Worker", userID)
	})
}

// LinkVulnerability implements domain.CaseService: the guest's sealed
// registry rows with the code are opened only to match the code, and
// referenced by id.
func (s *CaseService) LinkVulnerability(ctx context.Context, id, code string) error {
	if !slices.Contains(domain.VulnerabilityCodes, code) {
		return domain.Err(domain.EINVALID, "err.case.vulnerability_unknown")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		c, a, err := writableCaseTx(ctx, tx, id)
		if err != nil {
			return err
		}
		vulns, err := registryVulnerabilities(ctx, tx, c.guestID)
		if err != nil {
			return err
		}
		linked := 0
		for _, v := range vulns {
			if v.v.Code != code {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_vulnerabilities (case_id, vulnerability_id, added_by, added_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT (case_id, vulnerability_id) DO NOTHING`, id, v.id, a.Label(), tx.now); err != nil {
				return fmt.Errorf("store: link vulnerability: %w", err)
			}
			linked++
		}
		if linked == 0 {
			return domain.Err(domain.ENOTFOUND, "err.case.vulnerability_not_found")
		}
		if err := tx.caseEvent(ctx, id, "vulnerability", map[string]string{"code": code}); err != nil {
			return err
		}
		return tx.audit(ctx, "case.vulnerability", "case", id, "Linked", linked)
	})
}

type registryVuln struct {
	id string
	v  domain.Vulnerability
}

// registryVulnerabilities opens a guest's sealed registry vulnerabilities.
func registryVulnerabilities(ctx context.Context, tx *Tx, guestID string) ([]registryVuln, error) {
	type row struct{ id, sealed string }
	rows, err := queryAll(ctx, tx, "registry vulnerabilities", func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.id, &r.sealed)
	}, `SELECT id, sealed FROM guest_vulnerabilities WHERE guest_id = $1 ORDER BY id`, guestID)
	if err != nil {
		return nil, err
	}
	var out []registryVuln
	for _, r := range rows {
		pt, err := tx.unseal(ctx, r.sealed, "guest:"+guestID+":vulnerability")
		if err != nil {
			return nil, err
		}
		var v domain.Vulnerability
		if err := json.Unmarshal([]byte(pt), &v); err != nil {
			return nil, fmt.Errorf("store: vulnerability: %w", err)
		}
		out = append(out, registryVuln{r.id, v})
	}
	return out, nil
}

// AddTask implements domain.CaseService.
func (s *CaseService) AddTask(ctx context.Context, id, title string, due time.Time) (string, error) {
	if strings.TrimSpace(title) == "" || due.IsZero() {
		return "", domain.Err(domain.EINVALID, "err.case.task_invalid")
	}
	taskID := newID()
	err := s.db.InTx(ctx, func(tx *Tx) error {
		_, a, err := writableCaseTx(ctx, tx, id)
		if err != nil {
			return err
		}
		sealed, err := tx.sealCase(ctx, id, title, "case:"+id+":task:"+taskID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_tasks (id, case_id, sealed_title, due, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, taskID, id, sealed, due.UTC().Truncate(time.Microsecond), a.Label(), tx.now); err != nil {
			return fmt.Errorf("store: add task: %w", err)
		}
		if err := tx.caseEvent(ctx, id, "task", map[string]string{"task": taskID, "due": due.UTC().Format(time.DateOnly)}); err != nil {
			return err
		}
		return tx.audit(ctx, "case.task", "case", id, "Task", taskID)
	})
	return taskID, err
}

// CompleteTask implements domain.CaseService.
func (s *CaseService) CompleteTask(ctx context.Context, id, taskID string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, _, err := writableCaseTx(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE case_tasks SET done_at = $1 WHERE id = $2 AND case_id = $3 AND done_at IS NULL`,
			tx.now, taskID, id)
		if err != nil {
			return fmt.Errorf("store: complete task: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Err(domain.ENOTFOUND, "err.case.task_not_found")
		}
		if err := tx.caseEvent(ctx, id, "task_done", map[string]string{"task": taskID}); err != nil {
			return err
		}
		return tx.audit(ctx, "case.task_done", "case", id, "Task", taskID)
	})
}

// AddMeasure implements domain.CaseService.
func (s *CaseService) AddMeasure(ctx context.Context, id string, m *domain.Measure) error {
	deadline, err := domain.MeasureDeadline(m.Kind, m.Ground, m.DecidedOn, m.DurationDays)
	if err != nil {
		return err
	}
	if strings.TrimSpace(m.Reason) == "" {
		return domain.Err(domain.EINVALID, "err.case.reason_required").WithFields(
			map[string]domain.FieldError{"reason": domain.Field("err.case.reason_required")})
	}
	m.ID, m.Deadline = newID(), nil
	if !deadline.IsZero() {
		m.Deadline = &deadline
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		_, a, err := writableCaseTx(ctx, tx, id)
		if err != nil {
			return err
		}
		sealed, err := tx.sealCase(ctx, id, m.Reason, "case:"+id+":measure:"+m.ID)
		if err != nil {
			return err
		}
		decided := time.Date(m.DecidedOn.Year(), m.DecidedOn.Month(), m.DecidedOn.Day(), 0, 0, 0, 0, time.UTC)
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_measures (id, case_id, kind, ground, decided_on, duration_days,
			deadline, sealed_reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			m.ID, id, m.Kind, m.Ground, decided, m.DurationDays, m.Deadline, sealed, a.Label(), tx.now); err != nil {
			return fmt.Errorf("store: add measure: %w", err)
		}
		params := map[string]string{"measure": m.ID, "kind": m.Kind}
		if m.Deadline != nil {
			params["deadline"] = m.Deadline.Format(time.DateOnly)
		}
		if err := tx.caseEvent(ctx, id, "measure", params); err != nil {
			return err
		}
		return tx.audit(ctx, "case.measure", "case", id, "Measure", m.ID, "Kind", m.Kind)
	})
}

// AddNote implements domain.CaseService.
func (s *CaseService) AddNote(ctx context.Context, id, text string) (string, error) {
	if strings.TrimSpace(text) == "" {
		return "", domain.Err(domain.EINVALID, "err.case.note_empty")
	}
	noteID := newID()
	err := s.db.InTx(ctx, func(tx *Tx) error {
		_, a, err := writableCaseTx(ctx, tx, id)
		if err != nil {
			return err
		}
		sealed, err := tx.sealCase(ctx, id, text, "case:"+id+":note:"+noteID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_notes (id, case_id, sealed_text, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5)`, noteID, id, sealed, a.Label(), tx.now); err != nil {
			return fmt.Errorf("store: add note: %w", err)
		}
		if err := tx.caseEvent(ctx, id, "note", map[string]string{"note": noteID}); err != nil {
			return err
		}
		return tx.audit(ctx, "case.note", "case", id, "Note", noteID)
	})
	return noteID, err
}

// BreakGlass implements domain.CaseService.
func (s *CaseService) BreakGlass(ctx context.Context, id, reason string) (time.Time, error) {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return time.Time{}, err
	}
	if a.UserID == "" {
		return time.Time{}, domain.Err(domain.EFORBIDDEN, "err.case.forbidden")
	}
	if strings.TrimSpace(reason) == "" {
		return time.Time{}, domain.Err(domain.EINVALID, "err.case.reason_required").WithFields(
			map[string]domain.FieldError{"reason": domain.Field("err.case.reason_required")})
	}
	var expires time.Time
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE id = $1`, id).Scan(&n); err != nil {
			return fmt.Errorf("store: break glass: %w", err)
		}
		if n == 0 {
			return domain.Err(domain.ENOTFOUND, "err.case.not_found")
		}
		grantID := newID()
		sealed, err := tx.sealCase(ctx, id, reason, "case:"+id+":grant:"+grantID)
		if err != nil {
			return err
		}
		expires = tx.now.Add(domain.BreakGlassDuration)
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_grants (id, case_id, user_id, sealed_reason, granted_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, grantID, id, a.UserID, sealed, tx.now, expires); err != nil {
			return fmt.Errorf("store: break glass: %w", err)
		}
		// In the access log at once (no section read yet), and to the coordinators.
		if err := logCaseAccess(ctx, tx, a, id, "controllo", nil, true); err != nil {
			return err
		}
		if _, err := tx.caseNotify(ctx, "", true, "case_break_glass", id, "/casi/"+id, false); err != nil {
			return err
		}
		if err := tx.caseEvent(ctx, id, "break_glass", map[string]string{"user": a.UserID, "grant": grantID}); err != nil {
			return err
		}
		return tx.audit(ctx, "case.break_glass", "case", id, "Grant", grantID)
	})
	return expires, err
}
