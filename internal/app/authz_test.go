package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
	"github.com/gesta-er/gesta/internal/web"
)

// The policy, written out independently of the code's route table: every web
// route and API operation with the class of users that may use it. A route
// added to the code but not here fails the test.
var webPolicy = map[string]string{
	"GET /{$}":                               "public",
	"GET /territorio":                        "public",
	"GET /dati":                              "public",
	"GET /dati/catalogo.jsonld":              "public",
	"GET /dati/catalogo.ttl":                 "public",
	"GET /dati/{dataset}":                    "public",
	"GET /dati/{dataset}/{file}":             "public",
	"GET /nota-metodologica":                 "public",
	"GET /accoglienza/territorio":            "public",
	"GET /accoglienza/chi-e-accolto":         "public",
	"GET /accoglienza/nel-tempo":             "public",
	"GET /accoglienza/cas-e-sai":             "public",
	"GET /accoglienza/contesto-regionale":    "public",
	"GET /accessibilita":                     "public",
	"GET /privacy":                           "public",
	"GET /note-legali":                       "public",
	"POST /lang":                             "public",
	"GET /login":                             "public",
	"POST /login":                            "public",
	"GET /login/codice":                      "public",
	"POST /login/codice":                     "public",
	"POST /logout":                           "public",
	"GET /home":                              "signed",
	"GET /organizzazioni":                    "orgs",
	"GET /profilo":                           "signed",
	"POST /profilo/password":                 "signed",
	"POST /profilo/sessioni/{id}/revoca":     "signed",
	"GET /profilo/2fa":                       "signed",
	"POST /profilo/2fa":                      "signed",
	"POST /profilo/2fa/conferma":             "signed",
	"POST /profilo/token":                    "signed",
	"POST /profilo/token/revoca":             "signed",
	"GET /admin/utenti":                      "admin",
	"GET /admin/utenti/nuovo":                "admin",
	"POST /admin/utenti":                     "admin",
	"GET /admin/utenti/{id}":                 "admin",
	"POST /admin/utenti/{id}":                "admin",
	"POST /admin/utenti/{id}/stato":          "admin",
	"POST /admin/utenti/{id}/password":       "admin",
	"POST /admin/utenti/{id}/2fa":            "admin",
	"GET /admin/registro":                    "admin",
	"GET /bollettino":                        "board",
	"GET /importazioni/strutture":            "facility-write",
	"POST /importazioni/strutture":           "facility-write",
	"POST /importazioni/{id}":                "facility-write",
	"GET /bollettino.csv":                    "board",
	"GET /bollettino.xlsx":                   "board",
	"GET /strutture.csv":                     "facility-read",
	"GET /strutture.xlsx":                    "facility-read",
	"GET /strutture":                         "facility-read",
	"GET /strutture/nuova":                   "facility-write",
	"GET /strutture/riconciliazione":         "facility-write",
	"POST /strutture":                        "facility-write",
	"GET /strutture/{code}":                  "facility-read",
	"GET /strutture/{code}/modifica":         "facility-write",
	"POST /strutture/{code}":                 "facility-write",
	"POST /strutture/{code}/prenotazioni":    "hold",
	"POST /prenotazioni/{id}/rilascio":       "hold",
	"POST /prenotazioni/{id}/conversione":    "hold",
	"POST /strutture/{code}/blocchi":         "facility-write",
	"POST /strutture/{code}/recapiti":        "availability",
	"GET /ospiti":                            "guest",
	"POST /ospiti/ricerca":                   "guest",
	"GET /ospiti/elenco":                     "guest",
	"POST /ospiti/elenco":                    "guest",
	"POST /ospiti/elenco/{id}":               "guest",
	"GET /cruscotto":                         "stats",
	"GET /cruscotto/tabella.csv":             "stats",
	"GET /cruscotto/tabella.xlsx":            "stats",
	"GET /cruscotto/rapporto.pdf":            "stats",
	"POST /ospiti/ingressi":                  "guest",
	"POST /ospiti/uscite/{id}":               "guest",
	"GET /ospiti/{id}/esportazione.json":     "guest-export",
	"GET /ospiti/{id}/esportazione.pdf":      "guest-export",
	"GET /disponibilita":                     "availability",
	"POST /disponibilita/{code}":             "availability",
	"GET /piani":                             "plan",
	"GET /piani/nuovo":                       "plan-run",
	"POST /piani":                            "plan-run",
	"GET /piani/{id}":                        "plan",
	"POST /piani/{id}/ripartizione":          "plan-run",
	"POST /piani/{id}/ripartizione/modifica": "plan-run",
	"POST /piani/{id}/pubblicazione":         "plan-run",
	"POST /piani/{id}/presa-visione":         "plan",
	"POST /piani/{id}/assegnazione/proposta": "plan",
	"POST /piani/{id}/assegnazione":          "plan",
	"POST /piani/{id}/partenze":              "plan",
	"POST /piani/{id}/arrivi":                "plan",
	"POST /piani/{id}/elenco":                "plan-run",
	"POST /piani/{id}/elenco/{list}":         "plan-run",
	"POST /piani/{id}/chiusura":              "plan-run",
	"POST /piani/{id}/annullamento":          "plan-run",
	"POST /piani/{id}/rettifica":             "plan-run",
	"POST /piani/{id}/messaggi":              "plan",
	"GET /piani/{id}/piano.pdf":              "plan",
	"GET /piani/{id}/quota.xlsx":             "plan",
	"GET /avvisi":                            "signed",
	"POST /avvisi/{id}/letto":                "signed",
	"GET /saldo":                             "plan",
	"POST /chiavi":                           "plan-run",
	"GET /pubblicazioni":                     "publish",
	"POST /pubblicazioni":                    "publish",
	"GET /pubblicazioni/{id}":                "publish",
	"POST /pubblicazioni/{id}/pubblica":      "publish",
	"GET /pubblicazioni/sai":                 "publish",
	"POST /pubblicazioni/sai":                "publish",
	"GET /segnalazioni":                      "reports",
	"POST /segnalazioni":                     "report",
	"POST /segnalazioni/{id}/valutazione":    "case-write",
	"GET /casi":                              "case-read",
	"GET /casi/{id}":                         "case-read",
	"POST /casi/{id}/stato":                  "case-write",
	"POST /casi/{id}/note":                   "case-write",
	"POST /casi/{id}/compiti":                "case-write",

	// Complex cases, continued: the pages of the whole flow,
	// documents, the services, network tables, the dashboard, the export.
	"GET /casi/cruscotto":                        "case-read",
	"GET /casi/{id}/esportazione":                "case-read", // the store: coordinator only (403 for others)
	"GET /casi/{id}/accessi":                     "signed",    // the store shows the log to the coordinator, the case worker and the admin
	"POST /casi/{id}/compiti/{task}/fatto":       "case-write",
	"POST /casi/{id}/misure":                     "case-write",
	"POST /casi/{id}/vulnerabilita":              "case-write",
	"POST /casi/{id}/assegnazione":               "case-write",
	"POST /casi/{id}/invii":                      "case-write",
	"POST /casi/{id}/accesso-straordinario":      "case-write",
	"POST /casi/{id}/documenti":                  "case-write",
	"GET /casi/{id}/documenti/{doc}":             "case-read",
	"POST /segnalazioni/{id}/documenti":          "report",
	"GET /segnalazioni/{id}/documenti/{doc}":     "case-write",
	"GET /servizi":                               "orgs",
	"GET /servizi/invii/{id}":                    "referral",
	"POST /servizi/invii/{id}/risposta":          "referral",
	"POST /servizi/invii/{id}/esito":             "referral",
	"GET /tavoli":                                "case-read",
	"POST /tavoli":                               "case-write",
	"GET /tavoli/{id}":                           "case-read",
	"POST /tavoli/{id}/casi":                     "case-write",
	"POST /tavoli/{id}/decisioni":                "case-write",
	"POST /tavoli/{id}/impegni":                  "case-write",
	"POST /tavoli/{id}/impegni/{followup}/fatto": "case-write",
	"GET /tavoli/{id}/verbale.pdf":               "case-read",
}

