package sdc

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkProtect protects synthetic publications of the public site's
// shape: every table (comune totals, a breakdown by facility type per comune
// with its column margins, the profile tables sharing the metropolitan
// total).
func BenchmarkProtect(b *testing.B) {
	for _, size := range []struct {
		name           string
		people, comuni int
	}{{"8comuni-120people", 120, 8}, {"55comuni-1200people", 1200, 55}} {
		b.Run(size.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(15, 4))
			pub := synthPublication(synthPeople(rng, size.people, size.comuni), size.comuni)
			for b.Loop() {
				if _, err := Protect(pub, DefaultConfig()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
