package store_test

import (
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestSAILoads: a load is atomic (one bad row and nothing is stored), a load
// of the same date replaces the earlier one, each load is audited, and a
// publication carries the latest load at or before its reference date.
func TestSAILoads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := pubFixture(t, db)
		sai := store.NewSAIService(db)
		good := []domain.SAIProject{
			{Line: 2, Code: "P1", Comune: "037006", Type: domain.SAIOrdinari, Places: 100},
			{Line: 3, Code: "P2", Comune: "037006", Type: domain.SAIMSNA, Places: 20},
			{Line: 4, Code: "P3", Comune: "037032", Type: domain.SAIDMDS, Places: 7},
		}
		viewer := storetest.CtxAs(domain.Actor{UserID: "v", Role: domain.RoleViewer})
		if _, err := sai.Load(viewer, "2026-10-31", good, false); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("viewer's load: %v", err)
		}
		// A comune outside the metro area, or unknown to the registry: nothing stored.
		for _, bad := range []string{"038008", "037999"} {
			rows := append(append([]domain.SAIProject{}, good...), domain.SAIProject{Line: 5, Code: "P4", Comune: bad, Type: domain.SAIOrdinari, Places: 5})
			if _, err := sai.Load(ctx, "2026-10-31", rows, false); domain.ErrorCode(err) != domain.EINVALID {
				t.Errorf("load with comune %s: %v, want invalid", bad, err)
			}
		}
		if _, err := sai.Load(ctx, "2026-12-02", good, false); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("load for today: %v, want invalid", err)
		}
		if ls, err := sai.List(ctx); err != nil || len(ls) != 0 {
			t.Fatalf("after refused loads: %+v %v", ls, err)
		}
		l, err := sai.Load(ctx, "2026-10-31", good, true)
		if err != nil {
			t.Fatal(err)
		}
		want := domain.SAISummary{ReferenceDate: "2026-10-31", Ordinari: 100, DMDS: 7, MSNA: 20, Total: 127, Projects: 3, Comuni: 2, Demo: true}
		if l.Summary != want {
			t.Errorf("summary %+v, want %+v", l.Summary, want)
		}
		// The same date again replaces the load.
		if _, err := sai.Load(ctx, "2026-10-31", good[:1], false); err != nil {
			t.Fatal(err)
		}
		if _, err := sai.Load(ctx, "2026-06-30", good, false); err != nil {
			t.Fatal(err)
		}
		ls, err := sai.List(ctx)
		if err != nil || len(ls) != 2 || ls[0].ReferenceDate != "2026-10-31" || ls[0].Total != 100 || ls[0].Demo || ls[1].Total != 127 {
			t.Fatalf("list: %+v %v", ls, err)
		}
		audits, err := db.Audit.ListAudit(ctx, domain.AuditFilter{Action: "sai.load"})
		if err != nil || len(audits) != 3 {
			t.Errorf("%d sai.load audit rows, want 3 (%v)", len(audits), err)
		}
		// A publication carries the latest load at or before its date.
		pubs := store.NewPublicationService(db)
		p, err := pubs.CreateDraft(ctx, "2026-11-30", "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Tables.SAI == nil || p.Tables.SAI.ReferenceDate != "2026-10-31" || p.Tables.SAI.Total != 100 {
			t.Errorf("the publication's SAI = %+v", p.Tables.SAI)
		}
		early, err := pubs.CreateDraft(ctx, "2026-05-31", "")
		if err != nil {
			t.Fatal(err)
		}
		if early.Tables.SAI != nil {
			t.Errorf("a publication before any load carries %+v", early.Tables.SAI)
		}
		if _, err := pubs.Publish(ctx, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		got, err := pubs.FindPublished(viewer, "2026-11-30")
		if err != nil || got.Tables.SAI == nil || got.Tables.SAI.Total != 100 {
			t.Errorf("the public tables' SAI: %+v %v", got.Tables, err)
		}
	})
}
