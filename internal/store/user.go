package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// CreateUser stores u with an already-computed password hash (see package auth).
func (db *DB) CreateUser(ctx context.Context, u *domain.User, passwordHash string) error {
	u.Email = domain.NormalizeEmail(u.Email)
	if err := u.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error { return createUser(ctx, tx, u, passwordHash) })
}

func createUser(ctx context.Context, tx *Tx, u *domain.User, passwordHash string) error {
	u.ID, u.CreatedAt, u.UpdatedAt = newID(), tx.now, tx.now
	_, err := tx.ExecContext(ctx, `
		INSERT INTO users (id, email, name, password_hash, role, office_id, gestore_id, service_id, disabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		u.ID, u.Email, u.Name, passwordHash, u.Role, nullable(u.OfficeID), nullable(u.GestoreID),
		nullable(u.ServiceID), u.Disabled, u.CreatedAt, u.UpdatedAt)
	if tx.db.dialect.uniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "Esiste già un utente con questo indirizzo e-mail.")
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// Credentials returns the actor and password hash of the enabled user with
// that e-mail; ENOTFOUND when there is none (or it is disabled).
func (db *DB) Credentials(ctx context.Context, email string) (domain.Actor, string, error) {
	return db.actorWhere(ctx, `u.email = $1`, domain.NormalizeEmail(email))
}

// ActorByUserID resolves an enabled user's scope; ENOTFOUND otherwise.
func (db *DB) ActorByUserID(ctx context.Context, id string) (domain.Actor, error) {
	a, _, err := db.actorWhere(ctx, `u.id = $1`, id)
	return a, err
}

// actorWhere loads a user with the scope its role implies, in one query.
func (db *DB) actorWhere(ctx context.Context, cond string, arg any) (domain.Actor, string, error) {
	var (
		a                                     domain.Actor
		hash                                  string
		officeID, sigla, province, gest, serv sql.NullString
	)
	err := db.read.QueryRowContext(ctx, `
		SELECT u.id, u.email, u.name, u.role, u.password_hash, u.office_id, o.sigla, o.province_code,
		       u.gestore_id, u.service_id
		FROM users u
		LEFT JOIN offices o ON o.id = u.office_id
		WHERE `+cond+` AND u.disabled = false`, arg).
		Scan(&a.UserID, &a.Email, &a.Name, &a.Role, &hash, &officeID, &sigla, &province, &gest, &serv)
	if errors.Is(err, sql.ErrNoRows) {
		return a, "", domain.Errorf(domain.ENOTFOUND, "Utente non trovato.")
	}
	if err != nil {
		return a, "", fmt.Errorf("store: load user: %w", err)
	}
	a.OfficeID, a.OfficeSigla, a.GestoreID, a.ServiceID = officeID.String, sigla.String, gest.String, serv.String
	// The coordinator's office is Bologna's but its scope is the region.
	if a.Role != domain.RoleCoordinator {
		a.ProvinceCode = province.String
	}
	return a, hash, nil
}

// CountUsers returns the number of users.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}