var apiPolicy = map[string]string{
	"GET /territory/provinces":            "public",
	"GET /territory/comuni":               "public",
	"GET /territory/boundaries/{level}":   "public",
	"GET /me":                             "signed",
	"GET /audit":                          "admin",
	"GET /facilities":                     "facility-read",
	"GET /facilities/{code}":              "facility-read",
	"POST /facilities":                    "facility-write",
	"PATCH /facilities/{code}":            "facility-write",
	"PUT /facilities/{code}/availability": "availability",
	"POST /facilities/{code}/holds":       "hold",
	"DELETE /holds/{id}":                  "hold",
	"POST /holds/{id}/convert":            "hold",
	"GET /board":                          "board",
	"GET /board/events":                   "board",
	"POST /guests":                        "guest",
	"GET /guests":                         "guest",
	"POST /guests/search":                 "guest",
	"GET /guests/{id}":                    "guest",
	"GET /guests/{id}/stays":              "guest",
	"GET /guests/{id}/accesses":           "accesses",
	"GET /guests/{id}/vulnerabilities":    "vulnerability",
	"POST /stays":                         "guest",
	"POST /stays/{id}/exit":               "guest",
	"GET /stats/population":               "stats",
	"GET /stats/dashboard":                "stats",
	"POST /households/{id}/stays":         "guest",
	"POST /plans":                         "plan-run",
	"GET /plans":                          "plan",
	"GET /plans/{id}":                     "plan",
	"POST /plans/{id}/split":              "plan-run",
	"POST /plans/{id}/split/adjust":       "plan-run",
	"POST /plans/{id}/publish":            "plan-run",
	"POST /plans/{id}/acknowledge":        "plan",
	"POST /plans/{id}/close":              "plan-run",
	"POST /plans/{id}/cancel":             "plan-run",
	"POST /plans/{id}/amend":              "plan-run",
	"POST /plans/{id}/placement/proposal": "plan",
	"POST /plans/{id}/placement":          "plan",
	"POST /plans/{id}/departures":         "plan",
	"POST /plans/{id}/arrival":            "plan",
	"POST /plans/{id}/messages":           "plan",
	"GET /balances":                       "plan",
	"GET /key-tables":                     "plan",
	"POST /key-tables":                    "plan-run",
	"POST /publications":                  "publish",
	"POST /publications/{id}/publish":     "publish",
	"GET /publications":                   "publish",
	"GET /inbox":                          "signed",
	"POST /inbox/{id}/read":               "signed",
	// Complex cases.
	"GET /services":                      "services",
	"POST /reports":                      "report",
	"GET /reports":                       "report",
	"POST /reports/{id}/triage":          "case-write",
	"POST /cases":                        "case-write",
	"GET /cases/{id}":                    "case-read",
	"GET /cases/counts":                  "stats",
	"GET /cases/{id}/accesses":           "case-log",
	"POST /cases/{id}/status":            "case-write",
	"POST /cases/{id}/worker":            "case-write",
	"POST /cases/{id}/vulnerabilities":   "case-write",
	"POST /cases/{id}/tasks":             "case-write",
	"POST /cases/{id}/tasks/{task}/done": "case-write",
	"POST /cases/{id}/measures":          "case-write",
	"POST /cases/{id}/notes":             "case-write",
	"POST /cases/{id}/break-glass":       "case-write",
	"POST /cases/{id}/referrals":         "case-write",
	"GET /referrals":                     "referral",
	"GET /referrals/{id}":                "referral",
	"POST /referrals/{id}/accept":        "referral",
	"POST /referrals/{id}/decline":       "referral",
	"POST /referrals/{id}/outcome":       "referral",
	// Complex cases, continued: documents, lists, tables, dashboard, export.
	"GET /cases":                                   "case-read",
	"GET /reports/pending":                         "case-write",
	"GET /cases/dashboard":                         "case-read",
	"POST /cases/{id}/documents":                   "case-write",
	"GET /cases/{id}/documents":                    "case-read",
	"GET /cases/{id}/documents/{doc}":              "case-read",
	"POST /reports/{id}/documents":                 "report",
	"GET /reports/{id}/documents/{doc}":            "case-write",
	"POST /tables":                                 "case-write",
	"GET /tables":                                  "case-read",
	"GET /tables/{id}":                             "case-read",
	"POST /tables/{id}/cases":                      "case-write",
	"PUT /tables/{id}/decisions":                   "case-write",
	"POST /tables/{id}/follow-ups":                 "case-write",
	"POST /tables/{id}/follow-ups/{followup}/done": "case-write",
	"GET /tables/{id}/minutes":                     "case-read",
	"GET /guests/{id}/case-export":                 "guest-export",
}

