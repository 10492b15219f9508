package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
)

// sealedColumn is a column holding sealed values about one guest: the SQL
// expressions of the subject and of the additional data each value was
// sealed with (the same as the code that writes it).
type sealedColumn struct {
	table, col, subject, aad string
}

const (
	caseGuest = `(SELECT c.guest_id FROM cases c WHERE c.id = t.case_id)`
	docGuest  = `COALESCE((SELECT c.guest_id FROM cases c WHERE c.id = t.case_id),
		(SELECT r.guest_id FROM case_reports r WHERE r.id = t.report_id))`
)

// subjectColumns lists every column sealed with a subject's key (ADR 11); a
// network table's decisions are about several people and stay with the
// master key.
var subjectColumns = []sealedColumn{
	{"guest_vulnerabilities", "sealed", `t.guest_id`, `'guest:' || t.guest_id || ':vulnerability'`},
	{"case_reports", "sealed_description", `t.guest_id`, `'report:' || t.id || ':description'`},
	{"case_reports", "sealed_triage", `t.guest_id`, `'report:' || t.id || ':triage'`},
	{"case_tasks", "sealed_title", caseGuest, `'case:' || t.case_id || ':task:' || t.id`},
	{"case_measures", "sealed_reason", caseGuest, `'case:' || t.case_id || ':measure:' || t.id`},
	{"case_notes", "sealed_text", caseGuest, `'case:' || t.case_id || ':note:' || t.id`},
	{"case_grants", "sealed_reason", caseGuest, `'case:' || t.case_id || ':grant:' || t.id`},
	{"referrals", "sealed_reason", caseGuest, `'referral:' || t.id || ':reason'`},
	{"referrals", "sealed_override", caseGuest, `'referral:' || t.id || ':override'`},
	{"referrals", "sealed_answer", caseGuest, `'referral:' || t.id || ':answer'`},
	{"referrals", "sealed_outcome", caseGuest, `'referral:' || t.id || ':outcome'`},
	{"case_documents", "sealed_name", docGuest, `'document:' || t.id || ':name'`},
	{"case_documents", "sealed_content", docGuest, `'document:' || t.id || ':content'`},
	{"case_table_followups", "sealed_text", caseGuest, `'table:' || t.table_id || ':followup:' || t.id`},
}

// ResealResult counts what ResealSubjects did.
type ResealResult struct {
	Resealed int // values moved from the master key to their subject's key
	Skipped  int // values that stay: no subject, an erased subject, or not opening
}

// resealBatch bounds one transaction of ResealSubjects.
const resealBatch = 500

// ResealSubjects moves the values sealed with the master key before
// per-subject keys to their subject's key, so that the subject's erasure also
// makes them unreadable in the backups taken from now on. Each value is
// opened with the additional data it was sealed with and re-sealed with the
// same; a value that does not open is left as it is and counted. Batches of
// rows in their own transactions, each row updated only if unchanged
// meanwhile; one audit row with the counts. A second run finds nothing.
func (db *DB) ResealSubjects(ctx context.Context) (ResealResult, error) {
	var res ResealResult
	if db.Keys == nil {
		return res, domain.Err(domain.EUNAVAILABLE, "err.case.no_key")
	}
	for _, c := range subjectColumns {
		last := ""
		for {
			type row struct{ id, subject, aad, value string }
			var rows []row
			err := db.InTx(ctx, func(tx *Tx) error {
				var err error
				rows, err = queryAll(ctx, tx, "reseal "+c.table, func(sc scanner) (row, error) {
					var r row
					return r, sc.Scan(&r.id, &r.subject, &r.aad, &r.value)
				}, `SELECT t.id, COALESCE(`+c.subject+`, ''), `+c.aad+`, t.`+c.col+` FROM `+c.table+` t
					WHERE t.id > $1 AND t.`+c.col+` LIKE 'g1:%' ORDER BY t.id LIMIT `+fmt.Sprint(resealBatch), last)
				if err != nil {
					return err
				}
				for _, r := range rows {
					ok, err := tx.resealOne(ctx, c, r.id, r.subject, r.aad, r.value)
					if err != nil {
						return err
					}
					if ok {
						res.Resealed++
					} else {
						res.Skipped++
					}
				}
				return nil
			})
			if err != nil {
				return res, err
			}
			if len(rows) == 0 {
				break
			}
			last = rows[len(rows)-1].id
			if len(rows) < resealBatch {
				break
			}
		}
	}
	if res.Resealed == 0 {
		return res, nil
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		return tx.audit(ctx, "subject.resealed", "subject_keys", "", "Values", res.Resealed, "Skipped", res.Skipped)
	})
	return res, err
}

func (tx *Tx) resealOne(ctx context.Context, c sealedColumn, id, subject, aad, value string) (bool, error) {
	if subject == "" || strings.Contains(subject, ":") {
		return false, nil
	}
	pt, err := tx.db.Keys.Open(value, aad)
	if errors.Is(err, crypt.ErrOpen) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	sealed, err := tx.seal(ctx, subject, pt, aad)
	if IsErased(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+c.table+` SET `+c.col+` = $1 WHERE id = $2 AND `+c.col+` = $3`,
		sealed, id, value); err != nil {
		return false, fmt.Errorf("store: reseal %s: %w", c.table, err)
	}
	return true, nil
}
