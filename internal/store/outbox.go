package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// Message is an e-mail waiting in the outbox.
type Message struct {
	ID        string
	Kind      string
	Recipient string
	Subject   string
	Body      string
	Attempts  int
	CreatedAt time.Time
}

// enqueue writes a message into the outbox inside tx: it is sent if and only
// if the transaction commits.
func (tx *Tx) enqueue(ctx context.Context, m Message) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO outbox (id, kind, recipient, subject, body, created_at, attempts, next_attempt_at, last_error)
		VALUES ($1, $2, $3, $4, $5, $6, 0, $6, '')`, newID(), m.Kind, m.Recipient, m.Subject, m.Body, tx.now)
	if err != nil {
		return fmt.Errorf("store: enqueue mail: %w", err)
	}
	return nil
}

// PendingMessages returns up to n messages due for sending.
func (db *DB) PendingMessages(ctx context.Context, n int) ([]Message, error) {
	return queryAll(ctx, db.read, "pending mail", func(s scanner) (Message, error) {
		var m Message
		err := s.Scan(&m.ID, &m.Kind, &m.Recipient, &m.Subject, &m.Body, &m.Attempts, &m.CreatedAt)
		return m, err
	}, `SELECT id, kind, recipient, subject, body, attempts, created_at FROM outbox
		WHERE sent_at IS NULL AND attempts < $1 AND next_attempt_at <= $2 ORDER BY created_at LIMIT $3`,
		MaxMailAttempts, db.Now(), n)
}

// MaxMailAttempts bounds retries; a message that fails this often stays in the
// outbox with its last error, for an administrator to see.
const MaxMailAttempts = 8

// MarkSent records a delivered message.
func (db *DB) MarkSent(ctx context.Context, id string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET sent_at = $1, attempts = attempts + 1 WHERE id = $2`, tx.now, id)
		return err
	})
}