// apiExpect is the status the policy gives a role for an API operation on an
// object in a relation to it: "own" is a Bologna facility of operatore.bo's
// managing entity (in Bologna's province), "other" a Ferrara facility. The
// prefecture user is Ferrara's, so its relations are the other way round.
func apiExpect(op, role, rel string) int {
	class := apiPolicy[op]
	switch {
	case role == "" && class != "public":
		return http.StatusUnauthorized
	case class == "public":
		return http.StatusOK
	}
	in := map[string][]string{
		"signed":         {"admin", "coordinator", "prefecture", "operator", "service", "viewer"},
		"admin":          {"admin"},
		"facility-read":  {"coordinator", "prefecture", "operator"},
		"facility-write": {"coordinator", "prefecture"},
		"accesses":       {"admin", "coordinator", "prefecture"},
		"availability":   {"coordinator", "prefecture", "operator"},
		"hold":           {"coordinator", "prefecture"},
		"board":          {"admin", "coordinator", "prefecture", "operator", "viewer"},
		"guest":          {"coordinator", "prefecture", "operator"},
		"vulnerability":  {"coordinator", "prefecture"},
		"stats":          {"admin", "coordinator", "prefecture", "viewer"},
		"plan":           {"coordinator", "prefecture"},
		"plan-run":       {"coordinator"},
		"publish":        {"admin", "coordinator"},
		"services":       {"admin", "coordinator", "prefecture", "operator", "service"},
		"report":         {"operator"},
		"case-read":      {"coordinator", "prefecture"},
		"case-write":     {"coordinator", "prefecture"},
		"case-log":       {"admin", "coordinator", "prefecture", "operator", "service", "viewer"},
		"referral":       {"service"},
		"guest-export":   {"coordinator"},
	}[class]
	allowedRole := false
	for _, r := range in {
		allowedRole = allowedRole || r == role
	}
	if !allowedRole {
		return http.StatusForbidden
	}
	// Scope: operators reach only their entity's facilities; prefectures read
	// the region but write (availability, holds) only their province.
	ownForRole := rel == "own"
	if role == "prefecture" {
		ownForRole = rel == "other" // Ferrara's user: the Ferrara facility is its own
	}
	switch op {
	case "GET /facilities/{code}":
		if role == "operator" && !ownForRole {
			return http.StatusNotFound
		}
		return http.StatusOK
	case "PATCH /facilities/{code}":
		if role == "prefecture" && !ownForRole {
			return http.StatusNotFound
		}
		return http.StatusPreconditionFailed // the matrix sends a stale If-Match
	case "POST /facilities":
		return http.StatusUnprocessableEntity // the matrix sends an empty body
	case "PUT /facilities/{code}/availability":
		if (role == "operator" || role == "prefecture") && !ownForRole {
			return http.StatusNotFound
		}
		return http.StatusPreconditionFailed // the matrix sends a stale If-Match
	case "POST /facilities/{code}/holds":
		if role == "prefecture" && !ownForRole {
			return http.StatusNotFound
		}
		return http.StatusCreated
	case "DELETE /holds/{id}", "POST /holds/{id}/convert", "GET /guests/{id}", "GET /guests/{id}/stays", "GET /guests/{id}/accesses",
		"GET /guests/{id}/vulnerabilities":
		return http.StatusNotFound // an id that does not exist, for anyone allowed
	case "POST /guests", "POST /guests/search", "POST /stays", "POST /stays/{id}/exit", "POST /households/{id}/stays", "POST /plans",
		"POST /plans/{id}/split/adjust", "POST /plans/{id}/cancel", "POST /plans/{id}/amend", "POST /plans/{id}/placement",
		"POST /plans/{id}/departures", "POST /plans/{id}/arrival", "POST /plans/{id}/messages", "POST /key-tables":
		return http.StatusUnprocessableEntity // the matrix sends an empty body: refused by validation, after the permission
	case "POST /publications":
		return http.StatusUnprocessableEntity // the matrix sends a malformed date
	case "POST /publications/{id}/publish":
		return http.StatusNotFound // an id that does not exist, for anyone allowed
	case "GET /cases/{id}", "GET /referrals/{id}":
		return http.StatusBadRequest // the matrix sends no purpose: refused before any read
	case "GET /cases/{id}/accesses", "POST /cases/{id}/tasks/{task}/done":
		return http.StatusNotFound // a case that does not exist (the log: or not the caller's), for anyone signed in
	case "POST /reports", "POST /reports/{id}/triage", "POST /cases", "POST /cases/{id}/status", "POST /cases/{id}/worker",
		"POST /cases/{id}/vulnerabilities", "POST /cases/{id}/tasks", "POST /cases/{id}/measures", "POST /cases/{id}/notes",
		"POST /cases/{id}/break-glass", "POST /cases/{id}/referrals", "POST /referrals/{id}/accept",
		"POST /referrals/{id}/decline", "POST /referrals/{id}/outcome":
		return http.StatusUnprocessableEntity // the matrix sends an empty body: refused by validation, after the permission
	case "GET /cases/{id}/documents", "GET /cases/{id}/documents/{doc}":
		return http.StatusBadRequest // no purpose: refused before any read
	case "GET /reports/{id}/documents/{doc}", "GET /tables/{id}", "POST /tables/{id}/follow-ups/{followup}/done",
		"GET /tables/{id}/minutes", "GET /guests/{id}/case-export":
		return http.StatusNotFound // an id that does not exist, for anyone allowed
	case "POST /cases/{id}/documents", "POST /reports/{id}/documents":
		return http.StatusUnprocessableEntity // JSON, not multipart: refused as unreadable, after the permission
	case "POST /tables", "POST /tables/{id}/cases", "PUT /tables/{id}/decisions", "POST /tables/{id}/follow-ups":
		return http.StatusUnprocessableEntity // the matrix sends an empty body: refused by validation, after the permission
	case "GET /plans/{id}", "POST /plans/{id}/split", "POST /plans/{id}/publish", "POST /plans/{id}/acknowledge",
		"POST /plans/{id}/close", "POST /plans/{id}/placement/proposal", "POST /inbox/{id}/read":
		return http.StatusNotFound // an id that does not exist, for anyone allowed
	}
	return http.StatusOK
}

