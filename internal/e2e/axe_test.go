package e2e

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gesta-er/gesta/internal/domain"
)

// publicPages are the public site's pages, every dataset's page included:
// axe-core must find no WCAG 2.1 A/AA violation on any of them, in Italian
// and in English.
var publicPages = func() []string {
	out := []string{
		"/", "/dati", "/nota-metodologica", "/territorio",
		"/accoglienza/territorio", "/accoglienza/chi-e-accolto", "/accoglienza/nel-tempo",
		"/accoglienza/cas-e-sai", "/accoglienza/contesto-regionale",
		"/accessibilita", "/privacy", "/note-legali",
	}
	for _, id := range domain.PublicDatasets {
		out = append(out, "/dati/"+id)
	}
	return out
}()

// axeSource is axe-core's browser script, installed by `npm ci` in
// testdata/axe (the CI step does it). Without it the test skips, unless
// GESTA_E2E_REQUIRED is set.
func axeSource(t *testing.T) string {
	t.Helper()
	src := axeScript(t)
	if src == "" {
		t.Skip("axe-core missing: (cd internal/e2e/testdata/axe && npm ci)")
	}
	return src
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))`

// TestPublicPagesAccessible runs axe-core (injected through the DevTools
// protocol, so the page's CSP stays strict) on every public page, in Italian
// and then in English, and also requires no console error.
func TestPublicPagesAccessible(t *testing.T) {
	src := axeSource(t)
	b := newBrowser(t)
	base := startApp(t)
	// Italian and English at desktop width, then English at phone width
	// (where the header's buttons show their icon alone).
	for _, pass := range []struct {
		lang  string
		width int64
	}{{"it", 1366}, {"en", 1366}, {"en", 375}} {
		lang := pass.lang
		b.do(t, chromedp.EmulateViewport(pass.width, 900))
		if lang == "en" && pass.width > 1000 {
			b.do(t, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")),
				chromedp.Click(chromedp.CSS(`.lang-switch button[lang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] main h1`)))
		}
		if pass.width < 1000 {
			lang += fmt.Sprintf(", %d px", pass.width)
		}
		for _, p := range publicPages {
			b.do(t, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
			_ = value(t, b, chromedp.Evaluate[bool](src+";true"))
			out := value(t, b, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
			var vs []axeViolation
			if err := json.Unmarshal([]byte(out), &vs); err != nil {
				t.Fatalf("%s (%s): axe answered %q: %v", p, lang, out, err)
			}
			for _, v := range vs {
				t.Errorf("%s (%s): %s (%s) %s at %v", p, lang, v.ID, v.Impact, v.Help, v.Nodes)
			}
			b.noErrors(t, p+" ("+lang+")")
		}
	}
}
