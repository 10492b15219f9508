package api

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/gesta-er/gesta/internal/download"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/gesta-er/gesta/internal/domain"
)

// Complex cases, continued: what the pages do beyond the case file itself —
// documents (upload, list, download), the case list and the pending reports,
// network tables with their minutes, the dashboard, the subject-access
// export. Scope is the store's (out of scope is 404); every read of case
// content names its purpose and leaves an access row.

// docUploadLimit bounds an upload's request: the largest document and room
// for the multipart framing.
const docUploadLimit = domain.MaxDocumentBytes + 64<<10

type uploadInput struct {
	ID      string `path:"id"`
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"true" doc:"PDF, JPEG or PNG, at most 10 MB; judged by its content, not its name or declared type"`
	}]
}

type documentOutput struct{ Body domain.Document }

type documentsOutput struct {
	Body struct {
		Items []domain.Document `json:"items"`
	}
}

type caseDocsInput struct {
	ID            string `path:"id"`
	Purpose       string `query:"purpose" doc:"Why the documents are listed; or the Gesta-Purpose header"`
	PurposeHeader string `header:"Gesta-Purpose"`
}

type caseDocInput struct {
	ID            string `path:"id"`
	Doc           string `path:"doc"`
	Purpose       string `query:"purpose" doc:"Why the document is read; or the Gesta-Purpose header"`
	PurposeHeader string `header:"Gesta-Purpose"`
}

type reportDocInput struct {
	ID  string `path:"id"`
	Doc string `path:"doc"`
}

// fileOutput is a download: always an attachment, never rendered inline.
type fileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	NoSniff            string `header:"X-Content-Type-Options"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

func fileDownload(contentType, name string, data []byte) *fileOutput {
	return &fileOutput{ContentType: contentType, NoSniff: "nosniff", CacheControl: "no-store", Body: data,
		ContentDisposition: download.Disposition(name)}
}

// documentDownload names a document from its displayed name and its id.
func documentDownload(d domain.Document, data []byte) (*fileOutput, error) {
	ext, ok := domain.DocumentTypes[d.ContentType]
	if !ok {
		return nil, huma.Error500InternalServerError("document type")
	}
	base := strings.TrimSuffix(d.Name, path.Ext(d.Name))
	return fileDownload(d.ContentType, base+"-"+d.ID[max(0, len(d.ID)-8):]+"."+ext, data), nil
}

// binaryResponse documents a download's content types in the OpenAPI document.
func binaryResponse(desc string, types ...string) map[string]*huma.Response {
	content := map[string]*huma.MediaType{}
	for _, t := range types {
		content[t] = &huma.MediaType{Schema: &huma.Schema{Type: "string", Format: "binary"}}
	}
	return map[string]*huma.Response{"200": {Description: desc, Content: content, Headers: map[string]*huma.Param{
		"Content-Disposition": {Description: "Always attachment, with a server-made file name", Schema: &huma.Schema{Type: "string"}},
	}}}
}

type casesListOutput struct {
	Body struct {
		Items []domain.CaseSummary `json:"items"`
	}
}

type caseDashboardOutput struct{ Body domain.CaseDashboard }

type tableCreateInput struct {
	Body struct {
		Title        string    `json:"title" minLength:"1" maxLength:"200"`
		HeldOn       time.Time `json:"held_on"`
		Place        string    `json:"place,omitempty" maxLength:"200"`
		Participants []string  `json:"participants" minItems:"1" maxItems:"50" doc:"Services and offices taking part"`
		Province     string    `json:"province,omitempty" doc:"ISTAT code; only for region-wide users (the coordinator); others: their own"`
	}
}

type tablesOutput struct {
	Body struct {
		Items []domain.NetworkTable `json:"items"`
	}
}

type tableOutput struct{ Body domain.NetworkTable }

type tableOnlyInput struct {
	ID string `path:"id"`
}

type tableCaseInput struct {
	ID   string `path:"id"`
	Body struct {
		CaseID    string `json:"case_id,omitempty" doc:"The case to discuss"`
		Pseudonym string `json:"pseudonym,omitempty" doc:"Or its pseudonym (C-XXXXXXXX), among the open cases in your scope of the table's province"`
	}
}

type decisionsInput struct {
	ID   string `path:"id"`
	Body struct {
		Text string `json:"text" maxLength:"20000" doc:"Replaces the table's decisions; sealed at rest"`
	}
}

type followUpInput struct {
	ID   string `path:"id"`
	Body struct {
		Text   string    `json:"text" minLength:"1" maxLength:"2000" doc:"Sealed at rest"`
		Owner  string    `json:"owner" minLength:"1" maxLength:"200"`
		Due    time.Time `json:"due"`
		CaseID string    `json:"case_id,omitempty" doc:"Optionally, one of the cases the table discussed"`
	}
}

type followUpDoneInput struct {
	ID       string `path:"id"`
	FollowUp string `path:"followup"`
}

type exportInput struct {
	ID     string `path:"id" doc:"The guest"`
	Format string `query:"format" enum:"json,pdf" default:"json"`
}

// exportLabel names codes in the export's PDF in Italian, as the office's
// records are (the web page's labels).
func (s *Server) exportLabel(kind, code string) string {
	if code == "" {
		return "—"
	}
	prefix := map[string]string{"category": "case.category.", "status": "case.status.", "purpose": "case.purpose.",
		"role": "role.", "measure": "case.measure.", "section": "case.section.", "vulnerability": "vuln.",
		"referral": "referral.status.", "report": "report.status."}[kind]
	return s.I18n.For("it").T(prefix + code)
}

// limitBody bounds an operation's request body before huma reads it.
// A request that declares a larger body is refused at once with 413 (huma
// would answer 422 once the multipart reader hit the limit).
func (s *Server) limitBody(api huma.API, limit int64) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		r, w := humago.Unwrap(ctx)
		if r.ContentLength > limit {
			_ = huma.WriteErr(api, ctx, http.StatusRequestEntityTooLarge, s.localizer(ctx.Context()).T("err.doc.too_large"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next(ctx)
	}
}

// readUpload reads the uploaded file whole (the store judges it).
func readUpload(f huma.FormFile) ([]byte, string, error) {
	if f.File == nil {
		return nil, "", domain.Err(domain.EINVALID, "err.doc.empty")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, domain.MaxDocumentBytes+1))
	if err != nil {
		return nil, "", domain.Err(domain.EINVALID, "err.doc.empty")
	}
	return data, f.Filename, nil
}

func (s *Server) registerCaseFiles(api huma.API) {
	tags := []string{"cases"}
	caseRead := map[string]any{requiresPerm: domain.PermCaseRead}
	caseWrite := map[string]any{requiresPerm: domain.PermCaseWrite}
	report := map[string]any{requiresPerm: domain.PermReportWrite}
	errs := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}
	writeErrs := append(errs, http.StatusConflict, http.StatusUnprocessableEntity)
	uploadErrs := append(slices.Clone(writeErrs), http.StatusRequestEntityTooLarge)
	readErrs := append(errs, http.StatusBadRequest)
	cs, docs := s.Cases, s.Documents
	purposeOf := func(q, h string) (string, error) {
		return (&caseReadInput{Purpose: q, PurposeHeader: h}).purpose()
	}
	// readProblem turns the store's EINVALID for a purpose into the API's 400.
	readProblem := func(ctx context.Context, err error) error {
		if domain.ErrorCode(err) == domain.EINVALID {
			return huma.Error400BadRequest(s.localizer(ctx).Error(err))
		}
		return s.problem(ctx, err)
	}

	huma.Register(api, huma.Operation{OperationID: "list-cases", Method: http.MethodGet, Path: "/cases", Tags: tags,
		Security: secured, Metadata: caseRead, Errors: errs,
		Summary:     "The open cases in your scope, newest first (headers only: no case is read, nothing is logged)",
		Description: "At most 500. A restricted case shows restricted=true without its category to those without the restricted-cases permission."},
		func(ctx context.Context, _ *struct{}) (*casesListOutput, error) {
			list, err := cs.ListCases(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &casesListOutput{}
			out.Body.Items = nonNil(list)
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-pending-reports", Method: http.MethodGet, Path: "/reports/pending",
		Tags: tags, Security: secured, Metadata: caseWrite, Errors: errs,
		Summary: "The reports in your scope waiting for triage (without their descriptions)"},
		func(ctx context.Context, _ *struct{}) (*reportsOutput, error) {
			list, err := cs.PendingReports(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &reportsOutput{}
			out.Body.Items = nonNil(list)
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-case-dashboard", Method: http.MethodGet, Path: "/cases/dashboard",
		Tags: tags, Security: secured, Metadata: caseRead, Errors: errs,
		Summary:     "The dashboard of your cases: open by category, urgency, status and age; overdue tasks and deadlines; referrals by service; tables' follow-ups",
		Description: "Counts only, no person and no content: no case is read, so no access row. Restricted cases count under \"riservato\" for those who may not see their category."},
		func(ctx context.Context, _ *struct{}) (*caseDashboardOutput, error) {
			d, err := s.CaseDashboards.CaseDashboard(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &caseDashboardOutput{Body: d}, nil
		})

	// Documents.
	huma.Register(api, huma.Operation{OperationID: "upload-case-document", Method: http.MethodPost, Path: "/cases/{id}/documents",
		Tags: tags, Security: secured, Metadata: caseWrite, DefaultStatus: http.StatusCreated, Errors: uploadErrs,
		MaxBodyBytes: docUploadLimit, Middlewares: huma.Middlewares{s.limitBody(api, docUploadLimit)},
		Summary:     "Attach a document to an open case (multipart/form-data, field file)",
		Description: "PDF, JPEG or PNG recognised from its bytes (a PDF must end with %%EOF), at most 10 MB (413 above); anything else is 422. The content and the uploaded name are sealed at rest."},
		func(ctx context.Context, in *uploadInput) (*documentOutput, error) {
			data, name, err := readUpload(in.RawBody.Data().File)
			if err == nil {
				var d domain.Document
				if d, err = docs.AttachToCase(ctx, in.ID, name, data); err == nil {
					return &documentOutput{Body: d}, nil
				}
			}
			return nil, s.problem(ctx, err)
		})
	huma.Register(api, huma.Operation{OperationID: "list-case-documents", Method: http.MethodGet, Path: "/cases/{id}/documents",
		Tags: tags, Security: secured, Metadata: caseRead, Errors: readErrs,
		Summary:     "A case's documents, its reports' included, for a purpose (the read is logged)",
		Description: purposeDoc + " Out of scope, or restricted without the permission, is 404."},
		func(ctx context.Context, in *caseDocsInput) (*documentsOutput, error) {
			p, err := purposeOf(in.Purpose, in.PurposeHeader)
			if err != nil {
				return nil, err
			}
			list, err := docs.ListCaseDocuments(ctx, in.ID, p)
			if err != nil {
				return nil, readProblem(ctx, err)
			}
			out := &documentsOutput{}
			out.Body.Items = nonNil(list)
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "download-case-document", Method: http.MethodGet,
		Path: "/cases/{id}/documents/{doc}", Tags: tags, Security: secured, Metadata: caseRead, Errors: readErrs,
		Responses: binaryResponse("The document, as an attachment", "application/pdf", "image/jpeg", "image/png"),
		Summary:   "Download a case's document for a purpose (the read is logged)",
		Description: purposeDoc + " Always Content-Disposition: attachment with a server-made name, the recognised type and " +
			"X-Content-Type-Options: nosniff."},
		func(ctx context.Context, in *caseDocInput) (*fileOutput, error) {
			p, err := purposeOf(in.Purpose, in.PurposeHeader)
			if err != nil {
				return nil, err
			}
			d, data, err := docs.ReadCaseDocument(ctx, in.ID, in.Doc, p)
			if err != nil {
				return nil, readProblem(ctx, err)
			}
			return documentDownload(d, data)
		})
	huma.Register(api, huma.Operation{OperationID: "upload-report-document", Method: http.MethodPost, Path: "/reports/{id}/documents",
		Tags: tags, Security: secured, Metadata: report, DefaultStatus: http.StatusCreated, Errors: uploadErrs,
		MaxBodyBytes: docUploadLimit, Middlewares: huma.Middlewares{s.limitBody(api, docUploadLimit)},
		Summary:     "Attach a document to a report you filed, while it waits for triage (multipart/form-data, field file)",
		Description: "Operators. The same checks as a case's documents; once triaged, 409. At triage the report's documents become the case's."},
		func(ctx context.Context, in *uploadInput) (*documentOutput, error) {
			data, name, err := readUpload(in.RawBody.Data().File)
			if err == nil {
				var d domain.Document
				if d, err = docs.AttachToReport(ctx, in.ID, name, data); err == nil {
					return &documentOutput{Body: d}, nil
				}
			}
			return nil, s.problem(ctx, err)
		})
	huma.Register(api, huma.Operation{OperationID: "download-report-document", Method: http.MethodGet,
		Path: "/reports/{id}/documents/{doc}", Tags: tags, Security: secured, Metadata: caseWrite, Errors: errs,
		Responses: binaryResponse("The document, as an attachment", "application/pdf", "image/jpeg", "image/png"),
		Summary:   "Download a document of a report waiting for triage (case workers of its province; audited)",
		Description: "Once the report is triaged into a case its documents are the case's: read them through the case, " +
			"for a purpose."},
		func(ctx context.Context, in *reportDocInput) (*fileOutput, error) {
			d, data, err := docs.ReadReportDocument(ctx, in.ID, in.Doc)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return documentDownload(d, data)
		})

	// Network tables.
	ts := s.Tables
	huma.Register(api, huma.Operation{OperationID: "create-table", Method: http.MethodPost, Path: "/tables", Tags: tags,
		Security: secured, Metadata: caseWrite, DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Summary: "Record a network table (tavolo di rete) of your province: title, date, place, participants"},
		func(ctx context.Context, in *tableCreateInput) (*idOutput, error) {
			t := domain.NetworkTable{Title: strings.TrimSpace(in.Body.Title), HeldOn: in.Body.HeldOn, Place: in.Body.Place,
				Participants: in.Body.Participants, Province: in.Body.Province}
			if err := ts.CreateTable(ctx, &t); err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &idOutput{}
			out.Body.ID = t.ID
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-tables", Method: http.MethodGet, Path: "/tables", Tags: tags,
		Security: secured, Metadata: caseRead, Errors: errs,
		Summary: "The network tables in your scope, newest first, with their open follow-ups counted"},
		func(ctx context.Context, _ *struct{}) (*tablesOutput, error) {
			list, err := ts.ListTables(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &tablesOutput{}
			out.Body.Items = nonNil(list)
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-table", Method: http.MethodGet, Path: "/tables/{id}", Tags: tags,
		Security: secured, Metadata: caseRead, Errors: errs,
		Summary: "A network table: the cases discussed (by pseudonym), the decisions, the follow-ups (overdue flagged)"},
		func(ctx context.Context, in *tableOnlyInput) (*tableOutput, error) {
			t, err := ts.GetTable(ctx, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &tableOutput{Body: t}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "discuss-table-case", Method: http.MethodPost, Path: "/tables/{id}/cases",
		Tags: tags, Security: secured, Metadata: caseWrite, Errors: writeErrs,
		Summary:     "Put a case on the table's agenda, by id or by pseudonym (recorded in the case's timeline)",
		Description: "The case must be in your scope and of the table's province (404 otherwise). Idempotent."},
		func(ctx context.Context, in *tableCaseInput) (*emptyOutput, error) {
			caseID, err := s.tableCase(ctx, in.ID, in.Body.CaseID, in.Body.Pseudonym)
			if err == nil {
				err = ts.DiscussCase(ctx, in.ID, caseID)
			}
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &emptyOutput{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-table-decisions", Method: http.MethodPut, Path: "/tables/{id}/decisions",
		Tags: tags, Security: secured, Metadata: caseWrite, Errors: writeErrs,
		Summary: "Replace the table's decisions (sealed at rest)"},
		func(ctx context.Context, in *decisionsInput) (*emptyOutput, error) {
			if err := ts.SetDecisions(ctx, in.ID, in.Body.Text); err != nil {
				return nil, s.problem(ctx, err)
			}
			return &emptyOutput{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "add-table-follow-up", Method: http.MethodPost, Path: "/tables/{id}/follow-ups",
		Tags: tags, Security: secured, Metadata: caseWrite, DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Summary: "Add a follow-up: what (sealed), who, by when; optionally on a case the table discussed"},
		func(ctx context.Context, in *followUpInput) (*idOutput, error) {
			f := domain.FollowUp{Text: in.Body.Text, Owner: in.Body.Owner, Due: in.Body.Due, CaseID: in.Body.CaseID}
			if err := ts.AddFollowUp(ctx, in.ID, &f); err != nil {
				return nil, s.problem(ctx, err)
			}
			out := &idOutput{}
			out.Body.ID = f.ID
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "complete-table-follow-up", Method: http.MethodPost,
		Path: "/tables/{id}/follow-ups/{followup}/done", Tags: tags, Security: secured, Metadata: caseWrite, Errors: writeErrs,
		Summary: "Mark a follow-up done"},
		func(ctx context.Context, in *followUpDoneInput) (*emptyOutput, error) {
			if err := ts.CompleteFollowUp(ctx, in.ID, in.FollowUp); err != nil {
				return nil, s.problem(ctx, err)
			}
			return &emptyOutput{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-table-minutes", Method: http.MethodGet, Path: "/tables/{id}/minutes",
		Tags: tags, Security: secured, Metadata: caseRead, Errors: errs,
		Responses: binaryResponse("The minutes (verbale), in Italian, as a PDF attachment", "application/pdf"),
		Summary:   "The table's minutes as PDF: participants, cases by pseudonym, decisions, follow-ups"},
		func(ctx context.Context, in *tableOnlyInput) (*fileOutput, error) {
			t, err := ts.GetTable(ctx, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			name := t.Province
			if p, err := s.Territory.FindProvince(ctx, t.Province); err == nil {
				name = p.Name
			}
			var buf bytes.Buffer
			if err := s.TableMinutes(&buf, t, name, time.Now()); err != nil {
				return nil, s.problem(ctx, err)
			}
			return fileDownload("application/pdf", "verbale-tavolo-"+t.HeldOn.UTC().Format("20060102")+".pdf", buf.Bytes()), nil
		})

	// The subject-access export.
	huma.Register(api, huma.Operation{OperationID: "export-guest-cases", Method: http.MethodGet, Path: "/guests/{id}/case-export",
		Tags: tags, Security: secured, Metadata: map[string]any{requiresPerm: domain.PermGuestExport}, Errors: errs,
		Responses: binaryResponse("The export, as an attachment", "application/json", "application/pdf"),
		Summary:   "Everything the case module holds about a guest (GDPR art. 15), as JSON or PDF",
		Description: "The coordinator. The guest's cases with every section, reports (those closed at triage too), documents " +
			"(content in the JSON) and every read of their files — date, the reader's role, purpose, sections, break-glass. " +
			"Each case read is logged with the purpose richiesta_interessato; the export is audited. Unknown guest: 404."},
		func(ctx context.Context, in *exportInput) (*fileOutput, error) {
			x, err := s.Subjects.SubjectExport(ctx, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			name := "accesso-dati-casi-" + download.FileName(in.ID)
			if in.Format == "pdf" {
				var buf bytes.Buffer
				if err := s.SubjectPDF(&buf, x, s.exportLabel); err != nil {
					return nil, s.problem(ctx, err)
				}
				return fileDownload("application/pdf", name+".pdf", buf.Bytes()), nil
			}
			b, err := json.MarshalIndent(x, "", "  ")
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return fileDownload("application/json", name+".json", b), nil
		})
}

// tableCase resolves the case to put on a table: its id, or its pseudonym
// among the open cases in the caller's scope of the table's province.
func (s *Server) tableCase(ctx context.Context, tableID, caseID, pseudonym string) (string, error) {
	caseID, pseudonym = strings.TrimSpace(caseID), strings.ToUpper(strings.TrimSpace(pseudonym))
	if (caseID == "") == (pseudonym == "") {
		return "", domain.Err(domain.EINVALID, "err.table.case_needs_one")
	}
	if caseID != "" {
		return caseID, nil
	}
	t, err := s.Tables.GetTable(ctx, tableID)
	if err != nil {
		return "", err
	}
	list, err := s.Cases.ListCases(ctx)
	if err != nil {
		return "", err
	}
	found := ""
	for _, c := range list {
		if c.Province == t.Province && domain.CasePseudonym(c.ID) == pseudonym {
			if found != "" {
				return "", domain.Err(domain.ECONFLICT, "err.table.pseudonym_ambiguous")
			}
			found = c.ID
		}
	}
	if found == "" {
		return "", domain.Err(domain.ENOTFOUND, "err.case.not_found")
	}
	return found, nil
}
