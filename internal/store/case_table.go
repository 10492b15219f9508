package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// CaseTableService implements domain.TableService over the shared DB.
type CaseTableService struct{ db *DB }

// NewCaseTableService returns the network tables' service on db.
func NewCaseTableService(db *DB) *CaseTableService { return &CaseTableService{db: db} }

var _ domain.TableService = (*CaseTableService)(nil)

// tableScope is the SQL condition (alias t, $n) for the caller's tables.
func tableScope(a domain.Actor, n int) (string, []any) {
	p := provinceOf(a)
	return fmt.Sprintf("($%d = '' OR t.province_code = $%d)", n, n), []any{p}
}

// CreateTable implements domain.TableService: the table is the caller's
// province's (the coordinator's: the province given, Bologna's by default).
func (s *CaseTableService) CreateTable(ctx context.Context, t *domain.NetworkTable) error {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if p := provinceOf(a); p != "" {
		t.Province = p
	} else if t.Province == "" {
		return domain.Err(domain.EINVALID, "err.table.invalid").WithFields(
			map[string]domain.FieldError{"province": domain.Field("err.table.province")})
	}
	t.ID = newID()
	return s.db.InTx(ctx, func(tx *Tx) error {
		t.CreatedAt = tx.now
		day := time.Date(t.HeldOn.Year(), t.HeldOn.Month(), t.HeldOn.Day(), 0, 0, 0, 0, time.UTC)
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_tables (id, province_code, title, held_on, place, participants,
			sealed_decisions, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8)`,
			t.ID, t.Province, strings.TrimSpace(t.Title), day, strings.TrimSpace(t.Place), strings.Join(t.Participants, "\n"),
			a.Label(), tx.now); err != nil {
			if tx.db.dialect.foreignKeyViolation(err) {
				return domain.Err(domain.EINVALID, "err.table.province")
			}
			return fmt.Errorf("store: create table: %w", err)
		}
		return tx.audit(ctx, "table.create", "table", t.ID, "Province", t.Province)
	})
}

func scanTable(s scanner) (domain.NetworkTable, error) {
	var t domain.NetworkTable
	var participants string
	err := s.Scan(&t.ID, &t.Province, &t.Title, &t.HeldOn, &t.Place, &participants, &t.CreatedAt, &t.OpenFollowUp)
	t.HeldOn, t.CreatedAt, t.Participants = t.HeldOn.UTC(), t.CreatedAt.UTC(), splitLines(participants)
	return t, err
}

func splitLines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

const tableColumns = `t.id, t.province_code, t.title, t.held_on, t.place, t.participants, t.created_at,
	(SELECT COUNT(*) FROM case_table_followups f WHERE f.table_id = t.id AND f.done_at IS NULL)`

// ListTables implements domain.TableService: headers, newest first.
func (s *CaseTableService) ListTables(ctx context.Context) ([]domain.NetworkTable, error) {
	a, err := caseActor(ctx, domain.PermCaseRead)
	if err != nil {
		return nil, err
	}
	cond, args := tableScope(a, 1)
	return queryAll(ctx, s.db.read, "tables", scanTable, `SELECT `+tableColumns+` FROM case_tables t WHERE `+cond+`
		ORDER BY t.held_on DESC, t.id LIMIT 200`, args...)
}

// findTableTx finds a table in the caller's scope.
func findTableTx(ctx context.Context, tx *Tx, a domain.Actor, id string) (domain.NetworkTable, string, error) {
	cond, args := tableScope(a, 2)
	var sealed string
	t, err := scanTableSealed(tx.QueryRowContext(ctx, `SELECT `+tableColumns+`, t.sealed_decisions FROM case_tables t
		WHERE t.id = $1 AND `+cond, append([]any{id}, args...)...), &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return t, "", domain.Err(domain.ENOTFOUND, "err.table.not_found")
	}
	if err != nil {
		return t, "", fmt.Errorf("store: table: %w", err)
	}
	return t, sealed, nil
}

func scanTableSealed(row *sql.Row, sealed *string) (domain.NetworkTable, error) {
	var t domain.NetworkTable
	var participants string
	err := row.Scan(&t.ID, &t.Province, &t.Title, &t.HeldOn, &t.Place, &participants, &t.CreatedAt, &t.OpenFollowUp, sealed)
	t.HeldOn, t.CreatedAt, t.Participants = t.HeldOn.UTC(), t.CreatedAt.UTC(), splitLines(participants)
	return t, err
}

// GetTable implements domain.TableService.
func (s *CaseTableService) GetTable(ctx context.Context, id string) (domain.NetworkTable, error) {
	a, err := caseActor(ctx, domain.PermCaseRead)
	if err != nil {
		return domain.NetworkTable{}, err
	}
	var t domain.NetworkTable
	err = s.db.ReadTx(ctx, func(tx *Tx) error {
		var sealed string
		var err error
		if t, sealed, err = findTableTx(ctx, tx, a, id); err != nil {
			return err
		}
		if t.Decisions, err = tx.unseal(ctx, sealed, "table:"+id+":decisions"); err != nil {
			return err
		}
		ids, err := queryAll(ctx, tx, "table cases", func(sc scanner) (string, error) {
			var c string
			return c, sc.Scan(&c)
		}, `SELECT case_id FROM case_table_cases WHERE table_id = $1 ORDER BY added_at, case_id`, id)
		if err != nil {
			return err
		}
		for _, c := range ids {
			t.Cases = append(t.Cases, domain.TableCase{CaseID: c, Pseudonym: domain.CasePseudonym(c)})
		}
		type row struct {
			f      domain.FollowUp
			sealed string
		}
		rows, err := queryAll(ctx, tx, "follow-ups", func(sc scanner) (row, error) {
			var x row
			var caseID sql.NullString
			var done sql.NullTime
			err := sc.Scan(&x.f.ID, &caseID, &x.sealed, &x.f.Owner, &x.f.Due, &done)
			x.f.CaseID, x.f.Due, x.f.DoneAt = caseID.String, x.f.Due.UTC(), timePtr(done)
			return x, err
		}, `SELECT id, case_id, sealed_text, owner, due, done_at FROM case_table_followups WHERE table_id = $1
			ORDER BY due, id`, id)
		if err != nil {
			return err
		}
		for _, x := range rows {
			if x.f.Text, err = tx.unseal(ctx, x.sealed, "table:"+id+":followup:"+x.f.ID); err != nil {
				return err
			}
			if x.f.CaseID != "" {
				x.f.Pseudonym = domain.CasePseudonym(x.f.CaseID)
			}
			x.f.Overdue = x.f.DoneAt == nil && x.f.Due.Before(tx.now)
			t.FollowUps = append(t.FollowUps, x.f)
		}
		return nil
	})
	return t, err
}

// DiscussCase implements domain.TableService: the case must be in the
// caller's scope and the table's province.
func (s *CaseTableService) DiscussCase(ctx context.Context, tableID, caseID string) error {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		t, _, err := findTableTx(ctx, tx, a, tableID)
		if err != nil {
			return err
		}
		c, err := findCaseTx(ctx, tx, a, caseID)
		if err != nil {
			return err
		}
		if c.province != t.Province {
			return domain.Err(domain.ENOTFOUND, "err.case.not_found")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO case_table_cases (table_id, case_id, added_at) VALUES ($1, $2, $3)
			ON CONFLICT (table_id, case_id) DO NOTHING`, tableID, caseID, tx.now)
		if err != nil {
			return fmt.Errorf("store: discuss case: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already on the table's agenda
		}
		if err := tx.caseEvent(ctx, caseID, "table", map[string]string{"table": tableID}); err != nil {
			return err
		}
		return tx.audit(ctx, "table.case", "table", tableID, "Case", caseID)
	})
}

