// Package i18n holds the UI catalogues (Italian first, English available) and
// picks the language of a request.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/gesta-er/gesta/internal/domain"
)

//go:embed locales/*.json
var locales embed.FS

// Languages are the supported UI languages; the first is the default.
var Languages = []string{"it", "en"}

// Bundle holds the parsed catalogues.
type Bundle struct {
	b *i18n.Bundle
}

// New parses the embedded catalogues; a malformed one fails loudly at start-up.
func New() (*Bundle, error) {
	b := i18n.NewBundle(language.Italian)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, l := range Languages {
		// Messages checks the files of a language do not define an id twice.
		if _, err := Messages(l); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", l, err)
		}
		for _, f := range files(l) {
			if _, err := b.LoadMessageFileFS(locales, f); err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", f, err)
			}
		}
	}
	return &Bundle{b: b}, nil
}

// MustNew is New for catalogues known to be valid (they are embedded and
// checked by the tests): it panics on a malformed one.
func MustNew() *Bundle {
	b, err := New()
	if err != nil {
		panic(err)
	}
	return b
}

// Localizer translates message ids for one language.
type Localizer struct {
	Lang string
	l    *i18n.Localizer
}

// For returns the localizer for a language tag ("it", "en"…); unknown tags fall back to Italian.
func (b *Bundle) For(lang string) *Localizer {
	if !Supported(lang) {
		lang = Languages[0]
	}
	return &Localizer{Lang: lang, l: i18n.NewLocalizer(b.b, lang)}
}

// T translates id. args are key/value pairs for the template data
// (T("x", "Count", 3)); a "Count" key also selects the plural form. A missing
// id shows as itself, so that it is spotted rather than hidden.
func (l *Localizer) T(id string, args ...any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := map[string]any{}
		for i := 0; i+1 < len(args); i += 2 {
			k := fmt.Sprint(args[i])
			data[k] = args[i+1]
			if k == "Count" {
				cfg.PluralCount = args[i+1]
			}
		}
		cfg.TemplateData = data
	}
	s, err := l.l.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

// Msg translates id with a data map, as the domain carries it: a
// domain.Label value is itself translated first (a status, a type), and so is
// a nested *domain.Error.
func (l *Localizer) Msg(id string, args map[string]any) string {
	if len(args) == 0 {
		return l.T(id)
	}
	kv := make([]any, 0, 2*len(args))
	for k, v := range args {
		switch x := v.(type) {
		case domain.Label:
			v = l.T(string(x))
		case *domain.Error: // a nested reason ("row 3: …")
			v = l.Error(x)
		}
		kv = append(kv, k, v)
	}
	return l.T(id, kv...)
}

// Stored renders a text kept as a kind and parameters (a timeline entry, a
// notification, an audit detail): the message prefix+kind with params. Rows
// written before kinds had parameters keep their text, legacy, shown as it
// is. A kind without a message renders as "" (an audit action with no detail).
func (l *Localizer) Stored(prefix, kind string, params map[string]any, legacy string) string {
	if params == nil && legacy != "" {
		return legacy
	}
	id := prefix + kind
	if s := l.Msg(id, params); s != id {
		return s
	}
	return ""
}

// statLabelIDs is the catalogue id of a coded key of each statistical
// dimension (places and countries are named by the store).
var statLabelIDs = map[string]string{"sex": "stats.sex.", "household": "stats.household.", "stage": "stage.",
	"facility_type": "type.", "length": "stats.length.", "vulnerability": "vuln."}

// StatLabels names the coded keys of a breakdown in this language: items
// whose Label the store left empty get theirs from the catalogues.
func (l *Localizer) StatLabels(dim string, items []domain.StatItem) {
	for i, it := range items {
		if dim == "nationality" { // the store names countries in Italian
			if id := "country." + it.Key; l.T(id) != id {
				items[i].Label = l.T(id)
				continue
			}
		}
		if it.Label != "" {
			continue
		}
		switch {
		case it.Key == "sconosciuto": // store.UnknownKey
			items[i].Label = l.T("stats.unknown")
		case it.Key == "altre": // store.OtherKey
			items[i].Label = l.T("stats.other." + dim)
		case dim == "age":
			items[i].Label = l.T("stats.age", "Band", it.Key)
		case statLabelIDs[dim] != "":
			items[i].Label = l.T(statLabelIDs[dim] + it.Key)
		default:
			items[i].Label = it.Key
		}
	}
}

