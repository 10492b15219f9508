// Package config holds gesta's options in one table: each has a flag, an
// environment variable, a default, and secrets also a _FILE variant (the
// variable names a file holding the value, as Docker and systemd credentials do).
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Config is the resolved configuration.
type Config struct {
	DB          string        // sqlite:PATH or postgres://…
	Addr        string        // listen address
	BaseURL     string        // public URL, for links in e-mails; https:// turns on Secure cookies
	Env         string        // "development" or "production"
	Demo        bool          // load demo data into an empty database
	Population  string        // optional ANPR CSV replacing the embedded residents
	LogLevel    string        // debug, info, warn, error
	LogFormat   string        // text or json
	SecretKey   string        // encryption key for special-category data (later issues)
	AuditKey    string        // HMAC key signing the audit chain's anchors (base64, ≥ 32 bytes)
	AuditDir    string        // directory of the anchors (default: audit-anchors/ beside a SQLite file)
	SessionIdle time.Duration // idle timeout of web sessions
	SessionMax  time.Duration // absolute lifetime of web sessions

	ConfirmDeadline string // daily HH:MM (Italian time) by which operators confirm availability
	SMTPAddr        string // host:port; empty: e-mails wait in the outbox
	SMTPFrom        string
	SMTPUser        string
	SMTPPassword    string
	SMTPTLS         string // starttls, opportunistic or none

	// Who may read /metrics: clients from these networks (default loopback),
	// or anyone presenting MetricsToken as a bearer token.
	MetricsAllow  []netip.Prefix
	MetricsToken  string
	OpenDataEmail string // contact point of the open-data catalogue (DCAT-AP_IT)

	// TrustedProxies are the reverse proxies (CIDRs) whose Forwarded or
	// X-Forwarded-For headers name the client; from anyone else those headers
	// are ignored. Empty: the TCP peer is the client.
	TrustedProxies []netip.Prefix

	// Retention of the guest registry (docs/security.md, R13): a guest's
	// identity after their last stay; the log of reads of guests.
	RetentionGuests, RetentionGuestAccesses time.Duration

	// Retention of complex cases (docs/cases.md, Retention): a closed case's
	// content after closing; a report closed at triage without a case; the
	// cases' access log.
	RetentionCases, RetentionCaseReports, RetentionCaseAccesses time.Duration

	// TOTPGrace is how long each role may work without a second factor
	// after its first sign-in (role → period; a role absent or 0 must enrol
	// at once). Viewers need none.
	TOTPGrace map[string]time.Duration
}

// Deadline parses ConfirmDeadline.
func (c Config) Deadline() (hour, minute int) {
	t, err := time.Parse("15:04", c.ConfirmDeadline)
	if err != nil {
		return 10, 0
	}
	return t.Hour(), t.Minute()
}

// Production reports whether the instance runs in production mode.
func (c Config) Production() bool { return c.Env == "production" }

// Option is one row of the options table.
type Option struct {
	Name    string // flag name; the variable is GESTA_ + upper-case name
	Default string
	Usage   string
	Secret  bool // also read from GESTA_NAME_FILE; never printed
	set     func(*Config, string) error
}

// Env returns the environment variable of the option.
func (o Option) Env() string { return "GESTA_" + strings.ToUpper(strings.ReplaceAll(o.Name, "-", "_")) }

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func dur(p func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("not a positive duration: %q", v)
		}
		*p(c) = d
		return nil
	}
}

// days reads a period in days ("1825d") or as a Go duration.
func days(p func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		if n, ok := strings.CutSuffix(v, "d"); ok {
			d, err := strconv.Atoi(n)
			if err != nil || d <= 0 {
				return fmt.Errorf("not a positive number of days: %q", v)
			}
			*p(c) = time.Duration(d) * 24 * time.Hour
			return nil
		}
		return dur(p)(c, v)
	}
}

