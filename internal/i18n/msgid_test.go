package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/i18n"
)

// idArg says where the message id sits in the calls that take one, and
// whether key/value arguments follow it.
var idArg = map[string]struct {
	pos int
	kv  bool
}{
	"Err":        {1, true}, // domain.Err(code, id, k, v…)
	"Field":      {0, true}, // domain.Field(id, k, v…)
	"conflictf":  {0, true}, // store's ECONFLICT shorthand
	"needReason": {1, false},
}

var (
	errID       = regexp.MustCompile(`^err\.[a-z0-9_]+(\.[a-z0-9_]+)*$`)
	placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)`)
)

// use is one message id found in the code, with the argument keys passed
// with it (nil when unknown: not a constructor call, or keys not literal).
type use struct {
	id, at string
	keys   []string
}

// scanIDs finds the message ids in one parsed file: every "err.…" string
// literal, and the literal ids (any namespace) of the constructors in idArg.
func scanIDs(fset *token.FileSet, f *ast.File) []use {
	var out []use
	seen := map[token.Pos]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			name := ""
			switch fn := x.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			spec, ok := idArg[name]
			if !ok || len(x.Args) <= spec.pos {
				return true
			}
			id, ok := literal(x.Args[spec.pos])
			if !ok {
				return true
			}
			seen[x.Args[spec.pos].Pos()] = true
			u := use{id: id, at: fset.Position(x.Pos()).String(), keys: []string{}}
			if spec.kv {
				for i := spec.pos + 1; i < len(x.Args); i += 2 {
					k, ok := literal(x.Args[i])
					if !ok || x.Ellipsis.IsValid() {
						u.keys = nil
						break
					}
					u.keys = append(u.keys, k)
				}
			}
			out = append(out, u)
		case *ast.BasicLit:
			if s, ok := literal(x); ok && errID.MatchString(s) && !seen[x.Pos()] {
				out = append(out, use{id: s, at: fset.Position(x.Pos()).String()})
			}
		}
		return true
	})
	return out
}

func literal(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

// catalogue reads one language's messages.
func catalogue(t *testing.T, lang string) map[string]string {
	t.Helper()
	m, err := i18n.Messages(lang)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// checkUses reports the ids missing from a catalogue and the calls whose
// argument keys do not match the message's placeholders.
func checkUses(uses []use, cats map[string]map[string]string) []string {
	var problems []string
	for _, u := range uses {
		for _, lang := range slices.Sorted(maps.Keys(cats)) {
			msg, ok := cats[lang][u.id]
			if !ok {
				problems = append(problems, u.at+": "+u.id+" missing in "+lang+".json")
				continue
			}
			if u.keys == nil {
				continue
			}
			keys := slices.Clone(u.keys)
			slices.Sort(keys)
			if ph := placeholders(msg); !slices.Equal(ph, keys) {
				problems = append(problems, u.at+": "+u.id+" gets "+strings.Join(keys, ",")+", "+lang+".json uses "+strings.Join(ph, ","))
			}
		}
	}
	return problems
}

// TestMessageIDsInCatalogues: every message id the code passes to the error
// constructors (and every "err.…" literal) is in both catalogues, and the
// argument keys of each call are exactly the message's placeholders.
func TestMessageIDsInCatalogues(t *testing.T) {
	cats := map[string]map[string]string{"it": catalogue(t, "it"), "en": catalogue(t, "en")}
	fset := token.NewFileSet()
	var uses []use
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		uses = append(uses, scanIDs(fset, f)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) < 150 {
		t.Fatalf("found %d message ids: the scan misses the constructors", len(uses))
	}
	for _, p := range checkUses(uses, cats) {
		t.Error(p)
	}
}

// The check itself fails on a planted missing id and on mismatched keys.
func TestMessageIDCheckCatchesPlanted(t *testing.T) {
	src := `package x
func f() {
	_ = domain.Err(domain.EINVALID, "err.no.such.id")
	_ = domain.Err(domain.ECONFLICT, "err.plan.share_sum", "Got", 1)
	_ = domain.Field("err.province.unknown", "Province", "999")
	_ = "err.also.missing"
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "planted.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]map[string]string{"it": catalogue(t, "it"), "en": catalogue(t, "en")}
	problems := checkUses(scanIDs(fset, f), cats)
	want := []string{"err.no.such.id missing in en.json", "err.no.such.id missing in it.json",
		"err.plan.share_sum gets Got, en.json uses Got,Want", "err.plan.share_sum gets Got, it.json uses Got,Want",
		"err.also.missing missing in en.json", "err.also.missing missing in it.json"}
	if len(problems) != len(want) {
		t.Fatalf("problems = %q", problems)
	}
	for _, w := range want {
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasSuffix(p, w) }) {
			t.Errorf("not reported: %s (got %q)", w, problems)
		}
	}
}

// TestPlaceholdersMatch: a message uses the same template data in both languages.
func TestPlaceholdersMatch(t *testing.T) {
	it, en := catalogue(t, "it"), catalogue(t, "en")
	for id, msg := range it {
		if e, ok := en[id]; ok && !slices.Equal(placeholders(msg), placeholders(e)) {
			t.Errorf("%s: it uses %v, en uses %v", id, placeholders(msg), placeholders(e))
		}
	}
}
