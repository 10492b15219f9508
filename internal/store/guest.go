package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/gesta-er/gesta/internal/domain"
)

// SearchKey folds a name into a consonant skeleton for matching
// transliteration variants: no accents, case or punctuation, vowels dropped
// after the first letter, common pairs reduced (kh→h, ph→f, dj/j→g) and
// doubled letters single, so that "Mohammed", "Muhamad" and "MOUHAMMAD" meet.
func SearchKey(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if unicode.IsLetter(r) && r < unicode.MaxASCII {
			b.WriteRune(r)
		}
	}
	k := b.String()
	for _, p := range [][2]string{{"kh", "h"}, {"ph", "f"}, {"dj", "g"}, {"j", "g"}, {"ck", "k"}, {"q", "k"}, {"w", "u"}} {
		k = strings.ReplaceAll(k, p[0], p[1])
	}
	var out []rune
	for i, r := range k {
		if i > 0 && strings.ContainsRune("aeiouy", r) {
			continue
		}
		if len(out) == 0 || out[len(out)-1] != r {
			out = append(out, r)
		}
	}
	return string(out)
}

func guestWriter(ctx context.Context) (domain.Actor, error) {
	sc, err := scopeWith(ctx, domain.PermGuestWrite, "err.perm.guest_write")
	return sc.a, err
}

// CreateGuest stores a guest with its vulnerabilities (sealed) in one
// transaction. Vulnerabilities need a configured key: without one they are
// refused rather than stored in clear.
func (s *GuestService) CreateGuest(ctx context.Context, g *domain.Guest, vulns []domain.Vulnerability) error {
	a, err := guestWriter(ctx)
	if err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return err
	}
	if len(vulns) > 0 && s.db.Keys == nil {
		return domain.Err(domain.EUNAVAILABLE, "err.crypt.no_key_vulnerabilities")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if err := checkHousehold(ctx, tx, g.HouseholdID); err != nil {
			return err
		}
		g.ID = newID()
		if err := insertGuest(ctx, tx, g, a); err != nil {
			return err
		}
		for _, v := range vulns {
			if err := addVulnerability(ctx, tx, g.ID, v, a); err != nil {
				return err
			}
		}
		// The summary names no person and no vulnerability: ids and counts only.
		return tx.audit(ctx, "guest.create", "guest", g.ID, "Vulnerabilities", len(vulns))
	})
}

// AdmitGuest implements domain.GuestService: the guest and the entry commit
// together, so a refused entry (a facility out of scope, full) leaves no
// guest behind.
func (s *GuestService) AdmitGuest(ctx context.Context, g *domain.Guest, facilityCode string, at time.Time, override string) (domain.Stay, error) {
	a, err := guestWriter(ctx)
	if err != nil {
		return domain.Stay{}, err
	}
	if err := g.Validate(); err != nil {
		return domain.Stay{}, err
	}
	var st domain.Stay
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if err := checkHousehold(ctx, tx, g.HouseholdID); err != nil {
			return err
		}
		g.ID = newID()
		if err := insertGuest(ctx, tx, g, a); err != nil {
			return err
		}
		if err := tx.audit(ctx, "guest.create", "guest", g.ID, "Vulnerabilities", 0); err != nil {
			return err
		}
		st, err = enterTx(ctx, tx, a, g.ID, facilityCode, at, override)
		return err
	})
	if err == nil {
		s.db.changed(st.Facility)
	}
	return st, err
}

