package store

import "context"

// Hooks for the black-box tests in package store_test.

// ProposeSplitTx runs ProposeSplit's transaction alone (no scope check, no
// read-back of the plan).
func ProposeSplitTx(ctx context.Context, db *DB, id string) error {
	return db.InTx(ctx, proposeSplit(ctx, id))
}

// CloseReadPool closes the pool of read-only connections, where it is a pool
// of its own (SQLite): whatever still works reads through a write transaction.
func CloseReadPool(db *DB) bool {
	if db.read == db.write {
		return false
	}
	return db.read.Close() == nil
}
