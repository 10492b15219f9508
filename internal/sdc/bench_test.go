package sdc

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkProtect protects a synthetic publication of 8 comuni and 120
// people (every table of the public site's shape).
func BenchmarkProtect(b *testing.B) {
	rng := rand.New(rand.NewPCG(15, 4))
	pub := synthPublication(synthPeople(rng, 120, 8), 8)
	for b.Loop() {
		if _, err := Protect(pub, DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
}
