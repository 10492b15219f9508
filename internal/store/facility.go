package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

const facilityColumns = `f.id, f.code, f.name, f.type, f.target, f.gestore_id, g.name, f.province_code, f.comune_code,
	c.name, f.address, f.lat, f.lon, f.cig, f.contract_start, f.contract_end, f.price_cents, f.capacity_contracted,
	f.capacity_active, f.features, f.status, f.contact_name, f.contact_phone, f.contact_email, f.occupied,
	f.confirmed_at, f.confirmed_by, f.version, f.updated_at, f.uses_registry`

const facilityFrom = ` FROM facilities f JOIN gestori g ON g.id = f.gestore_id JOIN comuni c ON c.code = f.comune_code`

func scanFacility(s scanner) (domain.Facility, error) {
	var f domain.Facility
	var from, to, confirmed sql.NullTime
	var features string
	err := s.Scan(&f.ID, &f.Code, &f.Name, &f.Type, &f.Target, &f.GestoreID, &f.GestoreName, &f.ProvinceCode,
		&f.ComuneCode, &f.ComuneName, &f.Address, &f.Lat, &f.Lon, &f.CIG, &from, &to, &f.PriceCents, &f.Contracted,
		&f.Active, &features, &f.Status, &f.ContactName, &f.ContactPhone, &f.ContactEmail, &f.Occupied, &confirmed,
		&f.ConfirmedBy, &f.Version, &f.UpdatedAt, &f.UsesRegistry)
	f.ContractFrom, f.ContractTo, f.ConfirmedAt = timePtr(from), timePtr(to), timePtr(confirmed)
	f.Features = splitFeatures(features)
	f.UpdatedAt = f.UpdatedAt.UTC()
	return f, err
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func splitFeatures(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// What counts in the ledger at a time $1, written once for every query that
// sums holds and blocks (lists, one facility, the board).
const (
	holdsInForce      = `status = 'active' AND expires_at > $1`
	blocksInForce     = `starts_at <= $1 AND (ends_at IS NULL OR ends_at > $1)`
	heldByFacility    = `SELECT facility_id, SUM(places) AS n FROM holds WHERE ` + holdsInForce + ` GROUP BY facility_id`
	blockedByFacility = `SELECT facility_id, SUM(places) AS n FROM facility_blocks WHERE ` + blocksInForce + ` GROUP BY facility_id`
)

// ledger fills blocked and held (in force at now) for the facilities, and
// computes free and stale: per facility for a few, else two grouped queries
// whatever the number of rows.
func (db *DB) ledger(ctx context.Context, q querier, fs []domain.Facility, now time.Time) error {
	if len(fs) == 0 {
		return nil
	}
	if len(fs) <= 4 {
		for i := range fs {
			f := &fs[i]
			if err := q.QueryRowContext(ctx, `
				SELECT COALESCE((SELECT SUM(places) FROM holds WHERE facility_id = $2 AND `+holdsInForce+`), 0),
				       COALESCE((SELECT SUM(places) FROM facility_blocks WHERE facility_id = $2 AND `+blocksInForce+`), 0)`,
				now, f.ID).Scan(&f.Held, &f.Blocked); err != nil {
				return fmt.Errorf("store: ledger: %w", err)
			}
		}
		db.computeLedger(fs, nil, nil, now)
		return nil
	}
	type sum struct {
		id string
		n  int
	}
	scanSum := func(s scanner) (sum, error) {
		var v sum
		err := s.Scan(&v.id, &v.n)
		return v, err
	}
	holds, err := queryAll(ctx, q, "ledger holds", scanSum, heldByFacility, now)
	if err != nil {
		return err
	}
	blocks, err := queryAll(ctx, q, "ledger blocks", scanSum, blockedByFacility, now)
	if err != nil {
		return err
	}
	held, blocked := make(map[string]int, len(holds)), make(map[string]int, len(blocks))
	for _, h := range holds {
		held[h.id] = h.n
	}
	for _, b := range blocks {
		blocked[b.id] = b.n
	}
	db.computeLedger(fs, held, blocked, now)
	return nil
}

// computeLedger sets held and blocked from the maps (when given), then free
// and stale.
func (db *DB) computeLedger(fs []domain.Facility, held, blocked map[string]int, now time.Time) {
	deadline := db.Facilities.StaleBefore(now)
	for i := range fs {
		f := &fs[i]
		if held != nil {
			f.Held, f.Blocked = held[f.ID], blocked[f.ID]
		}
		f.ComputeFree()
		f.Stale = f.Status == domain.StatusActive && (f.ConfirmedAt == nil || f.ConfirmedAt.Before(deadline))
	}
}

// ConfirmDeadline is the daily time (Italian clock) by which operators confirm
// their figures; set from the configuration.
type ConfirmDeadline struct{ Hour, Minute int }

// StaleBefore returns the time before which a confirmation is stale: the
// start (Italian midnight) of the day of the last deadline. Operators confirm
// each day by the deadline; until today's deadline passes, yesterday's
// confirmation stands.
func (s *FacilityService) StaleBefore(now time.Time) time.Time {
	d := s.db.Facilities.LastDeadline(now).In(italy)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, italy).UTC()
}

// LastDeadline returns the most recent confirmation deadline at or before now.
func (s *FacilityService) LastDeadline(now time.Time) time.Time {
	d := s.db.Deadline
	local := now.In(italy)
	t := time.Date(local.Year(), local.Month(), local.Day(), d.Hour, d.Minute, 0, 0, italy)
	if t.After(local) {
		t = t.AddDate(0, 0, -1)
	}
	return t.UTC()
}

// ListFacilities implements domain.FacilityService.
func (s *FacilityService) ListFacilities(ctx context.Context, flt domain.FacilityFilter) ([]domain.Facility, error) {
	out, _, err := s.listFacilities(ctx, flt, -1, 0)
	return out, err
}

// ListFacilitiesPage implements domain.FacilityService: the same rows as
// ListFacilities, limit of them from offset, read in the query (the stale
// filter too), with the count of all that match.
func (s *FacilityService) ListFacilitiesPage(ctx context.Context, flt domain.FacilityFilter, limit, offset int) ([]domain.Facility, int, error) {
	return s.listFacilities(ctx, flt, max(limit, 0), max(offset, 0))
}

// listFacilities reads the facilities matching flt; limit < 0 reads all.
func (s *FacilityService) listFacilities(ctx context.Context, flt domain.FacilityFilter, limit, offset int) ([]domain.Facility, int, error) {
	sc, err := facilityScope(ctx)
	if err != nil {
		return nil, 0, err
	}
	province, feature, err := s.db.filterArgs(ctx, flt)
	if err != nil {
		return nil, 0, err
	}
	query := ""
	if flt.Query != "" {
		query = "%" + strings.ToLower(flt.Query) + "%"
	}
	now := s.db.Now()
	stale := 0
	if flt.OnlyStale {
		stale = 1
	}
	const where = `
			WHERE ($1 = '' OR f.province_code = $1)
			  AND ($2 = '' OR f.type = $2)
			  AND ($3 = '' OR f.target = $3)
			  AND ($4 = '' OR f.features LIKE $4)
			  AND ($5 = '' OR f.gestore_id = $5)
			  AND ($6 = '' OR f.province_code = $6)
			  AND ($7 = '' OR f.gestore_id = $7)
			  AND ($8 = '' OR LOWER(f.name) LIKE $8 OR LOWER(f.code) LIKE $8)
			  AND ($9 = 0 OR (f.status = 'active' AND (f.confirmed_at IS NULL OR f.confirmed_at < $10)))`
	args := []any{province, string(flt.Type), string(flt.Target), feature, flt.GestoreID, "", sc.gestore, query,
		stale, s.StaleBefore(now)}
	var out []domain.Facility
	total := 0
	err = s.db.ReadTx(ctx, func(tx *Tx) error {
		page := ""
		if limit >= 0 {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM facilities f`+where, args...).Scan(&total); err != nil {
				return fmt.Errorf("store: count facilities: %w", err)
			}
			page = fmt.Sprintf(" LIMIT %d OFFSET %d", limit, offset)
		}
		var err error
		out, err = queryAll(ctx, tx, "list facilities", scanFacility, `SELECT `+facilityColumns+facilityFrom+where+`
			ORDER BY f.code`+page, args...)
		if err != nil {
			return err
		}
		return s.db.ledger(ctx, tx, out, now)
	})
	if err != nil {
		return nil, 0, err
	}
	if limit < 0 {
		total = len(out)
	}
	return out, total, nil
}

// filterArgs turns a filter's province (code or sigla) and feature into
// query arguments.
func (db *DB) filterArgs(ctx context.Context, flt domain.FacilityFilter) (province, feature string, err error) {
	if flt.ProvinceCode != "" {
		p, err := db.Territory.FindProvince(ctx, flt.ProvinceCode)
		if err != nil {
			return "", "", err
		}
		province = p.Code
	}
	if flt.Feature != "" {
		feature = "%" + flt.Feature + "%"
	}
	return province, feature, nil
}

// onlyStale keeps the stale facilities when asked to.
func onlyStale(fs []domain.Facility, only bool) []domain.Facility {
	if !only {
		return fs
	}
	kept := fs[:0]
	for _, f := range fs {
		if f.Stale {
			kept = append(kept, f)
		}
	}
	return kept
}

// FindFacility implements domain.FacilityService; out of scope is ENOTFOUND.
func (s *FacilityService) FindFacility(ctx context.Context, code string) (domain.Facility, error) {
	sc, err := facilityScope(ctx)
	if err != nil {
		return domain.Facility{}, err
	}
	var f domain.Facility
	err = s.db.ReadTx(ctx, func(tx *Tx) error {
		f, err = findFacility(ctx, tx, code, "", sc.gestore)
		if err != nil {
			return err
		}
		fs := []domain.Facility{f}
		if err := s.db.ledger(ctx, tx, fs, s.db.Now()); err != nil {
			return err
		}
		f = fs[0]
		return nil
	})
	return f, err
}

func findFacility(ctx context.Context, tx *Tx, code, province, gestore string) (domain.Facility, error) {
	f, err := scanFacility(tx.QueryRowContext(ctx, `SELECT `+facilityColumns+facilityFrom+`
		WHERE f.code = $1 AND ($2 = '' OR f.province_code = $2) AND ($3 = '' OR f.gestore_id = $3)`,
		strings.ToUpper(code), province, gestore))
	if errors.Is(err, sql.ErrNoRows) {
		return f, domain.Err(domain.ENOTFOUND, "err.facility.not_found", "Code", code)
	}
	if err != nil {
		return f, fmt.Errorf("store: find facility %s: %w", code, err)
	}
	return f, nil
}

// CreateFacility implements domain.FacilityService. The province and the
// prefecture follow from the comune; the code is the province's sigla and the
// next number ("BO-0043").
func (s *FacilityService) CreateFacility(ctx context.Context, f *domain.Facility) error {
	sc, err := facilityScope(ctx)
	if err != nil {
		return err
	}
	if !sc.can(domain.PermFacilityWrite) {
		return domain.Err(domain.EFORBIDDEN, "err.perm.facility_create")
	}
	if f.Status == "" {
		f.Status = domain.StatusActive
	}
	if f.Features == nil {
		f.Features = []string{}
	}
	if err := f.Validate(); err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if err := insertFacility(ctx, tx, f, sc.province); err != nil {
			return err
		}
		return tx.audit(ctx, "facility.create", "facility", f.Code, "Name", f.Name, "Type", domain.Label("type."+string(f.Type)),
			"Target", domain.Label("target."+string(f.Target)), "Active", f.Active, "Contracted", f.Contracted)
	})
	if err == nil {
		s.db.changed(f.Code)
	}
	return err
}

func insertFacility(ctx context.Context, tx *Tx, f *domain.Facility, onlyProvince string) error {
	var sigla, officeID string
	err := tx.QueryRowContext(ctx, `
		SELECT p.code, p.sigla, o.id FROM comuni c JOIN provinces p ON p.code = c.province_code
		JOIN offices o ON o.province_code = p.code WHERE c.code = $1`, f.ComuneCode).Scan(&f.ProvinceCode, &sigla, &officeID)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Err(domain.EINVALID, "err.facility.invalid").WithFields(
			map[string]domain.FieldError{"comune": domain.Field("err.comune.unknown")})
	}
	if err != nil {
		return fmt.Errorf("store: facility comune: %w", err)
	}
	if onlyProvince != "" && f.ProvinceCode != onlyProvince {
		return domain.Err(domain.EINVALID, "err.facility.invalid").WithFields(
			map[string]domain.FieldError{"comune": domain.Field("err.facility.comune_own_province")})
	}
	if err := checkGestore(ctx, tx, f.GestoreID, f.ProvinceCode); err != nil {
		return err
	}
	var last sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT MAX(code) FROM facilities WHERE province_code = $1`, f.ProvinceCode).Scan(&last); err != nil {
		return fmt.Errorf("store: facility code: %w", err)
	}
	n := 0
	if last.Valid {
		n, _ = strconv.Atoi(strings.TrimPrefix(last.String, sigla+"-"))
	}
	f.ID, f.Code, f.Version, f.UpdatedAt = newID(), fmt.Sprintf("%s-%04d", sigla, n+1), 1, tx.now
	_, err = tx.ExecContext(ctx, `
		INSERT INTO facilities (id, code, name, type, target, gestore_id, office_id, province_code, comune_code, address,
			lat, lon, cig, contract_start, contract_end, price_cents, capacity_contracted, capacity_active, features,
			status, contact_name, contact_phone, contact_email, occupied, confirmed_at, confirmed_by, version,
			created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
			$23, $24, $25, $26, $27, $28, $29)`,
		f.ID, f.Code, f.Name, f.Type, f.Target, f.GestoreID, officeID, f.ProvinceCode, f.ComuneCode, f.Address,
		f.Lat, f.Lon, f.CIG, f.ContractFrom, f.ContractTo, f.PriceCents, f.Contracted, f.Active,
		strings.Join(f.Features, ","), f.Status, f.ContactName, f.ContactPhone, f.ContactEmail, f.Occupied,
		f.ConfirmedAt, f.ConfirmedBy, f.Version, tx.now, tx.now)
	if tx.db.dialect.foreignKeyViolation(err) {
		return domain.Err(domain.EINVALID, "err.facility.invalid").WithFields(
			map[string]domain.FieldError{"gestore": domain.Field("err.gestore.unknown")})
	}
	if err != nil {
		return fmt.Errorf("store: create facility: %w", err)
	}
	return nil
}

// UpdateFacility implements domain.FacilityService.
func (s *FacilityService) UpdateFacility(ctx context.Context, f *domain.Facility, version int) error {
	sc, err := facilityScope(ctx)
	if err != nil {
		return err
	}
	if !sc.can(domain.PermFacilityWrite) {
		return domain.Err(domain.EFORBIDDEN, "err.perm.facility_write")
	}
	if err := f.Validate(); err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		old, err := findFacility(ctx, tx, f.Code, sc.province, "")
		if err != nil {
			return err
		}
		if err := updateFacilityTx(ctx, tx, old, f, version); err != nil {
			return err
		}
		return tx.audit(ctx, "facility.update", "facility", f.Code, "Changes", changesParam(facilityDiff(old, *f)))
	})
	if err == nil {
		s.db.changed(f.Code)
	}
	return err
}

// updateFacilityTx writes a facility's register fields over old (read in tx
// in the caller's scope) if its version is still the one given; the comune
// and the managing entity must be of the facility's province. The
// stays carry the facility's comune and type for the statistics, so a change
// of either is copied onto them and the province's figures recomputed.
func updateFacilityTx(ctx context.Context, tx *Tx, old domain.Facility, f *domain.Facility, version int) error {
	if err := checkComune(ctx, tx, f.ComuneCode, old.ProvinceCode); err != nil {
		return err
	}
	if err := checkGestore(ctx, tx, f.GestoreID, old.ProvinceCode); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE facilities SET name = $1, type = $2, target = $3, gestore_id = $4, comune_code = $5, address = $6,
			lat = $7, lon = $8, cig = $9, contract_start = $10, contract_end = $11, price_cents = $12,
			capacity_contracted = $13, capacity_active = $14, features = $15, status = $16, version = version + 1,
			updated_at = $17
		WHERE id = $18 AND version = $19`,
		f.Name, f.Type, f.Target, f.GestoreID, f.ComuneCode, f.Address, f.Lat, f.Lon, f.CIG, f.ContractFrom,
		f.ContractTo, f.PriceCents, f.Contracted, f.Active, strings.Join(f.Features, ","), f.Status, tx.now,
		old.ID, version)
	if err != nil {
		return fmt.Errorf("store: update facility: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return staleVersion()
	}
	f.ID, f.Version, f.ProvinceCode = old.ID, version+1, old.ProvinceCode
	if f.ComuneCode != old.ComuneCode || f.Type != old.Type {
		if _, err := tx.ExecContext(ctx, `UPDATE stays SET comune_code = $1, facility_type = $2 WHERE facility_id = $3`,
			f.ComuneCode, f.Type, old.ID); err != nil {
			return fmt.Errorf("store: update facility stays: %w", err)
		}
		if err := dropCache(ctx, tx, old.ProvinceCode, time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

// facilityDiff lists what changed, by field key (the address without its
// values), for the import preview and the history.
func facilityDiff(a, b domain.Facility) []domain.FieldChange {
	var out []domain.FieldChange
	add := func(field string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			out = append(out, domain.FieldChange{Field: field, Old: fmt.Sprint(x), New: fmt.Sprint(y)})
		}
	}
	add("name", a.Name, b.Name)
	add("type", a.Type, b.Type)
	add("target", a.Target, b.Target)
	add("gestore", a.GestoreID, b.GestoreID)
	add("comune", a.ComuneCode, b.ComuneCode)
	add("contracted", a.Contracted, b.Contracted)
	add("active", a.Active, b.Active)
	add("features", strings.Join(a.Features, ","), strings.Join(b.Features, ","))
	add("status", a.Status, b.Status)
	add("cig", a.CIG, b.CIG)
	add("price_cents", a.PriceCents, b.PriceCents)
	if a.Address != b.Address {
		out = append(out, domain.FieldChange{Field: "address"})
	}
	return out
}

// changesParam is the audit parameter of a list of changes: field keys and
// values, no words ("active: 10 → 12; address").
func changesParam(cs []domain.FieldChange) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		if c.Old == "" && c.New == "" {
			parts = append(parts, c.Field)
			continue
		}
		parts = append(parts, c.Field+": "+c.Old+" → "+c.New)
	}
	return strings.Join(parts, "; ")
}

// UpdateContact implements domain.FacilityService.
func (s *FacilityService) UpdateContact(ctx context.Context, code string, version int, name, phone, email string, features []string) (domain.Facility, error) {
	sc, err := facilityScope(ctx)
	if err != nil {
		return domain.Facility{}, err
	}
	if !sc.can(domain.PermAvailability) && !sc.can(domain.PermFacilityWrite) {
		return domain.Facility{}, domain.Err(domain.EFORBIDDEN, "err.perm.facility_write")
	}
	probe := domain.Facility{Name: "x", Type: domain.TypeHub, Target: domain.TargetMixed, GestoreID: "x",
		ComuneCode: "000000", Status: domain.StatusActive, Features: features}
	if err := probe.Validate(); err != nil {
		return domain.Facility{}, err
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		old, err := findFacility(ctx, tx, code, sc.province, sc.gestore)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE facilities SET contact_name = $1, contact_phone = $2, contact_email = $3, features = $4,
				version = version + 1, updated_at = $5
			WHERE id = $6 AND version = $7`, name, phone, email, strings.Join(features, ","), tx.now, old.ID, version)
		if err != nil {
			return fmt.Errorf("store: update contact: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return staleVersion()
		}
		return tx.audit(ctx, "facility.contact", "facility", old.Code, "Features", strings.Join(features, ","))
	})
	if err != nil {
		return domain.Facility{}, err
	}
	s.db.changed(code)
	return s.db.Facilities.FindFacility(ctx, code)
}

