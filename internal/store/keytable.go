package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// sharesAt returns the key table in force at t (the latest whose validity
// covers t) and its shares; without one, the provinces' shares of the
// residents (the default key), with an empty id.
func sharesAt(ctx context.Context, q querier, t time.Time) (string, map[string]float64, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM key_tables WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)
		ORDER BY valid_from DESC, id DESC LIMIT 1`, t.UTC()).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("store: key table: %w", err)
	}
	shares := map[string]float64{}
	if id != "" {
		rows, err := queryAll(ctx, q, "key shares", func(s scanner) (struct {
			c string
			v float64
		}, error) {
			var r struct {
				c string
				v float64
			}
			return r, s.Scan(&r.c, &r.v)
		}, `SELECT province_code, share FROM key_shares WHERE key_table_id = $1`, id)
		if err != nil {
			return "", nil, err
		}
		for _, r := range rows {
			shares[r.c] = r.v
		}
		return id, shares, nil
	}
	shares, err = residentShares(ctx, q)
	return "", shares, err
}

// residentShares is the default key: each province's share of the residents.
func residentShares(ctx context.Context, q querier) (map[string]float64, error) {
	shares := map[string]float64{}
	rows, err := queryAll(ctx, q, "resident shares", func(s scanner) (struct {
		c string
		n int64
	}, error) {
		var r struct {
			c string
			n int64
		}
		return r, s.Scan(&r.c, &r.n)
	}, `SELECT p.code, p.residents FROM provinces p JOIN offices o ON o.province_code = p.code ORDER BY p.code`)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, r := range rows {
		total += r.n
	}
	if total == 0 {
		return nil, domain.Err(domain.EUNAVAILABLE, "err.keytable.no_population")
	}
	for _, r := range rows {
		shares[r.c] = float64(r.n) / float64(total)
	}
	return shares, nil
}

// KeyTables lists the loaded key tables, newest validity first, and the
// default (residents) as a table with an empty id at the end.
func (s *PlanService) KeyTables(ctx context.Context) ([]domain.KeyTable, error) {
	if _, err := s.db.planScope(ctx); err != nil {
		return nil, err
	}
	ks, err := queryAll(ctx, s.db.read, "key tables", func(s scanner) (domain.KeyTable, error) {
		var k domain.KeyTable
		var to sql.NullTime
		err := s.Scan(&k.ID, &k.Name, &k.ValidFrom, &to, &k.Source, &k.CreatedBy, &k.CreatedAt)
		k.ValidTo, k.ValidFrom, k.CreatedAt = timePtr(to), k.ValidFrom.UTC(), k.CreatedAt.UTC()
		return k, err
	}, `SELECT id, name, valid_from, valid_to, source, created_by, created_at FROM key_tables ORDER BY valid_from DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	for i := range ks {
		ks[i].Shares = map[string]float64{}
		rows, err := queryAll(ctx, s.db.read, "key shares", func(s scanner) ([2]any, error) {
			var c string
			var v float64
			err := s.Scan(&c, &v)
			return [2]any{c, v}, err
		}, `SELECT province_code, share FROM key_shares WHERE key_table_id = $1`, ks[i].ID)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			ks[i].Shares[r[0].(string)] = r[1].(float64)
		}
	}
	def, err := residentShares(ctx, s.db.read)
	if err != nil {
		return nil, err
	}
	return append(ks, domain.KeyTable{Name: "Popolazione residente (predefinita)", Source: "ISTAT", Shares: def}), nil
}

