package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gesta-er/gesta/internal/web"
)

// What an official sees: every page a role can open, at an office
// screen (1366 × 900) and a phone (375 × 800), is no wider than the window,
// has no text drawn over other text, and logs no console error or failed
// load. The pages come from the web route table, so a new page is checked
// without being listed here; a page with a parameter is reached through the
// first link to it found on the pages already visited.

var layoutRoles = []string{
	"", // not signed in
	"coordinamento@gesta.example",
	"prefettura.bo@gesta.example",
	"operatore.bo@gesta.example",
	"servizio.bo@gesta.example",
	"osservatorio.bo@gesta.example",
	// admin@ is left out: its first sign-in sets up two-step verification.
}

var layoutSizes = [][2]int64{{1366, 900}, {375, 800}}

// layoutPages returns the route table's GET pages: the fixed ones, and the
// patterns of those with a parameter (as regular expressions on the path).
func layoutPages() (fixed []string, params []*regexp.Regexp) {
	seen := map[string]bool{}
	for _, rt := range (&web.Server{}).Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if method != "GET" || seen[path] {
			continue
		}
		seen[path] = true
		path = strings.TrimSuffix(path, "{$}")
		if i := strings.LastIndex(path, "/"); strings.Contains(path[i:], ".") {
			continue // a download (.csv, .xlsx, .pdf, .jsonld, .ttl), not a page
		}
		if !strings.Contains(path, "{") {
			fixed = append(fixed, path)
			continue
		}
		if strings.HasSuffix(path, "{file}") || strings.HasSuffix(path, "/documenti/{doc}") {
			continue // a dataset's file; a report's or case's document (always an attachment)
		}
		re := "^" + regexp.MustCompile(`\\\{[a-z]+\\\}`).ReplaceAllString(regexp.QuoteMeta(path), `[^/?#]+`) + "$"
		params = append(params, regexp.MustCompile(re))
	}
	return fixed, params
}

// layoutProbe measures the page in the browser: the document's overflow, the
// pairs of visible text boxes (text runs, and the value area of form
// controls) that overlap, and the visible SVG text drawn smaller than 10 px
// (a chart scaled down to a phone's width). Boxes are compared with a sweep
// on their top edge.
const layoutProbe = `(() => {
  const minSVGText = 10;
  const d = document.documentElement;
  const out = {overflow: d.scrollWidth - d.clientWidth, overlaps: [], small: []};
  const boxes = [];
  const visible = el => {
    // checkVisibility also hides the content of a closed <details>, which
    // keeps boxes (content-visibility) though nothing is drawn.
    if (!el.checkVisibility({contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true})) return false;
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || +s.opacity === 0) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 2 && r.height > 2; // visually-hidden text is clipped to 1 px
  };
  // The part of a box its scrolling ancestors let be seen (a long table in a
  // scroll box is clipped there); null when none of it is.
  const clip = (el, box) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.overflowX === "visible" && s.overflowY === "visible") continue;
      const r = e.getBoundingClientRect();
      box = {l: Math.max(box.l, r.left), t: Math.max(box.t, r.top), r: Math.min(box.r, r.right), b: Math.min(box.b, r.bottom)};
      if (box.r - box.l < 1 || box.b - box.t < 1) return null;
    }
    return box;
  };
  const add = (el, rect, what) => {
    const c = clip(el, {l: rect.left, t: rect.top, r: rect.right, b: rect.bottom});
    if (c) boxes.push({l: c.l, t: c.t + scrollY, r: c.r, b: c.b + scrollY, h: rect.bottom - rect.top, el, what});
  };
  const name = el => (el.id ? el.tagName.toLowerCase() + "#" + el.id : el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    if (!text || !n.parentElement || n.parentElement.closest("svg, script, style, option, .visually-hidden, .skiplinks")) continue;
    if (!visible(n.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      if (r.width > 1 && r.height > 1) add(n.parentElement, r, text.slice(0, 40));
    }
  }
  for (const el of document.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea")) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    const pl = parseFloat(s.paddingLeft), pr = parseFloat(s.paddingRight), pt = parseFloat(s.paddingTop), pb = parseFloat(s.paddingBottom);
    add(el, {left: r.left + pl, top: r.top + pt, right: r.right - pr, bottom: r.bottom - pb}, "[" + name(el) + "]");
  }
  // SVG text scales with its drawing: the size a reader sees is the font
  // size in user units times the drawing's scale on the screen.
  for (const el of document.querySelectorAll("svg text")) {
    if (!el.textContent.trim() || !visible(el)) continue;
    const m = el.getScreenCTM();
    if (!m) continue;
    const px = parseFloat(getComputedStyle(el).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    if (px < minSVGText && out.small.length < 10) out.small.push(JSON.stringify(el.textContent.trim().slice(0, 20)) + " " + px.toFixed(1) + " px");
  }
  boxes.sort((a, b) => a.t - b.t);
  // A glyph box is taller than its line when the line-height is tight (a
  // heading's two lines, a big figure above its caption): boxes overlap only
  // when they share more than a third of the lower one's height.
  for (let i = 0; i < boxes.length && out.overlaps.length < 10; i++) {
    const a = boxes[i];
    for (let j = i + 1; j < boxes.length && boxes[j].t < a.b; j++) {
      const b = boxes[j];
      if (a.el === b.el || a.el.contains(b.el) && b.el.tagName !== "INPUT" || b.el.contains(a.el)) continue;
      const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
      if (w > 2 && h > Math.min(a.h, b.h) / 3) out.overlaps.push(JSON.stringify(a.what) + " over " + JSON.stringify(b.what));
    }
  }
  return out;
})()`

