package jobs_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/jobs"
	"github.com/gesta-er/gesta/internal/mail"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// smtpServer is a real SMTP server on loopback that keeps what it receives;
// reject, while set, refuses every recipient.
type smtpServer struct {
	mu     sync.Mutex
	msgs   []received
	reject bool
}

type received struct {
	from string
	to   []string
	data string
}

type session struct {
	srv *smtpServer
	cur received
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.reject {
		return &smtp.SMTPError{Code: 550, Message: "mailbox unavailable"}
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = string(b)
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func startSMTP(t *testing.T) (*smtpServer, string) {
	t.Helper()
	be := &smtpServer{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return be, ln.Addr().String()
}

func TestRemindersThroughSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		// Load the demo at 09:00 on a day; its stale facilities were confirmed days before.
		now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC) // 09:00 in Italy
		db.SetClock(func() time.Time { return now })
		if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{HistoryDays: 90}); err != nil {
			t.Fatal(err)
		}
		be, addr := startSMTP(t)
		sender, err := mail.New(mail.Config{Addr: addr, From: "gesta@prefettura.example", TLS: "none"})
		if err != nil {
			t.Fatal(err)
		}
		s := &jobs.Scheduler{DB: storeOf(db), Mailer: sender, BaseURL: "https://gesta.example", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

		// 11:00 Italian time: past the 10:00 deadline; facilities confirmed
		// at 07:00–09:00 today are fine, those of two days ago are late.
		now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		s.Daily(ctx)
		late, _ := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{OnlyStale: true})
		if len(late) == 0 {
			t.Fatal("no late facility in the demo")
		}
		if n := s.DeliverOutbox(ctx); n == 0 {
			t.Fatal("nothing delivered")
		}
		be.mu.Lock()
		msgs := append([]received(nil), be.msgs...)
		be.mu.Unlock()
		// Every late facility is named in a message to its managing entity's operator(s).
		all := ""
		for _, m := range msgs {
			if m.from != "gesta@prefettura.example" || len(m.to) != 1 {
				t.Errorf("envelope %q → %v", m.from, m.to)
			}
			all += m.data
		}
		for _, f := range late {
			if !strings.Contains(all, f.Code) {
				t.Errorf("late facility %s not in any reminder", f.Code)
			}
		}
		if !strings.Contains(all, "https://gesta.example/disponibilita") || !strings.Contains(all, "Subject: Gest.A:") {
			t.Errorf("reminder lacks the link or subject:\n%.600s", msgs[0].data)
		}
		opMail := false
		for _, m := range msgs {
			opMail = opMail || strings.HasPrefix(m.to[0], "operatore.")
		}
		if !opMail {
			t.Error("no reminder reached an operator's address")
		}

		// Once per deadline: running again queues nothing.
		s.Daily(ctx)
		if n := s.DeliverOutbox(ctx); n != 0 {
			t.Fatalf("second run delivered %d", n)
		}
		// Snapshots were taken once today.
		if n, _ := db.Facilities.TakeSnapshots(ctx); n != 0 {
			t.Fatalf("second snapshot of the day wrote %d rows", n)
		}
		series, err := db.Facilities.FreeSeries(ctx, 90)
		if err != nil || len(series) != 9 {
			t.Fatalf("free series: %d provinces, %v", len(series), err)
		}
	})
}

func TestFailedDeliveryIsRetried(t *testing.T) {
	dsn, _ := storetest.DSN(t, "sqlite")
	db := storetest.Open(t, dsn)
	ctx := storetest.Ctx()
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{HistoryDays: 90}); err != nil {
		t.Fatal(err)
	}
	be, addr := startSMTP(t)
	sender, _ := mail.New(mail.Config{Addr: addr, From: "gesta@prefettura.example", TLS: "none"})
	s := &jobs.Scheduler{DB: storeOf(db), Mailer: sender, BaseURL: "https://gesta.example", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	be.reject = true
	s.Daily(ctx)
	if n := s.DeliverOutbox(ctx); n != 0 {
		t.Fatalf("delivered %d while the server refuses", n)
	}
	pending, _ := db.Outbox.PendingMessages(ctx, 1000)
	if len(pending) != 0 {
		t.Fatalf("failed messages due again at once: %d (want back-off)", len(pending))
	}
	be.mu.Lock()
	be.reject = false
	be.mu.Unlock()
	now = now.Add(2 * time.Minute)
	if n := s.DeliverOutbox(ctx); n == 0 {
		t.Fatal("retry delivered nothing")
	}
}

