package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gesta-er/gesta/internal/anchor"
	"github.com/gesta-er/gesta/internal/api"
	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/config"
	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/events"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/jobs"
	"github.com/gesta-er/gesta/internal/mail"
	"github.com/gesta-er/gesta/internal/placement"
	"github.com/gesta-er/gesta/internal/report"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/territory"
	"github.com/gesta-er/gesta/internal/web"
)

var serveOptions = []string{"db", "addr", "base-url", "env", "demo", "population", "log-level", "log-format",
	"secret-key", "audit-key", "audit-anchors", "session-idle", "session-max", "confirm-deadline", "opendata-email", "smtp-addr",
	"smtp-from", "smtp-user", "smtp-password", "smtp-tls", "metrics-allow", "metrics-token",
	"trusted-proxies", "retention-guests", "retention-guest-accesses", "totp-grace",
	"retention-cases", "retention-case-reports", "retention-case-accesses"}

func (m *Main) serve(ctx context.Context, args []string) error {
	c, _, err := m.parse(m.flags("serve"), serveOptions, args)
	if err != nil {
		return err
	}
	log := m.logger(c)
	var keys *crypt.Keyring
	if c.SecretKey != "" {
		// Checked at start-up, so that a bad key is found now and not at the
		// first encrypted write.
		var err error
		if keys, err = crypt.Parse(c.SecretKey); err != nil {
			return fmt.Errorf("%w: --secret-key: %v", ErrUsage, err)
		}
	} else if c.Production() {
		log.Warn("no GESTA_SECRET_KEY: special-category data cannot be stored (create one with: gesta key new)")
	}
	start := time.Now()
	// Start-up writes (territory, demo data) are the system's, and audited as such.
	ctx = domain.NewContextWithActor(ctx, domain.ActorSystem)
	db, terr, err := m.openDB(ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if keys == nil {
		// Development on SQLite: the demo's own key, beside the file (devkey.go).
		if c.SecretKey, err = demoKey(ctx, c, db, log); err != nil {
			return err
		}
		if c.SecretKey != "" {
			if keys, err = crypt.Parse(c.SecretKey); err != nil {
				return err
			}
		}
	}
	db.Deadline.Hour, db.Deadline.Minute = c.Deadline()
	db.Keys = keys
	db.BaseURL = c.BaseURL

	if c.Demo {
		if err := loadDemoIfEmpty(ctx, db, log); err != nil {
			return err
		}
	}
	handler, err := m.handler(ctx, c, db, terr, log, keys)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	m.mu.Lock()
	m.addr = ln.Addr().String()
	m.mu.Unlock()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	sched := &jobs.Scheduler{DB: newJobStore(db), Cases: db.Cases, BaseURL: c.BaseURL, Logger: log,
		Retention: db.GuestRights, RetentionPeriods: domain.GuestRetention{Guests: c.RetentionGuests, Accesses: c.RetentionGuestAccesses},
		Idempotency: db.Idempotency, Publications: db.Publications}
	sched.CaseRetention = db.CaseSubjects // case files past their period, daily
	sched.CaseRetentionPolicy = caseRetention(c)
	if c.SMTPAddr != "" {
		mailer, err := mail.New(mail.Config{Addr: c.SMTPAddr, From: c.SMTPFrom, Username: c.SMTPUser,
			Password: c.SMTPPassword, TLS: c.SMTPTLS})
		if err != nil {
			return err
		}
		sched.Mailer = mailer
	} else {
		log.Warn("no SMTP server configured (--smtp-addr): e-mails wait in the outbox")
	}
	anchors, err := openAnchors(c, log)
	if err != nil {
		return err
	}
	if anchors != nil {
		// The erasure ledger lives beside the anchors, under their key: the
		// retention jobs append to it, gesta restore replays it (ADR 0011).
		// Erasures committed before a crash reach it now.
		db.Ledger = anchors
		if err := anchors.EnsureErasures(); err != nil {
			return err
		}
		if n, err := db.SyncErasureLedger(ctx, anchors); err != nil {
			log.Error("erasure ledger", "err", err)
		} else if n > 0 {
			log.Info("erasure ledger caught up", "erasures", n)
		}
	} else {
		log.Warn("no erasure ledger (it lives with the audit anchors): a restored older backup would not destroy the keys of subjects erased since")
	}
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); sched.Run(ctx) }()
	go db.Listen(ctx, log) // PostgreSQL: hear other processes' changes
	if anchors != nil {
		writeAnchor(ctx, db, anchors, "start", log)
		defer func() {
			// The stop anchor comes after the last job's audit rows: a job still
			// writing after it would leave a tail no anchor covers.
			select {
			case <-schedDone:
			case <-time.After(10 * time.Second):
				log.Warn("jobs still running at shutdown: the stop anchor may not cover their rows")
			}
			writeAnchor(context.WithoutCancel(ctx), db, anchors, "stop", log)
		}()
		go anchorHourly(ctx, db, anchors, log)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("ready", "addr", m.Addr(), "engine", db.Engine(), "startup_ms", time.Since(start).Milliseconds(),
		"version", version())
	m.printWelcome(ctx, c, db)
	close(m.ready)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log.Info("shutting down")
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openAnchors opens the audit anchors' log (nil, with a warning, when
// anchoring is off: no directory for a server database, or no key in
// production).
func openAnchors(c config.Config, log *slog.Logger) (*anchor.Log, error) {
	dir := c.AuditDir
	if dir == "" {
		dir = anchor.DefaultDir(c.DB)
	}
	if dir == "" {
		log.Warn("no --audit-anchors directory: the audit log is not anchored outside the database")
		return nil, nil
	}
	key, err := anchor.Key(c.AuditKey, dir, c.Production())
	if err != nil {
		return nil, fmt.Errorf("%w: --audit-key: %v", ErrUsage, err)
	}
	if key == nil {
		log.Warn("no GESTA_AUDIT_KEY: the audit log is not anchored outside the database (create one with: gesta key new)")
		return nil, nil
	}
	return anchor.Open(dir, key)
}

// writeAnchor appends the audit chain's head to the anchors; a failure is
// logged, not fatal: the log itself is still chained.
func writeAnchor(ctx context.Context, db *store.DB, l *anchor.Log, why string, log *slog.Logger) {
	head, err := db.Audit.AuditHead(ctx)
	if err == nil {
		head.Why = why
		err = l.Append(head)
	}
	if err != nil {
		log.Error("audit anchor not written", "why", why, "err", err)
	}
}

// anchorHourly anchors the head every hour until ctx ends.
func anchorHourly(ctx context.Context, db *store.DB, l *anchor.Log, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			writeAnchor(ctx, db, l, "hourly", log)
		}
	}
}

