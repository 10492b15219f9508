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
	_ domain.TerritoryService = (*store.TerritoryService)(nil)
	_ domain.OrgService       = (*store.OrgService)(nil)
	_ domain.AuditService     = (*store.AuditService)(nil)
	_ domain.FacilityService  = (*store.FacilityService)(nil)
	_ domain.GuestService     = (*store.GuestService)(nil)
	_ domain.PresenceService  = (*store.PresenceService)(nil)
	_ domain.PlanService      = (*store.PlanService)(nil)
	_ domain.UserService      = (*auth.Service)(nil)
	_ domain.PlacementService = (*placement.Service)(nil)
	_ domain.Splitter         = placement.Split
	_ auth.Store              = (*store.UserService)(nil)
	_ placement.Store         = (*store.PlanService)(nil)
	_ jobs.Store              = jobStore{}
)

// jobStore gathers what the background jobs need from the store's services.
type jobStore struct {
	*store.DB              // Now
	*store.FacilityService // TakeSnapshots
	*store.PlanService     // PlanReminders
	*store.UserService     // DeleteExpiredSessions, DeleteLoginFailuresBefore
	*store.OutboxService   // SendReminders, PendingMessages, MarkSent, MarkFailed
}

func newJobStore(db *store.DB) jobStore {
	return jobStore{db, db.Facilities, db.Plans, db.Users, db.Outbox}
}
