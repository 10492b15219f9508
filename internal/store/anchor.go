package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gesta-er/gesta/internal/domain"
)

// AuditHead returns the chain's head (the newest row's sequence and hash),
// for an anchor written outside the database.
func (s *AuditService) AuditHead(ctx context.Context) (domain.AuditAnchor, error) {
	var a domain.AuditAnchor
	if err := s.db.read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&a.Seq, &a.Hash); err != nil {
		return a, fmt.Errorf("store: audit head: %w", err)
	}
	a.At = s.db.Now().UTC()
	return a, nil
}

// VerifyAuditAnchors verifies the chain (VerifyAudit), then each anchor: the
// row of its sequence must exist with its hash. Cutting the newest rows and
// setting the head back keeps the chain consistent in itself, but not with
// an anchor taken before the cut.
func (s *AuditService) VerifyAuditAnchors(ctx context.Context, anchors []domain.AuditAnchor) (domain.AuditVerification, error) {
	v, err := s.db.Audit.VerifyAudit(ctx)
	if err != nil || !v.OK {
		return v, err
	}
	for _, a := range anchors {
		if a.Seq == 0 {
			continue // anchored before the first row
		}
		var hash string
		err := s.db.read.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, a.Seq).Scan(&hash)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			v.OK, v.BrokenSeq = false, a.Seq
			v.Reason = fmt.Sprintf("row %d, anchored on %s, is missing: the log was cut after the anchor",
				a.Seq, a.At.Format("2006-01-02 15:04:05 UTC"))
			return v, nil
		case err != nil:
			return v, fmt.Errorf("store: verify anchors: %w", err)
		case hash != a.Hash:
			v.OK, v.BrokenSeq = false, a.Seq
			v.Reason = fmt.Sprintf("row %d does not match the hash anchored on %s: the log was rewritten",
				a.Seq, a.At.Format("2006-01-02 15:04:05 UTC"))
			return v, nil
		}
		v.Anchors++
	}
	return v, nil
}
