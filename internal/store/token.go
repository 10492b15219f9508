package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// CreateToken stores an API token's hash for the user.
func (s *UserService) CreateToken(ctx context.Context, userID, label, hash string) (domain.Token, error) {
	t := domain.Token{ID: newID(), UserID: userID, Label: label}
	err := s.db.InTx(ctx, func(tx *Tx) error {
		t.CreatedAt = tx.now
		_, err := tx.ExecContext(ctx, `
			INSERT INTO api_tokens (id, user_id, label, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			t.ID, userID, label, hash, t.CreatedAt)
		if tx.db.dialect.foreignKeyViolation(err) {
			return domain.Err(domain.ENOTFOUND, "err.user.not_found")
		}
		if err != nil {
			return fmt.Errorf("store: create token: %w", err)
		}
		return tx.audit(ctx, "token.create", "user", userID, "Label", label)
	})
	return t, err
}

// RevokeTokens revokes the user's live tokens with the label (all if empty).
func (s *UserService) RevokeTokens(ctx context.Context, userID, label string) (int, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE api_tokens SET revoked_at = $1
			WHERE user_id = $2 AND revoked_at IS NULL AND ($3 = '' OR label = $3)`, tx.now, userID, label)
		if err != nil {
			return fmt.Errorf("store: revoke tokens: %w", err)
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return domain.Err(domain.ENOTFOUND, "err.token.none_active")
		}
		return tx.audit(ctx, "token.revoke", "user", userID, "Label", label, "Count", n)
	})
	return int(n), err
}

// ListTokens returns the user's tokens, newest first.
func (s *UserService) ListTokens(ctx context.Context, userID string) ([]domain.Token, error) {
	return queryAll(ctx, s.db.read, "list tokens", func(s scanner) (domain.Token, error) {
		var t domain.Token
		var used, revoked sql.NullTime
		if err := s.Scan(&t.ID, &t.UserID, &t.Label, &t.CreatedAt, &used, &revoked); err != nil {
			return t, err
		}
		t.CreatedAt = t.CreatedAt.UTC()
		if used.Valid {
			u := used.Time.UTC()
			t.LastUsedAt = &u
		}
		if revoked.Valid {
			r := revoked.Time.UTC()
			t.RevokedAt = &r
		}
		return t, nil
	}, `
		SELECT id, user_id, label, created_at, last_used_at, revoked_at FROM api_tokens
		WHERE user_id = $1 ORDER BY id DESC`, userID)
}

// tokenTouchInterval limits last-use stamps to one write a minute per token.
const tokenTouchInterval = time.Minute

// ActorByTokenHash resolves a live token of an enabled user.
func (s *UserService) ActorByTokenHash(ctx context.Context, hash string) (domain.Actor, error) {
	var id, userID string
	var used sql.NullTime
	err := s.db.read.QueryRowContext(ctx, `
		SELECT t.id, t.user_id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = false`, hash).Scan(&id, &userID, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Actor{}, domain.Err(domain.EUNAUTHORIZED, "err.auth.token_invalid")
	}
	if err != nil {
		return domain.Actor{}, fmt.Errorf("store: token: %w", err)
	}
	a, err := s.db.Users.ActorByUserID(ctx, userID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return a, domain.Err(domain.EUNAUTHORIZED, "err.auth.token_invalid")
	}
	if err != nil {
		return a, err
	}
	now := s.db.Now().UTC()
	if !used.Valid || now.Sub(used.Time) > tokenTouchInterval {
		if err := s.db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, tx.now, id)
			return err
		}); err != nil {
			return a, fmt.Errorf("store: token last use: %w", err)
		}
	}
	return a, nil
}
