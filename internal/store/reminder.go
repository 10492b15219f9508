package store

import (
	"context"
	"fmt"
	"strings"
)

// SendReminders writes, once per deadline, one e-mail per managing entity
// whose active facilities were not confirmed by it, to the entity's operators
// and contact address. The messages name facilities by code and name only: no
// personal data. It returns how many messages were queued (0 if the job had
// already run for this deadline, or before the first deadline of the day).
func (s *OutboxService) SendReminders(ctx context.Context, baseURL string) (int, error) {
	now := s.db.Now()
	deadline := s.db.Facilities.LastDeadline(now)
	staleBefore := s.db.Facilities.StaleBefore(now)
	period := deadline.In(italy).Format("2006-01-02")
	queued := 0
	err := s.db.InTx(ctx, func(tx *Tx) error {
		type late struct{ gestore, gestoreEmail, code, name string }
		rows, err := queryAll(ctx, tx, "reminders", func(s scanner) (late, error) {
			var l late
			err := s.Scan(&l.gestore, &l.gestoreEmail, &l.code, &l.name)
			return l, err
		}, `SELECT g.id, g.email, f.code, f.name FROM facilities f JOIN gestori g ON g.id = f.gestore_id
			WHERE f.status = 'active' AND (f.confirmed_at IS NULL OR f.confirmed_at < $1)
			ORDER BY g.id, f.code`, staleBefore)
		if err != nil {
			return err
		}
		ok, err := claimJob(ctx, tx, "reminders", period, fmt.Sprint(len(rows)))
		if err != nil || !ok {
			return err
		}
		byGestore := map[string][]late{}
		var order []string
		for _, l := range rows {
			if _, seen := byGestore[l.gestore]; !seen {
				order = append(order, l.gestore)
			}
			byGestore[l.gestore] = append(byGestore[l.gestore], l)
		}
		for _, g := range order {
			ls := byGestore[g]
			recipients := map[string]bool{}
			if ls[0].gestoreEmail != "" {
				recipients[ls[0].gestoreEmail] = true
			}
			users, err := queryAll(ctx, tx, "reminder recipients", func(s scanner) (string, error) {
				var e string
				return e, s.Scan(&e)
			}, `SELECT email FROM users WHERE gestore_id = $1 AND role = 'operator' AND disabled = false`, g)
			if err != nil {
				return err
			}
			for _, u := range users {
				recipients[u] = true
			}
			list := make([]string, 0, len(ls))
			for _, l := range ls {
				list = append(list, l.code+" "+l.name)
			}
			params := map[string]any{"Count": len(ls), "Facilities": list, "Date": deadline.In(italy).Format("02/01/2006"),
				"Time": deadline.In(italy).Format("15:04"), "URL": strings.TrimRight(baseURL, "/") + "/disponibilita"}
			for r := range recipients {
				if err := tx.enqueue(ctx, Message{Kind: "reminder", Recipient: r, Params: params}); err != nil {
					return err
				}
				queued++
			}
		}
		return tx.audit(ctx, "reminders.queue", "job", period, "Facilities", len(rows), "Messages", queued)
	})
	return queued, err
}
