package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// In-app notifications and the plans' reminders. A notification names a plan
// and a figure, never a person: the people stay behind the plan's page.

type recipient struct{ userID, email, officeEmail string }

// planRecipients lists the active users of the offices of the provinces
// (prefecture and coordinator roles), or the coordinators when coordinators is
// true, with their offices' addresses.
func planRecipients(ctx context.Context, tx *Tx, provinces []string, coordinators bool) ([]recipient, error) {
	cond := `u.role = 'coordinator'`
	args := []any{}
	if !coordinators {
		if len(provinces) == 0 {
			return nil, nil
		}
		ph := make([]string, len(provinces))
		for i, c := range provinces {
			ph[i] = fmt.Sprintf("$%d", i+1)
			args = append(args, c)
		}
		cond = `u.role IN ('prefecture', 'coordinator') AND o.province_code IN (` + strings.Join(ph, ", ") + `)`
	}
	return queryAll(ctx, tx, "plan recipients", func(s scanner) (recipient, error) {
		var r recipient
		return r, s.Scan(&r.userID, &r.email, &r.officeEmail)
	}, `SELECT u.id, u.email, o.email FROM users u JOIN offices o ON o.id = u.office_id
		WHERE u.disabled = false AND `+cond+` ORDER BY u.id`, args...)
}

// notifyProvinces writes a notification for every user of the provinces'
// offices and queues one e-mail per distinct address (users and offices), in
// tx. It returns the number of notifications and e-mails written.
func (tx *Tx) notifyProvinces(ctx context.Context, provinces []string, kind, planID string, kv ...any) (int, error) {
	rs, err := planRecipients(ctx, tx, provinces, false)
	if err != nil {
		return 0, err
	}
	return tx.notify(ctx, rs, kind, planID, true, kv...)
}

// notifyCoordinators tells the regional coordination.
func (tx *Tx) notifyCoordinators(ctx context.Context, kind, planID string, kv ...any) (int, error) {
	rs, err := planRecipients(ctx, tx, nil, true)
	if err != nil {
		return 0, err
	}
	return tx.notify(ctx, rs, kind, planID, true, kv...)
}

// notify writes an in-app notification per recipient and, with mail, queues
// one e-mail per address: both as the kind and its parameters (kv), rendered
// when read or sent ("notification.<kind>" in the catalogues, the e-mail
// templates of internal/notify).
func (tx *Tx) notify(ctx context.Context, rs []recipient, kind, planID string, mail bool, kv ...any) (int, error) {
	n := 0
	mailed := map[string]bool{}
	params := domain.EncodeParams(kv...)
	for _, r := range rs {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO notifications (id, user_id, kind, plan_id, title, params, created_at) VALUES ($1, $2, $3, $4, '', $5, $6)`,
			newID(), r.userID, kind, nullable(planID), params, tx.now); err != nil {
			return n, fmt.Errorf("store: notification: %w", err)
		}
		n++
		for _, addr := range []string{r.email, r.officeEmail} {
			if addr == "" || mailed[addr] || !mail {
				continue
			}
			mailed[addr] = true
			if err := tx.enqueue(ctx, Message{Kind: kind, Recipient: addr, Params: domain.Args(kv...)}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// notifyInApp writes in-app notifications only (no e-mail): to the provinces'
// users and, when coordinators is set, the coordinators, except one user.
func (tx *Tx) notifyInApp(ctx context.Context, provinces []string, coordinators bool, except, kind, planID string, kv ...any) (int, error) {
	rs, err := planRecipients(ctx, tx, provinces, false)
	if err != nil {
		return 0, err
	}
	if coordinators {
		cs, err := planRecipients(ctx, tx, nil, true)
		if err != nil {
			return 0, err
		}
		rs = append(rs, cs...)
	}
	seen := map[string]bool{except: true}
	var keep []recipient
	for _, r := range rs {
		if !seen[r.userID] {
			seen[r.userID] = true
			keep = append(keep, r)
		}
	}
	return tx.notify(ctx, keep, kind, planID, false, kv...)
}

// Inbox returns the caller's notifications, newest first.
func (s *PlanService) Inbox(ctx context.Context, limit int) ([]domain.Notification, error) {
	return s.InboxPage(ctx, limit, 0)
}

// InboxPage is Inbox from the offset-th notification, newest first.
func (s *PlanService) InboxPage(ctx context.Context, limit, offset int) ([]domain.Notification, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || a.UserID == "" {
		return nil, domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return queryAll(ctx, s.db.read, "inbox", func(s scanner) (domain.Notification, error) {
		var n domain.Notification
		var plan sql.NullString
		var read sql.NullTime
		var params string
		err := s.Scan(&n.ID, &n.Kind, &plan, &n.Title, &params, &n.CreatedAt, &read)
		n.PlanID, n.ReadAt, n.CreatedAt = plan.String, timePtr(read), n.CreatedAt.UTC()
		n.Params = domain.DecodeParams(params)
		return n, err
	}, `SELECT id, kind, plan_id, title, params, created_at, read_at FROM notifications WHERE user_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, a.UserID, limit, max(offset, 0))
}

