package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// SessionStore keeps web sessions in our database; it implements scs.CtxStore.
// Sessions are server-side so that sign-out and disabling a user end them at once.
type SessionStore struct {
	DB *DB
	// Describe extracts the owner and the browser from the encoded session, so
	// that a user's sessions can be listed and revoked. Optional.
	Describe func(data []byte) (userID, userAgent string)
}

// SetDescribe sets Describe (for the web adapter, which knows the encoding).
func (s *SessionStore) SetDescribe(f func(data []byte) (userID, userAgent string)) { s.Describe = f }

// FindCtx returns the session data for a token that has not expired.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	err := s.DB.read.QueryRowContext(ctx,
		`SELECT data FROM sessions WHERE token = $1 AND expiry > $2`, token, s.DB.Now().UTC()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: find session: %w", err)
	}
	return data, true, nil
}

// CommitCtx stores or replaces a session.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	var user *string
	ua := ""
	if s.Describe != nil {
		var id string
		id, ua = s.Describe(data)
		user = nullable(id)
	}
	return s.DB.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO sessions (token, data, expiry, user_id, created_at, user_agent) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, user_id = excluded.user_id,
				user_agent = excluded.user_agent`,
			token, data, expiry.UTC(), user, tx.now, ua)
		if tx.db.dialect.foreignKeyViolation(err) {
			return nil // the user was deleted meanwhile: nothing to keep
		}
		if err != nil {
			return fmt.Errorf("store: commit session: %w", err)
		}
		return nil
	})
}

// DeleteCtx removes a session.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.DB.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token = $1`, token); err != nil {
			return fmt.Errorf("store: delete session: %w", err)
		}
		return nil
	})
}

// Find, Commit and Delete satisfy scs.Store; scs prefers the Ctx variants.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}
func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// DeleteExpiredSessions removes sessions past their expiry and returns how many.
func (s *UserService) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expiry <= $1`, tx.now)
		if err != nil {
			return fmt.Errorf("store: delete expired sessions: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// SessionID is the public id of a session: a hash of its token, so the page
// listing sessions never exposes a usable token.
func SessionID(token string) string {
	h := sha256.Sum256([]byte("session:" + token))
	return hex.EncodeToString(h[:12])
}

// ListSessions returns the caller's live sessions, newest first.
func (s *UserService) ListSessions(ctx context.Context, currentToken string) ([]domain.Session, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || a.UserID == "" {
		return nil, domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT token, created_at, expiry, user_agent FROM sessions
		WHERE user_id = $1 AND expiry > $2 ORDER BY created_at DESC`, a.UserID, s.db.Now().UTC())
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	defer rows.Close()
	var out []domain.Session
	for rows.Next() {
		var token string
		var created sql.NullTime
		var s domain.Session
		if err := rows.Scan(&token, &created, &s.ExpiresAt, &s.UserAgent); err != nil {
			return nil, fmt.Errorf("store: list sessions: %w", err)
		}
		s.ID, s.CreatedAt, s.ExpiresAt, s.Current = SessionID(token), created.Time.UTC(), s.ExpiresAt.UTC(), token == currentToken
		out = append(out, s)
	}
	return out, rows.Err()
}

// RevokeSession ends one of the caller's sessions by its public id; another
// user's session reads as not found.
func (s *UserService) RevokeSession(ctx context.Context, id string) error {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || a.UserID == "" {
		return domain.Err(domain.EUNAUTHORIZED, "err.auth.required")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT token FROM sessions WHERE user_id = $1`, a.UserID)
		if err != nil {
			return fmt.Errorf("store: revoke session: %w", err)
		}
		var target string
		for rows.Next() {
			var token string
			if err := rows.Scan(&token); err != nil {
				rows.Close()
				return err
			}
			if SessionID(token) == id {
				target = token
			}
		}
		rows.Close()
		if target == "" {
			return domain.Err(domain.ENOTFOUND, "err.session.not_found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token = $1`, target); err != nil {
			return fmt.Errorf("store: revoke session: %w", err)
		}
		return tx.audit(ctx, "auth.session_revoke", "user", a.UserID, "Session", id)
	})
}
