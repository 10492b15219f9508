package app

import (
	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/jobs"
	"github.com/gesta-er/gesta/internal/placement"
	"github.com/gesta-er/gesta/internal/store"
)

// The adapters depend on interfaces; these lines check, at compile time, that
// the implementations app wires satisfy them.
var (
	_ domain.TerritoryService = (*store.DB)(nil)
	_ domain.OrgService       = (*store.DB)(nil)
	_ domain.AuditService     = (*store.DB)(nil)
	_ domain.FacilityService  = (*store.DB)(nil)
	_ domain.GuestService     = (*store.DB)(nil)
	_ domain.PresenceService  = (*store.DB)(nil)
	_ domain.PlanService      = (*store.DB)(nil)
	_ domain.UserService      = (*auth.Service)(nil)
	_ domain.PlacementService = (*placement.Service)(nil)
	_ domain.Splitter         = placement.Split
	_ placement.Store         = (*store.DB)(nil)
	_ jobs.Store              = (*store.DB)(nil)
)
