//go:build mutant_household

package store

import "context"

// checkHousehold, mutation-check build only (.ci/run): a guest may join any
// household; the authorization matrix's foreign-reference walk must fail.
func checkHousehold(context.Context, *Tx, string) error { return nil }
