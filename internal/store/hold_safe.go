//go:build !naivehold

package store

import "context"

// holdCounter: free places are counted inside the write transaction, under
// the facility's row lock (see freeCounter in hold.go).
func holdCounter(context.Context, *DB, []string) freeCounter { return freeNow }
