package web

import (
	"net/http"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/territory"
)

type landingData struct {
	Provinces        []domain.Province
	Comuni           int
	Residents        int
	Lines            []string
	Map              *territory.Map
	PopulationSource string
}

type territoryData struct {
	landingData
	Province *domain.Province
	Comuni   []domain.Comune
}

func (s *Server) handleTerritory(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := territoryData{landingData: landingData{Map: s.provinceMap, PopulationSource: s.PopulationSource}}
	if code := r.URL.Query().Get("provincia"); code != "" {
		p, err := s.Territory.FindProvince(ctx, code)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		d.Province = &p
		if d.Comuni, err = s.Territory.ListComuni(ctx, domain.ComuneFilter{ProvinceCode: p.Code}); err != nil {
			s.Error(w, r, err)
			return
		}
	} else {
		var err error
		if d.Provinces, err = s.Territory.ListProvinces(ctx); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "territory", s.view(r, d))
}

func (s *Server) staticPage(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.render(w, r, http.StatusOK, name, s.view(r, nil)) }
}

// handleLang stores the chosen language in a cookie and goes back.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if !i18n.Supported(lang) {
		s.renderError(w, r, http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: i18n.CookieName, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.Sessions.Cookie.Secure})
	next := r.PostFormValue("next")
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
}

type loginData struct {
	Email, Next  string
	Demo         bool
	DemoAccounts []string
	DemoPassword string
}

func (s *Server) loginData(email, next string) loginData {
	return loginData{Email: email, Next: next, Demo: len(s.DemoAccounts) > 0, DemoAccounts: s.DemoAccounts,
		DemoPassword: s.DemoPassword}
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := domain.ActorFromContext(r.Context()); ok {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", s.view(r, s.loginData("", r.URL.Query().Get("next"))))
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	ctx := r.Context()
	email, next := r.PostFormValue("email"), r.PostFormValue("next")
	from := domain.SignInFrom{Addr: s.clientKey(r)}
	if dc, err := r.Cookie(s.deviceCookieName()); err == nil {
		from.Device = dc.Value
	}
	c, err := s.Users.AuthenticateFrom(ctx, email, r.PostFormValue("password"), from)
	switch domain.ErrorCode(err) {
	case "":
	case domain.EUNAUTHORIZED, domain.ETOOMANY:
		// No e-mail in the log: only that a sign-in failed, with the request id.
		s.Logger.Warn("auth: sign-in refused", "reason", domain.ErrorCode(err), "request_id", RequestID(ctx))
		v := s.view(r, s.loginData(email, next))
		v.Error = v.T("login.failed")
		status := http.StatusUnauthorized
		if domain.ErrorCode(err) == domain.ETOOMANY {
			v.Error, status = v.T("login.throttled"), http.StatusTooManyRequests
		}
		s.render(w, r, status, "login", v)
		return
	default:
		s.Error(w, r, err)
		return
	}
	// A new session id at every step of sign-in: a token planted before it is
	// worthless after.
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.Error(w, r, err)
		return
	}
	if c.TOTPEnabled {
		s.Sessions.Put(ctx, sessionPendingKey, c.Actor.UserID)
		s.Sessions.Put(ctx, sessionNextKey, localPath(next))
		http.Redirect(w, r, "/login/codice", http.StatusSeeOther)
		return
	}
	s.finishSignIn(w, r, c.Actor, next)
}

