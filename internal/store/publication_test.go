package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// pubFixture hosts, by 30 November 2026: 22 people in a Bologna CAS (23
// entered in October, one left in November), 2 in Imola (entered in
// November) and one in Ferrara, which the metro area's figures must not count.
func pubFixture(t *testing.T, db *store.DB) context.Context {
	t.Helper()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	ctx, bo, g := facilityFixture(t, db, 40)
	imola := &domain.Facility{Name: "Imola", Type: domain.TypeCASAppartamento, Target: domain.TargetMixed, GestoreID: g.ID,
		ComuneCode: "037032", Contracted: 6, Active: 6}
	fe := &domain.Facility{Name: "FE", Type: domain.TypeCASCollettivo, Target: domain.TargetMixed, GestoreID: ferraraGestore(t, db).ID,
		ComuneCode: "038008", Contracted: 10, Active: 10}
	for _, f := range []*domain.Facility{imola, fe} {
		if err := db.Facilities.CreateFacility(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	utc := func(m, d int) time.Time { return time.Date(2026, time.Month(m), d, 9, 0, 0, 0, time.UTC) }
	enter := func(code, sex, nat string, birth int, at time.Time) domain.Stay {
		g := &domain.Guest{Surname: "X", Sex: sex, BirthDate: time.Date(birth, 1, 1, 0, 0, 0, 0, time.UTC), Nationality: nat,
			Stage: domain.StageC3Lodged}
		if err := db.Guests.CreateGuest(ctx, g, nil); err != nil {
			t.Fatal(err)
		}
		s, err := db.Guests.RecordEntry(ctx, g.ID, code, at, "")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	var first domain.Stay
	for i := range 23 {
		nat := "GIN"
		if i%3 == 0 {
			nat = "BGD"
		}
		s := enter(bo.Code, "M", nat, 1995, utc(10, 5))
		if i == 0 {
			first = s
		}
	}
	if err := db.Guests.RecordExit(ctx, first.ID, utc(11, 20), "trasferimento_sai"); err != nil {
		t.Fatal(err)
	}
	enter(imola.Code, "F", "NGA", 2000, utc(11, 10))
	enter(imola.Code, "F", "NGA", 2000, utc(11, 11))
	enter(fe.Code, "M", "TUN", 1990, utc(11, 1))
	return ctx
}

func TestPublicationFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := pubFixture(t, db)
		svc := store.NewPublicationService(db)
		p, err := svc.CreateDraft(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if p.ReferenceDate != "2026-11-30" || p.Version != 1 || p.Status != domain.PubDraft {
			t.Fatalf("draft = %+v", p)
		}
		prev, err := svc.Preview(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		tb := prev.Tables
		raw := func(f domain.PubFigure) int {
			if f.Raw == nil {
				t.Fatalf("preview figure without raw value: %+v", f)
			}
			return *f.Raw
		}
		if got := raw(tb.Total.Presenze); got != 24 {
			t.Errorf("total raw = %d, want 24", got)
		}
		if len(tb.Comuni) != 55 {
			t.Errorf("%d comuni, want 55", len(tb.Comuni))
		}
		rawComune := map[string]int{}
		for _, c := range tb.Comuni {
			rawComune[c.Code] = raw(c.Presenze)
			if c.Residents <= 0 {
				t.Errorf("comune %s without residents", c.Code)
			}
		}
		if rawComune["037006"] != 22 || rawComune["037032"] != 2 || rawComune["038008"] != 0 {
			t.Errorf("raw per comune: Bologna %d, Imola %d", rawComune["037006"], rawComune["037032"])
		}
		profile := map[string]int{}
		for _, c := range tb.Profile {
			profile[c.Dimension+"/"+c.Category] = raw(c.Presenze)
		}
		for k, want := range map[string]int{"sesso/M": 22, "sesso/F": 2, "eta/25-34": 24, "eta/18-24": 0, "eta/0-17": 0,
			"tipo_nucleo/uomini": 22, "tipo_nucleo/donne": 2, "tipo_struttura/cas_collettivo": 22,
			"tipo_struttura/cas_appartamento": 2} {
			if profile[k] != want {
				t.Errorf("profile %s = %d, want %d", k, profile[k], want)
			}
		}
		if profile["nazionalita/GIN"]+profile["nazionalita/BGD"]+profile["nazionalita/NGA"]+profile["nazionalita/ALTRE"] != 24 {
			t.Errorf("nationalities = %v", profile)
		}
		months := map[string][3]int{}
		for _, m := range tb.Months {
			months[m.Month] = [3]int{raw(m.Presenze), raw(m.Ingressi), raw(m.Uscite)}
		}
		if len(tb.Months) != 2 || months["2026-10"] != [3]int{23, 23, 0} || months["2026-11"] != [3]int{24, 2, 1} {
			t.Errorf("months = %v", months)
		}
		// The protected values: nothing in 1..4, every count a multiple of 5.
		check := func(what string, f domain.PubFigure) {
			v, ok := f.Published()
			switch {
			case !ok && (f.Value != nil || f.Status != domain.CellSuppressed):
				t.Errorf("%s: suppressed with a value: %+v", what, f)
			case ok && (v%5 != 0 || (v > 0 && v < 5)):
				t.Errorf("%s: published %d", what, v)
			}
		}
		check("total", tb.Total.Presenze)
		for _, c := range tb.Comuni {
			check(c.Code, c.Presenze)
			if c.Presenze.Status == domain.CellSuppressed && c.PerMille != nil {
				t.Errorf("%s: a rate for a suppressed count", c.Code)
			}
		}
		for _, c := range tb.Profile {
			check(c.Dimension+"/"+c.Category, c.Presenze)
		}
		if tb.Comuni[0].Presenze.Status != domain.CellPublished {
			t.Errorf("an empty comune is shown as 0: %+v", tb.Comuni[0])
		}
		var imola domain.PubComune
		for _, c := range tb.Comuni {
			if c.Code == "037032" {
				imola = c
			}
		}
		if imola.Presenze.Status != domain.CellSuppressed || len(imola.Presenze.Rules) == 0 {
			t.Errorf("Imola (2 people) = %+v, want suppressed with its rule", imola)
		}
	})
}

func TestPublicationWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := pubFixture(t, db)
		svc := store.NewPublicationService(db)
		for _, bad := range []string{"2026-12-02", "2027-01-31", "30/11/2026", "2026-02-30"} {
			if _, err := svc.CreateDraft(ctx, bad, ""); domain.ErrorCode(err) != domain.EINVALID {
				t.Errorf("draft for %q: %v, want invalid", bad, err)
			}
		}
		viewer := storetest.CtxAs(domain.Actor{UserID: "v", Role: domain.RoleViewer})
		if _, err := svc.CreateDraft(viewer, "2026-11-30", ""); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("viewer's draft: %v", err)
		}
		v1, err := svc.CreateDraft(ctx, "2026-11-30", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateDraft(ctx, "2026-11-30", ""); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("second draft: %v, want conflict", err)
		}
		if _, err := svc.Preview(viewer, v1.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("viewer's preview: %v", err)
		}
		if _, err := svc.FindPublished(ctx, ""); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("a draft is found as published: %v", err)
		}
		if _, err := svc.FindPublishedVersion(ctx, v1.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("a draft is found by id: %v", err)
		}
		if pub, _ := svc.ListPublished(ctx); len(pub) != 0 {
			t.Errorf("published list holds a draft: %+v", pub)
		}
		p, err := svc.Publish(ctx, v1.ID, "")
		if err != nil || p.Status != domain.PubPublished || p.PublishedAt == nil {
			t.Fatalf("publish: %+v %v", p, err)
		}
		if _, err := svc.Publish(ctx, v1.ID, ""); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("second publish: %v, want conflict", err)
		}
		got, err := svc.FindPublished(viewer, "")
		if err != nil || got.ID != v1.ID || got.Tables == nil {
			t.Fatalf("find published: %+v %v", got, err)
		}
		if f := got.Tables.Total.Presenze; f.Raw != nil || f.Rules != nil {
			t.Errorf("the public tables carry raw values: %+v", f)
		}
		for _, c := range got.Tables.Comuni {
			if c.Presenze.Raw != nil || c.Presenze.Rules != nil {
				t.Errorf("comune %s carries its raw value", c.Code)
			}
		}

		// A correction: a new version, which needs a note and supersedes v1.
		v2, err := svc.CreateDraft(ctx, "2026-11-30", "")
		if err != nil || v2.Version != 2 {
			t.Fatalf("correction draft: %+v %v", v2, err)
		}
		if cur, _ := svc.FindPublished(ctx, "2026-11-30"); cur.ID != v1.ID {
			t.Errorf("the correction's draft replaced the published version early")
		}
		if _, err := svc.Publish(ctx, v2.ID, ""); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("correction without a note: %v, want invalid", err)
		}
		if _, err := svc.Publish(ctx, v2.ID, "Rettifica: presenze di Imola"); err != nil {
			t.Fatal(err)
		}
		cur, err := svc.FindPublished(ctx, "2026-11-30")
		if err != nil || cur.ID != v2.ID || cur.Note != "Rettifica: presenze di Imola" {
			t.Errorf("current version: %+v %v", cur, err)
		}
		old, err := svc.FindPublishedVersion(ctx, v1.ID)
		if err != nil || old.Status != domain.PubSuperseded || old.SupersededBy != v2.ID || old.Tables == nil {
			t.Errorf("superseded version: %+v %v", old, err)
		}
		all, err := svc.List(ctx)
		if err != nil || len(all) != 2 || all[0].ID != v2.ID {
			t.Errorf("list: %+v %v", all, err)
		}
		if _, err := svc.List(viewer); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("viewer's list: %v", err)
		}
		entries, err := db.Audit.ListAudit(ctx, domain.AuditFilter{Action: "publication."})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range entries {
			actions[e.Action]++
		}
		if actions["publication.draft"] != 2 || actions["publication.publish"] != 2 || actions["publication.supersede"] != 1 {
			t.Errorf("audit = %v", actions)
		}
	})
}
