package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"

	"github.com/pquerna/otp"

	"github.com/gesta-er/gesta/internal/domain"
)

type profileData struct {
	User     domain.User
	Sessions []domain.Session
	Tokens   []domain.Token
	NewToken string // shown once, right after creation
}

func (s *Server) profileData(r *http.Request) (profileData, error) {
	ctx := r.Context()
	a, _ := domain.ActorFromContext(ctx)
	var d profileData
	var err error
	if d.User, err = s.Users.FindUser(ctx, a.UserID); err != nil {
		return d, err
	}
	if d.Sessions, err = s.Users.ListSessions(ctx, s.Sessions.Token(ctx)); err != nil {
		return d, err
	}
	d.Tokens, err = s.Users.ListTokens(ctx, a.UserID)
	return d, err
}

func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request) {
	d, err := s.profileData(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "profile", s.view(r, d))
}

func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	err := s.Users.ChangePassword(ctx, r.PostFormValue("current"), r.PostFormValue("password"), s.Sessions.Token(ctx))
	if err != nil {
		d, derr := s.profileData(r)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		s.formError(w, r, "profile", d, err)
		return
	}
	s.flash(r, s.t(r, "profile.password.changed"))
	http.Redirect(w, r, "/profilo", http.StatusSeeOther)
}

func (s *Server) handleSessionRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.Users.RevokeSession(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "profile.session.revoked"))
	http.Redirect(w, r, "/profilo", http.StatusSeeOther)
}

type totpData struct {
	Enabled  bool
	Required bool
	Deadline string // end of the grace period, if one runs
	Secret   string
	URI      string
	QR       template.URL // data: URL of the QR code's PNG (ours: safe)
}

func (s *Server) handleTOTPPage(w http.ResponseWriter, r *http.Request) {
	a, _ := domain.ActorFromContext(r.Context())
	d := totpData{Enabled: a.TOTPEnabled, Required: a.NeedsTOTP()}
	if t, ok := s.TOTP.Deadline(a); ok {
		d.Deadline = t.In(rome).Format("02/01/2006")
	}
	s.render(w, r, http.StatusOK, "totp", s.view(r, d))
}

// handleTOTPBegin makes a new secret and shows it, as text and QR code, with
// the form to confirm it with a first code.
func (s *Server) handleTOTPBegin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _ := domain.ActorFromContext(ctx)
	secret, uri, err := s.Users.BeginTOTP(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := totpData{Required: a.NeedsTOTP(), Secret: secret, URI: uri, QR: qrDataURL(uri)}
	s.render(w, r, http.StatusOK, "totp", s.view(r, d))
}

func (s *Server) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.Users.ConfirmTOTP(ctx, r.PostFormValue("code")); err != nil {
		a, _ := domain.ActorFromContext(ctx)
		secret := r.PostFormValue("secret") // echoed back only to redraw the same page
		uri := r.PostFormValue("uri")
		s.formError(w, r, "totp", totpData{Required: a.NeedsTOTP(), Secret: secret, URI: uri, QR: qrDataURL(uri)}, err)
		return
	}
	// Recovery codes for a lost phone, shown this once (only hashes are kept).
	codes, err := s.Users.NewRecoveryCodes(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if len(codes) == 0 {
		s.flash(r, s.t(r, "totp.enabled"))
		http.Redirect(w, r, "/profilo", http.StatusSeeOther)
		return
	}
	v := s.view(r, codes)
	v.Flash = s.t(r, "totp.enabled")
	s.render(w, r, http.StatusOK, "totp_codes", v)
}

// qrDataURL draws the otpauth URI as a PNG QR code in a data: URL (the CSP
// allows data: images), so no third-party service ever sees the secret.
func qrDataURL(uri string) template.URL {
	if uri == "" {
		return ""
	}
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return ""
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _ := domain.ActorFromContext(ctx)
	token, _, err := s.Users.CreateToken(ctx, a.UserID, r.PostFormValue("label"))
	d, derr := s.profileData(r)
	if derr != nil {
		s.Error(w, r, derr)
		return
	}
	if err != nil {
		s.formError(w, r, "profile", d, err)
		return
	}
	d.NewToken = token
	s.render(w, r, http.StatusCreated, "profile", s.view(r, d))
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _ := domain.ActorFromContext(ctx)
	if _, err := s.Users.RevokeTokens(ctx, a.UserID, r.PostFormValue("label")); err != nil {
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "profile.token.revoked"))
	http.Redirect(w, r, "/profilo", http.StatusSeeOther)
}
