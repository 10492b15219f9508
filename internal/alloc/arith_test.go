package alloc

import (
	"math"
	"math/big"
	"testing"
)

// TestSaturating: the saturating operations and the divisions agree with
// exact arithmetic clamped to the int64 range, at the edges too.
func TestSaturating(t *testing.T) {
	edges := []int64{math.MinInt64, math.MinInt64 + 1, -1 << 40, -1001, -1000, -999, -1, 0, 1, 999, 1000, 1001,
		1 << 40, math.MaxInt64 - 1, math.MaxInt64}
	clamp := func(x *big.Int) int64 {
		if x.Cmp(big.NewInt(math.MaxInt64)) > 0 {
			return math.MaxInt64
		}
		if x.Cmp(big.NewInt(math.MinInt64)) < 0 {
			return math.MinInt64
		}
		return x.Int64()
	}
	for _, a := range edges {
		for _, b := range edges {
			A, B := big.NewInt(a), big.NewInt(b)
			if got, want := satAdd(a, b), clamp(new(big.Int).Add(A, B)); got != want {
				t.Errorf("satAdd(%d, %d) = %d, want %d", a, b, got, want)
			}
			if got, want := satSub(a, b), clamp(new(big.Int).Sub(A, B)); got != want {
				t.Errorf("satSub(%d, %d) = %d, want %d", a, b, got, want)
			}
			if got, want := satMul(a, b), clamp(new(big.Int).Mul(A, B)); got != want {
				t.Errorf("satMul(%d, %d) = %d, want %d", a, b, got, want)
			}
			if b > 0 {
				// big's Div is Euclidean: the floor for b > 0.
				fl := new(big.Int).Div(A, B)
				ce := new(big.Int).Neg(new(big.Int).Div(new(big.Int).Neg(A), B))
				if got := floorDiv(a, b); got != fl.Int64() {
					t.Errorf("floorDiv(%d, %d) = %d, want %v", a, b, got, fl)
				}
				if got := ceilDiv(a, b); got != ce.Int64() {
					t.Errorf("ceilDiv(%d, %d) = %d, want %v", a, b, got, ce)
				}
			}
		}
	}
}
