package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSAIImportPages walks the coordinator's SAI import through its pages
// that no GET route reaches (TestLayoutEveryPage checks the form itself): a
// file with errors (the list of errors by row and column) and the example
// file's preview, each at desktop and phone width, with no overflow, no
// overlapping text, no axe-core violation and no console error; then the
// load is confirmed.
func TestSAIImportPages(t *testing.T) {
	base := startApp(t)
	axeJS := axeScript(t)
	b := newBrowser(t)
	signInAs(t, b, base, "coordinamento@gesta.example")
	probe := func(what string) {
		t.Helper()
		for _, size := range layoutSizes {
			b.do(t, chromedp.EmulateViewport(size[0], size[1]))
			res := value(t, b, chromedp.Evaluate[layoutResult](layoutProbe))
			at := fmt.Sprintf("%s at %d px", what, size[0])
			if res.Overflow > 0 {
				t.Errorf("%s: the page is %d px wider than the window", at, res.Overflow)
			}
			for _, o := range res.Overlaps {
				t.Errorf("%s: text overlaps: %s", at, o)
			}
			if axeJS != "" {
				for _, v := range value(t, b, chromedp.Evaluate[[]string](axeJS+";\n"+axeRunLines, chromedp.EvalAwaitPromise)) {
					t.Errorf("%s: axe: %s", at, v)
				}
			}
			b.noErrors(t, at)
		}
	}
	example, err := os.ReadFile(filepath.Join("..", "web", "static", "modelli", "sai-esempio.csv"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "sai.csv"), filepath.Join(dir, "sai-errori.csv")
	if err := os.WriteFile(good, example, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("codice_progetto,codice_comune_titolare,tipologia,posti\nP1,999999,ordinari,10\nP1,037006,altro,0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	upload := func(file string) {
		t.Helper()
		b.do(t, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(base+"/pubblicazioni/sai"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="sai-upload"]`)),
			chromedp.SetValue(chromedp.ID("reference_date"), "2026-09-30"),
			chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}))
		b.submit(t, `[data-testid="sai-upload"]`)
	}

	upload(bad)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="sai-errors"]`)))
	b.clearErrors() // the browser logs the 422 of a refused file: expected here
	if rows := value(t, b, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="sai-errors"] tbody tr').length`)); rows < 3 {
		t.Errorf("%d errors listed for a file with a bad comune, a repeated code, a bad type and no places", rows)
	}
	probe("SAI errors")

	upload(good)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="sai-preview"]`)))
	if preview := b.text(t, `[data-testid="sai-preview"]`); !strings.Contains(preview, "30 settembre 2026") {
		t.Errorf("preview %q lacks its date", preview)
	}
	probe("SAI preview")
	b.submit(t, `[data-testid="sai-confirm"]`)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="sai-upload"]`)))
	if loads := b.text(t, "main"); !strings.Contains(loads, "30 settembre 2026") {
		t.Errorf("the load of 30 September is not listed after confirming")
	}
}
