package opendata

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func testInput() Input {
	pub := DefaultPublisher
	pub.Email = "dati.prefbo@example.it"
	dates := map[string]Dates{}
	for _, d := range Datasets {
		dates[d.ID] = Dates{Modified: day("2026-11-15"), Latest: day("2026-10-31"), Start: day("2025-01-31"),
			End: day("2026-10-31")}
	}
	return Input{BaseURL: "https://accoglienza.example.it/", Publisher: pub, Issued: day("2026-11-15"),
		Modified: day("2026-11-15"), Dates: dates}
}

func build(t *testing.T) *Catalog {
	t.Helper()
	c, err := Build(testInput())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// one returns the single object of s p, failing when there is not exactly one.
func one(t *testing.T, g *graph, s, p string) term {
	t.Helper()
	objs := g.objects(s, p)
	if len(objs) != 1 {
		t.Fatalf("%s %s: %d values, want 1", s, p, len(objs))
	}
	return objs[0]
}

func langs(objs []term) string {
	var l []string
	for _, o := range objs {
		l = append(l, o.lang)
	}
	return strings.Join(l, ",")
}

// TestMandatory checks the DCAT-AP_IT mandatory (and the issue's) fields of
// PUBLIC-SITE.md §1.5 on the catalogue, every dataset and distribution.
func TestMandatory(t *testing.T) {
	g := build(t).g
	cats := g.subjectsOfType(nsDCATAPIT + "Catalog")
	if len(cats) != 1 || len(g.subjectsOfType(nsDCAT+"Catalog")) != 1 {
		t.Fatalf("catalogues: %v", cats)
	}
	cat := cats[0]
	for _, p := range []string{"title", "description"} {
		if got := langs(g.objects(cat, nsDCT+p)); got != "it,en" {
			t.Errorf("catalogue dct:%s languages %q", p, got)
		}
	}
	if m := one(t, g, cat, nsDCT+"modified"); m.dtype != nsXSD+"date" || m.lit != "2026-11-15" {
		t.Errorf("catalogue modified %+v", m)
	}
	agent := one(t, g, cat, nsDCT+"publisher").iri
	if id := one(t, g, agent, nsDCT+"identifier"); id.lit != "m_it" {
		t.Errorf("publisher identifier %q", id.lit)
	}
	if n := one(t, g, agent, nsFOAF+"name"); !strings.Contains(n.lit, "Bologna") {
		t.Errorf("publisher name %q", n.lit)
	}
	datasets := g.objects(cat, nsDCAT+"dataset")
	if len(datasets) != len(Datasets) {
		t.Fatalf("%d datasets in the catalogue", len(datasets))
	}
	ids := []string{"presenze-comuni", "presenze-profilo", "presenze-mensili", "arrivi-piani", "cas-sai", "contesto-regionale"}
	for i, ds := range datasets {
		s := ds.iri
		types := map[string]bool{}
		for _, o := range g.objects(s, rdfType) {
			types[o.iri] = true
		}
		if !types[nsDCATAPIT+"Dataset"] || !types[nsDCAT+"Dataset"] {
			t.Errorf("%s types %v", s, types)
		}
		if id := one(t, g, s, nsDCT+"identifier").lit; id != "m_it:"+ids[i] || !strings.HasSuffix(id, ids[i]) {
			t.Errorf("%s identifier %q", s, id)
		}
		for _, p := range []string{"title", "description"} {
			if got := langs(g.objects(s, nsDCT+p)); got != "it,en" {
				t.Errorf("%s dct:%s languages %q", s, p, got)
			}
		}
		if m := one(t, g, s, nsDCT+"modified"); m.dtype != nsXSD+"date" {
			t.Errorf("%s modified %+v", s, m)
		}
		for _, th := range g.objects(s, nsDCAT+"theme") {
			if !strings.HasPrefix(th.iri, themeScheme+"/") {
				t.Errorf("%s theme %q", s, th.iri)
			}
		}
		if len(g.objects(s, nsDCAT+"theme")) == 0 {
			t.Errorf("%s has no theme", s)
		}
		if one(t, g, s, nsDCT+"rightsHolder").iri != agent {
			t.Errorf("%s rights holder", s)
		}
		if f := one(t, g, s, nsDCT+"accrualPeriodicity").iri; f != freqScheme+"/MONTHLY" {
			t.Errorf("%s periodicity %q", s, f)
		}
		period := subj(one(t, g, s, nsDCT+"temporal"))
		if st := one(t, g, period, nsDCATAPIT+"startDate"); st.lit != "2025-01-31" {
			t.Errorf("%s start %q", s, st.lit)
		}
		one(t, g, s, nsDCT+"spatial")
		cp := one(t, g, s, nsDCAT+"contactPoint").iri
		one(t, g, cp, nsVCARD+"fn")
		if e := one(t, g, cp, nsVCARD+"hasEmail").iri; e != "mailto:dati.prefbo@example.it" {
			t.Errorf("contact %q", e)
		}
		if len(g.objects(s, nsDCAT+"keyword")) == 0 {
			t.Errorf("%s has no keywords", s)
		}
		dists := g.objects(s, nsDCAT+"distribution")
		if len(dists) != 2 {
			t.Fatalf("%s: %d distributions", s, len(dists))
		}
		for k, d := range dists {
			f := Formats[k]
			if got := one(t, g, d.iri, nsDCT+"format").iri; got != fileScheme+"/"+f.FileType {
				t.Errorf("%s format %q", d.iri, got)
			}
			if got := one(t, g, d.iri, nsDCAT+"accessURL").iri; got != "https://accoglienza.example.it/dati/"+ids[i] {
				t.Errorf("%s access URL %q", d.iri, got)
			}
			want := "https://accoglienza.example.it/dati/" + ids[i] + "/2026-10-31." + f.Ext
			if got := one(t, g, d.iri, nsDCAT+"downloadURL").iri; got != want {
				t.Errorf("%s download URL %q, want %q", d.iri, got, want)
			}
			if got := one(t, g, d.iri, nsDCT+"license").iri; got != LicenseURI {
				t.Errorf("%s licence %q", d.iri, got)
			}
			if got := one(t, g, d.iri, nsDCAT+"mediaType").iri; got != mediaTypes+f.MediaType {
				t.Errorf("%s media type %q", d.iri, got)
			}
		}
	}
}

func TestBuildRefuses(t *testing.T) {
	cases := map[string]func(*Input){
		"relative base URL": func(in *Input) { in.BaseURL = "/dati" },
		"no e-mail":         func(in *Input) { in.Publisher.Email = "" },
		"no IPA code":       func(in *Input) { in.Publisher.IPA = "" },
		"missing dates":     func(in *Input) { delete(in.Dates, "cas-sai") },
		"no modified date":  func(in *Input) { in.Modified = time.Time{} },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			in := testInput()
			mutate(&in)
			if _, err := Build(in); err == nil {
				t.Error("built")
			}
		})
	}
}