// MarkFailed records a failed attempt and schedules the next one with
// exponential back-off (1, 2, 4… minutes).
func (db *DB) MarkFailed(ctx context.Context, m Message, cause error) error {
	next := db.Now().Add(time.Duration(1<<min(m.Attempts, 10)) * time.Minute)
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3`,
			next, msg, m.ID)
		return err
	})
}

// claimJob records that a job ran for a period, inside tx; false if it had
// already run (the insert conflicts), so that a job runs once per period
// whatever the number of processes and restarts.
func claimJob(ctx context.Context, tx *Tx, name, period, result string) (bool, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO job_runs (name, period, at, result) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name, period) DO NOTHING`, name, period, tx.now, result)
	if err != nil {
		return false, fmt.Errorf("store: claim job %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SendReminders writes, once per deadline, one e-mail per managing entity
// whose active facilities were not confirmed by it, to the entity's operators
// and contact address. The messages name facilities by code and name only: no
// personal data. It returns how many messages were queued (0 if the job had
// already run for this deadline, or before the first deadline of the day).
func (db *DB) SendReminders(ctx context.Context, baseURL string) (int, error) {
	now := db.Now()
	deadline := db.LastDeadline(now)
	staleBefore := db.StaleBefore(now)
	period := deadline.In(italy).Format("2006-01-02")
	queued := 0
	err := db.InTx(ctx, func(tx *Tx) error {
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
		ok, err := claimJob(ctx, tx, "reminders", period, fmt.Sprintf("%d strutture da confermare", len(rows)))
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
			var list strings.Builder
			for _, l := range ls {
				fmt.Fprintf(&list, "  - %s %s\n", l.code, l.name)
			}
			body := fmt.Sprintf("Buongiorno,\n\nle seguenti strutture non risultano confermate entro la scadenza delle %s:\n\n%s\n"+
				"Conferma o correggi i posti occupati da %s/disponibilita\n\n"+
				"Messaggio automatico di Gest.A – Prefettura di Bologna.\n",
				deadline.In(italy).Format("15:04 del 02/01/2006"), list.String(), strings.TrimRight(baseURL, "/"))
			subject := fmt.Sprintf("Gest.A: %d strutture da confermare", len(ls))
			for r := range recipients {
				if err := tx.enqueue(ctx, Message{Kind: "reminder", Recipient: r, Subject: subject, Body: body}); err != nil {
					return err
				}
				queued++
			}
		}
		return tx.audit(ctx, "reminders.queue", "job", period, fmt.Sprintf("%d strutture da confermare, %d messaggi", len(rows), queued))
	})
	return queued, err
}

// TakeSnapshots stores, once per Italian calendar day, every facility's
// figures, so that trends never depend on someone having kept a spreadsheet.
// It returns the rows written (0 if today's snapshot exists).
func (db *DB) TakeSnapshots(ctx context.Context) (int, error) {
	now := db.Now()
	day := now.In(italy).Format("2006-01-02")
	var n int
	err := db.InTx(ctx, func(tx *Tx) error {
		sys := domain.NewContextWithActor(ctx, domain.ActorSystem)
		fs, err := db.boardFacilitiesTx(sys, tx, now)
		if err != nil {
			return err
		}
		ok, err := claimJob(ctx, tx, "snapshots", day, fmt.Sprintf("%d strutture", len(fs)))
		if err != nil || !ok {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `
			INSERT INTO facility_snapshots (day, facility_id, province_code, target, capacity_active, blocked, occupied,
				held, free, confirmed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (day, facility_id) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("store: snapshots: %w", err)
		}
		defer stmt.Close()
		for _, f := range fs {
			if _, err := stmt.ExecContext(ctx, day, f.ID, f.ProvinceCode, f.Target, f.Active, f.Blocked, f.Occupied,
				f.Held, f.Free, f.ConfirmedAt); err != nil {
				return fmt.Errorf("store: snapshot %s: %w", f.Code, err)
			}
			n++
		}
		return tx.audit(ctx, "snapshots.take", "job", day, fmt.Sprintf("%d strutture", n))
	})
	return n, err
}

// FreeSeries returns free places per province and day over the last days,
// from the snapshots.
func (db *DB) FreeSeries(ctx context.Context, days int) (map[string]map[string]int, error) {
	from := db.Now().In(italy).AddDate(0, 0, -days).Format("2006-01-02")
	type row struct {
		province, day string
		free          int
	}
	rows, err := queryAll(ctx, db.read, "free series", func(s scanner) (row, error) {
		var r row
		err := s.Scan(&r.province, &r.day, &r.free)
		return r, err
	}, `SELECT province_code, day, SUM(free) FROM facility_snapshots WHERE day > $1 GROUP BY province_code, day`, from)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]int{}
	for _, r := range rows {
		if out[r.province] == nil {
			out[r.province] = map[string]int{}
		}
		out[r.province][r.day] = r.free
	}
	return out, nil
}

// SeedSnapshots writes synthetic daily snapshots for the last days before
// today (demo data only), from each facility's current figures and a
// deviation the caller draws: history for the charts of a fresh demo.
// (One prepared single-row INSERT: with modernc's SQLite, statements with
// thousands of placeholders were measured ten times slower.)
func (db *DB) SeedSnapshots(ctx context.Context, days int, deviation func(facility, day int) int) error {
	now := db.Now()
	return db.InTx(ctx, func(tx *Tx) error {
		fs, err := db.boardFacilitiesTx(ctx, tx, now)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `
			INSERT INTO facility_snapshots (day, facility_id, province_code, target, capacity_active, blocked, occupied,
				held, free, confirmed_at)
			VALUES ($1, $2, $3, $4, $5, 0, $6, 0, $7, $8) ON CONFLICT (day, facility_id) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("store: seed snapshots: %w", err)
		}
		defer stmt.Close()
		for d := days; d >= 1; d-- {
			at := now.AddDate(0, 0, -d)
			day := at.In(italy).Format("2006-01-02")
			for i, f := range fs {
				occ := min(max(f.Occupied+deviation(i, d), 0), f.Active)
				if _, err := stmt.ExecContext(ctx, day, f.ID, f.ProvinceCode, f.Target, f.Active, occ, f.Active-occ, at); err != nil {
					return fmt.Errorf("store: seed snapshot: %w", err)
				}
			}
		}
		return tx.audit(ctx, "snapshots.seed", "job", "demo", fmt.Sprintf("%d giorni × %d strutture (dati dimostrativi)", days, len(fs)))
	})
}
