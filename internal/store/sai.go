package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// SAIService implements domain.SAIService over the shared database.
type SAIService struct{ db *DB }

var _ domain.SAIService = (*SAIService)(nil)

// NewSAIService returns the service over the shared database.
func NewSAIService(db *DB) *SAIService { return &SAIService{db: db} }

// Load implements domain.SAIService.
func (s *SAIService) Load(ctx context.Context, referenceDate string, projects []domain.SAIProject, demo bool) (domain.SAILoad, error) {
	if !canPublish(ctx) {
		return domain.SAILoad{}, domain.Err(domain.EFORBIDDEN, "err.publication.forbidden")
	}
	if _, err := s.db.parseReferenceDate(referenceDate); err != nil {
		return domain.SAILoad{}, err
	}
	if len(projects) == 0 {
		return domain.SAILoad{}, domain.Err(domain.EINVALID, "err.sai.empty")
	}
	seen := map[string]bool{}
	for _, p := range projects {
		if p.Code == "" || seen[p.Code] || !slices.Contains(domain.SAITypes, p.Type) || p.Places <= 0 ||
			!strings.HasPrefix(p.Comune, domain.MetroProvince) || len(p.Comune) != 6 {
			return domain.SAILoad{}, domain.Err(domain.EINVALID, "err.sai.invalid_row")
		}
		seen[p.Code] = true
	}
	a, _ := domain.ActorFromContext(ctx)
	l := domain.SAILoad{ID: newID(), Summary: domain.SummarizeSAI(referenceDate, projects, demo), Projects: projects,
		LoadedBy: a.Label()}
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var replaced string
		err := tx.QueryRowContext(ctx, `SELECT id FROM sai_loads WHERE reference_date = $1`, referenceDate).Scan(&replaced)
		switch {
		case err == nil:
			if _, err := tx.ExecContext(ctx, `DELETE FROM sai_projects WHERE load_id = $1`, replaced); err != nil {
				return fmt.Errorf("store: replace SAI load: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM sai_loads WHERE id = $1`, replaced); err != nil {
				return fmt.Errorf("store: replace SAI load: %w", err)
			}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: find SAI load: %w", err)
		}
		l.LoadedAt = tx.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO sai_loads (id, reference_date, demo, loaded_by, loaded_at) VALUES ($1, $2, $3, $4, $5)`,
			l.ID, referenceDate, demo, l.LoadedBy, l.LoadedAt); err != nil {
			return fmt.Errorf("store: insert SAI load: %w", err)
		}
		for _, p := range projects {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sai_projects (load_id, line, code, comune_code, type, places)
				SELECT $1, $2, $3, code, $5, $6 FROM comuni WHERE code = $4`,
				l.ID, p.Line, p.Code, p.Comune, p.Type, p.Places); err != nil {
				return fmt.Errorf("store: insert SAI project: %w", err)
			}
		}
		// A comune the registry does not know inserted nothing: the load is refused whole.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sai_projects WHERE load_id = $1`, l.ID).Scan(&n); err != nil {
			return fmt.Errorf("store: count SAI projects: %w", err)
		}
		if n != len(projects) {
			return domain.Err(domain.EINVALID, "err.sai.invalid_row")
		}
		return tx.audit(ctx, "sai.load", "sai_load", l.ID, "ReferenceDate", referenceDate, "Projects", len(projects),
			"Places", l.Summary.Total, "Replaced", replaced, "Demo", demo)
	})
	if err != nil {
		return domain.SAILoad{}, err
	}
	return l, nil
}

// List implements domain.SAIService.
func (s *SAIService) List(ctx context.Context) ([]domain.SAISummary, error) {
	if !canPublish(ctx) {
		return nil, domain.Err(domain.EFORBIDDEN, "err.publication.forbidden")
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, reference_date, demo FROM sai_loads ORDER BY reference_date DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: list SAI loads: %w", err)
	}
	type load struct {
		id, date string
		demo     bool
	}
	var loads []load
	for rows.Next() {
		var l load
		if err := rows.Scan(&l.id, &l.date, &l.demo); err != nil {
			rows.Close()
			return nil, err
		}
		loads = append(loads, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []domain.SAISummary
	for _, l := range loads {
		ps, err := saiProjects(ctx, s.db.read, l.id)
		if err != nil {
			return nil, err
		}
		out = append(out, domain.SummarizeSAI(l.date, ps, l.demo))
	}
	return out, nil
}

func saiProjects(ctx context.Context, q querier, loadID string) ([]domain.SAIProject, error) {
	rows, err := q.QueryContext(ctx, `SELECT line, code, comune_code, type, places FROM sai_projects WHERE load_id = $1 ORDER BY line`, loadID)
	if err != nil {
		return nil, fmt.Errorf("store: SAI projects: %w", err)
	}
	defer rows.Close()
	var out []domain.SAIProject
	for rows.Next() {
		var p domain.SAIProject
		if err := rows.Scan(&p.Line, &p.Code, &p.Comune, &p.Type, &p.Places); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// latestSAI is the summary of the latest SAI load at or before a
// publication's reference date; nil when there is none.
func latestSAI(ctx context.Context, q querier, referenceDate string) (*domain.SAISummary, error) {
	var id, date string
	var demo bool
	err := q.QueryRowContext(ctx, `SELECT id, reference_date, demo FROM sai_loads WHERE reference_date <= $1
		ORDER BY reference_date DESC LIMIT 1`, referenceDate).Scan(&id, &date, &demo)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: latest SAI load: %w", err)
	}
	ps, err := saiProjects(ctx, q, id)
	if err != nil {
		return nil, err
	}
	sum := domain.SummarizeSAI(date, ps, demo)
	return &sum, nil
}