// SetDecisions implements domain.TableService: the decisions, sealed.
func (s *CaseTableService) SetDecisions(ctx context.Context, tableID, text string) error {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return err
	}
	if len(text) > 50000 {
		return domain.Err(domain.EINVALID, "err.table.decisions_long")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, _, err := findTableTx(ctx, tx, a, tableID); err != nil {
			return err
		}
		sealed, err := tx.seal(ctx, "", strings.TrimSpace(text), "table:"+tableID+":decisions")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE case_tables SET sealed_decisions = $1 WHERE id = $2`, sealed, tableID); err != nil {
			return fmt.Errorf("store: table decisions: %w", err)
		}
		return tx.audit(ctx, "table.decisions", "table", tableID)
	})
}

// AddFollowUp implements domain.TableService: a follow-up, optionally on a
// case the table discussed.
func (s *CaseTableService) AddFollowUp(ctx context.Context, tableID string, f *domain.FollowUp) error {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return err
	}
	f.Text, f.Owner = strings.TrimSpace(f.Text), strings.TrimSpace(f.Owner)
	if f.Text == "" || f.Owner == "" || f.Due.IsZero() || len(f.Owner) > 200 || len(f.Text) > 5000 {
		return domain.Err(domain.EINVALID, "err.table.followup")
	}
	f.ID = newID()
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, _, err := findTableTx(ctx, tx, a, tableID); err != nil {
			return err
		}
		if f.CaseID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_table_cases WHERE table_id = $1 AND case_id = $2`,
				tableID, f.CaseID).Scan(&n); err != nil {
				return fmt.Errorf("store: follow-up: %w", err)
			}
			if n == 0 {
				return domain.Err(domain.EINVALID, "err.table.case_not_discussed")
			}
		}
		sealed, err := tx.sealCase(ctx, f.CaseID, f.Text, "table:"+tableID+":followup:"+f.ID)
		if err != nil {
			return err
		}
		due := time.Date(f.Due.Year(), f.Due.Month(), f.Due.Day(), 0, 0, 0, 0, time.UTC)
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_table_followups (id, table_id, case_id, sealed_text, owner, due,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			f.ID, tableID, nullable(f.CaseID), sealed, f.Owner, due, a.Label(), tx.now); err != nil {
			return fmt.Errorf("store: follow-up: %w", err)
		}
		return tx.audit(ctx, "table.followup", "table", tableID, "FollowUp", f.ID)
	})
}

// CompleteFollowUp implements domain.TableService.
func (s *CaseTableService) CompleteFollowUp(ctx context.Context, tableID, followUpID string) error {
	a, err := caseActor(ctx, domain.PermCaseWrite)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, _, err := findTableTx(ctx, tx, a, tableID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE case_table_followups SET done_at = $1 WHERE id = $2 AND table_id = $3 AND done_at IS NULL`,
			tx.now, followUpID, tableID)
		if err != nil {
			return fmt.Errorf("store: follow-up done: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Err(domain.ENOTFOUND, "err.table.followup_not_found")
		}
		return tx.audit(ctx, "table.followup_done", "table", tableID, "FollowUp", followUpID)
	})
}
