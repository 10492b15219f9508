package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// GuestRightsService carries out the guest registry's retention and the
// person's right of access (GDPR arts. 5(1)(e), 15, 17).
type GuestRightsService struct{ db *DB }

// NewGuestRightsService returns the service over db.
func NewGuestRightsService(db *DB) *GuestRightsService { return &GuestRightsService{db: db} }

// retentionBatch bounds one transaction of the retention job.
const retentionBatch = 200

// readExport is what an export shows, in the access log.
const readExport = "export"

// Anonymise erases, once, the identity of every guest whose last stay ended
// (or who was registered without a stay) longer ago than p.Guests and who has
// no open case: names, CUI, search key, household link and place of arrival
// go; the birth date keeps only its year; their vulnerabilities not linked to
// a case are deleted (those linked follow the case's retention). Sex, year of
// birth, nationality, arrival date and channel, procedure stage and the stays
// remain, so that the statistics do not change. Access-log rows older than
// p.Accesses are deleted. Each guest's erasure is audited without its data.
// A second run finds nothing to do.
func (s *GuestRightsService) Anonymise(ctx context.Context, p domain.GuestRetention) (domain.RetentionRun, error) {
	var run domain.RetentionRun
	a, ok := domain.ActorFromContext(ctx)
	if !ok || a.System == "" {
		return run, domain.Err(domain.EFORBIDDEN, "err.perm.retention")
	}
	if p.Guests <= 0 || p.Accesses <= 0 {
		return run, fmt.Errorf("store: retention periods must be positive")
	}
	for {
		n := 0
		err := s.db.InTx(ctx, func(tx *Tx) error {
			cutoff := tx.now.Add(-p.Guests)
			type due struct {
				id    string
				birth time.Time
			}
			rows, err := queryAll(ctx, tx, "guests due", func(sc scanner) (due, error) {
				var d due
				err := sc.Scan(&d.id, &d.birth)
				return d, err
			}, `SELECT g.id, g.birth_date FROM guests g
				WHERE g.anonymised_at IS NULL AND g.created_at < $1
				AND NOT EXISTS (SELECT 1 FROM stays s WHERE s.guest_id = g.id AND (s.exited_at IS NULL OR s.exited_at >= $1))
				AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.guest_id = g.id AND c.closed_at IS NULL)
				ORDER BY g.id LIMIT `+fmt.Sprint(retentionBatch), cutoff)
			if err != nil {
				return err
			}
			for _, d := range rows {
				if err := anonymiseGuestRow(ctx, tx, d.id, d.birth); err != nil {
					return err
				}
				res, err := tx.ExecContext(ctx, `DELETE FROM guest_vulnerabilities WHERE guest_id = $1
					AND id NOT IN (SELECT vulnerability_id FROM case_vulnerabilities)`, d.id)
				if err != nil {
					return fmt.Errorf("store: delete vulnerabilities: %w", err)
				}
				nv, _ := res.RowsAffected()
				run.Vulnerabilities += nv
				if err := tx.audit(ctx, "guest.anonymised", "guest", d.id, "Vulnerabilities", nv); err != nil {
					return err
				}
				// No case of theirs left to keep: their data key goes too,
				// so that an older backup no longer opens their fields.
				if _, err := tx.shredIfErased(ctx, d.id); err != nil {
					return err
				}
			}
			n = len(rows)
			return nil
		})
		if err != nil {
			return run, err
		}
		run.Anonymised += n
		if n < retentionBatch {
			break
		}
	}
	if run.Anonymised > 0 {
		if _, err := s.db.SyncErasureLedger(ctx, s.db.Ledger); err != nil {
			return run, err
		}
		if err := s.db.scrubAfterErasure(ctx); err != nil {
			return run, err
		}
	}
	err := s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM guest_accesses WHERE at < $1`, tx.now.Add(-p.Accesses))
		if err != nil {
			return fmt.Errorf("store: delete old guest accesses: %w", err)
		}
		run.Accesses, _ = res.RowsAffected()
		if run.Accesses > 0 {
			return tx.audit(ctx, "guest.accesses_expired", "guest_accesses", "", "Rows", run.Accesses)
		}
		return nil
	})
	return run, err
}

// anonymiseGuestRow blanks a guest's identity, keeping the year of birth
// and the statistics' columns, and marks the row anonymised.
func anonymiseGuestRow(ctx context.Context, tx *Tx, id string, birth time.Time) error {
	year := time.Date(birth.UTC().Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := tx.ExecContext(ctx, `UPDATE guests SET cui = NULL, surname = '', given_name = '', search_key = '',
		birth_date = $2, birth_estimated = true, household_id = NULL, arrival_place = '',
		anonymised_at = $3, updated_at = $3 WHERE id = $1 AND anonymised_at IS NULL`, id, year, tx.now); err != nil {
		return fmt.Errorf("store: anonymise guest: %w", err)
	}
	return nil
}

// Export gathers everything held about one guest and who read it, for the
// person (GDPR art. 15, CJEU C-579/21). The coordinator and the command line
// may export; the export is itself logged as a read, purpose "richiesta
// dell'interessato" unless the caller gave another.
func (s *GuestRightsService) Export(ctx context.Context, guestID string) (domain.GuestExport, error) {
	var out domain.GuestExport
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return out, domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	if a.System == "" && a.Role != domain.RoleCoordinator {
		return out, domain.Err(domain.EFORBIDDEN, "err.perm.guest_export")
	}
	if domain.PurposeFromContext(ctx) == "" {
		ctx = domain.NewContextWithPurpose(ctx, "richiesta_interessato")
	}
	db := s.db
	err := db.InTx(ctx, func(tx *Tx) error {
		g, err := findGuestTx(ctx, tx, guestID)
		if err != nil {
			return err
		}
		out = domain.GuestExport{Generated: tx.now, Guest: g, Stays: []domain.Stay{},
			Vulnerabilities: []domain.Vulnerability{}, Changes: []domain.GuestChange{}, Accesses: []domain.GuestAccess{}}
		var anon sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT anonymised_at FROM guests WHERE id = $1`, guestID).Scan(&anon); err != nil {
			return fmt.Errorf("store: export: %w", err)
		}
		out.Anonymised = timePtr(anon)
		if out.Stays, err = queryAll(ctx, tx, "stays", func(sc scanner) (domain.Stay, error) {
			var st domain.Stay
			var exited sql.NullTime
			err := sc.Scan(&st.ID, &st.GuestID, &st.Facility, &st.EnteredAt, &exited, &st.ExitReason, &st.Override)
			st.EnteredAt, st.ExitedAt = st.EnteredAt.UTC(), timePtr(exited)
			return st, err
		}, `SELECT s.id, s.guest_id, f.code, s.entered_at, s.exited_at, s.exit_reason, s.capacity_override
			FROM stays s JOIN facilities f ON f.id = s.facility_id WHERE s.guest_id = $1 ORDER BY s.entered_at`, guestID); err != nil {
			return err
		}
		sealed, err := queryAll(ctx, tx, "vulnerabilities", func(sc scanner) (string, error) {
			var v string
			return v, sc.Scan(&v)
		}, `SELECT sealed FROM guest_vulnerabilities WHERE guest_id = $1 ORDER BY id`, guestID)
		if err != nil {
			return err
		}
		if len(sealed) > 0 && db.Keys == nil {
			return domain.Err(domain.EUNAVAILABLE, "err.crypt.no_key")
		}
		for _, sv := range sealed {
			pt, err := tx.unseal(ctx, sv, "guest:"+guestID+":vulnerability")
			if err != nil {
				return err
			}
			var v domain.Vulnerability
			if err := json.Unmarshal([]byte(pt), &v); err != nil {
				return err
			}
			out.Vulnerabilities = append(out.Vulnerabilities, v)
		}
		// The writes about the guest, without their summaries (which may
		// quote others, e.g. a household's entry).
		if out.Changes, err = queryAll(ctx, tx, "guest changes", func(sc scanner) (domain.GuestChange, error) {
			var c domain.GuestChange
			err := sc.Scan(&c.At, &c.Actor, &c.Action)
			c.At = c.At.UTC()
			return c, err
		}, `SELECT al.at, COALESCE(u.email, al.actor), al.action FROM audit_log al LEFT JOIN users u ON u.id = al.actor
			WHERE al.target_type = 'guest' AND al.target_id = $1 ORDER BY al.seq`, guestID); err != nil {
			return err
		}
		if out.Accesses, err = queryAll(ctx, tx, "guest accesses", func(sc scanner) (domain.GuestAccess, error) {
			var x domain.GuestAccess
			err := sc.Scan(&x.Actor, &x.At, &x.Role, &x.What, &x.Purpose)
			x.At = x.At.UTC()
			return x, err
		}, `SELECT COALESCE(u.email, ga.actor), ga.at, ga.role, ga.what, ga.purpose
			FROM guest_accesses ga LEFT JOIN users u ON u.id = ga.actor
			WHERE ga.guest_id = $1 ORDER BY ga.at, ga.id`, guestID); err != nil {
			return err
		}
		if err := recordGuestReads(ctx, tx, []string{guestID}, readExport); err != nil {
			return err
		}
		return tx.audit(ctx, "guest.exported", "guest", guestID)
	})
	return out, err
}
