package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// FacilityType is the kind of a reception facility.
type FacilityType string

const (
	TypeCASCollettivo   FacilityType = "cas_collettivo"
	TypeCASAppartamento FacilityType = "cas_appartamento" // accoglienza diffusa
	TypeHub             FacilityType = "hub"
	TypeCPA             FacilityType = "cpa"
	TypeSAIOrdinario    FacilityType = "sai_ordinario"
	TypeSAIDMDS         FacilityType = "sai_dm_ds"
	TypeSAIMSNA         FacilityType = "sai_msna"
	TypeMSNAPrima       FacilityType = "msna_prima_accoglienza"
)

// FacilityTypes lists the types in display order.
var FacilityTypes = []FacilityType{TypeCASCollettivo, TypeCASAppartamento, TypeHub, TypeCPA, TypeSAIOrdinario,
	TypeSAIDMDS, TypeSAIMSNA, TypeMSNAPrima}

// Target is who a facility hosts.
type Target string

const (
	TargetMen      Target = "uomini"
	TargetWomen    Target = "donne"
	TargetFamilies Target = "nuclei"
	TargetMSNA     Target = "msna"
	TargetMixed    Target = "misto"
)

// Targets lists the targets in display order.
var Targets = []Target{TargetMen, TargetWomen, TargetFamilies, TargetMSNA, TargetMixed}

// Feature codes of a facility.
const (
	FeatureWheelchair = "wheelchair" // accessibile in sedia a rotelle
	FeatureVulnerable = "vulnerable" // adatta a persone vulnerabili
	FeatureInfants    = "infants"    // adatta a famiglie con neonati
	FeatureMedical    = "medical"    // presidio sanitario
)

// Features lists the feature codes in display order.
var Features = []string{FeatureWheelchair, FeatureVulnerable, FeatureInfants, FeatureMedical}

// FacilityStatus is whether a facility takes guests.
type FacilityStatus string

const (
	StatusActive    FacilityStatus = "active"
	StatusSuspended FacilityStatus = "suspended"
	StatusClosed    FacilityStatus = "closed"
)

