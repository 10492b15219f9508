// Package app wires gesta together: configuration → store → services → web,
// API and jobs. cmd/gesta and the end-to-end tests both run it through Main.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gesta-er/gesta/internal/config"
	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/placement"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/territory"
)

// Version is set at build time (-ldflags "-X …/app.Version=1.2.3"); otherwise
// it comes from the module's build information.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return "dev-" + rev
		}
	}
	return "dev"
}

// Main runs the gesta command. Its fields default to the process's own.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string

	mu    sync.Mutex
	ready chan struct{}
	addr  string
}

func (m *Main) init() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Stdin == nil {
		m.Stdin = os.Stdin
	}
	if m.Stdout == nil {
		m.Stdout = os.Stdout
	}
	if m.Stderr == nil {
		m.Stderr = os.Stderr
	}
	if m.Getenv == nil {
		m.Getenv = os.Getenv
	}
	if m.ready == nil {
		m.ready = make(chan struct{})
	}
}

// Ready is closed once `serve` accepts connections.
func (m *Main) Ready() <-chan struct{} {
	m.init()
	return m.ready
}

// Addr is the address `serve` listens on (valid after Ready).
func (m *Main) Addr() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addr
}

const usage = `gesta – accoglienza dei richiedenti protezione internazionale in Emilia-Romagna

Usage: gesta COMMAND [options]

Commands:
  serve     run the web server (default: embedded SQLite in ./data, demo data when empty)
  migrate   apply the database migrations
  demo      load synthetic data into an empty database (--scale region|nation)
  user      manage users (user add, user disable)
  token     API tokens (token create, token revoke)
  audit     check the audit log's hash chain (audit verify)
  backup    a verified online copy of the database and its manifest (backup --to PATH)
  restore   load a backup into an empty database (restore --from PATH --db DSN)
  stats     rebuild the materialised population figures (stats rebuild)
  guests    a guest's subject-access export, JSON or PDF (guests export --id ID)
  publish   make and publish the public site's figures for a reference date (--date, --note)
  cases     complex cases: export --guest ID (subject access, JSON or PDF); retention (anonymise past the periods)
  key       key new: a fresh encryption key for GESTA_SECRET_KEY (rotate: "new,old");
            key reseal: move fields sealed before per-subject keys to their person's key
  alloc     the allocation engine on JSON (split: the province split; solve: the facility placement; export-lp)
  version   print the version

Every command takes --db (or GESTA_DB). 'gesta COMMAND -h' lists its options.
`

// Run runs the command in args (without the program name).
func (m *Main) Run(ctx context.Context, args []string) error {
	m.init()
	if len(args) == 0 {
		args = []string{"serve"}
	}
	cmd, rest := args[0], args[1:]
	// Writes made from the command line are audited with actor "cli".
	cliCtx := domain.NewContextWithActor(ctx, domain.ActorCLI)
	switch cmd {
	case "serve":
		return m.serve(ctx, rest)
	case "token":
		return m.token(cliCtx, rest)
	case "audit":
		return m.audit(cliCtx, rest)
	case "alloc":
		return m.allocCmd(rest)
	case "stats":
		return m.stats(cliCtx, rest)
	case "backup":
		return m.backup(cliCtx, rest)
	case "restore":
		return m.restore(cliCtx, rest)
	case "publish":
		return m.publish(cliCtx, rest)
	case "guests":
		return m.guests(cliCtx, rest)
	case "cases":
		return m.cases(cliCtx, rest)
	case "key":
		if len(rest) >= 1 && rest[0] == "reseal" {
			return m.keyReseal(cliCtx, rest[1:])
		}
		if len(rest) != 1 || rest[0] != "new" {
			fmt.Fprintln(m.Stderr, "usage: gesta key new      (prints a key for GESTA_SECRET_KEY)\n"+
				"       gesta key reseal   (moves fields sealed with the master key to their person's key)")
			return ErrUsage
		}
		k, err := crypt.NewKey(time.Now().UTC().Format("20060102"))
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, k)
		return nil
	case "migrate":
		return m.migrate(cliCtx, rest)
	case "demo":
		return m.demo(cliCtx, rest)
	case "user":
		return m.user(cliCtx, rest)
	case "version", "--version", "-v":
		fmt.Fprintln(m.Stdout, "gesta", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprint(m.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// flags returns a flag set that prints its usage on the command's stderr.
func (m *Main) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("gesta "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs
}

// ErrUsage reports bad command-line arguments (exit status 2).
var ErrUsage = errors.New("usage")

func (m *Main) parse(fs *flag.FlagSet, names []string, args []string) (config.Config, []string, error) {
	c, rest, err := config.Parse(fs, names, args, m.Getenv)
	if config.IsHelp(err) {
		return c, nil, err
	}
	if err != nil {
		return c, nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return c, rest, nil
}

func (m *Main) logger(c config.Config) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(c.LogFormat, "json") {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}

// openDB opens and migrates the database and syncs the territory.
func (m *Main) openDB(ctx context.Context, c config.Config, log *slog.Logger) (*store.DB, *territory.Data, error) {
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return nil, nil, err
	}
	db.Split = placement.Split
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "engine", db.Engine(), "versions", applied)
	}
	var pop io.Reader
	name := ""
	if c.Population != "" {
		f, err := os.Open(c.Population)
		if err != nil {
			db.Close()
			return nil, nil, fmt.Errorf("population file: %w", err)
		}
		defer f.Close()
		pop, name = f, c.Population
	}
	t, err := territory.Load(pop, name)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if err := db.Territory.SyncTerritory(ctx, store.TerritoryData{Region: territory.Region, Provinces: t.Provinces,
		Comuni: t.Comuni, PopulationSource: t.PopulationSource}); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, t, nil
}
