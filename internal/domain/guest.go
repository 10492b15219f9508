package domain

import (
	"context"
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
	fields := map[string]string{}
	if strings.TrimSpace(g.Surname) == "" && strings.TrimSpace(g.GivenName) == "" {
		fields["surname"] = "Cognome o nome obbligatorio."
	}
	checkText(fields, "surname", g.Surname, "given_name", g.GivenName)
	switch g.Sex {
	case SexMale, SexFemale, SexOther:
	default:
		fields["sex"] = "Sesso: M, F o X."
	}
	if g.BirthDate.IsZero() || g.BirthDate.Year() < 1900 {
		fields["birth_date"] = "Data di nascita non valida."
	}
	if len(g.Nationality) != 3 || strings.ToUpper(g.Nationality) != g.Nationality {
		fields["nationality"] = "Cittadinanza: codice ISO a tre lettere maiuscole (es. GIN)."
	}
	valid := false
	for _, s := range Stages {
		valid = valid || s == g.Stage
	}
	if !valid {
		fields["stage"] = "Fase della procedura sconosciuta."
	}
	switch g.HouseholdRole {
	case "", "head", "partner", "child", "other":
	default:
		fields["household_role"] = "Ruolo nel nucleo sconosciuto."
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Message: "Dati dell'ospite non validi.", Fields: fields}
	}
	return nil
}

// Vulnerability is an art. 17 vulnerability: sealed at rest.
type Vulnerability struct {
	Code   string    `json:"code"`
	Status string    `json:"status"` // sospetta, accertata
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
	CreateGuest(ctx context.Context, g *Guest, vulns []Vulnerability) error
	FindGuest(ctx context.Context, id string) (Guest, error)
	SearchGuests(ctx context.Context, q string) ([]Guest, error)
	Vulnerabilities(ctx context.Context, guestID string) ([]Vulnerability, error)
	Stays(ctx context.Context, guestID string) ([]Stay, error)
	RecordEntry(ctx context.Context, guestID, facilityCode string, at time.Time, override string) (Stay, error)
	// AdmitGuest registers a new guest and their entry into a facility in one
	// transaction (PermGuestWrite; the facility in the caller's write scope,
	// the household, if any, wholly in the caller's scope): both or neither.
	// Errors as CreateGuest and RecordEntry: EINVALID, ENOTFOUND, ECONFLICT.
	AdmitGuest(ctx context.Context, g *Guest, facilityCode string, at time.Time, override string) (Stay, error)
	RecordExit(ctx context.Context, stayID string, at time.Time, reason string) error
	// RecordHouseholdEntry enters a whole household together, or nobody.
	RecordHouseholdEntry(ctx context.Context, householdID, facilityCode string, at time.Time, override string) ([]Stay, error)
	// SearchPresent lists the guests with an open stay in the facilities the
	// caller may write to that match a filter, at most f.Limit of them, and
	// how many match in all.
	SearchPresent(ctx context.Context, f PresentFilter) ([]PresentGuest, int, error)
}

// PresentFilter narrows the list of present guests: one facility, and a
// search on surname, given name or CUI (any part, any case).
type PresentFilter struct {
	Facility string
	Search   string
	Limit    int
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

var stageLabels = map[ProcedureStage]string{
	StageToFormalise: "domanda da formalizzare", StageC3Lodged: "C3 presentato", StageAwaitHearing: "in attesa di audizione",
	StageHeard: "audito in Commissione", StageRefugee: "status di rifugiato", StageSubsidiary: "protezione sussidiaria",
	StageSpecial: "protezione speciale", StageRejected: "diniego", StageAppeal: "ricorso pendente",
	StageAppealDone: "ricorso deciso",
}

// StageLabel names a procedure stage in Italian.
func StageLabel(s ProcedureStage) string {
	if l, ok := stageLabels[s]; ok {
		return l
	}
	return string(s)
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

var vulnerabilityLabels = map[string]string{
	"minore": "minore", "msna": "minore non accompagnato", "disabilita": "disabilità", "anziano": "persona anziana",
	"gravidanza": "donna in gravidanza", "genitore_solo": "genitore solo con figli minori",
	"tratta": "vittima di tratta", "malattia_grave": "malattia grave", "disturbo_mentale": "disturbo mentale",
	"tortura_violenza": "vittima di tortura o violenza grave", "mutilazioni_genitali": "mutilazioni genitali",
}

// VulnerabilityLabel names an art. 17 code in Italian.
func VulnerabilityLabel(code string) string {
	if l, ok := vulnerabilityLabels[code]; ok {
		return l
	}
	return code
}
