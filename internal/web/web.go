// Package web serves gesta's HTML pages: server-rendered with html/template and
// Bootstrap Italia, every page working as plain GET/POST without JavaScript.
// Handlers are thin: parse, call a domain service, render.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/territory"

	_ "time/tzdata" // Europe/Rome on machines without a zone database
)

//go:embed templates static
var assets embed.FS

// Server holds the web adapter's dependencies.
type Server struct {
	Territory domain.TerritoryService
	Orgs      domain.OrgService
	Users     domain.UserService
	Audit     domain.AuditService
	// Facilities and their free places; History reads a facility's changes.
	Facilities domain.FacilityService
	History    func(ctx context.Context, code string, limit int) ([]domain.AuditEntry, error)
	// Guests is the registry of guests and stays; Presence reconciles lists.
	Guests domain.GuestService
	// Plans runs the distribution plans and the inbox.
	Plans domain.PlanService
	// Placement proposes where a province's share goes (the engine).
	Placement domain.PlacementService
	Presence  domain.PresenceService
	// Cases handles reports and case files (nil: the pages are not served).
	Cases domain.CaseService
	// Documents attached to reports and cases.
	Documents domain.DocumentService
	// Subjects gives the subject-access export.
	Subjects domain.CaseSubjects
	// CaseDashboards counts the cases in the caller's scope.
	CaseDashboards domain.CaseDashboards
	// Tables are the network tables (tavoli di rete).
	Tables domain.TableService
	// FreeSeries gives free places per province and day, from the snapshots.
	FreeSeries func(ctx context.Context, days int) (map[string]map[string]int, error)
	// Publications are the public site's monthly publications; public pages
	// read only published ones.
	Publications domain.PublicationService
	// SAI keeps the SAI figures the coordinator loads (publications carry them).
	SAI domain.SAIService
	// PublicURL is the site's absolute address (catalogue links);
	// OpenDataEmail the catalogue's contact point (none: no catalogue).
	PublicURL, OpenDataEmail string
	// Dashboard computes the population dashboards.
	Dashboard DashboardFunc
	// GuestExport gathers a guest's subject-access export (nil: not served).
	GuestExport func(ctx context.Context, guestID string) (domain.GuestExport, error)
	// ResetTOTP removes a user's second factor (admins).
	ResetTOTP func(ctx context.Context, userID string) error
	// Store records events that change nothing else (sign-out).
	Store interface {
		AuditEvent(ctx context.Context, action, targetType, targetID string, kv ...any) error
	}
	Sessions *scs.SessionManager
	// TOTP says when a user without a second factor must enrol (grace per
	// role); CaseIdle ends idle sessions of users who read case files
	// sooner than the global idle timeout (15 minutes; 0: no
	// extra limit). Clock is the time they are judged by (nil: time.Now).
	TOTP     domain.TOTPPolicy
	CaseIdle time.Duration
	Clock    func() time.Time
	// TrustedProxies are the reverse proxies whose forwarding headers name
	// the client (config --trusted-proxies); empty: the peer is the client.
	TrustedProxies []netip.Prefix
	I18n           *i18n.Bundle
	Logger         *slog.Logger
	Version        string
	// PopulationSource names the residents' source for captions.
	PopulationSource string
	// DemoAccounts, when set, are listed on the sign-in page with DemoPassword.
	DemoAccounts []string
	DemoPassword string

	pages       map[string]*template.Template
	static      string // "/static/<content hash>"
	staticFiles fs.FS
	provinceMap *territory.Map
	edge        *publicEdge
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

var rome, _ = time.LoadLocation("Europe/Rome")

var funcs = template.FuncMap{
	"num": formatNumber,
	// date shows a time in Italy's zone: users read local times.
	"date": func(t any) string {
		var tt time.Time
		switch v := t.(type) {
		case time.Time:
			tt = v
		case *time.Time:
			if v == nil {
				return ""
			}
			tt = *v
		}
		if rome != nil {
			tt = tt.In(rome)
		}
		return tt.Format("02/01/2006 15:04")
	},
	"list": func(xs ...string) []string { return xs },
	"add":  func(a, b int) int { return a + b },
	"ptr":  func(t time.Time) *time.Time { return &t },
	// pct, dec and sdec write shares, quotas and balances the Italian way.
	"pct":     func(f float64) string { return strings.Replace(fmt.Sprintf("%.2f%%", f*100), ".", ",", 1) },
	"dec":     func(f float64) string { return strings.Replace(fmt.Sprintf("%.2f", f), ".", ",", 1) },
	"sdec":    func(f float64) string { return strings.Replace(fmt.Sprintf("%+.2f", f), ".", ",", 1) },
	"dec4":    func(f float64) string { return strings.Replace(fmt.Sprintf("%.4f", f), ".", ",", 1) },
	"natname": domain.NationalityName,
	"sub":     func(a, b int) int { return a - b },
	"deref":   func(p *int) int { return *p },
	"euro": func(cents int) string {
		if cents == 0 {
			return ""
		}
		return fmt.Sprintf("%d,%02d", cents/100, cents%100)
	},
	// Calendar dates (contracts) are kept at UTC midnight: shown as such.
	"isodate": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	"day": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("02/01/2006")
	},
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
	// Complex cases' pages.
	// servicename names a service of a directory by id (the id if absent).
	"servicename": func(dir []domain.DirectoryEntry, id string) string {
		for _, e := range dir {
			if e.ID == id {
				return e.Name
			}
		}
		return id
	},
	"pseudonym": domain.CasePseudonym,
	// pct0 is a share as a whole percentage; dec1 a number with one decimal,
	// the Italian way; kb a size in kilobytes, rounded up.
	"pct0": func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"dec1": func(f float64) string { return strings.Replace(fmt.Sprintf("%.1f", f), ".", ",", 1) },
	"kb":   func(n int) int { return (n + 1023) / 1024 },
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

// Access says who may reach a route. Permissions are checked again by the
// services and scope is applied in the queries; this is the first gate.
type Access struct {
	SignedIn bool                // a signed-in user is required
	Perm     domain.Permission   // and this permission, if set
	Any      []domain.Permission // or any of these
}

// allows reports whether the actor passes the gate (signed in assumed).
func (acc Access) allows(a domain.Actor) bool {
	if acc.Perm != "" && !domain.Can(a, acc.Perm) {
		return false
	}
	if len(acc.Any) == 0 {
		return true
	}
	for _, p := range acc.Any {
		if domain.Can(a, p) {
			return true
		}
	}
	return false
}

var (
	public   = Access{}
	signedIn = Access{SignedIn: true}
)

func need(p domain.Permission) Access { return Access{SignedIn: true, Perm: p} }

// Route is one entry of the route table; the authorization test walks it.
type Route struct {
	Pattern string // "METHOD /path"
	Access  Access
	handler http.HandlerFunc
}

// Routes returns the web route table (static files and the 404 catch-all aside).
func (s *Server) Routes() []Route {
	return []Route{
		{"GET /{$}", public, s.handleLanding},
		{"GET /territorio", public, s.handleTerritory},
		{"GET /dati", public, s.handleDatasets},
		{"GET /dati/catalogo.jsonld", public, s.handleCatalog},
		{"GET /dati/catalogo.ttl", public, s.handleCatalog},
		{"GET /dati/{dataset}", public, s.handleDataset},
		{"GET /dati/{dataset}/{file}", public, s.handleDatasetFile},
		{"GET /nota-metodologica", public, s.handleMethodology},
		{"GET /accoglienza/territorio", public, s.handlePublicTerritory},
		{"GET /accoglienza/chi-e-accolto", public, s.handlePublicProfile},
		{"GET /accoglienza/nel-tempo", public, s.handlePublicTime},
		{"GET /accoglienza/cas-e-sai", public, s.handlePublicCASSAI},
		{"GET /accoglienza/contesto-regionale", public, s.handlePublicContext},
		{"GET /accessibilita", public, s.staticPage("accessibility")},
		{"GET /privacy", public, s.staticPage("privacy")},
		{"GET /note-legali", public, s.staticPage("legal")},
		{"POST /lang", public, s.handleLang},
		{"GET /login", public, s.handleLoginForm},
		{"POST /login", public, s.handleLogin},
		{"GET /login/codice", public, s.handleCodeForm},
		{"POST /login/codice", public, s.handleCode},
		{"POST /logout", public, s.handleLogout},

		{"GET /home", signedIn, s.handleHome},
		{"GET /organizzazioni", need(domain.PermOrgRead), s.handleOrgs},
		{"GET /profilo", signedIn, s.handleProfile},
		{"POST /profilo/password", signedIn, s.handlePasswordChange},
		{"POST /profilo/sessioni/{id}/revoca", signedIn, s.handleSessionRevoke},
		{"GET /profilo/2fa", signedIn, s.handleTOTPPage},
		{"POST /profilo/2fa", signedIn, s.handleTOTPBegin},
		{"POST /profilo/2fa/conferma", signedIn, s.handleTOTPConfirm},
		{"POST /profilo/token", signedIn, s.handleTokenCreate},
		{"POST /profilo/token/revoca", signedIn, s.handleTokenRevoke},

		{"GET /admin/utenti", need(domain.PermUserManage), s.handleUsers},
		{"GET /admin/utenti/nuovo", need(domain.PermUserManage), s.handleUserNew},
		{"POST /admin/utenti", need(domain.PermUserManage), s.handleUserCreate},
		{"GET /admin/utenti/{id}", need(domain.PermUserManage), s.handleUserEdit},
		{"POST /admin/utenti/{id}", need(domain.PermUserManage), s.handleUserUpdate},
		{"POST /admin/utenti/{id}/stato", need(domain.PermUserManage), s.handleUserState},
		{"POST /admin/utenti/{id}/password", need(domain.PermUserManage), s.handleUserPassword},
		{"POST /admin/utenti/{id}/2fa", need(domain.PermUserManage), s.handleUserTOTPReset},
		{"GET /admin/registro", need(domain.PermAuditRead), s.handleAudit},

		{"GET /bollettino", Access{SignedIn: true, Any: []domain.Permission{domain.PermFacilityRead, domain.PermStatsRead}}, s.handleBoard},
		{"GET /bollettino.csv", Access{SignedIn: true, Any: []domain.Permission{domain.PermFacilityRead, domain.PermStatsRead}}, s.handleBoardExport},
		{"GET /bollettino.xlsx", Access{SignedIn: true, Any: []domain.Permission{domain.PermFacilityRead, domain.PermStatsRead}}, s.handleBoardExport},
		{"GET /strutture", need(domain.PermFacilityRead), s.handleFacilities},
		{"GET /strutture.csv", need(domain.PermFacilityRead), s.handleFacilitiesExport},
		{"GET /strutture.xlsx", need(domain.PermFacilityRead), s.handleFacilitiesExport},
		{"GET /strutture/nuova", need(domain.PermFacilityWrite), s.handleFacilityNew},
		{"GET /strutture/riconciliazione", need(domain.PermFacilityWrite), s.handleReconciliation},
		{"GET /importazioni/strutture", need(domain.PermFacilityWrite), s.handleImportForm},
		{"POST /importazioni/strutture", need(domain.PermFacilityWrite), s.handleImportUpload},
		{"POST /importazioni/{id}", need(domain.PermFacilityWrite), s.handleImportApply},
		{"POST /strutture", need(domain.PermFacilityWrite), s.handleFacilityCreate},
		{"GET /strutture/{code}", need(domain.PermFacilityRead), s.handleFacility},
		{"GET /strutture/{code}/modifica", need(domain.PermFacilityWrite), s.handleFacilityEdit},
		{"POST /strutture/{code}", need(domain.PermFacilityWrite), s.handleFacilityUpdate},
		{"POST /strutture/{code}/prenotazioni", need(domain.PermHoldWrite), s.handleHoldCreate},
		{"POST /prenotazioni/{id}/rilascio", need(domain.PermHoldWrite), s.handleHoldRelease},
		{"POST /prenotazioni/{id}/conversione", need(domain.PermHoldWrite), s.handleHoldConvert},
		{"POST /strutture/{code}/blocchi", need(domain.PermFacilityWrite), s.handleBlockCreate},
		{"POST /strutture/{code}/recapiti", need(domain.PermAvailability), s.handleContactUpdate},
		{"GET /ospiti", need(domain.PermGuestWrite), s.handleGuests},
		{"POST /ospiti/ricerca", need(domain.PermGuestWrite), s.handleGuests},
		{"GET /ospiti/elenco", need(domain.PermGuestWrite), s.handlePresenceForm},
		{"POST /ospiti/elenco", need(domain.PermGuestWrite), s.handlePresenceUpload},
		{"POST /ospiti/elenco/{id}", need(domain.PermGuestWrite), s.handlePresenceApply},
		{"GET /cruscotto", need(domain.PermStatsRead), s.handleDashboard},
		{"GET /cruscotto/tabella.csv", need(domain.PermStatsRead), s.handleDashboardExport},
		{"GET /cruscotto/tabella.xlsx", need(domain.PermStatsRead), s.handleDashboardExport},
		{"GET /cruscotto/rapporto.pdf", need(domain.PermStatsRead), s.handleDashboardReport},
		{"POST /ospiti/ingressi", need(domain.PermGuestWrite), s.handleEntry},
		{"POST /ospiti/uscite/{id}", need(domain.PermGuestWrite), s.handleExit},
		{"GET /ospiti/{id}/esportazione.json", need(domain.PermGuestExport), s.handleGuestExport},
		{"GET /ospiti/{id}/esportazione.pdf", need(domain.PermGuestExport), s.handleGuestExport},
		{"GET /disponibilita", need(domain.PermAvailability), s.handleAvailability},
		{"POST /disponibilita/{code}", need(domain.PermAvailability), s.handleAvailabilitySave},

		{"GET /piani", need(domain.PermPlanPlace), s.handlePlans},
		{"GET /piani/nuovo", need(domain.PermPlanRun), s.handlePlanNew},
		{"POST /piani", need(domain.PermPlanRun), s.handlePlanCreate},
		{"GET /piani/{id}", need(domain.PermPlanPlace), s.handlePlan},
		{"POST /piani/{id}/ripartizione", need(domain.PermPlanRun), s.handlePlanSplit},
		{"POST /piani/{id}/ripartizione/modifica", need(domain.PermPlanRun), s.handlePlanAdjust},
		{"POST /piani/{id}/pubblicazione", need(domain.PermPlanRun), s.handlePlanPublish},
		{"POST /piani/{id}/presa-visione", need(domain.PermPlanPlace), s.handlePlanAck},
		{"POST /piani/{id}/assegnazione/proposta", need(domain.PermPlanPlace), s.handlePlanProposal},
		{"POST /piani/{id}/assegnazione", need(domain.PermPlanPlace), s.handlePlanPlace},
		{"POST /piani/{id}/partenze", need(domain.PermPlanPlace), s.handlePlanDeparture},
		{"POST /piani/{id}/arrivi", need(domain.PermPlanPlace), s.handlePlanArrival},
		{"POST /piani/{id}/elenco", need(domain.PermPlanRun), s.handlePlanList},
		{"POST /piani/{id}/rettifica", need(domain.PermPlanRun), s.handlePlanAmend},
		{"POST /piani/{id}/elenco/{list}", need(domain.PermPlanRun), s.handlePlanListApply},
		{"POST /piani/{id}/chiusura", need(domain.PermPlanRun), s.handlePlanClose},
		{"POST /piani/{id}/annullamento", need(domain.PermPlanRun), s.handlePlanCancel},
		{"POST /piani/{id}/messaggi", need(domain.PermPlanPlace), s.handlePlanMessage},
		{"GET /piani/{id}/piano.pdf", need(domain.PermPlanPlace), s.handlePlanPDF},
		{"GET /piani/{id}/quota.xlsx", need(domain.PermPlanPlace), s.handlePlanXLSX},
		{"GET /segnalazioni", Access{SignedIn: true, Any: []domain.Permission{domain.PermReportWrite, domain.PermCaseWrite}}, s.handleReports},
		{"POST /segnalazioni", need(domain.PermReportWrite), s.handleReportFile},
		{"POST /segnalazioni/{id}/valutazione", need(domain.PermCaseWrite), s.handleReportTriage},
		{"GET /casi", need(domain.PermCaseRead), s.handleCases},
		{"GET /casi/{id}", need(domain.PermCaseRead), s.handleCase},
		{"GET /casi/cruscotto", need(domain.PermCaseRead), s.handleCaseDashboard},
		{"POST /casi/{id}/stato", need(domain.PermCaseWrite), s.handleCaseStatus},
		{"POST /casi/{id}/note", need(domain.PermCaseWrite), s.handleCaseNote},
		{"POST /casi/{id}/compiti", need(domain.PermCaseWrite), s.handleCaseTask},
		{"POST /casi/{id}/compiti/{task}/fatto", need(domain.PermCaseWrite), s.handleCaseTaskDone},
		{"POST /casi/{id}/misure", need(domain.PermCaseWrite), s.handleCaseMeasure},
		{"POST /casi/{id}/vulnerabilita", need(domain.PermCaseWrite), s.handleCaseVulnerability},
		{"POST /casi/{id}/assegnazione", need(domain.PermCaseWrite), s.handleCaseAssign},
		{"POST /casi/{id}/invii", need(domain.PermCaseWrite), s.handleCaseReferral},
		{"POST /casi/{id}/accesso-straordinario", need(domain.PermCaseWrite), s.handleCaseBreakGlass},
		{"POST /casi/{id}/documenti", need(domain.PermCaseWrite), s.handleCaseDocument},
		{"GET /casi/{id}/documenti/{doc}", need(domain.PermCaseRead), s.handleCaseDocumentGet},
		{"POST /segnalazioni/{id}/documenti", need(domain.PermReportWrite), s.handleReportDocument},
		{"GET /segnalazioni/{id}/documenti/{doc}", need(domain.PermCaseWrite), s.handleReportDocumentGet},
		{"GET /casi/{id}/accessi", signedIn, s.handleCaseAccesses},
		{"GET /casi/{id}/esportazione", need(domain.PermCaseRead), s.handleCaseExport},
		{"GET /servizi", need(domain.PermOrgRead), s.handleServices},
		{"GET /tavoli", need(domain.PermCaseRead), s.handleTables},
		{"POST /tavoli", need(domain.PermCaseWrite), s.handleTableCreate},
		{"GET /tavoli/{id}", need(domain.PermCaseRead), s.handleTable},
		{"POST /tavoli/{id}/casi", need(domain.PermCaseWrite), s.handleTableCase},
		{"POST /tavoli/{id}/decisioni", need(domain.PermCaseWrite), s.handleTableDecisions},
		{"POST /tavoli/{id}/impegni", need(domain.PermCaseWrite), s.handleTableFollowUp},
		{"POST /tavoli/{id}/impegni/{followup}/fatto", need(domain.PermCaseWrite), s.handleTableFollowUpDone},
		{"GET /tavoli/{id}/verbale.pdf", need(domain.PermCaseRead), s.handleTableMinutes},
		{"GET /servizi/invii/{id}", need(domain.PermReferralAnswer), s.handleReferral},
		{"POST /servizi/invii/{id}/risposta", need(domain.PermReferralAnswer), s.handleReferralAnswer},
		{"POST /servizi/invii/{id}/esito", need(domain.PermReferralAnswer), s.handleReferralOutcome},
		{"GET /avvisi", signedIn, s.handleInbox},
		{"POST /avvisi/{id}/letto", signedIn, s.handleNotification},
		{"GET /saldo", need(domain.PermPlanPlace), s.handleBalances},
		{"POST /chiavi", need(domain.PermPlanRun), s.handleKeyTableCreate},

		{"GET /pubblicazioni", need(domain.PermPublish), s.handlePublications},
		{"POST /pubblicazioni", need(domain.PermPublish), s.handlePublicationCreate},
		{"GET /pubblicazioni/{id}", need(domain.PermPublish), s.handlePublication},
		{"GET /pubblicazioni/sai", need(domain.PermPublish), s.handleSAIForm},
		{"POST /pubblicazioni/sai", need(domain.PermPublish), s.handleSAIUpload},
		{"POST /pubblicazioni/{id}/pubblica", need(domain.PermPublish), s.handlePublicationPublish},
	}
}

// Register adds the web routes to the mux.
func (s *Server) Register(mux *http.ServeMux) {
	if s.edge == nil {
		s.edge = newPublicEdge()
	}
	for _, rt := range s.Routes() {
		h := rt.handler
		if s.Publications == nil && (strings.HasPrefix(rt.Pattern, "GET /dati") || strings.HasPrefix(rt.Pattern, "GET /accoglienza/") || strings.Contains(rt.Pattern, " /pubblicazioni") ||
			(s.SAI == nil && strings.Contains(rt.Pattern, " /pubblicazioni/sai"))) {
			h = func(w http.ResponseWriter, r *http.Request) { s.renderError(w, r, http.StatusNotFound) }
		}
		if rt.Access.SignedIn {
			h = s.requireActor(rt.Access, h)
		}
		var handler http.Handler = s.Sessions.LoadAndSave(s.withActor(h))
		if !rt.Access.SignedIn && strings.HasPrefix(rt.Pattern, "GET /") && !strings.HasPrefix(rt.Pattern, "GET /login") {
			// The public site's cap and memory (public_edge.go).
			handler = s.edge.wrap(func(next http.Handler) http.Handler {
				return s.Sessions.LoadAndSave(s.withActor(next.ServeHTTP))
			}, h)
		}
		mux.Handle(rt.Pattern, handler)
	}
	mux.Handle("GET "+s.static+"/", http.StripPrefix(s.static, cacheForever(http.FileServerFS(s.staticFiles))))
	mux.Handle("GET /favicon.ico", http.RedirectHandler(s.static+"/favicon.svg", http.StatusMovedPermanently))
	// Anything else is a 404 page (the API has its own problem+json catch-all).
	mux.Handle("/", s.Sessions.LoadAndSave(s.withActor(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusNotFound)
	})))
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