// loadDemoIfEmpty loads the region demo into a database without users.
func loadDemoIfEmpty(ctx context.Context, db *store.DB, log *slog.Logger) error {
	n, err := db.Users.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	start := time.Now()
	seed, err := demo.Load(ctx, db, demo.ScaleRegion)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	log.Info("demo data loaded", "gestori", len(seed.Gestori), "services", len(seed.Services),
		"users", len(seed.Users), "ms", time.Since(start).Milliseconds())
	return nil
}

func (m *Main) printWelcome(ctx context.Context, c config.Config, db *store.DB) {
	url := "http://" + m.Addr()
	fmt.Fprintf(m.Stdout, "gesta %s: listening on %s (database: %s)\n", version(), url, db.Engine())
	if label, _ := db.Territory.Meta(ctx, "demo"); label != "" && !c.Production() {
		fmt.Fprintf(m.Stdout, "Demo data (%s). Sign in at %s/login with password %s as one of:\n", label, url, demo.DemoPassword)
		provinces, _ := db.Territory.ListProvinces(ctx)
		for _, a := range demo.Accounts(provinces) {
			fmt.Fprintf(m.Stdout, "  %s\n", a)
		}
		fmt.Fprintln(m.Stdout, "(admin@gesta.example is asked to set up two-step verification at the first sign-in)")
		return
	}
	if n, _ := db.Users.CountUsers(ctx); n == 0 {
		fmt.Fprintf(m.Stdout, "No users yet. Create the first one:\n  gesta user add --db %s --email EMAIL --name NAME --role admin --password-stdin\n",
			c.DB)
		return
	}
	fmt.Fprintf(m.Stdout, "Sign in at %s/login\n", url)
}

