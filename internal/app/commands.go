package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/anchor"
	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/config"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
)

var dbOptions = []string{"db", "population", "log-level", "log-format"}

func (m *Main) migrate(ctx context.Context, args []string) error {
	c, _, err := m.parse(m.flags("migrate"), dbOptions, args)
	if err != nil {
		return err
	}
	db, _, err := m.openDB(ctx, c, m.logger(c))
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "database %s at schema version %d\n", db.Engine(), v)
	return nil
}

func (m *Main) demo(ctx context.Context, args []string) error {
	fs := m.flags("demo")
	scaleName := fs.String("scale", "region", "region (Emilia-Romagna) or nation (about 106 prefectures' worth, for benchmarks)")
	people := fs.Bool("people", true, "generate the hosted people and two years of stays (at the nation scale: over a million stays, minutes)")
	c, _, err := m.parse(fs, append(dbOptions, "env"), args)
	if err != nil {
		return err
	}
	scale, err := demo.ParseScale(*scaleName)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if c.Production() {
		return errors.New("demo data is never loaded in production (GESTA_ENV=production)")
	}
	db, _, err := m.openDB(ctx, c, m.logger(c))
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	seed, err := demo.LoadWith(ctx, db, scale, demo.Options{HistoryDays: 90, Population: *people})
	if err != nil {
		return err
	}
	guests, stays, closed, err := db.Stats.RegistryCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "demo data (%s) loaded in %v: %d managing entities, %d territorial services, %d users, "+
		"%d facilities, %d guests, %d stays (%d closed)\n",
		scale, time.Since(start).Round(time.Millisecond), len(seed.Gestori), len(seed.Services), len(seed.Users),
		len(seed.Facilities), guests, stays, closed)
	return nil
}

func (m *Main) user(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "add":
			return m.userAdd(ctx, args[1:])
		case "disable":
			return m.userDisable(ctx, args[1:])
		}
	}
	fmt.Fprintln(m.Stderr, "usage: gesta user add|disable [options]")
	return ErrUsage
}

func (m *Main) userAdd(ctx context.Context, args []string) error {
	fs := m.flags("user add")
	email := fs.String("email", "", "e-mail address (sign-in name)")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "", "admin, coordinator, prefecture, operator, service or viewer")
	office := fs.String("office", "", "sigla of the prefecture: BO for the coordinator; for a viewer, the province it reads (none: the region)")
	gestore := fs.String("gestore", "", "id of the managing entity (operator)")
	service := fs.String("service", "", "id of the territorial service (service)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	c, _, err := m.parse(fs, dbOptions, args)
	if err != nil {
		return err
	}
	if !*pwStdin {
		return fmt.Errorf("%w: --password-stdin is required (passwords never go on the command line)", ErrUsage)
	}
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("reading the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	db, _, err := m.openDB(ctx, c, m.logger(c))
	if err != nil {
		return err
	}
	defer db.Close()
	u := &domain.User{Email: domain.NormalizeEmail(*email), Name: *name, Role: domain.Role(*role),
		GestoreID: *gestore, ServiceID: *service}
	if *office != "" {
		o, err := db.Orgs.FindOfficeBySigla(ctx, *office)
		if err != nil {
			return err
		}
		u.OfficeID = o.ID
	}
	svc := &auth.Service{Store: db.Users, Params: auth.DefaultParams}
	if err := svc.CreateUser(ctx, u, password); err != nil {
		var e *domain.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			it := i18n.MustNew().For("it") // the command line speaks Italian, as the UI does by default
			for f, msg := range e.Fields {
				fmt.Fprintf(m.Stderr, "  %s: %s\n", f, it.Msg(msg.MsgID, msg.Args))
			}
		}
		return err
	}
	fmt.Fprintf(m.Stdout, "user %s created (%s)\n", u.Email, u.Role)
	return nil
}

// findUserID resolves an e-mail to the id of a user, enabled or not.
func findUserID(ctx context.Context, db *store.DB, email string) (string, error) {
	users, err := db.Users.ListUsers(ctx, domain.UserFilter{Query: domain.NormalizeEmail(email)})
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if u.Email == domain.NormalizeEmail(email) {
			return u.ID, nil
		}
	}
	return "", domain.Err(domain.ENOTFOUND, "err.user.not_found")
}

func (m *Main) userDisable(ctx context.Context, args []string) error {
	fs := m.flags("user disable")
	email := fs.String("email", "", "e-mail address of the user")
	c, _, err := m.parse(fs, dbOptions, args)
	if err != nil {
		return err
	}
	db, _, err := m.openDB(ctx, c, m.logger(c))
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := findUserID(ctx, db, *email)
	if err != nil {
		return err
	}
	if err := db.Users.SetDisabled(ctx, id, true); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "user %s disabled: sessions ended, tokens refused\n", domain.NormalizeEmail(*email))
	return nil
}

