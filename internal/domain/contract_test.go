package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestServiceMethodsHaveContracts: every method of every interface in
// package domain carries a doc comment — its contract: who may call it, what
// it guarantees, which error codes come back.
func TestServiceMethodsHaveContracts(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	methods := 0
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		{
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok {
					return true
				}
				it, ok := ts.Type.(*ast.InterfaceType)
				if !ok {
					return true
				}
				for _, m := range it.Methods.List {
					if len(m.Names) == 0 { // an embedded interface
						continue
					}
					methods++
					if m.Doc == nil || strings.TrimSpace(m.Doc.Text()) == "" {
						t.Errorf("%s: %s.%s has no contract comment", fset.Position(m.Pos()), ts.Name.Name, m.Names[0].Name)
					}
				}
				return false
			})
		}
	}
	if methods < 50 {
		t.Fatalf("found %d interface methods: the test does not see the services", methods)
	}
}