// allowed says which roles a class admits ("" is the anonymous visitor).
func allowed(class, role string) bool {
	switch class {
	case "public":
		return true
	case "signed":
		return role != ""
	case "orgs":
		return role != "" && role != "viewer"
	case "admin":
		return role == "admin"
	case "board":
		return role != "" && role != "service"
	case "facility-read", "availability":
		return role == "coordinator" || role == "prefecture" || role == "operator"
	case "facility-write", "hold":
		return role == "coordinator" || role == "prefecture"
	case "guest":
		return role == "coordinator" || role == "prefecture" || role == "operator"
	case "stats":
		return role == "admin" || role == "coordinator" || role == "prefecture" || role == "viewer"
	case "plan":
		return role == "coordinator" || role == "prefecture"
	case "plan-run", "guest-export":
		return role == "coordinator"
	case "publish":
		return role == "admin" || role == "coordinator"
	case "reports":
		return role == "coordinator" || role == "prefecture" || role == "operator"
	case "report":
		return role == "operator"
	case "case-read", "case-write":
		return role == "coordinator" || role == "prefecture"
	case "referral":
		return role == "service"
	}
	panic("unknown class " + class)
}

var accounts = map[string]string{
	"admin": "admin@gesta.example", "coordinator": "coordinamento@gesta.example",
	"prefecture": "prefettura.fe@gesta.example", "operator": "operatore.bo@gesta.example",
	"service": "servizio.bo@gesta.example", "viewer": "osservatorio.ra@gesta.example",
}

