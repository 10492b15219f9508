//go:build !sdc_norounding

package sdc

// roundBase rounds n ≥ 0 to the nearest multiple of base (R6); base is odd,
// so there are no ties.
func roundBase(n, base int) int {
	return (n + base/2) / base * base
}
