//go:build !mutant_caselog

package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// logCaseAccess writes one row of the access log in the read's transaction:
// if it fails, the read fails and returns nothing (docs/security.md R9).
func logCaseAccess(ctx context.Context, tx *Tx, a domain.Actor, caseID, purpose string, sections []string, breakGlass bool) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO case_accesses (id, case_id, at, user_id, role, purpose, sections, break_glass, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		newID(), caseID, tx.now, a.Label(), string(a.Role), purpose, strings.Join(sections, ","), breakGlass,
		domain.RequestIDFromContext(ctx)); err != nil {
		return fmt.Errorf("store: case access log: %w", err)
	}
	return nil
}
