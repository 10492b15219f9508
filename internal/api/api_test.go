package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/api"
	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/events"
	"github.com/gesta-er/gesta/internal/placement"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
	"github.com/gesta-er/gesta/internal/territory"
)

func newAPI(t *testing.T, db *store.DB) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	broker := &events.Broker{}
	db.OnChange = broker.Publish
	s := &api.Server{Territory: db.Territory, Users: &auth.Service{Store: db.Users, Params: auth.DefaultParams}, Audit: db.Audit,
		Facilities: db.Facilities, Guests: db.Guests, Population: db.Stats.Population, Events: broker, Plans: db.Plans, Placement: &placement.Service{Store: db.Plans},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Boundaries: territory.Boundaries, RequestID: func(context.Context) string { return "rid" },
		Idempotency: store.NewIdempotencyService(db)}
	s.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// send is the tests' one HTTP helper: a request with token (if any) as a
// bearer token, body (if any) as JSON and headers as name, value pairs; it
// returns the answer's status, headers and body.
func send(t *testing.T, method, url, token, body string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// sendJSON is send with a JSON value as the body (nil: none) and the answer
// decoded into out (nil: ignored); it returns the status.
func sendJSON(t *testing.T, method, url, token string, body any, out any) int {
	t.Helper()
	var in []byte
	if body != nil {
		var err error
		if in, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	status, _, b := send(t, method, url, token, string(in))
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, url, status, b)
		}
	}
	return status
}

func TestTerritoryAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := newAPI(t, db)

		status, _, body := send(t, "GET", srv.URL+"/api/v1/territory/provinces", "", "")
		var provinces []map[string]any
		if err := json.Unmarshal(body, &provinces); err != nil || status != 200 {
			t.Fatalf("provinces: %d %v", status, err)
		}
		if len(provinces) != 9 {
			t.Fatalf("provinces = %d", len(provinces))
		}
		bo := provinces[4]
		if bo["code"] != "037" || bo["sigla"] != "BO" || bo["name"] != "Bologna" || bo["residents"] != float64(1030421) ||
			bo["metropolitan"] != true {
			t.Fatalf("Bologna = %v", bo)
		}

		for _, q := range []string{"037", "BO", "bo"} {
			status, _, body = send(t, "GET", srv.URL+"/api/v1/territory/comuni?province="+q, "", "")
			var comuni []map[string]any
			if err := json.Unmarshal(body, &comuni); err != nil || status != 200 || len(comuni) != 55 {
				t.Fatalf("comuni of %s: %d, %d items, %v", q, status, len(comuni), err)
			}
			for _, c := range comuni {
				if _, ok := c["code"].(string); !ok || c["name"] == "" || c["residents"] == nil {
					t.Fatalf("comune lacks code/name/residents: %v", c)
				}
			}
		}
		status, _, body = send(t, "GET", srv.URL+"/api/v1/territory/comuni", "", "")
		var all []any
		json.Unmarshal(body, &all)
		if status != 200 || len(all) != 330 {
			t.Fatalf("all comuni: %d, %d", status, len(all))
		}

		status, h, body := send(t, "GET", srv.URL+"/api/v1/territory/comuni?province=999", "", "")
		var problem map[string]any
		json.Unmarshal(body, &problem)
		if status != 404 || h.Get("Content-Type") != "application/problem+json" || problem["status"] != float64(404) ||
			problem["detail"] == "" {
			t.Fatalf("unknown province: %d %s %s", status, h.Get("Content-Type"), body)
		}
		status, h, _ = send(t, "GET", srv.URL+"/api/v1/no/such/thing", "", "")
		if status != 401 || h.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("unknown path without a token: %d %s", status, h.Get("Content-Type"))
		}
		status, h, body = send(t, "GET", srv.URL+"/api/v1/territory/boundaries/province", "", "")
		if status != 200 || h.Get("Content-Type") != "application/geo+json" || len(body) < 1000 {
			t.Fatalf("boundaries: %d %s %d bytes", status, h.Get("Content-Type"), len(body))
		}
	})
}

