package arch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// pkg is the part of `go list -json` the check reads.
type pkg struct {
	ImportPath string
	Imports    []string // non-test imports
}

// violations lists every import between the module's packages that allowed
// does not permit, and every package allowed does not name.
func violations(pkgs []pkg, allowed map[string][]string) []string {
	var out []string
	for _, p := range pkgs {
		from, ok := strings.CutPrefix(p.ImportPath, Module+"/")
		if !ok {
			continue
		}
		may, known := allowed[from]
		if !known {
			out = append(out, fmt.Sprintf("%s is not in arch.Allowed: add it to its layer", from))
			continue
		}
		for _, imp := range p.Imports {
			to, ours := strings.CutPrefix(imp, Module+"/")
			if ours && !slices.Contains(may, to) {
				out = append(out, fmt.Sprintf("%s imports %s: not allowed by arch.Allowed", from, to))
			}
		}
	}
	return out
}

// TestDependencyRule checks every import of gesta's packages (tests
// excluded) against Allowed.
func TestDependencyRule(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", Module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d packages: not the whole module", len(pkgs))
	}
	for _, v := range violations(pkgs, Allowed) {
		t.Error(v)
	}
	// Every package the table names exists, so the table does not rot.
	listed := map[string]bool{}
	for _, p := range pkgs {
		listed[strings.TrimPrefix(p.ImportPath, Module+"/")] = true
	}
	for name := range Allowed {
		if !listed[name] {
			t.Errorf("arch.Allowed names %s, which go list does not find", name)
		}
	}
}

// TestViolations shows the check failing on planted edges that break the
// layering, and passing on the allowed ones.
func TestViolations(t *testing.T) {
	p := func(from string, imports ...string) pkg {
		q := pkg{ImportPath: Module + "/" + from}
		for _, i := range imports {
			q.Imports = append(q.Imports, Module+"/"+i)
		}
		return q
	}
	for _, c := range []struct {
		name  string
		pkg   pkg
		wrong bool
	}{
		{"StoreImportsEngine", p("internal/store", "internal/domain", "internal/alloc"), true},
		{"JobsImportsStore", p("internal/jobs", "internal/store"), true},
		{"DemoImportsAuth", p("internal/store/demo", "internal/store", "internal/auth"), true},
		{"DomainImportsAnything", p("internal/domain", "internal/territory"), true},
		{"AdapterImportsAdapter", p("internal/api", "internal/web"), true},
		{"UnknownPackage", p("internal/newthing", "internal/domain"), true},
		{"StoreAsAllowed", p("internal/store", "internal/domain", "internal/crypt"), false},
		{"AppImportsAll", p("internal/app", "internal/store", "internal/web", "internal/placement"), false},
		{"StandardLibraryAndOthers", pkg{ImportPath: Module + "/internal/domain", Imports: []string{"context", "github.com/google/uuid"}}, false},
		{"OutsideTheModule", pkg{ImportPath: "example.com/x", Imports: []string{Module + "/internal/store"}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := violations([]pkg{c.pkg}, Allowed)
			if (len(v) > 0) != c.wrong {
				t.Errorf("violations %v, want some: %v", v, c.wrong)
			}
		})
	}
}