// SetAvailability implements domain.FacilityService: one declaration, with
// who and when, conditional on the version the caller saw. For a facility
// whose occupancy comes from the registry it is a confirmation: the figure
// must be the registry's.
func (s *FacilityService) SetAvailability(ctx context.Context, code string, version int, av domain.Availability) (domain.Facility, error) {
	sc, err := facilityScope(ctx)
	a := sc.a
	if err != nil {
		return domain.Facility{}, err
	}
	if !sc.can(domain.PermAvailability) {
		return domain.Facility{}, domain.Err(domain.EFORBIDDEN, "err.perm.availability")
	}
	if av.Occupied < 0 {
		return domain.Facility{}, domain.Err(domain.EINVALID, "err.facility.occupied_negative").WithFields(
			map[string]domain.FieldError{"occupied": domain.Field("err.field.value_invalid")})
	}
	var out domain.Facility
	err = s.db.InTx(ctx, func(tx *Tx) error {
		old, err := findFacility(ctx, tx, code, sc.province, sc.gestore)
		if err != nil {
			return err
		}
		// A facility that counts from the registry takes its occupied places
		// from the open stays: only a confirmation of that figure is
		// accepted, never a typed one (entries and exits change it).
		if old.UsesRegistry && av.Occupied != old.Occupied {
			if old.Version != version {
				return staleVersion()
			}
			return domain.Err(domain.EINVALID, "err.facility.occupied_registry", "Code", old.Code, "Occupied", old.Occupied).WithFields(
				map[string]domain.FieldError{"occupied": domain.Field("err.facility.occupied_registry_field")})
		}
		if av.Occupied > old.Contracted {
			return domain.Err(domain.EINVALID, "err.facility.occupied_over", "Occupied", av.Occupied, "Contracted", old.Contracted).WithFields(
				map[string]domain.FieldError{"occupied": domain.Field("err.facility.over_capacity")})
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE facilities SET occupied = $1, confirmed_at = $2, confirmed_by = $3, version = version + 1, updated_at = $2
			WHERE id = $4 AND version = $5`, av.Occupied, tx.now, a.Label(), old.ID, version)
		if err != nil {
			return fmt.Errorf("store: set availability: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return staleVersion()
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO availability_declarations (id, facility_id, at, actor, occupied, unchanged, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			newID(), old.ID, tx.now, a.Label(), av.Occupied, av.Occupied == old.Occupied, av.Note); err != nil {
			return fmt.Errorf("store: declaration: %w", err)
		}
		if err := tx.audit(ctx, "facility.availability", "facility", old.Code, "Old", old.Occupied, "New", av.Occupied); err != nil {
			return err
		}
		// The answer is read in the write's transaction: a read after the
		// commit could fail and report a committed write as failed (R6).
		if out, err = findFacility(ctx, tx, code, "", sc.gestore); err != nil {
			return err
		}
		fs := []domain.Facility{out}
		if err := s.db.ledger(ctx, tx, fs, s.db.Now()); err != nil {
			return err
		}
		out = fs[0]
		return nil
	})
	if err != nil {
		return domain.Facility{}, err
	}
	s.db.changed(code)
	return out, nil
}

// FacilityHistory returns the audit entries of a facility the caller can read,
// newest first: every change with who and when.
func (s *FacilityService) FacilityHistory(ctx context.Context, code string, limit int) ([]domain.AuditEntry, error) {
	f, err := s.db.Facilities.FindFacility(ctx, code)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return queryAll(ctx, s.db.read, "facility history", scanAudit, `
		SELECT `+auditColumns+` FROM audit_log WHERE target_type = 'facility' AND target_id = $1
		ORDER BY seq DESC LIMIT $2`, f.Code, limit)
}
