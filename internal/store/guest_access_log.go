//go:build !mutant_guestlog

package store

import (
	"context"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// recordGuestReads leaves one access row per guest read, in the read's own
// transaction: if the row cannot be written, the read fails with it.
func recordGuestReads(ctx context.Context, tx *Tx, ids []string, what string) error {
	if len(ids) == 0 {
		return nil
	}
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return fmt.Errorf("store: guest read without an actor in the context")
	}
	role := string(a.Role)
	if a.System != "" {
		role = "system"
	}
	b := newBatch(ctx, tx, "guest_accesses", []string{"id", "guest_id", "at", "actor", "role", "what", "purpose", "request_id"})
	for _, id := range ids {
		if err := b.add(newID(), id, tx.now, a.Label(), role, what, domain.PurposeFromContext(ctx),
			domain.RequestIDFromContext(ctx)); err != nil {
			return fmt.Errorf("store: guest access: %w", err)
		}
	}
	if err := b.flush(); err != nil {
		return fmt.Errorf("store: guest access: %w", err)
	}
	return nil
}
