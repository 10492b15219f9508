// Command gesta is the whole system in one binary: web server, API, CLI.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gesta-er/gesta/internal/app"
	"github.com/gesta-er/gesta/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := (&app.Main{}).Run(ctx, os.Args[1:])
	switch {
	case err == nil, config.IsHelp(err):
	case errors.Is(err, app.ErrUsage):
		fmt.Fprintln(os.Stderr, "gesta:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "gesta:", err)
		os.Exit(1)
	}
}
