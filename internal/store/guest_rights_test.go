package store_test

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// rightsFixture: guests A and B of one household in one facility, A with a
// vulnerability, and C still present; the clock at t0.
func rightsFixture(t *testing.T, db *store.DB, now *time.Time) (a, b, c *domain.Guest, stays []domain.Stay) {
	t.Helper()
	spec, _ := crypt.NewKey("t1")
	db.Keys, _ = crypt.Parse(spec)
	ctx, f, _ := facilityFixture(t, db, 10)
	db.SetClock(func() time.Time { return *now })
	mk := func(cui, surname, household string, vulns []domain.Vulnerability) *domain.Guest {
		g := &domain.Guest{CUI: cui, Surname: surname, GivenName: "Nome" + cui, Sex: domain.SexFemale, Nationality: "ERI",
			BirthDate: time.Date(1993, 7, 14, 0, 0, 0, 0, time.UTC), HouseholdID: household, HouseholdRole: "other",
			ArrivalPlace: "Lampedusa", Stage: domain.StageC3Lodged}
		if err := db.Guests.CreateGuest(ctx, g, vulns); err != nil {
			t.Fatal(err)
		}
		st, err := db.Guests.RecordEntry(ctx, g.ID, f.Code, now.Add(-time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		stays = append(stays, st)
		return g
	}
	household := "H-" + f.Code
	a = mk("CUIAAA01", "CANARY-Anna", household, []domain.Vulnerability{{Code: domain.VulnerabilityCodes[0], Status: "sospetta",
		Source: "CANARY-VULN-source", Date: *now}})
	b = mk("CUIBBB02", "CANARY-Bruna", household, nil)
	c = mk("CUICCC03", "CANARY-Chiara", "", nil)
	return a, b, c, stays
}

// TestGuestExportIsCompleteAndExclusive (R12): the export holds the guest's
// record, stays, vulnerabilities, the writes about them and every read with
// its purpose; nothing about the household member in the same facility nor
// the other guest; only the coordinator (and the command line) may export;
// the export is itself logged.
func TestGuestExportIsCompleteAndExclusive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2020, 3, 1, 10, 0, 0, 0, time.UTC)
		a, b, c, _ := rightsFixture(t, db, &now)
		coord := storetest.CtxAs(domain.Actor{UserID: "coord", Role: domain.RoleCoordinator, ProvinceCode: "037"})
		if _, err := db.Guests.FindGuest(domain.NewContextWithPurpose(coord, "verifica"), a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Guests.FindGuest(coord, b.ID); err != nil {
			t.Fatal(err)
		}
		rights := store.NewGuestRightsService(db)
		for _, role := range []domain.Role{domain.RolePrefecture, domain.RoleOperator, domain.RoleAdmin} {
			if _, err := rights.Export(storetest.CtxAs(domain.Actor{UserID: "x", Role: role, ProvinceCode: "037"}), a.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Errorf("%s exports: %v", role, err)
			}
		}
		exp, err := rights.Export(coord, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(exp)
		doc := string(js)
		for _, want := range []string{a.ID, "CUIAAA01", "CANARY-Anna", "CANARY-VULN-source", "Lampedusa", "guest.create", "verifica"} {
			if !strings.Contains(doc, want) {
				t.Errorf("export lacks %q", want)
			}
		}
		for _, other := range []*domain.Guest{b, c} {
			for _, no := range []string{other.ID, other.CUI, other.Surname, other.GivenName} {
				if strings.Contains(doc, no) {
					t.Errorf("export of A holds %q of another guest", no)
				}
			}
		}
		if len(exp.Stays) != 1 || len(exp.Vulnerabilities) != 1 || len(exp.Accesses) != 1 || exp.Accesses[0].Actor != "coord" {
			t.Errorf("export: %d stays, %d vulnerabilities, accesses %+v", len(exp.Stays), len(exp.Vulnerabilities), exp.Accesses)
		}
		again, err := rights.Export(storetest.Ctx(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(again.Accesses); n != 2 || again.Accesses[1].What != "export" || again.Accesses[1].Purpose != "richiesta_interessato" {
			t.Errorf("the first export is not in the log: %+v", again.Accesses)
		}
		if _, err := rights.Export(coord, "no-such-guest"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("unknown guest: %v", err)
		}
	})
}

// TestGuestRetention (R13): with the injected clock, nobody is anonymised a
// day before the period ends after the last stay, everyone due is a day
// after, except a guest still present; names, CUI, household, place of
// arrival and vulnerabilities go, the statistics' fields stay; access rows
// past their period go; a second run changes nothing.
func TestGuestRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2020, 3, 1, 10, 0, 0, 0, time.UTC)
		a, b, c, stays := rightsFixture(t, db, &now)
		ctx := storetest.Ctx()
		coord := storetest.CtxAs(domain.Actor{UserID: "coord", Role: domain.RoleCoordinator, ProvinceCode: "037"})
		if _, err := db.Guests.FindGuest(coord, a.ID); err != nil {
			t.Fatal(err)
		}
		left := now.Add(30 * 24 * time.Hour)
		now = left
		for _, st := range stays[:2] {
			if err := db.Guests.RecordExit(ctx, st.ID, left, domain.ExitReasons[0]); err != nil {
				t.Fatal(err)
			}
		}
		p := domain.GuestRetention{Guests: 5 * 365 * 24 * time.Hour, Accesses: 2 * 365 * 24 * time.Hour}
		rights := store.NewGuestRightsService(db)
		if _, err := rights.Anonymise(coord, p); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("a user runs the retention job: %v", err)
		}
		now = left.Add(p.Guests - 24*time.Hour)
		run, err := rights.Anonymise(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if run.Anonymised != 0 || run.Accesses != 1 {
			t.Fatalf("a day early: %+v, want 0 anonymised and the one old access row deleted", run)
		}
		now = left.Add(p.Guests + 24*time.Hour)
		if run, err = rights.Anonymise(ctx, p); err != nil {
			t.Fatal(err)
		}
		if run.Anonymised != 2 || run.Vulnerabilities != 1 {
			t.Fatalf("a day late: %+v, want A and B anonymised, A's vulnerability deleted", run)
		}
		for _, g := range []*domain.Guest{a, b} {
			got, err := db.Guests.FindGuest(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Surname != "" || got.GivenName != "" || got.CUI != "" || got.HouseholdID != "" || got.ArrivalPlace != "" ||
				!got.BirthDate.Equal(time.Date(1993, 1, 1, 0, 0, 0, 0, time.UTC)) || !got.BirthEstimated {
				t.Errorf("not anonymised: %+v", got)
			}
			if got.Sex != g.Sex || got.Nationality != g.Nationality || got.Stage != g.Stage {
				t.Errorf("statistics' fields changed: %+v", got)
			}
			if st, err := db.Guests.Stays(ctx, g.ID); err != nil || len(st) != 1 {
				t.Errorf("stays kept for the statistics: %v %v", st, err)
			}
		}
		if got, _ := db.Guests.FindGuest(ctx, c.ID); got.Surname != c.Surname {
			t.Errorf("a present guest was anonymised")
		}
		if v, err := db.Guests.Vulnerabilities(ctx, a.ID); err != nil || len(v) != 0 {
			t.Errorf("vulnerabilities after erasure: %v %v", v, err)
		}
		var n int
		var pool *sql.DB
		for _, p := range db.Pools() {
			pool = p
		}
		if err := pool.QueryRow(`SELECT COUNT(*) FROM guests WHERE surname LIKE 'CANARY-%' OR cui IN ('CUIAAA01', 'CUIBBB02')`).Scan(&n); err != nil || n != 1 {
			t.Errorf("canaries left in guests: %d (want only C's), %v", n, err)
		}
		if run, err = rights.Anonymise(ctx, p); err != nil || run != (domain.RetentionRun{}) {
			t.Errorf("second run: %+v, %v; want nothing to do", run, err)
		}
		if exp, err := rights.Export(ctx, a.ID); err != nil || exp.Anonymised == nil {
			t.Errorf("export after erasure: %v, %+v", err, exp.Anonymised)
		}
	})
}
