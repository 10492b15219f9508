package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/auth"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestCaseFilesAPI walks what the pages do beyond the case file through the
// API, on both engines: a document uploaded (multipart, replayed under its
// Idempotency-Key with a new boundary), listed and downloaded only with a
// purpose, each read an access row; a report's document; the case list, the
// pending reports and the dashboard; a network table with a case added by
// pseudonym, decisions, a follow-up done and the minutes as PDF; the
// subject-access export for the coordinator only. Ferrara's case worker gets
// 404 for each of Bologna's objects.
func TestCaseFilesAPI(t *testing.T) {
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
		coord := token("coordinamento@gesta.example")

		type answer struct {
			status int
			header http.Header
			body   []byte
		}
		do := func(method, path, tok, contentType string, body []byte, headers ...string) answer {
			t.Helper()
			req, _ := http.NewRequest(method, base+"/api/v1"+path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return answer{resp.StatusCode, resp.Header, b}
		}
		call := func(method, path, tok string, body any, out any) int {
			t.Helper()
			var b []byte
			ct := ""
			if body != nil {
				b, _ = json.Marshal(body)
				ct = "application/json"
			}
			a := do(method, path, tok, ct, b)
			if out != nil && a.status < 300 {
				if err := json.Unmarshal(a.body, out); err != nil {
					t.Fatalf("%s %s: %v: %s", method, path, err, a.body)
				}
			}
			return a.status
		}
		upload := func(path, tok, name string, content []byte, headers ...string) answer {
			t.Helper()
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf) // a new random boundary each time
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write(content)
			mw.Close()
			return do("POST", path, tok, mw.FormDataContentType(), buf.Bytes(), headers...)
		}
		accesses := func(id string) []domain.CaseAccess {
			t.Helper()
			var acc struct{ Items []domain.CaseAccess }
			if st := call("GET", "/cases/"+id+"/accesses", coord, nil, &acc); st != 200 {
				t.Fatalf("access log: %d", st)
			}
			return acc.Items
		}

		// A case of Bologna's, from a report with a document.
		opCred, _ := db.Users.Credentials(ctx, "operatore.bo@gesta.example")
		present, _, err := db.Guests.SearchPresent(storetest.CtxAs(opCred.Actor), domain.PresentFilter{Limit: 100})
		if err != nil || len(present) < 80 {
			t.Fatalf("guests present: %d, %v", len(present), err)
		}
		guest := ""
		for _, p := range present[70:] {
			if !p.Guest.MSNA {
				guest = p.Guest.ID
				break
			}
		}
		var rep struct{ ID string }
		if st := call("POST", "/reports", op, map[string]any{"guest_id": guest, "category": "salute", "urgency": "urgente",
			"description": "Febbre alta da tre giorni"}, &rep); st != 201 {
			t.Fatalf("report: %d", st)
		}
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
		a := upload("/reports/"+rep.ID+"/documents", op, "referto.png", png)
		var repDoc domain.Document
		if a.status != 201 || json.Unmarshal(a.body, &repDoc) != nil || repDoc.ContentType != "image/png" {
			t.Fatalf("report document: %d %s", a.status, a.body)
		}
		if a := upload("/reports/"+rep.ID+"/documents", op, "finto.pdf", []byte("<html>not a pdf</html>")); a.status != 422 {
			t.Fatalf("a document that is not one: %d %s", a.status, a.body)
		}
		// Over the 10 MB limit: 413, whether the file or the whole request is too large.
		for _, n := range []int{domain.MaxDocumentBytes + 1, domain.MaxDocumentBytes + 1<<20} {
			if a := upload("/reports/"+rep.ID+"/documents", op, "grande.png", append(png, make([]byte, n)...)); a.status != 413 {
				t.Fatalf("a document of %d bytes: %d %s", n+len(png), a.status, a.body)
			}
		}
		var pending struct{ Items []domain.Report }
		if st := call("GET", "/reports/pending", prefBO, nil, &pending); st != 200 || !slices.ContainsFunc(pending.Items,
			func(r domain.Report) bool { return r.ID == rep.ID && r.Description == "" }) {
			t.Fatalf("pending reports: %d %+v", st, pending.Items)
		}
		if a := do("GET", "/reports/"+rep.ID+"/documents/"+repDoc.ID, prefFE, "", nil); a.status != 404 {
			t.Fatalf("Ferrara reading Bologna's report document: %d", a.status)
		}
		if a := do("GET", "/reports/"+rep.ID+"/documents/"+repDoc.ID, prefBO, "", nil); a.status != 200 || !bytes.Equal(a.body, png) ||
			!strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("report document download: %d %v", a.status, a.header)
		}
		var opened struct{ ID string }
		if st := call("POST", "/cases", prefBO, map[string]any{"report_id": rep.ID}, &opened); st != 201 {
			t.Fatalf("open case: %d", st)
		}
		id := opened.ID

		// Documents of the case: upload, replay, list and download with a purpose.
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
		first := upload("/cases/"+id+"/documents", prefBO, "../../etc/decreto \"prefettizio\".pdf", pdf, "Idempotency-Key", "doc-1")
		var doc domain.Document
		if first.status != 201 || json.Unmarshal(first.body, &doc) != nil || doc.ContentType != "application/pdf" ||
			strings.Contains(doc.Name, "/") {
			t.Fatalf("case document: %d %s", first.status, first.body)
		}
		again := upload("/cases/"+id+"/documents", prefBO, "../../etc/decreto \"prefettizio\".pdf", pdf, "Idempotency-Key", "doc-1")
		if again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) {
			t.Fatalf("replayed upload: %d %v %s", again.status, again.header, again.body)
		}
		if a := upload("/cases/"+id+"/documents", prefBO, "altro.pdf", pdf, "Idempotency-Key", "doc-1"); a.status != 422 {
			t.Fatalf("another upload under the same key: %d", a.status)
		}
		if a := upload("/cases/"+id+"/documents", prefFE, "x.pdf", pdf); a.status != 404 {
			t.Fatalf("Ferrara uploading to Bologna's case: %d", a.status)
		}
		before := len(accesses(id))
		if st := call("GET", "/cases/"+id+"/documents", prefBO, nil, nil); st != 400 {
			t.Fatalf("documents without a purpose: %d", st)
		}
		if st := call("GET", "/cases/"+id+"/documents?purpose=verifica", prefFE, nil, nil); st != 404 {
			t.Fatalf("Ferrara listing Bologna's documents: %d", st)
		}
		if n := len(accesses(id)); n != before {
			t.Fatalf("refused reads left rows: %d → %d", before, n)
		}
		var docs struct{ Items []domain.Document }
		if st := call("GET", "/cases/"+id+"/documents?purpose=verifica", prefBO, nil, &docs); st != 200 || len(docs.Items) != 2 {
			t.Fatalf("documents: %d %+v", st, docs.Items)
		}
		if a := do("GET", "/cases/"+id+"/documents/"+doc.ID, prefBO, "", nil); a.status != 400 {
			t.Fatalf("download without a purpose: %d", a.status)
		}
		a = do("GET", "/cases/"+id+"/documents/"+doc.ID, prefBO, "", nil, "Gesta-Purpose", "presa_in_carico")
		if a.status != 200 || !bytes.Equal(a.body, pdf) || a.header.Get("Content-Type") != "application/pdf" ||
			a.header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment;") ||
			strings.Contains(a.header.Get("Content-Disposition"), "/") || strings.Count(a.header.Get("Content-Disposition"), `"`) != 2 {
			t.Fatalf("download: %d %v", a.status, a.header)
		}
		log := accesses(id)
		if len(log) != before+2 || log[0].Purpose != "presa_in_carico" || !slices.Equal(log[0].Sections, []string{"documenti"}) ||
			log[1].Purpose != "verifica" || !slices.Equal(log[1].Sections, []string{"documenti"}) {
			t.Fatalf("access rows of the document reads: %+v", log[:min(3, len(log))])
		}

		// Lists and the dashboard.
		var cases struct{ Items []domain.CaseSummary }
		if st := call("GET", "/cases", prefBO, nil, &cases); st != 200 || !slices.ContainsFunc(cases.Items,
			func(c domain.CaseSummary) bool { return c.ID == id }) {
			t.Fatalf("cases: %d", st)
		}
		if st := call("GET", "/cases", prefFE, nil, &cases); st != 200 || slices.ContainsFunc(cases.Items,
			func(c domain.CaseSummary) bool { return c.ID == id }) {
			t.Fatalf("Ferrara's cases list Bologna's: %d", st)
		}
		var dash domain.CaseDashboard
		if st := call("GET", "/cases/dashboard", prefBO, nil, &dash); st != 200 || dash.Open < 1 || dash.ByCategory["salute"] < 1 {
			t.Fatalf("dashboard: %d %+v", st, dash)
		}

		// A network table.
		var tbl struct{ ID string }
		if st := call("POST", "/tables", prefBO, map[string]any{"title": "Tavolo salute mentale", "held_on": "2026-11-20T09:00:00Z",
			"place": "Prefettura", "participants": []string{"CSM Bologna Ovest", "Ufficio immigrazione"}}, &tbl); st != 201 {
			t.Fatalf("table: %d", st)
		}
		if st := call("GET", "/tables/"+tbl.ID, prefFE, nil, nil); st != 404 {
			t.Fatalf("Ferrara reading Bologna's table: %d", st)
		}
		pseudo := domain.CasePseudonym(id)
		if st := call("POST", "/tables/"+tbl.ID+"/cases", prefFE, map[string]any{"pseudonym": pseudo}, nil); st != 404 {
			t.Fatalf("Ferrara adding to Bologna's table: %d", st)
		}
		if st := call("POST", "/tables/"+tbl.ID+"/cases", prefBO, map[string]any{"pseudonym": "C-00000000"}, nil); st != 404 {
			t.Fatalf("unknown pseudonym: %d", st)
		}
		if st := call("POST", "/tables/"+tbl.ID+"/cases", prefBO, map[string]any{"pseudonym": strings.ToLower(pseudo)}, nil); st != 204 && st != 200 {
			t.Fatalf("case by pseudonym: %d", st)
		}
		if st := call("PUT", "/tables/"+tbl.ID+"/decisions", prefBO, map[string]any{"text": "Valutazione CSM entro due settimane"}, nil); st != 204 && st != 200 {
			t.Fatalf("decisions: %d", st)
		}
		var fu struct{ ID string }
		if st := call("POST", "/tables/"+tbl.ID+"/follow-ups", prefBO, map[string]any{"text": "Fissare il colloquio",
			"owner": "CSM", "due": "2026-12-01T00:00:00Z", "case_id": id}, &fu); st != 201 {
			t.Fatalf("follow-up: %d", st)
		}
		if st := call("POST", "/tables/"+tbl.ID+"/follow-ups/"+fu.ID+"/done", prefFE, nil, nil); st != 404 {
			t.Fatalf("Ferrara closing Bologna's follow-up: %d", st)
		}
		if st := call("POST", "/tables/"+tbl.ID+"/follow-ups/"+fu.ID+"/done", prefBO, nil, nil); st != 204 && st != 200 {
			t.Fatalf("follow-up done: %d", st)
		}
		var got domain.NetworkTable
		if st := call("GET", "/tables/"+tbl.ID, prefBO, nil, &got); st != 200 || len(got.Cases) != 1 || got.Cases[0].Pseudonym != pseudo ||
			got.Decisions == "" || len(got.FollowUps) != 1 || got.FollowUps[0].DoneAt == nil {
			t.Fatalf("table: %d %+v", st, got)
		}
		var tables struct{ Items []domain.NetworkTable }
		if st := call("GET", "/tables", prefFE, nil, &tables); st != 200 || slices.ContainsFunc(tables.Items,
			func(x domain.NetworkTable) bool { return x.ID == tbl.ID }) {
			t.Fatalf("Ferrara's tables list Bologna's: %d", st)
		}
		if a := do("GET", "/tables/"+tbl.ID+"/minutes", prefFE, "", nil); a.status != 404 {
			t.Fatalf("Ferrara's minutes of Bologna's table: %d", a.status)
		}
		a = do("GET", "/tables/"+tbl.ID+"/minutes", prefBO, "", nil)
		if a.status != 200 || !bytes.HasPrefix(a.body, []byte("%PDF-")) || a.header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("minutes: %d %v", a.status, a.header)
		}

		// The subject-access export: the coordinator's, every read listed.
		if a := do("GET", "/guests/"+guest+"/case-export", prefBO, "", nil); a.status != 403 {
			t.Fatalf("export by a case worker: %d", a.status)
		}
		a = do("GET", "/guests/"+guest+"/case-export", coord, "", nil)
		var x domain.SubjectExport
		if a.status != 200 || json.Unmarshal(a.body, &x) != nil || x.GuestID != guest || len(x.Cases) != 1 || len(x.Documents) != 2 ||
			len(x.Accesses) < len(log) || !strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("export: %d, %d cases, %d documents, %d reads", a.status, len(x.Cases), len(x.Documents), len(x.Accesses))
		}
		a = do("GET", "/guests/"+guest+"/case-export?format=pdf", coord, "", nil)
		if a.status != 200 || !bytes.HasPrefix(a.body, []byte("%PDF-")) {
			t.Fatalf("export as PDF: %d", a.status)
		}
		if a := do("GET", "/guests/01000000-0000-7000-8000-000000000000/case-export", coord, "", nil); a.status != 404 {
			t.Fatalf("export of an unknown guest: %d", a.status)
		}
	})
}
