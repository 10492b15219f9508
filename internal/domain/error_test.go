package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
)

func TestErrorCodeAndMessage(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
	}{
		{"Nil", nil, "", ""},
		{"Plain", errors.New("disk on fire at /var/lib"), domain.EINTERNAL, "Errore interno."},
		{"Coded", domain.Errorf(domain.ENOTFOUND, "Provincia %s non trovata.", "999"), domain.ENOTFOUND, "Provincia 999 non trovata."},
		{"Wrapped", fmt.Errorf("store: x: %w", domain.Errorf(domain.ECONFLICT, "Già presente.")), domain.ECONFLICT, "Già presente."},
		{"InternalHidesDetail", &domain.Error{Code: domain.EINTERNAL, Message: "SELECT * FROM users"}, domain.EINTERNAL, "Errore interno."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("code = %q, want %q", got, tt.wantCode)
			}
			if got := domain.ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("message = %q, want %q", got, tt.wantMsg)
			}
		})
	}
}
