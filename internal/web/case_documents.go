package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// Documents of reports and cases: uploaded whole within the limit, judged
// by the store from their content; downloaded only as attachments, with an
// allowlisted type and a server-made file name.

// uploadedDocument reads the form's "file" (at most MaxDocumentBytes).
func uploadedDocument(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, domain.MaxDocumentBytes+64<<10)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", domain.Err(domain.EINVALID, "err.doc.too_large")
		}
		return nil, "", domain.Err(domain.EINVALID, "err.doc.empty")
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, domain.MaxDocumentBytes+1))
	if err != nil {
		return nil, "", domain.Err(domain.EINVALID, "err.doc.empty")
	}
	return data, hdr.Filename, nil
}

// sendDocument writes a document as an attachment named from its id (the
// uploaded name is shown on the page, never trusted for the header).
func sendDocument(w http.ResponseWriter, d domain.Document, data []byte) {
	ext, ok := domain.DocumentTypes[d.ContentType]
	if !ok {
		http.Error(w, "", http.StatusInternalServerError)
		return
	}
	base := strings.TrimSuffix(d.Name, path.Ext(d.Name))
	setAttachment(w, base+"-"+d.ID[len(d.ID)-8:]+"."+ext)
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

func (s *Server) handleReportDocument(w http.ResponseWriter, r *http.Request) {
	data, name, err := uploadedDocument(w, r)
	if err == nil {
		_, err = s.Documents.AttachToReport(r.Context(), r.PathValue("id"), name, data)
	}
	if err != nil {
		d, derr := s.reportsData(r)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		s.formError(w, r, "reports", d, err)
		return
	}
	s.flash(r, s.t(r, "cases.doc.attached"))
	http.Redirect(w, r, "/segnalazioni", http.StatusSeeOther)
}

func (s *Server) handleReportDocumentGet(w http.ResponseWriter, r *http.Request) {
	d, data, err := s.Documents.ReadReportDocument(r.Context(), r.PathValue("id"), r.PathValue("doc"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sendDocument(w, d, data)
}

func (s *Server) handleCaseDocument(w http.ResponseWriter, r *http.Request) {
	data, name, uerr := uploadedDocument(w, r)
	s.caseStep(w, r, func() error {
		if uerr != nil {
			return uerr
		}
		_, err := s.Documents.AttachToCase(r.Context(), r.PathValue("id"), name, data)
		return err
	})
}

// handleCaseDocumentGet downloads a case's document for a purpose: the read
// is logged like a read of the case.
func (s *Server) handleCaseDocumentGet(w http.ResponseWriter, r *http.Request) {
	purpose := r.URL.Query().Get("finalita")
	if !slices.Contains(domain.AccessPurposes, purpose) {
		// No purpose: back to the case page, which asks for one.
		http.Redirect(w, r, "/casi/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
		return
	}
	d, data, err := s.Documents.ReadCaseDocument(r.Context(), r.PathValue("id"), r.PathValue("doc"), purpose)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sendDocument(w, d, data)
}