func TestMailConfig(t *testing.T) {
	if _, err := mail.New(mail.Config{Addr: "nohost", From: "a@b"}); err == nil {
		t.Error("address without port accepted")
	}
	if _, err := mail.New(mail.Config{Addr: "h:25"}); err == nil {
		t.Error("no sender accepted")
	}
	s, _ := mail.New(mail.Config{Addr: "127.0.0.1:1", From: "a@b.example", TLS: "none"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.Send(ctx, "x@y.example", "s", "b"); err == nil {
		t.Error("sending to a closed port succeeded")
	}
}

// storeOf gathers what the jobs need from the store's services, as
// internal/app wires it.
func storeOf(db *store.DB) jobs.Store {
	return struct {
		*store.DB
		*store.FacilityService
		*store.PlanService
		*store.UserService
		*store.OutboxService
	}{db, db.Facilities, db.Plans, db.Users, db.Outbox}
}

// TestRetentionJob: the scheduler's hourly retention, with the injected clock
// six years on, anonymises every demo guest without an open stay or open case
// and no one else, keeps the statistics' columns as they were, and an hour
// later changes nothing (idempotent).
func TestRetentionJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		spec, _ := crypt.NewKey("t1")
		db.Keys, _ = crypt.Parse(spec)
		if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{HistoryDays: 3}); err != nil {
			t.Fatal(err)
		}
		// Guests: two who left on the day, one still present.
		facilities, err := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{})
		if err != nil || len(facilities) == 0 {
			t.Fatal("no demo facility", err)
		}
		for i, name := range []string{"Partita", "Uscito", "Presente"} {
			g := &domain.Guest{Surname: name, GivenName: "Prova", Sex: domain.SexFemale, Nationality: "ERI",
				BirthDate: time.Date(1990, 5, 5, 0, 0, 0, 0, time.UTC), Stage: domain.StageC3Lodged}
			if err := db.Guests.CreateGuest(ctx, g, nil); err != nil {
				t.Fatal(err)
			}
			st, err := db.Guests.RecordEntry(ctx, g.ID, facilities[0].Code, now.Add(-48*time.Hour), "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Guests.FindGuest(ctx, g.ID); err != nil { // an access row, to expire
				t.Fatal(err)
			}
			if i < 2 {
				if err := db.Guests.RecordExit(ctx, st.ID, now.Add(-time.Hour), domain.ExitReasons[0]); err != nil {
					t.Fatal(err)
				}
			}
		}
		var pool *sql.DB
		for _, p := range db.Pools() {
			pool = p
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := pool.QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		const due = `SELECT COUNT(*) FROM guests g WHERE NOT EXISTS (SELECT 1 FROM stays s WHERE s.guest_id = g.id AND s.exited_at IS NULL)
			AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.guest_id = g.id AND c.closed_at IS NULL)`
		const stats = `SELECT COUNT(*) + SUM(CASE WHEN sex = 'F' THEN 1 ELSE 0 END) * 1000 + COUNT(DISTINCT nationality) * 1000000 FROM guests`
		wantAnon, statsBefore, staysBefore := count(due), count(stats), count(`SELECT COUNT(*) FROM stays`)
		if wantAnon == 0 || wantAnon == count(`SELECT COUNT(*) FROM guests`) {
			t.Fatalf("demo: %d guests due of %d; the test needs some due and some present", wantAnon, count(`SELECT COUNT(*) FROM guests`))
		}
		s := &jobs.Scheduler{DB: storeOf(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Retention: store.NewGuestRightsService(db), RetentionPeriods: domain.DefaultGuestRetention}
		s.Daily(ctx)
		if n := count(`SELECT COUNT(*) FROM guests WHERE anonymised_at IS NOT NULL`); n != 0 {
			t.Fatalf("%d guests anonymised before their period", n)
		}
		now = now.AddDate(6, 0, 0)
		s.Daily(ctx)
		anon := count(`SELECT COUNT(*) FROM guests WHERE anonymised_at IS NOT NULL AND surname = '' AND given_name = '' AND cui IS NULL`)
		if anon != wantAnon {
			t.Fatalf("anonymised %d, want %d", anon, wantAnon)
		}
		if count(stats) != statsBefore || count(`SELECT COUNT(*) FROM stays`) != staysBefore {
			t.Errorf("the statistics' columns changed")
		}
		if n := count(`SELECT COUNT(*) FROM guest_accesses`); n != 0 {
			t.Errorf("%d access rows older than their period remain", n)
		}
		const guestAudit = `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'guest.%'`
		audit := count(guestAudit)
		now = now.Add(time.Hour)
		s.Daily(ctx)
		if count(guestAudit) != audit || count(`SELECT COUNT(*) FROM guests WHERE anonymised_at IS NOT NULL`) != wantAnon {
			t.Errorf("the second run changed something")
		}
	})
}
