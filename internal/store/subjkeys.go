package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
)

// Per-subject keys (issue 17 R13, docs/adr/0011-per-subject-keys.md). The
// subject is a guest: the registry's vulnerabilities, the reports about
// them, their cases' texts and documents are sealed with the guest's own
// data key (subject_keys, wrapped by GESTA_SECRET_KEY). When the guest is
// erased for good — the registry record anonymised and every case of theirs
// anonymised, whichever retention job comes last — the key row is deleted in
// that transaction and the erasure recorded (subject_erasures, then the
// erasure ledger outside the database). Values sealed with the keyring
// itself (before per-subject keys, or about several people: a network
// table's decisions) stay readable as before.

// ErasureLedger keeps the erasures outside the database and its backups
// (anchor.Log's erasures file): Restore replays it on an older copy.
type ErasureLedger interface {
	Erasures() ([]domain.Erasure, error)
	AppendErasures([]domain.Erasure) error
}

// errErased answers a read of a value whose subject's key was destroyed.
func errErased() error { return domain.Err(domain.EUNAVAILABLE, "err.subjkeys.erased") }

// IsErased reports whether err is the answer to reading an erased subject's
// sealed field.
func IsErased(err error) bool {
	var de *domain.Error
	return errors.As(err, &de) && de.MsgID == "err.subjkeys.erased"
}

// seal encrypts a free text bound to its record (aad) with the data key of
// subject (a guest's id), created on first use; subject "" seals with the
// keyring (records about several people). It refuses to store clear text
// when no key is configured.
func (tx *Tx) seal(ctx context.Context, subject, text, aad string) (string, error) {
	if text == "" {
		return "", nil
	}
	if tx.db.Keys == nil {
		return "", domain.Err(domain.EUNAVAILABLE, "err.case.no_key")
	}
	var (
		s   string
		err error
	)
	if subject == "" {
		s, err = tx.db.Keys.Seal(text, aad)
	} else {
		var dk *crypt.DataKey
		if dk, err = tx.dataKey(ctx, subject); err != nil {
			return "", err
		}
		s, err = dk.Seal(text, aad)
	}
	if err != nil {
		return "", fmt.Errorf("store: seal: %w", err)
	}
	return s, nil
}

// dataKey returns the subject's data key, creating it on first use. An
// erased subject gets no new key: nothing more is written about them.
func (tx *Tx) dataKey(ctx context.Context, subject string) (*crypt.DataKey, error) {
	if dk := tx.dataKeys[subject]; dk != nil {
		return dk, nil
	}
	dk, err := tx.newOrStoredKey(ctx, subject)
	if err == nil {
		if tx.dataKeys == nil {
			tx.dataKeys = map[string]*crypt.DataKey{}
		}
		tx.dataKeys[subject] = dk
	}
	return dk, err
}

func (tx *Tx) newOrStoredKey(ctx context.Context, subject string) (*crypt.DataKey, error) {
	for range 2 {
		var wrapped string
		err := tx.QueryRowContext(ctx, `SELECT wrapped FROM subject_keys WHERE subject_id = $1`, subject).Scan(&wrapped)
		if err == nil {
			dk, err := tx.db.Keys.DataKey(subject, wrapped)
			if err != nil {
				return nil, fmt.Errorf("store: subject key: %w", err)
			}
			return dk, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: subject key: %w", err)
		}
		var erased int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subject_erasures WHERE subject_id = $1`, subject).Scan(&erased); err != nil {
			return nil, fmt.Errorf("store: subject key: %w", err)
		}
		if erased > 0 {
			return nil, errErased()
		}
		dk, wrapped, err := tx.db.Keys.NewDataKey(subject)
		if err != nil {
			return nil, fmt.Errorf("store: subject key: %w", err)
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO subject_keys (subject_id, wrapped, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (subject_id) DO NOTHING`, subject, wrapped, tx.now)
		if err != nil {
			return nil, fmt.Errorf("store: subject key: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 1 {
			return dk, nil
		}
		// Another transaction created it meanwhile: read theirs.
	}
	return nil, errors.New("store: subject key: created concurrently and not found")
}

// unseal decrypts a value sealed by seal (or by the keyring before
// per-subject keys), reading the subject's key through q. A value whose
// subject's key was destroyed answers errErased, never the text.
func (db *DB) unseal(ctx context.Context, q querier, sealed, aad string) (string, error) {
	return db.unsealWith(ctx, q, nil, sealed, aad)
}