// Options is the table of options, in the order of --help.
var Options = []Option{
	{Name: "db", Default: "sqlite:./data/gesta.db", Usage: "database: sqlite:PATH (embedded) or postgres://USER@HOST/DB",
		set: str(func(c *Config) *string { return &c.DB })},
	{Name: "addr", Default: "127.0.0.1:8080", Usage: "HTTP listen address",
		set: str(func(c *Config) *string { return &c.Addr })},
	{Name: "opendata-email", Default: "", Usage: "contact e-mail of the open-data catalogue (dcat:contactPoint); the catalogue is not served without it",
		set: str(func(c *Config) *string { return &c.OpenDataEmail })},
	{Name: "base-url", Default: "", Usage: "public URL of the instance (default http://ADDR); https turns on Secure cookies",
		set: str(func(c *Config) *string { return &c.BaseURL })},
	{Name: "env", Default: "development", Usage: "development or production (production never loads demo data)",
		set: func(c *Config, v string) error {
			if v != "development" && v != "production" {
				return fmt.Errorf("must be development or production, not %q", v)
			}
			c.Env = v
			return nil
		}},
	{Name: "demo", Default: "true", Usage: "load the demo data when the database is empty",
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			c.Demo = b
			return err
		}},
	{Name: "population", Default: "", Usage: "ANPR CSV of residents per comune replacing the embedded one",
		set: str(func(c *Config) *string { return &c.Population })},
	{Name: "log-level", Default: "info", Usage: "debug, info, warn or error",
		set: str(func(c *Config) *string { return &c.LogLevel })},
	{Name: "log-format", Default: "text", Usage: "text or json",
		set: str(func(c *Config) *string { return &c.LogFormat })},
	{Name: "secret-key", Default: "", Usage: "key for encrypted fields (base64, 32 bytes)", Secret: true,
		set: str(func(c *Config) *string { return &c.SecretKey })},
	{Name: "audit-key", Default: "", Usage: "key signing the audit log's anchors (base64, 32 bytes: gesta key new)", Secret: true,
		set: str(func(c *Config) *string { return &c.AuditKey })},
	{Name: "audit-anchors", Default: "", Usage: "directory of the audit log's anchors (default: audit-anchors/ beside a SQLite file)",
		set: str(func(c *Config) *string { return &c.AuditDir })},
	{Name: "session-idle", Default: "30m", Usage: "web session idle timeout",
		set: dur(func(c *Config) *time.Duration { return &c.SessionIdle })},
	{Name: "session-max", Default: "12h", Usage: "web session absolute lifetime",
		set: dur(func(c *Config) *time.Duration { return &c.SessionMax })},
	{Name: "confirm-deadline", Default: "10:00", Usage: "daily time (Italian clock, HH:MM) by which operators confirm availability",
		set: func(c *Config, v string) error {
			if _, err := time.Parse("15:04", v); err != nil {
				return fmt.Errorf("not a time HH:MM: %q", v)
			}
			c.ConfirmDeadline = v
			return nil
		}},
	{Name: "smtp-addr", Default: "", Usage: "SMTP server host:port for e-mail (empty: messages wait in the outbox)",
		set: str(func(c *Config) *string { return &c.SMTPAddr })},
	{Name: "smtp-from", Default: "gesta@localhost", Usage: "sender address of e-mails",
		set: str(func(c *Config) *string { return &c.SMTPFrom })},
	{Name: "smtp-user", Default: "", Usage: "SMTP user (empty: no authentication)",
		set: str(func(c *Config) *string { return &c.SMTPUser })},
	{Name: "smtp-password", Default: "", Usage: "SMTP password", Secret: true,
		set: str(func(c *Config) *string { return &c.SMTPPassword })},
	{Name: "smtp-tls", Default: "starttls", Usage: "starttls (required), opportunistic, or none (loopback test servers only)",
		set: func(c *Config, v string) error {
			switch v {
			case "starttls", "opportunistic", "none":
				c.SMTPTLS = v
				return nil
			}
			return fmt.Errorf("must be starttls, opportunistic or none, not %q", v)
		}},
	{Name: "metrics-allow", Default: "127.0.0.0/8,::1/128", Usage: "CIDRs/addresses (comma-separated, or none) reading /metrics without a token",
		set: func(c *Config, v string) error {
			p, err := ParsePrefixes(v)
			c.MetricsAllow = p
			return err
		}},
	{Name: "trusted-proxies", Default: "", Usage: "CIDRs/addresses of reverse proxies whose Forwarded/X-Forwarded-For name the client (empty: headers ignored)",
		set: func(c *Config, v string) error {
			p, err := ParsePrefixes(v)
			c.TrustedProxies = p
			return err
		}},
	{Name: "retention-guests", Default: "1825d", Usage: "how long a guest's identity is kept after their last stay ends (then anonymised)",
		set: days(func(c *Config) *time.Duration { return &c.RetentionGuests })},
	{Name: "retention-guest-accesses", Default: "730d", Usage: "how long the log of reads of guests is kept",
		set: days(func(c *Config) *time.Duration { return &c.RetentionGuestAccesses })},
	{Name: "retention-cases", Default: "1825d", Usage: "how long a closed complex case keeps its content (then anonymised, its documents deleted)",
		set: days(func(c *Config) *time.Duration { return &c.RetentionCases })},
	{Name: "retention-case-reports", Default: "730d", Usage: "how long a report closed at triage without a case keeps its text and documents",
		set: days(func(c *Config) *time.Duration { return &c.RetentionCaseReports })},
	{Name: "retention-case-accesses", Default: "720d", Usage: "how long the log of reads of case files is kept (24 months)",
		set: days(func(c *Config) *time.Duration { return &c.RetentionCaseAccesses })},
	{Name: "totp-grace", Default: "admin=0d,coordinator=7d,prefecture=7d,operator=30d,service=30d",
		Usage: "per role, how long after the first sign-in a user may work without two-step verification (role=days, comma-separated)",
		set: func(c *Config, v string) error {
			c.TOTPGrace = map[string]time.Duration{}
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f == "" {
					continue
				}
				role, period, ok := strings.Cut(f, "=")
				switch role {
				case "admin", "coordinator", "prefecture", "operator", "service":
				default:
					ok = false
				}
				var d time.Duration
				if ok && period != "0d" && period != "0" {
					ok = days(func(*Config) *time.Duration { return &d })(c, period) == nil
				}
				if !ok {
					return fmt.Errorf("not role=days: %q", f)
				}
				c.TOTPGrace[role] = d
			}
			return nil
		}},
	{Name: "metrics-token", Default: "", Usage: "bearer token that opens /metrics from any address", Secret: true,
		set: str(func(c *Config) *string { return &c.MetricsToken })},
}

