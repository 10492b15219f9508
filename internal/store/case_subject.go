package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// CaseSubjectService implements domain.CaseSubjects: the retention job and
// the subject-access export.
type CaseSubjectService struct{ db *DB }

// NewCaseSubjectService returns the service on db.
func NewCaseSubjectService(db *DB) *CaseSubjectService { return &CaseSubjectService{db: db} }

var _ domain.CaseSubjects = (*CaseSubjectService)(nil)

func subjectActor(ctx context.Context) (domain.Actor, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return a, domain.Err(domain.EUNAUTHORIZED, "err.case.auth_required")
	}
	if a.System == "" && a.Role != domain.RoleAdmin && a.Role != domain.RoleCoordinator {
		return a, domain.Err(domain.EFORBIDDEN, "err.case.forbidden")
	}
	return a, nil
}

// Retain implements domain.CaseSubjects. One transaction: the cutoffs are
// fixed from the store's clock first, so the statements agree on which
// records are past their period; anonymised cases are marked, so a second
// run changes nothing.
func (s *CaseSubjectService) Retain(ctx context.Context, p domain.CaseRetention) (domain.RetentionResult, error) {
	var res domain.RetentionResult
	if _, err := subjectActor(ctx); err != nil {
		return res, err
	}
	if p.ClosedCase <= 0 || p.ArchivedReport <= 0 || p.AccessLog <= 0 {
		return res, domain.Err(domain.EINVALID, "err.retention.period")
	}
	err := s.db.InTx(ctx, func(tx *Tx) error {
		closedBefore, archivedBefore, accessBefore := tx.now.Add(-p.ClosedCase), tx.now.Add(-p.ArchivedReport), tx.now.Add(-p.AccessLog)
		due := `SELECT id FROM cases WHERE closed_at IS NOT NULL AND closed_at < $1 AND anonymised_at IS NULL`
		exec := func(what, q string, args ...any) (int, error) {
			r, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return 0, fmt.Errorf("store: retention %s: %w", what, err)
			}
			n, _ := r.RowsAffected()
			return int(n), nil
		}
		var err error
		var n int
		if res.Documents, err = exec("documents", `DELETE FROM case_documents WHERE case_id IN (`+due+`)
			OR report_id IN (SELECT id FROM case_reports WHERE case_id IN (`+due+`))`, closedBefore); err != nil {
			return err
		}
		for _, st := range []struct{ what, q string }{
			{"notes", `DELETE FROM case_notes WHERE case_id IN (` + due + `)`},
			{"vulnerabilities", `DELETE FROM case_vulnerabilities WHERE case_id IN (` + due + `)`},
			{"tasks", `UPDATE case_tasks SET sealed_title = '' WHERE case_id IN (` + due + `)`},
			{"measures", `UPDATE case_measures SET sealed_reason = '' WHERE case_id IN (` + due + `)`},
			{"reports", `UPDATE case_reports SET sealed_description = '', sealed_triage = '' WHERE case_id IN (` + due + `)`},
			{"referrals", `UPDATE referrals SET sealed_reason = '', sealed_override = '', sealed_answer = '', sealed_outcome = '',
				consent_recorded_by = '', consent_purpose = '' WHERE case_id IN (` + due + `)`},
			{"grants", `UPDATE case_grants SET sealed_reason = '' WHERE case_id IN (` + due + `)`},
			{"follow-ups", `UPDATE case_table_followups SET sealed_text = '' WHERE case_id IN (` + due + `)`},
		} {
			if _, err := exec(st.what, st.q, closedBefore); err != nil {
				return err
			}
		}
		subjects, err := queryAll(ctx, tx, "retention subjects", func(sc scanner) (string, error) {
			var g string
			return g, sc.Scan(&g)
		}, `SELECT DISTINCT guest_id FROM cases WHERE closed_at IS NOT NULL AND closed_at < $1 AND anonymised_at IS NULL
			ORDER BY guest_id`, closedBefore)
		if err != nil {
			return err
		}
		if res.Cases, err = exec("cases", `UPDATE cases SET anonymised_at = $2, worker_id = NULL
			WHERE closed_at IS NOT NULL AND closed_at < $1 AND anonymised_at IS NULL`, closedBefore, tx.now); err != nil {
			return err
		}
		// A guest whose registry record is anonymised and who has no case
		// left is erased for good: their data key goes in this transaction.
		for _, g := range subjects {
			if _, err := tx.shredIfErased(ctx, g); err != nil {
				return err
			}
		}
		archived := `SELECT id FROM case_reports WHERE status = $1 AND triaged_at < $2 AND sealed_description <> ''`
		if n, err = exec("archived documents", `DELETE FROM case_documents WHERE report_id IN (`+archived+`)`,
			domain.ReportClosed, archivedBefore); err != nil {
			return err
		}
		res.Documents += n
		if res.Reports, err = exec("archived reports", `UPDATE case_reports SET sealed_description = '', sealed_triage = ''
			WHERE status = $1 AND triaged_at < $2 AND sealed_description <> ''`, domain.ReportClosed, archivedBefore); err != nil {
			return err
		}
		if res.Accesses, err = exec("access log", `DELETE FROM case_accesses WHERE at < $1`, accessBefore); err != nil {
			return err
		}
		if res == (domain.RetentionResult{}) {
			return nil
		}
		return tx.audit(ctx, "case.retention", "case", "", "Cases", res.Cases, "Reports", res.Reports,
			"Documents", res.Documents, "Accesses", res.Accesses)
	})
	if err != nil {
		return res, err
	}
	if res.Cases > 0 {
		if _, err = s.db.SyncErasureLedger(ctx, s.db.Ledger); err != nil {
			return res, err
		}
	}
	if res.Cases > 0 || res.Reports > 0 || res.Documents > 0 {
		err = s.db.scrubAfterErasure(ctx)
	}
	return res, err
}

