package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// Directory implements domain.CaseService.
func (s *CaseService) Directory(ctx context.Context, province string) ([]domain.DirectoryEntry, error) {
	if _, err := caseActor(ctx, domain.PermOrgRead); err != nil {
		return nil, err
	}
	p, err := s.db.Territory.FindProvince(ctx, province)
	if err != nil {
		return nil, err
	}
	list, err := queryAll(ctx, s.db.read, "service directory", func(sc scanner) (domain.DirectoryEntry, error) {
		var e domain.DirectoryEntry
		var comuni, languages string
		err := sc.Scan(&e.ID, &e.Name, &e.Type, &e.Province, &comuni, &e.Email, &e.Phone, &languages, &e.Hours)
		e.Comuni, e.Languages = splitList(comuni), splitList(languages)
		return e, err
	}, `SELECT id, name, kind, province_code, comuni, email, phone, languages, hours FROM services
		WHERE province_code = $1 ORDER BY id`, p.Code)
	if err != nil {
		return nil, err
	}
	sortByName(list, func(e domain.DirectoryEntry) string { return e.Name })
	return list, nil
}

func splitList(s string) []string {
	out := []string{}
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// CaseCounts implements domain.CaseService.
func (s *CaseService) CaseCounts(ctx context.Context) ([]domain.CaseCount, error) {
	a, err := caseActor(ctx, domain.PermStatsRead)
	if err != nil {
		return nil, err
	}
	type row struct {
		status string
		n      int
	}
	rows, err := queryAll(ctx, s.db.read, "case counts", func(sc scanner) (row, error) {
		var r row
		return r, sc.Scan(&r.status, &r.n)
	}, `SELECT status, COUNT(*) FROM cases WHERE ($1 = '' OR province_code = $1) GROUP BY status`, provinceOf(a))
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.status] = r.n
	}
	out := make([]domain.CaseCount, 0, len(domain.CaseStatuses))
	for _, st := range domain.CaseStatuses {
		c := domain.CaseCount{Status: st, Count: counts[string(st)]}
		if c.Count > 0 && c.Count < domain.CountThreshold {
			c.Count, c.Suppressed = 0, true
		}
		out = append(out, c)
	}
	return out, nil
}

// TaskReminderLead is how long before its due time an open task is reminded.
const TaskReminderLead = 24 * time.Hour

// TaskReminders reminds, once, the tasks of open cases due within
// TaskReminderLead (or overdue) and not done: the case's worker, or the
// province's case workers when none is assigned, get a notification and an
// e-mail holding only the case's link. It returns how many tasks were
// reminded. Run by the scheduler as the system.
func (s *CaseService) TaskReminders(ctx context.Context) (int, error) {
	type due struct{ task, caseID, province, worker string }
	n := 0
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := queryAll(ctx, tx, "due tasks", func(sc scanner) (due, error) {
			var d due
			var worker sql.NullString
			err := sc.Scan(&d.task, &d.caseID, &d.province, &worker)
			d.worker = worker.String
			return d, err
		}, `SELECT t.id, c.id, c.province_code, c.worker_id FROM case_tasks t JOIN cases c ON c.id = t.case_id
			WHERE t.done_at IS NULL AND t.reminded_at IS NULL AND t.due <= $1 AND c.closed_at IS NULL
			ORDER BY t.due, t.id`, tx.now.Add(TaskReminderLead))
		if err != nil {
			return err
		}
		for _, d := range rows {
			if d.worker != "" {
				rs, err := queryAll(ctx, tx, "case worker", func(sc scanner) (recipient, error) {
					var r recipient
					return r, sc.Scan(&r.userID, &r.email)
				}, `SELECT id, email FROM users WHERE id = $1 AND disabled = false`, d.worker)
				if err != nil {
					return err
				}
				if err := tx.caseNotifyTo(ctx, rs, "case_task_due", d.caseID, "/casi/"+d.caseID); err != nil {
					return err
				}
			} else if _, err := tx.caseNotify(ctx, d.province, false, "case_task_due", d.caseID, "/casi/"+d.caseID, true); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET reminded_at = $1 WHERE id = $2`, tx.now, d.task); err != nil {
				return fmt.Errorf("store: task reminder: %w", err)
			}
			if err := tx.caseEvent(ctx, d.caseID, "task_reminded", map[string]string{"task": d.task}); err != nil {
				return err
			}
			n++
		}
		if n > 0 {
			return tx.audit(ctx, "case.task_reminders", "case", "", "Tasks", n)
		}
		return nil
	})
	return n, err
}

// caseNotifyTo notifies the given users (in-app, and an e-mail with the link).
func (tx *Tx) caseNotifyTo(ctx context.Context, rs []recipient, kind, caseID, link string) error {
	for _, r := range rs {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO notifications (id, user_id, kind, case_id, title, params, created_at) VALUES ($1, $2, $3, $4, '', $5, $6)`,
			newID(), r.userID, kind, nullable(caseID), domain.EncodeParams("Case", caseID), tx.now); err != nil {
			return fmt.Errorf("store: case notification: %w", err)
		}
		if r.email != "" {
			if err := tx.enqueue(ctx, Message{Kind: kind, Recipient: r.email,
				Params: map[string]any{"URL": strings.TrimRight(tx.db.BaseURL, "/") + link}}); err != nil {
				return err
			}
		}
	}
	return nil
}
