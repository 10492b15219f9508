package domain_test

import (
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

func TestTOTPPolicyOverdue(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	p := domain.TOTPPolicy{Grace: map[domain.Role]time.Duration{domain.RoleAdmin: 0, domain.RoleOperator: 30 * day}}
	for _, c := range []struct {
		a    domain.Actor
		p    domain.TOTPPolicy
		want bool
	}{
		{domain.Actor{Role: domain.RoleAdmin}, p, true},                                        // no grace
		{domain.Actor{Role: domain.RoleAdmin, TOTPEnabled: true}, p, false},                    // enrolled
		{domain.Actor{Role: domain.RoleViewer}, p, false},                                      // never needs it
		{domain.Actor{Role: domain.RolePrefecture}, p, true},                                   // role absent: at once
		{domain.Actor{Role: domain.RoleOperator}, p, false},                                    // grace not started
		{domain.Actor{Role: domain.RoleOperator, TOTPGraceFrom: now.Add(-29 * day)}, p, false}, // within
		{domain.Actor{Role: domain.RoleOperator, TOTPGraceFrom: now.Add(-30 * day)}, p, true},  // ended
		{domain.Actor{Role: domain.RoleOperator, TOTPGraceFrom: now.Add(-90 * day)}, domain.TOTPPolicy{Grace: p.Grace, Endless: true}, false},
		{domain.Actor{Role: domain.RoleAdmin}, domain.TOTPPolicy{Grace: p.Grace, Endless: true}, true},            // the demo's admin enrols
		{domain.Actor{Role: domain.RoleService, TOTPGraceFrom: now.Add(-8 * day)}, domain.TOTPPolicy{}, false},    // defaults: 30 days
		{domain.Actor{Role: domain.RoleCoordinator, TOTPGraceFrom: now.Add(-8 * day)}, domain.TOTPPolicy{}, true}, // defaults: 7 days
	} {
		if got := c.p.Overdue(c.a, now); got != c.want {
			t.Errorf("%s enabled=%v from=%v endless=%v: %v, want %v", c.a.Role, c.a.TOTPEnabled, c.a.TOTPGraceFrom, c.p.Endless, got, c.want)
		}
	}
}
