package store

import (
	"time"

	"github.com/google/uuid"

	"github.com/gesta-er/gesta/internal/domain"
)

// Helpers shared by every service of the store.

// newID returns a UUIDv7: time-ordered, so inserts stay local in the indexes.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// italy is the Italian clock: days, deadlines and months are Italian.
var italy = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// conflictf is an ECONFLICT error with a message id and key/value arguments.
func conflictf(msgID string, kv ...any) error { return domain.Err(domain.ECONFLICT, msgID, kv...) }

// staleVersion is the answer to a write made on an older version (If-Match).
func staleVersion() error {
	return domain.Err(domain.EPRECONDITION, "err.facility.stale")
}

// changed tells subscribers (the board's live updates) that a facility's
// figures changed; it runs after the commit.
func (db *DB) changed(code string) {
	db.boardCache.invalidate()
	db.today.invalidate(db.provinceOfFacility(code))
	db.publish(code)
}
