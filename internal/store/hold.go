package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// MaxHoldDuration bounds a hold's life: places are not kept indefinitely.
const MaxHoldDuration = 30 * 24 * time.Hour

// Hold implements domain.FacilityService. The facility's row is locked first
// (an UPDATE that changes nothing still takes PostgreSQL's row lock; SQLite
// has one writer), then free places are counted and the hold inserted in the
// same transaction: two requests for the last place cannot both see it free.
func (s *FacilityService) Hold(ctx context.Context, code string, places int, expires time.Time, reason string) (domain.Hold, error) {
	sc, err := facilityScope(ctx)
	a := sc.a
	if err != nil {
		return domain.Hold{}, err
	}
	if !sc.can(domain.PermHoldWrite) {
		return domain.Hold{}, domain.Err(domain.EFORBIDDEN, "err.perm.hold_create")
	}
	now := s.db.Now()
	if err := validateHold(places, expires, reason, now); err != nil {
		return domain.Hold{}, err
	}
	h := domain.Hold{ID: newID(), FacilityCode: strings.ToUpper(code), Places: places, Reason: reason,
		ExpiresAt: expires.UTC().Truncate(time.Microsecond), Status: "active", CreatedBy: a.Label()}
	countFree := holdCounter(ctx, s.db, []string{h.FacilityCode})
	err = s.db.InTx(ctx, func(tx *Tx) error {
		f, err := findFacility(ctx, tx, code, sc.province, "")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE facilities SET version = version WHERE id = $1`, f.ID); err != nil {
			return fmt.Errorf("store: hold lock: %w", err)
		}
		free, err := countFree(ctx, tx, f)
		if err != nil {
			return err
		}
		if free < h.Places {
			return noRoom(free, h.Places)
		}
		return writeHold(ctx, tx, f, &h, a)
	})
	if err != nil {
		return domain.Hold{}, err
	}
	s.db.changed(h.FacilityCode)
	return h, nil
}

func validateHold(places int, expires time.Time, reason string, now time.Time) error {
	fields := map[string]domain.FieldError{}
	if places <= 0 {
		fields["places"] = domain.Field("err.hold.places")
	}
	if !expires.After(now) {
		fields["expires_at"] = domain.Field("err.hold.expiry_past")
	} else if expires.Sub(now) > MaxHoldDuration {
		fields["expires_at"] = domain.Field("err.hold.expiry_max", "Days", int(MaxHoldDuration/(24*time.Hour)))
	}
	if strings.TrimSpace(reason) == "" {
		fields["reason"] = domain.Field("err.field.reason_required")
	}
	if len(fields) > 0 {
		return domain.Err(domain.EINVALID, "err.hold.invalid").WithFields(fields)
	}
	return nil
}

// freeCounter counts a facility's free places for a hold being written in tx,
// once the facility's row is locked.
type freeCounter func(ctx context.Context, tx *Tx, f domain.Facility) (int, error)

// Hold and PlaceUnits get their freeCounter from holdCounter(ctx, db, codes),
// called before their write transaction begins with the codes of the
// facilities to hold. gesta's (hold_safe.go) is freeNow: the count inside the
// transaction, under the row lock. The naivehold build tag swaps in a
// read-then-write counter (hold_naive.go) for the mutation check of the
// concurrency tests.

// freeNow counts a facility's free places inside tx, at the transaction's time.
func freeNow(ctx context.Context, tx *Tx, f domain.Facility) (int, error) {
	fs := []domain.Facility{f}
	if err := tx.db.ledger(ctx, tx, fs, tx.now); err != nil {
		return 0, err
	}
	return fs[0].Free, nil
}

func writeHold(ctx context.Context, tx *Tx, f domain.Facility, h *domain.Hold, a domain.Actor) error {
	h.CreatedAt = tx.now
	var office *string
	if a.OfficeID != "" {
		office = &a.OfficeID
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO holds (id, facility_id, office_id, places, reason, expires_at, status, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8)`,
		h.ID, f.ID, office, h.Places, h.Reason, h.ExpiresAt, h.CreatedBy, h.CreatedAt); err != nil {
		return fmt.Errorf("store: insert hold: %w", err)
	}
	return tx.audit(ctx, "hold.create", "facility", f.Code, "Places", h.Places,
		"Until", h.ExpiresAt.In(italy).Format("02/01/2006 15:04"), "Reason", h.Reason)
}

func noRoom(free, want int) error {
	return domain.Err(domain.ECONFLICT, "err.hold.no_room", "Want", want, "Free", free)
}

// ReleaseHold ends an active hold before its expiry.
func (s *FacilityService) ReleaseHold(ctx context.Context, id string) error {
	sc, err := facilityScope(ctx)
	if err != nil {
		return err
	}
	if !sc.can(domain.PermHoldWrite) {
		return domain.Err(domain.EFORBIDDEN, "err.perm.hold_manage")
	}
	var code string
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var err error
		if _, code, _, err = closeHold(ctx, tx, id, sc.province, "released"); err != nil {
			return err
		}
		return tx.audit(ctx, "hold.release", "facility", code, "Hold", id)
	})
	if err == nil {
		s.db.changed(code)
	}
	return err
}

