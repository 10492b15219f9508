package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// Seed is a batch of organisations and users written in one transaction by
// the demo loader (and, later, by importers of real registers).
type Seed struct {
	Gestori    []*domain.Gestore
	Services   []*domain.Service
	Users      []SeedUser
	Facilities []SeedFacility
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

// SeedFacility is a facility with its managing entity by index; Code and
// ProvinceCode must be set (the generator numbers them).
type SeedFacility struct {
	Facility     *domain.Facility
	GestoreIndex int
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
			return domain.Err(domain.ECONFLICT, "err.seed.not_empty")
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
		rows, err := tx.QueryContext(ctx, `SELECT sigla, id FROM offices UNION ALL SELECT province_code, id FROM offices`)
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
		if err := seedFacilities(ctx, tx, s, offices); err != nil {
			return err
		}
		// One row for the batch: the rows themselves carry their creation time.
		return tx.audit(ctx, "seed.load", "seed", s.Label, "Gestori", len(s.Gestori), "Services", len(s.Services),
			"Users", len(s.Users), "Facilities", len(s.Facilities))
	})
}

func seedFacilities(ctx context.Context, tx *Tx, s Seed, offices map[string]string) error {
	if len(s.Facilities) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `
		INSERT INTO facilities (id, code, name, type, target, gestore_id, office_id, province_code, comune_code, address,
			lat, lon, cig, contract_start, contract_end, price_cents, capacity_contracted, capacity_active, features,
			status, contact_name, contact_phone, contact_email, occupied, confirmed_at, confirmed_by, version,
			created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
			$23, $24, $25, $26, 1, $27, $27)`)
	if err != nil {
		return fmt.Errorf("store: seed facilities: %w", err)
	}
	defer stmt.Close()
	for _, sf := range s.Facilities {
		f := sf.Facility
		f.GestoreID = s.Gestori[sf.GestoreIndex].ID
		if err := f.Validate(); err != nil {
			return fmt.Errorf("store: seed facility %s: %w", f.Code, err)
		}
		f.ID, f.Version = newID(), 1
		if _, err := stmt.ExecContext(ctx, f.ID, f.Code, f.Name, f.Type, f.Target, f.GestoreID,
			offices[f.ProvinceCode], f.ProvinceCode, f.ComuneCode, f.Address, f.Lat, f.Lon, f.CIG, f.ContractFrom,
			f.ContractTo, f.PriceCents, f.Contracted, f.Active, strings.Join(f.Features, ","), f.Status,
			f.ContactName, f.ContactPhone, f.ContactEmail, f.Occupied, f.ConfirmedAt, f.ConfirmedBy, tx.now); err != nil {
			return fmt.Errorf("store: seed facility %s: %w", f.Code, err)
		}
	}
	return nil
}
