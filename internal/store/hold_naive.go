//go:build naivehold

package store

// naiveHold is true under the naivehold tag: free places are counted before
// the write transaction begins (read-then-write), as a spreadsheet-minded
// implementation would. The concurrency tests must fail with it.
const naiveHold = true