// closeHold ends an active hold of the caller's province with a final status;
// ENOTFOUND when no such hold is in scope, ECONFLICT when it is no longer
// active; any other failure (a broken connection, a cancelled request) is
// returned as it is, never as "not found".
func closeHold(ctx context.Context, tx *Tx, id, province, status string) (facilityID, code string, places int, err error) {
	err = tx.QueryRowContext(ctx, `
		SELECT f.id, f.code, h.places FROM holds h JOIN facilities f ON f.id = h.facility_id
		WHERE h.id = $1 AND ($2 = '' OR f.province_code = $2)`, id, province).Scan(&facilityID, &code, &places)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", 0, domain.Err(domain.ENOTFOUND, "err.hold.not_found")
	}
	if err != nil {
		return "", "", 0, fmt.Errorf("store: find hold: %w", err)
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE holds SET status = $1, closed_at = $2 WHERE id = $3 AND status = 'active' AND expires_at > $2`,
		status, tx.now, id)
	if err != nil {
		return "", "", 0, fmt.Errorf("store: close hold: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", "", 0, domain.Err(domain.ECONFLICT, "err.hold.inactive")
	}
	return facilityID, code, places, nil
}

// ConvertHold turns an active hold into occupancy (the people arrived): the
// hold stops counting, the declared occupancy grows by its places, in one
// transaction with its declaration and audit rows.
func (s *FacilityService) ConvertHold(ctx context.Context, id string) error {
	sc, err := facilityScope(ctx)
	a := sc.a
	if err != nil {
		return err
	}
	if !sc.can(domain.PermHoldWrite) {
		return domain.Err(domain.EFORBIDDEN, "err.perm.hold_manage")
	}
	var code string
	err = s.db.InTx(ctx, func(tx *Tx) error {
		facilityID, c, places, err := closeHold(ctx, tx, id, sc.province, "converted")
		if err != nil {
			return err
		}
		code = c
		var occupied int
		if err := tx.QueryRowContext(ctx, `
			UPDATE facilities SET occupied = occupied + $1, confirmed_at = $2, confirmed_by = $3, version = version + 1,
				updated_at = $2
			WHERE id = $4 RETURNING occupied`, places, tx.now, a.Label(), facilityID).Scan(&occupied); err != nil {
			return fmt.Errorf("store: convert hold: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO availability_declarations (id, facility_id, at, actor, occupied, unchanged, note)
			VALUES ($1, $2, $3, $4, $5, false, $6)`, newID(), facilityID, tx.now, a.Label(), occupied,
			"prenotazione "+id+" convertita in presenze"); err != nil {
			return fmt.Errorf("store: convert hold: %w", err)
		}
		return tx.audit(ctx, "hold.convert", "facility", code, "Places", places, "Hold", id)
	})
	if err == nil {
		s.db.changed(code)
	}
	return err
}

// ListHolds returns a facility's holds, newest first, with their state now.
func (s *FacilityService) ListHolds(ctx context.Context, code string) ([]domain.Hold, error) {
	f, err := s.db.Facilities.FindFacility(ctx, code)
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	return queryAll(ctx, s.db.read, "list holds", func(s scanner) (domain.Hold, error) {
		h := domain.Hold{FacilityCode: f.Code}
		err := s.Scan(&h.ID, &h.Places, &h.Reason, &h.ExpiresAt, &h.Status, &h.CreatedBy, &h.CreatedAt)
		h.ExpiresAt, h.CreatedAt = h.ExpiresAt.UTC(), h.CreatedAt.UTC()
		if h.Status == "active" && !h.ExpiresAt.After(now) {
			h.Status = "expired"
		}
		return h, err
	}, `SELECT id, places, reason, expires_at, status, created_by, created_at FROM holds
		WHERE facility_id = $1 ORDER BY id DESC`, f.ID)
}

// AddBlock takes places out of use for a period (works, quarantine).
func (s *FacilityService) AddBlock(ctx context.Context, code string, b domain.Block) error {
	sc, err := facilityScope(ctx)
	a := sc.a
	if err != nil {
		return err
	}
	if !sc.can(domain.PermFacilityWrite) {
		return domain.Err(domain.EFORBIDDEN, "err.perm.block")
	}
	if b.Places <= 0 || strings.TrimSpace(b.Reason) == "" || (b.To != nil && !b.To.After(b.From)) {
		return domain.Err(domain.EINVALID, "err.block.invalid")
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		f, err := findFacility(ctx, tx, code, sc.province, "")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO facility_blocks (id, facility_id, places, reason, starts_at, ends_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			newID(), f.ID, b.Places, b.Reason, b.From.UTC(), b.To, a.Label(), tx.now); err != nil {
			return fmt.Errorf("store: add block: %w", err)
		}
		return tx.audit(ctx, "facility.block", "facility", f.Code, "Places", b.Places, "Reason", b.Reason)
	})
	if err == nil {
		s.db.changed(strings.ToUpper(code))
	}
	return err
}
