package store_test

import (
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestGuestReadsAreLogged: every read that shows a guest — the record, its
// stays, its vulnerabilities, a search, the list of present guests — leaves
// an access row with who, what and why in the read's transaction; if the row
// cannot be written the read fails; the log is readable by the coordinator
// and the guest's prefecture, not by another province or an operator.
func TestGuestReadsAreLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		spec, _ := crypt.NewKey("t1")
		db.Keys, _ = crypt.Parse(spec)
		ctx, f, g := facilityFixture(t, db, 10)
		offices, _ := db.Orgs.ListOffices(ctx)
		officeOf := map[string]string{}
		for _, o := range offices {
			officeOf[o.ProvinceCode] = o.ID
		}
		prefBO := storetest.CtxAs(domain.Actor{UserID: "pref-bo", Role: domain.RolePrefecture, OfficeID: officeOf["037"], ProvinceCode: "037"})
		prefFE := storetest.CtxAs(domain.Actor{UserID: "pref-fe", Role: domain.RolePrefecture, OfficeID: officeOf["038"], ProvinceCode: "038"})
		op := storetest.CtxAs(domain.Actor{UserID: "op-bo", Role: domain.RoleOperator, GestoreID: g.ID})
		coord := storetest.CtxAs(domain.Actor{UserID: "coord", Role: domain.RoleCoordinator, OfficeID: officeOf["037"], ProvinceCode: "037"})

		guest := &domain.Guest{CUI: "ABC12345", Surname: "Letto", GivenName: "Spesso", Sex: domain.SexMale,
			BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), Nationality: "NGA", Stage: domain.StageC3Lodged}
		if _, err := db.Guests.AdmitGuest(op, guest, f.Code, time.Now().Add(-time.Hour), ""); err != nil {
			t.Fatal(err)
		}
		if err := db.Guests.CreateGuest(ctx, &domain.Guest{Surname: "Altro", Sex: domain.SexFemale, Nationality: "ERI",
			BirthDate: time.Date(1991, 1, 1, 0, 0, 0, 0, time.UTC), Stage: domain.StageC3Lodged},
			[]domain.Vulnerability{{Code: domain.VulnerabilityCodes[0], Status: "sospetta"}}); err != nil {
			t.Fatal(err)
		}
		reads := []struct {
			what string
			read func() error
		}{
			{"record", func() error {
				_, err := db.Guests.FindGuest(domain.NewContextWithPurpose(prefBO, "verifica"), guest.ID)
				return err
			}},
			{"stays", func() error { _, err := db.Guests.Stays(prefBO, guest.ID); return err }},
			{"search", func() error { _, err := db.Guests.SearchGuests(op, "ABC12345"); return err }},
			{"present", func() error {
				_, _, err := db.Guests.SearchPresent(op, domain.PresentFilter{Facility: f.Code})
				return err
			}},
			{"vulnerabilities", func() error { _, err := db.Guests.Vulnerabilities(coord, guest.ID); return err }},
		}
		for _, r := range reads {
			if err := r.read(); err != nil {
				t.Fatalf("%s: %v", r.what, err)
			}
		}
		log, err := db.Guests.GuestAccesses(coord, guest.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != len(reads) {
			t.Fatalf("%d access rows for %d reads: %+v", len(log), len(reads), log)
		}
		for i, r := range reads { // newest first
			got := log[len(log)-1-i]
			if got.What != r.what {
				t.Errorf("row %d: %q, want %q", i, got.What, r.what)
			}
		}
		if last := log[len(log)-1]; last.Actor != "pref-bo" || last.Purpose != "verifica" || last.Role != "prefecture" {
			t.Errorf("the first read's row: %+v", last)
		}
		// Who may read the log.
		if _, err := db.Guests.GuestAccesses(prefBO, guest.ID, 0); err != nil {
			t.Errorf("the guest's prefecture: %v", err)
		}
		if _, err := db.Guests.GuestAccesses(prefFE, guest.ID, 0); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("another province: %v", err)
		}
		if _, err := db.Guests.GuestAccesses(op, guest.ID, 0); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("an operator: %v", err)
		}
		// A read whose access row cannot be written fails.
		rename := func(from, to string) {
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `ALTER TABLE `+from+` RENAME TO `+to)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		rename("guest_accesses", "guest_accesses_away")
		for _, r := range reads {
			if err := r.read(); err == nil {
				t.Errorf("%s succeeded without its access row", r.what)
			}
		}
		rename("guest_accesses_away", "guest_accesses")
	})
}
