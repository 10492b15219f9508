package store

import (
	"context"
	"errors"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
)

// TestCloseHoldNotFoundOnlyWhenAbsent: only a hold that is not there (or out
// of scope) is ENOTFOUND; a failing query is an internal error, so a fault is
// never reported to the user as a missing hold.
func TestCloseHoldNotFoundOnlyWhenAbsent(t *testing.T) {
	db := openTest(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name  string
		ctx   context.Context
		fault string // SQL run in the transaction first
		code  string
		cause error
	}{
		{name: "Absent", ctx: context.Background(), code: domain.ENOTFOUND},
		{name: "CancelledContext", ctx: cancelled, code: domain.EINTERNAL, cause: context.Canceled},
		{name: "BrokenQuery", ctx: context.Background(), fault: `DROP TABLE holds`, code: domain.EINTERNAL},
	} {
		t.Run(c.name, func(t *testing.T) {
			sqlTx, err := db.write.BeginTx(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer sqlTx.Rollback()
			if c.fault != "" {
				if _, err := sqlTx.Exec(c.fault); err != nil {
					t.Fatal(err)
				}
			}
			tx := &Tx{Tx: sqlTx, db: db, now: db.Now()}
			_, _, _, err = closeHold(c.ctx, tx, "no-such-hold", "", "released")
			if got := domain.ErrorCode(err); got != c.code {
				t.Fatalf("code %q (%v), want %q", got, err, c.code)
			}
			if c.cause != nil && !errors.Is(err, c.cause) {
				t.Fatalf("error %v does not wrap %v", err, c.cause)
			}
		})
	}
}
