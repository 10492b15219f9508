// Package jobs runs gesta's scheduled work: the daily confirmation reminders,
// the plans' acknowledgement reminders and escalations (checked every tick),
// the daily snapshots of every facility, the delivery of the e-mail outbox and
// the case tasks' reminders, the cleanup of expired sessions, the guest
// registry's retention (hourly). Each daily job records its run in the
// database, so it runs once per period across restarts and processes.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/notify"
)

// Mailer sends one message.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Store is what the jobs need of the database; internal/app gathers it from
// the store's services. Each method owns its transaction.
type Store interface {
	// Now is the database's clock (injectable in tests).
	Now() time.Time
	// TakeSnapshots records the day's snapshot of every facility, once a day.
	TakeSnapshots(ctx context.Context) (int, error)
	// SendReminders queues the daily confirmation reminders, once a day.
	SendReminders(ctx context.Context, baseURL string) (int, error)
	// PlanReminders reminds and escalates the plans' overdue acknowledgements.
	PlanReminders(ctx context.Context) (reminded, escalated int, err error)
	// DeleteExpiredSessions removes the sessions past their expiry.
	DeleteExpiredSessions(ctx context.Context) (int64, error)
	// DeleteLoginFailuresBefore forgets the sign-in failures older than t.
	DeleteLoginFailuresBefore(ctx context.Context, t time.Time) error
	// PendingMessages returns up to n messages of the outbox due now.
	PendingMessages(ctx context.Context, n int) ([]domain.OutboxMessage, error)
	// MarkSent records a message as sent.
	MarkSent(ctx context.Context, id string) error
	// MarkFailed records a failed attempt and schedules the next one.
	MarkFailed(ctx context.Context, m domain.OutboxMessage, cause error) error
}

// CaseReminders queues the reminders of case tasks falling due, once per
// task, and says how many it queued.
type CaseReminders interface {
	TaskReminders(ctx context.Context) (int, error)
}

// Retention erases what the guest registry keeps past its periods
// (idempotent: a run with nothing due changes nothing).
type Retention interface {
	Anonymise(ctx context.Context, p domain.GuestRetention) (domain.RetentionRun, error)
}

// MonthlyDrafts makes the month's draft publication on the 1st and reminds
// the coordinators by e-mail, once per month; it says how many it queued.
type MonthlyDrafts interface {
	MonthlyDraft(ctx context.Context, baseURL string) (int, error)
}

// CaseRetention applies the retention policy of case files (idempotent).
type CaseRetention interface {
	Retain(ctx context.Context, p domain.CaseRetention) (domain.RetentionResult, error)
}

// Scheduler owns the background loops.
type Scheduler struct {
	DB Store
	// Retention runs hourly with RetentionPeriods (nil: not run).
	Retention        Retention
	RetentionPeriods domain.GuestRetention
	lastRetention    time.Time
	// Cases reminds case workers of tasks falling due (nil: no case files).
	Cases CaseReminders
	// Idempotency forgets Idempotency-Key responses after 24 hours (nil: kept).
	Idempotency interface {
		PurgeIdempotencyKeys(ctx context.Context) (int64, error)
	}
	// Publications drafts the public site's month on the 1st (nil: no public site).
	Publications MonthlyDrafts
	Mailer       Mailer // nil: messages wait in the outbox
	BaseURL      string
	Logger       *slog.Logger
	// Tick is how often the daily jobs are checked (default one minute) and
	// Deliver how often the outbox is emptied (default ten seconds).
	Tick, Deliver time.Duration

	// CaseRetention anonymises case files past their period with this policy
	// (nil: not run; the zero policy: domain.DefaultCaseRetention).
	CaseRetention       CaseRetention
	CaseRetentionPolicy domain.CaseRetention
}

// Run loops until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	if s.Tick == 0 {
		s.Tick = time.Minute
	}
	if s.Deliver == 0 {
		s.Deliver = 10 * time.Second
	}
	ctx = domain.NewContextWithActor(ctx, domain.ActorSystem)
	tick, deliver := time.NewTicker(s.Tick), time.NewTicker(s.Deliver)
	defer tick.Stop()
	defer deliver.Stop()
	s.Daily(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.Daily(ctx)
		case <-deliver.C:
			s.DeliverOutbox(ctx)
		}
	}
}

