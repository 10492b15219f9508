package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestCaseAPIContract walks the case files' API contract (docs/cases.md) on the demo: a report by
// Bologna's operator, a case opened from it, a read without purpose (400),
// out of scope (404) and with one (200), a referral refused without consent
// (422), an override by a user without the permission (403), a referral with
// consent read by the CSM's worker (only the referred sections), accepted,
// its outcome, and the access log listing each read with its purpose.
func TestCaseAPIContract(t *testing.T) {
	eachCaseServer(t, func(t *testing.T, base string, db *store.DB) {
		ctx := storetest.Ctx()
		token := func(email string) string {
			c, err := db.Users.Credentials(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := (&auth.Service{Store: db.Users}).CreateToken(ctx, c.Actor.UserID, "casi")
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		op, prefBO, prefFE := token("operatore.bo@gesta.example"), token("prefettura.bo@gesta.example"), token("prefettura.fe@gesta.example")
		coord, csm := token("coordinamento@gesta.example"), token("servizio.bo@gesta.example")
		opCred, _ := db.Users.Credentials(ctx, "operatore.bo@gesta.example")
		// The demo's cases are about the first four present guests: take another.
		present, _, err := db.Guests.SearchPresent(storetest.CtxAs(opCred.Actor), domain.PresentFilter{Limit: 100})
		if err != nil || len(present) < 60 {
			t.Fatalf("guests present in operatore.bo's facilities: %d, %v", len(present), err)
		}
		guest := ""
		for _, p := range present[50:] {
			if !p.Guest.MSNA {
				guest = p.Guest.ID
				break
			}
		}

		call := func(method, path, tok string, body any, out any) int {
			t.Helper()
			var r io.Reader
			if body != nil {
				b, _ := json.Marshal(body)
				r = bytes.NewReader(b)
			}
			req, _ := http.NewRequest(method, base+"/api/v1"+path, r)
			req.Header.Set("Authorization", "Bearer "+tok)
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if out != nil && resp.StatusCode < 300 {
				if err := json.Unmarshal(b, out); err != nil {
					t.Fatalf("%s %s: %v: %s", method, path, err, b)
				}
			}
			return resp.StatusCode
		}
		var dir struct {
			Items []domain.DirectoryEntry `json:"items"`
		}
		if st := call("GET", "/services?province=BO", prefBO, nil, &dir); st != 200 || len(dir.Items) == 0 {
			t.Fatalf("directory: %d %+v", st, dir)
		}
		csmCred, _ := db.Users.Credentials(ctx, "servizio.bo@gesta.example")
		csmService := csmCred.Actor.ServiceID

		var rep struct{ ID string }
		report := map[string]any{"guest_id": guest, "category": "disagio_psichico", "urgency": "immediata",
			"description": "Crisi notturna, ospite non dorme da giorni"}
		if st := call("POST", "/reports", token("operatore.fe@gesta.example"), report, nil); st != 404 {
			t.Fatalf("report on another entity's guest: %d", st)
		}
		if st := call("POST", "/reports", op, report, &rep); st != 201 || rep.ID == "" {
			t.Fatalf("report: %d", st)
		}
		var opened struct{ ID string }
		if st := call("POST", "/cases", prefBO, map[string]any{"report_id": rep.ID}, &opened); st != 201 || opened.ID == "" {
			t.Fatalf("open case: %d", st)
		}
		id := opened.ID
		if st := call("GET", "/cases/"+id, prefBO, nil, nil); st != 400 {
			t.Fatalf("read without purpose: %d", st)
		}
		if st := call("GET", "/cases/"+id+"?purpose=curiosita", prefBO, nil, nil); st != 400 {
			t.Fatalf("read with an unknown purpose: %d", st)
		}
		if st := call("GET", "/cases/"+id+"?purpose=verifica", prefFE, nil, nil); st != 404 {
			t.Fatalf("Ferrara reading a Bologna case: %d", st)
		}
		var c domain.Case
		if st := call("GET", "/cases/"+id+"?purpose=presa_in_carico", prefBO, nil, &c); st != 200 || c.Guest == nil ||
			len(c.Reports) != 1 || c.Reports[0].Description == "" {
			t.Fatalf("read: %d %+v", st, c)
		}
		if st := call("POST", "/cases/"+id+"/status", prefBO, map[string]any{"status": "monitoraggio"}, nil); st != 409 {
			t.Fatalf("out of order: %d", st)
		}
		var m domain.Measure
		if st := call("POST", "/cases/"+id+"/measures", prefBO, map[string]any{"kind": "sospensione_c2_c",
			"decided_on": "2026-11-30T00:00:00Z", "duration_days": 30, "reason": "danneggiamento"}, &m); st != 201 ||
			m.Deadline == nil || m.Deadline.Format(time.DateOnly) != "2026-12-30" {
			t.Fatalf("measure: %d %+v", st, m)
		}
		referral := map[string]any{"service_id": csmService, "reason": "valutazione psichiatrica"}
		if st := call("POST", "/cases/"+id+"/referrals", prefBO, referral, nil); st != 422 {
			t.Fatalf("referral without consent: %d", st)
		}
		referral["consent"] = map[string]any{"given": false}
		if st := call("POST", "/cases/"+id+"/referrals", prefBO, referral, nil); st != 422 {
			t.Fatalf("referral with consent refused: %d", st)
		}
		referral["override_reason"] = "urgenza"
		if st := call("POST", "/cases/"+id+"/referrals", prefBO, referral, nil); st != 403 {
			t.Fatalf("override without the permission: %d", st)
		}
		delete(referral, "override_reason")
		referral["consent"] = map[string]any{"given": true, "date": "2026-11-30", "recorded_by": "operatrice legale",
			"purpose": "presa in carico CSM", "sections": []string{"anagrafica", "segnalazioni"}}
		var ref struct{ ID string }
		if st := call("POST", "/cases/"+id+"/referrals", prefBO, referral, &ref); st != 201 {
			t.Fatalf("referral with consent: %d", st)
		}
		var list struct{ Items []domain.Referral }
		if st := call("GET", "/referrals", csm, nil, &list); st != 200 || !slices.ContainsFunc(list.Items,
			func(r domain.Referral) bool { return r.ID == ref.ID }) {
			t.Fatalf("service's referrals: %d %+v", st, list)
		}
		if st := call("GET", "/referrals/"+ref.ID, csm, nil, nil); st != 400 {
			t.Fatalf("referral read without purpose: %d", st)
		}
		var rc domain.ReferredCase
		if st := call("GET", "/referrals/"+ref.ID+"?purpose=invio", csm, nil, &rc); st != 200 ||
			!slices.Equal(rc.Case.Sections, []string{"anagrafica", "segnalazioni"}) || rc.Case.Measures != nil {
			t.Fatalf("referred case: %d %+v", st, rc.Case)
		}
		if st := call("POST", "/referrals/"+ref.ID+"/accept", csm, map[string]any{"reason": "colloquio fissato"}, nil); st != 204 && st != 200 {
			t.Fatalf("accept: %d", st)
		}
		if st := call("POST", "/referrals/"+ref.ID+"/outcome", csm, map[string]any{"outcome": "presa in carico",
			"taken_in_charge": time.Now().UTC().Format(time.DateOnly)}, nil); st != 204 && st != 200 {
			t.Fatalf("outcome: %d", st)
		}
		var acc struct{ Items []domain.CaseAccess }
		if st := call("GET", "/cases/"+id+"/accesses", coord, nil, &acc); st != 200 || len(acc.Items) != 2 ||
			acc.Items[0].Actor != "servizio.bo@gesta.example" || acc.Items[0].Purpose != "invio" ||
			acc.Items[1].Actor != "prefettura.bo@gesta.example" || acc.Items[1].Purpose != "presa_in_carico" {
			t.Fatalf("access log: %+v", acc.Items)
		}
		if st := call("GET", "/cases/"+id+"/accesses", op, nil, nil); st != 404 {
			t.Fatalf("operator reading the access log: %d", st)
		}

		// The same through the pages: the operator files a report, the
		// prefecture merges it into the open case and reads the case
		// after choosing a purpose; each read leaves one row.
		page := func(c *http.Client, method, path string, form url.Values) (int, string, string) {
			t.Helper()
			var resp *http.Response
			var err error
			if method == "GET" {
				resp, err = c.Get(base + path)
			} else {
				resp, err = c.PostForm(base+path, form)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b), resp.Header.Get("Location")
		}
		webOp, webBO, webFE := signIn(t, base, "operatore.bo@gesta.example"), signIn(t, base, "prefettura.bo@gesta.example"),
			signIn(t, base, "prefettura.fe@gesta.example")
		// The demo's complex cases (loaded because a key is configured).
		if st, body, _ := page(webBO, "GET", "/casi", nil); st != 200 || strings.Count(body, `href="/casi/`) < 2 {
			t.Fatalf("demo cases: %d, %d links", st, strings.Count(body, `href="/casi/`))
		}
		if st, body, _ := page(webBO, "GET", "/segnalazioni", nil); st != 200 || !strings.Contains(body, "/valutazione") {
			t.Fatalf("demo pending report: %d", st)
		}
		if st, body, _ := page(webOp, "GET", "/segnalazioni", nil); st != 200 || !strings.Contains(body, `value="`+guest+`"`) {
			t.Fatalf("report page: %d", st)
		}
		text := "Litigio in cucina, nessun ferito " + time.Now().Format(time.RFC3339Nano)
		if st, _, loc := page(webOp, "POST", "/segnalazioni", url.Values{"guest_id": {guest}, "category": {"conflitto"},
			"urgency": {"urgente"}, "description": {text}}); st != 303 || loc != "/segnalazioni" {
			t.Fatalf("filing from the page: %d %s", st, loc)
		}
		st, body, _ := page(webBO, "GET", "/segnalazioni", nil)
		// The newest pending report, listed last, is the one just filed.
		all := regexp.MustCompile(`/segnalazioni/([0-9a-f-]{36})/valutazione`).FindAllStringSubmatch(body, -1)
		if st != 200 || len(all) == 0 {
			t.Fatalf("pending reports page: %d", st)
		}
		m2 := all[len(all)-1]
		if st, _, loc := page(webBO, "POST", "/segnalazioni/"+m2[1]+"/valutazione", url.Values{"decision": {"merge"}}); st != 303 || loc != "/casi/"+id {
			t.Fatalf("triage from the page: %d %s", st, loc)
		}
		if st, body, _ := page(webBO, "GET", "/casi", nil); st != 200 || !strings.Contains(body, "/casi/"+id) {
			t.Fatalf("cases page: %d", st)
		}
		rows := func() int {
			var acc struct{ Items []domain.CaseAccess }
			call("GET", "/cases/"+id+"/accesses", coord, nil, &acc)
			return len(acc.Items)
		}
		before := rows()
		if st, body, _ := page(webBO, "GET", "/casi/"+id, nil); st != 200 || !strings.Contains(body, `name="finalita"`) ||
			strings.Contains(body, text) || rows() != before {
			t.Fatalf("case page without a purpose: %d, rows %d → %d", st, before, rows())
		}
		if st, body, _ := page(webBO, "GET", "/casi/"+id+"?finalita=verifica", nil); st != 200 || !strings.Contains(body, text) ||
			rows() != before+1 {
			t.Fatalf("case page with a purpose: %d, rows %d → %d", st, before, rows())
		}
		if st, body, _ := page(webBO, "POST", "/casi/"+id+"/stato", url.Values{"status": {"monitoraggio"}, "finalita": {"verifica"}}); st != 409 ||
			!strings.Contains(body, "Passaggio di stato non consentito") {
			t.Fatalf("out of order from the page: %d", st)
		}
		if st, _, loc := page(webBO, "POST", "/casi/"+id+"/note", url.Values{"text": {"Colloquio svolto"}, "finalita": {"verifica"}}); st != 303 ||
			loc != "/casi/"+id+"?finalita=verifica" {
			t.Fatalf("note from the page: %d %s", st, loc)
		}
		if st, _, _ := page(webFE, "GET", "/casi/"+id+"?finalita=verifica", nil); st != 404 {
			t.Fatalf("Ferrara's case page: %d", st)
		}
	})
}