// axeScript is axe-core's script (npm ci in testdata/axe), or "" without it.
func axeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("GESTA_E2E_REQUIRED") != "" {
			t.Fatal("axe-core not installed and GESTA_E2E_REQUIRED is set: (cd internal/e2e/testdata/axe && npm ci)")
		}
		t.Log("axe-core not installed: the accessibility check is skipped ((cd internal/e2e/testdata/axe && npm ci))")
		return ""
	}
	return string(b)
}

// axeRunLines checks the page against WCAG 2.1 A and AA; each violation is
// "rule: target (impact)".
const axeRunLines = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
  .then(r => r.violations.flatMap(v => v.nodes.slice(0, 3).map(n => v.id + ": " + n.target.join(" ") + " (" + v.impact + ")")))`

type layoutResult struct {
	Overflow int      `json:"overflow"`
	Overlaps []string `json:"overlaps"`
	Small    []string `json:"small"`
}

func TestLayoutEveryPage(t *testing.T) {
	base := startApp(t)
	axeJS := axeScript(t)
	fixed, params := layoutPages()
	// GESTA_LAYOUT_ONLY, a regular expression on the path, narrows the run
	// to the pages being worked on (the full run takes minutes).
	var only *regexp.Regexp
	if v := os.Getenv("GESTA_LAYOUT_ONLY"); v != "" {
		only = regexp.MustCompile(v)
	}
	for _, email := range layoutRoles {
		role := email
		if role == "" {
			role = "visitor"
		}
		t.Run(strings.Split(role, "@")[0], func(t *testing.T) {
			b := newBrowser(t)
			if email != "" {
				signInAs(t, b, base, email)
			}
			links := map[string]bool{}
			check := func(path string) {
				t.Helper()
				if only != nil && !only.MatchString(path) {
					return
				}
				for _, size := range layoutSizes {
					b.do(t, chromedp.EmulateViewport(size[0], size[1]))
					ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
					resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+path))
					cancel()
					if err != nil {
						t.Fatalf("%s: %v", path, err)
					}
					if resp.Status == 403 || resp.Status == 404 || resp.Status == 405 {
						b.clearErrors() // the browser logs the refusal: expected here
						return          // not this role's page (the authorization tests check who may reach what)
					}
					if resp.MimeType != "text/html" {
						return // a download
					}
					if resp.Status >= 400 {
						t.Errorf("%s: status %d", path, resp.Status)
						return
					}
					if !strings.HasPrefix(resp.URL, base+path) {
						return // redirected elsewhere (the sign-in page, a signed-in user's home)
					}
					b.do(t, chromedp.WaitReady(chromedp.CSS("footer")))
					res := value(t, b, chromedp.Evaluate[layoutResult](layoutProbe))
					at := fmt.Sprintf("%s at %d px", path, size[0])
					if res.Overflow > 0 {
						t.Errorf("%s: the page is %d px wider than the window", at, res.Overflow)
					}
					for _, o := range res.Overlaps {
						t.Errorf("%s: text overlaps: %s", at, o)
					}
					for _, o := range res.Small {
						t.Errorf("%s: chart text too small to read: %s", at, o)
					}
					if size[0] > 1000 && axeJS != "" {
						ctx, cancel := context.WithTimeout(b.ctx, 120*time.Second)
						violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeJS+";\n"+axeRunLines, chromedp.EvalAwaitPromise))
						cancel()
						if err != nil {
							t.Fatalf("%s: axe: %v", at, err)
						}
						for _, v := range violations {
							t.Errorf("%s: axe: %s", at, v)
						}
					}
					if size[0] > 1000 {
						for _, h := range value(t, b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main a[href^='/']:not([download])")].map(a => a.getAttribute("href"))`)) {
							if i := strings.LastIndex(h, "/"); strings.Contains(h[i:], ".") {
								continue // a file: .csv, .pdf, .jsonld…
							}
							links[strings.SplitN(h, "?", 2)[0]] = true
						}
					}
					b.noErrors(t, at)
				}
			}
			for _, p := range fixed {
				check(p)
			}
			sorted := make([]string, 0, len(links))
			for l := range links {
				sorted = append(sorted, l)
			}
			sort.Strings(sorted)
			for _, re := range params {
				for _, l := range sorted {
					if re.MatchString(l) {
						check(l)
						break
					}
				}
			}
		})
	}
}

