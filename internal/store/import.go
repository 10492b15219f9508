package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// importTTL is how long a preview can be confirmed.
const importTTL = time.Hour

// PlanFacilityImport resolves the rows (managing entity, comune, existing
// facility), compares them with the register and stores the plan for
// confirmation. Nothing in the register changes.
func (s *FacilityService) PlanFacilityImport(ctx context.Context, rows []domain.ImportRow) (domain.ImportPlan, error) {
	sc, err := facilityScope(ctx)
	a := sc.a
	if err != nil {
		return domain.ImportPlan{}, err
	}
	if !sc.can(domain.PermFacilityWrite) {
		return domain.ImportPlan{}, domain.Err(domain.EFORBIDDEN, "err.perm.facility_import")
	}
	plan := domain.ImportPlan{ID: newID(), Counts: map[string]int{}}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if err := resolveImport(ctx, tx, rows, sc.province); err != nil {
			return err
		}
		plan.Rows = rows
		inFile := map[string]bool{}
		for _, r := range rows {
			plan.Counts[r.Action]++
			inFile[r.Facility.Code] = true
		}
		codes, err := queryAll(ctx, tx, "import missing", func(s scanner) (string, error) {
			var c string
			return c, s.Scan(&c)
		}, `SELECT code FROM facilities WHERE ($1 = '' OR province_code = $1) AND status <> 'closed' ORDER BY code`, sc.province)
		if err != nil {
			return err
		}
		for _, c := range codes {
			if !inFile[c] {
				plan.Missing = append(plan.Missing, c)
			}
		}
		b, err := json.Marshal(plan)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO imports (id, user_id, kind, plan, created_at) VALUES ($1, $2, 'facilities', $3, $4)`,
			plan.ID, a.Label(), string(b), tx.now)
		return err
	})
	return plan, err
}

// resolveImport fills each row's references and action, inside tx.
func resolveImport(ctx context.Context, tx *Tx, rows []domain.ImportRow, province string) error {
	for i := range rows {
		r := &rows[i]
		f := &r.Facility
		bad := func(col string, msg domain.FieldError) {
			r.Errors = append(r.Errors, domain.ImportError{Line: r.Line, Column: col, MsgID: msg.MsgID, Args: msg.Args})
		}
		// Comune: by ISTAT code or name, in the caller's province.
		err := tx.QueryRowContext(ctx, `
			SELECT code, province_code FROM comuni WHERE (code = $1 OR LOWER(name) = LOWER($1)) AND ($2 = '' OR province_code = $2)
			ORDER BY code LIMIT 1`, r.Comune, province).Scan(&f.ComuneCode, &f.ProvinceCode)
		if errors.Is(err, sql.ErrNoRows) && r.Comune != "" {
			bad("comune", domain.Field("err.import.comune_unknown", "Comune", r.Comune))
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: import comune: %w", err)
		}
		// Managing entity: by tax code, else by exact name (case-insensitive),
		// among the entities of the facility's province (checkGestore's rule;
		// with the comune unknown, anywhere, only to report the row's errors).
		err = tx.QueryRowContext(ctx, `SELECT id FROM gestori WHERE (tax_code = $1 OR LOWER(name) = LOWER($1)) AND ($2 = '' OR province_code = $2)
			ORDER BY id LIMIT 1`, r.Gestore, f.ProvinceCode).Scan(&f.GestoreID)
		if errors.Is(err, sql.ErrNoRows) && r.Gestore != "" {
			bad("gestore", domain.Field("err.import.gestore_other_province", "Gestore", r.Gestore))
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: import gestore: %w", err)
		}
		if f.Code != "" {
			old, err := findFacility(ctx, tx, f.Code, province, "")
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				bad("code", domain.Field("err.import.code_unknown", "Code", f.Code))
			} else if err != nil {
				return err
			} else if f.ProvinceCode != "" && f.ProvinceCode != old.ProvinceCode {
				bad("comune", domain.Field("err.import.comune_other_province", "Comune", r.Comune, "Code", f.Code))
			} else {
				f.ID, f.Version = old.ID, old.Version
				if f.Address == "" {
					f.Address = old.Address
				}
				f.Lat, f.Lon, f.ContactName, f.ContactPhone, f.ContactEmail = old.Lat, old.Lon, old.ContactName, old.ContactPhone, old.ContactEmail
				r.Changes = facilityDiff(old, *f)
				switch {
				case r.Occupied != nil && *r.Occupied != old.Occupied && old.UsesRegistry:
					// As on /disponibilita: a facility that counts from the
					// registry takes no typed figure.
					bad("occupied", domain.Field("err.facility.occupied_registry_field"))
				case r.Occupied != nil && *r.Occupied != old.Occupied:
					r.Changes = append(r.Changes, domain.FieldChange{Field: "occupied", Old: fmt.Sprint(old.Occupied), New: fmt.Sprint(*r.Occupied)})
				}
			}
		}
		if len(r.Errors) == 0 {
			if err := f.Validate(); err != nil {
				var e *domain.Error
				if errors.As(err, &e) {
					for col, msg := range e.Fields {
						bad(col, msg)
					}
				}
			}
		}
		switch {
		case len(r.Errors) > 0:
			r.Action = "error"
		case f.ID == "":
			r.Action = "create"
		case len(r.Changes) == 0:
			r.Action, r.Changes = "unchanged", nil
		default:
			r.Action = "update"
		}
	}
	return nil
}

// ApplyFacilityImport applies a stored plan in one transaction, all or
// nothing. Rows with errors block it unless excludeErrors is set, in which
// case they are skipped. The rows are resolved again against the register
// as it is now; a facility changed since the preview fails the import.
func (s *FacilityService) ApplyFacilityImport(ctx context.Context, id string, excludeErrors bool) (map[string]int, error) {
	sc, err := facilityScope(ctx)
	a := sc.a
	if err != nil {
		return nil, err
	}
	if !sc.can(domain.PermFacilityWrite) {
		return nil, domain.Err(domain.EFORBIDDEN, "err.perm.facility_import")
	}
	done := map[string]int{}
	var changed []string
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var raw string
		var created time.Time
		var applied sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT plan, created_at, applied_at FROM imports WHERE id = $1 AND user_id = $2`,
			id, a.Label()).Scan(&raw, &created, &applied)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Err(domain.ENOTFOUND, "err.import.not_found")
		}
		if err != nil {
			return fmt.Errorf("store: import: %w", err)
		}
		if applied.Valid {
			return domain.Err(domain.ECONFLICT, "err.import.applied")
		}
		if tx.now.Sub(created) > importTTL {
			return domain.Err(domain.ECONFLICT, "err.import.expired")
		}
		var plan domain.ImportPlan
		if err := json.Unmarshal([]byte(raw), &plan); err != nil {
			return fmt.Errorf("store: import plan: %w", err)
		}
		previewed := map[int]domain.ImportRow{}
		for _, r := range plan.Rows {
			previewed[r.Line] = r
		}
		rows := plan.Rows
		for i := range rows {
			rows[i].Errors, rows[i].Action, rows[i].Changes = nil, "", nil
			rows[i].Facility.ID, rows[i].Facility.Version = "", 0
		}
		if err := resolveImport(ctx, tx, rows, sc.province); err != nil {
			return err
		}
		for _, r := range rows {
			if r.Action == "error" && !excludeErrors {
				return domain.Err(domain.EINVALID, "err.import.row_errors", "Line", r.Line)
			}
			if p := previewed[r.Line]; p.Action != r.Action || (r.Action == "update" && !slices.Equal(p.Changes, r.Changes)) {
				return domain.Err(domain.ECONFLICT, "err.import.changed", "Line", r.Line)
			}
		}
		for _, r := range rows {
			f := r.Facility
			switch r.Action {
			case "create":
				if err := insertFacility(ctx, tx, &f, sc.province); err != nil {
					return fmt.Errorf("store: row %d: %w", r.Line, err)
				}
				if err := tx.audit(ctx, "facility.import_create", "facility", f.Code, "Line", r.Line, "Name", f.Name); err != nil {
					return err
				}
			case "update":
				old, err := findFacility(ctx, tx, f.Code, sc.province, "")
				if err != nil {
					return fmt.Errorf("store: row %d: %w", r.Line, err)
				}
				if err := updateFacilityTx(ctx, tx, old, &f, f.Version); err != nil {
					return fmt.Errorf("store: row %d: %w", r.Line, err)
				}
				if err := tx.audit(ctx, "facility.import_update", "facility", f.Code, "Line", r.Line, "Changes", changesParam(r.Changes)); err != nil {
					return err
				}
			default:
				continue
			}
			done[r.Action]++
			changed = append(changed, f.Code)
			if r.Occupied != nil {
				if _, err := tx.ExecContext(ctx, `
					UPDATE facilities SET occupied = $1, confirmed_at = $2, confirmed_by = $3, version = version + 1 WHERE id = $4`,
					*r.Occupied, tx.now, a.Label(), f.ID); err != nil {
					return fmt.Errorf("store: row %d: %w", r.Line, err)
				}
				if _, err := tx.ExecContext(ctx, `
					INSERT INTO availability_declarations (id, facility_id, at, actor, occupied, unchanged, note)
					VALUES ($1, $2, $3, $4, $5, false, 'importazione')`, newID(), f.ID, tx.now, a.Label(), *r.Occupied); err != nil {
					return fmt.Errorf("store: row %d: %w", r.Line, err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET applied_at = $1 WHERE id = $2`, tx.now, id); err != nil {
			return err
		}
		return tx.audit(ctx, "import.apply", "import", id, "Created", done["create"], "Updated", done["update"])
	})
	if err != nil {
		return nil, err
	}
	for _, c := range changed {
		s.db.changed(c)
	}
	return done, nil
}
