package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestNetworkTables: Bologna's case worker holds a table, puts a case of
// Bologna on it (its timeline records it), writes sealed decisions and a
// follow-up on the case, then completes it; Ferrara's staff, operators and
// viewers see none of it, and a case of another province or one the table
// did not discuss is refused.
func TestNetworkTables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		ts := store.NewCaseTableService(db)
		caseID, err := w.cs.OpenCase(w.prefBO, w.guest.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := ts.CreateTable(w.prefBO, &domain.NetworkTable{Title: "x"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("a table without date and participants: %v", err)
		}
		tbl := &domain.NetworkTable{Title: "Tavolo vulnerabilità", HeldOn: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			Place: "Prefettura", Participants: []string{"CSM Bologna Ovest", "ASP Città di Bologna"}, Province: "038"}
		if err := ts.CreateTable(w.prefBO, tbl); err != nil {
			t.Fatal(err)
		}
		if tbl.Province != "037" {
			t.Fatalf("a prefecture's table is its province's, got %s", tbl.Province)
		}
		if err := ts.DiscussCase(w.prefBO, tbl.ID, caseID); err != nil {
			t.Fatal(err)
		}
		if err := ts.DiscussCase(w.prefBO, tbl.ID, caseID); err != nil {
			t.Fatalf("discussing twice: %v", err)
		}
		if err := ts.SetDecisions(w.prefBO, tbl.ID, "Presa in carico congiunta CSM e servizi sociali"); err != nil {
			t.Fatal(err)
		}
		if err := ts.AddFollowUp(w.prefBO, tbl.ID, &domain.FollowUp{Text: "x", Owner: "y", Due: *w.now, CaseID: "nope"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("a follow-up on a case not discussed: %v", err)
		}
		f := &domain.FollowUp{Text: "Visita psichiatrica", Owner: "CSM Bologna Ovest", Due: w.now.AddDate(0, 0, 7), CaseID: caseID}
		if err := ts.AddFollowUp(w.prefBO, tbl.ID, f); err != nil {
			t.Fatal(err)
		}
		got, err := ts.GetTable(w.coord, tbl.ID)
		if err != nil || len(got.Cases) != 1 || got.Cases[0].Pseudonym != domain.CasePseudonym(caseID) ||
			!strings.HasPrefix(got.Decisions, "Presa in carico") || len(got.FollowUps) != 1 || got.FollowUps[0].Text != f.Text ||
			got.OpenFollowUp != 1 || got.FollowUps[0].Pseudonym == "" {
			t.Fatalf("table: %+v %v", got, err)
		}
		// Out of scope.
		if _, err := ts.GetTable(w.prefFE, tbl.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("Ferrara reading Bologna's table: %v", err)
		}
		if list, err := ts.ListTables(w.prefFE); err != nil || len(list) != 0 {
			t.Fatalf("Ferrara's list: %d %v", len(list), err)
		}
		if err := ts.DiscussCase(w.prefFE, tbl.ID, caseID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("Ferrara discussing: %v", err)
		}
		if _, err := ts.ListTables(w.operator); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("operator: %v", err)
		}
		if _, err := ts.ListTables(w.viewer); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("viewer: %v", err)
		}
		// A Ferrara table cannot take a Bologna case, even for the coordinator.
		fe := &domain.NetworkTable{Title: "Tavolo Ferrara", HeldOn: *w.now, Participants: []string{"SerDP"}, Province: "038"}
		if err := ts.CreateTable(w.coord, fe); err != nil || fe.Province != "038" {
			t.Fatalf("the coordinator's table for Ferrara: %v %s", err, fe.Province)
		}
		if err := ts.DiscussCase(w.coord, fe.ID, caseID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("a Bologna case at a Ferrara table: %v", err)
		}
		if err := ts.CompleteFollowUp(w.prefBO, tbl.ID, f.ID); err != nil {
			t.Fatal(err)
		}
		if err := ts.CompleteFollowUp(w.prefBO, tbl.ID, f.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("completing twice: %v", err)
		}
		c, err := w.cs.GetCase(w.prefBO, caseID, "tavolo")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range c.Timeline {
			if e.Kind == "table" && e.Params["table"] == tbl.ID {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("the case's timeline has %d table events, want 1", n)
		}
	})
}
