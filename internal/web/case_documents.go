package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/report"
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
			return nil, "", domain.Err(domain.ETOOLARGE, "err.doc.too_large")
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

// handleCaseExport gives the coordinator the subject-access export of the
// case's guest (GDPR art. 15), as JSON or PDF. The case is read for the
// purpose "richiesta_interessato" (logged) to learn whose it is; the store
// refuses anyone but the coordinator and the administrator.
func (s *Server) handleCaseExport(w http.ResponseWriter, r *http.Request) {
	c, err := s.Cases.GetCase(r.Context(), r.PathValue("id"), "richiesta_interessato")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if c.Guest == nil {
		s.Error(w, r, domain.Err(domain.EFORBIDDEN, "err.case.restricted"))
		return
	}
	x, err := s.Subjects.SubjectExport(r.Context(), c.Guest.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	name := "accesso-dati-" + domain.CasePseudonym(c.ID)
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Query().Get("formato") == "pdf" {
		it := s.I18n.For("it")
		var buf bytes.Buffer
		if err := report.WriteSubjectExport(&buf, x, func(kind, code string) string {
			if code == "" {
				return "—"
			}
			prefix := map[string]string{"category": "case.category.", "status": "case.status.", "purpose": "case.purpose.",
				"role": "role.", "measure": "case.measure.", "section": "case.section.", "vulnerability": "vuln.",
				"referral": "referral.status.", "report": "report.status."}[kind]
			return it.T(prefix + code)
		}); err != nil {
			s.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		setAttachment(w, name+".pdf")
		_, _ = buf.WriteTo(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	setAttachment(w, name+".json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(x)
}
