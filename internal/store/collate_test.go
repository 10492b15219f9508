package store

import (
	"slices"
	"sync"
	"testing"
)

// TestSortByName: Italian order (accents and case do not lead), stable for
// equal names, and safe when many requests sort at once (go test -race).
func TestSortByName(t *testing.T) {
	type org struct{ name, id string }
	want := []string{"àncora", "Bologna", "bologna", "Forlì", "Forlimpopoli", "Zola Predosa"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := []org{{"Zola Predosa", "1"}, {"Forlimpopoli", "2"}, {"Bologna", "3"}, {"Forlì", "4"}, {"bologna", "5"}, {"àncora", "6"}}
			sortByName(in, func(o org) string { return o.name })
			var got []string
			for _, o := range in {
				got = append(got, o.name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("order %q, want %q", got, want)
			}
		}()
	}
	wg.Wait()
}
