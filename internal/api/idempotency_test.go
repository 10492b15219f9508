package api_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/api"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestIdempotencyKeys is R4: a POST retried with the same Idempotency-Key
// has one effect and the first response; another body is refused; a key in
// flight answers 409; a request whose process died between the commit of its
// effect and the storing of its response is never carried out twice.
func TestIdempotencyKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{HistoryDays: 1}); err != nil {
			t.Fatal(err)
		}
		srv := newAPI(t, db)
		tok, userID := tokenFor(t, db, "coordinamento@gesta.example")
		fs, _ := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{ProvinceCode: "037", Type: domain.TypeHub})
		f := fs[0]
		f.Active = f.Occupied + 200
		if f.Active > f.Contracted {
			f.Contracted = f.Active
		}
		if err := db.Facilities.UpdateFacility(ctx, &f, f.Version); err != nil {
			t.Fatal(err)
		}
		url := srv.URL + "/api/v1/facilities/" + f.Code + "/holds"
		expires := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		body := `{"places": 1, "expires_at": "` + expires + `", "reason": "R4"}`
		holds := func() int {
			t.Helper()
			hs, err := db.Facilities.ListHolds(ctx, f.Code)
			if err != nil {
				t.Fatal(err)
			}
			return len(hs)
		}
		before := holds()

		// Ten times in a row: one hold, the same answer, marked as replayed.
		status, _, first := send(t, "POST", url, tok, body, "Idempotency-Key", "seq-1")
		if status != 201 {
			t.Fatalf("first: %d %s", status, first)
		}
		for i := range 9 {
			s, h, b := send(t, "POST", url, tok, body, "Idempotency-Key", "seq-1")
			if s != 201 || !bytes.Equal(b, first) || h.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay %d: %d %q %s", i, s, h.Get("Idempotent-Replayed"), b)
			}
		}
		if n := holds(); n != before+1 {
			t.Fatalf("10 sequential sends: %d holds, want %d", n, before+1)
		}
		// Without a key, the same body is a new hold (the key is what makes a retry).
		if s, _, _ := send(t, "POST", url, tok, body); s != 201 || holds() != before+2 {
			t.Fatalf("no key: %d", s)
		}

		// Fifty at once: one effect; every answer is the first one or "in flight".
		var wg sync.WaitGroup
		var mu sync.Mutex
		answers := map[int][][]byte{}
		for range 50 {
			wg.Go(func() {
				s, _, b := send(t, "POST", url, tok, body, "Idempotency-Key", "conc-1")
				mu.Lock()
				answers[s] = append(answers[s], b)
				mu.Unlock()
			})
		}
		wg.Wait()
		if n := holds(); n != before+3 {
			t.Fatalf("50 concurrent sends: %d holds, want %d (answers by status: %d 201, %d 409)", n, before+3,
				len(answers[201]), len(answers[409]))
		}
		if len(answers[201])+len(answers[409]) != 50 || len(answers[201]) == 0 {
			t.Fatalf("concurrent answers: %v", keys(answers))
		}
		for _, b := range answers[201] {
			if !bytes.Equal(b, answers[201][0]) {
				t.Fatalf("different answers to one key:\n%s\n%s", b, answers[201][0])
			}
		}
		if s, _, b := send(t, "POST", url, tok, body, "Idempotency-Key", "conc-1"); s != 201 || !bytes.Equal(b, answers[201][0]) {
			t.Fatalf("replay after the burst: %d %s", s, b)
		}

		// The same key with another body: 422, nothing done.
		other := `{"places": 2, "expires_at": "` + expires + `", "reason": "R4"}`
		if s, _, b := send(t, "POST", url, tok, other, "Idempotency-Key", "seq-1"); s != 422 || holds() != before+3 {
			t.Fatalf("other body: %d %s", s, b)
		}
		// Keys are per user: another user's "seq-1" is a key of its own.
		tok2, _ := tokenFor(t, db, "prefettura.bo@gesta.example")
		if s, h, b := send(t, "POST", url, tok2, body, "Idempotency-Key", "seq-1"); s != 201 || h.Get("Idempotent-Replayed") != "" {
			t.Fatalf("another user's key: %d %s", s, b)
		}
		if s, _, _ := send(t, "POST", url, tok, body, "Idempotency-Key", "bad key"); s != 400 {
			t.Fatalf("malformed key: %d", s)
		}
		base := holds()

		// In flight: a claim held by a request still running (taken here
		// through the service, as the middleware does) answers 409.
		idem := store.NewIdempotencyService(db)
		actx := domain.NewContextWithActor(ctx, actorOf(t, db, "coordinamento@gesta.example"))
		if _, out, err := idem.Claim(actx, userID, "flight-1", api.RequestHash("POST", "/api/v1/facilities/"+f.Code+"/holds", []byte(body))); err != nil || out.State != domain.IdemNew {
			t.Fatalf("claim: %v %v", out, err)
		}
		if s, _, b := send(t, "POST", url, tok, body, "Idempotency-Key", "flight-1"); s != 409 || holds() != base {
			t.Fatalf("in flight: %d %s", s, b)
		}

		// The process dies between the commit of the effect and the storing
		// of its response: the effect's transaction marked the key, so a
		// retry is never carried out again (409, "read the resource").
		cctx, out, err := idem.Claim(actx, userID, "crash-1", api.RequestHash("POST", "/api/v1/facilities/"+f.Code+"/holds", []byte(body)))
		if err != nil || out.State != domain.IdemNew {
			t.Fatalf("claim: %v %v", out, err)
		}
		if _, err := db.Facilities.Hold(cctx, f.Code, 1, time.Now().Add(time.Hour), "R4 crash"); err != nil {
			t.Fatal(err)
		}
		// (no Finish: the response was never stored)
		db.SetClock(func() time.Time { return time.Now().Add(store.IdemLease + time.Minute) })
		if s, _, b := send(t, "POST", url, tok, body, "Idempotency-Key", "crash-1"); s != 409 || holds() != base+1 {
			t.Fatalf("retry after a crash past the commit: %d %s; holds %d, want %d", s, b, holds(), base+1)
		}
		// A claim whose request died before committing anything is taken
		// over once its lease has run out: the retry does the work once.
		if s, _, b := send(t, "POST", url, tok, body, "Idempotency-Key", "flight-1"); s != 201 || holds() != base+2 {
			t.Fatalf("retry after a crash before the commit: %d %s", s, b)
		}

		// After 24 hours the keys are forgotten (the cleanup job).
		db.SetClock(func() time.Time { return time.Now().Add(store.IdemTTL + time.Hour) })
		n, err := idem.PurgeIdempotencyKeys(ctx)
		if err != nil || n < 4 {
			t.Fatalf("purge: %d, %v", n, err)
		}
		db.SetClock(time.Now)
		if s, h, _ := send(t, "POST", url, tok, body, "Idempotency-Key", "seq-1"); s != 201 || h.Get("Idempotent-Replayed") != "" {
			t.Fatalf("a purged key: %d", s)
		}
	})
}

func actorOf(t *testing.T, db *store.DB, email string) domain.Actor {
	t.Helper()
	c, err := db.Users.Credentials(storetest.Ctx(), email)
	if err != nil {
		t.Fatal(err)
	}
	return c.Actor
}

func keys[V any](m map[int]V) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}
