package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gesta-er/gesta/internal/domain"
)

type unitBody struct {
	ID    string   `json:"id" minLength:"1" maxLength:"40"`
	Size  int      `json:"size" minimum:"1" maximum:"15"`
	Group string   `json:"group" enum:"uomini,donne,nuclei,msna"`
	Needs []string `json:"needs,omitempty" doc:"Facility features the unit needs (wheelchair, vulnerable, infants, medical)"`
}

type personBody struct {
	UnitID         string `json:"unit_id"`
	CUI            string `json:"cui,omitempty" maxLength:"30"`
	Surname        string `json:"surname" maxLength:"100"`
	GivenName      string `json:"given_name" maxLength:"100"`
	Sex            string `json:"sex" enum:"M,F,X"`
	BirthDate      string `json:"birth_date" format:"date" doc:"YYYY-MM-DD; 01/01 of the year when only the year is known"`
	BirthEstimated bool   `json:"birth_estimated,omitempty"`
	Nationality    string `json:"nationality" minLength:"3" maxLength:"3"`
	MSNA           bool   `json:"msna,omitempty"`
	HouseholdRole  string `json:"household_role,omitempty" enum:"head,partner,child,other,"`
}

func toUnits(bs []unitBody) []domain.PlanUnit {
	us := make([]domain.PlanUnit, len(bs))
	for i, b := range bs {
		us[i] = domain.PlanUnit{ID: b.ID, Size: b.Size, Group: b.Group, Needs: b.Needs}
	}
	return us
}

func toPersons(bs []personBody) ([]domain.PlanPerson, error) {
	ps := make([]domain.PlanPerson, len(bs))
	for i, b := range bs {
		birth, err := time.Parse("2006-01-02", b.BirthDate)
		if err != nil {
			return nil, huma.Error422UnprocessableEntity("persons: data di nascita non valida (AAAA-MM-GG) alla riga " + strconv.Itoa(i+1))
		}
		ps[i] = domain.PlanPerson{UnitID: b.UnitID, CUI: b.CUI, Surname: b.Surname, GivenName: b.GivenName, Sex: b.Sex,
			BirthDate: birth, BirthEstimated: b.BirthEstimated, Nationality: b.Nationality, MSNA: b.MSNA, HouseholdRole: b.HouseholdRole}
	}
	return ps, nil
}

type planCreateInput struct {
	Body struct {
		Reference   string       `json:"reference" maxLength:"200" doc:"The Ministry's reference (mail, PEC, telegram)"`
		ReceivedAt  *time.Time   `json:"received_at,omitempty" doc:"When the notice came; default now"`
		ExpectedAt  time.Time    `json:"expected_at"`
		WindowHours int          `json:"window_hours,omitempty" minimum:"0" maximum:"240"`
		Origin      string       `json:"origin" maxLength:"200" doc:"Hotspot or port: Lampedusa, Ravenna…"`
		Transport   string       `json:"transport,omitempty" maxLength:"50" doc:"bus, aereo, nave"`
		AckHours    int          `json:"ack_hours,omitempty" minimum:"0" maximum:"240" doc:"Hours the prefectures have to acknowledge (default 2)"`
		Note        string       `json:"note,omitempty" maxLength:"2000"`
		Units       []unitBody   `json:"units" maxItems:"5000"`
		Persons     []personBody `json:"persons,omitempty" maxItems:"5000" doc:"The nominative list, one line per person of the units"`
	}
}

type planOutput struct{ Body domain.Plan }

type plansOutput struct{ Body []domain.Plan }

type planIDInput struct {
	ID string `path:"id"`
}

type plansListInput struct {
	Status string `query:"status" enum:"announced,proposed,published,placed,in_transit,arrived,closed,cancelled,"`
	Open   bool   `query:"open" doc:"Only plans not closed or cancelled"`
}

type adjustInput struct {
	ID   string `path:"id"`
	Body struct {
		Persons map[string]int `json:"persons" doc:"Province code → persons"`
		Reason  string         `json:"reason" maxLength:"500"`
	}
}