func (m *Main) token(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		fmt.Fprintln(m.Stderr, "usage: gesta token create|revoke --email E [--label L]")
		return ErrUsage
	}
	fs := m.flags("token " + args[0])
	email := fs.String("email", "", "e-mail address of the user")
	label := fs.String("label", "", "label of the token (create: default \"cli\"; revoke: all tokens when empty)")
	c, _, err := m.parse(fs, dbOptions, args[1:])
	if err != nil {
		return err
	}
	db, _, err := m.openDB(ctx, c, m.logger(c))
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := findUserID(ctx, db, *email)
	if err != nil {
		return err
	}
	svc := &auth.Service{Store: db.Users, Params: auth.DefaultParams}
	if args[0] == "revoke" {
		n, err := svc.RevokeTokens(ctx, id, *label)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%d token(s) revoked\n", n)
		return nil
	}
	if *label == "" {
		*label = "cli"
	}
	token, _, err := svc.CreateToken(ctx, id, *label)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "token %q created for %s; it is shown once, only its hash is stored:\n", *label, domain.NormalizeEmail(*email))
	fmt.Fprintln(m.Stdout, token)
	return nil
}

func (m *Main) audit(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(m.Stderr, "usage: gesta audit verify")
		return ErrUsage
	}
	fs := m.flags("audit verify")
	dir := fs.String("anchors", "", "directory of the signed anchors (default: --audit-anchors, or audit-anchors/ beside a SQLite file)")
	c, _, err := m.parse(fs, append([]string{"audit-key", "audit-anchors", "env"}, dbOptions...), args[1:])
	if err != nil {
		return err
	}
	if *dir == "" {
		*dir = c.AuditDir
	}
	if *dir == "" {
		*dir = anchor.DefaultDir(c.DB)
	}
	var anchors []domain.AuditAnchor
	if *dir != "" {
		key, err := anchor.Key(c.AuditKey, *dir, c.Production())
		if err != nil {
			return fmt.Errorf("%w: --audit-key: %v", ErrUsage, err)
		}
		if key != nil {
			l, err := anchor.Open(*dir, key)
			if err != nil {
				return err
			}
			if anchors, err = l.Read(); err != nil {
				fmt.Fprintf(m.Stdout, "audit anchors BROKEN: %v\n", err)
				return ErrAuditBroken
			}
		}
	}
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.Audit.VerifyAuditAnchors(ctx, anchors)
	if err != nil {
		return err
	}
	if !v.OK {
		fmt.Fprintf(m.Stdout, "audit chain BROKEN at row %d: %s (%d rows read)\n", v.BrokenSeq, v.Reason, v.Rows)
		return ErrAuditBroken
	}
	fmt.Fprintf(m.Stdout, "audit chain OK: %d rows, %d anchors\n", v.Rows, v.Anchors)
	return nil
}

// ErrAuditBroken is returned by `gesta audit verify` on a broken chain.
var ErrAuditBroken = errors.New("audit chain broken")

// stats rebuilds the materialised population figures (after a bulk load or
// a restore): `gesta stats rebuild [--days 730]`.
func (m *Main) stats(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "rebuild" {
		fmt.Fprintln(m.Stderr, "usage: gesta stats rebuild [--days N]")
		return ErrUsage
	}
	fs := m.flags("stats rebuild")
	days := fs.Int("days", 730, "days of history to materialise, up to yesterday")
	c, _, err := m.parse(fs, dbOptions, args[1:])
	if err != nil {
		return err
	}
	db, _, err := m.openDB(ctx, c, m.logger(c))
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Stats.BuildPopulationCache(ctx, db.Now().AddDate(0, 0, -*days)); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "population figures rebuilt for %d days in %v\n", *days, time.Since(start).Round(time.Millisecond))
	return nil
}

// backup takes a verified online copy of the database and its manifest:
// `gesta backup --to PATH` (docs/operations.md).
func (m *Main) backup(ctx context.Context, args []string) error {
	fs := m.flags("backup")
	to := fs.String("to", "", "file to write the copy to (must not exist); the manifest goes to PATH.manifest.json")
	c, _, err := m.parse(fs, dbOptions, args)
	if err != nil {
		return err
	}
	if *to == "" {
		return fmt.Errorf("%w: --to PATH is required", ErrUsage)
	}
	// No migration: a backup copies the database as it is.
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	man, err := db.Backup(ctx, *to)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backup of the %s database (schema %d) written to %s in %v: %d bytes, %d tables, audit head %d; verified: %s\n",
		man.Engine, man.SchemaVersion, *to, time.Since(start).Round(time.Millisecond), man.Bytes, len(man.Tables),
		man.AuditHead.Seq, strings.Join(man.Checks, ", "))
	fmt.Fprintf(m.Stdout, "manifest: %s (the encryption key is not in the backup: keep GESTA_SECRET_KEY apart)\n", store.ManifestPath(*to))
	if man.Tables["subject_keys"] > 0 {
		fmt.Fprintf(m.Stdout, "the copy holds per-subject keys: keep the audit anchors' directory (%s, the erasure ledger) "+
			"with the off-site copies; gesta restore needs its newest version\n", anchor.ErasuresFile)
	}
	return nil
}

