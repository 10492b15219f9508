package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Text a person reads lives in the catalogues (locales/*.json), the e-mail
// templates (internal/notify) and the HTML templates, never in the store or
// the domain: these tests fail when an Italian string literal appears there.

// italianWords are common Italian words that do not occur in SQL, ids, codes
// or format strings; one of them in a literal of several words marks prose.
var italianWords = regexp.MustCompile(`(?i)\b(il|lo|la|le|gli|un|una|di|del|della|dei|delle|da|dal|dalla|nel|nella|per|con|non|che|sono|alla|al|ai|su|tra|gi[aà]|posti|struttura|strutture|piano|persone|persona|ospite|ospiti|riga|colonna|prenotazione|quota|motivo|provincia|ente|elenco|dati|errore|obbligatori[oa]|sconosciut[oa]|valid[oa]|mancante|annullato|pubblicato|manca|indica|carica|verifica|occupati|liberi|richiesti|disponibili|utente|modifica|nessun[ao]?)\b`)

// accented letters and the Italian quotation marks mark Italian text even in a
// single word.
var accented = regexp.MustCompile(`[àèéìòùÀÈÉÌÒÙ«»]`)

// sqlText recognises query text, which may hold Italian values in quotes.
var sqlText = regexp.MustCompile(`\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|WHERE|VALUES)\b`)

// italian reports whether a literal reads as Italian prose.
func italian(s string) bool {
	if sqlText.MatchString(s) || strings.HasPrefix(s, "store: ") { // queries; wrapped errors for the log
		return false
	}
	if accented.MatchString(s) {
		return true
	}
	return strings.Contains(strings.TrimSpace(s), " ") && italianWords.MatchString(s)
}

// allowed are files and literals ("file: literal") kept on purpose, each with
// its reason.
var allowed = map[string]string{
	"domain/nationality.go":                                     "country names in Italian: a reference table of proper names (ISO 3166 alpha-3 → name), not yet in the catalogues",
	`store/territory.go: "Prefettura di "`:                      "the offices' official names, proper names given by the State",
	`store/territory.go: " – Ufficio territoriale del Governo"`: "the offices' official names, proper names given by the State",
}

// italianLiterals lists the Italian string literals of one parsed file.
// rel is the file's name for the allowed list ("store/territory.go").
func italianLiterals(fset *token.FileSet, f *ast.File, rel string) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if bl, ok := n.(*ast.BasicLit); ok && bl.Kind == token.STRING {
			if s, err := strconv.Unquote(bl.Value); err == nil && italian(s) && allowed[rel+": "+strconv.Quote(s)] == "" {
				out = append(out, fset.Position(bl.Pos()).String()+": "+strconv.Quote(s))
			}
		}
		return true
	})
	return out
}

func TestNoItalianInStoreOrDomain(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	for _, dir := range []string{"../store", "../domain"} {
		names, err := filepath.Glob(filepath.Join(dir, "*.go")) // not store/demo: the demo generator writes Italian data
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			rel := strings.TrimPrefix(filepath.ToSlash(name), "../")
			if strings.HasSuffix(name, "_test.go") || allowed[rel] != "" {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files++
			for _, l := range italianLiterals(fset, f, rel) {
				t.Errorf("user-facing text in %s: move it to the catalogues (docs/i18n.md)", l)
			}
		}
	}
	if files < 40 {
		t.Fatalf("scanned %d files: the walk misses the packages", files)
	}
}

// The detector flags planted Italian text and lets SQL, ids, codes, format
// strings and log messages through.
func TestItalianLiteralDetector(t *testing.T) {
	src := `package x
var (
	a = "La struttura è al completo."
	b = "Posti liberi insufficienti: %d richiesti"
	c = fmt.Sprintf("piano chiuso: %d accolte su %d", 1, 2)
	d = "non indicato"
	e = "«%s»"
	ok1 = "SELECT id FROM plans WHERE status = 'pubblicato' AND note = 'già'"
	ok2 = "err.plan.share_sum"
	ok3 = "store: find office %s: %w"
	ok4 = "sconosciuto"
	ok5 = "link to the previous row does not match"
	ok6 = "plan_events"
)`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "planted.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := italianLiterals(fset, f, "planted.go")
	if len(got) != 5 {
		t.Fatalf("flagged %d literals, want the 5 planted: %q", len(got), got)
	}
	for i, want := range []string{"La struttura", "Posti liberi", "piano chiuso", "non indicato", "«%s»"} {
		if !strings.Contains(got[i], strconv.Quote(want)[1:len(want)]) {
			t.Errorf("flag %d = %s, want %q", i, got[i], want)
		}
	}
}