// TestNavigationFitsOneLine: at 1280 px every role's navigation bar is a single
// row (grouped into Bootstrap Italia dropdowns), and a dropdown opens and is
// walked with the keyboard alone.
func TestNavigationFitsOneLine(t *testing.T) {
	base := startApp(t)
	for _, email := range layoutRoles {
		role := email
		if role == "" {
			role = "visitor"
		}
		t.Run(strings.Split(role, "@")[0], func(t *testing.T) {
			b := newBrowser(t)
			if email != "" {
				signInAs(t, b, base, email)
			}
			b.do(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#nav-main .navbar-nav")))
			tops := value(t, b, chromedp.Evaluate[[]float64](`[...document.querySelectorAll("#nav-main .navbar-nav > .nav-item")].map(li => li.getBoundingClientRect().top)`))
			width := value(t, b, chromedp.Evaluate[[]float64](`(() => { const u = document.querySelector("#nav-main .navbar-nav"), c = u.closest(".container"); return [u.scrollWidth, c.clientWidth]; })()`))
			if len(tops) == 0 {
				t.Fatal("no navigation items")
			}
			for _, top := range tops {
				if top != tops[0] {
					t.Errorf("navigation on more than one line: item tops %v", tops)
					break
				}
			}
			if width[0] > width[1] {
				t.Errorf("navigation %v px wide in a %v px container", width[0], width[1])
			}
			b.noErrors(t, "navigation at 1280 px")
			toggles := value(t, b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#nav-main .dropdown-toggle")].map(b => b.id)`))
			if email == "coordinamento@gesta.example" && len(toggles) < 3 {
				t.Fatalf("coordinator's dropdowns = %v, want the menu grouped", toggles)
			}
			if len(toggles) == 0 {
				return
			}
			// Keyboard only: focus the first group, Enter opens it, ArrowDown reaches its first link.
			id := toggles[0]
			b.do(t,
				chromedp.Focus(chromedp.ID(id)),
				chromedp.KeyEvent("\r"),
				chromedp.WaitVisible(chromedp.CSS("#"+id+" + .dropdown-menu a")),
				chromedp.KeyEvent(kb.ArrowDown),
			)
			focused := value(t, b, chromedp.Evaluate[string](`document.activeElement.closest(".dropdown-menu") ? document.activeElement.getAttribute("href") : ""`))
			expanded := value(t, b, chromedp.Evaluate[string](`document.getElementById(`+fmt.Sprintf("%q", id)+`).getAttribute("aria-expanded")`))
			if focused == "" || expanded != "true" {
				t.Errorf("keyboard on %s: focus on %q, aria-expanded %q", id, focused, expanded)
			}
			b.noErrors(t, "dropdown")
		})
	}
}

// TestAvailabilityOnPhone: operators confirm at night from a phone; at
// 375 px each facility is a card whose occupied field and both buttons are
// inside the window. A facility whose occupancy comes from the guest
// registry shows its figure read-only (and "Invariato"); a declared one an
// editable field.
func TestAvailabilityOnPhone(t *testing.T) {
	base := startApp(t)
	b := newBrowser(t)
	signInAs(t, b, base, "operatore.bo@gesta.example")
	b.do(t, chromedp.EmulateViewport(375, 800), chromedp.Navigate(base+"/disponibilita"), chromedp.WaitVisible(chromedp.CSS(`input[name="occupied"][type=number]`)))
	res := value(t, b, chromedp.Evaluate[[]string](`(() => {
	  const w = document.documentElement.clientWidth, bad = [];
	  if (document.documentElement.scrollWidth > w) bad.push("page " + document.documentElement.scrollWidth + " px wide");
	  let registry = 0, declared = 0;
	  for (const row of document.querySelectorAll("main tbody tr[id]")) {
	    const occ = document.getElementById("occ-" + row.id), typed = row.querySelector('input[name="occupied"][type=number]');
	    if (!occ || !row.querySelector('[data-testid="confirm-' + row.id + '"]')) { bad.push(row.id + ": no occupied figure or no Invariato"); continue; }
	    if (occ.readOnly) {
	      registry++;
	      if (typed || row.querySelector('[data-testid="save-' + row.id + '"]')) bad.push(row.id + ": read-only figure next to an editable one");
	      const help = (occ.getAttribute("aria-describedby") || "").split(" ").map(id => document.getElementById(id)).filter(e => e).map(e => e.textContent).join(" ");
	      if (help.indexOf("registro degli ospiti") < 0 || help.indexOf("ingressi e le uscite") < 0) bad.push(row.id + ": read-only figure without the registry note: " + help);
	    } else if (occ === typed) {
	      declared++;
	    } else bad.push(row.id + ": occupied figure neither read-only nor the form's field");
	  }
	  if (!registry || !declared) bad.push("want facilities of both kinds on the page: registry " + registry + ", declared " + declared);
	  for (const el of document.querySelectorAll('main input[id^="occ-"], main button[type=submit]')) {
	    const r = el.getBoundingClientRect();
	    if (r.left < 0 || r.right > w || r.width < 40) bad.push((el.dataset.testid || el.id) + " at " + Math.round(r.left) + "–" + Math.round(r.right));
	  }
	  const row = document.querySelector("main tbody tr");
	  if (getComputedStyle(row).display !== "block") bad.push("rows are not cards");
	  return bad;
	})()`))
	b.noErrors(t, "availability at 375 px")
	for _, s := range res {
		t.Error(s)
	}
}
