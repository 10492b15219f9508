package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/notify"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// caseWorld is a Bologna facility with a guest present, the people who deal
// with complex cases, and a Ferrara prefecture user for scope checks.
type caseWorld struct {
	db                                        *store.DB
	cs                                        *store.CaseService
	now                                       *time.Time
	facility                                  *domain.Facility
	guest                                     *domain.Guest
	operator, prefBO, prefFE, coord, csm, sFE context.Context
	viewer, admin, otherOp                    context.Context
	csmService                                *domain.Service
	prefBOUser                                *domain.User
}

func newCaseWorld(t *testing.T, db *store.DB) *caseWorld {
	t.Helper()
	spec, _ := crypt.NewKey("t1")
	db.Keys, _ = crypt.Parse(spec)
	db.BaseURL = "https://gesta.example"
	now := time.Date(2026, 11, 30, 1, 40, 0, 0, time.UTC) // 02:40 in Bologna: a report at night
	w := &caseWorld{db: db, cs: store.NewCaseService(db), now: &now}
	db.SetClock(func() time.Time { return *w.now })
	ctx, f, g := facilityFixture(t, db, 10)
	w.facility = f
	offices, _ := db.Orgs.ListOffices(ctx)
	office := map[string]string{}
	for _, o := range offices {
		office[o.Sigla] = o.ID
	}
	w.csmService = &domain.Service{Name: "CSM Bologna Ovest", Kind: domain.ServiceCSM, ProvinceCode: "037", Email: "csm@ausl.example"}
	if err := db.Orgs.CreateService(ctx, w.csmService); err != nil {
		t.Fatal(err)
	}
	sfe := &domain.Service{Name: "SerDP Ferrara", Kind: domain.ServiceSerDP, ProvinceCode: "038"}
	if err := db.Orgs.CreateService(ctx, sfe); err != nil {
		t.Fatal(err)
	}
	other := ferraraGestore(t, db)
	user := func(email string, role domain.Role, officeID, gestoreID, serviceID string) (context.Context, *domain.User) {
		u := &domain.User{Email: email, Name: email, Role: role, OfficeID: officeID, GestoreID: gestoreID, ServiceID: serviceID}
		if err := db.Users.CreateUser(ctx, u, "h"); err != nil {
			t.Fatal(err)
		}
		a, err := db.Users.ActorByUserID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return domain.NewContextWithRequestID(storetest.CtxAs(a), "req-"+email), u
	}
	w.operator, _ = user("op@coop.example", domain.RoleOperator, "", g.ID, "")
	w.otherOp, _ = user("op@fe.example", domain.RoleOperator, "", other.ID, "")
	w.prefBO, w.prefBOUser = user("casi@pref-bo.example", domain.RolePrefecture, office["BO"], "", "")
	w.prefFE, _ = user("casi@pref-fe.example", domain.RolePrefecture, office["FE"], "", "")
	w.coord, _ = user("coord@pref-bo.example", domain.RoleCoordinator, office["BO"], "", "")
	w.csm, _ = user("medico@csm.example", domain.RoleService, "", "", w.csmService.ID)
	w.sFE, _ = user("serdp@fe.example", domain.RoleService, "", "", sfe.ID)
	w.viewer, _ = user("viewer@x.example", domain.RoleViewer, "", "", "")
	w.admin, _ = user("admin@x.example", domain.RoleAdmin, "", "", "")
	w.guest = newGuest(t, ctx, db, "CUI-CASE", domain.Vulnerability{Code: "disturbo_mentale", Status: "sospetta",
		Source: "medico della struttura", Date: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if _, err := db.Guests.RecordEntry(ctx, w.guest.ID, f.Code, time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC), ""); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *caseWorld) advance(d time.Duration) { *w.now = w.now.Add(d) }

func accessCount(t *testing.T, db *store.DB, caseID string) int {
	t.Helper()
	var n int
	err := db.InTx(storetest.Ctx(), func(tx *store.Tx) error {
		return tx.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM case_accesses WHERE case_id = $1`, caseID).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCaseFlow walks the case files' flow as far as it is built: a report filed at
// night by an operator, triage into a case, an art. 17 vulnerability, a task
// and an art. 23 measure with its deadline, a referral refused for lack of
// consent then sent with consent, accepted by the CSM's worker who reads only
// the referred sections, the case closed; every read leaves one access row
// with its purpose.
func TestCaseFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		cs := w.cs
		description := "Ospite agitato durante la notte, riferisce di non dormire da giorni " + uuid.NewString()

		// Report: only about a guest present in the operator's own facility.
		if err := cs.FileReport(w.otherOp, &domain.Report{GuestID: w.guest.ID, Category: "disagio_psichico",
			Urgency: domain.UrgencyImmediate, Description: "x"}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("another entity's operator reporting: %v", err)
		}
		if err := cs.FileReport(w.operator, &domain.Report{GuestID: w.guest.ID, Category: "psichiatria",
			Urgency: "alta", Description: description}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("unknown codes: %v", err)
		}
		if err := cs.FileReport(w.prefBO, &domain.Report{GuestID: w.guest.ID, Category: "salute", Urgency: "urgente",
			Description: "x"}); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("prefecture filing a report: %v", err)
		}
		rep := &domain.Report{GuestID: w.guest.ID, Category: "disagio_psichico", Urgency: domain.UrgencyImmediate, Description: description}
		if err := cs.FileReport(w.operator, rep); err != nil {
			t.Fatal(err)
		}
		// An immediate report notifies Bologna's case workers at once, without its content.
		if inbox, _ := db.Plans.Inbox(w.prefBO, 10); len(inbox) != 1 || inbox[0].Kind != "report_immediate" ||
			strings.Contains(inbox[0].Title, "agitato") {
			t.Fatalf("prefecture inbox = %+v", inbox)
		}
		msgs, _ := db.Outbox.PendingMessages(storetest.Ctx(), 100)
		if len(msgs) == 0 {
			t.Fatal("no e-mail for an immediate report")
		}
		for _, m := range msgs {
			// Rendered as it will be sent: the link, never the content.
			subject, body, err := notify.Render("it", m.Kind, m.Params)
			if err != nil || strings.Contains(body, "agitato") || strings.Contains(subject, "agitato") ||
				!strings.Contains(body, "https://gesta.example/segnalazioni") {
				t.Fatalf("e-mail of an immediate report = %+v: %q %q %v", m, subject, body, err)
			}
		}
		if inbox, _ := db.Plans.Inbox(w.prefFE, 10); len(inbox) != 0 {
			t.Fatalf("Ferrara notified of a Bologna report: %+v", inbox)
		}
		mine, err := cs.MyReports(w.operator)
		if err != nil || len(mine) != 1 || mine[0].Status != domain.ReportNew || mine[0].Description != "" {
			t.Fatalf("operator's reports = %+v, %v", mine, err)
		}

		// Triage by the prefecture: Ferrara does not see it; Bologna opens a case.
		if _, err := cs.TriageReport(w.prefFE, rep.ID, domain.TriageOpen, ""); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("Ferrara triaging a Bologna report: %v", err)
		}
		if _, err := cs.TriageReport(w.prefBO, rep.ID, domain.TriageMerge, ""); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("merging without an open case: %v", err)
		}
		w.advance(7 * time.Hour)
		caseID, err := cs.TriageReport(w.prefBO, rep.ID, domain.TriageOpen, "")
		if err != nil || caseID == "" {
			t.Fatalf("open: %q %v", caseID, err)
		}
		if _, err := cs.TriageReport(w.prefBO, rep.ID, domain.TriageClose, "doppia"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("triaging twice: %v", err)
		}
		if mine, _ := cs.MyReports(w.operator); mine[0].Status != domain.ReportOpened || mine[0].CaseID != "" {
			t.Fatalf("operator sees = %+v", mine[0])
		}
		// A second report merges into the open case.
		rep2 := &domain.Report{GuestID: w.guest.ID, Category: "conflitto", Urgency: domain.UrgencyOrdinary, Description: "lite in mensa"}
		if err := cs.FileReport(w.operator, rep2); err != nil {
			t.Fatal(err)
		}
		if id, err := cs.TriageReport(w.prefBO, rep2.ID, domain.TriageMerge, ""); err != nil || id != caseID {
			t.Fatalf("merge = %q, %v", id, err)
		}

		// Case: worker, vulnerability from the registry, a task, an art. 23 measure.
		if err := cs.AssignWorker(w.prefBO, caseID, w.prefBOUser.ID); err != nil {
			t.Fatal(err)
		}
		if err := cs.LinkVulnerability(w.prefBO, caseID, "disturbo_mentale"); err != nil {
			t.Fatal(err)
		}
		if err := cs.LinkVulnerability(w.prefBO, caseID, "tratta"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("a vulnerability the registry lacks: %v", err)
		}
		due := w.now.Add(72 * time.Hour)
		if _, err := cs.AddTask(w.prefBO, caseID, "Contattare il medico di struttura", due); err != nil {
			t.Fatal(err)
		}
		m := &domain.Measure{Kind: domain.MeasureSuspension, DecidedOn: *w.now, DurationDays: 30, Reason: "danneggiamento doloso ripetuto"}
		if err := cs.AddMeasure(w.prefBO, caseID, m); err != nil {
			t.Fatal(err)
		}
		if m.Deadline == nil || !m.Deadline.Equal(time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("deadline = %v", m.Deadline)
		}
		if err := cs.AddMeasure(w.prefBO, caseID, &domain.Measure{Kind: domain.MeasureSuspension, DecidedOn: *w.now,
			DurationDays: 200, Reason: "x"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("suspension of 200 days: %v", err)
		}
		noteText := "Colloquio con mediatrice: " + uuid.NewString()
		if _, err := cs.AddNote(w.prefBO, caseID, noteText); err != nil {
			t.Fatal(err)
		}
		// Status: out of order is a conflict with the reason; in order works.
		if err := cs.SetStatus(w.prefBO, caseID, domain.CaseMonitoring, 0); domain.ErrorCode(err) != domain.ECONFLICT ||
			domain.SafeError(err).MsgID != "err.case.transition_order" {
			t.Fatalf("open → monitoring: %v", err)
		}
		if err := cs.SetStatus(w.prefBO, caseID, domain.CaseAssessment, 0); err != nil {
			t.Fatal(err)
		}

		// Reads: a purpose is required; each read leaves exactly one row.
		if _, err := cs.GetCase(w.prefBO, caseID, ""); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("read without purpose: %v", err)
		}
		before := accessCount(t, db, caseID)
		c, err := cs.GetCase(w.prefBO, caseID, "presa_in_carico")
		if err != nil {
			t.Fatal(err)
		}
		if accessCount(t, db, caseID) != before+1 {
			t.Fatalf("the read left %d access rows", accessCount(t, db, caseID)-before)
		}
		if c.Status != domain.CaseAssessment || c.Guest == nil || c.Guest.ID != w.guest.ID || len(c.Reports) != 2 ||
			c.Reports[0].Description != description || len(c.Vulnerabilities) != 1 || c.Vulnerabilities[0].Code != "disturbo_mentale" ||
			len(c.Tasks) != 1 || c.Tasks[0].Overdue || len(c.Measures) != 1 || c.Measures[0].Reason != m.Reason ||
			len(c.Notes) != 1 || c.Notes[0].Text != noteText || len(c.Sections) != len(domain.CaseSections) {
			t.Fatalf("case = %+v", c)
		}
		kinds := []string{}
		for _, e := range c.Timeline {
			kinds = append(kinds, e.Kind)
		}
		if strings.Join(kinds, ",") != "opened,report_linked,report_merged,worker,vulnerability,task,measure,note,status" {
			t.Fatalf("timeline = %v", kinds)
		}
		// Out of scope reads as not found, and leaves no row.
		for name, ctx := range map[string]context.Context{"Ferrara": w.prefFE, "operator": w.operator, "service": w.csm,
			"viewer": w.viewer, "admin": w.admin} {
			if _, err := cs.GetCase(ctx, caseID, "verifica"); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("%s reading the case: %v", name, err)
			}
		}
		if accessCount(t, db, caseID) != before+1 {
			t.Fatal("a refused read left an access row")
		}
		// The task falls overdue when its day passes.
		w.advance(96 * time.Hour)
		if c, _ := cs.GetCase(w.coord, caseID, "controllo"); len(c.Tasks) != 1 || !c.Tasks[0].Overdue {
			t.Fatalf("overdue task = %+v", c.Tasks)
		}

		// Referral: refused without consent, and with refused consent; an
		// override needs the permission; then sent with consent.
		csmID := w.csmService.ID
		if _, err := cs.Refer(w.prefBO, caseID, domain.ReferralRequest{ServiceID: csmID, Reason: "valutazione psichiatrica"}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("referral without consent: %v", err)
		}
		if _, err := cs.Refer(w.prefBO, caseID, domain.ReferralRequest{ServiceID: csmID, Reason: "valutazione",
			Consent: &domain.Consent{Given: false, Date: *w.now, RecordedBy: "x", Purpose: "y"}}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("referral with refused consent: %v", err)
		}
		if _, err := cs.Refer(w.prefBO, caseID, domain.ReferralRequest{ServiceID: csmID, Reason: "valutazione",
			OverrideReason: "urgenza"}); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("override without the permission: %v", err)
		}
		consent := &domain.Consent{Given: true, Date: *w.now, RecordedBy: "operatrice legale della struttura",
			Purpose: "valutazione e presa in carico al CSM", Sections: []string{domain.SectionIdentity, domain.SectionReports}}
		if _, err := cs.Refer(w.prefBO, caseID, domain.ReferralRequest{ServiceID: "nope", Reason: "x", Consent: consent}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("unknown service: %v", err)
		}
		refID, err := cs.Refer(w.prefBO, caseID, domain.ReferralRequest{ServiceID: csmID, Reason: "valutazione psichiatrica", Consent: consent})
		if err != nil {
			t.Fatal(err)
		}
		// The coordinator's override is recorded, flagged and in the timeline.
		if _, err := cs.Refer(w.coord, caseID, domain.ReferralRequest{ServiceID: csmID, Reason: "rischio per sé",
			OverrideReason: "rischio suicidario riferito dal medico"}); err != nil {
			t.Fatal(err)
		}
		if inbox, _ := db.Plans.Inbox(w.coord, 10); len(inbox) == 0 || inbox[0].Kind != "referral_override" {
			t.Fatalf("coordinator inbox = %+v", inbox)
		}

		// The CSM's worker: its referrals, then only the referred sections.
		list, err := cs.Referrals(w.csm)
		if err != nil || len(list) != 2 || list[0].ID != refID || list[0].Reason != "" {
			t.Fatalf("CSM referrals = %+v, %v", list, err)
		}
		if list, _ := cs.Referrals(w.sFE); len(list) != 0 {
			t.Fatalf("Ferrara's service sees %d referrals", len(list))
		}
		if _, err := cs.ReferredCase(w.sFE, refID, "invio"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("another service reading the referral: %v", err)
		}
		before = accessCount(t, db, caseID)
		rc, err := cs.ReferredCase(w.csm, refID, "invio")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rc.Case.Sections, []string{domain.SectionIdentity, domain.SectionReports}) || rc.Case.Guest == nil ||
			len(rc.Case.Reports) != 2 || rc.Case.Notes != nil || rc.Case.Measures != nil || rc.Case.Vulnerabilities != nil ||
			rc.Case.Tasks != nil || rc.Case.Timeline != nil || rc.Case.Referrals != nil || rc.Referral.Reason != "valutazione psichiatrica" {
			t.Fatalf("referred case = %+v", rc.Case)
		}
		if accessCount(t, db, caseID) != before+1 {
			t.Fatal("the service's read left no access row")
		}
		if err := cs.RecordOutcome(w.csm, refID, "preso in carico", *w.now); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("outcome before acceptance: %v", err)
		}
		if err := cs.AnswerReferral(w.csm, refID, true, "primo colloquio fissato"); err != nil {
			t.Fatal(err)
		}
		if err := cs.AnswerReferral(w.csm, refID, false, "ripensamento"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("answering twice: %v", err)
		}
		if err := cs.RecordOutcome(w.csm, refID, "presa in carico ambulatoriale", *w.now); err != nil {
			t.Fatal(err)
		}

		// Close the case in order; a closed case takes no more changes.
		for _, st := range []domain.CaseStatus{domain.CaseTakenIn, domain.CaseMonitoring, domain.CaseClosed} {
			if err := cs.SetStatus(w.prefBO, caseID, st, 0); err != nil {
				t.Fatalf("→ %s: %v", st, err)
			}
		}
		if _, err := cs.AddNote(w.prefBO, caseID, "dopo"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("note on a closed case: %v", err)
		}
		final, err := cs.GetCase(w.prefBO, caseID, "verifica")
		if err != nil || final.Status != domain.CaseClosed || len(final.Referrals) != 2 || final.Referrals[0].Status != domain.ReferralAccepted ||
			final.Referrals[0].TakenInCharge == nil || !final.Referrals[1].Overridden {
			t.Fatalf("final = %+v, %v", final.Referrals, err)
		}

		// The access log: one row per read, with its purpose and sections,
		// readable by the coordinator, the case worker and the admin.
		acc, err := cs.CaseAccesses(w.coord, caseID)
		if err != nil {
			t.Fatal(err)
		}
		var purposes []string
		for _, x := range acc {
			purposes = append(purposes, x.Actor+":"+x.Purpose)
		}
		want := []string{"casi@pref-bo.example:verifica", "medico@csm.example:invio", "coord@pref-bo.example:controllo",
			"casi@pref-bo.example:presa_in_carico"}
		if !slices.Equal(purposes, want) {
			t.Fatalf("access log = %v, want %v", purposes, want)
		}
		if !slices.Equal(acc[1].Sections, []string{domain.SectionIdentity, domain.SectionReports}) {
			t.Fatalf("service's row sections = %v", acc[1].Sections)
		}
		if _, err := cs.CaseAccesses(w.admin, caseID); err != nil {
			t.Fatalf("admin reading the log: %v", err)
		}
		if _, err := cs.CaseAccesses(w.prefBO, caseID); err != nil {
			t.Fatalf("case worker reading the log: %v", err)
		}
		if _, err := cs.CaseAccesses(w.prefFE, caseID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("Ferrara reading the log: %v", err)
		}
		// The access log cannot be edited.
		err = db.InTx(storetest.Ctx(), func(tx *store.Tx) error {
			_, err := tx.ExecContext(context.Background(), `UPDATE case_accesses SET purpose = 'x'`)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("editing the access log: %v", err)
		}
		// The audit trail names ids and codes, never the texts.
		entries, _ := db.Audit.ListAudit(storetest.Ctx(), domain.AuditFilter{Limit: 200})
		for _, e := range entries {
			for _, secret := range []string{description, noteText, "psichiatrica", "danneggiamento", "rischio"} {
				if strings.Contains(e.Summary, secret) {
					t.Fatalf("audit summary %q holds %q", e.Summary, secret)
				}
			}
		}
	})
}

// TestCaseRestrictedAndBreakGlass: a trafficking case reads as "riservato"
// without the restricted permission; a Ferrara case worker opens a Bologna
// case by break-glass for one hour, flagged to the coordinator and logged.
func TestCaseRestrictedAndBreakGlass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		cs := w.cs
		rep := &domain.Report{GuestID: w.guest.ID, Category: "tratta", Urgency: domain.UrgencyUrgent, Description: "contatti sospetti"}
		if err := cs.FileReport(w.operator, rep); err != nil {
			t.Fatal(err)
		}
		caseID, err := cs.TriageReport(w.prefBO, rep.ID, domain.TriageOpen, "")
		if err != nil {
			t.Fatal(err)
		}
		c, err := cs.GetCase(w.prefBO, caseID, "verifica")
		if err != nil || !c.Restricted || c.Guest != nil || c.Reports != nil || c.Status != "" || len(c.Sections) != 0 {
			t.Fatalf("restricted case for the prefecture = %+v, %v", c, err)
		}
		if _, err := cs.AddNote(w.prefBO, caseID, "x"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("note on a restricted case: %v", err)
		}
		if c, err := cs.GetCase(w.coord, caseID, "verifica"); err != nil || c.Guest == nil || len(c.Reports) != 1 {
			t.Fatalf("coordinator = %+v, %v", c, err)
		}
		// Break-glass: Ferrara's worker on a non-restricted Bologna case.
		if err := cs.SetStatus(w.coord, caseID, domain.CaseClosed, 0); err != nil {
			t.Fatal(err)
		}
		open, err := cs.OpenCase(w.prefBO, w.guest.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.GetCase(w.prefFE, open, "verifica"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("before break-glass: %v", err)
		}
		if _, err := cs.BreakGlass(w.prefFE, open, ""); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("break-glass without reason: %v", err)
		}
		if _, err := cs.BreakGlass(w.prefFE, "nope", "x"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("break-glass on no case: %v", err)
		}
		if _, err := cs.BreakGlass(w.operator, open, "x"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("operator break-glass: %v", err)
		}
		exp, err := cs.BreakGlass(w.prefFE, open, "ospite trasferito d'urgenza a Ferrara nella notte")
		if err != nil || !exp.Equal(w.now.Add(time.Hour)) {
			t.Fatalf("break-glass = %v, %v", exp, err)
		}
		if inbox, _ := db.Plans.Inbox(w.coord, 10); len(inbox) == 0 || inbox[0].Kind != "case_break_glass" {
			t.Fatalf("coordinator not told: %+v", inbox)
		}
		if c, err := cs.GetCase(w.prefFE, open, "presa_in_carico"); err != nil || c.Guest == nil {
			t.Fatalf("with the grant: %+v, %v", c, err)
		}
		acc, _ := cs.CaseAccesses(w.coord, open)
		if len(acc) != 2 || !acc[0].BreakGlass || !acc[1].BreakGlass || acc[0].Actor != "casi@pref-fe.example" {
			t.Fatalf("access log = %+v", acc)
		}
		w.advance(time.Hour + time.Second)
		if _, err := cs.GetCase(w.prefFE, open, "verifica"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("after the hour: %v", err)
		}
	})
}

// TestCaseAccessLog is the mutation check's target (.ci/run, tag
// mutant_caselog): every read of a case, by the office or by a service,
// leaves exactly one access row with its purpose.
func TestCaseAccessLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		cs := w.cs
		caseID, err := cs.OpenCase(w.prefBO, w.guest.ID)
		if err != nil {
			t.Fatal(err)
		}
		refID, err := cs.Refer(w.prefBO, caseID, domain.ReferralRequest{ServiceID: w.csmService.ID, Reason: "x",
			Consent: &domain.Consent{Given: true, Date: *w.now, RecordedBy: "x", Purpose: "y", Sections: []string{domain.SectionIdentity}}})
		if err != nil {
			t.Fatal(err)
		}
		for i, purpose := range domain.AccessPurposes {
			if _, err := cs.GetCase(w.prefBO, caseID, purpose); err != nil {
				t.Fatal(err)
			}
			if n := accessCount(t, db, caseID); n != 2*i+1 {
				t.Fatalf("after the office's read %d: %d access rows, want %d", i+1, n, 2*i+1)
			}
			if _, err := cs.ReferredCase(w.csm, refID, purpose); err != nil {
				t.Fatal(err)
			}
			if n := accessCount(t, db, caseID); n != 2*i+2 {
				t.Fatalf("after the service's read %d: %d access rows, want %d", i+1, n, 2*i+2)
			}
		}
		acc, _ := cs.CaseAccesses(w.coord, caseID)
		if len(acc) != 2*len(domain.AccessPurposes) || acc[0].Purpose != "richiesta_interessato" {
			t.Fatalf("access log = %+v", acc)
		}
	})
}

// TestCaseTextsAreSealed: descriptions, notes, measures' reasons, tasks and
// referral reasons are absent in clear from the SQLite file and its WAL.
func TestCaseTextsAreSealed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db := storetest.Open(t, "sqlite:"+path)
	w := newCaseWorld(t, db)
	cs := w.cs
	canary := func(what string) string { return fmt.Sprintf("CANARY-HEALTH-%s-%s", what, uuid.NewString()) }
	desc, note, reason, task, refReason := canary("desc"), canary("note"), canary("measure"), canary("task"), canary("ref")
	rep := &domain.Report{GuestID: w.guest.ID, Category: "salute", Urgency: domain.UrgencyUrgent, Description: desc}
	if err := cs.FileReport(w.operator, rep); err != nil {
		t.Fatal(err)
	}
	caseID, err := cs.TriageReport(w.prefBO, rep.ID, domain.TriageOpen, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AddNote(w.prefBO, caseID, note); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AddTask(w.prefBO, caseID, task, w.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := cs.AddMeasure(w.prefBO, caseID, &domain.Measure{Kind: domain.MeasureTransfer, DecidedOn: *w.now, Reason: reason}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Refer(w.prefBO, caseID, domain.ReferralRequest{ServiceID: w.csmService.ID, Reason: refReason,
		Consent: &domain.Consent{Given: true, Date: *w.now, RecordedBy: "x", Purpose: "y", Sections: []string{domain.SectionNotes}}}); err != nil {
		t.Fatal(err)
	}
	c, err := cs.GetCase(w.prefBO, caseID, "verifica")
	if err != nil || c.Reports[0].Description != desc || c.Notes[0].Text != note || c.Measures[0].Reason != reason ||
		c.Tasks[0].Title != task || c.Referrals[0].Reason != refReason {
		t.Fatalf("read back: %+v %v", c, err)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, needle := range []string{desc, note, reason, task, refReason} {
			if bytes.Contains(b, []byte(needle)) {
				t.Fatalf("%q found in clear in %s", needle, filepath.Base(f))
			}
		}
	}
	// Without a key, a text is refused rather than stored in clear.
	db.Keys = nil
	if _, err := cs.AddNote(w.prefBO, caseID, "x"); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("note without a key: %v", err)
	}
}

// TestCaseReadFailsWithoutItsAccessRow: when the access row cannot be
// written, the read fails and returns no content (docs/security.md R9).
func TestCaseReadFailsWithoutItsAccessRow(t *testing.T) {
	db := storetest.Open(t, "sqlite:"+filepath.Join(t.TempDir(), "f.db"))
	w := newCaseWorld(t, db)
	caseID, err := w.cs.OpenCase(w.prefBO, w.guest.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(storetest.Ctx(), func(tx *store.Tx) error {
		_, err := tx.ExecContext(context.Background(), `CREATE TRIGGER fail_access BEFORE INSERT ON case_accesses
			BEGIN SELECT RAISE(ABORT, 'injected fault'); END`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c, err := w.cs.GetCase(w.prefBO, caseID, "verifica")
	if err == nil || c.ID != "" || c.Guest != nil {
		t.Fatalf("read with a failing access log = %+v, %v", c, err)
	}
}

// TestCaseCounts: viewers get counts by status, never cases; counts below
// the threshold are suppressed.
func TestCaseCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		ctx := storetest.Ctx()
		ids := []string{}
		for i := range domain.CountThreshold {
			g := w.guest
			if i > 0 {
				g = newGuest(t, ctx, db, fmt.Sprintf("CUI-COUNT-%d", i))
				if _, err := db.Guests.RecordEntry(ctx, g.ID, w.facility.Code, time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC), ""); err != nil {
					t.Fatal(err)
				}
			}
			id, err := w.cs.OpenCase(w.prefBO, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		count := func(ctx context.Context) map[domain.CaseStatus]domain.CaseCount {
			t.Helper()
			list, err := w.cs.CaseCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			m := map[domain.CaseStatus]domain.CaseCount{}
			for _, c := range list {
				m[c.Status] = c
			}
			return m
		}
		if c := count(w.viewer)[domain.CaseOpen]; c.Count != domain.CountThreshold || c.Suppressed {
			t.Fatalf("open = %+v", c)
		}
		if err := w.cs.SetStatus(w.prefBO, ids[0], domain.CaseClosed, 0); err != nil {
			t.Fatal(err)
		}
		m := count(w.viewer)
		if m[domain.CaseOpen].Count != 0 || !m[domain.CaseOpen].Suppressed || !m[domain.CaseClosed].Suppressed ||
			m[domain.CaseAssessment].Suppressed {
			t.Fatalf("counts = %+v", m)
		}
		if c := count(w.prefFE)[domain.CaseOpen]; c.Count != 0 || c.Suppressed {
			t.Fatalf("Ferrara's counts include Bologna's cases: %+v", c)
		}
		if _, err := w.cs.CaseCounts(w.operator); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("operator counting: %v", err)
		}
		if _, err := w.cs.GetCase(w.viewer, ids[1], "verifica"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("viewer reading a case: %v", err)
		}
	})
}

// TestCaseTaskReminders: a task is reminded once, a day before it falls due,
// to the case's worker, by a notification and an e-mail holding only the link.
func TestCaseTaskReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		id, err := w.cs.OpenCase(w.prefBO, w.guest.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.cs.AssignWorker(w.prefBO, id, w.prefBOUser.ID); err != nil {
			t.Fatal(err)
		}
		title := "Telefonare al CSM " + uuid.NewString()
		if _, err := w.cs.AddTask(w.prefBO, id, title, w.now.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		before, _ := db.Outbox.PendingMessages(storetest.Ctx(), 100)
		if n, err := w.cs.TaskReminders(storetest.Ctx()); err != nil || n != 0 {
			t.Fatalf("two days ahead: %d, %v", n, err)
		}
		w.advance(30 * time.Hour)
		if n, err := w.cs.TaskReminders(storetest.Ctx()); err != nil || n != 1 {
			t.Fatalf("a day ahead: %d, %v", n, err)
		}
		if n, _ := w.cs.TaskReminders(storetest.Ctx()); n != 0 {
			t.Fatalf("reminded twice: %d", n)
		}
		inbox, _ := db.Plans.Inbox(w.prefBO, 10)
		if len(inbox) == 0 || inbox[0].Kind != "case_task_due" {
			t.Fatalf("worker's inbox = %+v", inbox)
		}
		msgs, _ := db.Outbox.PendingMessages(storetest.Ctx(), 100)
		if len(msgs) != len(before)+1 {
			t.Fatalf("e-mails: %d → %d", len(before), len(msgs))
		}
		for _, m := range msgs {
			subject, body, err := notify.Render("it", m.Kind, m.Params)
			if err != nil || strings.Contains(body, title) || strings.Contains(subject, title) {
				t.Fatalf("the task's text in an e-mail: %+v %v", m, err)
			}
		}
		last := msgs[len(msgs)-1]
		_, body, _ := notify.Render("it", last.Kind, last.Params)
		if last.Recipient != "casi@pref-bo.example" || !strings.Contains(body, "/casi/"+id) {
			t.Fatalf("e-mail = %+v: %q", last, body)
		}
	})
}
