package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/gesta-er/gesta/internal/domain"
)

// CaseDocumentService implements domain.DocumentService over the shared DB:
// documents are rows whose name and content are sealed, bound to their own
// id (a sealed content moved to another row does not open).
type CaseDocumentService struct{ db *DB }

// NewCaseDocumentService returns the document service on db.
func NewCaseDocumentService(db *DB) *CaseDocumentService { return &CaseDocumentService{db: db} }

var _ domain.DocumentService = (*CaseDocumentService)(nil)

func docAAD(id, part string) string { return "document:" + id + ":" + part }

// insertDocument seals and stores a document in tx.
func insertDocument(ctx context.Context, tx *Tx, a domain.Actor, caseID, reportID, name string, data []byte) (domain.Document, error) {
	ct, err := domain.SniffDocument(data)
	if err != nil {
		return domain.Document{}, err
	}
	d := domain.Document{ID: newID(), CaseID: caseID, ReportID: reportID, Name: domain.DocumentName(name),
		ContentType: ct, Size: len(data), UploadedAt: tx.now}
	subject, err := tx.caseSubject(ctx, caseID)
	if err == nil && caseID == "" {
		subject, err = tx.reportSubject(ctx, reportID)
	}
	if err != nil {
		return d, err
	}
	sealedName, err := tx.seal(ctx, subject, d.Name, docAAD(d.ID, "name"))
	if err != nil {
		return d, err
	}
	sealedContent, err := tx.seal(ctx, subject, string(data), docAAD(d.ID, "content"))
	if err != nil {
		return d, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_documents (id, case_id, report_id, content_type, size, sealed_name,
		sealed_content, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		d.ID, nullable(caseID), nullable(reportID), ct, d.Size, sealedName, sealedContent, a.Label(), tx.now); err != nil {
		return d, fmt.Errorf("store: attach document: %w", err)
	}
	return d, nil
}

// AttachToReport implements domain.DocumentService.
func (s *CaseDocumentService) AttachToReport(ctx context.Context, reportID, name string, data []byte) (domain.Document, error) {
	a, err := caseActor(ctx, domain.PermReportWrite)
	if err != nil {
		return domain.Document{}, err
	}
	var d domain.Document
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM case_reports WHERE id = $1 AND filed_by = $2`, reportID, a.Label()).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Err(domain.ENOTFOUND, "err.case.report_not_found")
		}
		if err != nil {
			return fmt.Errorf("store: attach document: %w", err)
		}
		if status != domain.ReportNew {
			return domain.Err(domain.ECONFLICT, "err.doc.report_triaged")
		}
		if d, err = insertDocument(ctx, tx, a, "", reportID, name, data); err != nil {
			return err
		}
		return tx.audit(ctx, "report.document", "report", reportID, "Document", d.ID, "Size", d.Size)
	})
	return d, err
}

// AttachToCase implements domain.DocumentService.
func (s *CaseDocumentService) AttachToCase(ctx context.Context, caseID, name string, data []byte) (domain.Document, error) {
	var d domain.Document
	err := s.db.InTx(ctx, func(tx *Tx) error {
		_, a, err := writableCaseTx(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if d, err = insertDocument(ctx, tx, a, caseID, "", name, data); err != nil {
			return err
		}
		if err := tx.caseEvent(ctx, caseID, "document", map[string]string{"document": d.ID, "type": d.ContentType}); err != nil {
			return err
		}
		return tx.audit(ctx, "case.document", "case", caseID, "Document", d.ID, "Size", d.Size)
	})
	return d, err
}

// readableCaseTx finds a case the caller may read the content of.
func readableCaseTx(ctx context.Context, tx *Tx, caseID string) (caseRow, domain.Actor, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return caseRow{}, a, domain.Err(domain.EUNAUTHORIZED, "err.case.auth_required")
	}
	c, err := findCaseTx(ctx, tx, a, caseID)
	if err != nil {
		return c, a, err
	}
	if c.restricted && a.System == "" && !domain.Can(a, domain.PermCaseRestricted) {
		return c, a, domain.Err(domain.ENOTFOUND, "err.doc.not_found")
	}
	return c, a, nil
}

const docColumns = `d.id, COALESCE(d.case_id, ''), COALESCE(d.report_id, ''), d.content_type, d.size, d.sealed_name, d.uploaded_at`

func (db *DB) scanDocuments(ctx context.Context, q querier, query string, args ...any) ([]domain.Document, error) {
	type row struct {
		d      domain.Document
		sealed string
	}
	rows, err := queryAll(ctx, q, "documents", func(s scanner) (row, error) {
		var x row
		err := s.Scan(&x.d.ID, &x.d.CaseID, &x.d.ReportID, &x.d.ContentType, &x.d.Size, &x.sealed, &x.d.UploadedAt)
		x.d.UploadedAt = x.d.UploadedAt.UTC()
		return x, err
	}, query, args...)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Document, 0, len(rows))
	for _, x := range rows {
		if x.d.Name, err = db.unseal(ctx, q, x.sealed, docAAD(x.d.ID, "name")); err != nil {
			return nil, err
		}
		out = append(out, x.d)
	}
	return out, nil
}

// caseDocsCond selects a case's documents and its reports' (alias d, $1).
const caseDocsCond = `(d.case_id = $1 OR d.report_id IN (SELECT id FROM case_reports WHERE case_id = $1))`

// CaseDocuments implements domain.DocumentService.
func (s *CaseDocumentService) CaseDocuments(ctx context.Context, caseID string) ([]domain.Document, error) {
	var out []domain.Document
	err := s.db.ReadTx(ctx, func(tx *Tx) error {
		if _, _, err := readableCaseTx(ctx, tx, caseID); err != nil {
			return err
		}
		var err error
		out, err = s.db.scanDocuments(ctx, tx, `SELECT `+docColumns+` FROM case_documents d WHERE `+caseDocsCond+`
			ORDER BY d.uploaded_at, d.id`, caseID)
		return err
	})
	return out, err
}

// ListCaseDocuments lists a case's documents for a purpose, with an access
// row (section "documenti") in the same transaction: the API's list, where no
// read of the case precedes it. A restricted case without PermCaseRestricted
// is ENOTFOUND, and logs nothing.
func (s *CaseDocumentService) ListCaseDocuments(ctx context.Context, caseID, purpose string) ([]domain.Document, error) {
	if !slices.Contains(domain.AccessPurposes, purpose) {
		return nil, domain.Err(domain.EINVALID, "err.case.purpose_required")
	}
	var out []domain.Document
	err := s.db.InTx(ctx, func(tx *Tx) error {
		c, a, err := readableCaseTx(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if out, err = s.db.scanDocuments(ctx, tx, `SELECT `+docColumns+` FROM case_documents d WHERE `+caseDocsCond+`
			ORDER BY d.uploaded_at, d.id`, caseID); err != nil {
			return err
		}
		return logCaseAccess(ctx, tx, a, caseID, purpose, []string{domain.SectionDocuments}, !c.inProvince)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reportScope finds a report the caller may see the documents of: its filer,
// or a case worker of its province. It returns whether the report is still
// untriaged.
func reportScope(ctx context.Context, tx *Tx, reportID string) (domain.Actor, string, error) {
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return a, "", domain.Err(domain.EUNAUTHORIZED, "err.case.auth_required")
	}
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM case_reports WHERE id = $1 AND (filed_by = $2 OR ($3 AND ($4 = '' OR province_code = $4)))`,
		reportID, a.Label(), a.System != "" || domain.Can(a, domain.PermCaseWrite), provinceOf(a)).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return a, "", domain.Err(domain.ENOTFOUND, "err.case.report_not_found")
	}
	if err != nil {
		return a, "", fmt.Errorf("store: report documents: %w", err)
	}
	return a, status, nil
}

