//go:build !naivehold

package store

// naiveHold is false: holds count free places under the facility's row lock.
// The naivehold build tag swaps in a read-then-write variant for the mutation
// check of the concurrency test.
const naiveHold = false
