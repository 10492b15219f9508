package domain

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// OfficeKind says what a public office is. Only prefectures for now; the
// Ministry's department may follow.
type OfficeKind string

const OfficePrefecture OfficeKind = "prefecture"

// Office is a public office using gesta: one prefecture per province. The
// Prefecture of Bologna is the regional coordinator.
type Office struct {
	ID           string     `json:"id"`
	Kind         OfficeKind `json:"kind"`
	ProvinceCode string     `json:"province_code"`
	Sigla        string     `json:"sigla"`
	Name         string     `json:"name"`
	Coordinator  bool       `json:"coordinator"`
	Email        string     `json:"email"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Gestore is a managing entity (ente gestore), often a social cooperative,
// running reception facilities.
type Gestore struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	TaxCode      string    `json:"tax_code"` // codice fiscale / partita IVA, 11 digits
	ProvinceCode string    `json:"province_code"`
	Email        string    `json:"email"`
	Phone        string    `json:"phone"`
	CreatedAt    time.Time `json:"created_at"`
}

// Validate reports the first problem with g as an EINVALID error.
func (g *Gestore) Validate() error {
	fields := map[string]FieldError{}
	if strings.TrimSpace(g.Name) == "" {
		fields["name"] = Field("err.field.name_required")
	}
	checkText(fields, "name", g.Name)
	if len(g.TaxCode) != 11 || strings.Trim(g.TaxCode, "0123456789") != "" {
		fields["tax_code"] = Field("err.gestore.tax_code")
	}
	if g.ProvinceCode == "" {
		fields["province_code"] = Field("err.field.province_required")
	}
	if g.Email != "" {
		if _, err := mail.ParseAddress(g.Email); err != nil {
			fields["email"] = Field("err.field.email")
		}
	}
	if len(fields) > 0 {
		return Err(EINVALID, "err.gestore.invalid").WithFields(fields)
	}
	return nil
}

// ServiceKind is the kind of a territorial service. The codes are stable; the
// Italian labels live in the UI catalogues.
type ServiceKind string

const (
	ServiceCSM          ServiceKind = "csm"         // centro di salute mentale
	ServiceSerDP        ServiceKind = "serdp"       // dipendenze patologiche
	ServiceNPIA         ServiceKind = "npia"        // neuropsichiatria dell'infanzia e adolescenza
	ServiceConsultorio  ServiceKind = "consultorio" // consultorio familiare
	ServiceSocial       ServiceKind = "servizio_sociale"
	ServiceAntiTratta   ServiceKind = "antitratta"   // anti-trafficking (Oltre la Strada)
	ServiceAntiViolenza ServiceKind = "antiviolenza" // centro antiviolenza
	ServiceHealth       ServiceKind = "sanitario"    // health district / AUSL
	ServiceTranscult    ServiceKind = "etnopsichiatria"
	ServiceMSNA         ServiceKind = "msna"   // minors' services
	ServiceLegal        ServiceKind = "legale" // legal aid
	ServiceSAI          ServiceKind = "sai"    // SAI coordination
)

// ServiceKinds lists the kinds in display order.
var ServiceKinds = []ServiceKind{
	ServiceCSM, ServiceSerDP, ServiceNPIA, ServiceConsultorio, ServiceSocial, ServiceAntiTratta,
	ServiceAntiViolenza, ServiceHealth, ServiceTranscult, ServiceMSNA, ServiceLegal, ServiceSAI,
}

// Valid reports whether k is a known kind.
func (k ServiceKind) Valid() bool {
	for _, v := range ServiceKinds {
		if v == k {
			return true
		}
	}
	return false
}

// Service is a territorial service (servizio territoriale) that cases may be
// referred to.
type Service struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Kind         ServiceKind `json:"kind"`
	ProvinceCode string      `json:"province_code"`
	Email        string      `json:"email"`
	CreatedAt    time.Time   `json:"created_at"`
}

// OrgFilter narrows lists of organisations.
type OrgFilter struct {
	ProvinceCode string
	Limit        int // 0: no limit
}

// OrgService reads and writes offices and organisations.
type OrgService interface {
	// ListOffices returns the offices ordered by province code. Anyone signed in.
	ListOffices(ctx context.Context) ([]Office, error)
	// FindOfficeBySigla returns the office of a province; ENOTFOUND if none.
	FindOfficeBySigla(ctx context.Context, sigla string) (Office, error)
	// ListGestori returns the managing entities in the caller's scope, ordered
	// by name: a prefecture its province's, an operator its own, a service
	// user its province's. Needs PermOrgRead (EFORBIDDEN).
	ListGestori(ctx context.Context, f OrgFilter) ([]Gestore, error)
	// ListServices returns the territorial services in the caller's scope,
	// ordered by province and name. Needs PermOrgRead (EFORBIDDEN).
	ListServices(ctx context.Context, f OrgFilter) ([]Service, error)
	// CreateGestore validates and stores g, filling its id and time, with its
	// audit row, in one transaction. EINVALID on bad input, ECONFLICT when the
	// tax code is taken. It checks no permission of its own: no route calls
	// it today (tests and tools only); one that does must check org:write.
	CreateGestore(ctx context.Context, g *Gestore) error
	// CreateService validates and stores s, filling its id and time, with its
	// audit row, in one transaction. EINVALID without a name, a known kind or
	// a province. Like CreateGestore, no permission check of its own (no
	// route calls it today).
	CreateService(ctx context.Context, s *Service) error
}
