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
	By       string `query:"by" enum:"sex,age,nationality,household,stage,comune,facility_type,length" required:"true"`
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

type dashboardInput struct {
	Province  string `query:"province" doc:"Sigla or ISTAT code; empty: the region (or the caller's province)"`
	Date      string `query:"date" doc:"YYYY-MM-DD, end of day, Italian time; empty: today"`
	AfterDays int    `query:"after_days" minimum:"0" maximum:"3650" default:"30" doc:"Days after a final decision that count as overdue"`
}

type dashboardOutput struct{ Body *domain.Dashboard }

func parseDay(v string) (time.Time, error) {
	if v == "" {
		return time.Now(), nil
	}
	d, err := time.Parse("2006-01-02", v)
	if err != nil {
		return d, huma.Error422UnprocessableEntity("date: AAAA-MM-GG")
	}
	return d.Add(12 * time.Hour), nil
}

func (s *Server) registerStats(api huma.API) {
	if s.Dashboard != nil {
		huma.Register(api, huma.Operation{OperationID: "stats-dashboard", Method: http.MethodGet, Path: "/stats/dashboard",
			Tags: []string{"statistics"}, Security: secured, Summary: "The population dashboard of a territory on a date",
			Metadata:    map[string]any{requiresPerm: domain.PermStatsRead},
			Description: "Every breakdown of the dashboard page, entries and exits per month, and vulnerability counts for roles that may read them.",
			Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}},
			func(ctx context.Context, in *dashboardInput) (*dashboardOutput, error) {
				day, err := parseDay(in.Date)
				if err != nil {
					return nil, err
				}
				d, err := s.Dashboard(ctx, in.Province, day, in.AfterDays)
				if err != nil {
					return nil, s.problem(ctx, err)
				}
				s.localizer(ctx).DashboardLabels(d)
				return &dashboardOutput{Body: d}, nil
			})
	}
	huma.Register(api, huma.Operation{OperationID: "stats-population", Method: http.MethodGet, Path: "/stats/population",
		Tags: []string{"statistics"}, Security: secured, Summary: "People present on a date, by one dimension",
		Metadata:    map[string]any{requiresPerm: domain.PermStatsRead},
		Description: "From the stays, so past dates are answered as they were. Every breakdown sums to the same total.",
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}},
		func(ctx context.Context, in *populationInput) (*populationOutput, error) {
			day, err := parseDay(in.Date)
			if err != nil {
				return nil, err
			}
			items, total, err := s.Population(ctx, in.Province, day, in.By)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			s.localizer(ctx).StatLabels(in.By, items)
			out := &populationOutput{}
			out.Body.Date, out.Body.Province, out.Body.By, out.Body.Total = day.Format("2006-01-02"), in.Province, in.By, total
			out.Body.Items = items
			if out.Body.Items == nil {
				out.Body.Items = []domain.StatItem{}
			}
			return out, nil
		})
}