// UnreadCount counts the caller's unread notifications.
func (s *PlanService) UnreadCount(ctx context.Context) (int, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || a.UserID == "" {
		return 0, nil
	}
	var n int
	err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, a.UserID).Scan(&n)
	return n, err
}

// MarkRead marks one of the caller's notifications read ("all": every one).
func (s *PlanService) MarkRead(ctx context.Context, id string) error {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || a.UserID == "" {
		return domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1
			WHERE user_id = $2 AND read_at IS NULL AND ($3 = 'all' OR id = $3)`, tx.now, a.UserID, id)
		if err != nil {
			return fmt.Errorf("store: mark read: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 && id != "all" {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND id = $2`, a.UserID, id).Scan(&exists); err != nil {
				return err
			}
			if exists == 0 {
				return domain.Err(domain.ENOTFOUND, "err.notification.not_found")
			}
		}
		return nil
	})
}

// EscalateAfter is how long after the reminder a missing acknowledgement is
// escalated to the coordinator.
const EscalateAfter = time.Hour

// PlanReminders reminds the offices that have not acknowledged their share
// by the deadline (once), and escalates to the coordinator EscalateAfter the
// reminder (once). It returns how many provinces were reminded and escalated.
func (s *PlanService) PlanReminders(ctx context.Context) (reminded, escalated int, err error) {
	type late struct {
		plan, reference, code, name string
		persons                     int
		deadline                    time.Time
		remindedAt                  sql.NullTime
	}
	now := s.db.Now()
	err = s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := queryAll(ctx, tx, "late acknowledgements", func(s scanner) (late, error) {
			var l late
			err := s.Scan(&l.plan, &l.reference, &l.code, &l.name, &l.persons, &l.deadline, &l.remindedAt)
			return l, err
		}, `SELECT p.id, p.reference, pp.province_code, pr.name, pp.persons, p.ack_deadline, pp.reminded_at
			FROM plan_provinces pp JOIN plans p ON p.id = pp.plan_id JOIN provinces pr ON pr.code = pp.province_code
			WHERE p.status IN ('published', 'placed', 'in_transit') AND p.ack_deadline < $1 AND pp.persons > 0
			  AND pp.acknowledged_at IS NULL AND (pp.reminded_at IS NULL OR (pp.escalated_at IS NULL AND pp.reminded_at < $2))
			ORDER BY p.id, pp.province_code`, now, now.Add(-EscalateAfter))
		if err != nil {
			return err
		}
		for _, l := range rows {
			if !l.remindedAt.Valid {
				if _, err := tx.notifyProvinces(ctx, []string{l.code}, "plan_reminder", l.plan, "Reference", l.reference,
					"Persons", l.persons, "Date", l.deadline.In(italy).Format("02/01/2006"), "Time", l.deadline.In(italy).Format("15:04"),
					"URL", s.db.planURL(l.plan)); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE plan_provinces SET reminded_at = $1 WHERE plan_id = $2 AND province_code = $3`,
					tx.now, l.plan, l.code); err != nil {
					return err
				}
				if err := tx.planEvent(ctx, l.plan, "reminded", l.code); err != nil {
					return err
				}
				reminded++
				continue
			}
			if _, err := tx.notifyCoordinators(ctx, "plan_escalation", l.plan, "Province", l.name, "Reference", l.reference,
				"Persons", l.persons, "URL", s.db.planURL(l.plan)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE plan_provinces SET escalated_at = $1 WHERE plan_id = $2 AND province_code = $3`,
				tx.now, l.plan, l.code); err != nil {
				return err
			}
			if err := tx.planEvent(ctx, l.plan, "escalated", l.code); err != nil {
				return err
			}
			escalated++
		}
		return nil
	})
	return reminded, escalated, err
}
