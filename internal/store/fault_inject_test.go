package store_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// faultCase is a write use case: prepare (not injected) sets up one run and
// returns it.
type faultCase struct {
	name    string
	prepare func(t *testing.T) func(ctx context.Context) error
}

// TestWritesFailClosed is R6: for each statement k of each write use case
// (holds, availability, stays, plan steps), the engine's busy/locked, I/O
// error, disk full, a cancelled request and (PostgreSQL) a serialization
// failure. A run either succeeds with exactly the effect of a clean run, or
// fails with a database code (409 busy, 503 unavailable: the adapters'
// generic answers) and leaves every table as it was. A single busy or
// serialization failure is retried away; a database that stays busy is tried
// at most four times (three retries). No goroutine outlives the runs.
func TestWritesFailClosed(t *testing.T) {
	in := &injector{}
	undo := store.WrapConnectors(func(c driver.Connector) driver.Connector { return faultConnector{c, in} })
	defer undo()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in.engine = db.Engine()
		now := time.Date(2026, 8, 7, 9, 0, 0, 0, time.UTC)
		as := planFixture(t, db, &now)
		coord := as("coordinamento")
		ctx, f, _ := facilityFixture(t, db, 10_000)
		n := 0
		cases := []faultCase{
			{"hold", func(t *testing.T) func(context.Context) error {
				return func(ctx context.Context) error {
					_, err := db.Facilities.Hold(ctx, f.Code, 1, now.Add(time.Hour), "R6")
					return err
				}
			}},
			{"availability", func(t *testing.T) func(context.Context) error {
				cur, err := db.Facilities.FindFacility(ctx, f.Code)
				if err != nil {
					t.Fatal(err)
				}
				return func(ctx context.Context) error {
					_, err := db.Facilities.SetAvailability(ctx, f.Code, cur.Version, domain.Availability{Occupied: cur.Occupied + 1})
					return err
				}
			}},
			{"stay", func(t *testing.T) func(context.Context) error {
				n++
				g := &domain.Guest{CUI: fmt.Sprintf("R6%06d", n), Surname: "Guasto", GivenName: "Prova", Sex: domain.SexMale,
					BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), Nationality: "NGA", Stage: domain.StageC3Lodged}
				return func(ctx context.Context) error {
					_, err := db.Guests.AdmitGuest(ctx, g, f.Code, now.Add(-time.Hour), "")
					return err
				}
			}},
			{"plan-create", func(t *testing.T) func(context.Context) error {
				return func(ctx context.Context) error {
					p := &domain.Plan{Reference: "R6", Origin: "Lampedusa", ExpectedAt: now.Add(time.Hour)}
					return db.Plans.CreatePlan(ctx, p, []domain.PlanUnit{{ID: "u1", Size: 1, Group: domain.GroupMan}, {ID: "u2", Size: 1, Group: domain.GroupMan}}, nil)
				}
			}},
			{"plan-split", func(t *testing.T) func(context.Context) error {
				p := &domain.Plan{Reference: "R6 split", Origin: "Lampedusa", ExpectedAt: now.Add(time.Hour)}
				if err := db.Plans.CreatePlan(coord, p, []domain.PlanUnit{{ID: "u1", Size: 1, Group: domain.GroupMan}, {ID: "u2", Size: 1, Group: domain.GroupWoman}}, nil); err != nil {
					t.Fatal(err)
				}
				return func(ctx context.Context) error {
					_, err := db.Plans.ProposeSplit(ctx, p.ID)
					return err
				}
			}},
		}
		faults := []fault{faultBusy, faultStuck, faultIO, faultFull, faultCancel}
		if db.Engine() == "postgres" {
			faults = append(faults, faultSerial)
		}
		caller := map[string]context.Context{"hold": coord, "availability": ctx, "stay": ctx, "plan-create": coord, "plan-split": coord}
		var leakOpt goleak.Option
		for i, uc := range cases {
			// Clean runs: the effect, and how many statements there are. The
			// second one counts: the first may create rows that later runs
			// only update (the daily flows' row).
			var stmts int
			var effect map[string]int64
			for range 2 {
				run := uc.prepare(t)
				before := snapshot(t, db)
				in.arm(0, fault{}, nil)
				if err := run(caller[uc.name]); err != nil {
					t.Fatalf("%s, clean run: %v", uc.name, err)
				}
				stmts, _, _, _ = in.disarm()
				effect = delta(before, snapshot(t, db))
			}
			if len(effect) == 0 || stmts == 0 {
				t.Fatalf("%s: the clean run changed nothing (%d statements)", uc.name, stmts)
			}
			if i == 0 {
				leakOpt = goleak.IgnoreCurrent() // the pools' own goroutines
			}
			stuck4 := false
			stride := 1
			if raceEnabled {
				stride = 4
			}
			for _, fl := range faults {
				for k := 1; k <= stmts; k += stride {
					run := uc.prepare(t)
					before := snapshot(t, db)
					rctx, cancel := context.WithCancel(caller[uc.name])
					in.arm(k, fl, cancel)
					err := run(rctx)
					_, fired, retries, inTx := in.disarm()
					cancel()
					got := delta(before, snapshot(t, db))
					where := fmt.Sprintf("%s, %s at statement %d/%d", uc.name, fl.name, k, stmts)
					if fired == 0 {
						continue // the statement count varies (e.g. a cache filled earlier): nothing injected
					}
					switch {
					case err == nil:
						if !maps.Equal(got, effect) {
							t.Errorf("%s: succeeded with %v, a clean run does %v", where, got, effect)
						}
						if fl.sticky {
							t.Errorf("%s: succeeded against a database that stays busy", where)
						}
					case len(got) != 0 && !maps.Equal(got, effect):
						// A failure after the commit (reading the answer back)
						// leaves the whole effect, as a lost response does
						// (the Idempotency-Key covers the retry); a part of it
						// is what must never happen.
						t.Errorf("%s: failed (%v) and left part of the effect: %v of %v", where, err, got, effect)
					}
					code := domain.ErrorCode(err)
					switch fl.name {
					case "busy", "serialization":
						// Retried inside transactions; a plain read outside one
						// (where the engines do not report these) answers 409.
						if err != nil && (inTx || code != domain.ECONFLICT) {
							t.Errorf("%s: one transient failure was not retried away: %v", where, err)
						}
					case "busy-always":
						if code != domain.ECONFLICT {
							t.Errorf("%s: %v (code %q), want the busy conflict", where, err, code)
						}
						if retries > 3 {
							t.Errorf("%s: %d retries, want at most 3", where, retries)
						}
						stuck4 = stuck4 || retries == 3
					case "ioerr", "full":
						if code != domain.EUNAVAILABLE {
							t.Errorf("%s: %v (code %q), want unavailable", where, err, code)
						}
					case "cancel":
						if err != nil && code != domain.EUNAVAILABLE {
							t.Errorf("%s: %v (code %q), want unavailable", where, err, code)
						}
					}
				}
			}
			if !stuck4 {
				t.Errorf("%s: a database that stays busy was never retried up to 4 attempts", uc.name)
			}
		}
		if v, err := db.Audit.VerifyAudit(ctx); err != nil || !v.OK {
			t.Errorf("audit chain after the faults: %+v, %v", v, err)
		}
		goleak.VerifyNone(t, leakOpt)
	})
}

