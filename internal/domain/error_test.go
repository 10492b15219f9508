package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
)

func TestErrorCodeAndSafeError(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantCode  string
		wantMsgID string
	}{
		{"Nil", nil, "", ""},
		{"Plain", errors.New("disk on fire at /var/lib"), domain.EINTERNAL, domain.MsgInternal},
		{"Coded", domain.Err(domain.ENOTFOUND, "err.province.not_found", "Province", "999"), domain.ENOTFOUND, "err.province.not_found"},
		{"Wrapped", fmt.Errorf("store: x: %w", domain.Err(domain.ECONFLICT, "err.user.email_taken")), domain.ECONFLICT, "err.user.email_taken"},
		{"InternalHidesDetail", &domain.Error{Code: domain.EINTERNAL, MsgID: "err.select", Err: errors.New("SELECT * FROM users")}, domain.EINTERNAL, domain.MsgInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("code = %q, want %q", got, tt.wantCode)
			}
			e := domain.SafeError(tt.err)
			if tt.wantMsgID == "" {
				if e != nil {
					t.Errorf("SafeError(nil) = %v", e)
				}
				return
			}
			if e == nil || e.MsgID != tt.wantMsgID {
				t.Errorf("message id = %v, want %q", e, tt.wantMsgID)
			}
			if e.MsgID == domain.MsgInternal && (len(e.Args) > 0 || e.Err != nil) {
				t.Errorf("internal error leaks detail: %v", e)
			}
		})
	}
}

// Error() is for logs: the code, the id and the arguments, no words.
func TestErrorString(t *testing.T) {
	err := domain.Err(domain.EINVALID, "err.plan.share_sum", "Want", 10, "Got", 9).WithFields(
		map[string]domain.FieldError{"b": domain.Field("err.field.name_required"), "a": domain.Field("err.province.unknown", "Province", "999")})
	want := "invalid: err.plan.share_sum{Got=9 Want=10} fields[a=err.province.unknown{Province=999} b=err.field.name_required]"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q\nwant      %q", got, want)
	}
	wrapped := &domain.Error{Code: domain.EINTERNAL, MsgID: domain.MsgInternal, Err: errors.New("boom")}
	if got := wrapped.Error(); !strings.HasSuffix(got, ": boom") {
		t.Errorf("wrapped Error() = %q", got)
	}
}
