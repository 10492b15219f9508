package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// presenceKey matches a person without CUI: folded name, birth date and
// nationality.
func presenceKey(surname, given string, birth time.Time, nationality string) string {
	return SearchKey(surname+given) + "|" + birth.UTC().Format("2006-01-02") + "|" + nationality
}

type presentPerson struct {
	domain.Guest
	stayID, facility string
	entered          time.Time
}

// PlanPresence compares a presence list with the open stays of the
// facilities it names (rows without a facility belong to the given one):
// new people, people missing from the list, changed details, and possible
// duplicates anywhere in the registry by CUI or by name, birth date and
// nationality. The plan is stored for confirmation; nothing else changes.
// The duplicate check looks beyond the caller's scope but says only that a
// match exists, never whose or where.
func (s *PresenceService) PlanPresence(ctx context.Context, facility string, rows []domain.PresenceRow, errs []domain.CellError) (domain.PresencePlan, error) {
	a, err := guestWriter(ctx)
	if err != nil {
		return domain.PresencePlan{}, err
	}
	sc, err := facilityScope(ctx)
	if err != nil {
		return domain.PresencePlan{}, err
	}
	facility = strings.ToUpper(strings.TrimSpace(facility))
	codes := map[string]bool{}
	for i := range rows {
		if rows[i].Facility == "" {
			rows[i].Facility = facility
		}
		if rows[i].Facility == "" {
			errs = append(errs, domain.CellError{Line: rows[i].Line, Column: "facility", MsgID: "err.presence.facility_missing"})
			continue
		}
		codes[rows[i].Facility] = true
	}
	plan := domain.PresencePlan{ID: newID(), Errors: errs, CreatedAt: s.db.Now()}
	for c := range codes {
		plan.Facilities = append(plan.Facilities, c)
	}
	sort.Strings(plan.Facilities)
	// Each facility must be one the caller may write to; out of scope is not found.
	for _, c := range plan.Facilities {
		var n int
		if err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM facilities WHERE code = $1 AND ($2 = '' OR province_code = $2)
			AND ($3 = '' OR gestore_id = $3)`, c, sc.province, sc.gestore).Scan(&n); err != nil {
			return plan, fmt.Errorf("store: presence scope: %w", err)
		}
		if n == 0 {
			return plan, domain.Err(domain.ENOTFOUND, "err.presence.facility_scope", "Code", c)
		}
	}
	present, err := s.db.presentIn(ctx, plan.Facilities)
	if err != nil {
		return plan, err
	}
	byCUI, byKey := map[string]*presentPerson{}, map[string]*presentPerson{}
	for i := range present {
		p := &present[i]
		if p.CUI != "" {
			byCUI[p.CUI] = p
		}
		byKey[presenceKey(p.Surname, p.GivenName, p.BirthDate, p.Nationality)] = p
	}
	seen := map[string]bool{}
	var unmatched []domain.PresenceRow
	for _, r := range rows {
		if r.Facility == "" {
			continue
		}
		p := byCUI[r.CUI]
		if r.CUI == "" || p == nil {
			p = byKey[presenceKey(r.Surname, r.GivenName, r.BirthDate, r.Nationality)]
			if p != nil && r.CUI != "" && p.CUI != "" && p.CUI != r.CUI {
				p = nil // same name and birth, different CUI: another person
			}
		}
		if p == nil || seen[p.ID] {
			unmatched = append(unmatched, r)
			continue
		}
		seen[p.ID] = true
		if fields := presenceDiff(p, r); len(fields) > 0 {
			plan.Changed = append(plan.Changed, domain.PresenceChange{Row: r, GuestID: p.ID, Name: p.Surname + " " + p.GivenName, Fields: fields})
		} else {
			plan.Unchanged++
		}
	}
	dups, err := s.db.possibleDuplicates(ctx, unmatched)
	if err != nil {
		return plan, err
	}
	for _, r := range unmatched {
		plan.New = append(plan.New, domain.PresenceNew{Row: r, Duplicate: dups[r.Line]})
	}
	for _, p := range present {
		if !seen[p.ID] {
			plan.Missing = append(plan.Missing, domain.PresenceMissing{GuestID: p.ID, StayID: p.stayID, Facility: p.facility,
				Name: p.Surname + " " + p.GivenName, EnteredAt: p.entered})
		}
	}
	b, err := json.Marshal(plan)
	if err != nil {
		return plan, err
	}
	// The preview shows the people present: the plan is saved with their
	// access rows, or not shown at all.
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO imports (id, user_id, kind, plan, created_at) VALUES ($1, $2, 'presence', $3, $4)`,
			plan.ID, a.Label(), string(b), tx.now); err != nil {
			return fmt.Errorf("store: save presence plan: %w", err)
		}
		ids := make([]string, len(present))
		for i, p := range present {
			ids[i] = p.ID
		}
		return recordGuestReads(ctx, tx, ids, readPresence)
	})
	if err != nil {
		return plan, err
	}
	return plan, nil
}