// forms are harmless bodies for the POST routes: they fail validation or
// touch only a throw-away user, so the walk does not change who may do what.
var forms = map[string]url.Values{
	"POST /lang":                          {"lang": {"it"}},
	"POST /login":                         {"email": {"nobody@gesta.example"}, "password": {"x"}},
	"POST /login/codice":                  {"code": {"000000"}},
	"POST /profilo/password":              {"current": {"wrong"}, "password": {"whatever123"}},
	"POST /profilo/2fa/conferma":          {"code": {"000000"}},
	"POST /profilo/token":                 {"label": {""}},
	"POST /profilo/token/revoca":          {"label": {"no-such-label"}},
	"POST /admin/utenti":                  {},
	"POST /admin/utenti/{id}":             {"name": {""}},
	"POST /admin/utenti/{id}/stato":       {"disabled": {"false"}},
	"POST /admin/utenti/{id}/password":    {"password": {"x"}},
	"POST /admin/utenti/{id}/2fa":         {},
	"POST /profilo/sessioni/{id}/revoca":  {},
	"POST /strutture":                     {"name": {""}},
	"POST /strutture/{code}":              {"name": {""}, "version": {"0"}},
	"POST /strutture/{code}/prenotazioni": {"places": {"0"}},
	"POST /prenotazioni/{id}/rilascio":    {},
	"POST /prenotazioni/{id}/conversione": {},
	"POST /strutture/{code}/blocchi":      {"places": {"0"}},
	"POST /disponibilita/{code}":          {"occupied": {"x"}},
	"POST /strutture/{code}/recapiti":     {"version": {"0"}},
	"POST /pubblicazioni":                 {"reference_date": {"not-a-date"}},
	"POST /pubblicazioni/{id}/pubblica":   {"confirm": {"1"}},
	"POST /pubblicazioni/sai":             {"reference_date": {"not-a-date"}, "csv": {""}},
	"POST /segnalazioni":                  {"guest_id": {""}},
	"POST /segnalazioni/{id}/valutazione": {"decision": {"nope"}},
	"POST /casi/{id}/stato":               {"status": {"nope"}},
	"POST /casi/{id}/note":                {"text": {""}},
	"POST /casi/{id}/compiti":             {"title": {""}},

	// Complex cases, continued.
	"POST /casi/{id}/compiti/{task}/fatto":  {},
	"POST /casi/{id}/misure":                {"kind": {"nope"}},
	"POST /casi/{id}/vulnerabilita":         {"code": {"nope"}},
	"POST /casi/{id}/assegnazione":          {},
	"POST /casi/{id}/invii":                 {"reason": {""}},
	"POST /casi/{id}/accesso-straordinario": {"reason": {""}},
	"POST /casi/{id}/documenti":             {},
	"POST /segnalazioni/{id}/documenti":     {},
	"POST /servizi/invii/{id}/risposta":     {"answer": {"nope"}},
	"POST /servizi/invii/{id}/esito":        {"outcome": {""}},
	"POST /tavoli":                          {"title": {""}},
	"POST /tavoli/{id}/decisioni":           {},
	"POST /tavoli/{id}/impegni":             {"text": {""}},
}

