package domain

import (
	"bytes"
	"context"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"
)

// Documents attached to a report or a case (a gestore's report, a
// certificate, a decree): PDF, JPEG or PNG recognised by their content, not
// their name, at most MaxDocumentBytes; sealed at rest with their name;
// served only through a handler that checks the case and logs the read.

// MaxDocumentBytes is the largest document accepted (10 MB).
const MaxDocumentBytes = 10 << 20

// SectionDocuments names a document read in the access log; it is not a
// section of GetCase (documents are read one at a time).
const SectionDocuments = "documenti"

// DocumentTypes maps the accepted content types to the extension a download
// carries.
var DocumentTypes = map[string]string{"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

// SniffDocument returns the content type of an accepted document, judged
// from its bytes (EINVALID for anything else, an empty or oversized file).
func SniffDocument(data []byte) (string, error) {
	if len(data) == 0 {
		return "", Err(EINVALID, "err.doc.empty")
	}
	if len(data) > MaxDocumentBytes {
		return "", Err(ETOOLARGE, "err.doc.too_large")
	}
	ct := http.DetectContentType(data)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if _, ok := DocumentTypes[ct]; !ok {
		return "", Err(EINVALID, "err.doc.type")
	}
	// A PDF must also end like one: a PNG renamed, or HTML with a PDF
	// header line, is refused.
	if ct == "application/pdf" && !bytes.Contains(data[max(0, len(data)-1024):], []byte("%%EOF")) {
		return "", Err(EINVALID, "err.doc.type")
	}
	return ct, nil
}

// DocumentName keeps the base of an uploaded file's name for display only
// (it is never a path): no directories, no control or bidi characters, at
// most 120 characters; empty becomes "documento".
func DocumentName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n >= 120 {
			break
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '/' || r == unicode.ReplacementChar {
			continue
		}
		b.WriteRune(r)
		n++
	}
	s := strings.TrimSpace(strings.TrimLeft(b.String(), "."))
	if s == "" || s == "." {
		return "documento"
	}
	return s
}

// Document is an attachment's description (its content is read apart).
type Document struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id,omitempty"`
	ReportID    string    `json:"report_id,omitempty"`
	Name        string    `json:"name"` // the uploaded name, sealed at rest, for display
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

// DocumentService attaches and serves documents. Scope is the case's (or,
// for a report, its filer and the report's province); out of scope is
// ENOTFOUND. Every download of a case's document writes an access row in
// its transaction, with its purpose.
type DocumentService interface {
	// AttachToReport adds a document to a report the caller filed, while it
	// is not yet triaged (PermReportWrite; ECONFLICT after triage).
	AttachToReport(ctx context.Context, reportID, name string, data []byte) (Document, error)
	// AttachToCase adds a document to an open case (PermCaseWrite, in scope).
	AttachToCase(ctx context.Context, caseID, name string, data []byte) (Document, error)
	// CaseDocuments lists a case's documents, its reports' included
	// (PermCaseRead, in scope; a restricted case without PermCaseRestricted
	// lists none).
	CaseDocuments(ctx context.Context, caseID string) ([]Document, error)
	// ReportDocuments lists a report's documents: its filer, and the case
	// workers of its province.
	ReportDocuments(ctx context.Context, reportID string) ([]Document, error)
	// ReadCaseDocument returns a document of a case (or of one of its
	// reports) for a purpose, logging the read.
	ReadCaseDocument(ctx context.Context, caseID, docID, purpose string) (Document, []byte, error)
	// ReadReportDocument returns a document of an untriaged report to a case
	// worker of its province (audited: there is no case file yet).
	ReadReportDocument(ctx context.Context, reportID, docID string) (Document, []byte, error)
	// ListCaseDocuments lists a case's documents for a purpose from
	// AccessPurposes (EINVALID otherwise), writing an access row for the
	// documents' section in the same transaction (the API's list, where no
	// read of the case precedes it); scope as CaseDocuments.
	ListCaseDocuments(ctx context.Context, caseID, purpose string) ([]Document, error)
}