func (s *Server) finishSignIn(w http.ResponseWriter, r *http.Request, a domain.Actor, next string) {
	ctx := r.Context()
	if err := s.Users.CompleteSignIn(ctx, a); err != nil {
		s.Error(w, r, err)
		return
	}
	s.Sessions.Remove(ctx, sessionPendingKey)
	s.Sessions.Remove(ctx, sessionNextKey)
	s.Sessions.Put(ctx, sessionUserKey, a.UserID)
	s.Sessions.Put(ctx, sessionAgentKey, truncate(r.UserAgent(), 200))
	SetActorLabel(r, a.Label())
	// This browser is now a known device of the account: failures by others
	// (on the account or from its address) no longer lock it out.
	http.SetCookie(w, &http.Cookie{Name: s.deviceCookieName(), Value: s.Users.DeviceToken(a.Email), Path: "/",
		MaxAge: int(domain.DeviceLifetime.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.Sessions.Cookie.Secure})
	s.Logger.Info("auth: signed in", "actor", a.Label(), "role", a.Role, "request_id", RequestID(ctx))
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
}

// deviceCookieName is the known-device cookie's name: __Host- behind TLS,
// like the session's.
func (s *Server) deviceCookieName() string {
	if s.Sessions.Cookie.Secure {
		return "__Host-gesta_device"
	}
	return "gesta_device"
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Server) handleCodeForm(w http.ResponseWriter, r *http.Request) {
	if s.Sessions.GetString(r.Context(), sessionPendingKey) == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login_code", s.view(r, nil))
}

func (s *Server) handleCode(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := s.Sessions.GetString(ctx, sessionPendingKey)
	if id == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	err := s.Users.VerifyTOTP(ctx, id, r.PostFormValue("code"))
	switch domain.ErrorCode(err) {
	case "":
	case domain.EUNAUTHORIZED, domain.ETOOMANY:
		s.Logger.Warn("auth: one-time code refused", "reason", domain.ErrorCode(err), "request_id", RequestID(ctx))
		v := s.view(r, nil)
		v.Error = v.T("login.code.failed")
		status := http.StatusUnauthorized
		if domain.ErrorCode(err) == domain.ETOOMANY {
			v.Error, status = v.T("login.throttled"), http.StatusTooManyRequests
		}
		s.render(w, r, status, "login_code", v)
		return
	default:
		s.Error(w, r, err)
		return
	}
	a, err := s.Users.ActorByUserID(ctx, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.Error(w, r, err)
		return
	}
	s.finishSignIn(w, r, a, s.Sessions.GetString(ctx, sessionNextKey))
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if a, ok := domain.ActorFromContext(ctx); ok {
		if err := s.Store.AuditEvent(ctx, "auth.signout", "user", a.UserID); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if err := s.Sessions.Destroy(ctx); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

type homeRow struct {
	Province          domain.Province
	Office            domain.Office
	Gestori, Services int
}

type homeData struct {
	ScopeName string
	ShowOrgs  bool
	Rows      []homeRow
	Late      int    // facilities in scope not confirmed since the deadline
	LateLink  string // where to see them
	LateScope string // whose facilities they are: "province", "region" or "own"
	Service   bool   // a territorial service: the home says what it will find
}

// handleHome shows the signed-in user's scope: its provinces with their
// prefecture and organisations.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _ := domain.ActorFromContext(ctx)
	provinces, err := s.Territory.ListProvinces(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	offices, err := s.Orgs.ListOffices(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Organisations only for roles that may see them; the store scopes them.
	var gestori []domain.Gestore
	var services []domain.Service
	d := homeData{ShowOrgs: domain.Can(a, domain.PermOrgRead)}
	if s.Facilities != nil && domain.Can(a, domain.PermFacilityRead) {
		// Who is late with the daily confirmation: the prefecture's province,
		// the coordinator's region, the operator's own facilities.
		b, err := s.Facilities.Board(ctx, domain.FacilityFilter{ProvinceCode: a.ProvinceCode})
		if err != nil {
			s.Error(w, r, err)
			return
		}
		d.Late, d.LateLink, d.LateScope = b.Totals.Stale, "/strutture?scadute=1", "region"
		if a.OfficeSigla != "" && a.ProvinceCode != "" {
			d.LateLink += "&provincia=" + a.OfficeSigla
			d.LateScope = "province"
		}
		if a.Role == domain.RoleOperator {
			d.LateLink, d.LateScope = "/disponibilita", "own"
		}
	}
	if d.ShowOrgs {
		if gestori, err = s.Orgs.ListGestori(ctx, domain.OrgFilter{}); err != nil {
			s.Error(w, r, err)
			return
		}
		if services, err = s.Orgs.ListServices(ctx, domain.OrgFilter{}); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	// An operator's and a service's scope is their organisation, in one
	// province: not the region with eight provinces of zeros.
	scope, scopeName := a.ProvinceCode, ""
	for _, g := range gestori {
		if a.GestoreID != "" && g.ID == a.GestoreID {
			scope, scopeName = g.ProvinceCode, g.Name
		}
	}
	for _, sv := range services {
		if a.ServiceID != "" && sv.ID == a.ServiceID {
			scope, scopeName = sv.ProvinceCode, sv.Name
		}
	}
	d.Service = a.Role == domain.RoleService
	for _, p := range provinces {
		if scope != "" && p.Code != scope {
			continue
		}
		row := homeRow{Province: p}
		for _, o := range offices {
			if o.ProvinceCode == p.Code {
				row.Office = o
			}
		}
		for _, g := range gestori {
			if g.ProvinceCode == p.Code {
				row.Gestori++
			}
		}
		for _, sv := range services {
			if sv.ProvinceCode == p.Code {
				row.Services++
			}
		}
		d.Rows = append(d.Rows, row)
		if a.ProvinceCode != "" {
			d.ScopeName = row.Office.Name
		}
	}
	if scopeName != "" {
		d.ScopeName = scopeName
	}
	s.render(w, r, http.StatusOK, "home", s.view(r, d))
}

type orgsData struct {
	Provinces []domain.Province
	Selected  string
	AllowAll  bool
	Sigla     map[string]string
	Gestori   []domain.Gestore
	Services  []domain.Service
}

// handleOrgs lists managing entities and services, within the user's scope:
// a prefecture sees its province only, whatever the URL asks.
func (s *Server) handleOrgs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _ := domain.ActorFromContext(ctx)
	provinces, err := s.Territory.ListProvinces(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := orgsData{AllowAll: a.ProvinceCode == "", Sigla: map[string]string{}}
	filter := a.ProvinceCode
	for _, p := range provinces {
		d.Sigla[p.Code] = p.Sigla
		if a.ProvinceCode == "" || a.ProvinceCode == p.Code {
			d.Provinces = append(d.Provinces, p)
		}
	}
	if q := r.URL.Query().Get("provincia"); q != "" && a.ProvinceCode == "" {
		p, err := s.Territory.FindProvince(ctx, q)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		filter = p.Code
	}
	if filter != "" {
		d.Selected = d.Sigla[filter]
	}
	if d.Gestori, err = s.Orgs.ListGestori(ctx, domain.OrgFilter{ProvinceCode: filter}); err != nil {
		s.Error(w, r, err)
		return
	}
	if d.Services, err = s.Orgs.ListServices(ctx, domain.OrgFilter{ProvinceCode: filter}); err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "orgs", s.view(r, d))
}
