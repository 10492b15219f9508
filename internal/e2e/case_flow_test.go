package e2e

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gesta-er/gesta/internal/app"
	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
)

// axeCheck runs axe-core (WCAG 2.1 A/AA) on the page shown and fails the
// test for each violation, then for any console error.
func axeCheck(t *testing.T, b *browser, src, page string) {
	t.Helper()
	_ = value(t, b, chromedp.Evaluate[bool](src+";true"))
	out := value(t, b, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("%s: axe answered %q: %v", page, out, err)
	}
	for _, v := range vs {
		t.Errorf("%s: %s (%s) %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
	}
	b.noErrors(t, page)
}

// check ticks a radio button or a check box as a click on it would (the
// headless window may put the control outside the viewport, where a pointer
// click does not land).
func check(id string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`(() => { const e = document.getElementById("`+id+`"); if (!e.checked) e.click(); return e.checked })()`)(ctx, tg)
		return chromedp.Void{}, err
	}
}

// TestCaseFlowInBrowser walks issue 16's flow through the pages: Bologna's
// operator, on a 375-pixel phone, files an immediate report about a guest;
// the prefecture's case worker, on a desktop, triages it into a case, links
// the guest's art. 17 vulnerability from the registry, adds a task and an
// art. 23 suspension (its deadline shown), is refused a referral without
// consent, then sends it with consent for two sections; the CSM's worker
// reads the referral — only those sections — and accepts it; the case worker
// closes the case. axe-core finds no violation on any case page visited.
func TestCaseFlowInBrowser(t *testing.T) {
	src := axeSource(t)
	key, err := crypt.NewKey("e2e")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{"GESTA_SECRET_KEY": key}
	m := &app.Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
	done := make(chan error, 1)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "gesta.db")
	go func() { done <- m.Run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}) }()
	select {
	case <-m.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("app stopped: %v", err)
	case <-time.After(180 * time.Second):
		cancel()
		t.Fatal("app not ready")
	}
	t.Cleanup(func() { cancel(); <-done })
	base := "http://" + m.Addr()

	// The guest: admitted beforehand by the operator's entity, with a
	// suspected mental disorder in the registry (sealed).
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Keys, _ = crypt.Parse(key)
	as := func(email string) (context.Context, domain.Actor) {
		c, err := db.Users.Credentials(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return domain.NewContextWithActor(ctx, c.Actor), c.Actor
	}
	opCtx, opActor := as("operatore.bo@gesta.example")
	_, csmActor := as("servizio.bo@gesta.example")
	fs, err := db.Facilities.ListFacilities(opCtx, domain.FacilityFilter{ProvinceCode: "037", GestoreID: opActor.GestoreID})
	if err != nil {
		t.Fatal(err)
	}
	facility := ""
	for _, f := range fs {
		if f.Free > 0 {
			facility = f.Code
			break
		}
	}
	if facility == "" {
		t.Fatal("no free place in the operator's facilities")
	}
	g := &domain.Guest{Surname: "Mensah", GivenName: "Kwabena", Sex: domain.SexMale, BirthDate: time.Date(1994, 3, 2, 0, 0, 0, 0, time.UTC),
		Nationality: "GHA", Stage: domain.StageAwaitHearing}
	if err := db.Guests.CreateGuest(opCtx, g, []domain.Vulnerability{{Code: "disturbo_mentale", Status: domain.VulnSuspected,
		Source: "medico del centro", Date: time.Now().AddDate(0, 0, -20)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Guests.RecordEntry(opCtx, g.ID, facility, time.Now().Add(-48*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	description := "Crisi notturna: l'ospite urla e non riconosce gli operatori"

	// 1. The operator, on a phone, files an immediate report.
	op := newBrowser(t)
	signInAs(t, op, base, "operatore.bo@gesta.example")
	op.do(t, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	op.do(t, chromedp.Navigate(base+"/segnalazioni"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="report-form"]`)))
	axeCheck(t, op, src, "/segnalazioni (phone)")
	op.do(t,
		chromedp.SetValue(chromedp.ID("guest_id"), g.ID),
		chromedp.SetValue(chromedp.ID("category"), "disagio_psichico"),
		chromedp.SetValue(chromedp.ID("urgency"), "immediata"),
		chromedp.SendKeys(chromedp.ID("description"), description),
	)
	op.submit(t, `[data-testid="report-form"] button[type="submit"]`)
	op.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="my-reports"]`)))
	if !op.fitsPhone(t) {
		t.Error("the reports page scrolls sideways on a phone")
	}
	axeCheck(t, op, src, "/segnalazioni after filing (phone)")
	var reportID string
	if err := db.ReadTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT id FROM case_reports WHERE guest_id = $1`, g.ID).Scan(&reportID)
	}); err != nil {
		t.Fatalf("the report was not filed: %v", err)
	}

	// 2. The case worker triages it into a case.
	pw := newBrowser(t)
	signInAs(t, pw, base, "prefettura.bo@gesta.example")
	pw.do(t, chromedp.Navigate(base+"/segnalazioni"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="pending-reports"]`)))
	axeCheck(t, pw, src, "/segnalazioni (case worker)")
	pw.do(t, chromedp.SetValue(chromedp.ID("d-"+reportID), "open"))
	pw.submit(t, `form[action="/segnalazioni/`+reportID+`/valutazione"] button[type="submit"]`)
	pw.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="purpose-form"]`)))
	axeCheck(t, pw, src, "/casi/{id} (purpose)")
	loc := value(t, pw, chromedp.Evaluate[string](`location.pathname`))
	caseID := strings.TrimPrefix(loc, "/casi/")
	if len(caseID) != 36 {
		t.Fatalf("after triage: %s", loc)
	}
	pw.do(t, chromedp.SetValue(chromedp.ID("finalita"), "presa_in_carico"))
	pw.submit(t, `[data-testid="purpose-form"] button`)
	pw.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="case-status"]`)))
	axeCheck(t, pw, src, "/casi/{id}")
	if body := pw.text(t, "main"); !strings.Contains(body, description) {
		t.Error("the case does not show the report's description")
	}
	pw.submit(t, `[data-testid="assign-me"]`) // "I take this case"
	pw.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="case-status"]`)))

	// The art. 17 vulnerability, a task, an art. 23 measure.
	pw.do(t, chromedp.SetValue(chromedp.ID("vuln-code"), "disturbo_mentale"))
	pw.submit(t, `form[action="/casi/`+caseID+`/vulnerabilita"] button[type="submit"]`)
	pw.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="case-vulns"]`)))
	if v := pw.text(t, `[data-testid="case-vulns"]`); !strings.Contains(v, "sospetta") || !strings.Contains(v, "medico del centro") {
		t.Errorf("the linked vulnerability: %q", v)
	}
	pw.do(t, chromedp.SendKeys(chromedp.ID("title"), "Prenotare la visita al CSM"),
		chromedp.SetValue(chromedp.ID("due"), time.Now().AddDate(0, 0, 3).Format(time.DateOnly)))
	pw.submit(t, `form[action="/casi/`+caseID+`/compiti"] button[type="submit"]`)
	pw.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="case-status"]`)))
	if body := pw.text(t, "main"); !strings.Contains(body, "Prenotare la visita al CSM") {
		t.Error("the task is not listed")
	}
	pw.do(t,
		chromedp.SetValue(chromedp.ID("m-kind"), "sospensione_c2_c"),
		chromedp.SetValue(chromedp.ID("m-decided"), "2026-11-02"),
		chromedp.SetValue(chromedp.ID("m-days"), "30"),
		chromedp.SendKeys(chromedp.ID("m-reason"), "Aggressione a un operatore"),
	)
	pw.submit(t, `[data-testid="measure-form"] button[type="submit"]`)
	pw.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="measure-form"]`)))
	if body := pw.text(t, "main"); !strings.Contains(body, "02/12/2026") {
		t.Error("the measure's deadline (2 Dec 2026) is not shown")
	}
	axeCheck(t, pw, src, "/casi/{id} with a task and a measure")

	// A referral without consent is refused; with consent it is sent.
	pw.do(t,
		chromedp.SetValue(chromedp.ID("r-service"), csmActor.ServiceID),
		chromedp.SendKeys(chromedp.ID("r-reason"), "Valutazione psichiatrica urgente"),
	)
	pw.submit(t, `[data-testid="referral-form"] button[type="submit"]`)
	pw.do(t, chromedp.WaitVisible(chromedp.CSS(`.alert-danger`)))
	if msg := pw.text(t, `.alert-danger`); !strings.Contains(msg, "consenso") {
		t.Errorf("the refusal says %q", msg)
	}
	pw.clearErrors() // the refusal is a 422: the browser logs it
	var sent int
	db.ReadTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM referrals WHERE case_id = $1`, caseID).Scan(&sent)
	})
	if sent != 0 {
		t.Fatalf("a referral without consent was recorded (%d)", sent)
	}
	axeCheck(t, pw, src, "/casi/{id} refusing a referral")
	pw.do(t,
		chromedp.SetValue(chromedp.ID("r-service"), csmActor.ServiceID),
		chromedp.SetValue(chromedp.ID("r-reason"), "Valutazione psichiatrica urgente"),
		check("c-si"),
		chromedp.SetValue(chromedp.ID("c-date"), time.Now().Format(time.DateOnly)),
		chromedp.SendKeys(chromedp.ID("c-by"), "operatrice legale"),
		chromedp.SendKeys(chromedp.ID("c-purpose"), "valutazione e presa in carico"),
		check("s-anagrafica"),
		check("s-segnalazioni"),
	)
	pw.submit(t, `[data-testid="referral-form"] button[type="submit"]`)
	pw.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="case-referrals"]`)))
	if r := pw.text(t, `[data-testid="case-referrals"]`); !strings.Contains(r, "inviato") {
		t.Errorf("the referral is not listed as sent: %q", r)
	}
	axeCheck(t, pw, src, "/casi/{id} after the referral")
	var referralID string
	if err := db.ReadTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT id FROM referrals WHERE case_id = $1`, caseID).Scan(&referralID)
	}); err != nil {
		t.Fatal(err)
	}

	// 3. The CSM's worker reads only the referred sections and accepts.
	sw := newBrowser(t)
	signInAs(t, sw, base, "servizio.bo@gesta.example")
	sw.do(t, chromedp.Navigate(base+"/servizi"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="referrals"]`)))
	axeCheck(t, sw, src, "/servizi (service)")
	sw.do(t, chromedp.Navigate(base+"/servizi/invii/"+referralID), chromedp.WaitVisible(chromedp.CSS(`[data-testid="purpose-form"]`)))
	axeCheck(t, sw, src, "/servizi/invii/{id} (purpose)")
	sw.do(t, chromedp.SetValue(chromedp.ID("finalita"), "invio"))
	sw.submit(t, `[data-testid="purpose-form"] button`)
	sw.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="referral-status"]`)))
	body := sw.text(t, "main")
	if !strings.Contains(body, "Mensah") || !strings.Contains(body, description) {
		t.Error("the service does not see the referred sections (identity, reports)")
	}
	for _, hidden := range []string{"Aggressione a un operatore", "Prenotare la visita al CSM", "medico del centro"} {
		if strings.Contains(body, hidden) {
			t.Errorf("the service sees %q, which consent did not cover", hidden)
		}
	}
	axeCheck(t, sw, src, "/servizi/invii/{id}")
	sw.do(t, check("a-yes"), chromedp.SendKeys(chromedp.ID("a-reason"), "Colloquio fissato per domani"))
	if !value(t, sw, chromedp.Evaluate[bool](`document.getElementById("a-yes").checked && document.querySelector('[data-testid="answer-form"]').checkValidity()`)) {
		t.Fatalf("the answer form is not ready to send: %s", value(t, sw, chromedp.Evaluate[string](`JSON.stringify([document.getElementById("a-yes").checked, document.getElementById("a-reason").value, document.querySelectorAll("#a-yes").length, [...document.querySelectorAll('[data-testid="answer-form"] :invalid')].map(e => e.id + ":" + e.name)])`)))
	}
	sw.submit(t, `[data-testid="answer-form"] button[type="submit"]`)
	sw.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="referral-status"]`)))
	if st := sw.text(t, `[data-testid="referral-status"]`); !strings.Contains(st, "accettato") {
		t.Errorf("after accepting, the referral is %q", st)
	}
	axeCheck(t, sw, src, "/servizi/invii/{id} accepted")

	// 4. The case worker closes the case.
	pw.do(t, chromedp.Navigate(base+"/casi/"+caseID+"?finalita=verifica"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="case-status"]`)))
	pw.do(t, chromedp.SetValue(chromedp.ID("status"), "chiuso"))
	pw.submit(t, `form[action="/casi/`+caseID+`/stato"] button[type="submit"]`)
	pw.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="case-status"]`)))
	if st := pw.text(t, `[data-testid="case-status"]`); st != "Chiuso" {
		t.Errorf("after closing, the case is %q", st)
	}
	axeCheck(t, pw, src, "/casi/{id} closed")
	// The access log shows each read with its purpose.
	pw.do(t, chromedp.Navigate(base+"/casi/"+caseID+"/accessi"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="accesses"]`)))
	if log := pw.text(t, `[data-testid="accesses"]`); !strings.Contains(log, "servizio.bo@gesta.example") {
		t.Errorf("the access log lacks the service's read: %q", log)
	}
	axeCheck(t, pw, src, "/casi/{id}/accessi")
}
