package domain_test

import (
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
)

func TestCan(t *testing.T) {
	tests := []struct {
		role domain.Role
		perm domain.Permission
		want bool
	}{
		{domain.RoleAdmin, domain.PermUserManage, true},
		{domain.RoleAdmin, domain.PermGuestRead, false}, // admins manage the system, not people's files
		{domain.RoleCoordinator, domain.PermPlanRun, true},
		{domain.RolePrefecture, domain.PermPlanRun, false},
		{domain.RoleOperator, domain.PermAvailability, true},
		{domain.RoleOperator, domain.PermVulnRead, false},
		{domain.RoleService, domain.PermReferralAnswer, true},
		{domain.RoleService, domain.PermGuestRead, false},
		{domain.RoleCoordinator, domain.PermCaseRestricted, true},
		{domain.RoleCoordinator, domain.PermConsentOverride, true},
		{domain.RolePrefecture, domain.PermCaseRestricted, false}, // restricted cases: only users given the permission
		{domain.RolePrefecture, domain.PermConsentOverride, false},
		{domain.RoleOperator, domain.PermCaseRead, false}, // operators see their reports, never the case
		{domain.RoleService, domain.PermCaseRead, false},  // services see only what is referred to them
		{domain.RoleViewer, domain.PermStatsRead, true},
		{domain.RoleViewer, domain.PermGuestRead, false},
		{domain.Role("root"), domain.PermOrgRead, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.role)+"/"+string(tt.perm), func(t *testing.T) {
			if got := domain.Can(domain.Actor{Role: tt.role}, tt.perm); got != tt.want {
				t.Errorf("Can = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUserValidate(t *testing.T) {
	tests := []struct {
		name  string
		u     domain.User
		field string // the field expected in error; "" means valid
	}{
		{"OK", domain.User{Email: "a@b.it", Name: "A", Role: domain.RoleAdmin}, ""},
		{"BadEmail", domain.User{Email: "nope", Name: "A", Role: domain.RoleAdmin}, "email"},
		{"UpperEmail", domain.User{Email: "A@b.it", Name: "A", Role: domain.RoleAdmin}, "email"},
		{"NoName", domain.User{Email: "a@b.it", Role: domain.RoleAdmin}, "name"},
		{"BadRole", domain.User{Email: "a@b.it", Name: "A", Role: "boss"}, "role"},
		{"PrefectureNeedsOffice", domain.User{Email: "a@b.it", Name: "A", Role: domain.RolePrefecture}, "office"},
		{"OperatorNeedsGestore", domain.User{Email: "a@b.it", Name: "A", Role: domain.RoleOperator}, "gestore"},
		{"ServiceNeedsService", domain.User{Email: "a@b.it", Name: "A", Role: domain.RoleService}, "service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.u.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			e, ok := err.(*domain.Error)
			if !ok || e.Code != domain.EINVALID || e.Fields[tt.field].MsgID == "" {
				t.Fatalf("want EINVALID on %q, got %#v", tt.field, err)
			}
		})
	}
}
