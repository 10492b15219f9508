package store

import (
	"context"
	"fmt"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// scope is the caller as every query sees it: who it is, what it may do, and
// the part of the region it reaches. Each use case builds it once, from the
// actor in the context, and puts its limits into the SQL, so that a row out
// of scope is never read (it looks "not found"). Empty limits mean none.
type scope struct {
	a      domain.Actor
	system bool // a background job or command: no limits

	province string // a province-bound caller (prefecture, provincial viewer; for plans also the coordinator's office)
	gestore  string // an operator's managing entity
	service  string // a territorial service's user
}

// scopeOf is the scope of the caller in ctx; an anonymous caller is refused.
func scopeOf(ctx context.Context) (scope, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return scope{}, domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	if a.System != "" {
		return scope{a: a, system: true}, nil
	}
	sc := scope{a: a}
	if !a.RegionWide() { // the coordinator's office is Bologna's, its scope the region
		sc.province = a.ProvinceCode
	}
	switch a.Role {
	case domain.RoleOperator:
		sc.gestore = a.GestoreID
	case domain.RoleService:
		sc.service = a.ServiceID
	}
	return sc, nil
}

// can reports whether the caller holds p (the system holds every permission).
func (sc scope) can(p domain.Permission) bool { return sc.system || domain.Can(sc.a, p) }

// need refuses a caller without p with msgID.
func (sc scope) need(p domain.Permission, msgID string) error {
	if !sc.can(p) {
		return domain.Err(domain.EFORBIDDEN, msgID)
	}
	return nil
}

// scopeWith is scopeOf followed by need(p, msgID).
func scopeWith(ctx context.Context, p domain.Permission, msgID string) (scope, error) {
	sc, err := scopeOf(ctx)
	if err == nil {
		err = sc.need(p, msgID)
	}
	return sc, err
}

// Facilities. Every caller with facility:read reads the region's facilities
// (the board is the point), an operator only its entity's; writes are held to
// the caller's province (a prefecture) or entity (an operator).

// facilityScope is the caller's scope for facilities (facility:read).
func facilityScope(ctx context.Context) (scope, error) {
	return scopeWith(ctx, domain.PermFacilityRead, "err.perm.facility_read")
}

// Guests. Region-wide readers read every guest; a prefecture the guests with a
// stay in its province; an operator those with an open stay in its entity's
// facilities; anyone the guests they registered themselves.

// guestCond is the SQL condition (alias g) for the guests the caller may
// read, its arguments numbered from $n.
func (sc scope) guestCond(n int) (string, []any, error) {
	if sc.system || (sc.can(domain.PermGuestRead) && sc.a.RegionWide()) {
		return "1 = 1", nil, nil
	}
	if err := sc.need(domain.PermGuestRead, "err.perm.guest_read"); err != nil {
		return "", nil, err
	}
	if sc.gestore != "" {
		return fmt.Sprintf(`(g.created_by = $%d OR EXISTS (SELECT 1 FROM stays s JOIN facilities f ON f.id = s.facility_id
			WHERE s.guest_id = g.id AND s.exited_at IS NULL AND f.gestore_id = $%d))`, n, n+1), []any{sc.a.Label(), sc.gestore}, nil
	}
	return fmt.Sprintf(`(g.created_by = $%d OR EXISTS (SELECT 1 FROM stays s JOIN facilities f ON f.id = s.facility_id
		WHERE s.guest_id = g.id AND f.province_code = $%d))`, n, n+1), []any{sc.a.Label(), sc.province}, nil
}

// guestScope is guestCond for the caller in ctx.
func guestScope(ctx context.Context, n int) (string, []any, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return "", nil, err
	}
	return sc.guestCond(n)
}

// Plans. The coordinator runs them (plan:run) and sees every province's
// units; a prefecture places its province's share (plan:place).

// planScope is the caller's scope for plans; the coordinator's province is
// its office's (the region's coordinating prefecture places a share too).
func (db *DB) planScope(ctx context.Context) (scope, error) {
	sc, err := scopeOf(ctx)
	if err != nil || sc.system {
		return sc, err
	}
	if !sc.can(domain.PermPlanRun) && !sc.can(domain.PermPlanPlace) {
		return sc, domain.Err(domain.EFORBIDDEN, "err.perm.plan_read")
	}
	if sc.province == "" && sc.a.OfficeID != "" {
		if err := db.read.QueryRowContext(ctx, `SELECT province_code FROM offices WHERE id = $1`, sc.a.OfficeID).
			Scan(&sc.province); err != nil {
			return sc, db.classify(fmt.Errorf("store: office province: %w", err))
		}
	}
	return sc, nil
}

// runScope is planScope for the coordinator's operations.
func (db *DB) runScope(ctx context.Context) (scope, error) {
	sc, err := db.planScope(ctx)
	if err == nil {
		err = sc.needRun()
	}
	return sc, err
}

func (sc scope) needRun() error { return sc.need(domain.PermPlanRun, "err.perm.coordinator") }

// needPlace returns the province whose share the caller places.
func (sc scope) needPlace() (string, error) {
	if !sc.can(domain.PermPlanPlace) || sc.province == "" {
		return "", domain.Err(domain.EFORBIDDEN, "err.perm.plan_province")
	}
	return sc.province, nil
}

// seesAllUnits reports whether the caller reads every province's units.
func (sc scope) seesAllUnits() bool { return sc.can(domain.PermPlanRun) }

// Organisations: a province-bound caller its province's, an operator its own
// entity, a service user its own service.

func orgScope(ctx context.Context) (scope, error) {
	return scopeWith(ctx, domain.PermOrgRead, "err.perm.org_read")
}

// Cases: the coordinator reads every case; prefecture staff their
// province's, and those under a live break-glass grant of theirs.

// caseActor is the caller of a case use case holding perm; case errors have
// their own words (a refused caller is told no more than that).
func caseActor(ctx context.Context, perm domain.Permission) (domain.Actor, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return sc.a, domain.Err(domain.EUNAUTHORIZED, "err.case.auth_required")
	}
	return sc.a, sc.need(perm, "err.case.forbidden")
}

// caseScope is the SQL condition (alias c) for the cases a may read, its
// arguments numbered from $n; without case:read, "not found".
func caseScope(a domain.Actor, now time.Time, n int) (string, []any, error) {
	sc := scope{a: a, system: a.System != ""}
	if !sc.system && !a.RegionWide() {
		sc.province = a.ProvinceCode
	}
	return sc.caseCond(now, n)
}

func (sc scope) caseCond(now time.Time, n int) (string, []any, error) {
	if sc.system {
		return "1 = 1", nil, nil
	}
	if !sc.can(domain.PermCaseRead) {
		return "", nil, domain.Err(domain.ENOTFOUND, "err.case.not_found")
	}
	if sc.a.RegionWide() {
		return "1 = 1", nil, nil
	}
	return fmt.Sprintf(`(c.province_code = $%d OR EXISTS (SELECT 1 FROM case_grants gr
		WHERE gr.case_id = c.id AND gr.user_id = $%d AND gr.expires_at > $%d))`, n, n+1, n+2),
		[]any{sc.province, sc.a.UserID, now}, nil
}
