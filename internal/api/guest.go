package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gesta-er/gesta/internal/domain"
)

type guestBody struct {
	CUI             string                 `json:"cui,omitempty" maxLength:"30"`
	Surname         string                 `json:"surname" maxLength:"100"`
	GivenName       string                 `json:"given_name" maxLength:"100"`
	Sex             string                 `json:"sex" enum:"M,F,X"`
	BirthDate       string                 `json:"birth_date" format:"date" doc:"YYYY-MM-DD"`
	BirthEstimated  bool                   `json:"birth_estimated,omitempty" doc:"Only the year is known"`
	Nationality     string                 `json:"nationality" minLength:"3" maxLength:"3" doc:"ISO 3166-1 alpha-3"`
	HouseholdID     string                 `json:"household_id,omitempty"`
	HouseholdRole   string                 `json:"household_role,omitempty" enum:"head,partner,child,other,"`
	MSNA            bool                   `json:"msna,omitempty"`
	ArrivalChannel  string                 `json:"arrival_channel,omitempty"`
	ArrivalPlace    string                 `json:"arrival_place,omitempty"`
	Stage           string                 `json:"stage"`
	Vulnerabilities []domain.Vulnerability `json:"vulnerabilities,omitempty" doc:"Art. 17; needs vulnerability:read to read back"`
}

type guestCreateInput struct{ Body guestBody }

type guestOutput struct{ Body domain.Guest }

type guestIDInput struct {
	ID      string `path:"id"`
	Purpose string `query:"purpose" enum:"gestione,verifica,controllo,trasferimento,richiesta_interessato," doc:"Why the record is read; kept in its access log"`
}

type guestAccessesOutput struct {
	Body struct {
		Items []domain.GuestAccess `json:"items"`
	}
}

type guestSearchInput struct {
	Q       string `query:"q" minLength:"2" doc:"CUI, or part of a name (transliteration variants match)"`
	Purpose string `query:"purpose" enum:"gestione,verifica,controllo,trasferimento,richiesta_interessato," doc:"Why; kept in the access log of each guest found"`
}

type guestSearchBodyInput struct {
	Body struct {
		Q       string `json:"q" minLength:"2" maxLength:"100" doc:"CUI, or part of a name (transliteration variants match)"`
		Purpose string `json:"purpose,omitempty" enum:"gestione,verifica,controllo,trasferimento,richiesta_interessato," doc:"Why; kept in the access log of each guest found"`
	}
}

type guestsOutput struct{ Body []domain.Guest }

type vulnsOutput struct{ Body []domain.Vulnerability }

type staysOutput struct{ Body []domain.Stay }

type entryInput struct {
	Body struct {
		GuestID          string    `json:"guest_id"`
		Facility         string    `json:"facility" doc:"Facility code"`
		EnteredAt        time.Time `json:"entered_at"`
		CapacityOverride string    `json:"capacity_override,omitempty" doc:"Reason, to enter over the active capacity"`
	}
}

type stayOutput struct{ Body domain.Stay }

type householdEntryInput struct {
	ID   string `path:"id" doc:"Household id"`
	Body struct {
		Facility         string    `json:"facility" doc:"Facility code"`
		EnteredAt        time.Time `json:"entered_at"`
		CapacityOverride string    `json:"capacity_override,omitempty" doc:"Reason, to enter over the active capacity"`
	}
}

type exitInput struct {
	ID   string `path:"id"`
	Body struct {
		ExitedAt   time.Time `json:"exited_at"`
		ExitReason string    `json:"exit_reason"`
	}
}