// presentIn reads the people with an open stay in the facilities.
func (db *DB) presentIn(ctx context.Context, codes []string) ([]presentPerson, error) {
	var out []presentPerson
	for _, c := range codes {
		ps, err := queryAll(ctx, db.read, "presence registry", func(s scanner) (presentPerson, error) {
			var p presentPerson
			var arrival, stage sql.NullTime
			g := &p.Guest
			err := s.Scan(&g.ID, &g.CUI, &g.Surname, &g.GivenName, &g.Sex, &g.BirthDate, &g.BirthEstimated, &g.Nationality,
				&g.HouseholdID, &g.HouseholdRole, &g.MSNA, &arrival, &g.ArrivalChannel, &g.ArrivalPlace, &g.Stage, &stage,
				&g.CreatedAt, &p.stayID, &p.facility, &p.entered)
			g.ArrivalDate, g.StageDate = timePtr(arrival), timePtr(stage)
			return p, err
		}, `SELECT `+guestColumns+`, s.id, f.code, s.entered_at
			FROM facilities f JOIN stays s ON s.facility_id = f.id AND s.exited_at IS NULL JOIN guests g ON g.id = s.guest_id
			WHERE f.code = $1 ORDER BY g.surname, g.id`, c)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

func presenceDiff(p *presentPerson, r domain.PresenceRow) map[string][2]string {
	f := map[string][2]string{}
	if r.CUI != "" && r.CUI != p.CUI {
		f["cui"] = [2]string{p.CUI, r.CUI}
	}
	if r.Sex != "" && r.Sex != p.Sex {
		f["sex"] = [2]string{p.Sex, r.Sex}
	}
	if !r.BirthDate.IsZero() && !r.BirthDate.Equal(p.BirthDate.UTC()) {
		f["birth_date"] = [2]string{p.BirthDate.Format("02/01/2006"), r.BirthDate.Format("02/01/2006")}
	}
	if r.Nationality != "" && r.Nationality != p.Nationality {
		f["nationality"] = [2]string{p.Nationality, r.Nationality}
	}
	if r.Surname != p.Surname || r.GivenName != p.GivenName {
		f["name"] = [2]string{p.Surname + " " + p.GivenName, r.Surname + " " + r.GivenName}
	}
	return f
}

// possibleDuplicates finds, for rows not matched in their facility, guests
// anywhere in the registry with the same CUI, or the same folded name, birth
// date and nationality. Batched: a 20,000-row list costs a few dozen queries.
func (db *DB) possibleDuplicates(ctx context.Context, rows []domain.PresenceRow) (map[int]string, error) {
	out := map[int]string{}
	var cuis []any
	byCUI := map[string][]int{}
	type ident struct {
		nat   string
		birth time.Time
	}
	byIdent := map[ident][]domain.PresenceRow{}
	for _, r := range rows {
		if r.CUI != "" {
			cuis = append(cuis, r.CUI)
			byCUI[r.CUI] = append(byCUI[r.CUI], r.Line)
		}
		if !r.BirthDate.IsZero() && r.Nationality != "" {
			k := ident{r.Nationality, r.BirthDate.UTC()}
			byIdent[k] = append(byIdent[k], r)
		}
	}
	const chunk = 400
	for i := 0; i < len(cuis); i += chunk {
		part := cuis[i:min(i+chunk, len(cuis))]
		found, err := queryAll(ctx, db.read, "duplicates by cui", func(s scanner) (string, error) {
			var c string
			return c, s.Scan(&c)
		}, `SELECT cui FROM guests WHERE cui IN (`+placeholders(1, len(part))+`)`, part...)
		if err != nil {
			return nil, err
		}
		for _, c := range found {
			for _, line := range byCUI[c] {
				out[line] = "presence.duplicate.cui"
			}
		}
	}
	idents := make([]ident, 0, len(byIdent))
	for k := range byIdent {
		idents = append(idents, k)
	}
	const pairChunk = 200
	for i := 0; i < len(idents); i += pairChunk {
		part := idents[i:min(i+pairChunk, len(idents))]
		var conds []string
		var args []any
		for _, k := range part {
			conds = append(conds, fmt.Sprintf("(nationality = $%d AND birth_date = $%d)", len(args)+1, len(args)+2))
			args = append(args, k.nat, k.birth)
		}
		found, err := queryAll(ctx, db.read, "duplicates by identity", func(s scanner) ([3]any, error) {
			var nat, key string
			var birth time.Time
			err := s.Scan(&nat, &birth, &key)
			return [3]any{nat, birth.UTC(), key}, err
		}, `SELECT nationality, birth_date, search_key FROM guests WHERE `+strings.Join(conds, " OR "), args...)
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			for _, r := range byIdent[ident{f[0].(string), f[1].(time.Time)}] {
				if _, done := out[r.Line]; !done && SearchKey(r.Surname+r.GivenName) == f[2].(string) {
					out[r.Line] = "presence.duplicate.identity"
				}
			}
		}
	}
	return out, nil
}

func placeholders(from, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(ps, ", ")
}

// ApplyPresence applies what the operator confirmed from a plan, in one
// transaction with an audit row per change: new people registered and
// entered, details corrected, stays closed with their reasons. The plan must
// be the caller's, unapplied and recent; each change is re-checked against
// the registry as it is now (a stay closed meanwhile is a conflict, and
// nothing is applied).
func (s *PresenceService) ApplyPresence(ctx context.Context, planID string, c domain.PresenceChoice) (map[string]int, error) {
	a, err := guestWriter(ctx)
	if err != nil {
		return nil, err
	}
	done := map[string]int{}
	var touched []string
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var raw, owner string
		var created time.Time
		var applied sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT plan, user_id, created_at, applied_at FROM imports WHERE id = $1 AND kind = 'presence'`,
			planID).Scan(&raw, &owner, &created, &applied)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != a.Label()) {
			return domain.Err(domain.ENOTFOUND, "err.presence.not_found")
		}
		if err != nil {
			return fmt.Errorf("store: presence plan: %w", err)
		}
		if applied.Valid {
			return domain.Err(domain.ECONFLICT, "err.presence.applied")
		}
		if tx.now.Sub(created) > importTTL {
			return domain.Err(domain.ECONFLICT, "err.presence.expired")
		}
		var plan domain.PresencePlan
		if err := json.Unmarshal([]byte(raw), &plan); err != nil {
			return err
		}
		at := c.ExitAt
		if at.IsZero() {
			at = tx.now
		}
		for _, n := range plan.New {
			if !slices.Contains(c.New, n.Row.Line) {
				continue
			}
			if n.Duplicate != "" {
				return domain.Err(domain.ECONFLICT, "err.row", "Line", n.Row.Line, "Reason", domain.Label(n.Duplicate))
			}
			r := n.Row
			g := &domain.Guest{ID: newID(), CUI: r.CUI, Surname: r.Surname, GivenName: r.GivenName, Sex: r.Sex,
				BirthDate: r.BirthDate, BirthEstimated: r.BirthEstimated, Nationality: r.Nationality,
				Stage: domain.StageToFormalise}
			if r.Household != "" {
				g.HouseholdID, g.HouseholdRole = "lista-"+r.Facility+"-"+r.Household, "other"
			}
			if err := g.Validate(); err != nil {
				return domain.Err(domain.EINVALID, "err.row", "Line", r.Line, "Reason", domain.SafeError(err))
			}
			if err := insertGuest(ctx, tx, g, a); err != nil {
				return fmt.Errorf("store: row %d: %w", r.Line, err)
			}
			entered := r.EnteredAt
			if entered.IsZero() {
				entered = tx.now
			}
			if _, err := enterTx(ctx, tx, a, g.ID, r.Facility, entered, ""); err != nil {
				return fmt.Errorf("store: row %d: %w", r.Line, err)
			}
			touched = append(touched, r.Facility)
			done["new"]++
		}
		for _, ch := range plan.Changed {
			if !slices.Contains(c.Changed, ch.Row.Line) {
				continue
			}
			r := ch.Row
			var cui any
			if r.CUI != "" {
				cui = r.CUI
			}
			res, err := tx.ExecContext(ctx, `UPDATE guests SET cui = COALESCE($1, cui), surname = $2, given_name = $3,
				search_key = $4, sex = $5, birth_date = $6, birth_estimated = $7, nationality = $8, updated_at = $9
				WHERE id = $10`, cui, r.Surname, r.GivenName, SearchKey(r.Surname+r.GivenName), r.Sex, r.BirthDate.UTC(),
				r.BirthEstimated, r.Nationality, tx.now, ch.GuestID)
			if tx.db.dialect.uniqueViolation(err) {
				return domain.Err(domain.ECONFLICT, "err.presence.cui_taken", "Line", r.Line)
			}
			if err != nil {
				return fmt.Errorf("store: presence change: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return domain.Err(domain.ECONFLICT, "err.presence.gone", "Line", r.Line)
			}
			if err := refreshStayFacts(ctx, tx, ch.GuestID); err != nil {
				return err
			}
			fields := make([]string, 0, len(ch.Fields))
			for f := range ch.Fields {
				fields = append(fields, f)
			}
			sort.Strings(fields)
			if err := tx.audit(ctx, "guest.presence_update", "guest", ch.GuestID, "Fields", strings.Join(fields, ", ")); err != nil {
				return err
			}
			done["changed"]++
		}
		for _, m := range plan.Missing {
			reason, ok := c.Exits[m.StayID]
			if !ok {
				continue
			}
			if err := exitTx(ctx, tx, a, m.StayID, at, reason); err != nil {
				return err
			}
			touched = append(touched, m.Facility)
			done["exits"]++
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET applied_at = $1 WHERE id = $2`, tx.now, planID); err != nil {
			return err
		}
		return tx.audit(ctx, "presence.apply", "import", planID, "New", done["new"], "Changed", done["changed"], "Exits", done["exits"])
	})
	if err == nil {
		for _, f := range touched {
			s.db.changed(f)
		}
		s.db.today.invalidate("") // corrected details change today's figures too
	}
	return done, err
}
