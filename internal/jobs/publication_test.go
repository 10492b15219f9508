package jobs_test

import (
	"io"
	"log/slog"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/jobs"
	"github.com/gesta-er/gesta/internal/mail"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestMonthlyDraftThroughSMTP: on the 1st the scheduler makes the previous
// month's draft (not public) and e-mails the coordinators a link to its
// preview, once per month, through a real SMTP server.
func TestMonthlyDraftThroughSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{}); err != nil {
			t.Fatal(err)
		}
		be, addr := startSMTP(t)
		sender, err := mail.New(mail.Config{Addr: addr, From: "gesta@prefettura.example", TLS: "none"})
		if err != nil {
			t.Fatal(err)
		}
		pubs := store.NewPublicationService(db)
		s := &jobs.Scheduler{DB: storeOf(db), Publications: pubs, Mailer: sender, BaseURL: "https://gesta.example",
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		s.DeliverOutbox(ctx) // whatever the demo queued
		be.mu.Lock()
		be.msgs = nil
		be.mu.Unlock()

		now = time.Date(2026, 12, 1, 5, 30, 0, 0, time.UTC) // 06:30 on the 1st, Italian time
		s.Daily(ctx)
		all, err := pubs.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var draft domain.Publication
		for _, p := range all {
			if p.ReferenceDate == "2026-11-30" {
				draft = p
			}
		}
		if draft.ID == "" || draft.Status != domain.PubDraft {
			t.Fatalf("no draft of 2026-11-30: %+v", all)
		}
		if _, err := pubs.FindPublished(ctx, "2026-11-30"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("the job's draft is public: %v", err)
		}
		if n := s.DeliverOutbox(ctx); n == 0 {
			t.Fatal("no reminder delivered")
		}
		be.mu.Lock()
		msgs := append([]received(nil), be.msgs...)
		be.mu.Unlock()
		drafts := 0
		for _, m := range msgs {
			body := decodeQP(m.data)
			if !strings.Contains(body, "bozza della pubblicazione") {
				continue // the day's other reminders
			}
			drafts++
			if !strings.HasPrefix(m.to[0], "coordinamento") || !strings.Contains(body, "https://gesta.example/pubblicazioni/"+draft.ID) ||
				!strings.Contains(body, "30/11/2026") {
				t.Errorf("reminder to %v:\n%.500s", m.to, body)
			}
		}
		if drafts == 0 {
			t.Fatal("no coordinator was reminded of the draft")
		}
		// Once per month: later runs make nothing.
		now = now.Add(48 * time.Hour)
		be.mu.Lock()
		be.msgs = nil
		be.mu.Unlock()
		s.Daily(ctx)
		s.DeliverOutbox(ctx)
		be.mu.Lock()
		for _, m := range be.msgs {
			if strings.Contains(decodeQP(m.data), "bozza della pubblicazione") {
				t.Errorf("a second run reminded %v again", m.to)
			}
		}
		be.mu.Unlock()
		if again, _ := pubs.List(ctx); len(again) != len(all) {
			t.Errorf("a second run made a draft: %d publications, then %d", len(all), len(again))
		}
	})
}

// decodeQP decodes a quoted-printable message (soft breaks split long URLs).
func decodeQP(s string) string {
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(s)))
	if err != nil {
		return s
	}
	return string(b)
}