type reasonInput struct {
	ID   string `path:"id"`
	Body struct {
		Reason string `json:"reason" maxLength:"500"`
	}
}

type amendInput struct {
	ID   string `path:"id"`
	Body struct {
		Reason  string       `json:"reason" maxLength:"500"`
		Units   []unitBody   `json:"units" maxItems:"5000"`
		Persons []personBody `json:"persons,omitempty" maxItems:"5000"`
	}
}

type proposalOutput struct{ Body domain.PlacementProposal }

type placeInput struct {
	ID   string `path:"id"`
	Body struct {
		Assignments []domain.PlacementLine `json:"assignments" maxItems:"5000"`
	}
}

type departureInput struct {
	ID   string `path:"id"`
	Body domain.PlanTransport
}

type arrivalInput struct {
	ID   string `path:"id"`
	Body struct {
		Outcomes  map[string]string `json:"outcomes" doc:"Person id (or unit id without a nominative list) → arrived, no_show, hospitalised, diverted, age_disputed"`
		ArrivedAt *time.Time        `json:"arrived_at,omitempty"`
	}
}

type messageInput struct {
	ID   string `path:"id"`
	Body struct {
		Body string `json:"body" maxLength:"2000"`
	}
}

type inboxInput struct {
	Limit int `query:"limit" minimum:"0" maximum:"500"`
}

type inboxOutput struct{ Body []domain.Notification }

type balancesInput struct {
	From string `query:"from" format:"date" doc:"YYYY-MM-DD, default 1 January of this year"`
	To   string `query:"to" format:"date" doc:"YYYY-MM-DD (exclusive), default 1 January of next year"`
}

type balancesOutput struct{ Body []domain.Balance }

type keyTablesOutput struct{ Body []domain.KeyTable }

type keyTableInput struct{ Body domain.KeyTable }

type keyTableOutput struct{ Body domain.KeyTable }

