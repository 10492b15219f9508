package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
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
	seed, err := demo.Load(ctx, db, scale)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "demo data (%s) loaded in %v: %d managing entities, %d territorial services, %d users\n",
		scale, time.Since(start).Round(time.Millisecond), len(seed.Gestori), len(seed.Services), len(seed.Users))
	return nil
}

func (m *Main) user(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(m.Stderr, "usage: gesta user add --email E --name N --role R [--office SIGLA] --password-stdin")
		return ErrUsage
	}
	fs := m.flags("user add")
	email := fs.String("email", "", "e-mail address (sign-in name)")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "", "admin, coordinator, prefecture, operator, service or viewer")
	office := fs.String("office", "", "sigla of the prefecture (BO for the coordinator)")
	gestore := fs.String("gestore", "", "id of the managing entity (operator)")
	service := fs.String("service", "", "id of the territorial service (service)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	c, _, err := m.parse(fs, dbOptions, args[1:])
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
		o, err := db.FindOfficeBySigla(ctx, *office)
		if err != nil {
			return err
		}
		u.OfficeID = o.ID
	}
	svc := &auth.Service{Store: db, Params: auth.DefaultParams}
	if err := svc.CreateUser(ctx, u, password); err != nil {
		var e *domain.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			for f, msg := range e.Fields {
				fmt.Fprintf(m.Stderr, "  %s: %s\n", f, msg)
			}
		}
		return err
	}
	fmt.Fprintf(m.Stdout, "user %s created (%s)\n", u.Email, u.Role)
	return nil
}
