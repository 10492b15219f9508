package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// audit appends a row to the audit log inside tx, chained to the previous one.
// The actor and request id come from ctx; a write without an actor is a bug
// and fails, so no change goes unattributed. Because it runs in the write's
// own transaction, a failing audit insert fails the write.
func (tx *Tx) audit(ctx context.Context, action, targetType, targetID string, kv ...any) error {
	a, ok := domain.ActorFromContext(ctx)
	if !ok {
		return fmt.Errorf("store: %s: write without an actor in the context", action)
	}
	e := domain.AuditEntry{
		ID: newID(), At: tx.now, Actor: a.Label(), Role: string(a.Role), Action: action,
		TargetType: targetType, TargetID: targetID, RequestID: domain.RequestIDFromContext(ctx),
	}
	params := domain.EncodeParams(kv...)
	if a.System != "" {
		e.Role = "system"
	}
	// Taking the next link updates the single head row: PostgreSQL holds its
	// row lock until commit, so concurrent writers queue here and the chain
	// stays linear (SQLite has one writer anyway).
	if err := tx.QueryRowContext(ctx,
		`UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&e.Seq, &e.PrevHash); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	e.Hash = chainHash(e, params)
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO audit_log (seq, id, at, actor, role, action, target_type, target_id, request_id, summary, params, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		e.Seq, e.ID, e.At, e.Actor, e.Role, e.Action, e.TargetType, e.TargetID, e.RequestID, e.Summary, params, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("store: audit insert: %w", err)
	}
	return nil
}

// chainHash is SHA-256 over the previous hash and the row's fields, each
// length-prefixed so that no two rows serialise alike.
// chainHash covers params (the stored JSON) only when a row has them: rows
// written before parameters existed keep their hash, so the chain still
// verifies across the change (migration 00010).
func chainHash(e domain.AuditEntry, params string) string {
	h := sha256.New()
	fields := []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), e.ID,
		strconv.FormatInt(e.At.UTC().UnixMicro(), 10), e.Actor, e.Role, e.Action, e.TargetType, e.TargetID,
		e.RequestID, e.Summary}
	if params != "" {
		fields = append(fields, params)
	}
	for _, f := range fields {
		fmt.Fprintf(h, "%d:%s|", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

const auditColumns = `seq, id, at, actor, role, action, target_type, target_id, request_id, summary, params, prev_hash, hash`

// scanAuditRaw reads a row; raw is the stored params, for the hash.
func scanAuditRaw(s scanner) (e domain.AuditEntry, raw string, err error) {
	err = s.Scan(&e.Seq, &e.ID, &e.At, &e.Actor, &e.Role, &e.Action, &e.TargetType, &e.TargetID, &e.RequestID,
		&e.Summary, &raw, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	e.Params = domain.DecodeParams(raw)
	return e, raw, err
}

func scanAudit(s scanner) (domain.AuditEntry, error) {
	e, _, err := scanAuditRaw(s)
	return e, err
}

// ListAudit implements domain.AuditService. The caller must hold PermAuditRead
// (checked here too: the store is the last line).
func (s *AuditService) ListAudit(ctx context.Context, f domain.AuditFilter) ([]domain.AuditEntry, error) {
	if _, err := scopeWith(ctx, domain.PermAuditRead, "err.perm.audit_read"); err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	actionExact, actionPrefix := f.Action, ""
	if strings.HasSuffix(f.Action, ".") {
		actionExact, actionPrefix = "", f.Action
	}
	before := f.Before
	if before <= 0 {
		before = 1 << 62
	}
	return queryAll(ctx, s.db.read, "list audit", scanAudit, `
		SELECT `+auditColumns+` FROM audit_log
		WHERE seq < $1
		  AND ($2 = '' OR actor = $2)
		  AND ($3 = '' OR action = $3)
		  AND ($4 = '' OR substr(action, 1, $5) = $4)
		  AND ($6 = '' OR target_type = $6)
		  AND ($7 = '' OR target_id = $7)
		ORDER BY seq DESC
		LIMIT $8`, before, f.Actor, actionExact, actionPrefix, len(actionPrefix), f.TargetType, f.TargetID, f.Limit)
}

// VerifyAudit walks the whole chain in order and reports the first row whose
// sequence, link or hash does not verify.
func (s *AuditService) VerifyAudit(ctx context.Context) (domain.AuditVerification, error) {
	return verifyAudit(ctx, s.db.read)
}

// verifyAudit walks the chain on q: a pool, or the transaction whose snapshot
// a backup was taken from.
func verifyAudit(ctx context.Context, q querier) (domain.AuditVerification, error) {
	var v domain.AuditVerification
	rows, err := q.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return v, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()
	prev, want := "", int64(1)
	for rows.Next() {
		e, raw, err := scanAuditRaw(rows)
		if err != nil {
			return v, fmt.Errorf("store: verify audit: %w", err)
		}
		v.Rows++
		switch {
		case e.Seq != want:
			v.BrokenSeq, v.Reason = e.Seq, fmt.Sprintf("sequence jumps from %d to %d (rows deleted)", want-1, e.Seq)
		case e.PrevHash != prev:
			v.BrokenSeq, v.Reason = e.Seq, "link to the previous row does not match"
		case chainHash(e, raw) != e.Hash:
			v.BrokenSeq, v.Reason = e.Seq, "row content does not match its hash (row modified)"
		}
		if v.BrokenSeq != 0 {
			return v, nil
		}
		prev, want = e.Hash, e.Seq+1
	}
	if err := rows.Err(); err != nil {
		return v, err
	}
	var head domain.AuditEntry
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Hash); err != nil &&
		!errors.Is(err, sql.ErrNoRows) {
		return v, err
	}
	if head.Seq != want-1 || head.Hash != prev {
		v.BrokenSeq, v.Reason = want, "the newest rows are missing (head does not match the last row)"
		return v, nil
	}
	v.OK = true
	return v, nil
}