func (s *Server) registerPlans(api huma.API) {
	tags := []string{"plans"}
	run := map[string]any{requiresPerm: domain.PermPlanRun}
	place := map[string]any{requiresPerm: domain.PermPlanPlace}
	errs := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}
	op := func(id, method, path, summary string, meta map[string]any) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Tags: tags, Security: secured, Metadata: meta,
			Summary: summary, Errors: errs}
	}
	find := func(ctx context.Context, id string) (*planOutput, error) {
		p, err := s.Plans.FindPlan(ctx, id)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return s.planOut(ctx, p), nil
	}

	create := op("create-plan", http.MethodPost, "/plans", "Record the Ministry's notice (coordinator)", run)
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, func(ctx context.Context, in *planCreateInput) (*planOutput, error) {
		b := in.Body
		persons, err := toPersons(b.Persons)
		if err != nil {
			return nil, err
		}
		p := domain.Plan{Reference: b.Reference, ExpectedAt: b.ExpectedAt, WindowHours: b.WindowHours, Origin: b.Origin,
			Transport: b.Transport, AckHours: b.AckHours, Note: b.Note}
		if b.ReceivedAt != nil {
			p.ReceivedAt = *b.ReceivedAt
		}
		if err := s.Plans.CreatePlan(ctx, &p, toUnits(b.Units), persons); err != nil {
			return nil, s.problem(ctx, err)
		}
		return find(ctx, p.ID)
	})
	huma.Register(api, op("list-plans", http.MethodGet, "/plans", "Plans, newest first", place),
		func(ctx context.Context, in *plansListInput) (*plansOutput, error) {
			ps, err := s.Plans.ListPlans(ctx, domain.PlanFilter{Status: domain.PlanStatus(in.Status), Open: in.Open})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			if ps == nil {
				ps = []domain.Plan{}
			}
			return &plansOutput{Body: ps}, nil
		})
	huma.Register(api, op("get-plan", http.MethodGet, "/plans/{id}", "One plan: provinces, timeline, messages; units and people in scope", place),
		func(ctx context.Context, in *planIDInput) (*planOutput, error) { return find(ctx, in.ID) })
	huma.Register(api, op("split-plan", http.MethodPost, "/plans/{id}/split", "Propose the province split (coordinator)", run),
		func(ctx context.Context, in *planIDInput) (*planOutput, error) {
			p, err := s.Plans.ProposeSplit(ctx, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return s.planOut(ctx, p), nil
		})
	huma.Register(api, op("adjust-split", http.MethodPost, "/plans/{id}/split/adjust", "Change provinces' persons, with a reason (coordinator)", run),
		func(ctx context.Context, in *adjustInput) (*planOutput, error) {
			p, err := s.Plans.AdjustSplit(ctx, in.ID, in.Body.Persons, in.Body.Reason)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return s.planOut(ctx, p), nil
		})
	huma.Register(api, op("publish-plan", http.MethodPost, "/plans/{id}/publish", "Publish the split and notify the prefectures (coordinator)", run),
		func(ctx context.Context, in *planIDInput) (*planOutput, error) {
			p, err := s.Plans.PublishPlan(ctx, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return s.planOut(ctx, p), nil
		})
	step := func(id, path, summary string, meta map[string]any, fn func(ctx context.Context, planID string) error) {
		huma.Register(api, op(id, http.MethodPost, path, summary, meta), func(ctx context.Context, in *planIDInput) (*planOutput, error) {
			if err := fn(ctx, in.ID); err != nil {
				return nil, s.problem(ctx, err)
			}
			return find(ctx, in.ID)
		})
	}
	step("acknowledge-plan", "/plans/{id}/acknowledge", "Acknowledge the caller's province's share", place, s.Plans.AcknowledgePlan)
	step("close-plan", "/plans/{id}/close", "Close a plan whose arrivals are confirmed (coordinator)", run, s.Plans.ClosePlan)
	huma.Register(api, op("cancel-plan", http.MethodPost, "/plans/{id}/cancel", "Cancel a plan; its holds are released (coordinator)", run),
		func(ctx context.Context, in *reasonInput) (*planOutput, error) {
			if err := s.Plans.CancelPlan(ctx, in.ID, in.Body.Reason); err != nil {
				return nil, s.problem(ctx, err)
			}
			return find(ctx, in.ID)
		})
	huma.Register(api, op("amend-plan", http.MethodPost, "/plans/{id}/amend", "Replace the units after a later notice (coordinator)", run),
		func(ctx context.Context, in *amendInput) (*planOutput, error) {
			persons, err := toPersons(in.Body.Persons)
			if err != nil {
				return nil, err
			}
			if err := s.Plans.AmendPlan(ctx, in.ID, toUnits(in.Body.Units), persons, in.Body.Reason); err != nil {
				return nil, s.problem(ctx, err)
			}
			return find(ctx, in.ID)
		})
	huma.Register(api, op("propose-placement", http.MethodPost, "/plans/{id}/placement/proposal", "The engine's placement of the caller's share", place),
		func(ctx context.Context, in *planIDInput) (*proposalOutput, error) {
			pr, err := s.Placement.ProposePlacement(ctx, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &proposalOutput{Body: pr}, nil
		})
	huma.Register(api, op("place-plan", http.MethodPost, "/plans/{id}/placement", "Place the caller's share (replaces its earlier placement; holds the places)", place),
		func(ctx context.Context, in *placeInput) (*planOutput, error) {
			if err := s.Plans.PlaceUnits(ctx, in.ID, in.Body.Assignments); err != nil {
				return nil, s.problem(ctx, err)
			}
			return find(ctx, in.ID)
		})
	huma.Register(api, op("record-departure", http.MethodPost, "/plans/{id}/departures", "A vehicle leaves with its headcount", place),
		func(ctx context.Context, in *departureInput) (*planOutput, error) {
			if err := s.Plans.RecordDeparture(ctx, in.ID, in.Body); err != nil {
				return nil, s.problem(ctx, err)
			}
			return find(ctx, in.ID)
		})
	huma.Register(api, op("confirm-arrival", http.MethodPost, "/plans/{id}/arrival", "Reconcile and confirm the caller's province's arrivals", place),
		func(ctx context.Context, in *arrivalInput) (*planOutput, error) {
			var at time.Time
			if in.Body.ArrivedAt != nil {
				at = *in.Body.ArrivedAt
			}
			if err := s.Plans.ConfirmArrival(ctx, in.ID, in.Body.Outcomes, at); err != nil {
				return nil, s.problem(ctx, err)
			}
			return find(ctx, in.ID)
		})
	huma.Register(api, op("post-plan-message", http.MethodPost, "/plans/{id}/messages", "Write in the plan's thread", place),
		func(ctx context.Context, in *messageInput) (*planOutput, error) {
			if err := s.Plans.PostMessage(ctx, in.ID, in.Body.Body); err != nil {
				return nil, s.problem(ctx, err)
			}
			return find(ctx, in.ID)
		})
	huma.Register(api, op("list-balances", http.MethodGet, "/balances", "Saldo per province over a period", place),
		func(ctx context.Context, in *balancesInput) (*balancesOutput, error) {
			now := time.Now()
			from, to := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC), time.Date(now.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
			var err error
			if in.From != "" {
				if from, err = time.Parse("2006-01-02", in.From); err != nil {
					return nil, huma.Error422UnprocessableEntity("from: data non valida")
				}
			}
			if in.To != "" {
				if to, err = time.Parse("2006-01-02", in.To); err != nil {
					return nil, huma.Error422UnprocessableEntity("to: data non valida")
				}
			}
			bs, err := s.Plans.Balances(ctx, from, to)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &balancesOutput{Body: bs}, nil
		})
	huma.Register(api, op("list-key-tables", http.MethodGet, "/key-tables", "Key tables (chiavi di riparto), the default last", place),
		func(ctx context.Context, _ *struct{}) (*keyTablesOutput, error) {
			ks, err := s.Plans.KeyTables(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &keyTablesOutput{Body: ks}, nil
		})
	kc := op("create-key-table", http.MethodPost, "/key-tables", "Load an agreed key table (coordinator)", run)
	kc.DefaultStatus = http.StatusCreated
	huma.Register(api, kc, func(ctx context.Context, in *keyTableInput) (*keyTableOutput, error) {
		k := in.Body
		if err := s.Plans.CreateKeyTable(ctx, &k); err != nil {
			return nil, s.problem(ctx, err)
		}
		return &keyTableOutput{Body: k}, nil
	})

	inbox := []string{"inbox"}
	huma.Register(api, huma.Operation{OperationID: "get-inbox", Method: http.MethodGet, Path: "/inbox", Tags: inbox, Security: secured,
		Summary: "The caller's notifications, newest first", Errors: []int{http.StatusUnauthorized}},
		func(ctx context.Context, in *inboxInput) (*inboxOutput, error) {
			ns, err := s.Plans.Inbox(ctx, in.Limit)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			if ns == nil {
				ns = []domain.Notification{}
			}
			l := s.localizer(ctx)
			for i, n := range ns {
				ns[i].Title = l.Stored("notification.", n.Kind, n.Params, n.Title)
			}
			return &inboxOutput{Body: ns}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "read-notification", Method: http.MethodPost, Path: "/inbox/{id}/read", Tags: inbox,
		Security: secured, Summary: "Mark a notification read (id \"all\": every one)", DefaultStatus: http.StatusNoContent,
		Errors: []int{http.StatusUnauthorized, http.StatusNotFound}},
		func(ctx context.Context, in *planIDInput) (*struct{}, error) {
			if err := s.Plans.MarkRead(ctx, in.ID); err != nil {
				return nil, s.problem(ctx, err)
			}
			return nil, nil
		})
}

// planOut renders the plan's timeline in the caller's language: each entry's
// summary from its kind and parameters (old entries keep their text).
func (s *Server) planOut(ctx context.Context, p domain.Plan) *planOutput {
	l := s.localizer(ctx)
	for i, e := range p.Events {
		p.Events[i].Summary = l.Stored("timeline.", e.Kind, e.Params, e.Summary)
	}
	return &planOutput{Body: p}
}