// SubjectExport implements domain.CaseSubjects. Each case is read in full
// and its access row written in the same transaction as the export.
func (s *CaseSubjectService) SubjectExport(ctx context.Context, guestID string) (domain.SubjectExport, error) {
	a, err := subjectActor(ctx)
	if err != nil {
		return domain.SubjectExport{}, err
	}
	out := domain.SubjectExport{GuestID: guestID, Cases: []domain.Case{}, Reports: []domain.Report{},
		Documents: []domain.SubjectDocument{}, Accesses: []domain.SubjectAccess{}}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		out.Generated = tx.now
		g, err := scanGuest(tx.QueryRowContext(ctx, `SELECT `+guestColumns+` FROM guests g WHERE g.id = $1`, guestID))
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Err(domain.ENOTFOUND, "err.case.guest_not_found")
		}
		if err != nil {
			return fmt.Errorf("store: subject export: %w", err)
		}
		out.Guest = &g
		ids, err := queryAll(ctx, tx, "subject cases", func(sc scanner) (string, error) {
			var id string
			return id, sc.Scan(&id)
		}, `SELECT id FROM cases WHERE guest_id = $1 ORDER BY opened_at, id`, guestID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			c, err := loadCase(ctx, tx, id, domain.CaseSections)
			if err != nil {
				return err
			}
			c.Guest = nil // once, at the top
			out.Cases = append(out.Cases, c)
			if err := logCaseAccess(ctx, tx, a, id, "richiesta_interessato", c.Sections, false); err != nil {
				return err
			}
		}
		type row struct {
			r      domain.Report
			sealed string
		}
		reps, err := queryAll(ctx, tx, "subject reports", func(sc scanner) (row, error) {
			var x row
			var caseID sql.NullString
			var triaged sql.NullTime
			err := sc.Scan(&x.r.ID, &x.r.GuestID, &x.r.Facility, &x.r.Category, &x.r.Urgency, &x.r.Status, &caseID,
				&x.r.FiledAt, &triaged, &x.sealed)
			x.r.CaseID, x.r.TriagedAt, x.r.FiledAt = caseID.String, timePtr(triaged), x.r.FiledAt.UTC()
			return x, err
		}, `SELECT `+reportColumns+`, r.sealed_description FROM case_reports r JOIN facilities f ON f.id = r.facility_id
			WHERE r.guest_id = $1 ORDER BY r.filed_at, r.id`, guestID)
		if err != nil {
			return err
		}
		for _, x := range reps {
			if x.r.Description, err = tx.unseal(ctx, x.sealed, "report:"+x.r.ID+":description"); err != nil {
				return err
			}
			out.Reports = append(out.Reports, x.r)
		}
		docs, err := s.db.scanDocuments(ctx, tx, `SELECT `+docColumns+` FROM case_documents d
			WHERE d.case_id IN (SELECT id FROM cases WHERE guest_id = $1)
			   OR d.report_id IN (SELECT id FROM case_reports WHERE guest_id = $1) ORDER BY d.uploaded_at, d.id`, guestID)
		if err != nil {
			return err
		}
		for _, d := range docs {
			data, err := s.db.openDocument(ctx, tx, d)
			if err != nil {
				return err
			}
			out.Documents = append(out.Documents, domain.SubjectDocument{Document: d, Content: data})
		}
		out.Accesses, err = queryAll(ctx, tx, "subject accesses", func(sc scanner) (domain.SubjectAccess, error) {
			var x domain.SubjectAccess
			var sections string
			err := sc.Scan(&x.CaseID, &x.At, &x.Role, &x.Purpose, &sections, &x.BreakGlass)
			x.At, x.Sections = x.At.UTC(), splitSections(sections)
			return x, err
		}, `SELECT ca.case_id, ca.at, ca.role, ca.purpose, ca.sections, ca.break_glass FROM case_accesses ca
			WHERE ca.case_id IN (SELECT id FROM cases WHERE guest_id = $1) ORDER BY ca.at, ca.id`, guestID)
		if err != nil {
			return err
		}
		return tx.audit(ctx, "case.subject_export", "guest", guestID, "Cases", len(ids), "Documents", len(docs))
	})
	if err != nil {
		return domain.SubjectExport{}, err
	}
	return out, nil
}
