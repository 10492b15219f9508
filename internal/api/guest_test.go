package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

func TestGuestsAndStays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := demo.LoadWith(storetest.Ctx(), db, demo.ScaleRegion, demo.Options{}); err != nil {
			t.Fatal(err)
		}
		srv := newAPI(t, db)
		op, code := operatorFacility(t, db)
		prefFE, _ := tokenFor(t, db, "prefettura.fe@gesta.example")
		prefBO, _ := tokenFor(t, db, "prefettura.bo@gesta.example")
		status, _, body := send(t, "POST", srv.URL+"/api/v1/guests", op, `{"surname": "Traoré", "given_name": "Awa", "sex": "F",
			"birth_date": "2001-01-01", "birth_estimated": true, "nationality": "MLI", "stage": "c3_presentato"}`)
		var g domain.Guest
		json.Unmarshal(body, &g)
		if status != 201 || g.ID == "" {
			t.Fatalf("create guest: %d %s", status, body)
		}
		entered := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		status, _, body = send(t, "POST", srv.URL+"/api/v1/stays", op, fmt.Sprintf(`{"guest_id": %q, "facility": %q, "entered_at": %q}`, g.ID, code, entered))
		var st domain.Stay
		json.Unmarshal(body, &st)
		if status != 201 || st.ID == "" {
			t.Fatalf("entry: %d %s", status, body)
		}
		// Bologna's prefecture sees the guest (a stay in its province); Ferrara's does not.
		if s, _, _ := send(t, "GET", srv.URL+"/api/v1/guests/"+g.ID, prefBO, ""); s != 200 {
			t.Fatalf("Bologna reading: %d", s)
		}
		if s, _, _ := send(t, "GET", srv.URL+"/api/v1/guests/"+g.ID, prefFE, ""); s != 404 {
			t.Fatalf("Ferrara reading: %d", s)
		}
		// Transliteration variants meet.
		_, _, body = send(t, "GET", srv.URL+"/api/v1/guests?q=traore", op, "")
		var found []domain.Guest
		json.Unmarshal(body, &found)
		if len(found) != 1 {
			t.Fatalf("search: %s", body)
		}
		// The same search with the name in the body; Ferrara finds nobody (out of scope).
		_, _, body = send(t, "POST", srv.URL+"/api/v1/guests/search", op, `{"q": "TRAORÉ"}`)
		found = nil
		json.Unmarshal(body, &found)
		if len(found) != 1 || found[0].ID != g.ID {
			t.Fatalf("search in the body: %s", body)
		}
		if _, _, body = send(t, "POST", srv.URL+"/api/v1/guests/search", prefFE, `{"q": "traore"}`); strings.TrimSpace(string(body)) != "[]" {
			t.Fatalf("Ferrara's search: %s", body)
		}
		if s, _, _ := send(t, "GET", srv.URL+"/api/v1/guests/"+g.ID+"/vulnerabilities", op, ""); s != 403 {
			t.Fatalf("operator reading vulnerabilities: %d", s)
		}
		exit := fmt.Sprintf(`{"exited_at": %q, "exit_reason": "trasferimento_sai"}`, time.Now().UTC().Format(time.RFC3339))
		if s, _, body := send(t, "POST", srv.URL+"/api/v1/stays/"+st.ID+"/exit", op, exit); s != 204 {
			t.Fatalf("exit: %d %s", s, body)
		}
		_, _, body = send(t, "GET", srv.URL+"/api/v1/guests/"+g.ID+"/stays", prefBO, "")
		var stays []domain.Stay
		json.Unmarshal(body, &stays)
		if len(stays) != 1 || stays[0].ExitReason != "trasferimento_sai" {
			t.Fatalf("stays: %s", body)
		}
	})
}