// DashboardLabels names every breakdown of a dashboard in this language.
func (l *Localizer) DashboardLabels(d *domain.Dashboard) {
	for dim, items := range d.By {
		l.StatLabels(dim, items)
	}
	l.StatLabels("vulnerability", d.Vulnerabilities)
}

// AuditDetail renders an audit row's detail: the message "audit.<action>",
// or for a plan's steps ("plan.<kind>", written with the timeline entry) the
// timeline's message of the kind.
func (l *Localizer) AuditDetail(e domain.AuditEntry) string {
	if kind, ok := strings.CutPrefix(e.Action, "plan."); ok && e.Params != nil {
		if s := l.Stored("timeline.", kind, e.Params, e.Summary); s != "" {
			return s
		}
	}
	return l.Stored("audit.", e.Action, e.Params, e.Summary)
}

// Error translates err for the reader: a *domain.Error's message id and
// arguments, a generic message for anything else (details are logged, never
// shown). "" for nil.
func (l *Localizer) Error(err error) string {
	e := domain.SafeError(err)
	if e == nil {
		return ""
	}
	return l.Msg(e.MsgID, e.Args)
}

// Fields translates err's per-field messages (nil when there are none).
func (l *Localizer) Fields(err error) map[string]string {
	e := domain.SafeError(err)
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	out := make(map[string]string, len(e.Fields))
	for k, f := range e.Fields {
		out[k] = l.Msg(f.MsgID, f.Args)
	}
	return out
}

// Supported reports whether lang is a UI language.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// CookieName holds the user's explicit choice of language.
const CookieName = "gesta_lang"

// FromRequest picks the language: the cookie set by the language switch, else
// Italian. The browser's Accept-Language is deliberately not followed: this is
// an Italian administration's site, Italian unless the user asks otherwise.
func FromRequest(r *http.Request) string {
	if c, err := r.Cookie(CookieName); err == nil && Supported(strings.ToLower(c.Value)) {
		return strings.ToLower(c.Value)
	}
	return Languages[0]
}

// FromAcceptLanguage picks the API's language from an Accept-Language
// header: the best supported match, Italian when none matches or the header
// is absent.
func FromAcceptLanguage(h string) string {
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil || len(tags) == 0 {
		return Languages[0]
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return Languages[0]
	}
	return Languages[i]
}

var matcher = language.NewMatcher([]language.Tag{language.Italian, language.English})

// files lists a language's catalogue files: locales/<lang>.json and one
// locales/<area>.<lang>.json per area (public site, case files…), so that
// areas grow their words without touching one shared file.
func files(lang string) []string {
	all, _ := fs.Glob(locales, "locales/*.json")
	var out []string
	for _, f := range all {
		base := path.Base(f)
		if base == lang+".json" || strings.HasSuffix(base, "."+lang+".json") {
			out = append(out, f)
		}
	}
	return out
}

// Messages returns a language's catalogue as id → message template (for
// tests that check the catalogues against the code); an id defined in two of
// the language's files is an error.
func Messages(lang string) (map[string]string, error) {
	m := map[string]string{}
	from := map[string]string{}
	for _, f := range files(lang) {
		b, err := locales.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var part map[string]string
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for k, v := range part {
			if prev, ok := from[k]; ok {
				return nil, fmt.Errorf("%q is defined in %s and %s", k, prev, f)
			}
			m[k], from[k] = v, f
		}
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("no catalogue for %q", lang)
	}
	return m, nil
}

// IDs returns the message ids of a language's catalogue (for tests that check
// both catalogues have the same keys).
func IDs(lang string) ([]string, error) {
	m, err := Messages(lang)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(m))
	for k := range m {
		ids = append(ids, k)
	}
	return ids, nil
}