func (s *Server) registerGuests(api huma.API) {
	tags := []string{"guests"}
	read := map[string]any{requiresPerm: domain.PermGuestRead}
	write := map[string]any{requiresPerm: domain.PermGuestWrite}
	errs := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}
	huma.Register(api, huma.Operation{OperationID: "create-guest", Method: http.MethodPost, Path: "/guests", Tags: tags,
		Security: secured, Metadata: write, DefaultStatus: http.StatusCreated, Summary: "Register a guest",
		Errors: append(errs, http.StatusConflict, http.StatusUnprocessableEntity)},
		func(ctx context.Context, in *guestCreateInput) (*guestOutput, error) {
			b := in.Body
			birth, err := time.Parse("2006-01-02", b.BirthDate)
			if err != nil {
				return nil, huma.Error422UnprocessableEntity("birth_date: data non valida (AAAA-MM-GG)")
			}
			g := domain.Guest{CUI: b.CUI, Surname: b.Surname, GivenName: b.GivenName, Sex: b.Sex, BirthDate: birth,
				BirthEstimated: b.BirthEstimated, Nationality: b.Nationality, HouseholdID: b.HouseholdID,
				HouseholdRole: b.HouseholdRole, MSNA: b.MSNA, ArrivalChannel: b.ArrivalChannel, ArrivalPlace: b.ArrivalPlace,
				Stage: domain.ProcedureStage(b.Stage)}
			if err := s.Guests.CreateGuest(ctx, &g, b.Vulnerabilities); err != nil {
				return nil, s.problem(ctx, err)
			}
			return &guestOutput{Body: g}, nil
		})
	search := func(ctx context.Context, q string) (*guestsOutput, error) {
		gs, err := s.Guests.SearchGuests(ctx, q)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		if gs == nil {
			gs = []domain.Guest{}
		}
		return &guestsOutput{Body: gs}, nil
	}
	huma.Register(api, huma.Operation{OperationID: "search-guests", Method: http.MethodGet, Path: "/guests", Tags: tags,
		Security: secured, Metadata: read, Deprecated: true, Errors: errs,
		Summary:     "Find guests in scope by CUI or name (deprecated: the name travels in the URL)",
		Description: "Use `POST /guests/search`: a name in a query string can end up in proxies' logs and browser histories."},
		func(ctx context.Context, in *guestSearchInput) (*guestsOutput, error) {
			return search(domain.NewContextWithPurpose(ctx, in.Purpose), in.Q)
		})
	huma.Register(api, huma.Operation{OperationID: "search-guests-body", Method: http.MethodPost, Path: "/guests/search",
		Tags: tags, Security: secured, Metadata: read, Errors: errs,
		Summary: "Find guests in scope by CUI or name, the name in the body (nothing is written)"},
		func(ctx context.Context, in *guestSearchBodyInput) (*guestsOutput, error) {
			return search(domain.NewContextWithPurpose(ctx, in.Body.Purpose), in.Body.Q)
		})
	huma.Register(api, huma.Operation{OperationID: "get-guest", Method: http.MethodGet, Path: "/guests/{id}", Tags: tags,
		Security: secured, Metadata: read, Summary: "One guest", Errors: errs},
		func(ctx context.Context, in *guestIDInput) (*guestOutput, error) {
			g, err := s.Guests.FindGuest(domain.NewContextWithPurpose(ctx, in.Purpose), in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &guestOutput{Body: g}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-guest-vulnerabilities", Method: http.MethodGet,
		Path: "/guests/{id}/vulnerabilities", Tags: tags, Security: secured,
		Metadata: map[string]any{requiresPerm: domain.PermVulnRead}, Summary: "A guest's vulnerabilities (audited read)", Errors: errs},
		func(ctx context.Context, in *guestIDInput) (*vulnsOutput, error) {
			vs, err := s.Guests.Vulnerabilities(domain.NewContextWithPurpose(ctx, in.Purpose), in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			if vs == nil {
				vs = []domain.Vulnerability{}
			}
			return &vulnsOutput{Body: vs}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-guest-stays", Method: http.MethodGet, Path: "/guests/{id}/stays",
		Tags: tags, Security: secured, Metadata: read, Summary: "A guest's stays", Errors: errs},
		func(ctx context.Context, in *guestIDInput) (*staysOutput, error) {
			st, err := s.Guests.Stays(domain.NewContextWithPurpose(ctx, in.Purpose), in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			if st == nil {
				st = []domain.Stay{}
			}
			return &staysOutput{Body: st}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-guest-accesses", Method: http.MethodGet,
		Path: "/guests/{id}/accesses", Tags: tags, Security: secured,
		Summary:     "Who read the guest's record (newest first)",
		Description: "The coordinator and the administrator for any guest; a prefecture for the guests of its province. Each read of a guest — the record, its stays, its vulnerabilities, a search or a list that shows it — leaves a row in the read's own transaction.",
		Errors:      errs},
		func(ctx context.Context, in *guestIDInput) (*guestAccessesOutput, error) {
			items, err := s.Guests.GuestAccesses(ctx, in.ID, 1000)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &guestAccessesOutput{}
			out.Body.Items = items
			if out.Body.Items == nil {
				out.Body.Items = []domain.GuestAccess{}
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-stay", Method: http.MethodPost, Path: "/stays", Tags: tags,
		Security: secured, Metadata: write, DefaultStatus: http.StatusCreated, Summary: "Record an entry",
		Errors: append(errs, http.StatusConflict, http.StatusUnprocessableEntity)},
		func(ctx context.Context, in *entryInput) (*stayOutput, error) {
			st, err := s.Guests.RecordEntry(ctx, in.Body.GuestID, in.Body.Facility, in.Body.EnteredAt, in.Body.CapacityOverride)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &stayOutput{Body: st}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-household-stays", Method: http.MethodPost,
		Path: "/households/{id}/stays", Tags: tags, Security: secured, Metadata: write, DefaultStatus: http.StatusCreated,
		Summary:     "Record the entry of a whole household",
		Description: "A household is one unit for placement: every member without an open stay enters the facility, or none does (409).",
		Errors:      append(errs, http.StatusConflict, http.StatusUnprocessableEntity)},
		func(ctx context.Context, in *householdEntryInput) (*staysOutput, error) {
			st, err := s.Guests.RecordHouseholdEntry(ctx, in.ID, in.Body.Facility, in.Body.EnteredAt, in.Body.CapacityOverride)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &staysOutput{Body: st}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "exit-stay", Method: http.MethodPost, Path: "/stays/{id}/exit", Tags: tags,
		Security: secured, Metadata: write, DefaultStatus: http.StatusNoContent, Summary: "Record an exit",
		Errors: append(errs, http.StatusUnprocessableEntity)},
		func(ctx context.Context, in *exitInput) (*struct{}, error) {
			if err := s.Guests.RecordExit(ctx, in.ID, in.Body.ExitedAt, in.Body.ExitReason); err != nil {
				return nil, s.problem(ctx, err)
			}
			return nil, nil
		})
}
