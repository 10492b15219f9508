package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/sdc"
)

// PublicationService implements domain.PublicationService: the public site's
// monthly publications, computed from the registry's stays, protected by
// disclosure control when the draft is made, and frozen from then on.
type PublicationService struct {
	db *DB
	// protect designs and protects the public tables from the raw counts:
	// internal/sdc with the policy's parameters. The store reads the counts
	// and stores what comes back; it decides nothing about disclosure.
	protect func(*domain.RawFigures) (domain.PublicTables, error)
}

var _ domain.PublicationService = (*PublicationService)(nil)

// NewPublicationService returns the service over the shared database, with
// the disclosure control of internal/sdc.
func NewPublicationService(db *DB) *PublicationService {
	return &PublicationService{db: db, protect: func(raw *domain.RawFigures) (domain.PublicTables, error) {
		return sdc.ProtectFigures(raw, sdc.DefaultConfig())
	}}
}

func canPublish(ctx context.Context) bool {
	sc, err := scopeOf(ctx)
	return err == nil && sc.can(domain.PermPublish)
}

// parseReferenceDate checks a reference date: well formed, and a day that is
// over (the figures of today are not final).
func (db *DB) parseReferenceDate(s string) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", s, italy)
	if err != nil {
		return time.Time{}, domain.Err(domain.EINVALID, "err.publication.bad_date")
	}
	today := db.Now().In(italy)
	if !d.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, italy)) {
		return time.Time{}, domain.Err(domain.EINVALID, "err.publication.future_date")
	}
	return d, nil
}

// CreateDraft implements domain.PublicationService.
func (s *PublicationService) CreateDraft(ctx context.Context, referenceDate, note string) (domain.Publication, error) {
	if !canPublish(ctx) {
		return domain.Publication{}, domain.Err(domain.EFORBIDDEN, "err.publication.forbidden")
	}
	if referenceDate == "" {
		referenceDate = domain.DefaultReferenceDate(s.db.Now())
	}
	day, err := s.db.parseReferenceDate(referenceDate)
	if err != nil {
		return domain.Publication{}, err
	}
	if len(note) > 2000 {
		return domain.Publication{}, domain.Err(domain.EINVALID, "err.publication.note_too_long")
	}
	a, _ := domain.ActorFromContext(ctx)
	p := domain.Publication{ID: newID(), ReferenceDate: referenceDate, Status: domain.PubDraft, Note: note,
		CreatedBy: a.Label()}
	if err := s.db.InTx(ctx, func(tx *Tx) error { return s.draftTx(ctx, tx, &p, day) }); err != nil {
		return domain.Publication{}, err
	}
	return p, nil
}

// draftTx makes the draft p (ID, date, note and author set) inside tx.
func (s *PublicationService) draftTx(ctx context.Context, tx *Tx, p *domain.Publication, day time.Time) error {
	referenceDate := p.ReferenceDate
	var waiting string
	err := tx.QueryRowContext(ctx, `SELECT id FROM publications WHERE reference_date = $1 AND status = 'draft'`,
		referenceDate).Scan(&waiting)
	switch {
	case err == nil:
		return domain.Err(domain.ECONFLICT, "err.publication.draft_exists")
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: find draft: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM publications WHERE reference_date = $1`,
		referenceDate).Scan(&p.Version); err != nil {
		return fmt.Errorf("store: next publication version: %w", err)
	}
	raw, err := metroFigures(ctx, tx, day)
	if err != nil {
		return err
	}
	tables, err := s.protect(raw)
	if err != nil {
		return fmt.Errorf("store: disclosure control: %w", err)
	}
	if tables.SAI, err = latestSAI(ctx, tx, referenceDate); err != nil {
		return err
	}
	preview, err := json.Marshal(tables)
	if err != nil {
		return err
	}
	public, err := json.Marshal(tables.Public())
	if err != nil {
		return err
	}
	p.CreatedAt = tx.Now()
	p.Tables = &tables
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO publications (id, reference_date, version, status, note, public_json, preview_json, created_by, created_at)
		VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8)`,
		p.ID, p.ReferenceDate, p.Version, p.Note, string(public), string(preview), p.CreatedBy, p.CreatedAt); err != nil {
		return fmt.Errorf("store: insert publication: %w", err)
	}
	return tx.audit(ctx, "publication.draft", "publication", p.ID,
		"ReferenceDate", p.ReferenceDate, "Version", p.Version)
}

