//go:build mutant_caselog

package store

import (
	"context"

	"github.com/gesta-er/gesta/internal/domain"
)

// logCaseAccess, mutation-check build only (.ci/run): a read of a case leaves
// no access row; TestCaseAccessLog must fail with it.
func logCaseAccess(context.Context, *Tx, domain.Actor, string, string, []string, bool) error {
	return nil
}
