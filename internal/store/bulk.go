package store

import (
	"context"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// Seed is a batch of organisations and users written in one transaction by
// the demo loader (and, later, by importers of real registers).
type Seed struct {
	Gestori  []*domain.Gestore
	Services []*domain.Service
	Users    []SeedUser
	// Label, when set, is recorded as meta "demo" (e.g. the demo scale), so
	// that the server knows to show the demo accounts.
	Label string
}

// SeedUser is a user with an already-computed password hash.
type SeedUser struct {
	User         *domain.User
	PasswordHash string
	// OfficeSigla, GestoreIndex and ServiceIndex resolve the scope after the
	// organisations above get their ids (-1: none).
	OfficeSigla  string
	GestoreIndex int
	ServiceIndex int
}

// LoadSeed writes the seed into an empty database, all or nothing. It refuses
// (ECONFLICT) a database that already has organisations or users.
func (db *DB) LoadSeed(ctx context.Context, s Seed) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx,
			`SELECT (SELECT COUNT(*) FROM gestori) + (SELECT COUNT(*) FROM services) + (SELECT COUNT(*) FROM users)`).
			Scan(&n); err != nil {
			return fmt.Errorf("store: load seed: %w", err)
		}
		if n > 0 {
			return domain.Errorf(domain.ECONFLICT, "Il database contiene già dati: i dati dimostrativi si caricano solo in un database vuoto.")
		}
		for _, g := range s.Gestori {
			if err := g.Validate(); err != nil {
				return err
			}
			if err := insertGestore(ctx, tx, g); err != nil {
				return err
			}
		}
		for _, sv := range s.Services {
			if err := insertService(ctx, tx, sv); err != nil {
				return err
			}
		}
		offices := map[string]string{}
		rows, err := tx.QueryContext(ctx, `SELECT sigla, id FROM offices`)
		if err != nil {
			return fmt.Errorf("store: load seed: %w", err)
		}
		for rows.Next() {
			var sigla, id string
			if err := rows.Scan(&sigla, &id); err != nil {
				rows.Close()
				return fmt.Errorf("store: load seed: %w", err)
			}
			offices[sigla] = id
		}
		rows.Close()
		for _, su := range s.Users {
			u := su.User
			u.OfficeID = offices[su.OfficeSigla]
			if su.GestoreIndex >= 0 {
				u.GestoreID = s.Gestori[su.GestoreIndex].ID
			}
			if su.ServiceIndex >= 0 {
				u.ServiceID = s.Services[su.ServiceIndex].ID
			}
			if err := u.Validate(); err != nil {
				return fmt.Errorf("store: seed user %s: %w", u.Email, err)
			}
			if err := insertUser(ctx, tx, u, su.PasswordHash); err != nil {
				return err
			}
		}
		if s.Label != "" {
			if err := setMeta(ctx, tx, "demo", s.Label); err != nil {
				return err
			}
		}
		// One row for the batch: the rows themselves carry their creation time.
		return tx.audit(ctx, "seed.load", "seed", s.Label, fmt.Sprintf("%d enti gestori, %d servizi, %d utenti",
			len(s.Gestori), len(s.Services), len(s.Users)))
	})
}