// ReportDocuments implements domain.DocumentService.
func (s *CaseDocumentService) ReportDocuments(ctx context.Context, reportID string) ([]domain.Document, error) {
	var out []domain.Document
	err := s.db.ReadTx(ctx, func(tx *Tx) error {
		if _, _, err := reportScope(ctx, tx, reportID); err != nil {
			return err
		}
		var err error
		out, err = s.db.scanDocuments(ctx, tx, `SELECT `+docColumns+` FROM case_documents d WHERE d.report_id = $1
			ORDER BY d.uploaded_at, d.id`, reportID)
		return err
	})
	return out, err
}

func (db *DB) openDocument(ctx context.Context, tx *Tx, d domain.Document) ([]byte, error) {
	var sealed string
	if err := tx.QueryRowContext(ctx, `SELECT sealed_content FROM case_documents WHERE id = $1`, d.ID).Scan(&sealed); err != nil {
		return nil, fmt.Errorf("store: document content: %w", err)
	}
	pt, err := db.unseal(ctx, tx, sealed, docAAD(d.ID, "content"))
	return []byte(pt), err
}

// ReadCaseDocument implements domain.DocumentService: the read and its
// access row share the transaction.
func (s *CaseDocumentService) ReadCaseDocument(ctx context.Context, caseID, docID, purpose string) (domain.Document, []byte, error) {
	if !slices.Contains(domain.AccessPurposes, purpose) {
		return domain.Document{}, nil, domain.Err(domain.EINVALID, "err.case.purpose_required")
	}
	var d domain.Document
	var data []byte
	err := s.db.InTx(ctx, func(tx *Tx) error {
		c, a, err := readableCaseTx(ctx, tx, caseID)
		if err != nil {
			return err
		}
		list, err := s.db.scanDocuments(ctx, tx, `SELECT `+docColumns+` FROM case_documents d WHERE `+caseDocsCond+` AND d.id = $2`, caseID, docID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return domain.Err(domain.ENOTFOUND, "err.doc.not_found")
		}
		d = list[0]
		if data, err = s.db.openDocument(ctx, tx, d); err != nil {
			return err
		}
		return logCaseAccess(ctx, tx, a, caseID, purpose, []string{domain.SectionDocuments}, !c.inProvince)
	})
	if err != nil {
		return domain.Document{}, nil, err
	}
	return d, data, nil
}

// ReadReportDocument implements domain.DocumentService.
func (s *CaseDocumentService) ReadReportDocument(ctx context.Context, reportID, docID string) (domain.Document, []byte, error) {
	var d domain.Document
	var data []byte
	err := s.db.InTx(ctx, func(tx *Tx) error {
		a, status, err := reportScope(ctx, tx, reportID)
		if err != nil {
			return err
		}
		// Once triaged into a case, its documents are the case's: read
		// (and logged) there. The filer reads its own only while untriaged.
		if status != domain.ReportNew || (a.System == "" && !domain.Can(a, domain.PermCaseWrite)) {
			return domain.Err(domain.ENOTFOUND, "err.doc.not_found")
		}
		list, err := s.db.scanDocuments(ctx, tx, `SELECT `+docColumns+` FROM case_documents d WHERE d.report_id = $1 AND d.id = $2`, reportID, docID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return domain.Err(domain.ENOTFOUND, "err.doc.not_found")
		}
		d = list[0]
		if data, err = s.db.openDocument(ctx, tx, d); err != nil {
			return err
		}
		return tx.audit(ctx, "report.document_read", "report", reportID, "Document", docID)
	})
	if err != nil {
		return domain.Document{}, nil, err
	}
	return d, data, nil
}
