package app_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestCaseWebFlow walks a case through the pages alone, as the people who
// use them: Bologna's operator files a report; Bologna's case worker triages
// it into a case, reads it for a purpose (one access row; the purpose form
// itself reads nothing), adds and completes a task, records an art. 23
// measure whose deadline is shown, is refused a referral without consent and
// sends it with consent for two sections; the CSM's worker reads only those
// sections (not the note), accepts and records the outcome; Ferrara's case
// worker finds the case "not found", opens it by break-glass with a reason
// and reads it; the access log page shows every read to the coordinator and
// the assigned worker, and is not found for Ferrara.
func TestCaseWebFlow(t *testing.T) {
	eachCaseServer(t, func(t *testing.T, base string, db *store.DB) {
		ctx := storetest.Ctx()

		opCred, _ := db.Users.Credentials(ctx, "operatore.bo@gesta.example")
		present, _, err := db.Guests.SearchPresent(storetest.CtxAs(opCred.Actor), domain.PresentFilter{Limit: 100})
		if err != nil || len(present) < 80 {
			t.Fatalf("guests present: %d, %v", len(present), err)
		}
		guest := ""
		for _, p := range present[70:] { // the demo's cases and the API test use the first ones
			if !p.Guest.MSNA {
				guest = p.Guest.ID
				break
			}
		}

		op, bo := signIn(t, base, "operatore.bo@gesta.example"), signIn(t, base, "prefettura.bo@gesta.example")
		fe, csm := signIn(t, base, "prefettura.fe@gesta.example"), signIn(t, base, "servizio.bo@gesta.example")
		coord := signIn(t, base, "coordinamento@gesta.example")
		page := func(c *http.Client, path string) (int, string) {
			t.Helper()
			resp, err := c.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		post := func(c *http.Client, path string, form url.Values) (int, string, string) {
			t.Helper()
			resp, err := c.PostForm(base+path, form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Location"), string(b)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := db.ReadTx(ctx, func(tx *store.Tx) error { return tx.QueryRowContext(ctx, q, args...).Scan(&n) }); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// The operator, on the reports page.
		const description = "Ospite agitato di notte, rifiuta il cibo da tre giorni"
		if st, _, body := post(op, "/segnalazioni", url.Values{"guest_id": {guest}, "category": {"disagio_psichico"},
			"urgency": {"urgente"}, "description": {description}}); st != http.StatusSeeOther {
			t.Fatalf("report: %d %s", st, body)
		}
		var reportID string
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT id FROM case_reports WHERE guest_id = $1`, guest).Scan(&reportID)
		}); err != nil {
			t.Fatal(err)
		}

		// A document on the report: a PDF, and HTML named .pdf refused.
		upload := func(c *http.Client, path, name string, data []byte, fields url.Values) int {
			t.Helper()
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, vs := range fields {
				for _, v := range vs {
					mw.WriteField(k, v)
				}
			}
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write(data)
			mw.Close()
			req, _ := http.NewRequest("POST", base+path, &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
		if st := upload(op, "/segnalazioni/"+reportID+"/documenti", "certificato.pdf", []byte("<html><script>x()</script></html>"), nil); st != http.StatusUnprocessableEntity {
			t.Errorf("HTML named .pdf: %d, want 422", st)
		}
		if st := upload(op, "/segnalazioni/"+reportID+"/documenti", "../certificato medico.pdf", pdf, nil); st != http.StatusSeeOther {
			t.Fatalf("report document: %d", st)
		}
		_, body := page(bo, "/segnalazioni")
		dm := regexp.MustCompile(`/segnalazioni/` + reportID + `/documenti/([0-9a-f-]+)`).FindStringSubmatch(body)
		if dm == nil {
			t.Fatal("the report's document is not on the triage page")
		}
		docID := dm[1]
		if st, got := page(bo, "/segnalazioni/"+reportID+"/documenti/"+docID); st != 200 || got != string(pdf) {
			t.Fatalf("document during triage: %d", st)
		}
		if st, _ := page(fe, "/segnalazioni/"+reportID+"/documenti/"+docID); st != http.StatusNotFound {
			t.Errorf("Ferrara reading Bologna's report document: %d", st)
		}

		// Triage: the case worker opens a case and lands on its page.
		if !strings.Contains(body, "/segnalazioni/"+reportID+"/valutazione") {
			t.Fatal("the pending report is not on the case worker's page")
		}
		st, loc, _ := post(bo, "/segnalazioni/"+reportID+"/valutazione", url.Values{"decision": {"open"}})
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/casi/") {
			t.Fatalf("triage: %d %s", st, loc)
		}
		caseID := strings.TrimPrefix(loc, "/casi/")
		accesses := func() int { return count(`SELECT COUNT(*) FROM case_accesses WHERE case_id = $1`, caseID) }
		if st, body := page(bo, "/casi/"+caseID); st != 200 || !strings.Contains(body, `data-testid="purpose-form"`) ||
			strings.Contains(body, description) || accesses() != 0 {
			t.Fatalf("the purpose form read the case: %d, %d accesses", st, accesses())
		}
		st, body = page(bo, "/casi/"+caseID+"?finalita=presa_in_carico")
		if st != 200 || !strings.Contains(body, description) || accesses() != 1 {
			t.Fatalf("case read: %d, %d accesses", st, accesses())
		}
		// The report's document is the case's now: downloaded as an
		// attachment, with a purpose, logged.
		docURL := "/casi/" + caseID + "/documenti/" + docID + "?finalita=presa_in_carico"
		if !strings.Contains(body, strings.ReplaceAll(docURL, "&", "&amp;")) {
			t.Fatal("the case page does not list the report's document")
		}
		resp, err := bo.Get(base + docURL)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cd := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != 200 || string(got) != string(pdf) || resp.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(cd, "attachment; ") || strings.Contains(cd, "..") || strings.Contains(cd, "/") || accesses() != 2 {
			t.Fatalf("download: %d %q %q, %d accesses", resp.StatusCode, resp.Header.Get("Content-Type"), cd, accesses())
		}
		for _, form := range []string{"measure-form", "referral-form", "assign-me"} {
			if !strings.Contains(body, `data-testid="`+form+`"`) {
				t.Errorf("the case page has no %s", form)
			}
		}
		step := func(path string, form url.Values, want int) string {
			t.Helper()
			form.Set("finalita", "presa_in_carico")
			st, _, body := post(bo, "/casi/"+caseID+path, form)
			if st != want {
				t.Fatalf("POST %s: %d, want %d", path, st, want)
			}
			return body
		}

		// A task, done from the page.
		step("/compiti", url.Values{"title": {"Colloquio con la psicologa"}, "due": {"2026-12-10"}}, http.StatusSeeOther)
		_, body = page(bo, "/casi/"+caseID+"?finalita=presa_in_carico")
		m := regexp.MustCompile(`/casi/` + caseID + `/compiti/([0-9a-f-]+)/fatto`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no way to complete the task on the page")
		}
		step("/compiti/"+m[1]+"/fatto", url.Values{}, http.StatusSeeOther)
		if n := count(`SELECT COUNT(*) FROM case_tasks WHERE case_id = $1 AND done_at IS NOT NULL`, caseID); n != 1 {
			t.Fatalf("tasks done: %d", n)
		}

		// An art. 23 c.2(c) suspension of 30 days: its end is the deadline shown;
		// 10 days is refused with the reason.
		if body := step("/misure", url.Values{"kind": {domain.MeasureSuspension}, "decided_on": {"2026-11-01"},
			"duration_days": {"10"}, "reason": {"Violazione grave"}}, http.StatusUnprocessableEntity); !strings.Contains(body, "da 30 giorni a 6 mesi") {
			t.Error("the refused measure does not say why")
		}
		step("/misure", url.Values{"kind": {domain.MeasureSuspension}, "decided_on": {"2026-11-01"},
			"duration_days": {"30"}, "reason": {"Violazione grave del regolamento"}}, http.StatusSeeOther)
		if _, body = page(bo, "/casi/"+caseID+"?finalita=verifica"); !strings.Contains(body, "01/12/2026") {
			t.Error("the measure's deadline (1 Dec 2026) is not shown")
		}

		// A note the service must not read (consent will not cover notes).
		const note = "Nota interna: non condivisa con il servizio"
		step("/note", url.Values{"text": {note}}, http.StatusSeeOther)

		// A referral without consent is refused, and nothing is sent.
		var serviceID string
		csmCred, _ := db.Users.Credentials(ctx, "servizio.bo@gesta.example")
		serviceID = csmCred.Actor.ServiceID
		if body := step("/invii", url.Values{"service_id": {serviceID}, "reason": {"Valutazione psichiatrica"},
			"consent": {"no"}}, http.StatusUnprocessableEntity); !strings.Contains(body, "manca il consenso") {
			t.Error("the refused referral does not say consent is missing")
		}
		if n := count(`SELECT COUNT(*) FROM referrals WHERE case_id = $1`, caseID); n != 0 {
			t.Fatalf("a referral without consent was stored: %d", n)
		}
		// Bologna's case worker has no override permission: a reason alone is refused.
		if st, _, _ := post(bo, "/casi/"+caseID+"/invii", url.Values{"service_id": {serviceID}, "reason": {"x"},
			"override_reason": {"urgenza"}, "finalita": {"invio"}}); st != http.StatusForbidden {
			t.Errorf("override without the permission: %d, want 403", st)
		}
		step("/invii", url.Values{"service_id": {serviceID}, "reason": {"Valutazione psichiatrica"}, "consent": {"si"},
			"consent_date": {"2026-11-30"}, "consent_recorded_by": {"operatrice legale"}, "consent_purpose": {"presa in carico CSM"},
			"sections": {"anagrafica", "segnalazioni"}}, http.StatusSeeOther)

		// The CSM's worker: the referral in the list, read with a purpose.
		var refID string
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT id FROM referrals WHERE case_id = $1`, caseID).Scan(&refID)
		}); err != nil {
			t.Fatal(err)
		}
		if _, body = page(csm, "/servizi"); !strings.Contains(body, "/servizi/invii/"+refID) {
			t.Fatal("the referral is not listed for the service")
		}
		before := accesses()
		st, body = page(csm, "/servizi/invii/"+refID+"?finalita=invio")
		if st != 200 || !strings.Contains(body, description) || strings.Contains(body, note) || strings.Contains(body, "Violazione grave") {
			t.Fatalf("referred case: %d; report shown %v, note hidden %v, measure hidden %v", st,
				strings.Contains(body, description), !strings.Contains(body, note), !strings.Contains(body, "Violazione grave"))
		}
		if accesses() != before+1 {
			t.Fatal("the service's read was not logged")
		}
		if st, _, _ := post(csm, "/servizi/invii/"+refID+"/risposta", url.Values{"answer": {"accetta"},
			"reason": {"Presa in carico dal CSM Ovest"}, "finalita": {"invio"}}); st != http.StatusSeeOther {
			t.Fatalf("accept: %d", st)
		}
		if st, _, _ := post(csm, "/servizi/invii/"+refID+"/esito", url.Values{"outcome": {"In cura"},
			"taken_in_charge": {"2026-12-03"}, "finalita": {"invio"}}); st != http.StatusSeeOther {
			t.Fatalf("outcome: %d", st)
		}
		if n := count(`SELECT COUNT(*) FROM referrals WHERE id = $1 AND status = 'accettato' AND taken_in_charge IS NOT NULL`, refID); n != 1 {
			t.Fatal("the referral's answer and outcome are not stored")
		}

		// Ferrara's case worker: not found, then break-glass with a reason.
		st, body = page(fe, "/casi/"+caseID+"?finalita=verifica")
		if st != http.StatusNotFound || !strings.Contains(body, `data-testid="breakglass-form"`) || strings.Contains(body, description) {
			t.Fatalf("out of scope: %d", st)
		}
		if st, _, _ := post(fe, "/casi/"+caseID+"/accesso-straordinario", url.Values{"reason": {""}}); st != http.StatusUnprocessableEntity {
			t.Errorf("break-glass without a reason: %d", st)
		}
		if st, loc, _ := post(fe, "/casi/"+caseID+"/accesso-straordinario", url.Values{"reason": {"Ospite trasferito a Ferrara stanotte"}}); st != http.StatusSeeOther || loc != "/casi/"+caseID {
			t.Fatalf("break-glass: %d %s", st, loc)
		}
		if st, body = page(fe, "/casi/"+caseID+"?finalita=controllo"); st != 200 || !strings.Contains(body, description) {
			t.Fatalf("read under break-glass: %d", st)
		}

		// The subject-access export: the coordinator's, about this guest only.
		if st, body := page(coord, "/casi/"+caseID+"/esportazione"); st != 200 || !strings.Contains(body, guest) ||
			!strings.Contains(body, description) || !strings.Contains(body, "richiesta_interessato") {
			t.Fatalf("export: %d", st)
		}
		if st, body := page(coord, "/casi/"+caseID+"/esportazione?formato=pdf"); st != 200 || !strings.HasPrefix(body, "%PDF-") {
			t.Fatalf("export as PDF: %d", st)
		}
		if st, _ := page(bo, "/casi/"+caseID+"/esportazione"); st != http.StatusForbidden {
			t.Errorf("a case worker's export: %d, want 403", st)
		}

		// The access log page: the coordinator sees every read, Ferrara none.
		st, body = page(coord, "/casi/"+caseID+"/accessi")
		if st != 200 || !strings.Contains(body, "prefettura.fe@gesta.example") || !strings.Contains(body, "servizio.bo@gesta.example") ||
			!strings.Contains(body, "accesso straordinario") {
			t.Fatalf("access log for the coordinator: %d", st)
		}
		if rows := strings.Count(body, "<tr><td>"); rows != accesses() {
			t.Errorf("access log page: %d rows, %d accesses", rows, accesses())
		}
		if st, _ := page(fe, "/casi/"+caseID+"/accessi"); st != http.StatusNotFound {
			t.Errorf("access log for Ferrara: %d, want 404", st)
		}
		if st, _ := page(bo, "/casi/"+caseID+"/accessi"); st != http.StatusNotFound {
			t.Errorf("access log for a case worker not assigned: %d, want 404", st)
		}
		// A network table discusses the case; its minutes are a PDF.
		st, loc, _ = post(bo, "/tavoli", url.Values{"title": {"Tavolo vulnerabilità"}, "held_on": {"2026-12-01"},
			"participants": {"CSM Bologna Ovest\r\nASP Città di Bologna"}})
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/tavoli/") {
			t.Fatalf("table: %d %s", st, loc)
		}
		if st, _, _ := post(bo, loc+"/casi", url.Values{"case_id": {caseID}}); st != http.StatusSeeOther {
			t.Fatalf("discuss: %d", st)
		}
		if st, _, _ := post(bo, loc+"/impegni", url.Values{"text": {"Visita"}, "owner": {"CSM"}, "due": {"2026-12-15"},
			"case_id": {caseID}}); st != http.StatusSeeOther {
			t.Fatalf("follow-up: %d", st)
		}
		if st, body := page(bo, loc); st != 200 || !strings.Contains(body, domain.CasePseudonym(caseID)) || !strings.Contains(body, "Visita") {
			t.Fatalf("table page: %d", st)
		}
		if st, body := page(fe, loc); st != http.StatusNotFound || strings.Contains(body, "Visita") {
			t.Errorf("Ferrara reading Bologna's table: %d", st)
		}
		if st, body := page(bo, loc+"/verbale.pdf"); st != 200 || !strings.HasPrefix(body, "%PDF-") {
			t.Fatalf("minutes: %d", st)
		}

		// The dashboard counts without reading: no access row.
		before = accesses()
		if st, body := page(bo, "/casi/cruscotto"); st != 200 || !strings.Contains(body, `data-testid="referral-stats"`) || accesses() != before {
			t.Fatalf("case dashboard: %d", st)
		}
		if st, _ := page(op, "/casi/cruscotto"); st != http.StatusForbidden {
			t.Errorf("the operator's case dashboard: %d", st)
		}

		step("/assegnazione", url.Values{}, http.StatusSeeOther)
		if st, _ := page(bo, "/casi/"+caseID+"/accessi"); st != 200 {
			t.Errorf("access log for the assigned worker: %d", st)
		}
	})
}

// eachCaseServer runs fn on each engine against a served instance with a
// secret key (the case files need one), and a store handle on its database.
func eachCaseServer(t *testing.T, fn func(t *testing.T, base string, db *store.DB)) {
	for _, engine := range storetest.EngineNames {
		t.Run(engine, func(t *testing.T) {
			dsn, ok := storetest.DSN(t, engine)
			if !ok {
				t.Skipf("%s not set", storetest.EnvPostgres)
			}
			key, _ := crypt.NewKey("k1")
			base, _, _ := serve(t, dsn, map[string]string{"GESTA_SECRET_KEY": key})
			db, err := store.Open(storetest.Ctx(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			fn(t, base, db)
		})
	}
}
