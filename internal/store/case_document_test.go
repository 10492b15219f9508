package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// testPDF is a minimal PDF carrying text; testPNG a PNG signature and header.
func testPDF(text string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + text + "\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

var testPNG = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)

// TestCaseDocuments: an operator attaches a document to its new report, a
// case worker reads it during triage (audited), then it belongs to the case
// with the case worker's own; types are judged by content and size is
// limited; each download of a case's document writes one access row with its
// purpose; out of scope, another operator, a restricted case without the
// permission and a service read nothing; the names keep no path.
func TestCaseDocuments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		ds := store.NewCaseDocumentService(db)
		rep := &domain.Report{GuestID: w.guest.ID, Category: "salute", Urgency: domain.UrgencyUrgent, Description: "certificato"}
		if err := w.cs.FileReport(w.operator, rep); err != nil {
			t.Fatal(err)
		}
		secret := "CANARY-HEALTH-doc-" + uuid.NewString()
		pdf := testPDF(secret)
		if _, err := ds.AttachToReport(w.otherOp, rep.ID, "x.pdf", pdf); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("another operator attaching: %v", err)
		}
		for name, c := range map[string]struct {
			data []byte
			code string
		}{
			"empty":           {nil, domain.EINVALID},
			"html as pdf":     {[]byte("<html><script>alert(1)</script></html>"), domain.EINVALID},
			"pdf header only": {[]byte("%PDF-1.4\n<html>"), domain.EINVALID},
			"too large":       {append(testPDF("x"), make([]byte, domain.MaxDocumentBytes)...), domain.ETOOLARGE},
		} {
			if _, err := ds.AttachToReport(w.operator, rep.ID, "certificato.pdf", c.data); domain.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", name, err, c.code)
			}
		}
		doc, err := ds.AttachToReport(w.operator, rep.ID, "../../etc/\u202epasswd\x00.pdf", pdf)
		if err != nil {
			t.Fatal(err)
		}
		if doc.ContentType != "application/pdf" || doc.Size != len(pdf) || strings.ContainsAny(doc.Name, "/\\\x00\u202e") {
			t.Fatalf("document: %+v", doc)
		}
		// During triage: Bologna's case worker, audited; not Ferrara's.
		if _, data, err := ds.ReadReportDocument(w.prefBO, rep.ID, doc.ID); err != nil || !bytes.Equal(data, pdf) {
			t.Fatalf("read during triage: %v", err)
		}
		if _, _, err := ds.ReadReportDocument(w.prefFE, rep.ID, doc.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("Ferrara reading: %v", err)
		}
		if list, err := ds.ReportDocuments(w.operator, rep.ID); err != nil || len(list) != 1 {
			t.Fatalf("the filer's list: %v %d", err, len(list))
		}

		caseID, err := w.cs.TriageReport(w.prefBO, rep.ID, domain.TriageOpen, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ds.AttachToReport(w.operator, rep.ID, "tardi.png", testPNG); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("attaching after triage: %v", err)
		}
		if _, _, err := ds.ReadReportDocument(w.prefBO, rep.ID, doc.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("a triaged report's document is read through its case: %v", err)
		}
		png, err := ds.AttachToCase(w.prefBO, caseID, "foto.png", testPNG)
		if err != nil || png.ContentType != "image/png" {
			t.Fatalf("case document: %+v %v", png, err)
		}
		if _, err := ds.AttachToCase(w.prefFE, caseID, "x.png", testPNG); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("Ferrara attaching: %v", err)
		}
		list, err := ds.CaseDocuments(w.prefBO, caseID)
		if err != nil || len(list) != 2 {
			t.Fatalf("case documents: %v %d", err, len(list))
		}

		before := accessCount(t, db, caseID)
		if _, _, err := ds.ReadCaseDocument(w.prefBO, caseID, doc.ID, ""); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("download without purpose: %v", err)
		}
		got, data, err := ds.ReadCaseDocument(w.prefBO, caseID, doc.ID, "verifica")
		if err != nil || !bytes.Equal(data, pdf) || got.ID != doc.ID {
			t.Fatalf("download: %v", err)
		}
		if n := accessCount(t, db, caseID); n != before+1 {
			t.Fatalf("access rows after a download: %d, want %d", n, before+1)
		}
		acc, _ := w.cs.CaseAccesses(w.coord, caseID)
		if acc[0].Purpose != "verifica" || len(acc[0].Sections) != 1 || acc[0].Sections[0] != domain.SectionDocuments {
			t.Fatalf("the download's access row: %+v", acc[0])
		}
		for name, ctx := range map[string]context.Context{"Ferrara": w.prefFE, "operator": w.operator, "service": w.csm, "viewer": w.viewer} {
			if _, data, err := ds.ReadCaseDocument(ctx, caseID, doc.ID, "verifica"); err == nil || data != nil {
				t.Errorf("%s downloaded a case's document", name)
			}
		}
		if n := accessCount(t, db, caseID); n != before+1 {
			t.Fatalf("refused downloads wrote access rows: %d", n)
		}
		// Another case's document id through this case: not found.
		if _, _, err := ds.ReadCaseDocument(w.prefBO, caseID, uuid.NewString(), "verifica"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown document: %v", err)
		}
	})
}

// TestCaseDocumentsAreSealed: a document's bytes and name are absent from
// the SQLite file and its WAL.
func TestCaseDocumentsAreSealed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	db := storetest.Open(t, "sqlite:"+path)
	w := newCaseWorld(t, db)
	ds := store.NewCaseDocumentService(db)
	caseID, err := w.cs.OpenCase(w.prefBO, w.guest.ID)
	if err != nil {
		t.Fatal(err)
	}
	secret, name := "CANARY-HEALTH-pdf-"+uuid.NewString(), "CANARY-NAME-"+uuid.NewString()+".pdf"
	if _, err := ds.AttachToCase(w.prefBO, caseID, name, testPDF(secret)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, needle := range []string{secret, strings.TrimSuffix(name, ".pdf"), "%PDF-1.4"} {
			if bytes.Contains(b, []byte(needle)) {
				t.Fatalf("%q found in clear in %s", needle, filepath.Base(f))
			}
		}
	}
}
