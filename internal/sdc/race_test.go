//go:build race

package sdc

// raceEnabled shrinks the random tests under the race detector (the README's
// test command): the linear programmes are slow there and test no
// concurrency.
const raceEnabled = true
