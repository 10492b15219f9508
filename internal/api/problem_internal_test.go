package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
)

// TestDatabaseFaultsAnswerGenerically is R6's answer: the store's busy and
// unavailable faults become 409 and 503 with the generic message and the
// request id; the cause (SQL, file paths) stays in the log.
func TestDatabaseFaultsAnswerGenerically(t *testing.T) {
	s := &Server{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RequestID: func(context.Context) string { return "rid-42" }}
	s.I18n = i18n.MustNew()
	cause := errors.New(`store: batch insert into holds: disk I/O error (/var/lib/gesta/gesta.db) SELECT * FROM facilities`)
	for _, c := range []struct {
		err    error
		status int
	}{
		{&domain.Error{Code: domain.EUNAVAILABLE, MsgID: "err.db.unavailable", Err: cause}, 503},
		{&domain.Error{Code: domain.ECONFLICT, MsgID: "err.db.busy", Err: cause}, 409},
	} {
		p, ok := s.problem(context.Background(), c.err).(*Problem)
		if !ok || p.Status != c.status || !strings.Contains(p.Detail, "rid-42") {
			t.Fatalf("%v: %+v", c.err, p)
		}
		for _, leak := range []string{"disk I/O", "/var/lib", "SELECT", "store:"} {
			if strings.Contains(p.Detail, leak) {
				t.Errorf("%d answer shows %q: %s", c.status, leak, p.Detail)
			}
		}
	}
}