// Daily runs the jobs whose period has come; each is a no-op when done.
func (s *Scheduler) Daily(ctx context.Context) {
	if n, err := s.DB.TakeSnapshots(ctx); err != nil && ctx.Err() == nil {
		s.Logger.Error("jobs: snapshots", "err", err)
	} else if n > 0 {
		s.Logger.Info("jobs: snapshots taken", "facilities", n)
	}
	if n, err := s.DB.SendReminders(ctx, s.BaseURL); err != nil && ctx.Err() == nil {
		s.Logger.Error("jobs: reminders", "err", err)
	} else if n > 0 {
		s.Logger.Info("jobs: reminders queued", "messages", n)
	}
	if n, m, err := s.DB.PlanReminders(ctx); err != nil && ctx.Err() == nil {
		s.Logger.Error("jobs: plan reminders", "err", err)
	} else if n+m > 0 {
		s.Logger.Info("jobs: plan acknowledgements reminded and escalated", "reminded", n, "escalated", m)
	}
	if s.Cases != nil {
		if n, err := s.Cases.TaskReminders(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Error("jobs: case task reminders", "err", err)
		} else if n > 0 {
			s.Logger.Info("jobs: case tasks reminded", "tasks", n)
		}
	}
	s.retention(ctx)
	if s.Idempotency != nil {
		if _, err := s.Idempotency.PurgeIdempotencyKeys(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Error("jobs: idempotency keys cleanup", "err", err)
		}
	}
	if s.Publications != nil {
		if n, err := s.Publications.MonthlyDraft(ctx, s.BaseURL); err != nil && ctx.Err() == nil {
			s.Logger.Error("jobs: monthly draft publication", "err", err)
		} else if n > 0 {
			s.Logger.Info("jobs: monthly draft made, coordinators reminded", "messages", n)
		}
	}
	if s.CaseRetention != nil {
		p := s.CaseRetentionPolicy
		if p == (domain.CaseRetention{}) {
			p = domain.DefaultCaseRetention
		}
		if r, err := s.CaseRetention.Retain(ctx, p); err != nil && ctx.Err() == nil {
			s.Logger.Error("jobs: case retention", "err", err)
		} else if r != (domain.RetentionResult{}) {
			s.Logger.Info("jobs: case retention", "cases", r.Cases, "reports", r.Reports, "documents", r.Documents, "accesses", r.Accesses)
		}
	}
	if _, err := s.DB.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
		s.Logger.Error("jobs: sessions cleanup", "err", err)
	}
	if err := s.DB.DeleteLoginFailuresBefore(ctx, s.DB.Now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
		s.Logger.Error("jobs: sign-in failures cleanup", "err", err)
	}
}

// retention runs the registry's retention at most hourly: the job is
// idempotent, so a second process or a restart only repeats a no-op.
func (s *Scheduler) retention(ctx context.Context) {
	if s.Retention == nil {
		return
	}
	now := s.DB.Now()
	if !s.lastRetention.IsZero() && now.Sub(s.lastRetention) < time.Hour {
		return
	}
	run, err := s.Retention.Anonymise(ctx, s.RetentionPeriods)
	if err != nil {
		if ctx.Err() == nil {
			s.Logger.Error("jobs: retention", "err", err)
		}
		return
	}
	s.lastRetention = now
	if run != (domain.RetentionRun{}) {
		// Counts only: never who was erased.
		s.Logger.Info("jobs: retention", "guests_anonymised", run.Anonymised, "vulnerabilities_deleted", run.Vulnerabilities,
			"access_rows_deleted", run.Accesses)
	}
}

// DeliverOutbox sends what is due; failures are retried with back-off. It
// returns how many were sent.
func (s *Scheduler) DeliverOutbox(ctx context.Context) int {
	if s.Mailer == nil {
		return 0
	}
	sent := 0
	for batch := 0; batch < 20; batch++ { // at most 1,000 a round; the next round takes the rest
		msgs, err := s.DB.PendingMessages(ctx, 50)
		if err != nil {
			s.Logger.Error("jobs: outbox", "err", err)
			return sent
		}
		sent += s.deliver(ctx, msgs)
		if len(msgs) < 50 {
			break
		}
	}
	return sent
}

func (s *Scheduler) deliver(ctx context.Context, msgs []domain.OutboxMessage) int {
	sent := 0
	for _, m := range msgs {
		// Rendered now, from the kind and its parameters; messages queued
		// before kinds had parameters carry their text. E-mails go out in
		// Italian, the offices' language.
		subject, body, err := m.Subject, m.Body, error(nil)
		if m.Params != nil {
			subject, body, err = notify.Render(notify.Languages[0], m.Kind, m.Params)
		}
		if err == nil {
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err = s.Mailer.Send(sctx, m.Recipient, subject, body)
			cancel()
		}
		if err != nil {
			// The recipient is not logged: the message id is enough to find it.
			s.Logger.Warn("jobs: mail not sent", "message", m.ID, "attempt", m.Attempts+1, "err", err)
			_ = s.DB.MarkFailed(ctx, m, err)
			continue
		}
		if err := s.DB.MarkSent(ctx, m.ID); err != nil {
			s.Logger.Error("jobs: outbox mark sent", "message", m.ID, "err", err)
			continue
		}
		sent++
	}
	return sent
}
