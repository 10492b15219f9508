package domain

import (
	"context"
	"time"
)

// AuditEntry is one row of the audit log (registro attività): who changed
// what, when, from which request. Summaries never hold special-category data.
type AuditEntry struct {
	Seq        int64     `json:"seq"`
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"` // user id, or "cli" / "system"
	Role       string    `json:"role"`
	Action     string    `json:"action"` // "user.create", "auth.signin", …
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	RequestID  string    `json:"request_id"`
	// Summary is the text of rows written before kinds and parameters (legacy);
	// newer rows have Params instead, rendered from the catalogue message
	// "audit.<action>" when read.
	Summary  string         `json:"summary,omitempty"`
	Params   map[string]any `json:"params,omitempty"`
	PrevHash string         `json:"prev_hash"`
	Hash     string         `json:"hash"`
}

// AuditFilter narrows the audit log; entries come newest first.
type AuditFilter struct {
	Actor      string
	Action     string // exact, or a prefix ending in "." ("user.")
	TargetType string
	TargetID   string
	Before     int64 // only entries with seq < Before (paging); 0: from the newest
	Limit      int   // default 50, at most 1000
}

// AuditVerification is the outcome of checking the hash chain.
type AuditVerification struct {
	Rows      int64  `json:"rows"`
	OK        bool   `json:"ok"`
	BrokenSeq int64  `json:"broken_seq,omitempty"` // first row whose link does not verify
	Reason    string `json:"reason,omitempty"`
	Anchors   int    `json:"anchors,omitempty"` // anchors checked against the chain
}

// AuditAnchor is the chain's head at a time, as signed and kept outside the
// database (internal/anchor): the row with that sequence must still exist
// with that hash, or the log was cut or rewritten after the anchor.
type AuditAnchor struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
	Why  string    `json:"why"` // start, stop, hourly
}

// AuditService reads the audit log. Callers need PermAuditRead.
type AuditService interface {
	// ListAudit returns the audit rows matching f, newest first. Permission
	// audit:read (admins) or the system actor, else EFORBIDDEN. Read-only.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// VerifyAudit walks the whole hash chain in order and reports the first
	// row whose sequence, link or hash does not verify (a broken chain is a
	// result, not an error). No permission check of its own: its callers are
	// the admin page (route needing audit:read) and `gesta audit verify`.
	// Errors are internal (the database).
	VerifyAudit(ctx context.Context) (AuditVerification, error)
}

type requestIDKey struct{}

// NewContextWithRequestID carries the request id to the audit trail.
func NewContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFromContext returns the request id, or "".
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// System actors for writes that no signed-in user makes.
var (
	ActorCLI    = Actor{System: "cli"}
	ActorSystem = Actor{System: "system"}
)