func TestOpenAPI(t *testing.T) {
	dsn, _ := storetest.DSN(t, "sqlite")
	srv := newAPI(t, storetest.Open(t, dsn))
	status, _, body := send(t, "GET", srv.URL+"/api/v1/openapi.json", "", "")
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Servers []struct{ URL string }    `json:"servers"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || status != 200 {
		t.Fatalf("openapi: %d %v", status, err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) == 0 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("openapi %q servers %v", doc.OpenAPI, doc.Servers)
	}
	for _, p := range []string{"/territory/provinces", "/territory/comuni", "/territory/boundaries/{level}"} {
		if doc.Paths[p]["get"] == nil {
			t.Errorf("OpenAPI lacks GET %s", p)
		}
	}
	// Error bodies document their stable machine code and its values.
	var schemas struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	json.Unmarshal(body, &schemas)
	found := false
	for name, sc := range schemas.Components.Schemas {
		if c, ok := sc.Properties["code"]; ok && sc.Properties["detail"].Enum == nil && slices.Contains(c.Enum, "not_found") {
			found = true
			t.Logf("error schema %s: code %v", name, c.Enum)
		}
	}
	if !found {
		t.Errorf("no error schema with a code enum in the OpenAPI document")
	}
}

// TestSameAnswersOnBothEngines asks SQLite and PostgreSQL the same questions
// and requires byte-identical answers.
func TestSameAnswersOnBothEngines(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skipf("%s not set: needs PostgreSQL", storetest.EnvPostgres)
	}
	urls := []string{"/api/v1/territory/provinces", "/api/v1/territory/comuni", "/api/v1/territory/comuni?province=BO",
		"/api/v1/territory/comuni?province=040", "/api/v1/territory/comuni?province=999", "/api/v1/territory/boundaries/comuni"}
	answers := map[string][]string{}
	for _, engine := range storetest.EngineNames {
		dsn, _ := storetest.DSN(t, engine)
		srv := newAPI(t, storetest.Open(t, dsn))
		for _, u := range urls {
			status, h, body := send(t, "GET", srv.URL+u, "", "")
			answers[engine] = append(answers[engine], h.Get("Content-Type")+" "+http.StatusText(status)+" "+string(body))
		}
	}
	for i, u := range urls {
		if answers["sqlite"][i] != answers["postgres"][i] {
			t.Errorf("%s differs:\nsqlite:   %.300s\npostgres: %.300s", u, answers["sqlite"][i], answers["postgres"][i])
		}
	}
}

// Every POST that acts declares the Idempotency-Key header and its 409/422
// in the OpenAPI document; the POSTs that only read do not.
func TestOpenAPIDeclaresIdempotencyKey(t *testing.T) {
	dsn, _ := storetest.DSN(t, "sqlite")
	srv := newAPI(t, storetest.Open(t, dsn))
	_, _, body := send(t, "GET", srv.URL+"/api/v1/openapi.json", "", "")
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Parameters  []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	posts := 0
	for path, ops := range doc.Paths {
		op, ok := ops["post"]
		if !ok {
			continue
		}
		posts++
		declared := slices.ContainsFunc(op.Parameters, func(p struct {
			Name string `json:"name"`
			In   string `json:"in"`
		}) bool {
			return p.Name == "Idempotency-Key" && p.In == "header"
		})
		if declared == api.ReadPosts[op.OperationID] {
			t.Errorf("POST %s (%s): Idempotency-Key declared %v", path, op.OperationID, declared)
		}
		if !declared {
			continue
		}
		for _, code := range []string{"409", "422"} {
			ref := op.Responses[code].Content["application/problem+json"].Schema.Ref
			if _, ok := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]; !ok {
				t.Errorf("POST %s: %s answer's schema %q is not in the document", path, code, ref)
			}
		}
	}
	if posts < 5 {
		t.Fatalf("only %d POST operations in the document", posts)
	}
}
