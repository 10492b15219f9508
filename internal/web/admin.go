package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

type usersData struct {
	Users   []domain.User
	Offices []domain.Office
	Roles   []domain.Role
	Filter  struct{ Role, Office, Q, State string }
	Pager   Pager // the page read in the query
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	var d usersData
	d.Filter.Role, d.Filter.Office, d.Filter.Q, d.Filter.State = q.Get("ruolo"), q.Get("prefettura"), q.Get("q"), q.Get("stato")
	f := domain.UserFilter{Role: domain.Role(d.Filter.Role), Query: d.Filter.Q}
	switch d.Filter.State {
	case "attivi":
		v := false
		f.Disabled = &v
	case "disattivati":
		v := true
		f.Disabled = &v
	}
	var err error
	if d.Offices, err = s.Orgs.ListOffices(ctx); err != nil {
		s.Error(w, r, err)
		return
	}
	for _, o := range d.Offices {
		if o.Sigla == d.Filter.Office {
			f.OfficeID = o.ID
		}
	}
	f.Limit, f.Offset = pageSize+1, (requestedPage(r)-1)*pageSize // one more: is there a next page?
	if d.Users, err = s.Users.ListUsers(ctx, f); err != nil {
		s.Error(w, r, err)
		return
	}
	d.Pager = pageUncounted(r, len(d.Users), pageSize)
	d.Users = d.Users[:min(len(d.Users), pageSize)]
	d.Roles = domain.Roles
	s.render(w, r, http.StatusOK, "users", s.view(r, d))
}

type userFormData struct {
	User     domain.User
	New      bool
	Roles    []domain.Role
	Offices  []domain.Office
	Gestori  []domain.Gestore
	Services []domain.Service
}

func (s *Server) userFormData(r *http.Request, u domain.User, isNew bool) (userFormData, error) {
	ctx := r.Context()
	d := userFormData{User: u, New: isNew, Roles: domain.Roles}
	var err error
	if d.Offices, err = s.Orgs.ListOffices(ctx); err != nil {
		return d, err
	}
	if d.Gestori, err = s.Orgs.ListGestori(ctx, domain.OrgFilter{}); err != nil {
		return d, err
	}
	d.Services, err = s.Orgs.ListServices(ctx, domain.OrgFilter{})
	return d, err
}

// userFromForm reads the fields of the user form; the scope field that the
// role does not use is dropped.
func userFromForm(r *http.Request, u domain.User) domain.User {
	u.Email = domain.NormalizeEmail(r.PostFormValue("email"))
	u.Name = strings.TrimSpace(r.PostFormValue("name"))
	u.Role = domain.Role(r.PostFormValue("role"))
	u.OfficeID, u.GestoreID, u.ServiceID = "", "", ""
	switch u.Role {
	case domain.RoleCoordinator, domain.RolePrefecture, domain.RoleViewer:
		u.OfficeID = r.PostFormValue("office_id")
	case domain.RoleOperator:
		u.GestoreID = r.PostFormValue("gestore_id")
	case domain.RoleService:
		u.ServiceID = r.PostFormValue("service_id")
	}
	return u
}

// userFormError shows the user form again with the error.
func (s *Server) userFormError(w http.ResponseWriter, r *http.Request, u domain.User, isNew bool, err error) {
	d, derr := s.userFormData(r, u, isNew)
	if derr != nil {
		s.Error(w, r, derr)
		return
	}
	s.formError(w, r, "user_form", d, err)
}

func (s *Server) handleUserNew(w http.ResponseWriter, r *http.Request) {
	d, err := s.userFormData(r, domain.User{Role: domain.RolePrefecture}, true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "user_form", s.view(r, d))
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	u := userFromForm(r, domain.User{})
	if err := s.Users.CreateUser(r.Context(), &u, r.PostFormValue("password")); err != nil {
		s.userFormError(w, r, u, true, err)
		return
	}
	s.flash(r, s.t(r, "users.created"))
	http.Redirect(w, r, "/admin/utenti/"+u.ID, http.StatusSeeOther)
}

