package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// nullable turns "" into SQL NULL for optional references.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const officeColumns = `id, kind, province_code, sigla, name, coordinator, email, created_at`

func scanOffice(s scanner) (domain.Office, error) {
	var o domain.Office
	err := s.Scan(&o.ID, &o.Kind, &o.ProvinceCode, &o.Sigla, &o.Name, &o.Coordinator, &o.Email, &o.CreatedAt)
	return o, err
}

// ListOffices implements domain.OrgService.
func (s *OrgService) ListOffices(ctx context.Context) ([]domain.Office, error) {
	return queryAll(ctx, s.db.read, "list offices", scanOffice, `SELECT `+officeColumns+` FROM offices ORDER BY province_code`)
}

// FindOfficeBySigla implements domain.OrgService.
func (s *OrgService) FindOfficeBySigla(ctx context.Context, sigla string) (domain.Office, error) {
	o, err := scanOffice(s.db.read.QueryRowContext(ctx,
		`SELECT `+officeColumns+` FROM offices WHERE sigla = $1`, strings.ToUpper(sigla)))
	if errors.Is(err, sql.ErrNoRows) {
		return o, domain.Err(domain.ENOTFOUND, "err.office.not_found", "Sigla", sigla)
	}
	if err != nil {
		return o, fmt.Errorf("store: find office %s: %w", sigla, err)
	}
	return o, nil
}

// ListGestori implements domain.OrgService: the managing entities in the
// caller's scope (an operator sees its own; a service, those of its province).
func (s *OrgService) ListGestori(ctx context.Context, f domain.OrgFilter) ([]domain.Gestore, error) {
	sc, err := orgScope(ctx)
	if err != nil {
		return nil, err
	}
	out, err := queryAll(ctx, s.db.read, "list gestori", func(s scanner) (domain.Gestore, error) {
		var g domain.Gestore
		err := s.Scan(&g.ID, &g.Name, &g.TaxCode, &g.ProvinceCode, &g.Email, &g.Phone, &g.CreatedAt)
		return g, err
	}, `
		SELECT id, name, tax_code, province_code, email, phone, created_at
		FROM gestori
		WHERE ($1 = '' OR province_code = $1)
		  AND ($2 = '' OR province_code = $2)
		  AND ($3 = '' OR id = $3)
		  AND ($4 = '' OR province_code = (SELECT province_code FROM services WHERE id = $4))
		ORDER BY id`, f.ProvinceCode, sc.province, sc.gestore, sc.service)
	if err != nil {
		return nil, err
	}
	sortByName(out, func(g domain.Gestore) string { return g.Name })
	return limit(out, f.Limit), nil
}

// ListServices implements domain.OrgService: the territorial services in
// the caller's scope (an operator sees those of its entity's province; a
// service user, its own).
func (s *OrgService) ListServices(ctx context.Context, f domain.OrgFilter) ([]domain.Service, error) {
	sc, err := orgScope(ctx)
	if err != nil {
		return nil, err
	}
	out, err := queryAll(ctx, s.db.read, "list services", func(s scanner) (domain.Service, error) {
		var v domain.Service
		err := s.Scan(&v.ID, &v.Name, &v.Kind, &v.ProvinceCode, &v.Email, &v.CreatedAt)
		return v, err
	}, `
		SELECT id, name, kind, province_code, email, created_at
		FROM services
		WHERE ($1 = '' OR province_code = $1)
		  AND ($2 = '' OR province_code = $2)
		  AND ($3 = '' OR province_code = (SELECT province_code FROM gestori WHERE id = $3))
		  AND ($4 = '' OR id = $4)
		ORDER BY province_code, id`, f.ProvinceCode, sc.province, sc.gestore, sc.service)
	if err != nil {
		return nil, err
	}
	sortByName(out, func(s domain.Service) string { return s.ProvinceCode + " " + s.Name })
	return limit(out, f.Limit), nil
}

func limit[T any](items []T, n int) []T {
	if n > 0 && len(items) > n {
		return items[:n]
	}
	return items
}

// CreateGestore implements domain.OrgService.
func (s *OrgService) CreateGestore(ctx context.Context, g *domain.Gestore) error {
	if err := g.Validate(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if err := insertGestore(ctx, tx, g); err != nil {
			return err
		}
		return tx.audit(ctx, "gestore.create", "gestore", g.ID, "Name", g.Name, "TaxCode", g.TaxCode, "Province", g.ProvinceCode)
	})
}

func insertGestore(ctx context.Context, tx *Tx, g *domain.Gestore) error {
	g.ID, g.CreatedAt = newID(), tx.now
	_, err := tx.ExecContext(ctx, `
		INSERT INTO gestori (id, name, tax_code, province_code, email, phone, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		g.ID, g.Name, g.TaxCode, g.ProvinceCode, g.Email, g.Phone, g.CreatedAt)
	if tx.db.dialect.uniqueViolation(err) {
		return domain.Err(domain.ECONFLICT, "err.gestore.tax_code_taken", "TaxCode", g.TaxCode)
	}
	if err != nil {
		return fmt.Errorf("store: create gestore: %w", err)
	}
	return nil
}

// CreateService implements domain.OrgService.
func (s *OrgService) CreateService(ctx context.Context, sv *domain.Service) error {
	if strings.TrimSpace(sv.Name) == "" || !sv.Kind.Valid() || sv.ProvinceCode == "" {
		return domain.Err(domain.EINVALID, "err.service.invalid")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if err := insertService(ctx, tx, sv); err != nil {
			return err
		}
		return tx.audit(ctx, "service.create", "service", sv.ID, "Name", sv.Name, "Kind", string(sv.Kind), "Province", sv.ProvinceCode)
	})
}

func insertService(ctx context.Context, tx *Tx, s *domain.Service) error {
	s.ID, s.CreatedAt = newID(), tx.now
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO services (id, name, kind, province_code, email, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		s.ID, s.Name, s.Kind, s.ProvinceCode, s.Email, s.CreatedAt); err != nil {
		return fmt.Errorf("store: create service: %w", err)
	}
	return nil
}

// OrgCounts returns how many gestori, services and users exist.
func (s *OrgService) OrgCounts(ctx context.Context) (gestori, services, users int, err error) {
	err = s.db.read.QueryRowContext(ctx, `
		SELECT (SELECT COUNT(*) FROM gestori), (SELECT COUNT(*) FROM services), (SELECT COUNT(*) FROM users)`).
		Scan(&gestori, &services, &users)
	if err != nil {
		err = fmt.Errorf("store: count organisations: %w", err)
	}
	return
}
