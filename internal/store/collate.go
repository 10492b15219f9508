package store

import (
	"bytes"
	"sort"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Names are sorted in Go, not in SQL: SQLite compares bytes and PostgreSQL
// follows the server's locale, and the same request must give the same order
// on both engines. Italian collation puts "Forlì" before "Forlimpopoli" and
// ignores case.
//
// A Collator is not safe for concurrent use: each sort takes one from a pool
// (a shared one behind a lock serialised every list page), and computes each
// name's sort key once rather than in every comparison.
var collators = sync.Pool{New: func() any { return collate.New(language.Italian, collate.IgnoreCase, collate.Loose) }}

func sortByName[T any](items []T, name func(T) string) {
	c := collators.Get().(*collate.Collator)
	defer collators.Put(c)
	var buf collate.Buffer
	keys := make([][]byte, len(items))
	for i := range items {
		keys[i] = c.KeyFromString(&buf, name(items[i]))
	}
	sort.Stable(byKey[T]{items, keys})
}

// byKey sorts items by their precomputed collation keys.
type byKey[T any] struct {
	items []T
	keys  [][]byte
}

func (s byKey[T]) Len() int           { return len(s.items) }
func (s byKey[T]) Less(i, j int) bool { return bytes.Compare(s.keys[i], s.keys[j]) < 0 }
func (s byKey[T]) Swap(i, j int) {
	s.items[i], s.items[j] = s.items[j], s.items[i]
	s.keys[i], s.keys[j] = s.keys[j], s.keys[i]
}

func sortStrings(s []string) { sort.Strings(s) }