// TestJSONLD checks the JSON-LD's shape: inline context, one node per
// subject, the catalogue typed both ways.
func TestJSONLD(t *testing.T) {
	b, err := build(t).JSONLD()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Context map[string]string `json:"@context"`
		Graph   []map[string]any  `json:"@graph"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Context["dcatapit"] != nsDCATAPIT {
		t.Errorf("context %v", doc.Context)
	}
	found := false
	for _, n := range doc.Graph {
		if n["@id"] == "https://accoglienza.example.it/dati/catalogo" {
			found = true
			if got := n["@type"]; len(got.([]any)) != 2 {
				t.Errorf("catalogue types %v", got)
			}
		}
	}
	if !found {
		t.Error("no catalogue node")
	}
}

// TestTurtleEscapes: quotes and newlines in literals stay inside them.
func TestTurtleEscapes(t *testing.T) {
	g := &graph{}
	g.add(iri("http://x/a"), nsDCT+"title", langLit("a \"b\"\nc\\", "it"))
	got := string(g.turtle())
	if !strings.Contains(got, `dct:title "a \"b\"\nc\\"@it .`) {
		t.Errorf("turtle:\n%s", got)
	}
}

var shaclDir = filepath.Join("testdata", "shacl")

// validate runs the SHACL validator on an RDF file; it skips when node or the
// validator's packages are missing (fails under GESTA_SHACL_REQUIRED=1).
func validate(t *testing.T, data string) (string, error) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(shaclDir, "node_modules", "rdf-validate-shacl"))
	}
	if err != nil {
		msg := "SHACL validation needs node and `npm ci` in " + shaclDir + ": " + err.Error()
		if os.Getenv("GESTA_SHACL_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(node, "validate.mjs", "dcat-ap_2.1.1_shacl_shapes.ttl",
		"dcat-ap_2.1.1_shacl_mdr-vocabularies.shape.ttl", data)
	cmd.Dir = shaclDir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// knownWarnings are the results of severity Warning the catalogue is
// expected to have: the Prefecture is not in the EU corporate-bodies table,
// and the area (Città metropolitana di Bologna) is described by its ISTAT
// code, not by a concept of the EU places or GeoNames tables.
var knownWarnings = []string{
	"http://purl.org/dc/terms/publisher: Value does not have shape <http://data.europa.eu/r5r#CorporateBodyRestriction>",
	"http://purl.org/dc/terms/spatial: ",
}

// TestSHACL validates catalogo.ttl and catalogo.jsonld against the DCAT-AP
// 2.1.1 shapes: no violation, and no warning but the known ones.
func TestSHACL(t *testing.T) {
	c := build(t)
	jl, err := c.JSONLD()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"catalogo.ttl": c.Turtle(), "catalogo.jsonld": jl} {
		out, err := validate(t, write(t, name, data))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		t.Logf("%s: %s", name, lastLine(out))
		// Both serialisations must carry every triple of the graph.
		if want := fmt.Sprintf("triples: %d,", len(c.g.triples)); !strings.Contains(out, want) {
			t.Fatalf("%s: the validator did not read %s\n%s", name, want, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if !strings.HasPrefix(line, "Warning") {
				continue
			}
			known := false
			for _, w := range knownWarnings {
				known = known || strings.Contains(line, w)
			}
			if !known {
				t.Errorf("%s: unexpected warning: %s", name, line)
			}
		}
	}
}

// TestSHACLCatchesBrokenCatalogue: the validation must fail on a
// distribution without accessURL and on a catalogue without a publisher.
func TestSHACLCatchesBrokenCatalogue(t *testing.T) {
	breaks := map[string]struct {
		breakIt func(*graph)
		want    string // in the violation's line
	}{
		"distribution without accessURL": {func(g *graph) {
			g.remove("https://accoglienza.example.it/dati/cas-sai#csv", nsDCAT+"accessURL")
		}, "Violation https://accoglienza.example.it/dati/cas-sai#csv http://www.w3.org/ns/dcat#accessURL"},
		"catalogue without publisher": {func(g *graph) {
			g.remove("https://accoglienza.example.it/dati/catalogo", nsDCT+"publisher")
		}, "Violation https://accoglienza.example.it/dati/catalogo http://purl.org/dc/terms/publisher"},
		"dataset with two periodicities": {func(g *graph) {
			g.add(iri("https://accoglienza.example.it/dati/cas-sai#dataset"), nsDCT+"accrualPeriodicity",
				iri(freqScheme+"/ANNUAL"))
		}, "Violation https://accoglienza.example.it/dati/cas-sai#dataset http://purl.org/dc/terms/accrualPeriodicity"},
	}
	for name, c := range breaks {
		t.Run(name, func(t *testing.T) {
			cat := build(t)
			c.breakIt(cat.g)
			out, err := validate(t, write(t, "broken.ttl", cat.Turtle()))
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("validation of a broken catalogue: %v\n%s", err, out)
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("no %q:\n%s", c.want, out)
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
