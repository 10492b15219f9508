package app

import (
	"github.com/gesta-er/gesta/internal/jobs"
	"github.com/gesta-er/gesta/internal/store"
)

// The adapters depend on interfaces; these lines check, at compile time, that
// the implementations app wires satisfy them.
var _ jobs.Store = (*store.DB)(nil)
