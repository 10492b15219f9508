package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/google/uuid"
)

// TerritoryData is what SyncTerritory writes: the parsed reference data.
type TerritoryData struct {
	Region           domain.Region
	Provinces        []domain.Province
	Comuni           []domain.Comune
	PopulationSource string
}

// SyncTerritory upserts the region, provinces and comuni (so that a newer
// population file replaces the residents) and makes sure each province has its
// prefecture, Bologna's being the regional coordinator. It is idempotent and
// runs at every start-up, in one transaction, and writes (and audits) only
// what changed: unchanged rows are skipped by the upserts' WHERE clauses.
func (s *TerritoryService) SyncTerritory(ctx context.Context, d TerritoryData) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		changed := func(res sql.Result, err error) (int64, error) {
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		}
		var provinces, comuni, offices int64
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO regions (code, name) VALUES ($1, $2)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name WHERE regions.name <> excluded.name`,
			d.Region.Code, d.Region.Name); err != nil {
			return fmt.Errorf("store: sync region: %w", err)
		}
		for _, p := range d.Provinces {
			n, err := changed(tx.ExecContext(ctx, `
				INSERT INTO provinces (code, region_code, uts_code, sigla, name, nuts3, residents, comuni)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (code) DO UPDATE SET region_code = excluded.region_code, uts_code = excluded.uts_code,
					sigla = excluded.sigla, name = excluded.name, nuts3 = excluded.nuts3,
					residents = excluded.residents, comuni = excluded.comuni
				WHERE provinces.region_code <> excluded.region_code OR provinces.uts_code <> excluded.uts_code
				   OR provinces.sigla <> excluded.sigla OR provinces.name <> excluded.name
				   OR provinces.nuts3 <> excluded.nuts3 OR provinces.residents <> excluded.residents
				   OR provinces.comuni <> excluded.comuni`,
				p.Code, d.Region.Code, p.UTSCode, p.Sigla, p.Name, p.NUTS3, p.Residents, p.Comuni))
			if err != nil {
				return fmt.Errorf("store: sync province %s: %w", p.Code, err)
			}
			provinces += n
		}
		stmt, err := tx.PrepareContext(ctx, `
			INSERT INTO comuni (code, name, cadastral_code, province_code, residents, capital)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, cadastral_code = excluded.cadastral_code,
				province_code = excluded.province_code, residents = excluded.residents, capital = excluded.capital
			WHERE comuni.name <> excluded.name OR comuni.cadastral_code <> excluded.cadastral_code
			   OR comuni.province_code <> excluded.province_code OR comuni.residents <> excluded.residents
			   OR comuni.capital <> excluded.capital`)
		if err != nil {
			return fmt.Errorf("store: sync comuni: %w", err)
		}
		defer stmt.Close()
		for _, c := range d.Comuni {
			n, err := changed(stmt.ExecContext(ctx, c.Code, c.Name, c.CadastralCode, c.ProvinceCode, c.Residents, c.Capital))
			if err != nil {
				return fmt.Errorf("store: sync comune %s: %w", c.Code, err)
			}
			comuni += n
		}
		source, err := tx.meta(ctx, "population_source")
		if err != nil {
			return err
		}
		if source != d.PopulationSource {
			if err := setMeta(ctx, tx, "population_source", d.PopulationSource); err != nil {
				return err
			}
		}
		for _, p := range d.Provinces {
			n, err := ensurePrefecture(ctx, tx, p)
			if err != nil {
				return err
			}
			offices += int64(n)
		}
		if provinces+comuni+offices == 0 && source == d.PopulationSource {
			return nil // nothing changed: nothing to write or audit
		}
		return tx.audit(ctx, "territory.sync", "territory", d.Region.Code, "Provinces", provinces, "Comuni", comuni,
			"Offices", offices, "Source", d.PopulationSource)
	})
}

func (tx *Tx) meta(ctx context.Context, key string) (string, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: meta %s: %w", key, err)
	}
	return v, nil
}

// coordinatorProvince is the province whose prefecture coordinates the region:
// the regional capital's (Bologna).
const coordinatorProvince = "037"

// ensurePrefecture creates the province's prefecture if missing; it returns
// how many it created (0 or 1).
func ensurePrefecture(ctx context.Context, tx *Tx, p domain.Province) (int, error) {
	name := "Prefettura di " + p.Name
	if p.Metropolitan() {
		name = "Prefettura di " + p.Name + " – Ufficio territoriale del Governo"
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO offices (id, kind, province_code, sigla, name, coordinator, email, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, '', $7)
		ON CONFLICT (province_code) DO NOTHING`,
		uuid.Must(uuid.NewV7()).String(), domain.OfficePrefecture, p.Code, p.Sigla, name,
		p.Code == coordinatorProvince, tx.now)
	if err != nil {
		return 0, fmt.Errorf("store: ensure prefecture %s: %w", p.Sigla, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func setMeta(ctx context.Context, tx *Tx, key, value string) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("store: set meta %s: %w", key, err)
	}
	return nil
}

// Meta returns a fact recorded about the database ("" if none).
func (s *TerritoryService) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

const provinceColumns = `code, uts_code, sigla, name, nuts3, region_code, residents, comuni`

func scanProvince(s scanner) (domain.Province, error) {
	var p domain.Province
	err := s.Scan(&p.Code, &p.UTSCode, &p.Sigla, &p.Name, &p.NUTS3, &p.RegionCode, &p.Residents, &p.Comuni)
	return p, err
}

// ListProvinces implements domain.TerritoryService.
func (s *TerritoryService) ListProvinces(ctx context.Context) ([]domain.Province, error) {
	return queryAll(ctx, s.db.read, "list provinces", scanProvince, `SELECT `+provinceColumns+` FROM provinces ORDER BY code`)
}

// FindProvince implements domain.TerritoryService.
func (s *TerritoryService) FindProvince(ctx context.Context, codeOrSigla string) (domain.Province, error) {
	p, err := scanProvince(s.db.read.QueryRowContext(ctx,
		`SELECT `+provinceColumns+` FROM provinces WHERE code = $1 OR sigla = $2`,
		codeOrSigla, strings.ToUpper(codeOrSigla)))
	if errors.Is(err, sql.ErrNoRows) {
		return p, domain.Err(domain.ENOTFOUND, "err.province.not_found", "Province", codeOrSigla)
	}
	if err != nil {
		return p, fmt.Errorf("store: find province %s: %w", codeOrSigla, err)
	}
	return p, nil
}

// ListComuni implements domain.TerritoryService.
func (s *TerritoryService) ListComuni(ctx context.Context, f domain.ComuneFilter) ([]domain.Comune, error) {
	province := ""
	if f.ProvinceCode != "" {
		p, err := s.db.Territory.FindProvince(ctx, f.ProvinceCode)
		if err != nil {
			return nil, err
		}
		province = p.Code
	}
	out, err := queryAll(ctx, s.db.read, "list comuni", func(s scanner) (domain.Comune, error) {
		var c domain.Comune
		err := s.Scan(&c.Code, &c.Name, &c.CadastralCode, &c.ProvinceCode, &c.Residents, &c.Capital)
		return c, err
	}, `
		SELECT code, name, cadastral_code, province_code, residents, capital
		FROM comuni
		WHERE ($1 = '' OR province_code = $1)
		ORDER BY code`, province)
	if err != nil {
		return nil, err
	}
	sortByName(out, func(c domain.Comune) string { return c.Name })
	return out, nil
}
