package domain

import (
	"context"
	"fmt"
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
	Version     int        `json:"version"`
	UpdatedAt   time.Time  `json:"updated_at"`
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
	fields := map[string]string{}
	if strings.TrimSpace(f.Name) == "" {
		fields["name"] = "Il nome è obbligatorio."
	}
	checkText(fields, "name", f.Name, "address", f.Address, "contact_name", f.ContactName)
	if !validType(f.Type) {
		fields["type"] = "Tipologia sconosciuta."
	}
	if !validTarget(f.Target) {
		fields["target"] = "Destinatari sconosciuti."
	}
	if f.GestoreID == "" {
		fields["gestore"] = "L'ente gestore è obbligatorio."
	}
	if len(f.ComuneCode) != 6 {
		fields["comune"] = "Il comune (codice ISTAT di 6 cifre) è obbligatorio."
	}
	if f.Contracted < 0 || f.Active < 0 {
		fields["capacity"] = "I posti non possono essere negativi."
	} else if f.Active > f.Contracted {
		fields["capacity_active"] = "I posti attivi non possono superare quelli contrattualizzati."
	}
	if f.PriceCents < 0 {
		fields["price"] = "Il prezzo non può essere negativo."
	}
	if f.ContractFrom != nil && f.ContractTo != nil && f.ContractTo.Before(*f.ContractFrom) {
		fields["contract_end"] = "La fine del contratto precede l'inizio."
	}
	for _, x := range f.Features {
		known := false
		for _, k := range Features {
			known = known || k == x
		}
		if !known {
			fields["features"] = "Caratteristica sconosciuta: " + x
		}
	}
	switch f.Status {
	case StatusActive, StatusSuspended, StatusClosed:
	default:
		fields["status"] = "Stato sconosciuto."
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "Dati della struttura non validi.", Fields: fields}
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
	ListFacilities(ctx context.Context, f FacilityFilter) ([]Facility, error)
	FindFacility(ctx context.Context, code string) (Facility, error)
	CreateFacility(ctx context.Context, f *Facility) error
	// UpdateFacility changes the registry fields; version must match (EPRECONDITION).
	UpdateFacility(ctx context.Context, f *Facility, version int) error
	// UpdateContact lets an operator change the contact and features of its facility.
	UpdateContact(ctx context.Context, code string, version int, name, phone, email string, features []string) (Facility, error)
	// SetAvailability records the occupied places (confirmed now, by the caller);
	// version must match the facility's (EPRECONDITION).
	SetAvailability(ctx context.Context, code string, version int, a Availability) (Facility, error)
	// Hold keeps places; ECONFLICT when fewer are free. Never gives a place twice.
	Hold(ctx context.Context, code string, places int, expires time.Time, reason string) (Hold, error)
	ReleaseHold(ctx context.Context, id string) error
	// ConvertHold turns a hold into occupancy: the people have arrived.
	ConvertHold(ctx context.Context, id string) error
	ListHolds(ctx context.Context, code string) ([]Hold, error)
	AddBlock(ctx context.Context, code string, b Block) error
	// PlanFacilityImport compares file rows with the register and keeps the
	// plan for confirmation; ApplyFacilityImport applies it, all or nothing.
	PlanFacilityImport(ctx context.Context, rows []ImportRow) (ImportPlan, error)
	ApplyFacilityImport(ctx context.Context, id string, excludeErrors bool) (map[string]int, error)
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
	Action  string `json:"action"`
	Changes string `json:"changes,omitempty"`
}

// ImportError is a problem in one cell, in Italian, with its place.
type ImportError struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Msg    string `json:"message"`
}

func (e ImportError) String() string {
	return fmt.Sprintf("riga %d, colonna «%s»: %s", e.Line, e.Column, e.Msg)
}

// ImportPlan is what an import would do, kept until it is confirmed.
type ImportPlan struct {
	ID      string         `json:"id"`
	Rows    []ImportRow    `json:"rows"`
	Missing []string       `json:"missing"` // codes in the caller's scope absent from the file (not deleted)
	Counts  map[string]int `json:"counts"`
}

var facilityTypeLabels = map[FacilityType]string{
	TypeCASCollettivo: "CAS collettivo", TypeCASAppartamento: "CAS in appartamento", TypeHub: "hub", TypeCPA: "CPA",
	TypeSAIOrdinario: "SAI ordinario", TypeSAIDMDS: "SAI disagio mentale/disabilità", TypeSAIMSNA: "SAI minori",
	TypeMSNAPrima: "prima accoglienza minori",
}

// FacilityTypeLabel names a facility type in Italian.
func FacilityTypeLabel(t FacilityType) string {
	if l, ok := facilityTypeLabels[t]; ok {
		return l
	}
	return string(t)
}
