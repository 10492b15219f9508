package store

import (
	"context"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// RecoveryCodeService keeps the single-use recovery codes of users' second
// factor, as hashes.
type RecoveryCodeService struct{ db *DB }

// NewRecoveryCodeService returns the service over db.
func NewRecoveryCodeService(db *DB) *RecoveryCodeService { return &RecoveryCodeService{db: db} }

// ReplaceRecoveryCodes drops the user's codes and stores these hashes, for
// the user themselves only; audited without the codes.
func (s *RecoveryCodeService) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string) error {
	a, ok := domain.ActorFromContext(ctx)
	if !ok || (a.UserID != userID && a.System == "") {
		return domain.Err(domain.EFORBIDDEN, "err.auth.required")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		var enabled bool
		if err := tx.QueryRowContext(ctx, `SELECT totp_enabled FROM users WHERE id = $1`, userID).Scan(&enabled); err != nil {
			return fmt.Errorf("store: recovery codes: %w", err)
		}
		if !enabled {
			return domain.Err(domain.ECONFLICT, "err.totp.not_begun")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("store: recovery codes: %w", err)
		}
		for _, h := range hashes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_recovery_codes (id, user_id, hash) VALUES ($1, $2, $3)`,
				newID(), userID, h); err != nil {
				return fmt.Errorf("store: recovery codes: %w", err)
			}
		}
		return tx.audit(ctx, "user.recovery_codes", "user", userID, "Count", len(hashes))
	})
}

// UseRecoveryCode spends one unused code of the user (a conditional update:
// a code is accepted once, also under concurrent attempts); audited.
func (s *RecoveryCodeService) UseRecoveryCode(ctx context.Context, userID, hash string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE user_recovery_codes SET used_at = $1
			WHERE user_id = $2 AND hash = $3 AND used_at IS NULL`, tx.now, userID, hash)
		if err != nil {
			return fmt.Errorf("store: use recovery code: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Err(domain.EUNAUTHORIZED, "err.auth.code_invalid")
		}
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
			userID).Scan(&left); err != nil {
			return err
		}
		return tx.audit(domain.NewContextWithActor(ctx, domain.Actor{UserID: userID}), "user.recovery_code_used", "user", userID, "Left", left)
	})
}
