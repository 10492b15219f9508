// Package i18n holds the UI catalogues (Italian first, English available) and
// picks the language of a request.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
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
		if _, err := b.LoadMessageFileFS(locales, "locales/"+l+".json"); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", l, err)
		}
	}
	return &Bundle{b: b}, nil
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

// IDs returns the message ids of a language's catalogue (for tests that check
// both catalogues have the same keys).
func IDs(lang string) ([]string, error) {
	b, err := locales.ReadFile("locales/" + lang + ".json")
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(m))
	for k := range m {
		ids = append(ids, k)
	}
	return ids, nil
}
