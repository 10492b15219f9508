package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Sex as recorded.
const (
	SexMale   = "M"
	SexFemale = "F"
	SexOther  = "X"
)

// ProcedureStage is the stage of the asylum procedure.
type ProcedureStage string

// The stages, in order.
const (
	StageToFormalise  ProcedureStage = "da_formalizzare"
	StageC3Lodged     ProcedureStage = "c3_presentato"
	StageAwaitHearing ProcedureStage = "in_attesa_audizione"
	StageHeard        ProcedureStage = "audito"
	StageRefugee      ProcedureStage = "status_rifugiato"
	StageSubsidiary   ProcedureStage = "protezione_sussidiaria"
	StageSpecial      ProcedureStage = "protezione_speciale"
	StageRejected     ProcedureStage = "diniego"
	StageAppeal       ProcedureStage = "ricorso_pendente"
	StageAppealDone   ProcedureStage = "ricorso_deciso"
)

// Stages lists the procedure stages in order.
var Stages = []ProcedureStage{StageToFormalise, StageC3Lodged, StageAwaitHearing, StageHeard, StageRefugee,
	StageSubsidiary, StageSpecial, StageRejected, StageAppeal, StageAppealDone}

// ExitReasons is the controlled vocabulary of why a stay ends.
var ExitReasons = []string{
	"trasferimento_cas_stessa_provincia", "trasferimento_cas_altra_provincia", "trasferimento_sai",
	"allontanamento_volontario", "mancato_arrivo", "revoca_art23_a", "revoca_art23_b", "revoca_art23_c",
	"revoca_art23_d", "rinuncia", "protezione_riconosciuta", "fine_accoglienza_decisione_definitiva", "decesso",
	"accertamento_eta", "ricovero",
}

// VulnerabilityCodes are the categories of art. 17 d.lgs. 142/2015.
var VulnerabilityCodes = []string{"minore", "msna", "disabilita", "anziano", "gravidanza", "genitore_solo",
	"tratta", "malattia_grave", "disturbo_mentale", "tortura_violenza", "mutilazioni_genitali"}

