package app

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/gesta-er/gesta/internal/alloc"
)

// allocCmd runs the allocation engine on JSON from standard input.
func (m *Main) allocCmd(args []string) error {
	if len(args) == 0 || args[0] != "split" {
		fmt.Fprintln(m.Stderr, "usage: gesta alloc split < input.json > output.json")
		return ErrUsage
	}
	dec := json.NewDecoder(io.LimitReader(m.Stdin, 64<<20))
	dec.DisallowUnknownFields()
	var in alloc.SplitInput
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("%w: input JSON: %v", ErrUsage, err)
	}
	out, err := alloc.Split(in)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
