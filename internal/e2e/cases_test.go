package e2e

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gesta-er/gesta/internal/app"
	"github.com/gesta-er/gesta/internal/crypt"
)

// startAppWithKey is startApp with an encryption key: the demo then holds
// complex cases (their texts are sealed).
func startAppWithKey(t *testing.T) string {
	t.Helper()
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
	case <-time.After(120 * time.Second):
		cancel()
		t.Fatal("app not ready")
	}
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + m.Addr()
}

// TestCasePages drives the case pages in a browser, each checked for
// console errors (the CSP refuses inline styles and scripts): the operator's
// reports page on a phone (no sideways scrolling); the case worker reads a
// demo case with a purpose and records an art. 23 measure through the form;
// the dashboard, the tables (one created through the form) and the access
// log; the CSM's worker opens a referral with a purpose.
func TestCasePages(t *testing.T) {
	base := startAppWithKey(t)

	op := newBrowser(t)
	signInAs(t, op, base, "operatore.bo@gesta.example")
	op.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	op.do(t, chromedp.Navigate(base+"/segnalazioni"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="report-form"]`)))
	if !op.fitsPhone(t) {
		t.Error("the reports page scrolls sideways on a phone")
	}
	op.noErrors(t, "/segnalazioni (phone)")

	b := newBrowser(t)
	signInAs(t, b, base, "prefettura.bo@gesta.example")
	b.do(t, chromedp.Navigate(base+"/casi"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="cases"] a`)))
	b.noErrors(t, "/casi")
	b.submit(t, `[data-testid="cases"] a`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="purpose-form"]`)))
	b.submit(t, `[data-testid="purpose-form"] button`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="case-status"]`)))
	b.noErrors(t, "/casi/{id}")
	b.do(t,
		chromedp.SetValue(chromedp.ID("m-kind"), "sospensione_c2_c"),
		chromedp.SetValue(chromedp.ID("m-decided"), "2026-11-02"),
		chromedp.SetValue(chromedp.ID("m-days"), "30"),
		chromedp.SendKeys(chromedp.ID("m-reason"), "Violazione grave del regolamento"),
	)
	b.submit(t, `[data-testid="measure-form"] button[type="submit"]`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="measure-form"]`)))
	if body := b.text(t, "main"); !strings.Contains(body, "02/12/2026") {
		t.Error("the measure's deadline (2 Dec 2026) is not shown")
	}
	b.noErrors(t, "/casi/{id} after a measure")

	for _, page := range []string{"/casi/cruscotto", "/tavoli", "/servizi?provincia=037"} {
		b.do(t, chromedp.Navigate(base+page), chromedp.WaitVisible(chromedp.CSS("main h1")))
		b.noErrors(t, page)
	}
	b.do(t, chromedp.Navigate(base+"/tavoli"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="table-form"]`)),
		chromedp.SendKeys(chromedp.ID("t-title"), "Tavolo vulnerabilità"),
		chromedp.SetValue(chromedp.ID("t-date"), "2026-12-01"),
		chromedp.SendKeys(chromedp.ID("t-participants"), "CSM Bologna Ovest"),
	)
	b.submit(t, `[data-testid="table-form"] button[type="submit"]`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="minutes"]`)))
	b.noErrors(t, "/tavoli/{id}")

	coord := newBrowser(t)
	signInAs(t, coord, base, "coordinamento@gesta.example")
	coord.do(t, chromedp.Navigate(base+"/casi"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="cases"] a`)))
	href := value(t, coord, chromedp.Evaluate[string](`document.querySelector('[data-testid="cases"] a').getAttribute("href")`))
	coord.do(t, chromedp.Navigate(base+href+"/accessi"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="accesses"]`)))
	coord.noErrors(t, "/casi/{id}/accessi")

	s := newBrowser(t)
	signInAs(t, s, base, "servizio.bo@gesta.example")
	s.do(t, chromedp.Navigate(base+"/servizi"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="referrals"]`)))
	s.noErrors(t, "/servizi")
	if n := value(t, s, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="referrals"] a').length`)); n > 0 {
		s.submit(t, `[data-testid="referrals"] a`)
		s.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="purpose-form"]`)))
		s.submit(t, `[data-testid="purpose-form"] button`)
		s.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="referral-status"]`)))
		s.noErrors(t, "/servizi/invii/{id}")
	} else {
		t.Error("the CSM's worker has no referral in the demo")
	}
}
