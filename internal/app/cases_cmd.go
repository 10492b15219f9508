package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gesta-er/gesta/internal/config"
	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/report"
	"github.com/gesta-er/gesta/internal/store"
)

// cases runs the complex cases' commands: the subject-access export and the
// retention job (which the server also runs daily with the defaults).
func (m *Main) cases(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(m.Stderr, "usage: gesta cases export --guest ID [--format json|pdf] [--out FILE]\n       gesta cases retention [--case-days N] [--report-days N] [--access-days N]")
		return ErrUsage
	}
	switch args[0] {
	case "export":
		return m.casesExport(ctx, args[1:])
	case "retention":
		return m.casesRetention(ctx, args[1:])
	}
	return fmt.Errorf("%w: unknown cases command %q", ErrUsage, args[0])
}

// casesDB opens the database with the encryption key: the case texts are
// sealed and cannot be read without it.
func (m *Main) casesDB(ctx context.Context, c config.Config) (*store.DB, error) {
	if path := demoKeyPath(c); path != "" {
		if b, err := os.ReadFile(path); err == nil {
			c.SecretKey = string(b) // a development database's demo key (devkey.go)
		}
	}
	if c.SecretKey == "" {
		return nil, fmt.Errorf("%w: --secret-key (or GESTA_SECRET_KEY) is needed to read case files", ErrUsage)
	}
	keys, err := crypt.Parse(c.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("%w: --secret-key: %v", ErrUsage, err)
	}
	db, _, err := m.openDB(ctx, c, m.logger(c))
	if err != nil {
		return nil, err
	}
	db.Keys = keys
	return db, nil
}

func (m *Main) casesExport(ctx context.Context, args []string) error {
	fs := m.flags("cases export")
	guest := fs.String("guest", "", "the guest's id")
	id := fs.String("id", "", "the same as --guest")
	format := fs.String("format", "json", "json or pdf")
	out := fs.String("out", "", "file to write (default: standard output)")
	c, _, err := m.parse(fs, append(dbOptions, "secret-key", "env"), args)
	if err != nil {
		return err
	}
	if *guest == "" {
		*guest = *id
	}
	if *guest == "" || (*format != "json" && *format != "pdf") {
		return fmt.Errorf("%w: --guest ID and --format json|pdf", ErrUsage)
	}
	db, err := m.casesDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	x, err := store.NewCaseSubjectService(db).SubjectExport(ctx, *guest)
	if err != nil {
		return cliError(err)
	}
	var w io.Writer = m.Stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if *format == "pdf" {
		it := mustBundle().For("it")
		return report.WriteSubjectExport(w, x, func(kind, code string) string { return subjectLabel(it, kind, code) })
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(x)
}

// subjectLabel names a code for the person reading the export.
func subjectLabel(l *i18n.Localizer, kind, code string) string {
	if code == "" {
		return "—"
	}
	prefix := map[string]string{"category": "case.category.", "status": "case.status.", "purpose": "case.purpose.",
		"role": "role.", "measure": "case.measure.", "section": "case.section.", "vulnerability": "vuln.",
		"referral": "referral.status.", "report": "report.status."}[kind]
	return l.T(prefix + code)
}

func (m *Main) casesRetention(ctx context.Context, args []string) error {
	fs := m.flags("cases retention")
	caseDays := fs.Int("case-days", 0, "days a closed case keeps its content (default: --retention-cases)")
	reportDays := fs.Int("report-days", 0, "days an archived report keeps its text (default: --retention-case-reports)")
	accessDays := fs.Int("access-days", 0, "days the access log is kept (default: --retention-case-accesses)")
	c, _, err := m.parse(fs, append(dbOptions, "secret-key", "audit-key", "audit-anchors", "env", "retention-cases", "retention-case-reports",
		"retention-case-accesses"), args)
	if err != nil {
		return err
	}
	p := caseRetention(c)
	day := 24 * time.Hour
	for _, o := range []struct {
		days int
		to   *time.Duration
	}{{*caseDays, &p.ClosedCase}, {*reportDays, &p.ArchivedReport}, {*accessDays, &p.AccessLog}} {
		if o.days < 0 {
			return fmt.Errorf("%w: a retention period is a positive number of days", ErrUsage)
		}
		if o.days > 0 {
			*o.to = time.Duration(o.days) * day
		}
	}
	db, err := m.casesDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	// Subjects erased for good are written to the erasure ledger (ADR 0011).
	ledger, err := openAnchors(c, m.logger(c))
	if err != nil {
		return err
	}
	if ledger != nil {
		db.Ledger = ledger
	}
	res, err := store.NewCaseSubjectService(db).Retain(ctx, p)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(m.Stdout, "cases anonymised %d, archived reports erased %d, documents deleted %d, access rows deleted %d\n",
		res.Cases, res.Reports, res.Documents, res.Accesses)
	return nil
}

// caseRetention is the case files' retention policy of the configuration
// (--retention-cases, --retention-case-reports, --retention-case-accesses),
// the defaults of domain.DefaultCaseRetention for a period left unset.
func caseRetention(c config.Config) domain.CaseRetention {
	p := domain.DefaultCaseRetention
	for _, o := range []struct{ from, to *time.Duration }{{&c.RetentionCases, &p.ClosedCase},
		{&c.RetentionCaseReports, &p.ArchivedReport}, {&c.RetentionCaseAccesses, &p.AccessLog}} {
		if *o.from > 0 {
			*o.to = *o.from
		}
	}
	return p
}

func mustBundle() *i18n.Bundle {
	b, err := i18n.New()
	if err != nil {
		panic(err)
	}
	return b
}

// cliError shows a domain error's message in Italian.
func cliError(err error) error {
	var e *domain.Error
	if errors.As(err, &e) {
		return fmt.Errorf("%s", mustBundle().For("it").Error(err))
	}
	return err
}
