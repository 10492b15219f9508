package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/report"
)

// guests runs `gesta guests export --id ID [--format json|pdf] [--out FILE]`:
// a guest's subject-access export (GDPR art. 15), logged as a read by "cli".
func (m *Main) guests(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprintln(m.Stderr, "usage: gesta guests export --id ID [--format json|pdf] [--out FILE]")
		return ErrUsage
	}
	fs := m.flags("guests export")
	id := fs.String("id", "", "the guest's id")
	format := fs.String("format", "json", "json or pdf")
	out := fs.String("out", "", "file to write (default: standard output)")
	c, _, err := m.parse(fs, append([]string{"secret-key"}, dbOptions...), args[1:])
	if err != nil {
		return err
	}
	if *id == "" || (*format != "json" && *format != "pdf") {
		return fmt.Errorf("%w: --id is required; --format is json or pdf", ErrUsage)
	}
	db, _, err := m.openDB(ctx, c, m.logger(c))
	if err != nil {
		return err
	}
	defer db.Close()
	if c.SecretKey != "" { // vulnerabilities are sealed: without the key they cannot be exported
		if db.Keys, err = crypt.Parse(c.SecretKey); err != nil {
			return fmt.Errorf("%w: --secret-key: %v", ErrUsage, err)
		}
	}
	exp, err := db.GuestRights.Export(ctx, *id)
	if err != nil {
		return err
	}
	var w io.Writer = m.Stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // personal data: never overwrite, owner only
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if *format == "pdf" {
		return report.WriteGuestExport(w, exp)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(exp)
}
