package store_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// TestSubjectExportAndRetention: a guest's closed case (report with a
// document, note, task, measure, referral) and an archived report, beside a
// neighbour's open case. The export holds all of the guest's texts, the
// document and every read of the file (the export's own included), and
// nothing of the neighbour; only the coordinator, the admin and the system
// may run it. The retention job, with an injected clock, does nothing before
// the periods end, then anonymises the closed case (texts gone, document
// deleted), erases the archived report and trims the access log; a second run
// changes nothing; the neighbour's open case keeps its texts.
func TestSubjectExportAndRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		ctx := storetest.Ctx()
		ss, ds := store.NewCaseSubjectService(db), store.NewCaseDocumentService(db)
		canary := func(what string) string { return "CANARY-" + what + "-" + uuid.NewString() }
		desc, note, archivedDesc, docText := canary("desc"), canary("note"), canary("archived"), canary("doc")
		neighbourNote := canary("neighbour")

		rep := &domain.Report{GuestID: w.guest.ID, Category: "salute", Urgency: domain.UrgencyUrgent, Description: desc}
		if err := w.cs.FileReport(w.operator, rep); err != nil {
			t.Fatal(err)
		}
		if _, err := ds.AttachToReport(w.operator, rep.ID, "referto.pdf", testPDF(docText)); err != nil {
			t.Fatal(err)
		}
		caseID, err := w.cs.TriageReport(w.prefBO, rep.ID, domain.TriageOpen, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.cs.AddNote(w.prefBO, caseID, note); err != nil {
			t.Fatal(err)
		}
		if err := w.cs.AddMeasure(w.prefBO, caseID, &domain.Measure{Kind: domain.MeasureTransfer, DecidedOn: *w.now, Reason: "trasferimento"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.cs.GetCase(w.prefBO, caseID, "verifica"); err != nil {
			t.Fatal(err)
		}
		if err := w.cs.SetStatus(w.prefBO, caseID, domain.CaseClosed, 0); err != nil {
			t.Fatal(err)
		}
		archived := &domain.Report{GuestID: w.guest.ID, Category: "conflitto", Urgency: domain.UrgencyOrdinary, Description: archivedDesc}
		if err := w.cs.FileReport(w.operator, archived); err != nil {
			t.Fatal(err)
		}
		if _, err := w.cs.TriageReport(w.prefBO, archived.ID, domain.TriageClose, "infondata"); err != nil {
			t.Fatal(err)
		}
		// The neighbour, in the same facility, with an open case.
		neighbour := newGuest(t, ctx, db, "CUI-NEIGHBOUR")
		if _, err := db.Guests.RecordEntry(ctx, neighbour.ID, w.facility.Code, w.now.AddDate(0, -1, 0), ""); err != nil {
			t.Fatal(err)
		}
		nCase, err := w.cs.OpenCase(w.prefBO, neighbour.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.cs.AddNote(w.prefBO, nCase, neighbourNote); err != nil {
			t.Fatal(err)
		}

		// The export.
		if _, err := ss.SubjectExport(w.prefBO, w.guest.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("a case worker exporting: %v", err)
		}
		if _, err := ss.SubjectExport(w.coord, uuid.NewString()); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("an unknown guest: %v", err)
		}
		before := accessCount(t, db, caseID)
		x, err := ss.SubjectExport(w.coord, w.guest.ID)
		if err != nil {
			t.Fatal(err)
		}
		if accessCount(t, db, caseID) != before+1 {
			t.Fatal("the export's read of the case was not logged")
		}
		b, _ := json.Marshal(x)
		js := string(b)
		for _, want := range []string{desc, note, archivedDesc, "trasferimento", w.guest.ID} {
			if !strings.Contains(js, want) {
				t.Errorf("the export misses %q", want)
			}
		}
		if len(x.Documents) != 1 || !strings.Contains(string(x.Documents[0].Content), docText) {
			t.Fatalf("the export's documents: %d", len(x.Documents))
		}
		purposes := map[string]bool{}
		for _, a := range x.Accesses {
			purposes[a.Purpose] = true
			if a.CaseID != caseID {
				t.Errorf("an access row of another case: %s", a.CaseID)
			}
		}
		if !purposes["verifica"] || !purposes["richiesta_interessato"] || len(x.Accesses) != accessCount(t, db, caseID) {
			t.Fatalf("the export's access log: %+v", x.Accesses)
		}
		for _, other := range []string{neighbourNote, neighbour.ID, nCase, "casi@pref-bo.example"} {
			if strings.Contains(js, other) {
				t.Errorf("the export holds %q, which is not the subject's", other)
			}
		}

		// Retention: four years on, nothing is due but the old access rows.
		p := domain.DefaultCaseRetention
		w.advance(4 * 365 * 24 * time.Hour)
		res, err := ss.Retain(domain.NewContextWithActor(ctx, domain.ActorSystem), p)
		if err != nil {
			t.Fatal(err)
		}
		if res.Cases != 0 || res.Documents != 0 || res.Reports != 1 || res.Accesses == 0 {
			t.Fatalf("after four years: %+v", res)
		}
		w.advance(366 * 24 * time.Hour)
		if res, err = ss.Retain(domain.NewContextWithActor(ctx, domain.ActorSystem), p); err != nil || res.Cases != 1 || res.Documents != 1 {
			t.Fatalf("after five years: %+v %v", res, err)
		}
		if res, err = ss.Retain(domain.NewContextWithActor(ctx, domain.ActorSystem), p); err != nil || res != (domain.RetentionResult{}) {
			t.Fatalf("a second run: %+v %v", res, err)
		}
		if _, err := ss.Retain(w.prefBO, p); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("a case worker running retention: %v", err)
		}
		c, err := w.cs.GetCase(w.coord, caseID, "controllo")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Notes) != 0 || c.Reports[0].Description != "" || c.Measures[0].Reason != "" || c.Status != domain.CaseClosed {
			t.Fatalf("the anonymised case: %+v", c)
		}
		x, err = ss.SubjectExport(w.coord, w.guest.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ = json.Marshal(x)
		for _, gone := range []string{desc, note, archivedDesc, docText} {
			if strings.Contains(string(b), gone) {
				t.Errorf("%q survived retention", gone)
			}
		}
		n, err := w.cs.GetCase(w.coord, nCase, "controllo")
		if err != nil || len(n.Notes) != 1 || n.Notes[0].Text != neighbourNote {
			t.Fatalf("the neighbour's open case lost its note: %v", err)
		}
	})
}
