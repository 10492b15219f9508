package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func adminCtx(t *testing.T, db *store.DB) (context.Context, *domain.User) {
	t.Helper()
	ctx := storetest.Ctx()
	u := &domain.User{Email: "admin@x.example", Name: "Admin", Role: domain.RoleAdmin}
	if err := db.Users.CreateUser(ctx, u, "h"); err != nil {
		t.Fatal(err)
	}
	a, err := db.Users.ActorByUserID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return domain.NewContextWithRequestID(domain.NewContextWithActor(context.Background(), a), "req-1"), u
}

func TestEveryWriteIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, admin := adminCtx(t, db)
		g := &domain.Gestore{Name: "Coop", TaxCode: "01234567890", ProvinceCode: "037"}
		if err := db.Orgs.CreateGestore(ctx, g); err != nil {
			t.Fatal(err)
		}
		entries, err := db.Audit.ListAudit(ctx, domain.AuditFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		e := entries[0]
		if e.Action != "gestore.create" || e.TargetID != g.ID || e.Actor != admin.ID || e.Role != "admin" ||
			e.RequestID != "req-1" || !e.At.Equal(g.CreatedAt) {
			t.Fatalf("newest entry = %+v", e)
		}
		// Start-up (territory sync) and the admin's creation are there too, oldest last.
		if len(entries) < 3 || entries[len(entries)-1].Action != "territory.sync" || entries[len(entries)-1].Actor != "system" {
			t.Fatalf("entries = %+v", entries)
		}
		// A write without an actor is refused, and leaves nothing.
		err = db.Orgs.CreateGestore(context.Background(), &domain.Gestore{Name: "X", TaxCode: "11111111111", ProvinceCode: "037"})
		if err == nil {
			t.Fatal("a write without an actor was accepted")
		}
		if list, _ := db.Orgs.ListGestori(ctx, domain.OrgFilter{}); len(list) != 1 {
			t.Fatalf("gestori = %d, want 1", len(list))
		}
		// Filters.
		only, _ := db.Audit.ListAudit(ctx, domain.AuditFilter{Action: "user."})
		if len(only) != 1 || only[0].Action != "user.create" {
			t.Fatalf("prefix filter = %+v", only)
		}
		// Non-admins cannot read it.
		if _, err := db.Audit.ListAudit(storetest.CtxAs(domain.Actor{UserID: "x", Role: domain.RoleCoordinator}), domain.AuditFilter{}); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("coordinator reading the audit log: %v", err)
		}
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, q := range []string{`UPDATE audit_log SET summary = 'x'`, `DELETE FROM audit_log`} {
			err := db.InTx(storetest.Ctx(), func(tx *store.Tx) error {
				_, err := tx.ExecContext(context.Background(), q)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want refusal", q, err)
			}
		}
		if v, err := db.Audit.VerifyAudit(storetest.Ctx()); err != nil || !v.OK || v.Rows == 0 {
			t.Fatalf("verify = %+v, %v", v, err)
		}
	})
}

func TestAuditChainUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				g := &domain.Gestore{Name: "G", TaxCode: fmt.Sprintf("%011d", i+1), ProvinceCode: "037"}
				if err := db.Orgs.CreateGestore(ctx, g); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		v, err := db.Audit.VerifyAudit(ctx)
		if err != nil || !v.OK || v.Rows != 17 {
			t.Fatalf("verify after 16 concurrent writes = %+v, %v (want 17 rows, linear chain)", v, err)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, admin := adminCtx(t, db)
		if _, err := db.Users.CreateToken(ctx, admin.ID, "ci", "hash-1"); err != nil {
			t.Fatal(err)
		}
		a, err := db.Users.ActorByTokenHash(ctx, "hash-1")
		if err != nil || a.UserID != admin.ID {
			t.Fatalf("token actor = %+v, %v", a, err)
		}
		if _, err := db.Users.ActorByTokenHash(ctx, "hash-2"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("unknown token: %v", err)
		}
		toks, _ := db.Users.ListTokens(ctx, admin.ID)
		if len(toks) != 1 || toks[0].LastUsedAt == nil {
			t.Fatalf("tokens = %+v (last use must be stamped)", toks)
		}
		if n, err := db.Users.RevokeTokens(ctx, admin.ID, "ci"); n != 1 || err != nil {
			t.Fatalf("revoke = %d, %v", n, err)
		}
		if _, err := db.Users.ActorByTokenHash(ctx, "hash-1"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("revoked token still works: %v", err)
		}
		if _, err := db.Users.RevokeTokens(ctx, admin.ID, "ci"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("revoking again: %v", err)
		}
	})
}

func TestDisablingEndsSessionsAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, _ := adminCtx(t, db)
		u := &domain.User{Email: "op@x.example", Name: "Op", Role: domain.RoleViewer}
		if err := db.Users.CreateUser(ctx, u, "h"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Users.CreateToken(ctx, u.ID, "t", "tok-hash"); err != nil {
			t.Fatal(err)
		}
		ss := &store.SessionStore{DB: db, Describe: func([]byte) (string, string) { return u.ID, "Firefox" }}
		if err := ss.CommitCtx(ctx, "sess-token", []byte("d"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		uctx := storetest.CtxAs(domain.Actor{UserID: u.ID, Role: u.Role})
		list, err := db.Users.ListSessions(uctx, "sess-token")
		if err != nil || len(list) != 1 || !list[0].Current || list[0].UserAgent != "Firefox" || strings.Contains(list[0].ID, "sess-token") {
			t.Fatalf("sessions = %+v, %v", list, err)
		}
		if err := db.Users.SetDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := ss.FindCtx(ctx, "sess-token"); ok {
			t.Fatal("a disabled user's session survives")
		}
		if _, err := db.Users.ActorByTokenHash(ctx, "tok-hash"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("a disabled user's token works: %v", err)
		}
		if _, err := db.Users.ActorByUserID(ctx, u.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("a disabled user resolves: %v", err)
		}
		// Non-admins cannot disable anyone; an admin cannot disable themselves.
		if err := db.Users.SetDisabled(uctx, u.ID, false); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("viewer enabling: %v", err)
		}
		a, _ := domain.ActorFromContext(ctx)
		if err := db.Users.SetDisabled(ctx, a.UserID, true); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("admin disabling self: %v", err)
		}
	})
}

func TestRevokeSessionIsScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, admin := adminCtx(t, db)
		ss := &store.SessionStore{DB: db, Describe: func([]byte) (string, string) { return admin.ID, "" }}
		ss.CommitCtx(ctx, "admin-token", []byte("d"), time.Now().Add(time.Hour))
		other := storetest.CtxAs(domain.Actor{UserID: "someone-else", Role: domain.RoleAdmin})
		if err := db.Users.RevokeSession(other, store.SessionID("admin-token")); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("revoking another user's session: %v", err)
		}
		if err := db.Users.RevokeSession(ctx, store.SessionID("admin-token")); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := ss.FindCtx(ctx, "admin-token"); ok {
			t.Fatal("revoked session still found")
		}
	})
}

func TestTOTPStepIsUsedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, admin := adminCtx(t, db)
		if err := db.Users.SetTOTPPending(ctx, admin.ID, "JBSWY3DPEHPK3PXP"); err != nil {
			t.Fatal(err)
		}
		if err := db.Users.UseTOTPStep(ctx, admin.ID, 999); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("a pending secret signs in: %v", err)
		}
		if err := db.Users.ActivateTOTP(ctx, admin.ID, "OTHERSECRET", 1000); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("activating a secret that is not the pending one: %v", err)
		}
		if err := db.Users.ActivateTOTP(ctx, admin.ID, "JBSWY3DPEHPK3PXP", 1000); err != nil {
			t.Fatal(err)
		}
		active, pending, enabled, _ := db.Users.TOTPSecrets(ctx, admin.ID)
		if !enabled || active != "JBSWY3DPEHPK3PXP" || pending != "" {
			t.Fatalf("after activation: %q %q %v", active, pending, enabled)
		}
		// Renewal: a new pending secret leaves the active one working.
		db.Users.SetTOTPPending(ctx, admin.ID, "NEWSECRETNEWSECR")
		if active, _, enabled, _ := db.Users.TOTPSecrets(ctx, admin.ID); !enabled || active != "JBSWY3DPEHPK3PXP" {
			t.Fatal("starting a renewal disabled the active secret")
		}
		if err := db.Users.UseTOTPStep(ctx, admin.ID, 1000); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("replayed step accepted: %v", err)
		}
		if err := db.Users.UseTOTPStep(ctx, admin.ID, 999); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			t.Fatalf("older step accepted: %v", err)
		}
		if err := db.Users.UseTOTPStep(ctx, admin.ID, 1001); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOrganisationsAreScopedInTheQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		gBO := &domain.Gestore{Name: "Coop BO", TaxCode: "00000000001", ProvinceCode: "037"}
		gFE := &domain.Gestore{Name: "Coop FE", TaxCode: "00000000002", ProvinceCode: "038"}
		sBO := &domain.Service{Name: "CSM BO", Kind: domain.ServiceCSM, ProvinceCode: "037"}
		sFE := &domain.Service{Name: "CSM FE", Kind: domain.ServiceCSM, ProvinceCode: "038"}
		for _, g := range []*domain.Gestore{gBO, gFE} {
			if err := db.Orgs.CreateGestore(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range []*domain.Service{sBO, sFE} {
			if err := db.Orgs.CreateService(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		names := func(a domain.Actor, province string) string {
			ctx := storetest.CtxAs(a)
			gs, err1 := db.Orgs.ListGestori(ctx, domain.OrgFilter{ProvinceCode: province})
			ss, err2 := db.Orgs.ListServices(ctx, domain.OrgFilter{ProvinceCode: province})
			if err1 != nil || err2 != nil {
				return "error: " + domain.ErrorCode(err1) + domain.ErrorCode(err2)
			}
			var out []string
			for _, g := range gs {
				out = append(out, g.Name)
			}
			for _, s := range ss {
				out = append(out, s.Name)
			}
			return strings.Join(out, ",")
		}
		cases := []struct {
			name     string
			actor    domain.Actor
			province string // what the caller asks for
			want     string
		}{
			{"Coordinator", domain.Actor{Role: domain.RoleCoordinator}, "", "Coop BO,Coop FE,CSM BO,CSM FE"},
			{"CoordinatorAsksFE", domain.Actor{Role: domain.RoleCoordinator}, "038", "Coop FE,CSM FE"},
			{"PrefectureFE", domain.Actor{Role: domain.RolePrefecture, ProvinceCode: "038"}, "", "Coop FE,CSM FE"},
			{"PrefectureFEAsksBO", domain.Actor{Role: domain.RolePrefecture, ProvinceCode: "038"}, "037", ""},
			{"OperatorBO", domain.Actor{Role: domain.RoleOperator, GestoreID: gBO.ID}, "", "Coop BO,CSM BO"},
			{"ServiceFE", domain.Actor{Role: domain.RoleService, ServiceID: sFE.ID}, "", "Coop FE,CSM FE"},
			{"Viewer", domain.Actor{Role: domain.RoleViewer}, "", "error: forbiddenforbidden"},
		}
		for _, c := range cases {
			if got := names(c.actor, c.province); got != c.want {
				t.Errorf("%s: %q, want %q", c.name, got, c.want)
			}
		}
	})
}

// TestAuditHeadGuard: the head of the audit chain is guarded like the log:
// it cannot be set back or deleted through the application's connection.
func TestAuditHeadGuard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		facilityFixture(t, db, 5) // a few audited writes
		for _, q := range []string{`UPDATE audit_head SET seq = seq - 1`, `UPDATE audit_head SET seq = 0, hash = ''`,
			`DELETE FROM audit_head`} {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, q)
				return err
			})
			if err == nil {
				t.Errorf("%s: allowed", q)
			}
		}
		if v, err := db.Audit.VerifyAudit(ctx); err != nil || !v.OK {
			t.Fatalf("verify: %+v %v", v, err)
		}
	})
}
