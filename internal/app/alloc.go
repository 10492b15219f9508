package app

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gesta-er/gesta/internal/alloc"
)

// allocCmd runs the allocation engine on JSON from standard input.
func (m *Main) allocCmd(args []string) error {
	if len(args) == 0 {
		return m.allocUsage()
	}
	dec := json.NewDecoder(io.LimitReader(m.Stdin, 256<<20))
	dec.DisallowUnknownFields()
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	switch args[0] {
	case "split":
		var in alloc.SplitInput
		if err := dec.Decode(&in); err != nil {
			return fmt.Errorf("%w: input JSON: %v", ErrUsage, err)
		}
		out, err := alloc.Split(in)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		return enc.Encode(out)
	case "solve", "export-lp":
		fs := flag.NewFlagSet("alloc "+args[0], flag.ContinueOnError)
		fs.SetOutput(m.Stderr)
		limit := fs.Duration("time-limit", 5*time.Second, "stop searching after this long and return the best placement found, with its bound")
		if err := fs.Parse(args[1:]); err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		var in alloc.Instance
		if err := dec.Decode(&in); err != nil {
			return fmt.Errorf("%w: input JSON: %v", ErrUsage, err)
		}
		if args[0] == "export-lp" {
			if err := alloc.WriteLP(m.Stdout, &in); err != nil {
				return badInstance(err)
			}
			return nil
		}
		sol, err := alloc.Solve(&in, *limit)
		if err != nil {
			return badInstance(err)
		}
		return enc.Encode(sol)
	}
	return m.allocUsage()
}

func badInstance(err error) error {
	if errors.Is(err, alloc.ErrBadInstance) {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return err
}

func (m *Main) allocUsage() error {
	fmt.Fprintln(m.Stderr, "usage: gesta alloc split < input.json > output.json\n"+
		"       gesta alloc solve [--time-limit 5s] < instance.json > solution.json\n"+
		"       gesta alloc export-lp < instance.json > model.lp")
	return ErrUsage
}
