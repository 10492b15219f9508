package opendata

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// A tiny RDF graph, enough for the catalogue: IRIs, blank nodes, plain,
// language-tagged and typed literals, serialised as Turtle and as JSON-LD
// with an inline context (harvesters must not need to fetch one).

type term struct {
	iri   string // an IRI, or
	blank string // a blank node label, or a literal:
	lit   string
	lang  string
	dtype string // full IRI of the datatype
}

func iri(s string) term           { return term{iri: s} }
func blank(s string) term         { return term{blank: s} }
func lit(s string) term           { return term{lit: s} }
func langLit(s, lang string) term { return term{lit: s, lang: lang} }
func typed(s, dt string) term     { return term{lit: s, dtype: dt} }

func (t term) isLiteral() bool { return t.iri == "" && t.blank == "" }

type triple struct {
	s, p string // subject (IRI or "_:label"), predicate IRI
	o    term
}

type graph struct {
	triples []triple
}

func (g *graph) add(s term, p string, o term) {
	g.triples = append(g.triples, triple{subj(s), p, o})
}

func subj(t term) string {
	if t.blank != "" {
		return "_:" + t.blank
	}
	return t.iri
}

// objects returns the objects of s p, in insertion order.
func (g *graph) objects(s, p string) []term {
	var out []term
	for _, t := range g.triples {
		if t.s == s && t.p == p {
			out = append(out, t.o)
		}
	}
	return out
}

// subjectsOfType returns the subjects typed c, in insertion order.
func (g *graph) subjectsOfType(c string) []string {
	var out []string
	for _, t := range g.triples {
		if t.p == rdfType && t.o.iri == c {
			out = append(out, t.s)
		}
	}
	return out
}

// remove deletes every triple s p (tests break the catalogue with it).
func (g *graph) remove(s, p string) {
	out := g.triples[:0]
	for _, t := range g.triples {
		if t.s != s || t.p != p {
			out = append(out, t)
		}
	}
	g.triples = out
}

// subjects returns the subjects in order of first appearance.
func (g *graph) subjects() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range g.triples {
		if !seen[t.s] {
			seen[t.s] = true
			out = append(out, t.s)
		}
	}
	return out
}

var prefixes = []struct{ short, long string }{
	{"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
	{"dcat", "http://www.w3.org/ns/dcat#"},
	{"dcatapit", "http://dati.gov.it/onto/dcatapit#"},
	{"dct", "http://purl.org/dc/terms/"},
	{"foaf", "http://xmlns.com/foaf/0.1/"},
	{"vcard", "http://www.w3.org/2006/vcard/ns#"},
	{"skos", "http://www.w3.org/2004/02/skos/core#"},
	{"xsd", "http://www.w3.org/2001/XMLSchema#"},
	{"locn", "http://www.w3.org/ns/locn#"},
}

const rdfType = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

// curie shortens an IRI with a prefix when the rest is a safe local name.
func curie(s string) (string, bool) {
	for _, p := range prefixes {
		if local, ok := strings.CutPrefix(s, p.long); ok && safeLocal(local) {
			return p.short + ":" + local, true
		}
	}
	return "", false
}

func safeLocal(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && (r >= '0' && r <= '9' || r == '-'))
		if !ok {
			return false
		}
	}
	return true
}

// turtleString escapes a string for a Turtle "..." literal.
func turtleString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

func turtleIRI(s string) string {
	if c, ok := curie(s); ok {
		return c
	}
	return "<" + strings.NewReplacer(">", "%3E", "<", "%3C", " ", "%20", `"`, "%22").Replace(s) + ">"
}

func turtleTerm(t term) string {
	switch {
	case t.iri != "":
		return turtleIRI(t.iri)
	case t.blank != "":
		return "_:" + t.blank
	case t.lang != "":
		return turtleString(t.lit) + "@" + t.lang
	case t.dtype != "":
		return turtleString(t.lit) + "^^" + turtleIRI(t.dtype)
	}
	return turtleString(t.lit)
}

// Turtle writes the graph grouped by subject, predicates in first-use order.
func (g *graph) turtle() []byte {
	var b strings.Builder
	for _, p := range prefixes {
		fmt.Fprintf(&b, "@prefix %s: <%s> .\n", p.short, p.long)
	}
	for _, s := range g.subjects() {
		b.WriteString("\n")
		if strings.HasPrefix(s, "_:") {
			b.WriteString(s)
		} else {
			b.WriteString(turtleIRI(s))
		}
		var preds []string
		objs := map[string][]string{}
		for _, t := range g.triples {
			if t.s != s {
				continue
			}
			if _, ok := objs[t.p]; !ok {
				preds = append(preds, t.p)
			}
			objs[t.p] = append(objs[t.p], turtleTerm(t.o))
		}
		for i, p := range preds {
			sep := " ;\n    "
			if i == 0 {
				sep = "\n    "
			}
			pred := turtleIRI(p)
			if p == rdfType {
				pred = "a"
			}
			fmt.Fprintf(&b, "%s%s %s", sep, pred, strings.Join(objs[p], ", "))
		}
		b.WriteString(" .\n")
	}
	return []byte(b.String())
}

// jsonld writes the graph as a JSON-LD document: an inline @context with the
// prefixes and an @graph with one node object per subject; every value is an
// array, IRIs are {"@id"}, literals {"@value"} with @language or @type.
func (g *graph) jsonld() ([]byte, error) {
	ctx := map[string]string{}
	for _, p := range prefixes {
		ctx[p.short] = p.long
	}
	var nodes []map[string]any
	for _, s := range g.subjects() {
		node := map[string]any{"@id": s}
		var types []string
		for _, t := range g.triples {
			if t.s != s {
				continue
			}
			if t.p == rdfType {
				types = append(types, compact(t.o.iri))
				continue
			}
			key := compact(t.p)
			var v map[string]any
			switch {
			case t.o.iri != "":
				v = map[string]any{"@id": t.o.iri}
			case t.o.blank != "":
				v = map[string]any{"@id": "_:" + t.o.blank}
			case t.o.lang != "":
				v = map[string]any{"@value": t.o.lit, "@language": t.o.lang}
			case t.o.dtype != "":
				v = map[string]any{"@value": t.o.lit, "@type": compact(t.o.dtype)}
			default:
				v = map[string]any{"@value": t.o.lit}
			}
			list, _ := node[key].([]any)
			node[key] = append(list, v)
		}
		if len(types) > 0 {
			sort.Strings(types)
			node["@type"] = types
		}
		nodes = append(nodes, node)
	}
	return json.MarshalIndent(map[string]any{"@context": ctx, "@graph": nodes}, "", "  ")
}

func compact(s string) string {
	if c, ok := curie(s); ok {
		return c
	}
	return s
}
