package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

type apiPlan struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Total     int    `json:"total"`
	Provinces []struct {
		Code    string `json:"code"`
		Persons int    `json:"persons"`
		Why     *struct {
			Batch     int `json:"batch"`
			Low, High int
		} `json:"why"`
		AcknowledgedAt *time.Time `json:"acknowledged_at"`
	} `json:"provinces"`
	Units []struct {
		ID       string `json:"id"`
		Size     int    `json:"size"`
		Province string `json:"province"`
		Facility string `json:"facility"`
	} `json:"units"`
}

type problem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// TestPlanAPI drives a plan through the API: the Ravenna landing of the
// brief (70 men, 3 unaccompanied minors) from the announcement to the closed
// plan, with the out-of-order steps refused with 409 and a reason.
func TestPlanAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		if _, err := demo.LoadWith(ctx, db, demo.ScaleRegion, demo.Options{}); err != nil {
			t.Fatal(err)
		}
		srv := newAPI(t, db)
		token := func(email string) string {
			c, err := db.Users.Credentials(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := (&auth.Service{Store: db.Users}).CreateToken(ctx, c.Actor.UserID, "test")
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		coord, fe, op := token("coordinamento@gesta.example"), token("prefettura.fe@gesta.example"), token("operatore.bo@gesta.example")
		base := srv.URL + "/api/v1"
		var units []map[string]any
		for i := 1; i <= 70; i++ {
			units = append(units, map[string]any{"id": fmt.Sprintf("u%d", i), "size": 1, "group": "uomini"})
		}
		for i := 1; i <= 3; i++ {
			units = append(units, map[string]any{"id": fmt.Sprintf("m%d", i), "size": 1, "group": "msna"})
		}
		notice := map[string]any{"reference": "Geo Barents", "expected_at": time.Now().Add(6 * time.Hour).UTC().Format(time.RFC3339),
			"origin": "Ravenna", "units": units}
		var pb problem
		if s := sendJSON(t, "POST", base+"/plans", fe, notice, &pb); s != 403 {
			t.Fatalf("a prefecture announcing: %d", s)
		}
		if s := sendJSON(t, "GET", base+"/plans", op, nil, &pb); s != 403 {
			t.Fatalf("an operator listing plans: %d", s)
		}
		var p apiPlan
		if s := sendJSON(t, "POST", base+"/plans", coord, notice, &p); s != 201 || p.Status != "announced" || p.Total != 73 {
			t.Fatalf("create: %d %+v", s, p)
		}
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/acknowledge", fe, nil, &pb); s != 409 || pb.Detail == "" {
			t.Fatalf("acknowledging an unpublished plan: %d %+v", s, pb)
		}
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/split", coord, nil, &p); s != 200 || p.Status != "proposed" || len(p.Provinces) != 9 {
			t.Fatalf("split: %d %+v", s, p)
		}
		sum := 0
		for _, r := range p.Provinces {
			sum += r.Persons
			if r.Why == nil || r.Why.Batch != 73 || r.Why.Low > r.Persons || r.Why.High < r.Persons {
				t.Errorf("%s: %d persons, reason %+v", r.Code, r.Persons, r.Why)
			}
		}
		if sum != 73 {
			t.Fatalf("split sums to %d", sum)
		}
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/publish", coord, nil, &p); s != 200 || p.Status != "published" {
			t.Fatalf("publish: %d %+v", s, p)
		}
		var inbox []struct {
			Kind      string     `json:"kind"`
			PlanID    string     `json:"plan_id"`
			CreatedAt time.Time  `json:"created_at"`
			ReadAt    *time.Time `json:"read_at"`
		}
		if s := sendJSON(t, "GET", base+"/inbox", fe, nil, &inbox); s != 200 || len(inbox) != 1 || inbox[0].Kind != "plan_published" ||
			inbox[0].PlanID != p.ID || inbox[0].ReadAt != nil || inbox[0].CreatedAt.IsZero() {
			t.Fatalf("Ferrara's inbox: %d %+v", s, inbox)
		}
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/acknowledge", fe, nil, &p); s != 200 {
			t.Fatalf("acknowledge: %d", s)
		}
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/acknowledge", fe, nil, &pb); s != 409 {
			t.Fatalf("a second acknowledgement: %d %+v", s, pb)
		}
		var got apiPlan
		sendJSON(t, "GET", base+"/plans/"+p.ID, coord, nil, &got)
		feShare := 0
		for _, r := range got.Provinces {
			if r.Code == "038" {
				feShare = r.Persons
				if r.AcknowledgedAt == nil {
					t.Fatalf("Ferrara not acknowledged: %+v", r)
				}
			} else if r.AcknowledgedAt != nil {
				t.Fatalf("%s acknowledged", r.Code)
			}
		}
		// Ferrara sees its own units only, places them as the engine proposes, and
		// cannot place more than its share.
		var mine apiPlan
		sendJSON(t, "GET", base+"/plans/"+p.ID, fe, nil, &mine)
		if len(mine.Units) != feShare {
			t.Fatalf("Ferrara sees %d units for a share of %d", len(mine.Units), feShare)
		}
		var prop struct {
			Assignments []map[string]any `json:"assignments"`
			Optimal     bool             `json:"optimal"`
		}
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/placement/proposal", fe, nil, &prop); s != 200 || len(prop.Assignments) != feShare {
			t.Fatalf("proposal: %d %+v", s, prop)
		}
		extra := append(prop.Assignments, map[string]any{"unit": "u999", "facility": "FE-0001"})
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/placement", fe, map[string]any{"assignments": extra}, &pb); s != 409 {
			t.Fatalf("placing more than the share: %d %+v", s, pb)
		}
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/placement", fe, map[string]any{"assignments": prop.Assignments}, &mine); s != 200 {
			t.Fatalf("placement: %d", s)
		}
		outcomes := map[string]string{}
		for _, u := range mine.Units {
			if u.Facility == "" {
				t.Fatalf("unit %s not placed", u.ID)
			}
			outcomes[u.ID] = "arrived"
		}
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/arrival", fe, map[string]any{"outcomes": outcomes}, &mine); s != 200 {
			t.Fatalf("arrival: %d", s)
		}
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/arrival", fe, map[string]any{"outcomes": outcomes}, &pb); s != 409 {
			t.Fatalf("confirming an arrival twice: %d", s)
		}
		// Closing before every province has arrived is out of order.
		if s := sendJSON(t, "POST", base+"/plans/"+p.ID+"/close", coord, nil, &pb); s != 409 || pb.Detail == "" {
			t.Fatalf("closing early: %d %+v", s, pb)
		}
		if s := sendJSON(t, "GET", base+"/plans/01000000-0000-7000-8000-000000000000", fe, nil, &pb); s != 404 {
			t.Fatalf("unknown plan: %d", s)
		}
		var bal []struct {
			Province string  `json:"province"`
			Received int     `json:"received"`
			Balance  float64 `json:"balance"`
		}
		if s := sendJSON(t, "GET", base+"/balances", coord, nil, &bal); s != 200 || len(bal) != 9 {
			t.Fatalf("balances: %d %+v", s, bal)
		}
	})
}