// CreateKeyTable loads an agreed key table (the coordinator only). Shares
// must cover every province with an office and sum to 1 (within 0.0001; they
// are normalised); the previous open-ended table ends where this one starts.
func (s *PlanService) CreateKeyTable(ctx context.Context, k *domain.KeyTable) error {
	sc, err := s.db.runScope(ctx)
	if err != nil {
		return err
	}
	fields := map[string]domain.FieldError{}
	if strings.TrimSpace(k.Name) == "" {
		fields["name"] = domain.Field("err.field.name_required")
	}
	if k.ValidFrom.IsZero() {
		fields["valid_from"] = domain.Field("err.keytable.valid_from")
	}
	if k.ValidTo != nil && !k.ValidTo.After(k.ValidFrom) {
		fields["valid_to"] = domain.Field("err.keytable.valid_to")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		codes, err := queryAll(ctx, tx, "office provinces", func(s scanner) (string, error) {
			var c string
			return c, s.Scan(&c)
		}, `SELECT province_code FROM offices ORDER BY province_code`)
		if err != nil {
			return err
		}
		sum := 0.0
		for _, c := range codes {
			v, ok := k.Shares[c]
			if !ok || v < 0 || math.IsNaN(v) {
				fields["shares."+c] = domain.Field("err.keytable.share_missing", "Province", c)
			}
			sum += v
		}
		for c := range k.Shares {
			if !slices.Contains(codes, c) {
				fields["shares."+c] = domain.Field("err.province.unknown", "Province", c)
			}
		}
		if math.Abs(sum-1) > 1e-4 {
			fields["shares"] = domain.Field("err.keytable.share_sum", "Sum", fmt.Sprintf("%.4f", sum))
		}
		if len(fields) > 0 {
			return domain.Err(domain.EINVALID, "err.keytable.invalid").WithFields(fields)
		}
		k.ID, k.CreatedBy, k.CreatedAt = newID(), sc.a.Label(), tx.now
		if _, err := tx.ExecContext(ctx, `UPDATE key_tables SET valid_to = $1 WHERE valid_to IS NULL AND valid_from < $1`, k.ValidFrom.UTC()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO key_tables (id, name, valid_from, valid_to, source, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.ID, strings.TrimSpace(k.Name), k.ValidFrom.UTC(), k.ValidTo, k.Source, k.CreatedBy, tx.now); err != nil {
			return fmt.Errorf("store: key table: %w", err)
		}
		for _, c := range codes {
			k.Shares[c] /= sum
			if _, err := tx.ExecContext(ctx, `INSERT INTO key_shares (key_table_id, province_code, share) VALUES ($1, $2, $3)`,
				k.ID, c, k.Shares[c]); err != nil {
				return fmt.Errorf("store: key share: %w", err)
			}
		}
		return tx.audit(ctx, "keytable.create", "key_table", k.ID, "Name", k.Name, "From", k.ValidFrom.In(italy).Format("02/01/2006"))
	})
}

// Balances returns each province's saldo over [from, to): persons received
// through plans (arrived for confirmed arrivals, the share otherwise) minus
// the quota of the period's total by the key in force at its end.
func (s *PlanService) Balances(ctx context.Context, from, to time.Time) ([]domain.Balance, error) {
	if _, err := s.db.planScope(ctx); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, domain.Err(domain.EINVALID, "err.period.order")
	}
	var out []domain.Balance
	err := s.db.ReadTx(ctx, func(tx *Tx) error {
		_, shares, err := sharesAt(ctx, tx, to.Add(-time.Second))
		if err != nil {
			return err
		}
		received, plans, stages, err := periodReceived(ctx, tx, from, to, "")
		if err != nil {
			return err
		}
		total := 0
		for _, n := range received {
			total += n
		}
		provs, err := queryAll(ctx, tx, "provinces", func(s scanner) ([3]string, error) {
			var r [3]string
			return r, s.Scan(&r[0], &r[1], &r[2])
		}, `SELECT p.code, p.sigla, p.name FROM provinces p JOIN offices o ON o.province_code = p.code ORDER BY p.code`)
		if err != nil {
			return err
		}
		for _, p := range provs {
			q := shares[p[0]] * float64(total)
			st := stages[p[0]]
			out = append(out, domain.Balance{Province: p[0], Sigla: p[1], Name: p[2], Share: shares[p[0]], Quota: q,
				Received: received[p[0]], Balance: float64(received[p[0]]) - q, Plans: append([]string{}, plans[p[0]]...),
				Assigned: st[0], Acknowledged: st[1], Placed: st[2], Arrived: st[3]})
		}
		return nil
	})
	return out, err
}
