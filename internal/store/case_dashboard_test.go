package store_test

import (
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestCaseDashboard: two open cases in Bologna (one restricted, opened 40
// days earlier), an overdue task, a measure whose deadline is within the
// week, a referral accepted and taken in charge three days after it was
// sent, a table's follow-up past due. Ferrara's dashboard is empty; a case
// worker without the restricted permission sees the restricted case only as
// "riservato".
func TestCaseDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		ds := store.NewCaseDashboardService(db)
		ctx := storetest.Ctx()
		other := newGuest(t, ctx, db, "CUI-DASH")
		if _, err := db.Guests.RecordEntry(ctx, other.ID, w.facility.Code, w.now.AddDate(0, -3, 0), ""); err != nil {
			t.Fatal(err)
		}
		restricted := &domain.Report{GuestID: other.ID, Category: "tratta", Urgency: domain.UrgencyUrgent, Description: "x"}
		if err := w.cs.FileReport(w.operator, restricted); err != nil {
			t.Fatal(err)
		}
		if _, err := w.cs.TriageReport(w.coord, restricted.ID, domain.TriageOpen, ""); err != nil {
			t.Fatal(err)
		}
		w.advance(40 * 24 * time.Hour)
		caseID, err := w.cs.OpenCase(w.prefBO, w.guest.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.cs.AddTask(w.prefBO, caseID, "colloquio", w.now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := w.cs.AddMeasure(w.prefBO, caseID, &domain.Measure{Kind: domain.MeasureCommission, DecidedOn: *w.now,
			Reason: "segnalazione"}); err != nil {
			t.Fatal(err)
		}
		ref, err := w.cs.Refer(w.prefBO, caseID, domain.ReferralRequest{ServiceID: w.csmService.ID, Reason: "x",
			Consent: &domain.Consent{Given: true, Date: *w.now, RecordedBy: "x", Purpose: "y", Sections: []string{domain.SectionIdentity}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.cs.AnswerReferral(w.csm, ref, true, "ok"); err != nil {
			t.Fatal(err)
		}
		if err := w.cs.RecordOutcome(w.csm, ref, "in cura", w.now.AddDate(0, 0, 3)); err != nil {
			t.Fatal(err)
		}
		ts := store.NewCaseTableService(db)
		tbl := &domain.NetworkTable{Title: "T", HeldOn: *w.now, Participants: []string{"CSM"}}
		if err := ts.CreateTable(w.prefBO, tbl); err != nil {
			t.Fatal(err)
		}
		if err := ts.AddFollowUp(w.prefBO, tbl.ID, &domain.FollowUp{Text: "x", Owner: "y", Due: w.now.AddDate(0, 0, -2)}); err != nil {
			t.Fatal(err)
		}

		d, err := ds.CaseDashboard(w.prefBO)
		if err != nil {
			t.Fatal(err)
		}
		if d.Open != 2 || d.ByCategory["altro"] != 1 || d.ByCategory[domain.RestrictedKey] != 1 || d.ByCategory["tratta"] != 0 ||
			d.ByAge["0-6"] != 1 || d.ByAge["30-89"] != 1 || d.ByStatus["aperto"] != 2 {
			t.Fatalf("cases: %+v", d)
		}
		if d.TasksOverdue != 1 || d.DeadlinesDueSoon != 1 || d.DeadlinesOverdue != 0 || d.FollowUpsOpen != 1 || d.FollowUpsOverdue != 1 {
			t.Fatalf("deadlines: %+v", d)
		}
		if len(d.Referrals) != 1 || d.Referrals[0].Accepted != 1 || d.Referrals[0].AcceptanceRate != 1 || d.Referrals[0].DaysToTakeIn != 3 {
			t.Fatalf("referrals: %+v", d.Referrals)
		}
		if c, _ := ds.CaseDashboard(w.coord); c.ByCategory["tratta"] != 1 {
			t.Fatalf("the coordinator (restricted permission) sees the category: %+v", c.ByCategory)
		}
		if fe, err := ds.CaseDashboard(w.prefFE); err != nil || fe.Open != 0 || len(fe.Referrals) != 0 || fe.FollowUpsOpen != 0 || fe.TasksOverdue != 0 {
			t.Fatalf("Ferrara's dashboard: %+v %v", fe, err)
		}
		if _, err := ds.CaseDashboard(w.viewer); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("viewer: %v", err)
		}
		// A week later the measure's deadline is overdue.
		w.advance(8 * 24 * time.Hour)
		if d, _ := ds.CaseDashboard(w.prefBO); d.DeadlinesOverdue != 1 || d.DeadlinesDueSoon != 0 {
			t.Fatalf("a week later: %+v", d)
		}
	})
}
