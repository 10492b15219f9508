//go:build sdc_norounding

package sdc

// roundBase does not round under the sdc_norounding tag: the mutation check
// in .ci/run builds the package so and expects the attack test to fail.
func roundBase(n, base int) int {
	return n
}