// restore loads a backup into an empty database:
// `gesta restore --from PATH --db DSN`.
func (m *Main) restore(ctx context.Context, args []string) error {
	fs := m.flags("restore")
	from := fs.String("from", "", "backup file written by gesta backup (its manifest beside it)")
	without := fs.Bool("without-erasure-ledger", false, "restore a copy with per-subject keys although the erasure ledger "+
		"is missing: people erased since the copy become readable again (docs/operations.md)")
	c, _, err := m.parse(fs, append(dbOptions, "audit-key", "audit-anchors", "env"), args)
	if err != nil {
		return err
	}
	if *from == "" {
		return fmt.Errorf("%w: --from PATH is required", ErrUsage)
	}
	opts := store.RestoreOptions{WithoutLedger: *without}
	if !*without {
		l, err := restoreLedger(c)
		if err != nil {
			return err
		}
		if l != nil {
			opts.Ledger = l
		}
	}
	start := time.Now()
	man, rr, err := store.RestoreWith(ctx, *from, c.DB, opts)
	if errors.Is(err, store.ErrNoLedger) {
		return fmt.Errorf("%w: %v; give the audit anchors' directory (--audit-anchors, holding %s) and --audit-key, "+
			"or --without-erasure-ledger", ErrUsage, err, anchor.ErasuresFile)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backup of %s restored in %v: schema %d, %d tables, audit chain verified to row %d\n",
		man.CreatedAt.Format(time.RFC3339), time.Since(start).Round(time.Millisecond), man.SchemaVersion,
		len(man.Tables), man.AuditHead.Seq)
	switch {
	case opts.Ledger != nil:
		fmt.Fprintf(m.Stdout, "erasure ledger replayed: %d erased subjects, %d keys destroyed in the restored copy\n", rr.Erasures, rr.Shredded)
	case rr.NoLedger:
		fmt.Fprintln(m.Stdout, "no erasure ledger replayed: run the retention jobs before opening the service")
	}
	return nil
}

// restoreLedger opens the erasure ledger for a restore: the anchors'
// directory must be given (or be the default beside a SQLite file) and hold
// the ledger's file; no key or no file is no ledger (Restore then refuses a
// copy with subject keys).
func restoreLedger(c config.Config) (*anchor.Log, error) {
	dir := c.AuditDir
	if dir == "" {
		dir = anchor.DefaultDir(c.DB)
	}
	if dir == "" {
		return nil, nil
	}
	if _, err := os.Stat(filepath.Join(dir, anchor.ErasuresFile)); err != nil {
		return nil, nil
	}
	key, err := anchor.Key(c.AuditKey, dir, c.Production())
	if err != nil {
		return nil, fmt.Errorf("%w: --audit-key: %v", ErrUsage, err)
	}
	if key == nil {
		return nil, nil
	}
	return anchor.Open(dir, key)
}

// publish makes the publication of a reference date and publishes it:
// `gesta publish --date YYYY-MM-DD [--note TEXT]` (for a monthly timer). The
// publication's id is the last line of the output.
func (m *Main) publish(ctx context.Context, args []string) error {
	fs := m.flags("publish")
	date := fs.String("date", "", "reference date YYYY-MM-DD (default: the last day of the previous month)")
	note := fs.String("note", "", "why this version; required to correct a date already published")
	c, _, err := m.parse(fs, dbOptions, args)
	if err != nil {
		return err
	}
	db, _, err := m.openDB(ctx, c, m.logger(c))
	if err != nil {
		return err
	}
	defer db.Close()
	bundle, err := i18n.New()
	if err != nil {
		return err
	}
	// The service's errors are message ids: the operator reads them in Italian.
	say := func(err error) error {
		var e *domain.Error
		if errors.As(err, &e) {
			return fmt.Errorf("%s", bundle.For("it").Error(err))
		}
		return err
	}
	svc := db.Publications
	// A correction without a note would leave a draft behind: refuse it first.
	if *date == "" {
		*date = domain.DefaultReferenceDate(db.Now())
	}
	if *note == "" {
		if _, err := svc.FindPublished(ctx, *date); err == nil {
			return say(domain.Err(domain.EINVALID, "err.publication.correction_note"))
		}
	}
	p, err := svc.CreateDraft(ctx, *date, *note)
	if err != nil {
		return say(err)
	}
	if p, err = svc.Publish(ctx, p.ID, *note); err != nil {
		return say(err)
	}
	fmt.Fprintf(m.Stdout, "publication of %s (version %d) published\n", p.ReferenceDate, p.Version)
	fmt.Fprintln(m.Stdout, p.ID)
	return nil
}

// keyReseal moves the fields sealed with the master key before per-subject
// keys to their person's key (docs/adr/0011-per-subject-keys.md):
// `gesta key reseal --secret-key KEY`. Idempotent; run once after upgrading.
func (m *Main) keyReseal(ctx context.Context, args []string) error {
	c, _, err := m.parse(m.flags("key reseal"), append(dbOptions, "secret-key"), args)
	if err != nil {
		return err
	}
	db, err := m.casesDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	res, err := db.ResealSubjects(ctx)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(m.Stdout, "%d fields moved to their person's key in %v; %d left with the master key (no person, an erased person, or not opening)\n",
		res.Resealed, time.Since(start).Round(time.Millisecond), res.Skipped)
	return nil
}