// insertGuest writes a validated guest with the id it carries.
func insertGuest(ctx context.Context, tx *Tx, g *domain.Guest, a domain.Actor) error {
	g.CreatedAt = tx.now
	var cui *string
	if g.CUI != "" {
		cui = &g.CUI
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO guests (id, cui, surname, given_name, search_key, sex, birth_date, birth_estimated, nationality,
			household_id, household_role, msna, arrival_date, arrival_channel, arrival_place, stage, stage_date,
			created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)`,
		g.ID, cui, g.Surname, g.GivenName, SearchKey(g.Surname+g.GivenName), g.Sex, g.BirthDate.UTC(), g.BirthEstimated,
		g.Nationality, nullable(g.HouseholdID), g.HouseholdRole, g.MSNA, g.ArrivalDate, g.ArrivalChannel, g.ArrivalPlace,
		g.Stage, g.StageDate, a.Label(), tx.now)
	if tx.db.dialect.uniqueViolation(err) {
		return domain.Err(domain.ECONFLICT, "err.guest.cui_taken")
	}
	if err != nil {
		return fmt.Errorf("store: create guest: %w", err)
	}
	return nil
}

func addVulnerability(ctx context.Context, tx *Tx, guestID string, v domain.Vulnerability, a domain.Actor) error {
	if err := v.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if tx.db.Keys == nil {
		return domain.Err(domain.EUNAVAILABLE, "err.crypt.no_key_vulnerabilities")
	}
	sealed, err := tx.seal(ctx, guestID, string(b), "guest:"+guestID+":vulnerability")
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO guest_vulnerabilities (id, guest_id, sealed, key_id, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, newID(), guestID, sealed, tx.db.Keys.Current(), a.Label(), tx.now); err != nil {
		return fmt.Errorf("store: add vulnerability: %w", err)
	}
	return nil
}

// Vulnerabilities returns a guest's vulnerabilities, decrypted, for roles
// with PermVulnRead only; the read is audited in the same transaction.
func (s *GuestService) Vulnerabilities(ctx context.Context, guestID string) ([]domain.Vulnerability, error) {
	if _, err := scopeWith(ctx, domain.PermVulnRead, "err.perm.vulnerability_read"); err != nil {
		return nil, err
	}
	var out []domain.Vulnerability
	err := s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := findGuestTx(ctx, tx, guestID); err != nil {
			return err
		}
		if s.db.Keys == nil {
			return domain.Err(domain.EUNAVAILABLE, "err.crypt.no_key")
		}
		if err := recordGuestReads(ctx, tx, []string{guestID}, readVulnerabilities); err != nil {
			return err
		}
		sealed, err := queryAll(ctx, tx, "vulnerabilities", func(s scanner) (string, error) {
			var v string
			return v, s.Scan(&v)
		}, `SELECT sealed FROM guest_vulnerabilities WHERE guest_id = $1 ORDER BY id`, guestID)
		if err != nil {
			return err
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
			out = append(out, v)
		}
		return tx.audit(ctx, "guest.vulnerabilities_read", "guest", guestID, "Entries", len(out))
	})
	return out, err
}

// RecordEntry opens a stay of the guest in the facility at the given time.
// The database allows one open stay per guest; stays never overlap; a
// facility using the registry cannot go over its active capacity unless an
// override reason is given (recorded with the stay). Occupancy of such a
// facility is recomputed from its open stays in the same transaction.
func (s *GuestService) RecordEntry(ctx context.Context, guestID, facilityCode string, at time.Time, override string) (domain.Stay, error) {
	a, err := guestWriter(ctx)
	if err != nil {
		return domain.Stay{}, err
	}
	var st domain.Stay
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var err error
		st, err = enterTx(ctx, tx, a, guestID, facilityCode, at, override)
		return err
	})
	if err == nil {
		s.db.changed(st.Facility)
	}
	return st, err
}

// enterTx opens a stay in a transaction: the facility must be in the
// caller's write scope; its row lock serialises entries so that capacity is
// checked once; the stay copies the facts the statistics group by.
func enterTx(ctx context.Context, tx *Tx, a domain.Actor, guestID, facilityCode string, at time.Time, override string) (domain.Stay, error) {
	sc, err := facilityScope(ctx)
	if err != nil {
		return domain.Stay{}, err
	}
	st := domain.Stay{ID: newID(), GuestID: guestID, Facility: strings.ToUpper(facilityCode), EnteredAt: at.UTC().Truncate(time.Microsecond),
		Override: strings.TrimSpace(override)}
	f, err := findFacility(ctx, tx, facilityCode, sc.province, sc.gestore)
	if err != nil {
		return st, err
	}
	if err := checkGuest(ctx, tx, guestID); err != nil {
		return st, err
	}
	var usesRegistry bool
	if err := tx.QueryRowContext(ctx, `UPDATE facilities SET version = version WHERE id = $1 RETURNING uses_registry`,
		f.ID).Scan(&usesRegistry); err != nil {
		return st, fmt.Errorf("store: entry lock: %w", err)
	}
	var later int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM stays WHERE guest_id = $1 AND (exited_at IS NULL OR exited_at > $2)`,
		guestID, st.EnteredAt).Scan(&later); err != nil {
		return st, fmt.Errorf("store: entry overlap: %w", err)
	}
	if later > 0 {
		return st, domain.Err(domain.ECONFLICT, "err.stay.overlap")
	}
	if usesRegistry {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM stays WHERE facility_id = $1 AND exited_at IS NULL`, f.ID).Scan(&open); err != nil {
			return st, err
		}
		if open+1 > f.Active && st.Override == "" {
			return st, domain.Err(domain.ECONFLICT, "err.stay.full", "Active", f.Active)
		}
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO stays (id, guest_id, facility_id, province_code, comune_code, facility_type, entered_at, exit_reason,
			capacity_override, created_by, created_at, sex, birth_date, nationality, in_household, msna, stage, stage_date)
		SELECT $1, g.id, $3, $4, $5, $6, $7, '', $8, $9, $10, g.sex, g.birth_date, g.nationality,
			g.household_id IS NOT NULL, g.msna, g.stage, g.stage_date
		FROM guests g WHERE g.id = $2`, st.ID, guestID, f.ID, f.ProvinceCode, f.ComuneCode, f.Type, st.EnteredAt,
		st.Override, a.Label(), tx.now)
	if tx.db.dialect.uniqueViolation(err) {
		return st, domain.Err(domain.ECONFLICT, "err.stay.already_open")
	}
	if err != nil {
		return st, fmt.Errorf("store: entry: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return st, domain.Err(domain.ENOTFOUND, "err.guest.not_found")
	}
	if usesRegistry {
		if err := recountOccupancy(ctx, tx, f.ID, a); err != nil {
			return st, err
		}
	}
	if err := countFlow(ctx, tx, f.ProvinceCode, st.EnteredAt, true); err != nil {
		return st, err
	}
	if err := dropCache(ctx, tx, f.ProvinceCode, st.EnteredAt); err != nil {
		return st, err
	}
	if st.Override != "" {
		return st, tx.audit(ctx, "stay.entry_override", "facility", f.Code, "Guest", guestID, "Override", st.Override)
	}
	return st, tx.audit(ctx, "stay.entry", "facility", f.Code, "Guest", guestID)
}

// RecordExit closes an open stay with a reason from the controlled vocabulary.
func (s *GuestService) RecordExit(ctx context.Context, stayID string, at time.Time, reason string) error {
	a, err := guestWriter(ctx)
	if err != nil {
		return err
	}
	var code string
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var err error
		code, err = exitTxCode(ctx, tx, a, stayID, at, reason)
		return err
	})
	if err == nil {
		s.db.changed(code)
	}
	return err
}

