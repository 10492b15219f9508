package store

import (
	"sort"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Names are sorted in Go, not in SQL: SQLite compares bytes and PostgreSQL
// follows the server's locale, and the same request must give the same order
// on both engines. Italian collation puts "Forlì" before "Forlimpopoli" and
// ignores case.
var (
	collatorMu sync.Mutex
	collator   = collate.New(language.Italian, collate.IgnoreCase, collate.Loose)
)

func sortByName[T any](items []T, name func(T) string) {
	collatorMu.Lock() // a Collator is not safe for concurrent use
	defer collatorMu.Unlock()
	sort.SliceStable(items, func(i, j int) bool {
		return collator.CompareString(name(items[i]), name(items[j])) < 0
	})
}

func sortStrings(s []string) { sort.Strings(s) }
