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

// requireUserManager returns EFORBIDDEN unless the caller may manage users.
// It is checked here as well as in the handlers: the store is the last line.
func requireUserManager(ctx context.Context) error {
	sc, err := scopeOf(ctx)
	if err == nil && sc.can(domain.PermUserManage) {
		return nil
	}
	return domain.Err(domain.EFORBIDDEN, "err.perm.admin")
}

// userScope is the audit parameters of a user's role and scope.
func userScope(u *domain.User) []any {
	scope := u.OfficeID + u.GestoreID + u.ServiceID // at most one is set
	return []any{"Role", domain.Label("role." + string(u.Role)), "Scope", scope}
}

// CreateUser stores u with an already-computed password hash (see package auth).
func (s *UserService) CreateUser(ctx context.Context, u *domain.User, passwordHash string) error {
	u.Email = domain.NormalizeEmail(u.Email)
	if err := u.Validate(); err != nil {
		return err
	}
	if err := requireUserManager(ctx); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if err := insertUser(ctx, tx, u, passwordHash); err != nil {
			return err
		}
		return tx.audit(ctx, "user.create", "user", u.ID, userScope(u)...)
	})
}

func insertUser(ctx context.Context, tx *Tx, u *domain.User, passwordHash string) error {
	u.ID, u.CreatedAt, u.UpdatedAt = newID(), tx.now, tx.now
	_, err := tx.ExecContext(ctx, `
		INSERT INTO users (id, email, name, password_hash, role, office_id, gestore_id, service_id, disabled,
		                   created_at, updated_at, password_changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		u.ID, u.Email, u.Name, passwordHash, u.Role, nullable(u.OfficeID), nullable(u.GestoreID),
		nullable(u.ServiceID), u.Disabled, u.CreatedAt, u.UpdatedAt, u.CreatedAt)
	if tx.db.dialect.uniqueViolation(err) {
		return domain.Err(domain.ECONFLICT, "err.user.email_taken")
	}
	if tx.db.dialect.foreignKeyViolation(err) {
		return domain.Err(domain.EINVALID, "err.user.invalid").WithFields(
			map[string]domain.FieldError{"scope": domain.Field("err.user.scope_unknown")})
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

const userSelect = `
	SELECT u.id, u.email, u.name, u.role, COALESCE(u.office_id, ''), COALESCE(u.gestore_id, ''),
	       COALESCE(u.service_id, ''), u.disabled, u.created_at, u.updated_at, u.totp_enabled, u.last_login_at,
	       COALESCE(o.sigla, ''), COALESCE(g.name, ''), COALESCE(s.name, '')
	FROM users u
	LEFT JOIN offices o ON o.id = u.office_id
	LEFT JOIN gestori g ON g.id = u.gestore_id
	LEFT JOIN services s ON s.id = u.service_id`

func scanUser(sc scanner) (domain.User, error) {
	var u domain.User
	var last sql.NullTime
	err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.OfficeID, &u.GestoreID, &u.ServiceID, &u.Disabled,
		&u.CreatedAt, &u.UpdatedAt, &u.TOTPEnabled, &last, &u.OfficeSigla, &u.GestoreName, &u.ServiceName)
	if last.Valid {
		t := last.Time.UTC()
		u.LastLoginAt = &t
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, err
}

// ListUsers returns the users matching f, ordered by name. Admins only.
func (s *UserService) ListUsers(ctx context.Context, f domain.UserFilter) ([]domain.User, error) {
	if err := requireUserManager(ctx); err != nil {
		return nil, err
	}
	disabled := -1
	if f.Disabled != nil {
		disabled = 0
		if *f.Disabled {
			disabled = 1
		}
	}
	q := "%" + strings.ToLower(strings.TrimSpace(f.Query)) + "%"
	order := `ORDER BY u.id`
	if f.Limit > 0 {
		order = fmt.Sprintf(`ORDER BY LOWER(u.name), u.id LIMIT %d OFFSET %d`, f.Limit, max(f.Offset, 0))
	}
	out, err := queryAll(ctx, s.db.read, "list users", scanUser, userSelect+`
		WHERE ($1 = '' OR u.role = $1)
		  AND ($2 = '' OR u.office_id = $2)
		  AND (LOWER(u.email) LIKE $3 OR LOWER(u.name) LIKE $3)
		  AND ($4 = -1 OR ($4 = 1) = u.disabled)
		`+order, string(f.Role), f.OfficeID, q, disabled)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		sortByName(out, func(u domain.User) string { return u.Name })
	}
	return out, nil
}

// FindUser returns a user: admins any, others only themselves (else ENOTFOUND).
func (s *UserService) FindUser(ctx context.Context, id string) (domain.User, error) {
	a, _ := domain.ActorFromContext(ctx)
	if requireUserManager(ctx) != nil && a.UserID != id {
		return domain.User{}, domain.Err(domain.ENOTFOUND, "err.user.not_found")
	}
	u, err := scanUser(s.db.read.QueryRowContext(ctx, userSelect+` WHERE u.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, domain.Err(domain.ENOTFOUND, "err.user.not_found")
	}
	if err != nil {
		return u, fmt.Errorf("store: find user: %w", err)
	}
	return u, nil
}