// unsealWith is unseal keeping the subjects' keys in cache (nil: none), so
// that the values of one subject cost one lookup and one unwrap; a nil
// entry remembers an erased subject.
func (db *DB) unsealWith(ctx context.Context, q querier, cache map[string]*crypt.DataKey, sealed, aad string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if db.Keys == nil {
		return "", domain.Err(domain.EUNAVAILABLE, "err.case.no_key")
	}
	subject := crypt.Subject(sealed)
	if subject == "" {
		s, err := db.Keys.Open(sealed, aad)
		if err != nil {
			return "", fmt.Errorf("store: open sealed field: %w", err)
		}
		return s, nil
	}
	dk, cached := cache[subject]
	if !cached {
		var wrapped string
		err := q.QueryRowContext(ctx, `SELECT wrapped FROM subject_keys WHERE subject_id = $1`, subject).Scan(&wrapped)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// dk stays nil: erased
		case err != nil:
			return "", fmt.Errorf("store: subject key: %w", err)
		default:
			if dk, err = db.Keys.DataKey(subject, wrapped); err != nil {
				return "", fmt.Errorf("store: subject key: %w", err)
			}
		}
		if cache != nil {
			cache[subject] = dk
		}
	}
	if dk == nil {
		return "", errErased()
	}
	s, err := dk.Open(sealed, aad)
	if err != nil {
		return "", fmt.Errorf("store: open sealed field: %w", err)
	}
	return s, nil
}

// unseal is db.unseal reading the key in the transaction.
func (tx *Tx) unseal(ctx context.Context, sealed, aad string) (string, error) {
	if tx.dataKeys == nil {
		tx.dataKeys = map[string]*crypt.DataKey{}
	}
	return tx.db.unsealWith(ctx, tx, tx.dataKeys, sealed, aad)
}

// caseSubject returns the guest a case is about ("" if no such case).
func (tx *Tx) caseSubject(ctx context.Context, caseID string) (string, error) {
	if caseID == "" {
		return "", nil
	}
	var g string
	err := tx.QueryRowContext(ctx, `SELECT guest_id FROM cases WHERE id = $1`, caseID).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: case subject: %w", err)
	}
	return g, nil
}

// reportSubject returns the guest a report is about.
func (tx *Tx) reportSubject(ctx context.Context, reportID string) (string, error) {
	var g string
	err := tx.QueryRowContext(ctx, `SELECT guest_id FROM case_reports WHERE id = $1`, reportID).Scan(&g)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: report subject: %w", err)
	}
	return g, nil
}

