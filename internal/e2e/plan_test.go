package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// submit activates a button that posts a form (the form's validation
// applies, as for a user's click) and waits for the next page.
func (b *browser) submit(t *testing.T, sel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	click := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`(() => { document.querySelector(`+"`"+sel+"`"+`).click(); return true })()`)(ctx, tg)
		return chromedp.Void{}, err
	}
	if _, err := chromedp.RunResponse(ctx, click); err != nil {
		t.Fatalf("submit %s: %v", sel, err)
	}
}

func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	return value(t, b, chromedp.Text(chromedp.CSS(sel)))
}

// fitsPhone reports whether the page needs no horizontal scrolling.
func (b *browser) fitsPhone(t *testing.T) bool {
	t.Helper()
	return value(t, b, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`))
}

// TestPlanFlow walks the coordinator's part of a plan (announce, load the
// nominative list with a bad row excluded, split, adjust, publish) on a desktop, then Ferrara's prefecture on a phone: the
// notification, the acknowledgement, the engine's placement confirmed with
// holds, the departure and the arrivals.
func TestPlanFlow(t *testing.T) {
	base := startApp(t)
	b := newBrowser(t)
	signInAs(t, b, base, "coordinamento@gesta.example")
	b.do(t, chromedp.Navigate(base+"/piani"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-new"]`)))
	b.submit(t, `[data-testid="plan-new"]`)
	b.do(t,
		chromedp.WaitVisible(chromedp.ID("reference")),
		chromedp.SendKeys(chromedp.ID("reference"), "Viminale prot. 4242"),
		chromedp.SendKeys(chromedp.ID("origin"), "Ravenna (porto)"),
		chromedp.SetValue(chromedp.ID("men"), "40"),
		chromedp.SetValue(chromedp.ID("msna"), "2"),
		chromedp.SetValue(chromedp.ID("households"), "4, 3"),
	)
	b.submit(t, `[data-testid="plan-create"]`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-split"]`)))
	if total := b.text(t, `[data-testid="plan-total"]`); !strings.HasPrefix(total, "49") {
		t.Fatalf("total %q", total)
	}
	// The nominative list arrives: one row has no valid sex; the rest is applied.
	list := filepath.Join(t.TempDir(), "lista.csv")
	var csv strings.Builder
	csv.WriteString("Cognome;Nome;Sesso;Data di nascita;Cittadinanza;Nucleo;MSNA\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&csv, "Persona%02d;Test;M;01/01/1995;Guinea;;\n", i)
	}
	csv.WriteString("Famiglia;Padre;M;1985;SYR;F1;\nFamiglia;Madre;F;1987;SYR;F1;\nFamiglia;Figlio;M;2015;SYR;F1;\n")
	csv.WriteString("Minore;Solo;M;2010;BGD;;sì\nErrata;Riga;?;1990;GIN;;\n")
	if err := os.WriteFile(list, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do(t, chromedp.SetUploadFiles(chromedp.ID("file"), []string{list}))
	b.submit(t, `[data-testid="list-upload"]`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="list-errors"]`)))
	preview := b.text(t, `[data-testid="list-preview"]`)
	listErrors := b.text(t, `[data-testid="list-errors"]`)
	if !strings.Contains(preview, "44 persone") || !strings.Contains(listErrors, "sesso") {
		t.Fatalf("list preview %q, errors %q", preview, listErrors)
	}
	b.submit(t, `[data-testid="list-apply"]`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-split"]`)))
	if total := b.text(t, `[data-testid="plan-total"]`); !strings.HasPrefix(total, "44") {
		t.Fatalf("total after the list %q", total)
	}
	b.submit(t, `[data-testid="plan-split"]`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="split-table"]`)))
	rows := value(t, b, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="split-table"] tbody tr').length`))
	// Each province's reason is worded from the engine's figures in the page's language.
	splitWhy := value(t, b, chromedp.Evaluate[string](`document.querySelector('[data-testid="split-table"] tbody tr details').textContent`))
	if !strings.Contains(splitWhy, "quota cumulata") || !strings.Contains(splitWhy, "saldo") {
		t.Fatalf("a province's reason: %q", splitWhy)
	}
	// The coordinator moves one person from Bologna to Ferrara, with a reason.
	bo := value(t, b, chromedp.Evaluate[string](`document.getElementById("p_037").value`))
	fe := value(t, b, chromedp.Evaluate[string](`document.getElementById("p_038").value`))
	value(t, b, chromedp.Evaluate[string](`document.getElementById("p_037").value = String(Number(document.getElementById("p_037").value) - 1)`))
	value(t, b, chromedp.Evaluate[string](`document.getElementById("p_038").value = String(Number(document.getElementById("p_038").value) + 1)`))
	b.do(t, chromedp.SendKeys(chromedp.ID("reason"), "posti liberi a Ferrara"))
	b.submit(t, `[data-testid="plan-adjust"]`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-publish"]`)))
	bo2 := value(t, b, chromedp.Evaluate[string](`document.getElementById("p_037").value`))
	fe2 := value(t, b, chromedp.Evaluate[string](`document.getElementById("p_038").value`))
	if rows != 9 || bo2 == bo || fe2 == fe {
		t.Fatalf("split table: %d rows; Bologna %s→%s, Ferrara %s→%s", rows, bo, bo2, fe, fe2)
	}
	// Ferrara's prefecture, on a phone, has the demo's notifications unread already.
	p := newBrowser(t)
	signInAs(t, p, base, "prefettura.fe@gesta.example")
	p.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	badge := chromedp.Evaluate[string](`(document.querySelector('[data-testid="nav-inbox"] .badge') || {}).textContent || ""`)
	unread := func() int {
		var n int
		fmt.Sscan(value(t, p, badge), &n)
		return n
	}
	before := unread()

	// Publishing notifies every prefecture: a second step says so first.
	b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="plan-publish-open"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-publish"]`)))
	b.submit(t, `[data-testid="plan-publish"]`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(".alert-success")))
	if flash := b.text(t, ".alert-success"); !strings.Contains(flash, "pubblicato") {
		t.Fatalf("after publishing: %q", flash)
	}
	planURL := value(t, b, chromedp.Location())
	b.noErrors(t, "coordinator's plan page")

	// Ferrara's prefecture: one notification more, the newest opens the plan.
	p.do(t, chromedp.Navigate(base+"/avvisi"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="open-plan_published"]`)))
	if n := unread(); n != before+1 {
		t.Errorf("the navigation's unread badge says %d, want %d", n, before+1)
	}
	p.submit(t, `[data-testid="open-plan_published"]`)
	p.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-ack"]`)))
	if n := unread(); n != before {
		t.Errorf("after opening the notification the badge says %d, want %d", n, before)
	}
	if url := value(t, p, chromedp.Location()); url != planURL {
		t.Fatalf("the notification opens %s, want %s", url, planURL)
	}
	if !p.fitsPhone(t) {
		t.Error("the plan page scrolls sideways on a phone")
	}
	p.submit(t, `[data-testid="plan-ack"]`)
	p.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-propose"]`)))
	p.submit(t, `[data-testid="plan-propose"]`)
	p.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-place"]`)))
	unplaced := value(t, p, chromedp.Evaluate[int](`[...document.querySelectorAll('select[name^="u_"]')].filter(s => s.value === "").length`))
	selects := value(t, p, chromedp.Evaluate[int](`document.querySelectorAll('select[name^="u_"]').length`))
	if selects == 0 || unplaced != 0 {
		t.Fatalf("proposal: %d units, %d without a facility", selects, unplaced)
	}
	// The reasons name the facility and its comune, not codes.
	why := value(t, p, chromedp.Evaluate[string](`[...document.querySelectorAll('select[name^="u_"]')].map(s => s.closest("tr").lastElementChild.textContent).join("\n")`))
	if regexp.MustCompile(`comune \d{6}`).MatchString(why) || !strings.Contains(why, "comune di ") {
		t.Errorf("the proposal's reasons:\n%s", why)
	}
	// Each unit is offered only the facilities that take it: no children's community for a
	// single man. Send one anyway (a code read from the province's facility list): the placement refuses that
	// line, marks it and keeps the others.
	notForMen := value(t, p, chromedp.Evaluate[[]string](`(async () => {
	  const codes = [];
	  for (let page = 1; page <= 20; page++) {
	    const html = await (await fetch("/strutture?provincia=FE&pagina=" + page)).text();
	    const doc = new DOMParser().parseFromString(html, "text/html");
	    for (const tr of doc.querySelectorAll("tbody tr")) if (tr.children.length > 3 && /^(Donne sole|Nuclei familiari|MSNA)$/.test(tr.children[3].textContent.trim())) codes.push(tr.querySelector("a").textContent.trim());
	    if (!doc.querySelector('[data-testid="pager-next"]')) break;
	  }
	  return codes;
	})()`, chromedp.EvalAwaitPromise))
	swap := value(t, p, chromedp.Evaluate[[]string](`(() => {
	  const bad = new Set(`+"`"+strings.Join(notForMen, ",")+"`"+`.split(","));
	  const men = [...document.querySelectorAll('select[name^="u_"]')].filter(s => /uomo solo/i.test(s.closest("tr").children[1].textContent));
	  const offered = men.flatMap(s => [...s.options].filter(o => bad.has(o.value)).map(o => s.name + " " + o.value));
	  return men.length ? [men[0].name, men[0].value, offered.join(",")] : [];
	})()`))
	if len(notForMen) == 0 || len(swap) != 3 || swap[2] != "" {
		t.Fatalf("facilities not for single men %v; single men's rows %v: offered one", notForMen, swap)
	}
	swap[2] = notForMen[0]
	value(t, p, chromedp.Evaluate[bool](`(() => { const s = document.querySelector('select[name="`+swap[0]+`"]'); const o = document.createElement("option"); o.value = "`+swap[2]+`"; s.append(o); s.value = o.value; return true })()`))
	chosen := value(t, p, chromedp.Evaluate[int](`[...document.querySelectorAll('select[name^="u_"]')].filter(s => s.value !== "").length`))
	p.submit(t, `[data-testid="plan-place"]`)
	p.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="refused"]`)))
	p.clearErrors() // the refusal's 422 is logged by the browser: expected
	refused := value(t, p, chromedp.Evaluate[string](`document.querySelector('[data-testid="refused"] select').name`))
	kept := value(t, p, chromedp.Evaluate[int](`[...document.querySelectorAll('select[name^="u_"]')].filter(s => s.value !== "").length`))
	if refused != swap[0] || kept < chosen-1 {
		t.Fatalf("refused line %q (want %q); %d of %d choices kept", refused, swap[0], kept, chosen)
	}
	value(t, p, chromedp.Evaluate[bool](`(() => { document.querySelector('select[name="`+swap[0]+`"]').value = "`+swap[1]+`"; return true })()`))
	p.submit(t, `[data-testid="plan-place"]`)
	p.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-depart"]`)))
	if flash := p.text(t, ".alert-success"); !strings.Contains(flash, "prenotati") {
		t.Fatalf("after placing: %q", flash)
	}
	p.do(t, chromedp.SendKeys(chromedp.ID("vehicle"), "Pullman CRI 3"))
	p.submit(t, `[data-testid="plan-depart"]`)
	p.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="plan-arrive"]`)))
	// One unit does not show up.
	value(t, p, chromedp.Evaluate[string](`document.querySelector('select[name^="o_"]').value = "no_show"`))
	p.submit(t, `[data-testid="plan-arrive"]`)
	p.do(t, chromedp.WaitVisible(chromedp.CSS(".alert-success")))
	flash := p.text(t, ".alert-success")
	status := p.text(t, `[data-testid="plan-status"]`)
	timeline := p.text(t, `[data-testid="timeline"]`)
	fits := p.fitsPhone(t)
	mainText := value(t, p, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	p.noErrors(t, "prefecture's plan page")
	// People and provinces by name, not by id or code.
	if id := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`).FindString(mainText); id != "" {
		t.Errorf("the plan page shows an id, %s:\n%s", id, mainText)
	}
	if !regexp.MustCompile(`ripartizione proposta: Piacenza \d+, Parma \d+`).MatchString(timeline) {
		t.Errorf("the split's timeline entry does not name the provinces:\n%s", timeline)
	}
	// The message says what happened: the nominative list's people became guests.
	if !regexp.MustCompile(`Arrivi confermati: \d+ persone accolte; \d+ ospiti registrati`).MatchString(flash) || status != "in viaggio" {
		t.Fatalf("after the arrivals: %q, status %q", flash, status)
	}
	for _, want := range []string{"presa visione", "partenza: Pullman CRI 3", "arrivi confermati", "non presentate 1"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("timeline lacks %q:\n%s", want, timeline)
		}
	}
	if !fits {
		t.Error("the plan page scrolls sideways on a phone after the arrivals")
	}

	// The other screens of the flow fit a phone too.
	for _, path := range []string{"/piani", "/avvisi", "/saldo"} {
		p.do(t, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if !p.fitsPhone(t) {
			t.Errorf("%s scrolls sideways on a phone", path)
		}
	}
	p.noErrors(t, "prefecture's other pages")

	// The coordinator sees Ferrara's acknowledgement and arrivals at a glance.
	b.do(t, chromedp.Navigate(planURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="split-table"]`)))
	feRow := b.text(t, `tr[data-province="FE"]`)
	b.noErrors(t, "coordinator's plan page after Ferrara")
	if !strings.Contains(feRow, "arrivate") {
		t.Errorf("Ferrara's row: %q", feRow)
	}
}