// ParsePrefixes reads a comma-separated list of CIDRs or single addresses;
// "none" (or nothing) is the empty list.
func ParsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	if strings.TrimSpace(v) == "none" {
		return nil, nil
	}
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("not an address or CIDR: %q", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("not an address or CIDR: %q", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Lookup returns the option with the name.
func Lookup(name string) (Option, bool) {
	for _, o := range Options {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

// Parse resolves the named options (a subcommand uses only some) from, in
// increasing priority: defaults, environment (and _FILE), flags. Extra flags
// the subcommand defines on fs are parsed too. It returns the remaining args.
func Parse(fs *flag.FlagSet, names []string, args []string, getenv func(string) string) (Config, []string, error) {
	var c Config
	values := map[string]string{}
	for _, name := range names {
		o, ok := Lookup(name)
		if !ok {
			return c, nil, fmt.Errorf("config: unknown option %q", name)
		}
		values[name] = o.Default
		if v := getenv(o.Env()); v != "" {
			values[name] = v
		}
		if o.Secret {
			if path := getenv(o.Env() + "_FILE"); path != "" {
				b, err := os.ReadFile(path)
				if err != nil {
					return c, nil, fmt.Errorf("config: %s_FILE: %w", o.Env(), err)
				}
				values[name] = strings.TrimSpace(string(b))
			}
		}
		usage := o.Usage + " (env " + o.Env() + ")"
		if o.Secret {
			usage += "; or " + o.Env() + "_FILE"
		}
		def := o.Default
		if o.Secret {
			def = ""
		}
		fs.Func(name, usage+" (default "+strconv.Quote(def)+")", func(v string) error {
			values[name] = v
			return nil
		})
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	// GESTA_ENV=production implies no demo data, whatever else is said.
	for _, name := range names {
		o, _ := Lookup(name)
		if err := o.set(&c, values[name]); err != nil {
			return c, nil, fmt.Errorf("config: --%s: %w", name, err)
		}
	}
	if c.Production() {
		c.Demo = false
	}
	if c.BaseURL == "" && c.Addr != "" {
		c.BaseURL = "http://" + c.Addr
	}
	return c, fs.Args(), nil
}

// ErrHelp is returned by Parse when -h was asked.
var ErrHelp = flag.ErrHelp

// IsHelp reports whether err is a request for help.
func IsHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }

// WriteTable writes the options table in Markdown (for docs/options.md).
func WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| flag\t| environment\t| default\t| meaning\t|")
	fmt.Fprintln(tw, "|---\t|---\t|---\t|---\t|")
	for _, o := range Options {
		env := "`" + o.Env() + "`"
		if o.Secret {
			env += ", `" + o.Env() + "_FILE`"
		}
		def := "`" + o.Default + "`"
		if o.Default == "" {
			def = "–"
		}
		fmt.Fprintf(tw, "| `--%s`\t| %s\t| %s\t| %s\t|\n", o.Name, env, def, o.Usage)
	}
	tw.Flush()
}
