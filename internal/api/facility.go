package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/gesta-er/gesta/internal/domain"
)

// etag is a facility's version as a strong entity tag.
func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// parseIfMatch returns the version named by an If-Match header.
func parseIfMatch(h string) (int, bool) {
	h = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "W/"))
	v, err := strconv.Atoi(strings.Trim(h, `"`))
	return v, err == nil && v > 0
}

type facilitiesInput struct {
	Province string `query:"province" doc:"Sigla or ISTAT code of a province"`
	Type     string `query:"type" enum:"cas_collettivo,cas_appartamento,hub,cpa,sai_ordinario,sai_dm_ds,sai_msna,msna_prima_accoglienza,"`
	Target   string `query:"target" enum:"uomini,donne,nuclei,msna,misto,"`
	Feature  string `query:"feature" enum:"wheelchair,vulnerable,infants,medical,"`
	Stale    bool   `query:"stale" doc:"Only facilities not confirmed since the last deadline"`
}

type facilitiesOutput struct{ Body []domain.Facility }

type facilityInput struct {
	Code string `path:"code" example:"BO-0001"`
}

type facilityOutput struct {
	ETag string `header:"ETag"`
	Body domain.Facility
}

type availabilityInput struct {
	Code    string `path:"code"`
	IfMatch string `header:"If-Match" doc:"The facility's ETag, as last read: required"`
	Body    domain.Availability
}

type holdInput struct {
	Code string `path:"code"`
	Body struct {
		Places    int       `json:"places" minimum:"1" maximum:"500"`
		ExpiresAt time.Time `json:"expires_at"`
		Reason    string    `json:"reason" minLength:"1" maxLength:"200"`
	}
}

type holdOutput struct {
	Location string `header:"Location"`
	Body     domain.Hold
}

type holdIDInput struct {
	ID string `path:"id"`
}

type boardInput struct {
	Province string `query:"province"`
	Type     string `query:"type"`
	Target   string `query:"target"`
	Feature  string `query:"feature"`
}

type boardOutput struct{ Body domain.Board }

// Change is the event a board receives when a facility's figures change.
type Change struct {
	Facility string `json:"facility" doc:"Code of the facility that changed"`
}

