package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gesta-er/gesta/internal/domain"
)

// The register of facilities, for prefectures that keep it from their own
// tools: create, and change with If-Match. The fields are the register's (not
// the ledger's: occupancy is PUT .../availability). Every reference — the
// managing entity, the comune — is checked by the store inside the
// transaction against the facility's province and the caller's scope.

// registerFields are the register's fields as a client sends them; in a
// PATCH every one is optional and an absent one keeps its value.
type registerFields struct {
	Name          *string    `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Type          *string    `json:"type,omitempty" enum:"cas_collettivo,cas_appartamento,hub,cpa,sai_ordinario,sai_dm_ds,sai_msna,msna_prima_accoglienza"`
	Target        *string    `json:"target,omitempty" enum:"uomini,donne,nuclei,msna,misto"`
	GestoreID     *string    `json:"gestore_id,omitempty" doc:"A managing entity registered in the facility's province"`
	Comune        *string    `json:"comune,omitempty" pattern:"^[0-9]{6}$" doc:"ISTAT code of a comune of the facility's province"`
	Address       *string    `json:"address,omitempty" maxLength:"300"`
	CIG           *string    `json:"cig,omitempty" maxLength:"20"`
	ContractStart *time.Time `json:"contract_start,omitempty"`
	ContractEnd   *time.Time `json:"contract_end,omitempty"`
	PriceCents    *int       `json:"price_per_day_cents,omitempty" minimum:"0"`
	Contracted    *int       `json:"capacity_contracted,omitempty" minimum:"0" maximum:"100000"`
	Active        *int       `json:"capacity_active,omitempty" minimum:"0" maximum:"100000"`
	Features      *[]string  `json:"features,omitempty" maxItems:"10"`
	Status        *string    `json:"status,omitempty" enum:"active,suspended,closed"`
}

// apply copies the fields that were sent onto f.
func (b registerFields) apply(f *domain.Facility) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&f.Name, b.Name)
	set(&f.GestoreID, b.GestoreID)
	set(&f.ComuneCode, b.Comune)
	set(&f.Address, b.Address)
	set(&f.CIG, b.CIG)
	if b.Type != nil {
		f.Type = domain.FacilityType(*b.Type)
	}
	if b.Target != nil {
		f.Target = domain.Target(*b.Target)
	}
	if b.ContractStart != nil {
		f.ContractFrom = b.ContractStart
	}
	if b.ContractEnd != nil {
		f.ContractTo = b.ContractEnd
	}
	if b.PriceCents != nil {
		f.PriceCents = *b.PriceCents
	}
	if b.Contracted != nil {
		f.Contracted = *b.Contracted
	}
	if b.Active != nil {
		f.Active = *b.Active
	}
	if b.Features != nil {
		f.Features = *b.Features
	}
	if b.Status != nil {
		f.Status = domain.FacilityStatus(*b.Status)
	}
}

type facilityCreateInput struct {
	Body registerFields
}

type facilityCreateOutput struct {
	Location string `header:"Location"`
	ETag     string `header:"ETag"`
	Body     domain.Facility
}

type facilityPatchInput struct {
	Code    string `path:"code" example:"BO-0001"`
	IfMatch string `header:"If-Match" doc:"The facility's ETag, as last read: required"`
	Body    registerFields
}

func (s *Server) registerFacilityRegister(api huma.API) {
	tags := []string{"facilities"}
	write := map[string]any{requiresPerm: domain.PermFacilityWrite}
	huma.Register(api, huma.Operation{
		OperationID: "create-facility", Method: http.MethodPost, Path: "/facilities", Tags: tags, Security: secured,
		Metadata: write, DefaultStatus: http.StatusCreated, Summary: "Add a facility to the register",
		Description: "The province follows from the comune (a prefecture: only its own); the managing entity must be " +
			"registered in that province. The code is assigned (`BO-0043`). Required: name, type, target, gestore_id, " +
			"comune, capacity_contracted, capacity_active.",
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *facilityCreateInput) (*facilityCreateOutput, error) {
		f := domain.Facility{Status: domain.StatusActive, Features: []string{}}
		in.Body.apply(&f)
		if err := s.Facilities.CreateFacility(ctx, &f); err != nil {
			return nil, s.problem(ctx, err)
		}
		created, err := s.Facilities.FindFacility(ctx, f.Code)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &facilityCreateOutput{Location: fmt.Sprintf("%s/facilities/%s", Prefix, f.Code), ETag: etag(created.Version),
			Body: created}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "patch-facility", Method: http.MethodPatch, Path: "/facilities/{code}", Tags: tags,
		Security: secured, Metadata: map[string]any{requiresPerm: domain.PermFacilityWrite, requiresIfMatch: true},
		Summary: "Change a facility's register fields",
		Description: "Only the fields sent change. Optimistic concurrency: without If-Match 428, with a stale one 412. " +
			"The comune stays in the facility's province and the managing entity must be registered there.",
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusPreconditionFailed,
			http.StatusPreconditionRequired, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *facilityPatchInput) (*facilityOutput, error) {
		version, ok := parseIfMatch(in.IfMatch)
		if !ok {
			return nil, huma.NewError(http.StatusPreconditionRequired,
				"Intestazione If-Match obbligatoria: leggi la struttura e rimanda il suo ETag.")
		}
		f, err := s.Facilities.FindFacility(ctx, in.Code)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		in.Body.apply(&f)
		if err := s.Facilities.UpdateFacility(ctx, &f, version); err != nil {
			return nil, s.problem(ctx, err)
		}
		updated, err := s.Facilities.FindFacility(ctx, f.Code)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &facilityOutput{ETag: etag(updated.Version), Body: updated}, nil
	})
}
