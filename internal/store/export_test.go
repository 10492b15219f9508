package store

import (
	"context"
	"database/sql/driver"
)

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

// WrapConnectors puts w between the databases opened from now on and their
// engine (fault injection); the returned function undoes it.
func WrapConnectors(w func(driver.Connector) driver.Connector) func() {
	wrapConnector = w
	return func() { wrapConnector = nil }
}

// Snapshot counts the rows of every table (and sums the facilities'
// versions and occupied places), to show that a failed write left nothing
// behind.
func Snapshot(ctx context.Context, db *DB) (map[string]int64, error) {
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.dialect.name() == "postgres" {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	names, err := queryAll(ctx, db.write, "tables", func(s scanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	}, list)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+n).Scan(&c); err != nil {
			return nil, err
		}
		out[n] = c
	}
	var v, o int64
	if err := db.write.QueryRowContext(ctx, `SELECT COALESCE(SUM(version), 0), COALESCE(SUM(occupied), 0) FROM facilities`).Scan(&v, &o); err != nil {
		return nil, err
	}
	out["facilities.version"], out["facilities.occupied"] = v, o
	return out, nil
}