func (s *Server) handleUserEdit(w http.ResponseWriter, r *http.Request) {
	u, err := s.Users.FindUser(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := s.userFormData(r, u, false)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "user_form", s.view(r, d))
}

func (s *Server) handleUserUpdate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	old, err := s.Users.FindUser(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	u := userFromForm(r, old)
	u.Email = old.Email // the sign-in name does not change here
	if err := s.Users.UpdateUser(r.Context(), &u); err != nil {
		s.userFormError(w, r, u, false, err)
		return
	}
	s.flash(r, s.t(r, "users.updated"))
	http.Redirect(w, r, "/admin/utenti/"+u.ID, http.StatusSeeOther)
}

func (s *Server) handleUserState(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	disable := r.PostFormValue("disabled") == "true"
	if err := s.Users.SetDisabled(r.Context(), id, disable); err != nil {
		s.Error(w, r, err)
		return
	}
	msg := "users.enabled"
	if disable {
		msg = "users.disabled"
	}
	s.flash(r, s.t(r, msg))
	http.Redirect(w, r, "/admin/utenti/"+id, http.StatusSeeOther)
}

func (s *Server) handleUserPassword(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.Users.ResetPassword(r.Context(), id, r.PostFormValue("password")); err != nil {
		u, ferr := s.Users.FindUser(r.Context(), id)
		if ferr != nil {
			s.Error(w, r, ferr)
			return
		}
		s.userFormError(w, r, u, false, err)
		return
	}
	s.flash(r, s.t(r, "users.password.reset.done"))
	http.Redirect(w, r, "/admin/utenti/"+id, http.StatusSeeOther)
}

func (s *Server) handleUserTOTPReset(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.TOTPReset(r, id); err != nil {
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "users.totp.reset"))
	http.Redirect(w, r, "/admin/utenti/"+id, http.StatusSeeOther)
}

// TOTPReset removes a user's second factor (admin help after a lost phone).
func (s *Server) TOTPReset(r *http.Request, id string) error {
	if s.ResetTOTP == nil {
		return domain.Err(domain.EINTERNAL, "err.internal")
	}
	return s.ResetTOTP(r.Context(), id)
}

type auditData struct {
	Entries []domain.AuditEntry
	Filter  domain.AuditFilter
	Next    int64 // seq for the next page, 0 if none
	Verify  *domain.AuditVerification
	Names   map[string]string // user id → "name (office)": the log keeps ids, a reader needs people
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := domain.AuditFilter{Actor: q.Get("attore"), Action: q.Get("azione"), TargetType: q.Get("oggetto"),
		TargetID: q.Get("id"), Limit: 100}
	f.Before, _ = strconv.ParseInt(q.Get("prima"), 10, 64)
	entries, err := s.Audit.ListAudit(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := auditData{Entries: entries, Filter: f, Names: s.userNames(r)}
	if len(entries) == f.Limit {
		d.Next = entries[len(entries)-1].Seq
	}
	if q.Get("verifica") != "" {
		v, err := s.Audit.VerifyAudit(r.Context())
		if err != nil {
			s.Error(w, r, err)
			return
		}
		d.Verify = &v
	}
	s.render(w, r, http.StatusOK, "audit", s.view(r, d))
}

// userNames maps every user's id to their name and office, for pages that
// show who did what. A reader who may not list users sees the ids.
func (s *Server) userNames(r *http.Request) map[string]string {
	users, err := s.Users.ListUsers(r.Context(), domain.UserFilter{})
	if err != nil {
		return nil
	}
	names := make(map[string]string, len(users))
	for _, u := range users {
		n := u.Name
		if u.OfficeSigla != "" {
			n += " (" + u.OfficeSigla + ")"
		}
		names[u.ID] = n
	}
	return names
}
