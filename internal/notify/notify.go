// Package notify renders the e-mails gesta sends, from text templates
// embedded per language (templates/<lang>/<kind>.txt): the store queues only a
// message kind and its parameters (the outbox), and the delivery loop renders
// them here. A template's first line is "Subject: …", then a blank line and
// the body. E-mails carry links, never personal data.
package notify

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"text/template"
)

//go:embed templates
var files embed.FS

// Languages are the languages with templates; the first is the default.
var Languages = []string{"it", "en"}

var templates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, lang := range Languages {
		names, err := fs.Glob(files, "templates/"+lang+"/*.txt")
		if err != nil {
			panic(err)
		}
		for _, n := range names {
			kind := strings.TrimSuffix(n[len("templates/"+lang+"/"):], ".txt")
			// Missing parameters fail loudly rather than print "<no value>".
			out[lang+"/"+kind] = template.Must(template.New(kind).Option("missingkey=error").ParseFS(files, n)).Lookup(kind + ".txt")
		}
	}
	return out
}()

// Kinds lists the message kinds with a template in lang (for tests).
func Kinds(lang string) []string {
	var out []string
	for k := range templates {
		if l, kind, _ := strings.Cut(k, "/"); l == lang {
			out = append(out, kind)
		}
	}
	return out
}

// Render returns the subject and body of a message kind in lang (Italian when
// lang has no template for it).
func Render(lang, kind string, params map[string]any) (subject, body string, err error) {
	t, ok := templates[lang+"/"+kind]
	if !ok {
		if t, ok = templates[Languages[0]+"/"+kind]; !ok {
			return "", "", fmt.Errorf("notify: no template for %q", kind)
		}
	}
	var b bytes.Buffer
	if err := t.Execute(&b, params); err != nil {
		return "", "", fmt.Errorf("notify: %s: %w", kind, err)
	}
	head, rest, _ := strings.Cut(b.String(), "\n")
	subject, ok = strings.CutPrefix(head, "Subject: ")
	if !ok {
		return "", "", fmt.Errorf("notify: %s: the first line must be the subject", kind)
	}
	return subject, strings.TrimLeft(rest, "\n"), nil
}