// Facility is a reception facility with its capacity and, derived, its free places.
type Facility struct {
	ID           string         `json:"-"`
	Code         string         `json:"code"` // stable public code, e.g. "BO-0042"
	Name         string         `json:"name"`
	Type         FacilityType   `json:"type"`
	Target       Target         `json:"target"`
	GestoreID    string         `json:"gestore_id"`
	GestoreName  string         `json:"gestore_name,omitempty"`
	ProvinceCode string         `json:"province"`
	ComuneCode   string         `json:"comune"`
	ComuneName   string         `json:"comune_name,omitempty"`
	Address      string         `json:"address,omitempty"` // internal only
	Lat, Lon     float64        `json:"-"`
	CIG          string         `json:"cig,omitempty"`
	ContractFrom *time.Time     `json:"contract_start,omitempty"`
	ContractTo   *time.Time     `json:"contract_end,omitempty"`
	PriceCents   int            `json:"price_per_day_cents,omitempty"`
	Contracted   int            `json:"capacity_contracted"`
	Active       int            `json:"capacity_active"`
	Features     []string       `json:"features"`
	Status       FacilityStatus `json:"status"`
	ContactName  string         `json:"contact_name,omitempty"`
	ContactPhone string         `json:"contact_phone,omitempty"`
	ContactEmail string         `json:"contact_email,omitempty"`

	// The ledger: blocked and held are derived from blocks and holds in force;
	// occupied is the operator's declaration (later: the guest registry).
	Blocked     int        `json:"blocked"`
	Occupied    int        `json:"occupied"`
	Held        int        `json:"held"`
	Free        int        `json:"free"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	ConfirmedBy string     `json:"confirmed_by,omitempty"`
	Stale       bool       `json:"stale"` // not confirmed since the last deadline
	// UsesRegistry: occupied derives from the open stays in the registry;
	// otherwise the operator declares it (see Reconciliation).
	UsesRegistry bool      `json:"uses_registry"`
	Version      int       `json:"version"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// HasFeature reports whether the facility has a feature. A value receiver:
// templates call it on facilities held by value.
func (f Facility) HasFeature(code string) bool {
	return slices.Contains(f.Features, code)
}

// ComputeFree applies the ledger: free = active − blocked − occupied − held,
// never below zero; a facility not active has no free places.
func (f *Facility) ComputeFree() {
	f.Free = f.Active - f.Blocked - f.Occupied - f.Held
	if f.Free < 0 || f.Status != StatusActive {
		f.Free = 0
	}
}

func validType(t FacilityType) bool {
	for _, v := range FacilityTypes {
		if v == t {
			return true
		}
	}
	return false
}

func validTarget(t Target) bool {
	for _, v := range Targets {
		if v == t {
			return true
		}
	}
	return false
}

// Validate checks a facility's registry fields.
func (f *Facility) Validate() error {
	fields := map[string]FieldError{}
	if strings.TrimSpace(f.Name) == "" {
		fields["name"] = Field("err.field.name_required")
	}
	checkText(fields, "name", f.Name, "address", f.Address, "contact_name", f.ContactName)
	if !validType(f.Type) {
		fields["type"] = Field("err.facility.type_unknown")
	}
	if !validTarget(f.Target) {
		fields["target"] = Field("err.facility.target_unknown")
	}
	if f.GestoreID == "" {
		fields["gestore"] = Field("err.facility.gestore_required")
	}
	if len(f.ComuneCode) != 6 {
		fields["comune"] = Field("err.facility.comune_required")
	}
	if f.Contracted < 0 || f.Active < 0 {
		fields["capacity"] = Field("err.facility.capacity_negative")
	} else if f.Active > f.Contracted {
		fields["capacity_active"] = Field("err.facility.active_over_contracted")
	}
	if f.PriceCents < 0 {
		fields["price"] = Field("err.facility.price_negative")
	}
	if f.ContractFrom != nil && f.ContractTo != nil && f.ContractTo.Before(*f.ContractFrom) {
		fields["contract_end"] = Field("err.facility.contract_end_before_start")
	}
	for _, x := range f.Features {
		known := false
		for _, k := range Features {
			known = known || k == x
		}
		if !known {
			fields["features"] = Field("err.facility.feature_unknown", "Feature", x)
		}
	}
	switch f.Status {
	case StatusActive, StatusSuspended, StatusClosed:
	default:
		fields["status"] = Field("err.facility.status_unknown")
	}
	if len(fields) > 0 {
		return Err(EINVALID, "err.facility.invalid").WithFields(fields)
	}
	return nil
}

// FacilityFilter narrows the list of facilities and the board.
type FacilityFilter struct {
	ProvinceCode string
	Type         FacilityType
	Target       Target
	Feature      string
	GestoreID    string
	OnlyStale    bool
	Query        string
}

// Availability is an operator's declaration: occupied places now.
type Availability struct {
	Occupied int    `json:"occupied"`
	Note     string `json:"note,omitempty"`
}

// Hold is a number of places kept for a purpose until an expiry.
type Hold struct {
	ID           string    `json:"id"`
	FacilityCode string    `json:"facility"`
	Places       int       `json:"places"`
	Reason       string    `json:"reason"`
	ExpiresAt    time.Time `json:"expires_at"`
	Status       string    `json:"status"` // active, released, converted, expired
	CreatedAt    time.Time `json:"created_at"`
	CreatedBy    string    `json:"created_by"`
}

// Block takes places out of use for a reason and period (works, quarantine…).
type Block struct {
	ID        string     `json:"id"`
	Places    int        `json:"places"`
	Reason    string     `json:"reason"`
	From      time.Time  `json:"from"`
	To        *time.Time `json:"to,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// BoardRow is one province × target cell of the board.
type BoardRow struct {
	ProvinceCode string `json:"province"`
	Sigla        string `json:"sigla"`
	Target       Target `json:"target"`
	Facilities   int    `json:"facilities"`
	Active       int    `json:"capacity_active"`
	Blocked      int    `json:"blocked"`
	Occupied     int    `json:"occupied"`
	Held         int    `json:"held"`
	Free         int    `json:"free"`
	Stale        int    `json:"stale"`
	// Declared facilities count occupied places as their operators declare
	// them; the others derive them from the registry's open stays.
	// OccupiedDeclared is the part of Occupied they make.
	Declared         int `json:"declared"`
	OccupiedDeclared int `json:"occupied_declared"`
}

// Board is the regional free-places view at a moment.
type Board struct {
	At       time.Time  `json:"at"`
	Deadline time.Time  `json:"deadline"` // the last confirmation deadline passed
	Rows     []BoardRow `json:"rows"`
	Totals   BoardRow   `json:"totals"`
}

// FacilityService manages facilities and their free places. Reads are scoped:
// the coordinator and region-wide viewers see the region, a prefecture its
// province, an operator its own facilities; out of scope reads as ENOTFOUND.
type FacilityService interface {
	// ListFacilities returns the facilities matching f with their ledgers
	// (held, blocked, free) computed now, ordered by code, in one read
	// transaction. Permission facility:read, else EFORBIDDEN; an operator sees
	// only its managing entity's (scope in the query); an unknown province in
	// f is ENOTFOUND.
	ListFacilities(ctx context.Context, f FacilityFilter) ([]Facility, error)
	// ListFacilitiesPage is ListFacilities read a page at a time in the
	// query: limit rows from offset, and the count of all that match.
	ListFacilitiesPage(ctx context.Context, f FacilityFilter, limit, offset int) ([]Facility, int, error)
	// Reconciliation compares each facility's occupied places with the
	// people present in it in the registry: totals in scope and one page
	// (1-based, size rows) of the facilities that differ, largest difference
	// first. Permission facility:write (EFORBIDDEN); a prefecture sees its
	// province (another province is ENOTFOUND), the coordinator the region.
	Reconciliation(ctx context.Context, provinceCode string, page, size int) (Reconciliation, error)
	// FindFacility returns one facility by code with its ledger now.
	// Permission facility:read (EFORBIDDEN); out of the caller's scope (an
	// operator and another entity's facility) or unknown is ENOTFOUND.
	FindFacility(ctx context.Context, code string) (Facility, error)
	// CreateFacility validates and stores f (active when no status is given),
	// filling its id and version, with its audit row, in one transaction.
	// Permission facility:write, else EFORBIDDEN (a prefecture only in its
	// own province); EINVALID on bad input, an unknown comune or a code taken.
	CreateFacility(ctx context.Context, f *Facility) error
	// UpdateFacility changes the registry fields, with an audit row, in one
	// transaction. Permission facility:write (EFORBIDDEN); out of the caller's
	// writable scope is ENOTFOUND; EINVALID on bad input; version must match
	// (EPRECONDITION).
	UpdateFacility(ctx context.Context, f *Facility, version int) error
	// UpdateContact lets an operator (or whoever may write the registry or
	// the availability) change the contact and features of its facility, with
	// an audit row. EFORBIDDEN without either permission; out of the writable
	// scope is ENOTFOUND; EINVALID on bad values; version must match
	// (EPRECONDITION).
	UpdateContact(ctx context.Context, code string, version int, name, phone, email string, features []string) (Facility, error)
	// SetAvailability records the occupied places (confirmed now, by the
	// caller) with its declaration and audit rows in one transaction.
	// Permission availability (EFORBIDDEN); out of the writable scope is
	// ENOTFOUND; EINVALID for negative or impossible figures; version must
	// match the facility's (EPRECONDITION).
	SetAvailability(ctx context.Context, code string, version int, a Availability) (Facility, error)
	// Hold keeps places until expires (at most MaxHoldDuration, 30 days) for a
	// reason. The facility's row is locked and its free places counted in the
	// same transaction as the hold and its audit row: never gives a place
	// twice. Permission hold:write (EFORBIDDEN); a facility outside the
	// caller's writable province is ENOTFOUND; EINVALID on places, expiry or
	// reason; ECONFLICT when fewer places are free.
	Hold(ctx context.Context, code string, places int, expires time.Time, reason string) (Hold, error)
	// ReleaseHold ends an active hold before its expiry, with an audit row.
	// Permission hold:write (EFORBIDDEN); a hold outside the caller's province
	// or unknown is ENOTFOUND; ECONFLICT when it is no longer active.
	ReleaseHold(ctx context.Context, id string) error
	// ConvertHold turns a hold into occupancy (the people have arrived): the
	// hold stops counting and the occupied places grow by its places, with the
	// declaration and audit rows, in one transaction. Errors as ReleaseHold.
	ConvertHold(ctx context.Context, id string) error
	// ListHolds returns a facility's holds, newest first, an active hold past
	// its expiry shown as expired. Scope and errors as FindFacility.
	ListHolds(ctx context.Context, code string) ([]Hold, error)
	// AddBlock takes places out of use for a period (works, quarantine), with
	// an audit row. Permission facility:write (EFORBIDDEN); out of the
	// writable province is ENOTFOUND; EINVALID without places, reason or a
	// period that ends after it starts.
	AddBlock(ctx context.Context, code string, b Block) error
	// PlanFacilityImport compares file rows with the register and keeps the
	// plan for confirmation (nothing in the register changes). Permission
	// facility:write (EFORBIDDEN); rows out of the caller's province are row
	// errors in the plan.
	PlanFacilityImport(ctx context.Context, rows []ImportRow) (ImportPlan, error)
	// ApplyFacilityImport applies a kept plan of the caller, all rows or none,
	// each with its audit row, in one transaction; it returns the counts of
	// created and updated facilities. Permission facility:write (EFORBIDDEN);
	// another user's or an unknown plan is ENOTFOUND; ECONFLICT when it was
	// applied already, has expired or the register changed since the preview;
	// EINVALID when rows have errors and excludeErrors is false.
	ApplyFacilityImport(ctx context.Context, id string, excludeErrors bool) (map[string]int, error)
	// Board returns the free places by province, type and target (the
	// regional board), cached for a few seconds. Permission facility:read or
	// stats:read, else EFORBIDDEN; an operator's board covers its managing
	// entity only.
	Board(ctx context.Context, f FacilityFilter) (Board, error)
}

// ImportRow is one row of a facilities file, mapped and checked by the
// spreadsheet adapter, then resolved and compared by the store.
type ImportRow struct {
	Line     int           `json:"line"`
	Facility Facility      `json:"facility"` // Code set when the row names an existing facility
	Occupied *int          `json:"occupied,omitempty"`
	Gestore  string        `json:"gestore"` // as written: tax code or name
	Comune   string        `json:"comune"`  // as written: ISTAT code or name
	Errors   []ImportError `json:"errors,omitempty"`
	// Set by the plan: "create", "update", "unchanged" or "error", and what changes.
	Action  string        `json:"action"`
	Changes []FieldChange `json:"changes,omitempty"`
}

// FieldChange is one changed field of a record: its key (named for people by
// the catalogue, "import.col.<field>") and the values before and after.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// ImportError is a problem in one cell, with its place. The store sets MsgID
// and Args (translated when shown); the spreadsheet reader still writes its
// text into Msg.
type ImportError struct {
	Line   int            `json:"line"`
	Column string         `json:"column"`
	Msg    string         `json:"message,omitempty"`
	MsgID  string         `json:"msg_id,omitempty"`
	Args   map[string]any `json:"args,omitempty"`
}

// ImportPlan is what an import would do, kept until it is confirmed.
type ImportPlan struct {
	ID      string         `json:"id"`
	Rows    []ImportRow    `json:"rows"`
	Missing []string       `json:"missing"` // codes in the caller's scope absent from the file (not deleted)
	Counts  map[string]int `json:"counts"`
}
