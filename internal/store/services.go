package store

import (
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// The store has one service type per aggregate, each over the shared *DB
// (pools, dialect, clock, transactions, caches). A service's methods are its
// aggregate's use cases: each checks the caller's permission and scope and
// owns its transaction. DB's own methods are only the shared infrastructure.
// Open wires one of each into the DB's fields (db.Facilities, db.Guests…) so
// that the application and the tests reach a service by its aggregate.

// FacilityService is the facility register, free places, holds, the board,
// the daily snapshots and the facility imports.
type FacilityService struct{ db *DB }

// GuestService is the registry of guests, households and stays, and the log
// of who read them.
type GuestService struct{ db *DB }

// PlanService runs the distribution plans: key tables, the split, the
// acknowledgements, the placements, transfers, messages and the inbox.
type PlanService struct{ db *DB }

// OrgService is the organisations: prefectures' offices, managing entities,
// territorial services.
type OrgService struct{ db *DB }

// UserService is the accounts, their credentials, sessions and API tokens
// (internal/auth implements the sign-in rules on top of it).
type UserService struct{ db *DB }

// AuditService reads and verifies the audit trail and its anchors.
type AuditService struct{ db *DB }

// TerritoryService is the provinces and comuni with their populations.
type TerritoryService struct{ db *DB }

// PresenceService reconciles a managing entity's presence list.
type PresenceService struct{ db *DB }

// StatsService computes the population figures and dashboards.
type StatsService struct{ db *DB }

// OutboxService queues and delivers the e-mails (and the daily reminders).
type OutboxService struct{ db *DB }

var (
	_ domain.FacilityService    = (*FacilityService)(nil)
	_ domain.GuestService       = (*GuestService)(nil)
	_ domain.PlanService        = (*PlanService)(nil)
	_ domain.OrgService         = (*OrgService)(nil)
	_ domain.AuditService       = (*AuditService)(nil)
	_ domain.TerritoryService   = (*TerritoryService)(nil)
	_ domain.PresenceService    = (*PresenceService)(nil)
	_ domain.PublicationService = (*PublicationService)(nil)
	_ domain.CaseService        = (*CaseService)(nil)
)

// Services are the aggregate services over one DB; DB embeds them so that
// wiring and tests write db.Facilities.CreateFacility(…).
type Services struct {
	Facilities   *FacilityService
	Guests       *GuestService
	Plans        *PlanService
	Orgs         *OrgService
	Users        *UserService
	Audit        *AuditService
	Territory    *TerritoryService
	Presence     *PresenceService
	Stats        *StatsService
	Outbox       *OutboxService
	Publications *PublicationService
	Cases        *CaseService
	// GuestRights are the person's rights on the registry: retention and
	// the subject-access export.
	GuestRights *GuestRightsService
	// RecoveryCodes are the second factor's single-use recovery codes.
	RecoveryCodes *RecoveryCodeService
	// Idempotency keeps the API's Idempotency-Key answers.
	Idempotency *IdempotencyService
	// SAI is the loads of the SAI network's figures for the public site.
	SAI *SAIService
	// The case files' documents, network tables, dashboards, and the
	// person's rights on them (export, retention).
	CaseDocuments  *CaseDocumentService
	CaseTables     *CaseTableService
	CaseDashboards *CaseDashboardService
	CaseSubjects   *CaseSubjectService
}

// wire builds the services over db.
func (db *DB) wire() {
	db.Services = Services{
		Facilities: &FacilityService{db}, Guests: &GuestService{db}, Plans: &PlanService{db},
		Orgs: &OrgService{db}, Users: &UserService{db}, Audit: &AuditService{db},
		Territory: &TerritoryService{db}, Presence: &PresenceService{db}, Stats: &StatsService{db},
		Outbox: &OutboxService{db}, Publications: NewPublicationService(db), Cases: NewCaseService(db),
		GuestRights: NewGuestRightsService(db), RecoveryCodes: NewRecoveryCodeService(db),
		Idempotency: NewIdempotencyService(db), SAI: NewSAIService(db),
		CaseDocuments: NewCaseDocumentService(db), CaseTables: NewCaseTableService(db),
		CaseDashboards: NewCaseDashboardService(db), CaseSubjects: NewCaseSubjectService(db),
	}
}

// Clock is the store's clock, for internal/auth's rules.
func (s *UserService) Clock() time.Time { return s.db.Clock() }