// exitTx closes an open stay in the caller's write scope, in a transaction.
func exitTx(ctx context.Context, tx *Tx, a domain.Actor, stayID string, at time.Time, reason string) error {
	_, err := exitTxCode(ctx, tx, a, stayID, at, reason)
	return err
}

func exitTxCode(ctx context.Context, tx *Tx, a domain.Actor, stayID string, at time.Time, reason string) (string, error) {
	if !domain.ValidExitReason(reason) {
		return "", domain.Err(domain.EINVALID, "err.stay.exit_reason").WithFields(map[string]domain.FieldError{"exit_reason": domain.Field("err.stay.exit_reason_choose")})
	}
	sc, err := facilityScope(ctx)
	if err != nil {
		return "", err
	}
	var facilityID, code, province string
	var entered time.Time
	var usesRegistry bool
	err = tx.QueryRowContext(ctx, `
		SELECT f.id, f.code, f.province_code, s.entered_at, f.uses_registry FROM stays s JOIN facilities f ON f.id = s.facility_id
		WHERE s.id = $1 AND s.exited_at IS NULL AND ($2 = '' OR f.province_code = $2) AND ($3 = '' OR f.gestore_id = $3)`,
		stayID, sc.province, sc.gestore).Scan(&facilityID, &code, &province, &entered, &usesRegistry)
	if errors.Is(err, sql.ErrNoRows) {
		return "", domain.Err(domain.ENOTFOUND, "err.stay.open_not_found")
	}
	if err != nil {
		return "", fmt.Errorf("store: exit: %w", err)
	}
	if at.Before(entered) {
		return "", domain.Err(domain.EINVALID, "err.stay.exit_before_entry")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stays SET exited_at = $1, exit_reason = $2 WHERE id = $3`,
		at.UTC().Truncate(time.Microsecond), reason, stayID); err != nil {
		return "", fmt.Errorf("store: exit: %w", err)
	}
	if usesRegistry {
		if err := recountOccupancy(ctx, tx, facilityID, a); err != nil {
			return "", err
		}
	}
	if err := countFlow(ctx, tx, province, at, false); err != nil {
		return "", err
	}
	if err := dropCache(ctx, tx, province, at); err != nil {
		return "", err
	}
	return code, tx.audit(ctx, "stay.exit", "facility", code, "Reason", domain.Label("exit."+reason))
}

// recountOccupancy sets a registry facility's occupancy to its open stays.
func recountOccupancy(ctx context.Context, tx *Tx, facilityID string, a domain.Actor) error {
	_, err := tx.ExecContext(ctx, `
		UPDATE facilities SET occupied = (SELECT COUNT(*) FROM stays WHERE facility_id = $1 AND exited_at IS NULL),
			confirmed_at = $2, confirmed_by = $3, version = version + 1, updated_at = $2
		WHERE id = $1`, facilityID, tx.now, a.Label())
	if err != nil {
		return fmt.Errorf("store: recount occupancy: %w", err)
	}
	return nil
}

// SetUsesRegistry switches a facility's occupancy to the registry (or back to
// declarations), recounting at once.
func (s *GuestService) SetUsesRegistry(ctx context.Context, code string, on bool) error {
	sc, err := facilityScope(ctx)
	a := sc.a
	if err != nil {
		return err
	}
	if !sc.can(domain.PermFacilityWrite) {
		return domain.Err(domain.EFORBIDDEN, "err.perm.facility_write")
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		f, err := findFacility(ctx, tx, code, sc.province, "")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE facilities SET uses_registry = $1 WHERE id = $2`, on, f.ID); err != nil {
			return err
		}
		if on {
			if err := recountOccupancy(ctx, tx, f.ID, a); err != nil {
				return err
			}
		}
		return tx.audit(ctx, "facility.registry", "facility", f.Code, "On", on)
	})
	if err == nil {
		s.db.changed(strings.ToUpper(code))
	}
	return err
}

