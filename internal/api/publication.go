package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gesta-er/gesta/internal/domain"
)

type publicationCreateInput struct {
	Body struct {
		ReferenceDate string `json:"reference_date,omitempty" doc:"YYYY-MM-DD; empty: the last day of the previous month"`
		Note          string `json:"note,omitempty" maxLength:"2000" doc:"Why this version (required to correct a published date)"`
	}
}

type publicationPublishInput struct {
	ID   string `path:"id"`
	Body *struct {
		Note string `json:"note,omitempty" maxLength:"2000" doc:"Replaces the draft's note; a correction needs one"`
	} `required:"false"`
}

// publicationBody is a publication; on creation its preview (every table as
// the public will see it, with each cell's raw value and rule codes).
type publicationBody struct {
	domain.Publication
	Preview *domain.PublicTables `json:"preview,omitempty"`
}

type publicationOutput struct{ Body publicationBody }

type publicationsOutput struct{ Body []domain.Publication }

func (s *Server) registerPublications(api huma.API) {
	tags := []string{"publications"}
	meta := map[string]any{requiresPerm: domain.PermPublish}
	errs := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}
	create := huma.Operation{OperationID: "create-publication", Method: http.MethodPost, Path: "/publications", Tags: tags,
		Security: secured, Metadata: meta, Errors: errs, DefaultStatus: http.StatusCreated,
		Summary:     "Make the draft publication of a reference date (coordinator)",
		Description: "Computes the Metropolitan City of Bologna's figures at the end of the date, applies disclosure control and returns the draft with its preview. A future date is 422; a draft already waiting for the date is 409."}
	huma.Register(api, create, func(ctx context.Context, in *publicationCreateInput) (*publicationOutput, error) {
		p, err := s.Publications.CreateDraft(ctx, in.Body.ReferenceDate, in.Body.Note)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		out := &publicationOutput{Body: publicationBody{Publication: p, Preview: p.Tables}}
		out.Body.Tables = nil
		return out, nil
	})
	huma.Register(api, huma.Operation{OperationID: "publish-publication", Method: http.MethodPost, Path: "/publications/{id}/publish",
		Tags: tags, Security: secured, Metadata: meta, Errors: errs,
		Summary:     "Publish a draft (coordinator)",
		Description: "The draft becomes public; a published version of the same date becomes superseded and stays downloadable. Publishing twice is 409; a correction without a note is 422."},
		func(ctx context.Context, in *publicationPublishInput) (*publicationOutput, error) {
			note := ""
			if in.Body != nil {
				note = in.Body.Note
			}
			p, err := s.Publications.Publish(ctx, in.ID, note)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			p.Tables = nil
			return &publicationOutput{Body: publicationBody{Publication: p}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-publications", Method: http.MethodGet, Path: "/publications",
		Tags: tags, Security: secured, Metadata: meta, Errors: errs,
		Summary: "Every publication, drafts included, newest first (coordinator)"},
		func(ctx context.Context, _ *struct{}) (*publicationsOutput, error) {
			ps, err := s.Publications.List(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &publicationsOutput{Body: ps}, nil
		})
}
