// Package web serves gesta's HTML pages: server-rendered with html/template and
// Bootstrap Italia, every page working as plain GET/POST without JavaScript.
// Handlers are thin: parse, call a domain service, render.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/alexedwards/scs/v2"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/territory"
)

//go:embed templates static
var assets embed.FS

// Server holds the web adapter's dependencies.
type Server struct {
	Territory domain.TerritoryService
	Orgs      domain.OrgService
	Users     domain.UserService
	Sessions  *scs.SessionManager
	I18n      *i18n.Bundle
	Logger    *slog.Logger
	Version   string
	// PopulationSource names the residents' source for captions.
	PopulationSource string
	// DemoAccounts, when set, are listed on the sign-in page with DemoPassword.
	DemoAccounts []string
	DemoPassword string

	pages       map[string]*template.Template
	static      string // "/static/<content hash>"
	staticFiles fs.FS
	provinceMap *territory.Map
}

// Init parses the templates and hashes the static files. A missing or broken
// template fails here, at start-up, not at the first request.
func (s *Server) Init() error {
	var err error
	if s.staticFiles, err = fs.Sub(assets, "static"); err != nil {
		return err
	}
	h := sha256.New()
	if err := fs.WalkDir(s.staticFiles, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(s.staticFiles, p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	}); err != nil {
		return err
	}
	// The path changes whenever any file does, so files can be cached for a year.
	s.static = "/static/" + hex.EncodeToString(h.Sum(nil))[:12]
	if s.provinceMap, err = territory.LoadMap("province"); err != nil {
		return err
	}
	return s.parseTemplates()
}

// StaticPrefix returns the versioned path of the static files.
func (s *Server) StaticPrefix() string { return s.static }

var funcs = template.FuncMap{
	"num": formatNumber,
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m, nil
	},
}

func (s *Server) parseTemplates() error {
	base, err := template.New("").Funcs(funcs).ParseFS(assets, "templates/*.html")
	if err != nil {
		return fmt.Errorf("web: templates: %w", err)
	}
	files, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(assets, f)
		if err != nil {
			return fmt.Errorf("web: template %s: %w", f, err)
		}
		// Pages may share the landing page's partials (province table).
		if f != "templates/pages/landing.html" {
			if t, err = t.ParseFS(assets, "templates/pages/landing.html"); err != nil {
				return err
			}
			if _, err := t.ParseFS(assets, f); err != nil { // the page's own blocks win
				return err
			}
		}
		s.pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return nil
}

// formatNumber writes an integer the Italian way: 1.030.421.
func formatNumber(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Register adds the web routes to the mux.
func (s *Server) Register(mux *http.ServeMux) {
	web := func(h http.HandlerFunc) http.Handler { return s.Sessions.LoadAndSave(s.withActor(h)) }
	signedIn := func(h http.HandlerFunc) http.Handler { return web(s.requireActor(h)) }

	mux.Handle("GET /{$}", web(s.handleLanding))
	mux.Handle("GET /territorio", web(s.handleTerritory))
	mux.Handle("GET /accessibilita", web(s.staticPage("accessibility")))
	mux.Handle("GET /privacy", web(s.staticPage("privacy")))
	mux.Handle("GET /note-legali", web(s.staticPage("legal")))
	mux.Handle("POST /lang", web(s.handleLang))
	mux.Handle("GET /login", web(s.handleLoginForm))
	mux.Handle("POST /login", web(s.handleLogin))
	mux.Handle("POST /logout", web(s.handleLogout))
	mux.Handle("GET /home", signedIn(s.handleHome))
	mux.Handle("GET /organizzazioni", signedIn(s.handleOrgs))

	mux.Handle("GET "+s.static+"/", http.StripPrefix(s.static, cacheForever(http.FileServerFS(s.staticFiles))))
	mux.Handle("GET /favicon.ico", http.RedirectHandler(s.static+"/favicon.svg", http.StatusMovedPermanently))
	// Anything else is a 404 page (the API has its own problem+json catch-all).
	mux.Handle("/", web(func(w http.ResponseWriter, r *http.Request) { s.renderError(w, r, http.StatusNotFound) }))
}

func cacheForever(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		h.ServeHTTP(w, r)
	})
}