// Stays returns the stays of a guest in the caller's scope, oldest first;
// the read is logged in its transaction.
func (s *GuestService) Stays(ctx context.Context, guestID string) ([]domain.Stay, error) {
	var out []domain.Stay
	err := s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := findGuestTx(ctx, tx, guestID); err != nil {
			return err
		}
		var err error
		out, err = queryAll(ctx, tx, "stays", func(s scanner) (domain.Stay, error) {
			var st domain.Stay
			var exited sql.NullTime
			err := s.Scan(&st.ID, &st.GuestID, &st.Facility, &st.EnteredAt, &exited, &st.ExitReason, &st.Override)
			st.EnteredAt, st.ExitedAt = st.EnteredAt.UTC(), timePtr(exited)
			return st, err
		}, `SELECT s.id, s.guest_id, f.code, s.entered_at, s.exited_at, s.exit_reason, s.capacity_override
			FROM stays s JOIN facilities f ON f.id = s.facility_id WHERE s.guest_id = $1 ORDER BY s.entered_at`, guestID)
		if err != nil {
			return err
		}
		return recordGuestReads(ctx, tx, []string{guestID}, readStays)
	})
	if err != nil {
		return nil, err // nothing read without its access row
	}
	return out, nil
}

const guestColumns = `g.id, COALESCE(g.cui, ''), g.surname, g.given_name, g.sex, g.birth_date, g.birth_estimated,
	g.nationality, COALESCE(g.household_id, ''), g.household_role, g.msna, g.arrival_date, g.arrival_channel,
	g.arrival_place, g.stage, g.stage_date, g.created_at`

func scanGuest(s scanner) (domain.Guest, error) {
	var g domain.Guest
	var arrival, stage sql.NullTime
	err := s.Scan(&g.ID, &g.CUI, &g.Surname, &g.GivenName, &g.Sex, &g.BirthDate, &g.BirthEstimated, &g.Nationality,
		&g.HouseholdID, &g.HouseholdRole, &g.MSNA, &arrival, &g.ArrivalChannel, &g.ArrivalPlace, &g.Stage, &stage,
		&g.CreatedAt)
	g.BirthDate, g.CreatedAt = g.BirthDate.UTC(), g.CreatedAt.UTC()
	g.ArrivalDate, g.StageDate = timePtr(arrival), timePtr(stage)
	return g, err
}