// UpdateUser changes name, role and scope. Admins only.
func (s *UserService) UpdateUser(ctx context.Context, u *domain.User) error {
	u.Email = domain.NormalizeEmail(u.Email)
	if err := u.Validate(); err != nil {
		return err
	}
	if err := requireUserManager(ctx); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE users SET name = $1, role = $2, office_id = $3, gestore_id = $4, service_id = $5, updated_at = $6
			WHERE id = $7`, u.Name, u.Role, nullable(u.OfficeID), nullable(u.GestoreID), nullable(u.ServiceID), tx.now, u.ID)
		if tx.db.dialect.foreignKeyViolation(err) {
			return domain.Err(domain.EINVALID, "err.user.invalid").WithFields(
				map[string]domain.FieldError{"scope": domain.Field("err.user.scope_unknown")})
		}
		if err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Err(domain.ENOTFOUND, "err.user.not_found")
		}
		// A change of role or scope ends the user's sessions: they sign in
		// again and get the new scope, rather than keep a stale one.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
		u.UpdatedAt = tx.now
		return tx.audit(ctx, "user.update", "user", u.ID, userScope(u)...)
	})
}

// SetDisabled disables or re-enables a user. Disabling deletes the user's
// sessions in the same transaction; tokens stop working because every lookup
// requires an enabled user. Admins only; an admin cannot disable themselves.
func (s *UserService) SetDisabled(ctx context.Context, id string, disabled bool) error {
	if err := requireUserManager(ctx); err != nil {
		return err
	}
	if a, _ := domain.ActorFromContext(ctx); a.UserID == id && disabled {
		return domain.Err(domain.ECONFLICT, "err.user.disable_self")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3`, disabled, tx.now, id)
		if err != nil {
			return fmt.Errorf("store: disable user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Err(domain.ENOTFOUND, "err.user.not_found")
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("store: disable user: %w", err)
			}
		}
		return tx.audit(ctx, action, "user", id)
	})
}

// SetPasswordHash replaces a user's password hash and ends their other
// sessions (all of them when keepToken is empty).
func (s *UserService) SetPasswordHash(ctx context.Context, id, hash, action, keepToken string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3`,
			hash, tx.now, id)
		if err != nil {
			return fmt.Errorf("store: set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Err(domain.ENOTFOUND, "err.user.not_found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token <> $2`, id, keepToken); err != nil {
			return fmt.Errorf("store: set password: %w", err)
		}
		return tx.audit(ctx, action, "user", id)
	})
}

// PasswordHash returns a user's current hash (for changing one's own password).
func (s *UserService) PasswordHash(ctx context.Context, id string) (string, error) {
	var h string
	err := s.db.read.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1 AND disabled = false`, id).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", domain.Err(domain.ENOTFOUND, "err.user.not_found")
	}
	return h, err
}

// Credentials returns what sign-in checks for the enabled user with that
// e-mail; ENOTFOUND when there is none (or it is disabled).
func (s *UserService) Credentials(ctx context.Context, email string) (domain.Credential, error) {
	var c domain.Credential
	a, extra, err := s.db.actorWhere(ctx, `u.email = $1`, domain.NormalizeEmail(email))
	if err != nil {
		return c, err
	}
	c.Actor, c.PasswordHash, c.TOTPEnabled, c.TOTPSecret = a, extra.hash, extra.totpEnabled, extra.totpSecret
	return c, nil
}

// ActorByUserID resolves an enabled user's scope; ENOTFOUND otherwise.
func (s *UserService) ActorByUserID(ctx context.Context, id string) (domain.Actor, error) {
	a, _, err := s.db.actorWhere(ctx, `u.id = $1`, id)
	return a, err
}

type secrets struct {
	hash, totpSecret string
	totpEnabled      bool
}

// actorWhere loads an enabled user with the scope its role implies, in one query.
func (db *DB) actorWhere(ctx context.Context, cond string, arg any) (domain.Actor, secrets, error) {
	var (
		a                                     domain.Actor
		sec                                   secrets
		officeID, sigla, province, gest, serv sql.NullString
		graceFrom                             sql.NullTime
	)
	err := db.read.QueryRowContext(ctx, `
		SELECT u.id, u.email, u.name, u.role, u.password_hash, u.totp_enabled, u.totp_secret,
		       u.office_id, o.sigla, o.province_code, u.gestore_id, u.service_id, u.totp_grace_from
		FROM users u
		LEFT JOIN offices o ON o.id = u.office_id
		WHERE `+cond+` AND u.disabled = false`, arg).
		Scan(&a.UserID, &a.Email, &a.Name, &a.Role, &sec.hash, &sec.totpEnabled, &sec.totpSecret,
			&officeID, &sigla, &province, &gest, &serv, &graceFrom)
	if graceFrom.Valid {
		a.TOTPGraceFrom = graceFrom.Time.UTC()
	}
	if errors.Is(err, sql.ErrNoRows) {
		return a, sec, domain.Err(domain.ENOTFOUND, "err.user.not_found")
	}
	if err != nil {
		return a, sec, fmt.Errorf("store: load user: %w", err)
	}
	a.OfficeID, a.OfficeSigla, a.GestoreID, a.ServiceID = officeID.String, sigla.String, gest.String, serv.String
	a.TOTPEnabled = sec.totpEnabled
	// The coordinator's office is Bologna's but its scope is the region.
	if a.Role != domain.RoleCoordinator {
		a.ProvinceCode = province.String
	}
	return a, sec, nil
}

// CountUsers returns the number of users.
func (s *UserService) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// RecordSignIn stamps the user's last sign-in and audits it.
func (s *UserService) RecordSignIn(ctx context.Context, userID, how string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		// The grace period for enrolling a second factor starts at the first
		// sign-in after it became required (domain.TOTPPolicy).
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $1, totp_grace_from = COALESCE(totp_grace_from, $1)
			WHERE id = $2`, tx.now, userID); err != nil {
			return fmt.Errorf("store: record sign-in: %w", err)
		}
		return tx.audit(ctx, "auth.signin", "user", userID, "How", how)
	})
}

