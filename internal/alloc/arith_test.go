package alloc

import (
	"errors"
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

// TestInputExtremes: values Validate lets through must not wrap. A huge
// per_thousand is room for everyone (it converted to int64's minimum: no
// room); a distance is never negative, even between antipodes, where
// rounding took the haversine's h below 0 and its square root to NaN; an
// origin off the globe is refused.
func TestInputExtremes(t *testing.T) {
	for _, c := range []ComuneGuidance{{Residents: 1000, PerThousand: 1e300}, {Residents: 1000, Hosted: 1, PerThousand: 1e300}} {
		if r := c.Room(); r != maxRoom {
			t.Errorf("%+v: room %d, want %d", c, r, int64(maxRoom))
		}
	}
	if r := (ComuneGuidance{Residents: 1000, Hosted: 5, PerThousand: 2.5}).Room(); r != 0 {
		t.Errorf("room %d over the guideline, want 0", r)
	}
	if r := (ComuneGuidance{Residents: 1000, Hosted: 1, PerThousand: 2.5}).Room(); r != 1 {
		t.Errorf("room %d, want 1", r)
	}
	for _, p := range [][4]float64{{222.9238, 265.0628, -42.9238, 85.0628}, {90, 0, -90, 0}, {0, 0, 0, 180}, {10, 20, 10, 20}} {
		if d := Km(Point{Lat: p[0], Lon: p[1]}, p[2], p[3]); d < 0 || d > 20016 {
			t.Errorf("Km(%v) = %d", p, d)
		}
	}
	in := &Instance{Origin: Point{Lat: 222.9238, Lon: 265.0628}, Weights: Weights{Distance: 1}}
	if err := in.Validate(); !errors.Is(err, ErrBadInstance) {
		t.Errorf("origin off the globe: %v", err)
	}
}