// FindGuest returns a guest in the caller's scope; out of scope is ENOTFOUND.
// The read is logged in its transaction.
func (s *GuestService) FindGuest(ctx context.Context, id string) (domain.Guest, error) {
	var g domain.Guest
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var err error
		if g, err = findGuestTx(ctx, tx, id); err != nil {
			return err
		}
		return recordGuestReads(ctx, tx, []string{g.ID}, readRecord)
	})
	if err != nil {
		return domain.Guest{}, err // nothing read without its access row
	}
	return g, nil
}

// findGuestTx reads a guest in the caller's scope, without logging (the
// caller logs what it shows).
func findGuestTx(ctx context.Context, tx *Tx, id string) (domain.Guest, error) {
	cond, args, err := guestScope(ctx, 2)
	if err != nil {
		return domain.Guest{}, err
	}
	g, err := scanGuest(tx.QueryRowContext(ctx, `SELECT `+guestColumns+` FROM guests g WHERE g.id = $1 AND `+cond,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return g, domain.Err(domain.ENOTFOUND, "err.guest.not_found")
	}
	if err != nil {
		return g, fmt.Errorf("store: find guest: %w", err)
	}
	return g, nil
}

// SearchGuests finds guests in scope by CUI or by name (transliteration
// variants meet through SearchKey), at most 100; each one found is logged.
func (s *GuestService) SearchGuests(ctx context.Context, q string) ([]domain.Guest, error) {
	cond, args, err := guestScope(ctx, 3)
	if err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	var out []domain.Guest
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = queryAll(ctx, tx, "search guests", scanGuest, `SELECT `+guestColumns+` FROM guests g
			WHERE (g.cui = $1 OR ($2 <> '' AND g.search_key LIKE $2)) AND `+cond+` ORDER BY g.id LIMIT 100`,
			append([]any{q, likePrefix(SearchKey(q))}, args...)...)
		if err != nil {
			return err
		}
		ids := make([]string, len(out))
		for i, g := range out {
			ids[i] = g.ID
		}
		return recordGuestReads(ctx, tx, ids, readSearch)
	})
	if err != nil {
		return nil, err // nothing read without its access row
	}
	return out, nil
}

func likePrefix(k string) string {
	if k == "" {
		return ""
	}
	return "%" + k + "%"
}

// Present lists the guests with an open stay in the facilities the caller
// may write to (an operator's own, a prefecture's province), by facility.
func (s *GuestService) Present(ctx context.Context, facilityCode string) ([]domain.PresentGuest, error) {
	list, _, err := s.db.Guests.SearchPresent(ctx, domain.PresentFilter{Facility: facilityCode, Limit: 2000})
	return list, err
}