func snapshot(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	s, err := store.Snapshot(storetest.Ctx(), db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// delta is after − before, without the zeros.
func delta(before, after map[string]int64) map[string]int64 {
	d := map[string]int64{}
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if after[k] != before[k] {
			d[k] = after[k] - before[k]
		}
	}
	return d
}

// TestGuestReadFailsWithoutItsAccessRow is the guest access log under injected faults:
// when the access row of a read cannot be written, the read fails and
// returns nothing; a busy database is retried like any write.
func TestGuestReadFailsWithoutItsAccessRow(t *testing.T) {
	in := &injector{}
	undo := store.WrapConnectors(func(c driver.Connector) driver.Connector { return faultConnector{c, in} })
	defer undo()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in.engine = db.Engine()
		ctx, f, _ := facilityFixture(t, db, 10)
		g := &domain.Guest{CUI: "R6READ01", Surname: "Letto", GivenName: "Guasto", Sex: domain.SexMale,
			BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), Nationality: "NGA", Stage: domain.StageC3Lodged}
		if _, err := db.Guests.AdmitGuest(ctx, g, f.Code, time.Now().Add(-time.Hour), ""); err != nil {
			t.Fatal(err)
		}
		reads := map[string]func(context.Context) (int, error){
			"record": func(ctx context.Context) (int, error) {
				got, err := db.Guests.FindGuest(ctx, g.ID)
				if got.ID == "" {
					return 0, err
				}
				return 1, err
			},
			"stays": func(ctx context.Context) (int, error) {
				s, err := db.Guests.Stays(ctx, g.ID)
				return len(s), err
			},
			"search": func(ctx context.Context) (int, error) {
				s, err := db.Guests.SearchGuests(ctx, "Letto")
				return len(s), err
			},
		}
		in.match = "guest_accesses"
		defer func() { in.match = "" }()
		for _, name := range slices.Sorted(maps.Keys(reads)) {
			for _, fl := range []fault{faultIO, faultFull, faultCancel, faultStuck, faultBusy} {
				before := snapshot(t, db)["guest_accesses"]
				rctx, cancel := context.WithCancel(ctx)
				in.arm(1, fl, cancel)
				n, err := reads[name](rctx)
				_, fired, _, _ := in.disarm()
				cancel()
				after := snapshot(t, db)["guest_accesses"]
				if fired == 0 {
					t.Fatalf("%s: no access row was written", name)
				}
				if fl.name == "busy" {
					if err != nil || n == 0 || after != before+1 {
						t.Errorf("%s, busy once: %d results, %v; access rows %d → %d", name, n, err, before, after)
					}
					continue
				}
				if err == nil || n != 0 || after != before {
					t.Errorf("%s, %s on the access row: %d results, err %v; access rows %d → %d", name, fl.name, n, err, before, after)
				}
			}
		}
	})
}
