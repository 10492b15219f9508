package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// SeedStay is one stay of a seeded guest, in a facility given by code.
type SeedStay struct {
	Facility string
	Entered  time.Time
	Exited   *time.Time
	Reason   string
}

// PopulationEmitter receives the generated people one at a time, so that a
// million stays never sit in memory together.
type PopulationEmitter func(g *domain.Guest, stays []SeedStay, vulns []domain.Vulnerability) error

// SeedPopulation writes generated guests and their stays in one transaction
// with one audit row, in multi-row statements (the nation-scale demo has over
// a million stays). Guests get fresh ids; stays must not overlap and at most
// the last may be open (the database refuses a second open stay).
func (s *StatsService) SeedPopulation(ctx context.Context, generate func(emit PopulationEmitter) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		type fac struct{ id, province, comune, kind string }
		facs := map[string]fac{}
		rows, err := queryAll(ctx, tx, "seed population", func(s scanner) ([5]string, error) {
			var r [5]string
			return r, s.Scan(&r[0], &r[1], &r[2], &r[3], &r[4])
		}, `SELECT code, id, province_code, comune_code, type FROM facilities`)
		if err != nil {
			return err
		}
		for _, r := range rows {
			facs[r[0]] = fac{r[1], r[2], r[3], r[4]}
		}
		guests := newBatch(ctx, tx, "guests", []string{"id", "cui", "surname", "given_name", "search_key", "sex",
			"birth_date", "birth_estimated", "nationality", "household_id", "household_role", "msna", "arrival_date",
			"arrival_channel", "arrival_place", "stage", "stage_date", "created_by", "created_at", "updated_at"})
		stays := newBatch(ctx, tx, "stays", []string{"id", "guest_id", "facility_id", "province_code", "comune_code",
			"facility_type", "entered_at", "exited_at", "exit_reason", "capacity_override", "created_by", "created_at",
			"sex", "birth_date", "nationality", "in_household", "msna", "stage", "stage_date"})
		stays.before = guests.flush // a stay's guest must be written first
		nGuests, nStays := 0, 0
		flows := flowCounter{}
		system := domain.Actor{System: "demo"}
		err = generate(func(g *domain.Guest, ss []SeedStay, vulns []domain.Vulnerability) error {
			if err := g.Validate(); err != nil {
				return err
			}
			g.ID, g.CreatedAt = newID(), tx.now
			var cui any
			if g.CUI != "" {
				cui = g.CUI
			}
			if err := guests.add(g.ID, cui, g.Surname, g.GivenName, SearchKey(g.Surname+g.GivenName), g.Sex,
				g.BirthDate.UTC(), g.BirthEstimated, g.Nationality, nullable(g.HouseholdID), g.HouseholdRole, g.MSNA,
				g.ArrivalDate, g.ArrivalChannel, g.ArrivalPlace, g.Stage, g.StageDate, "demo", tx.now, tx.now); err != nil {
				return err
			}
			for _, s := range ss {
				f, ok := facs[s.Facility]
				if !ok {
					return fmt.Errorf("store: seed population: facility %s unknown", s.Facility)
				}
				if err := stays.add(newID(), g.ID, f.id, f.province, f.comune, f.kind, s.Entered.UTC(), s.Exited, s.Reason, "",
					"demo", tx.now, g.Sex, g.BirthDate.UTC(), g.Nationality, g.HouseholdID != "", g.MSNA, g.Stage,
					g.StageDate); err != nil {
					return err
				}
				flows.add(f.province, s.Entered, s.Exited)
			}
			if len(vulns) > 0 && tx.db.Keys != nil {
				// Sealed like any other; flushed first so that the guest row exists.
				if err := guests.flush(); err != nil {
					return err
				}
				for _, v := range vulns {
					if err := addVulnerability(ctx, tx, g.ID, v, system); err != nil {
						return err
					}
				}
			}
			nGuests++
			nStays += len(ss)
			return nil
		})
		if err != nil {
			return err
		}
		if err := guests.flush(); err != nil {
			return err
		}
		if err := stays.flush(); err != nil {
			return err
		}
		// The daily flows are kept in each stay's transaction; a bulk load
		// adds its own in the same one, so monthly entries and exits are right
		// after it without a cache rebuild.
		if err := flows.save(ctx, tx); err != nil {
			return err
		}
		return tx.audit(ctx, "guests.seed", "job", "demo", "Guests", nGuests, "Stays", nStays)
	})
}

// batch inserts many rows fast on each engine: multi-row INSERTs of a few
// dozen rows. On SQLite the statement is prepared once and reused (parsing a
// long VALUES list each time costs more than the rows); on PostgreSQL each
// is one round trip.
type batch struct {
	ctx   context.Context
	tx    *Tx
	table string
	cols  []string
	args  []any
	rows  int
	max   int
	stmt  *sql.Stmt // SQLite: the prepared statement for max rows
	// before runs ahead of each multi-row write (rows this one refers to).
	before func() error
}

func newBatch(ctx context.Context, tx *Tx, table string, cols []string) *batch {
	b := &batch{ctx: ctx, tx: tx, table: table, cols: cols, max: 4000 / len(cols)}
	if tx.db.dialect.name() == "sqlite" {
		b.max = 32
	}
	return b
}

func (b *batch) add(values ...any) error {
	if len(values) != len(b.cols) {
		return fmt.Errorf("store: batch %s: %d values for %d columns", b.table, len(values), len(b.cols))
	}
	b.args = append(b.args, values...)
	b.rows++
	if b.rows >= b.max {
		return b.flush()
	}
	return nil
}

// query is the INSERT for a number of rows. SQLite gets anonymous "?"
// parameters: the driver resolves each named "$n" by a scan of the
// statement's parameter list, quadratic in a long VALUES list.
func (b *batch) query(rows int) string {
	anon := b.tx.db.dialect.name() == "sqlite"
	var q strings.Builder
	fmt.Fprintf(&q, "INSERT INTO %s (%s) VALUES ", b.table, strings.Join(b.cols, ", "))
	n := 1
	for r := range rows {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := range b.cols {
			if c > 0 {
				q.WriteString(", ")
			}
			if anon {
				q.WriteByte('?')
			} else {
				fmt.Fprintf(&q, "$%d", n)
			}
			n++
		}
		q.WriteByte(')')
	}
	return q.String()
}

// flush writes what is buffered.
func (b *batch) flush() error {
	if b.rows == 0 {
		return nil
	}
	if b.before != nil {
		if err := b.before(); err != nil {
			return err
		}
	}
	var err error
	if b.rows == b.max && b.tx.db.dialect.name() == "sqlite" {
		if b.stmt == nil {
			if b.stmt, err = b.tx.PrepareContext(b.ctx, b.query(b.max)); err != nil {
				return fmt.Errorf("store: batch insert into %s: %w", b.table, err)
			}
		}
		_, err = b.stmt.ExecContext(b.ctx, b.args...)
	} else {
		_, err = b.tx.ExecContext(b.ctx, b.query(b.rows), b.args...)
	}
	if err != nil {
		return fmt.Errorf("store: batch insert into %s: %w", b.table, err)
	}
	b.args, b.rows = b.args[:0], 0
	return nil
}

// RegistryCounts returns how many guests, stays and closed stays the
// registry holds (for the demo command and its tests).
func (s *StatsService) RegistryCounts(ctx context.Context) (guests, stays, closed int, err error) {
	err = s.db.read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM guests), COUNT(*), COUNT(exited_at) FROM stays`).
		Scan(&guests, &stays, &closed)
	return
}
