package store_test

import (
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestIdempotencyAnswers: what a key remembers. A 4xx that committed nothing
// frees the key; a 5xx after the effect committed is not replayed for a day
// (a retry learns the request was carried out); a success is replayed.
func TestIdempotencyAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, f, _ := facilityFixture(t, db, 10)
		idem := store.NewIdempotencyService(db)
		claim := func(key string) domain.IdemOutcome {
			t.Helper()
			_, out, err := idem.Claim(ctx, "u1", key, "h")
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		// A refusal that committed nothing: the key is free again.
		c, out, err := idem.Claim(ctx, "u1", "refused", "h")
		if err != nil || out.State != domain.IdemNew {
			t.Fatalf("claim: %v %v", out, err)
		}
		if err := idem.Finish(c, 422, "application/problem+json", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if out := claim("refused"); out.State != domain.IdemNew {
			t.Fatalf("after a 422 without effect: %q", out.State)
		}
		// A fault after the commit: never replayed, never done again.
		c, _, _ = idem.Claim(ctx, "u1", "fault", "h")
		if _, err := db.Facilities.Hold(c, f.Code, 1, time.Now().Add(time.Hour), "fault after commit"); err != nil {
			t.Fatal(err)
		}
		if err := idem.Finish(c, 503, "application/problem+json", []byte(`{"status":503}`)); err != nil {
			t.Fatal(err)
		}
		if out := claim("fault"); out.State != domain.IdemInFlight {
			t.Fatalf("within the lease: %q", out.State)
		}
		db.SetClock(func() time.Time { return time.Now().Add(store.IdemLease + time.Second) })
		if out := claim("fault"); out.State != domain.IdemLost {
			t.Fatalf("after the lease: %q", out.State)
		}
		db.SetClock(time.Now)
		// A success: replayed as it was.
		c, _, _ = idem.Claim(ctx, "u1", "ok", "h")
		if err := idem.Finish(c, 201, "application/json", []byte(`{"id":"x"}`)); err != nil {
			t.Fatal(err)
		}
		if out := claim("ok"); out.State != domain.IdemReplay || out.Status != 201 || string(out.Body) != `{"id":"x"}` {
			t.Fatalf("replay: %+v", out)
		}
		if _, out, _ := idem.Claim(ctx, "u1", "ok", "other"); out.State != domain.IdemMismatch {
			t.Fatalf("another body: %q", out.State)
		}
	})
}
