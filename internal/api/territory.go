package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gesta-er/gesta/internal/domain"
)

// Province is the API shape of a province.
type Province struct {
	Code         string `json:"code" doc:"ISTAT code, 3 digits" example:"037"`
	Sigla        string `json:"sigla" example:"BO"`
	Name         string `json:"name" example:"Bologna"`
	UTSCode      string `json:"uts_code" doc:"Territorial unit code (237: Città metropolitana di Bologna)" example:"237"`
	NUTS3        string `json:"nuts3" example:"ITH55"`
	Metropolitan bool   `json:"metropolitan" doc:"Whether it is a Città metropolitana"`
	Residents    int    `json:"residents" doc:"Resident population (ANPR)"`
	Comuni       int    `json:"comuni" doc:"Number of comuni"`
}

// Comune is the API shape of a municipality.
type Comune struct {
	Code          string `json:"code" doc:"ISTAT code, 6 digits, as text" example:"037006"`
	Name          string `json:"name" example:"Bologna"`
	ProvinceCode  string `json:"province" doc:"ISTAT code of the province" example:"037"`
	CadastralCode string `json:"cadastral_code" example:"A944"`
	Residents     int    `json:"residents"`
	Capital       bool   `json:"capital" doc:"Whether it is a provincial capital (capoluogo)"`
}

type provincesOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         []Province
}

type comuniInput struct {
	Province string `query:"province" doc:"ISTAT code or sigla of a province; empty: the whole region" example:"037"`
}

type comuniOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         []Comune
}

type boundariesInput struct {
	Level string `path:"level" enum:"comuni,province" doc:"comuni or province"`
}

type boundariesOutput struct {
	ContentType  string `header:"Content-Type"`
	CacheControl string `header:"Cache-Control"`
	Body         []byte
}

// publicCache lets browsers and proxies keep reference data for an hour.
const publicCache = "public, max-age=3600"

func (s *Server) registerTerritory(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-provinces", Method: http.MethodGet, Path: "/territory/provinces",
		Summary: "List the provinces", Tags: []string{"territory"},
		Description: "The 9 provinces of Emilia-Romagna with ISTAT code, sigla, name and residents. Public.",
	}, func(ctx context.Context, _ *struct{}) (*provincesOutput, error) {
		ps, err := s.Territory.ListProvinces(ctx)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		out := &provincesOutput{CacheControl: publicCache, Body: make([]Province, 0, len(ps))}
		for _, p := range ps {
			out.Body = append(out.Body, Province{Code: p.Code, Sigla: p.Sigla, Name: p.Name, UTSCode: p.UTSCode,
				NUTS3: p.NUTS3, Metropolitan: p.Metropolitan(), Residents: p.Residents, Comuni: p.Comuni})
		}
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-comuni", Method: http.MethodGet, Path: "/territory/comuni",
		Summary: "List the comuni", Tags: []string{"territory"},
		Description: "The comuni of a province (or of the region), ordered by name. Public.",
		Errors:      []int{http.StatusNotFound},
	}, func(ctx context.Context, in *comuniInput) (*comuniOutput, error) {
		cs, err := s.Territory.ListComuni(ctx, domain.ComuneFilter{ProvinceCode: in.Province})
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		out := &comuniOutput{CacheControl: publicCache, Body: make([]Comune, 0, len(cs))}
		for _, c := range cs {
			out.Body = append(out.Body, Comune{Code: c.Code, Name: c.Name, ProvinceCode: c.ProvinceCode,
				CadastralCode: c.CadastralCode, Residents: c.Residents, Capital: c.Capital})
		}
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-boundaries", Method: http.MethodGet, Path: "/territory/boundaries/{level}",
		Summary: "Simplified boundaries (GeoJSON)", Tags: []string{"territory"},
		Description: "Simplified boundaries of the comuni or the provinces, WGS84. " +
			"Confini: elaborazione openpolis su dati ISTAT (CC BY 4.0). Public.",
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *boundariesInput) (*boundariesOutput, error) {
		b, err := s.Boundaries(in.Level)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &boundariesOutput{ContentType: "application/geo+json", CacheControl: publicCache, Body: b}, nil
	})
}
