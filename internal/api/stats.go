package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gesta-er/gesta/internal/domain"
)

type populationInput struct {
	Province string `query:"province" doc:"Sigla or ISTAT code; empty: the region (or the caller's province)"`
	Date     string `query:"date" doc:"YYYY-MM-DD, end of day, Italian time; empty: today"`
	By       string `query:"by" enum:"sex,age,nationality,household,stage,comune" required:"true"`
}

type populationOutput struct {
	Body struct {
		Date     string            `json:"date"`
		Province string            `json:"province"`
		By       string            `json:"by"`
		Total    int               `json:"total"`
		Items    []domain.StatItem `json:"items"`
	}
}

func (s *Server) registerStats(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "stats-population", Method: http.MethodGet, Path: "/stats/population",
		Tags: []string{"statistics"}, Security: secured, Summary: "People present on a date, by one dimension",
		Metadata:    map[string]any{requiresPerm: domain.PermStatsRead},
		Description: "From the stays, so past dates are answered as they were. Every breakdown sums to the same total.",
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}},
		func(ctx context.Context, in *populationInput) (*populationOutput, error) {
			day := time.Now()
			if in.Date != "" {
				d, err := time.Parse("2006-01-02", in.Date)
				if err != nil {
					return nil, huma.Error422UnprocessableEntity("date: AAAA-MM-GG")
				}
				day = d.Add(12 * time.Hour)
			}
			items, total, err := s.Population(ctx, in.Province, day, in.By)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &populationOutput{}
			out.Body.Date, out.Body.Province, out.Body.By, out.Body.Total = day.Format("2006-01-02"), in.Province, in.By, total
			out.Body.Items = items
			if out.Body.Items == nil {
				out.Body.Items = []domain.StatItem{}
			}
			return out, nil
		})
}