// handler builds the whole HTTP handler: web pages, API, health and metrics.
func (m *Main) handler(ctx context.Context, c config.Config, db *store.DB, t *territory.Data, log *slog.Logger, keys *crypt.Keyring) (http.Handler, error) {
	bundle, err := i18n.New()
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, pool := range db.Pools() {
		reg.MustRegister(collectors.NewDBStatsCollector(pool, "gesta_"+name))
	}
	metrics := web.NewMetrics(reg)

	sessions := web.NewSessionManager(&store.SessionStore{DB: db}, c.SessionIdle, c.SessionMax, strings.HasPrefix(c.BaseURL, "https://"))

	users := &auth.Service{Store: db.Users, Params: auth.DefaultParams, Keys: keys, Log: log, DeviceKey: auth.DeviceKeyFrom(c.SecretKey),
		Recovery: db.RecoveryCodes}
	placements := &placement.Service{Store: db.Plans}
	pubs, cases := db.Publications, db.Cases
	w := &web.Server{
		Territory: db.Territory, Orgs: db.Orgs, Users: users, Audit: db.Audit, Store: db.Audit, ResetTOTP: db.Users.ResetTOTP, Sessions: sessions,
		Facilities: db.Facilities, History: db.Facilities.FacilityHistory, FreeSeries: db.Facilities.FreeSeries, Guests: db.Guests, Presence: db.Presence, Dashboard: db.Stats.Dashboard,
		Plans: db.Plans, Placement: placements, Publications: pubs, PublicURL: c.BaseURL, OpenDataEmail: c.OpenDataEmail,
		SAI: db.SAI, Cases: cases, I18n: bundle, Logger: log, Version: version(), PopulationSource: t.PopulationSource,
		TrustedProxies: c.TrustedProxies, GuestExport: db.GuestRights.Export,
		TOTP: domain.TOTPPolicy{Grace: map[domain.Role]time.Duration{}}, CaseIdle: 15 * time.Minute, Clock: db.Now,
	}
	// Complex cases, continued: documents, network tables, the dashboard, the export.
	w.Documents, w.Tables = db.CaseDocuments, db.CaseTables
	w.CaseDashboards, w.Subjects = db.CaseDashboards, db.CaseSubjects
	for role, d := range c.TOTPGrace {
		w.TOTP.Grace[domain.Role(role)] = d
	}
	if label, _ := db.Territory.Meta(ctx, "demo"); label != "" && !c.Production() {
		provinces, err := db.Territory.ListProvinces(ctx)
		if err != nil {
			return nil, err
		}
		w.DemoAccounts, w.DemoPassword = demo.Accounts(provinces), demo.DemoPassword
		// The demo's accounts sign in with the password alone: their grace
		// periods never end outside production (the admin's is 0: it enrols).
		w.TOTP.Endless = true
		if w.OpenDataEmail == "" {
			w.OpenDataEmail = "dati-aperti@gesta.example" // demo data only: production sets --opendata-email
		}
	}
	if err := w.Init(); err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	w.Register(mux)
	broker := &events.Broker{}
	db.OnChange = broker.Publish
	a := &api.Server{Territory: db.Territory, Users: users, Audit: db.Audit, Facilities: db.Facilities, Guests: db.Guests, Population: db.Stats.Population, Dashboard: db.Stats.Dashboard,
		Plans: db.Plans, Placement: placements, Publications: pubs, Cases: cases, Events: broker, Logger: log,
		Version: version(), Boundaries: territory.Boundaries, RequestID: web.RequestID,
		SetActorLabel: web.SetActorLabelCtx, Streaming: web.StreamingCtx, SessionActor: w.ActorFromSession,
		Idempotency: store.NewIdempotencyService(db)}
	a.Documents, a.Tables, a.CaseDashboards, a.Subjects = db.CaseDocuments, db.CaseTables, db.CaseDashboards, db.CaseSubjects
	a.TableMinutes, a.SubjectPDF = report.WriteTableMinutes, report.WriteSubjectExport
	a.Register(mux)
	mux.HandleFunc("GET /healthz", healthz(db))
	mux.Handle("GET /metrics", web.MetricsGuard(c.MetricsAllow, c.MetricsToken, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		log.Warn("csrf: cross-origin request refused", "request_id", web.RequestID(r.Context()))
		http.Error(rw, "cross-origin request refused", http.StatusForbidden)
	}))
	panicPage := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Error(rw, "internal error, request "+web.RequestID(r.Context()), http.StatusInternalServerError)
	})
	return web.Middleware(csrf.Handler(web.RecordPattern(mux)), log, metrics, panicPage), nil
}

// healthz answers 200 {"status":"ok"} once the database answers, else 503.
func healthz(db *store.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := db.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "unavailable"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	}
}