// MonthlyDraft is the scheduled job of the 1st: once per month (on the first
// run on or after the 1st), it makes the draft of the last day of the
// previous month, unless that date already has a draft or a publication,
// and queues an e-mail to every active coordinator pointing at the preview.
// Claim, draft, messages and audit row are one transaction. It returns how
// many messages were queued (0 when the month's run is done already).
func (s *PublicationService) MonthlyDraft(ctx context.Context, baseURL string) (int, error) {
	now := s.db.Now()
	date := domain.DefaultReferenceDate(now)
	day, err := time.ParseInLocation("2006-01-02", date, italy)
	if err != nil {
		return 0, err
	}
	queued := 0
	err = s.db.InTx(ctx, func(tx *Tx) error {
		ok, err := claimJob(ctx, tx, "publication-draft", date[:7], date)
		if err != nil || !ok {
			return err
		}
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM publications WHERE reference_date = $1`, date).Scan(&exists); err != nil {
			return fmt.Errorf("store: monthly draft: %w", err)
		}
		if exists > 0 {
			return tx.audit(ctx, "publication.monthly", "job", date[:7], "ReferenceDate", date, "Skipped", true)
		}
		p := domain.Publication{ID: newID(), ReferenceDate: date, Status: domain.PubDraft, CreatedBy: domain.ActorSystem.Label()}
		if err := s.draftTx(ctx, tx, &p, day); err != nil {
			return err
		}
		emails, err := queryAll(ctx, tx, "coordinators", func(sc scanner) (string, error) {
			var e string
			return e, sc.Scan(&e)
		}, `SELECT email FROM users WHERE role = 'coordinator' AND disabled = false ORDER BY email`)
		if err != nil {
			return err
		}
		params := map[string]any{"Date": day.Format("02/01/2006"), "URL": strings.TrimRight(baseURL, "/") + "/pubblicazioni/" + p.ID}
		for _, e := range emails {
			if err := tx.enqueue(ctx, Message{Kind: "publication_draft", Recipient: e, Params: params}); err != nil {
				return err
			}
			queued++
		}
		return tx.audit(ctx, "publication.monthly", "job", date[:7], "ReferenceDate", date, "Draft", p.ID, "Messages", queued)
	})
	return queued, err
}

const publicationColumns = `id, reference_date, version, status, note, created_by, created_at, published_by, published_at,
	COALESCE(superseded_by, '')`

func scanPublication(s scanner, tables *string) (domain.Publication, error) {
	var p domain.Publication
	var published sql.NullTime
	dest := []any{&p.ID, &p.ReferenceDate, &p.Version, &p.Status, &p.Note, &p.CreatedBy, &p.CreatedAt, &p.PublishedBy,
		&published, &p.SupersededBy}
	if tables != nil {
		dest = append(dest, tables)
	}
	if err := s.Scan(dest...); err != nil {
		return p, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if published.Valid {
		t := published.Time.UTC()
		p.PublishedAt = &t
	}
	return p, nil
}

// findOne reads one publication with the tables of column (public_json or
// preview_json) under a condition on its status.
func (s *PublicationService) findOne(ctx context.Context, q querier, column, where string, args ...any) (domain.Publication, error) {
	var tables string
	p, err := scanPublication(q.QueryRowContext(ctx,
		`SELECT `+publicationColumns+`, `+column+` FROM publications WHERE `+where, args...), &tables)
	if errors.Is(err, sql.ErrNoRows) {
		return p, domain.Err(domain.ENOTFOUND, "err.publication.not_found")
	}
	if err != nil {
		return p, fmt.Errorf("store: find publication: %w", err)
	}
	p.Tables = &domain.PublicTables{}
	if err := json.Unmarshal([]byte(tables), p.Tables); err != nil {
		return p, fmt.Errorf("store: publication tables: %w", err)
	}
	return p, nil
}

// Preview implements domain.PublicationService.
func (s *PublicationService) Preview(ctx context.Context, id string) (domain.Publication, error) {
	if !canPublish(ctx) {
		return domain.Publication{}, domain.Err(domain.ENOTFOUND, "err.publication.not_found")
	}
	return s.findOne(ctx, s.db.read, "preview_json", `id = $1`, id)
}

// Publish implements domain.PublicationService.
func (s *PublicationService) Publish(ctx context.Context, id, note string) (domain.Publication, error) {
	if !canPublish(ctx) {
		return domain.Publication{}, domain.Err(domain.EFORBIDDEN, "err.publication.forbidden")
	}
	if len(note) > 2000 {
		return domain.Publication{}, domain.Err(domain.EINVALID, "err.publication.note_too_long")
	}
	a, _ := domain.ActorFromContext(ctx)
	var p domain.Publication
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var err error
		if p, err = s.findOne(ctx, tx, "public_json", `id = $1`, id); err != nil {
			return err
		}
		if p.Status != domain.PubDraft {
			return domain.Err(domain.ECONFLICT, "err.publication.not_draft")
		}
		if note != "" {
			p.Note = note
		}
		var current string
		err = tx.QueryRowContext(ctx, `SELECT id FROM publications WHERE reference_date = $1 AND status = 'published'`,
			p.ReferenceDate).Scan(&current)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			current = ""
		case err != nil:
			return fmt.Errorf("store: find published: %w", err)
		}
		if current != "" && p.Note == "" {
			return domain.Err(domain.EINVALID, "err.publication.correction_note").WithFields(
				map[string]domain.FieldError{"note": domain.Field("err.publication.correction_note")})
		}
		now := tx.Now()
		if current != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE publications SET status = 'superseded', superseded_by = $1 WHERE id = $2`,
				p.ID, current); err != nil {
				return fmt.Errorf("store: supersede publication: %w", err)
			}
			if err := tx.audit(ctx, "publication.supersede", "publication", current,
				"ReferenceDate", p.ReferenceDate, "SupersededBy", p.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE publications SET status = 'published', note = $1, published_by = $2,
			published_at = $3 WHERE id = $4 AND status = 'draft'`, p.Note, a.Label(), now, p.ID); err != nil {
			return fmt.Errorf("store: publish: %w", err)
		}
		p.Status, p.PublishedBy, p.PublishedAt = domain.PubPublished, a.Label(), &now
		return tx.audit(ctx, "publication.publish", "publication", p.ID,
			"ReferenceDate", p.ReferenceDate, "Version", p.Version)
	})
	if err != nil {
		return domain.Publication{}, err
	}
	return p, nil
}

func (s *PublicationService) list(ctx context.Context, where string) ([]domain.Publication, error) {
	out, err := queryAll(ctx, s.db.read, "list publications", func(sc scanner) (domain.Publication, error) {
		return scanPublication(sc, nil)
	}, `SELECT `+publicationColumns+` FROM publications `+where+` ORDER BY reference_date DESC, version DESC`)
	if out == nil {
		out = []domain.Publication{}
	}
	return out, err
}

// List implements domain.PublicationService.
func (s *PublicationService) List(ctx context.Context) ([]domain.Publication, error) {
	if !canPublish(ctx) {
		return nil, domain.Err(domain.EFORBIDDEN, "err.publication.forbidden")
	}
	return s.list(ctx, "")
}

// ListPublished implements domain.PublicationService.
func (s *PublicationService) ListPublished(ctx context.Context) ([]domain.Publication, error) {
	return s.list(ctx, `WHERE status IN ('published', 'superseded')`)
}

// FindPublished implements domain.PublicationService.
func (s *PublicationService) FindPublished(ctx context.Context, referenceDate string) (domain.Publication, error) {
	if referenceDate == "" {
		return s.findOne(ctx, s.db.read, "public_json",
			`status = 'published' ORDER BY reference_date DESC LIMIT 1`)
	}
	return s.findOne(ctx, s.db.read, "public_json", `status = 'published' AND reference_date = $1`, referenceDate)
}

// FindPublishedVersion implements domain.PublicationService.
func (s *PublicationService) FindPublishedVersion(ctx context.Context, id string) (domain.Publication, error) {
	return s.findOne(ctx, s.db.read, "public_json", `status IN ('published', 'superseded') AND id = $1`, id)
}