// shredIfErased destroys the guest's data key when the guest is erased for
// good: the registry record anonymised and no case of theirs left
// unanonymised. Both retention jobs call it after their anonymisation, in
// its transaction; the erasure is recorded (id and date) and audited
// without data. A subject already shredded is left alone (idempotent).
func (tx *Tx) shredIfErased(ctx context.Context, guestID string) (bool, error) {
	var due int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM guests g WHERE g.id = $1 AND g.anonymised_at IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.guest_id = g.id AND c.anonymised_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM subject_erasures e WHERE e.subject_id = g.id)`, guestID).Scan(&due); err != nil {
		return false, fmt.Errorf("store: shred: %w", err)
	}
	if due == 0 {
		return false, nil
	}
	return true, tx.shred(ctx, guestID, "subject.key_destroyed")
}

func (tx *Tx) shred(ctx context.Context, subject, action string) error {
	r, err := tx.ExecContext(ctx, `DELETE FROM subject_keys WHERE subject_id = $1`, subject)
	if err != nil {
		return fmt.Errorf("store: shred: %w", err)
	}
	delete(tx.dataKeys, subject)
	if err := tx.eraseRemains(ctx, subject); err != nil {
		return err
	}
	keys, _ := r.RowsAffected()
	if _, err := tx.ExecContext(ctx, `INSERT INTO subject_erasures (subject_id, erased_at) VALUES ($1, $2)
		ON CONFLICT (subject_id) DO NOTHING`, subject, tx.now); err != nil {
		return fmt.Errorf("store: shred: %w", err)
	}
	return tx.audit(ctx, action, "guest", subject, "Keys", keys)
}

// eraseRemains removes what of a shredded subject no longer opens and no
// case keeps: registry vulnerabilities not linked to a case (those linked to
// a case anonymised after the registry's erasure stayed behind), and reports
// never triaged into a case, with their documents.
func (tx *Tx) eraseRemains(ctx context.Context, subject string) error {
	for _, q := range []string{
		`DELETE FROM guest_vulnerabilities WHERE guest_id = $1 AND id NOT IN (SELECT vulnerability_id FROM case_vulnerabilities)`,
		`DELETE FROM case_documents WHERE report_id IN (SELECT id FROM case_reports WHERE guest_id = $1 AND case_id IS NULL)`,
		`UPDATE case_reports SET sealed_description = '', sealed_triage = '' WHERE guest_id = $1 AND case_id IS NULL
			AND (sealed_description <> '' OR sealed_triage <> '')`,
	} {
		if _, err := tx.ExecContext(ctx, q, subject); err != nil {
			return fmt.Errorf("store: erase a shredded subject's remains: %w", err)
		}
	}
	return nil
}

// SyncErasureLedger appends to the ledger the erasures recorded in the
// database that it does not hold yet, and returns how many. The retention
// jobs call it after a commit that erased someone and the server at
// start-up, so that an erasure committed just before a crash reaches the
// ledger at the next start (or the next erasure).
func (db *DB) SyncErasureLedger(ctx context.Context, l ErasureLedger) (int, error) {
	if l == nil {
		return 0, nil
	}
	have, err := l.Erasures()
	if err != nil {
		return 0, err
	}
	known := make(map[string]bool, len(have))
	for _, e := range have {
		known[e.Subject] = true
	}
	all, err := queryAll(ctx, db.read, "erasures", func(sc scanner) (domain.Erasure, error) {
		var e domain.Erasure
		err := sc.Scan(&e.Subject, &e.At)
		e.At = e.At.UTC()
		return e, err
	}, `SELECT subject_id, erased_at FROM subject_erasures ORDER BY erased_at, subject_id`)
	if err != nil {
		return 0, err
	}
	var missing []domain.Erasure
	for _, e := range all {
		if !known[e.Subject] {
			missing = append(missing, e)
		}
	}
	if len(missing) == 0 {
		return 0, nil
	}
	if err := l.AppendErasures(missing); err != nil {
		return 0, fmt.Errorf("store: erasure ledger: %w", err)
	}
	return len(missing), nil
}

// replayErasures destroys, in a restored database, the keys of the subjects
// the ledger says were erased (after the copy was taken, or before), and
// erases their registry identity and what no case keeps again, in one
// transaction audited with the count. It returns how many subjects still had a key in the copy.
func (db *DB) replayErasures(ctx context.Context, erasures []domain.Erasure) (int, error) {
	ids := make([]string, 0, len(erasures))
	for _, e := range erasures {
		ids = append(ids, e.Subject)
	}
	sort.Strings(ids)
	n := 0
	if _, ok := domain.ActorFromContext(ctx); !ok {
		ctx = domain.NewContextWithActor(ctx, domain.ActorSystem)
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		n = 0
		for _, id := range ids {
			r, err := tx.ExecContext(ctx, `DELETE FROM subject_keys WHERE subject_id = $1`, id)
			if err != nil {
				return fmt.Errorf("store: replay erasures: %w", err)
			}
			k, _ := r.RowsAffected()
			n += int(k)
			if _, err := tx.ExecContext(ctx, `INSERT INTO subject_erasures (subject_id, erased_at) VALUES ($1, $2)
				ON CONFLICT (subject_id) DO NOTHING`, id, tx.now); err != nil {
				return fmt.Errorf("store: replay erasures: %w", err)
			}
			if err := tx.eraseRemains(ctx, id); err != nil {
				return err
			}
			var birth sql.NullTime
			err = tx.QueryRowContext(ctx, `SELECT birth_date FROM guests WHERE id = $1 AND anonymised_at IS NULL`, id).Scan(&birth)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store: replay erasures: %w", err)
			}
			if err := anonymiseGuestRow(ctx, tx, id, birth.Time); err != nil {
				return err
			}
		}
		return tx.audit(ctx, "subject.erasures_replayed", "subject_keys", "", "Subjects", len(ids), "Keys", n)
	})
	return n, err
}

// sealCase seals a text of a case with the key of the case's guest.
func (tx *Tx) sealCase(ctx context.Context, caseID, text, aad string) (string, error) {
	if text == "" {
		return "", nil
	}
	g, err := tx.caseSubject(ctx, caseID)
	if err != nil {
		return "", err
	}
	return tx.seal(ctx, g, text, aad)
}

// sealReport seals a text of a report with the key of its guest.
func (tx *Tx) sealReport(ctx context.Context, reportID, text, aad string) (string, error) {
	if text == "" {
		return "", nil
	}
	g, err := tx.reportSubject(ctx, reportID)
	if err != nil {
		return "", err
	}
	return tx.seal(ctx, g, text, aad)
}

// scrubAfterErasure, on SQLite, checkpoints the write-ahead log and
// truncates it, so that the pages written before an erasure (which still
// hold the erased values) leave the WAL file; the pages themselves were
// zeroed in place (secure_delete). A reader holding an old snapshot can
// keep the checkpoint from finishing: then the next erasure's, or SQLite's
// own checkpoints, complete it. PostgreSQL: nothing (VACUUM reclaims dead
// rows; docs/operations.md).
func (db *DB) scrubAfterErasure(ctx context.Context) error {
	if db.dialect.name() != "sqlite" {
		return nil
	}
	if _, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("store: checkpoint after erasure: %w", err)
	}
	return nil
}
