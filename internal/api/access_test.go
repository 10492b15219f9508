package api_test

import (
	"encoding/json"
	"testing"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func tokenFor(t *testing.T, db *store.DB, email string) (string, string) {
	t.Helper()
	ctx := storetest.Ctx()
	c, err := db.Users.Credentials(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := (&auth.Service{Store: db.Users}).CreateToken(ctx, c.Actor.UserID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return tok, c.Actor.UserID
}

func TestBearerTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := demo.LoadWith(storetest.Ctx(), db, demo.ScaleRegion, demo.Options{HistoryDays: 3}); err != nil {
			t.Fatal(err)
		}
		srv := newAPI(t, db)
		admin, _ := tokenFor(t, db, "admin@gesta.example")
		pref, prefID := tokenFor(t, db, "prefettura.fe@gesta.example")
		op, _ := tokenFor(t, db, "operatore.bo@gesta.example")

		// Without a token: 401 problem+json, except the public reference and the OpenAPI document.
		for _, p := range []string{"/api/v1/me", "/api/v1/audit"} {
			status, h, _ := send(t, "GET", srv.URL+p, "", "")
			if status != 401 || h.Get("Content-Type") != "application/problem+json" || h.Get("WWW-Authenticate") == "" {
				t.Errorf("%s without token: %d %s", p, status, h.Get("Content-Type"))
			}
			if status, _, _ := send(t, "GET", srv.URL+p, "gesta_forged", ""); status != 401 {
				t.Errorf("%s with a forged token: %d", p, status)
			}
		}
		for _, p := range []string{"/api/v1/openapi.json", "/api/v1/territory/provinces", "/api/v1/territory/comuni?province=BO"} {
			if status, _, _ := send(t, "GET", srv.URL+p, "", ""); status != 200 {
				t.Errorf("public %s: %d", p, status)
			}
		}

		status, _, body := send(t, "GET", srv.URL+"/api/v1/me", pref, "")
		var me map[string]any
		json.Unmarshal(body, &me)
		if status != 200 || me["email"] != "prefettura.fe@gesta.example" || me["role"] != "prefecture" ||
			me["office"] != "FE" || me["province"] != "038" {
			t.Fatalf("/me for Ferrara: %d %v", status, me)
		}
		status, _, body = send(t, "GET", srv.URL+"/api/v1/me", op, "")
		json.Unmarshal(body, &me)
		if status != 200 || me["role"] != "operator" || me["gestore"] == nil || me["gestore"] == "" {
			t.Fatalf("/me for an operator: %d %v", status, me)
		}

		// The audit log: admins only, newest first, limit honoured.
		if status, _, _ := send(t, "GET", srv.URL+"/api/v1/audit", pref, ""); status != 403 {
			t.Fatalf("prefecture reading the audit log: %d", status)
		}
		status, _, body = send(t, "GET", srv.URL+"/api/v1/audit?limit=2", admin, "")
		var entries []domain.AuditEntry
		json.Unmarshal(body, &entries)
		if status != 200 || len(entries) != 2 || entries[0].Seq <= entries[1].Seq || entries[0].Action != "token.create" {
			t.Fatalf("audit: %d %+v", status, entries)
		}
		if status, _, _ := send(t, "GET", srv.URL+"/api/v1/audit?limit=5000", admin, ""); status != 422 {
			t.Fatalf("limit above 1000: %d", status)
		}
		if status, _, _ := send(t, "GET", srv.URL+"/api/v1/no/such", admin, ""); status != 404 {
			t.Fatalf("unknown path with a token: %d", status)
		}

		// Revoking and disabling stop a token at once.
		if _, err := db.Users.RevokeTokens(storetest.Ctx(), prefID, "test"); err != nil {
			t.Fatal(err)
		}
		if status, _, _ := send(t, "GET", srv.URL+"/api/v1/me", pref, ""); status != 401 {
			t.Fatalf("revoked token: %d", status)
		}
		c, _ := db.Users.Credentials(storetest.Ctx(), "operatore.bo@gesta.example")
		if err := db.Users.SetDisabled(storetest.Ctx(), c.Actor.UserID, true); err != nil {
			t.Fatal(err)
		}
		if status, _, _ := send(t, "GET", srv.URL+"/api/v1/me", op, ""); status != 401 {
			t.Fatalf("disabled user's token: %d", status)
		}
	})
}

// TestTokensNeedNoTOTP: an API token is a credential of its own, created by
// an administrator for a client; it keeps working for a user whose grace
// period for two-step verification ended long ago without enrolling.
func TestTokensNeedNoTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := demo.LoadWith(storetest.Ctx(), db, demo.ScaleRegion, demo.Options{HistoryDays: 3}); err != nil {
			t.Fatal(err)
		}
		srv := newAPI(t, db)
		op, opID := tokenFor(t, db, "operatore.bo@gesta.example")
		for name, p := range db.Pools() {
			if name == "read" {
				continue
			}
			if _, err := p.Exec(`UPDATE users SET totp_grace_from = $1 WHERE id = $2`, db.Now().AddDate(-1, 0, 0), opID); err != nil {
				t.Fatal(err)
			}
		}
		a, err := db.Users.ActorByUserID(storetest.Ctx(), opID)
		if err != nil || !(domain.TOTPPolicy{}).Overdue(a, db.Now()) {
			t.Fatalf("the operator should be overdue for enrolment: %+v %v", a, err)
		}
		if status, _, _ := send(t, "GET", srv.URL+"/api/v1/me", op, ""); status != 200 {
			t.Fatalf("token of a user without TOTP: %d", status)
		}
	})
}
