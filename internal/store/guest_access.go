package store

import (
	"context"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// What a read of guests shows, recorded with each access.
const (
	readRecord          = "record"          // one guest's record
	readStays           = "stays"           // one guest's stays
	readVulnerabilities = "vulnerabilities" // one guest's art. 17 vulnerabilities
	readSearch          = "search"          // a search's results
	readPresent         = "present"         // a list of present guests
	readPresence        = "presence_list"   // a presence list's reconciliation
)

// GuestAccesses implements domain.GuestService: who read the guest's record,
// newest first. The coordinator and the administrator read any guest's; a
// prefecture those of guests in its scope; nobody else.
func (s *GuestService) GuestAccesses(ctx context.Context, guestID string, limit int) ([]domain.GuestAccess, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return nil, domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	switch {
	case a.System != "" || a.Role == domain.RoleAdmin || a.Role == domain.RoleCoordinator:
	case a.Role == domain.RolePrefecture:
	default:
		return nil, domain.Err(domain.EFORBIDDEN, "err.perm.guest_accesses")
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var out []domain.GuestAccess
	err := s.db.ReadTx(ctx, func(tx *Tx) error {
		if a.Role != domain.RoleAdmin {
			if _, err := findGuestTx(ctx, tx, guestID); err != nil {
				return err
			}
		} else if n, err := countGuest(ctx, tx, guestID); err != nil || n == 0 {
			if err == nil {
				err = domain.Err(domain.ENOTFOUND, "err.guest.not_found")
			}
			return err
		}
		var err error
		out, err = queryAll(ctx, tx, "guest accesses", func(s scanner) (domain.GuestAccess, error) {
			var x domain.GuestAccess
			err := s.Scan(&x.Actor, &x.At, &x.Role, &x.What, &x.Purpose)
			x.At = x.At.UTC()
			return x, err
		}, `SELECT COALESCE(u.email, ga.actor), ga.at, ga.role, ga.what, ga.purpose
			FROM guest_accesses ga LEFT JOIN users u ON u.id = ga.actor
			WHERE ga.guest_id = $1 ORDER BY ga.at DESC, ga.id DESC LIMIT `+fmt.Sprint(limit), guestID)
		return err
	})
	return out, err
}

func countGuest(ctx context.Context, tx *Tx, id string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM guests WHERE id = $1`, id).Scan(&n)
	return n, err
}