// SearchPresent lists the present guests in the caller's scope that match
// the filter (at most f.Limit, ordered by facility and surname) and counts
// every match.
func (s *GuestService) SearchPresent(ctx context.Context, f domain.PresentFilter) ([]domain.PresentGuest, int, error) {
	if _, err := guestWriter(ctx); err != nil {
		return nil, 0, err
	}
	sc, err := facilityScope(ctx)
	if err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 2000 {
		limit = 2000
	}
	search := ""
	if q := strings.TrimSpace(f.Search); q != "" {
		// LIKE's wildcards in the input are taken literally.
		search = "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(q)) + "%"
	}
	const where = `FROM stays s JOIN guests g ON g.id = s.guest_id JOIN facilities f ON f.id = s.facility_id
		WHERE s.exited_at IS NULL AND ($1 = '' OR f.province_code = $1) AND ($2 = '' OR f.gestore_id = $2)
		  AND ($3 = '' OR f.code = $3)
		  AND ($4 = '' OR LOWER(g.surname) LIKE $4 ESCAPE '\' OR LOWER(g.given_name) LIKE $4 ESCAPE '\'
		       OR LOWER(COALESCE(g.cui, '')) LIKE $4 ESCAPE '\')`
	args := []any{sc.province, sc.gestore, strings.ToUpper(strings.TrimSpace(f.Facility)), search}
	var total int
	var list []domain.PresentGuest
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) `+where, args...).Scan(&total); err != nil {
			return fmt.Errorf("store: count present guests: %w", err)
		}
		var err error
		list, err = queryAll(ctx, tx, "present guests", func(s scanner) (domain.PresentGuest, error) {
			var p domain.PresentGuest
			var arrival, stage sql.NullTime
			g := &p.Guest
			err := s.Scan(&g.ID, &g.CUI, &g.Surname, &g.GivenName, &g.Sex, &g.BirthDate, &g.BirthEstimated, &g.Nationality,
				&g.HouseholdID, &g.HouseholdRole, &g.MSNA, &arrival, &g.ArrivalChannel, &g.ArrivalPlace, &g.Stage, &stage,
				&g.CreatedAt, &p.StayID, &p.Facility, &p.EnteredAt)
			g.ArrivalDate, g.StageDate = timePtr(arrival), timePtr(stage)
			return p, err
		}, `SELECT `+guestColumns+`, s.id, f.code, s.entered_at `+where+`
			ORDER BY f.code, g.surname, g.id LIMIT `+strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(max(f.Offset, 0)), args...)
		if err != nil {
			return err
		}
		ids := make([]string, len(list))
		for i, p := range list {
			ids[i] = p.Guest.ID
		}
		return recordGuestReads(ctx, tx, ids, readPresent)
	})
	return list, total, err
}

// refreshStayFacts copies a guest's current details onto its stays, which
// carry them for the statistics; call it in the transaction that changes them.
func refreshStayFacts(ctx context.Context, tx *Tx, guestID string) error {
	_, err := tx.ExecContext(ctx, `
		UPDATE stays SET
			sex = (SELECT g.sex FROM guests g WHERE g.id = stays.guest_id),
			birth_date = (SELECT g.birth_date FROM guests g WHERE g.id = stays.guest_id),
			nationality = (SELECT g.nationality FROM guests g WHERE g.id = stays.guest_id),
			in_household = (SELECT g.household_id IS NOT NULL FROM guests g WHERE g.id = stays.guest_id),
			msna = (SELECT g.msna FROM guests g WHERE g.id = stays.guest_id),
			stage = (SELECT g.stage FROM guests g WHERE g.id = stays.guest_id),
			stage_date = (SELECT g.stage_date FROM guests g WHERE g.id = stays.guest_id)
		WHERE guest_id = $1`, guestID)
	if err != nil {
		return fmt.Errorf("store: refresh stay facts: %w", err)
	}
	// The guest's past days change in the figures of each province it stayed in.
	type since struct {
		province string
		from     time.Time
	}
	rows, err := queryAll(ctx, tx, "stay provinces", func(s scanner) (since, error) {
		var x since
		return x, s.Scan(&x.province, &x.from)
	}, `SELECT province_code, entered_at FROM stays WHERE guest_id = $1`, guestID) // (MIN() would lose SQLite's time type)
	if err != nil {
		return err
	}
	earliest := map[string]time.Time{}
	for _, r := range rows {
		if e, ok := earliest[r.province]; !ok || r.from.Before(e) {
			earliest[r.province] = r.from
		}
	}
	for p, from := range earliest {
		if err := dropCache(ctx, tx, p, from); err != nil {
			return err
		}
	}
	return nil
}

// RecordHouseholdEntry enters every member of a household without an open
// stay into one facility, all or nothing: a household is one unit for
// placement, so if one member cannot enter (capacity, an open stay
// elsewhere) none does. Every member must be in the caller's scope: a
// household with a member out of scope, or with none, is not found.
func (s *GuestService) RecordHouseholdEntry(ctx context.Context, householdID, facilityCode string, at time.Time, override string) ([]domain.Stay, error) {
	a, err := guestWriter(ctx)
	if err != nil {
		return nil, err
	}
	var out []domain.Stay
	err = s.db.InTx(ctx, func(tx *Tx) error {
		// The whole household is judged, not the part the caller can see: a
		// household with a member out of scope is not found.
		total, visible, err := householdMembers(ctx, tx, householdID)
		if err != nil {
			return err
		}
		if total == 0 || visible < total {
			return domain.Err(domain.ENOTFOUND, "err.household.not_found")
		}
		ids, err := queryAll(ctx, tx, "household", func(s scanner) (string, error) {
			var id string
			return id, s.Scan(&id)
		}, `SELECT g.id FROM guests g WHERE g.household_id = $1 ORDER BY g.household_role = 'head' DESC, g.id`, householdID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			st, err := enterTx(ctx, tx, a, id, facilityCode, at, override)
			if err != nil {
				if domain.ErrorCode(err) == domain.ECONFLICT {
					return domain.Err(domain.ECONFLICT, "err.household.cannot_enter", "Count", len(ids), "Reason", domain.SafeError(err))
				}
				return err
			}
			out = append(out, st)
		}
		return nil
	})
	if err == nil {
		s.db.changed(strings.ToUpper(facilityCode))
	}
	return out, err
}