func (s *Server) registerFacilities(api huma.API) {
	tags := []string{"facilities"}
	huma.Register(api, huma.Operation{
		OperationID: "list-facilities", Method: http.MethodGet, Path: "/facilities", Tags: tags, Security: secured,
		Summary:     "List facilities with their free places",
		Description: "Scoped: the coordinator and the prefectures read the region, an operator its own facilities.",
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *facilitiesInput) (*facilitiesOutput, error) {
		fs, err := s.Facilities.ListFacilities(ctx, domain.FacilityFilter{ProvinceCode: in.Province,
			Type: domain.FacilityType(in.Type), Target: domain.Target(in.Target), Feature: in.Feature, OnlyStale: in.Stale})
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		if fs == nil {
			fs = []domain.Facility{}
		}
		return &facilitiesOutput{Body: fs}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-facility", Method: http.MethodGet, Path: "/facilities/{code}", Tags: tags, Security: secured,
		Summary: "One facility with its free places", Description: "The ETag header is the version to send in If-Match.",
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *facilityInput) (*facilityOutput, error) {
		f, err := s.Facilities.FindFacility(ctx, in.Code)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &facilityOutput{ETag: etag(f.Version), Body: f}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "put-availability", Method: http.MethodPut, Path: "/facilities/{code}/availability", Tags: tags,
		Security: secured, Summary: "Declare occupied places (confirms the figures)",
		// A facility whose occupancy comes from the guest registry (uses_registry) takes only its current figure: a confirmation.
		Metadata:    map[string]any{requiresIfMatch: true},
		Description: "Optimistic concurrency: without If-Match the answer is 428, with a stale one 412. For a facility with uses_registry the occupied places come from the guest registry (entries and exits): only the current figure is accepted, as a confirmation; another is refused with 422.",
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusPreconditionFailed,
			http.StatusPreconditionRequired, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *availabilityInput) (*facilityOutput, error) {
		version, ok := parseIfMatch(in.IfMatch)
		if !ok {
			return nil, s.problem(ctx, domain.Err(domain.EPRECONDREQUIRE, "err.api.if_match"))
		}
		f, err := s.Facilities.SetAvailability(ctx, in.Code, version, in.Body)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &facilityOutput{ETag: etag(f.Version), Body: f}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "create-hold", Method: http.MethodPost, Path: "/facilities/{code}/holds", Tags: tags,
		Security: secured, DefaultStatus: http.StatusCreated, Summary: "Hold places in a facility",
		Description: "201 with the hold, or 409 when fewer places are free. A place is never given twice.",
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
			http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *holdInput) (*holdOutput, error) {
		h, err := s.Facilities.Hold(ctx, in.Code, in.Body.Places, in.Body.ExpiresAt, in.Body.Reason)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &holdOutput{Location: fmt.Sprintf("%s/holds/%s", Prefix, h.ID), Body: h}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "release-hold", Method: http.MethodDelete, Path: "/holds/{id}", Tags: tags, Security: secured,
		DefaultStatus: http.StatusNoContent, Summary: "Release a hold before its expiry",
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *holdIDInput) (*struct{}, error) {
		if err := s.Facilities.ReleaseHold(ctx, in.ID); err != nil {
			return nil, s.problem(ctx, err)
		}
		return nil, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "convert-hold", Method: http.MethodPost, Path: "/holds/{id}/convert", Tags: tags, Security: secured,
		DefaultStatus: http.StatusNoContent, Summary: "Turn a hold into occupancy (the people arrived)",
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *holdIDInput) (*struct{}, error) {
		if err := s.Facilities.ConvertHold(ctx, in.ID); err != nil {
			return nil, s.problem(ctx, err)
		}
		return nil, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-board", Method: http.MethodGet, Path: "/board", Tags: tags, Security: secured,
		Summary:     "The regional board: free places by province and target",
		Description: "Aggregated figures; available to roles that read facilities or statistics.",
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden},
	}, func(ctx context.Context, in *boardInput) (*boardOutput, error) {
		b, err := s.Facilities.Board(ctx, domain.FacilityFilter{ProvinceCode: in.Province,
			Type: domain.FacilityType(in.Type), Target: domain.Target(in.Target), Feature: in.Feature})
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &boardOutput{Body: b}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "board-events", Method: http.MethodGet, Path: "/board/events", Tags: tags, Security: secured,
		Summary: "Live changes of the board (Server-Sent Events)",
		Description: "A stream of `event: change` messages whose data is `{\"facility\": CODE}`, one per facility " +
			"whose figures changed; `event: ping` every 25 s keeps the line open.",
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden},
		Responses: map[string]*huma.Response{"200": {Description: "Server-Sent Events",
			Content: map[string]*huma.MediaType{"text/event-stream": {}}}},
	}, func(ctx context.Context, _ *struct{}) (*huma.StreamResponse, error) {
		// The same right as the board itself, checked before the stream opens.
		if _, err := s.Facilities.Board(ctx, domain.FacilityFilter{}); err != nil {
			return nil, s.problem(ctx, err)
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) { s.streamChanges(ctx, hctx) }}, nil
	})
}

// streamChanges writes Server-Sent Events until the client goes away.
func (s *Server) streamChanges(ctx context.Context, hctx huma.Context) {
	if s.Streaming != nil {
		s.Streaming(ctx)
	}
	hctx.SetHeader("Content-Type", "text/event-stream")
	hctx.SetHeader("Cache-Control", "no-store")
	hctx.SetHeader("X-Accel-Buffering", "no")
	_, w := humago.Unwrap(hctx)
	rc := http.NewResponseController(w)
	write := func(event, data string) bool {
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	ch, stop := s.Events.Subscribe()
	defer stop()
	if !write("ping", "{}") { // tells the client the stream is open
		return
	}
	keepAlive := time.NewTicker(25 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case code, ok := <-ch:
			b, _ := json.Marshal(Change{Facility: code})
			if !ok || !write("change", string(b)) {
				return
			}
		case <-keepAlive.C:
			if !write("ping", "{}") {
				return
			}
		}
	}
}