// AuditEvent records an event that changes nothing else (sign-out, a refused
// access worth keeping), in its own transaction; kv are its parameters.
func (s *AuditService) AuditEvent(ctx context.Context, action, targetType, targetID string, kv ...any) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return tx.audit(ctx, action, targetType, targetID, kv...) })
}

// SetTOTPPending stores a new secret awaiting confirmation; an active one
// keeps working until the new one is confirmed.
func (s *UserService) SetTOTPPending(ctx context.Context, userID, secret string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_pending = $1 WHERE id = $2`, secret, userID); err != nil {
			return fmt.Errorf("store: set totp: %w", err)
		}
		return tx.audit(ctx, "user.totp_begin", "user", userID)
	})
}

// TOTPSecrets returns the user's active secret (if enabled) and pending one.
func (s *UserService) TOTPSecrets(ctx context.Context, userID string) (active, pending string, enabled bool, err error) {
	err = s.db.read.QueryRowContext(ctx, `SELECT totp_secret, totp_pending, totp_enabled FROM users WHERE id = $1`, userID).
		Scan(&active, &pending, &enabled)
	if errors.Is(err, sql.ErrNoRows) {
		err = domain.Err(domain.ENOTFOUND, "err.user.not_found")
	}
	return
}

// UseTOTPStep accepts a verified code's time step once: the conditional update
// refuses a step already used (replay), atomically on both engines.
func (s *UserService) UseTOTPStep(ctx context.Context, userID string, step int64) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1 AND totp_enabled = true`, step, userID)
		if err != nil {
			return fmt.Errorf("store: use totp: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Err(domain.EUNAUTHORIZED, "err.auth.code_used")
		}
		return nil
	})
}

// ActivateTOTP makes the pending secret the active one, once its first code
// (at step) has been checked against the pending secret it still holds.
func (s *UserService) ActivateTOTP(ctx context.Context, userID, pending string, step int64) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_enabled = true, totp_last_step = $1
			WHERE id = $2 AND totp_pending = $3 AND totp_pending <> ''`, step, userID, pending)
		if err != nil {
			return fmt.Errorf("store: activate totp: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Err(domain.ECONFLICT, "err.totp.expired")
		}
		return tx.audit(ctx, "user.totp_enable", "user", userID)
	})
}

// ResetTOTP removes a user's TOTP (an admin's help to a user who lost the
// device); the user must enrol again where it is required.
func (s *UserService) ResetTOTP(ctx context.Context, userID string) error {
	if err := requireUserManager(ctx); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		// A new grace period starts: the user enrols again within it.
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = '', totp_pending = '', totp_enabled = false, totp_last_step = 0,
			totp_grace_from = $2 WHERE id = $1`, userID, tx.now); err != nil {
			return fmt.Errorf("store: reset totp: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("store: reset recovery codes: %w", err)
		}
		return tx.audit(ctx, "user.totp_reset", "user", userID)
	})
}

// CountLoginFailures counts failures recorded for the key since the time.
func (s *UserService) CountLoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2`, key, since.UTC()).Scan(&n)
	return n, err
}

// RecordLoginFailure notes a failed sign-in for each key (account, client).
func (s *UserService) RecordLoginFailure(ctx context.Context, keys ...string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (id, key, at) VALUES ($1, $2, $3)`, newID(), k, tx.now); err != nil {
				return fmt.Errorf("store: record login failure: %w", err)
			}
		}
		return nil
	})
}

// ClearLoginFailures forgets an account's failures after a successful sign-in.
func (s *UserService) ClearLoginFailures(ctx context.Context, key string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE key = $1`, key)
		return err
	})
}

// DeleteLoginFailuresBefore removes old failure rows (hourly cleanup).
func (s *UserService) DeleteLoginFailuresBefore(ctx context.Context, t time.Time) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE at < $1`, t.UTC())
		return err
	})
}
