//go:build race

package store_test

// raceEnabled: the race detector slows the fault-injection loop about
// tenfold, so under -race it samples every fourth statement (the full loop
// runs in the PostgreSQL step and without -race).
const raceEnabled = true