func noRedirect(jar http.CookieJar) *http.Client {
	// A generous timeout: the matrix checks status codes, and under -race on
	// a loaded two-core machine a listing page can take seconds.
	return &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestAuthorizationMatrix(t *testing.T) {
	for _, engine := range storetest.EngineNames {
		t.Run(engine, func(t *testing.T) {
			dsn, ok := storetest.DSN(t, engine)
			if !ok {
				t.Skipf("%s not set", storetest.EnvPostgres)
			}
			base, _, _ := serve(t, dsn, nil)
			db, err := store.Open(storetest.Ctx(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			walkMatrix(t, base, db)
			walkForeignRefs(t, base, db)
		})
	}
}

func walkMatrix(t *testing.T, base string, db *store.DB) {
	ctx := storetest.Ctx()
	// The route table in code must be exactly the policy's.
	var patterns []string
	for _, r := range (&web.Server{}).Routes() {
		patterns = append(patterns, r.Pattern)
		if _, ok := webPolicy[r.Pattern]; !ok {
			t.Errorf("route %s is not in the test's policy", r.Pattern)
		}
	}
	if len(patterns) != len(webPolicy) {
		t.Errorf("policy has %d web routes, code %d", len(webPolicy), len(patterns))
	}

	// A throw-away user for the admin routes with an {id}.
	target := &domain.User{Email: "bersaglio@gesta.example", Name: "Bersaglio", Role: domain.RoleViewer}
	if err := (&auth.Service{Store: db.Users, Params: auth.DefaultParams}).CreateUser(ctx, target, "password bersaglio"); err != nil {
		t.Fatal(err)
	}
	// The admin's second factor, enrolled directly.
	secret := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	adminCred, _ := db.Users.Credentials(ctx, accounts["admin"])
	db.Users.SetTOTPPending(ctx, adminCred.Actor.UserID, secret)
	db.Users.ActivateTOTP(ctx, adminCred.Actor.UserID, secret, 1)

	clients := map[string]*http.Client{}
	tokens := map[string]string{}
	jar, _ := cookiejar.New(nil)
	clients[""] = noRedirect(jar)
	for role, email := range accounts {
		jar, _ := cookiejar.New(nil)
		c := noRedirect(jar)
		resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {demo.DemoPassword}})
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in as %s: %v %v", role, resp.StatusCode, err)
		}
		resp.Body.Close()
		if role == "admin" {
			code, _ := totp.GenerateCode(secret, time.Now())
			resp, err := c.PostForm(base+"/login/codice", url.Values{"code": {code}})
			if err != nil || resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("admin code: %v %v", resp.StatusCode, err)
			}
			resp.Body.Close()
		}
		clients[role] = c
		cred, _ := db.Users.Credentials(ctx, email)
		tokens[role], _, _ = (&auth.Service{Store: db.Users}).CreateToken(ctx, cred.Actor.UserID, "matrix")
	}

	roles := []string{"", "admin", "coordinator", "prefecture", "operator", "service", "viewer"}
	sort.Strings(patterns)
	// For the web walk, a facility every role that may see one can see: the
	// operator's own, in Bologna (scope relations are walked on the API).
	webFacility := roomyFacility(t, db, "037", accounts["operator"])
	unexpected2xx := 0
	for _, p := range patterns {
		if _, ok := webPolicy[p]; !ok {
			continue // already reported above
		}
		if p == "POST /logout" {
			continue // ends the session; covered by the sign-out tests
		}
		method, path, _ := strings.Cut(p, " ")
		path = strings.TrimSuffix(path, "{$}")
		path = strings.ReplaceAll(path, "/admin/utenti/{id}", "/admin/utenti/"+target.ID)
		path = strings.ReplaceAll(path, "/sessioni/{id}", "/sessioni/0123456789abcdef01234567")
		path = strings.ReplaceAll(path, "/prenotazioni/{id}", "/prenotazioni/01000000-0000-7000-8000-000000000000")
		path = strings.ReplaceAll(path, "/importazioni/{id}", "/importazioni/01000000-0000-7000-8000-000000000000")
		path = strings.ReplaceAll(path, "/uscite/{id}", "/uscite/01000000-0000-7000-8000-000000000000")
		path = strings.ReplaceAll(path, "/ospiti/{id}", "/ospiti/01000000-0000-7000-8000-000000000000")
		path = strings.ReplaceAll(path, "/elenco/{id}", "/elenco/01000000-0000-7000-8000-000000000000")
		path = strings.ReplaceAll(path, "/pubblicazioni/{id}", "/pubblicazioni/01000000-0000-7000-8000-000000000000")
		path = strings.ReplaceAll(path, "{dataset}/{file}", "presenze-comuni/latest.csv")
		path = strings.ReplaceAll(path, "{dataset}", "presenze-comuni")
		path = strings.ReplaceAll(path, "/segnalazioni/{id}", "/segnalazioni/01000000-0000-7000-8000-000000000000")
		path = strings.ReplaceAll(path, "/tavoli/{id}", "/tavoli/01000000-0000-7000-8000-000000000000")
		path = strings.ReplaceAll(path, "/impegni/{followup}", "/impegni/01000000-0000-7000-8000-000000000003")
		path = strings.ReplaceAll(path, "/documenti/{doc}", "/documenti/01000000-0000-7000-8000-000000000002")
		path = strings.ReplaceAll(path, "/casi/{id}", "/casi/01000000-0000-7000-8000-000000000000")
		path = strings.ReplaceAll(path, "/compiti/{task}", "/compiti/01000000-0000-7000-8000-000000000001")
		path = strings.ReplaceAll(path, "/servizi/invii/{id}", "/servizi/invii/01000000-0000-7000-8000-000000000000")
		path = strings.ReplaceAll(path, "{code}", webFacility)
		if strings.HasPrefix(path, "/cruscotto/tabella") {
			path += "?tabella=sex"
		}
		for _, role := range roles {
			var resp *http.Response
			var err error
			if method == "GET" {
				resp, err = clients[role].Get(base + path)
			} else {
				resp, err = clients[role].PostForm(base+path, forms[p])
			}
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			denied := resp.StatusCode == http.StatusForbidden ||
				(resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login?next="))
			if resp.StatusCode >= 500 {
				t.Errorf("%s as %q: %d, a server error", p, role, resp.StatusCode)
			}
			want := allowed(webPolicy[p], role)
			switch {
			case want && denied:
				t.Errorf("%s as %q: denied (%d %s), policy allows", p, role, resp.StatusCode, loc)
			case !want && !denied:
				t.Errorf("%s as %q: %d %s, policy denies", p, role, resp.StatusCode, loc)
				if resp.StatusCode < 300 {
					unexpected2xx++
				}
			case !want && role != "" && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s as %q: %d, want 403", p, role, resp.StatusCode)
			}
		}
	}

	// The API: the operations in the OpenAPI document must be the policy's.
	resp, err := http.Get(base + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	// The two facilities of the scope relations, with room for holds.
	own, other := roomyFacility(t, db, "037", accounts["operator"]), roomyFacility(t, db, "038", "")
	ops := 0
	for path, methods := range doc.Paths {
		for m := range methods {
			ops++
			key := strings.ToUpper(m) + " " + path
			if _, ok := apiPolicy[key]; !ok {
				t.Errorf("API operation %s is not in the test's policy", key)
				continue
			}
			rels := []string{"own"}
			if strings.Contains(path, "{code}") {
				rels = []string{"own", "other"}
			}
			for _, rel := range rels {
				code := own
				if rel == "other" {
					code = other
				}
				concrete := strings.NewReplacer("{level}", "province", "{code}", code, "{id}", "01000000-0000-7000-8000-000000000000",
					"{task}", "01000000-0000-7000-8000-000000000001", "{doc}", "01000000-0000-7000-8000-000000000002",
					"{followup}", "01000000-0000-7000-8000-000000000003").Replace(path)
				if path == "/stats/population" {
					concrete += "?by=sex"
				}
				if path == "/services" {
					concrete += "?province=BO"
				}
				for _, role := range roles {
					status := apiCall(t, strings.ToUpper(m), base+"/api/v1"+concrete, tokens[role])
					want := apiExpect(key, role, rel)
					if status != want {
						t.Errorf("API %s (%s object) as %q: %d, want %d", key, rel, role, status, want)
						if status < 300 && want >= 400 {
							unexpected2xx++
						}
					}
				}
			}
		}
	}
	if ops != len(apiPolicy) {
		t.Errorf("policy has %d API operations, the OpenAPI document %d", len(apiPolicy), ops)
	}
	if unexpected2xx != 0 {
		t.Errorf("%d unexpected 2xx answers", unexpected2xx)
	}
}

// roomyFacility returns the code of an active facility of the province with
// at least 20 free places (of the operator's entity, when an e-mail is given).
func roomyFacility(t *testing.T, db *store.DB, province, operatorEmail string) string {
	t.Helper()
	ctx := storetest.Ctx()
	flt := domain.FacilityFilter{ProvinceCode: province}
	if operatorEmail != "" {
		c, _ := db.Users.Credentials(ctx, operatorEmail)
		flt.GestoreID = c.Actor.GestoreID
	}
	fs, err := db.Facilities.ListFacilities(ctx, flt)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Free >= 20 {
			return f.Code
		}
	}
	// None roomy enough: make room in the first one, declared by its
	// operator (a figure from the registry cannot be typed).
	f := fs[0]
	if f.UsesRegistry {
		if err := db.Guests.SetUsesRegistry(ctx, f.Code, false); err != nil {
			t.Fatal(err)
		}
		if f, err = db.Facilities.FindFacility(ctx, f.Code); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Facilities.SetAvailability(ctx, f.Code, f.Version, domain.Availability{Occupied: 0}); err != nil {
		t.Fatal(err)
	}
	return f.Code
}

// apiCall sends a request with harmless bodies: a stale If-Match for
// availability, one place for an hour for holds. A stream is closed once its
// status is read. The deadline only keeps a hung call from hanging the test:
// under -race, beside the other packages' tests on two cores, the dashboard
// took over the 2 s this once allowed (2026-12-03), which says nothing about
// who may call it.
func apiCall(t *testing.T, method, url, token string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var body io.Reader
	switch {
	case strings.HasSuffix(url, "/availability"):
		body = strings.NewReader(`{"occupied": 1}`)
	case strings.HasSuffix(url, "/publications") && method == "POST":
		body = strings.NewReader(`{"reference_date": "not-a-date"}`)
	case strings.HasSuffix(url, "/holds"):
		body = strings.NewReader(`{"places": 1, "expires_at": "` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `", "reason": "matrice"}`)
	case method == "POST" || method == "PATCH" || method == "PUT":
		body = strings.NewReader(`{}`)
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if strings.HasSuffix(url, "/availability") || method == "PATCH" {
		req.Header.Set("If-Match", `"999999"`)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // a stream is closed here, after its status
	return resp.StatusCode
}