// Guest is a hosted person. Special-category data (vulnerabilities) is kept
// apart, encrypted, and only for roles with PermVulnRead.
type Guest struct {
	ID             string         `json:"id"`
	CUI            string         `json:"cui,omitempty"`
	Surname        string         `json:"surname"`
	GivenName      string         `json:"given_name"`
	Sex            string         `json:"sex"`
	BirthDate      time.Time      `json:"birth_date"`
	BirthEstimated bool           `json:"birth_estimated"` // only the year is known (01/01/YYYY)
	Nationality    string         `json:"nationality"`     // ISO 3166-1 alpha-3
	HouseholdID    string         `json:"household_id,omitempty"`
	HouseholdRole  string         `json:"household_role,omitempty"` // head, partner, child, other
	MSNA           bool           `json:"msna"`
	ArrivalDate    *time.Time     `json:"arrival_date,omitempty"`
	ArrivalChannel string         `json:"arrival_channel,omitempty"` // sea, land, dublin, tracing
	ArrivalPlace   string         `json:"arrival_place,omitempty"`
	Stage          ProcedureStage `json:"stage"`
	StageDate      *time.Time     `json:"stage_date,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
}

// Validate checks a guest's fields.
func (g *Guest) Validate() error {
	fields := map[string]FieldError{}
	if strings.TrimSpace(g.Surname) == "" && strings.TrimSpace(g.GivenName) == "" {
		fields["surname"] = Field("err.guest.name_required")
	}
	checkText(fields, "surname", g.Surname, "given_name", g.GivenName)
	switch g.Sex {
	case SexMale, SexFemale, SexOther:
	default:
		fields["sex"] = Field("err.guest.sex")
	}
	if g.BirthDate.IsZero() || g.BirthDate.Year() < 1900 {
		fields["birth_date"] = Field("err.guest.birth_date")
	}
	if len(g.Nationality) != 3 || strings.ToUpper(g.Nationality) != g.Nationality {
		fields["nationality"] = Field("err.guest.nationality")
	}
	valid := false
	for _, s := range Stages {
		valid = valid || s == g.Stage
	}
	if !valid {
		fields["stage"] = Field("err.guest.stage_unknown")
	}
	switch g.HouseholdRole {
	case "", "head", "partner", "child", "other":
	default:
		fields["household_role"] = Field("err.guest.household_role_unknown")
	}
	if len(fields) > 0 {
		return Err(EINVALID, "err.guest.invalid").WithFields(fields)
	}
	return nil
}

// The status of a vulnerability: suspected (reported, to be assessed) or
// ascertained (by a qualified service).
const (
	VulnSuspected   = "sospetta"
	VulnAscertained = "accertata"
)

// VulnerabilityStatuses lists them.
var VulnerabilityStatuses = []string{VulnSuspected, VulnAscertained}

// Validate checks the code and status against the controlled vocabularies.
func (v Vulnerability) Validate() error {
	if !slices.Contains(VulnerabilityCodes, v.Code) || !slices.Contains(VulnerabilityStatuses, v.Status) {
		return Err(EINVALID, "err.guest.vulnerability")
	}
	return nil
}

// ValidExitReason reports whether reason is one of ExitReasons.
func ValidExitReason(reason string) bool { return slices.Contains(ExitReasons, reason) }

// Vulnerability is an art. 17 vulnerability: sealed at rest.
type Vulnerability struct {
	Code   string    `json:"code"`
	Status string    `json:"status"` // VulnSuspected, VulnAscertained
	Source string    `json:"source"`
	Date   time.Time `json:"date"`
	Note   string    `json:"note,omitempty"`
}

// Stay is a guest's stay in a facility.
type Stay struct {
	ID         string     `json:"id"`
	GuestID    string     `json:"guest_id"`
	Facility   string     `json:"facility"` // code
	EnteredAt  time.Time  `json:"entered_at"`
	ExitedAt   *time.Time `json:"exited_at,omitempty"`
	ExitReason string     `json:"exit_reason,omitempty"`
	Override   string     `json:"capacity_override,omitempty"` // reason, when entered over capacity
}

// GuestService keeps the registry. Reads are scoped (region-wide roles, a
// prefecture's province, an operator's facilities; out of scope is
// ENOTFOUND); vulnerabilities need PermVulnRead and each read is audited.
type GuestService interface {
	// CreateGuest validates and stores a guest with its vulnerabilities
	// (sealed with the configured key) and the audit row, in one transaction;
	// a household id of a household with a member out of the caller's scope
	// is ENOTFOUND.
	// Permission guest:write (EFORBIDDEN); EINVALID on bad data; EUNAVAILABLE
	// when vulnerabilities are given and no key is configured (never stored
	// in clear).
	CreateGuest(ctx context.Context, g *Guest, vulns []Vulnerability) error
	// FindGuest returns a guest in the caller's scope: region-wide readers
	// any, a prefecture or service the guests it registered or with a stay in
	// its province, an operator those it registered or with an open stay in
	// its entity; the read leaves an access row in its transaction (or
	// fails). Permission guest:read (EFORBIDDEN); out of scope or unknown is
	// ENOTFOUND.
	FindGuest(ctx context.Context, id string) (Guest, error)
	// SearchGuests finds up to 100 guests in the caller's scope (as
	// FindGuest) by exact CUI or by the start of a name's search key
	// (transliteration-tolerant), logging an access row for each one found.
	// Permission guest:read (EFORBIDDEN).
	SearchGuests(ctx context.Context, q string) ([]Guest, error)
	// Vulnerabilities unseals a guest's vulnerabilities and writes the access
	// row in the same transaction (a read that cannot be recorded fails).
	// Permission vulnerability:read (EFORBIDDEN); a guest out of scope is
	// ENOTFOUND; EUNAVAILABLE without a configured key.
	Vulnerabilities(ctx context.Context, guestID string) ([]Vulnerability, error)
	// Stays returns a guest's stays in order of entry. Scope and errors as
	// FindGuest.
	Stays(ctx context.Context, guestID string) ([]Stay, error)
	// RecordEntry opens a stay in a facility the caller may write to, with
	// the facility's row locked, recounting a registry facility's occupancy,
	// and the audit row, in one transaction. Permission guest:write
	// (EFORBIDDEN); a guest out of the caller's scope or a facility out of
	// the writable scope is ENOTFOUND; ECONFLICT when the guest has an open or later stay, or a
	// registry facility is full and no override reason is given.
	RecordEntry(ctx context.Context, guestID, facilityCode string, at time.Time, override string) (Stay, error)
	// AdmitGuest registers a new guest and their entry into a facility in one
	// transaction (PermGuestWrite; the facility in the caller's write scope,
	// the household, if any, wholly in the caller's scope): both or neither.
	// Errors as CreateGuest and RecordEntry: EINVALID, ENOTFOUND, ECONFLICT.
	AdmitGuest(ctx context.Context, g *Guest, facilityCode string, at time.Time, override string) (Stay, error)
	// RecordExit closes an open stay with a reason from ExitReasons, with the
	// audit row. Permission guest:write (EFORBIDDEN); a stay not open or out
	// of the writable scope is ENOTFOUND; EINVALID for an unknown reason or an
	// exit before the entry.
	RecordExit(ctx context.Context, stayID string, at time.Time, reason string) error
	// RecordHouseholdEntry enters a whole household together, or nobody, in
	// one transaction. Permission guest:write (EFORBIDDEN); a household with
	// no member, or with any member out of the caller's scope, is ENOTFOUND; a member who cannot enter
	// (see RecordEntry) makes it ECONFLICT for all, naming the reason.
	RecordHouseholdEntry(ctx context.Context, householdID, facilityCode string, at time.Time, override string) ([]Stay, error)
	// GuestAccesses lists who read the guest's record, newest first, at most
	// limit rows: the coordinator and the administrator for any guest, a
	// prefecture for guests in its scope (ENOTFOUND otherwise), others
	// EFORBIDDEN. Every read of guests through this service leaves such a
	// row in its own transaction, or fails.
	GuestAccesses(ctx context.Context, guestID string, limit int) ([]GuestAccess, error)
	// SearchPresent lists the guests with an open stay in the facilities the
	// caller may write to that match a filter, at most f.Limit of them, and
	// how many match in all.
	SearchPresent(ctx context.Context, f PresentFilter) ([]PresentGuest, int, error)
}

// GuestAccess is one read of a guest's record.
type GuestAccess struct {
	Actor   string    `json:"actor"` // the user's e-mail, or "system"/"cli"
	At      time.Time `json:"at"`
	Role    string    `json:"role"`
	What    string    `json:"what"` // record, stays, vulnerabilities, search, present, presence_list
	Purpose string    `json:"purpose"`
}

type purposeKey struct{}

// NewContextWithPurpose carries the purpose of a read (chosen by the user or
// implied by the page) to the access log.
func NewContextWithPurpose(ctx context.Context, purpose string) context.Context {
	return context.WithValue(ctx, purposeKey{}, purpose)
}

// PurposeFromContext returns the purpose of the read, or "".
func PurposeFromContext(ctx context.Context) string {
	p, _ := ctx.Value(purposeKey{}).(string)
	return p
}

// PresentFilter narrows the list of present guests: one facility, and a
// search on surname, given name or CUI (any part, any case).
type PresentFilter struct {
	Facility string
	Search   string
	Limit    int
	Offset   int // rows skipped (a page past the first)
}

// PresentGuest is a guest with an open stay.
type PresentGuest struct {
	Guest     Guest
	StayID    string
	Facility  string // code
	EnteredAt time.Time
}

// StatItem is one bucket of a statistical breakdown.
type StatItem struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// FinalDecision reports whether a stage is a decision after which reception
// ends in due time (granted protection, or a rejection with the appeal decided).
func FinalDecision(s ProcedureStage) bool {
	switch s {
	case StageRefugee, StageSubsidiary, StageSpecial, StageAppealDone:
		return true
	}
	return false
}
