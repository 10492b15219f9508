package domain

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Error codes. Each maps to one HTTP status in the web and API adapters.
const (
	ECONFLICT       = "conflict"     // the action does not fit the current state
	EINTERNAL       = "internal"     // a fault of ours; details are logged, never shown
	EINVALID        = "invalid"      // the input fails validation
	ENOTFOUND       = "not_found"    // missing, or out of the caller's scope
	EUNAUTHORIZED   = "unauthorized" // no valid identity
	EFORBIDDEN      = "forbidden"    // identity known, permission missing (for in-scope records only)
	EUNAVAILABLE    = "unavailable"  // a dependency (the database) does not answer
	ETOOMANY        = "too_many"     // throttled
	ETOOLARGE       = "too_large"    // an upload over its size limit
	EPRECONDITION   = "precondition" // stale version (If-Match)
	EPRECONDREQUIRE = "precondition_required"
)

// MsgInternal is the message id shown for any error that is not a *Error (or
// is EINTERNAL): no detail leaks.
const MsgInternal = "err.internal"

// Error is an error with a code and a message safe to show to the user. The
// domain and the store hold no words: the message is a catalogue id with its
// arguments, translated by the adapters (web, api) into the reader's language
// through internal/i18n/locales. Internal detail goes into the wrapped error,
// which is logged but never shown.
type Error struct {
	Code  string
	MsgID string         // catalogue id, "err.…"
	Args  map[string]any // template data for MsgID ({{.Want}}); a Label value is translated first
	// Fields holds per-field messages for EINVALID (field name → message).
	Fields map[string]FieldError
	Err    error
}

// FieldError is the message of one invalid field: a catalogue id and its arguments.
type FieldError struct {
	MsgID string
	Args  map[string]any
}

// Label is an argument that is itself a catalogue id (a status, a type…): the
// adapters translate it before putting it into the message.
type Label string

// Err returns an *Error with the code, the message id and its arguments as
// key/value pairs: Err(EINVALID, "err.plan.share_sum", "Want", n, "Got", m).
func Err(code, msgID string, kv ...any) *Error {
	return &Error{Code: code, MsgID: msgID, Args: Args(kv...)}
}

// Field returns a field message: Field("err.field.required").
func Field(msgID string, kv ...any) FieldError {
	return FieldError{MsgID: msgID, Args: Args(kv...)}
}

// WithFields sets the per-field messages and returns e.
func (e *Error) WithFields(f map[string]FieldError) *Error {
	e.Fields = f
	return e
}

// Args turns key/value pairs into a template data map (nil when empty).
func Args(kv ...any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

// Error is for logs: the code, the message id and its arguments, no words.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	b.WriteString(": ")
	b.WriteString(e.MsgID)
	writeArgs(&b, e.Args)
	if len(e.Fields) > 0 {
		b.WriteString(" fields[")
		for i, k := range slices.Sorted(maps.Keys(e.Fields)) {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(k + "=" + e.Fields[k].MsgID)
			writeArgs(&b, e.Fields[k].Args)
		}
		b.WriteString("]")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func writeArgs(b *strings.Builder, args map[string]any) {
	if len(args) == 0 {
		return
	}
	b.WriteString("{")
	for i, k := range slices.Sorted(maps.Keys(args)) {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(b, "%s=%v", k, args[k])
	}
	b.WriteString("}")
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// SafeError returns the *Error to show for err: its own for coded errors, one
// with MsgInternal for internal and foreign errors (so that no detail leaks),
// nil for nil.
func SafeError(err error) *Error {
	var e *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e) && e.Code != EINTERNAL:
		return e
	default:
		return &Error{Code: EINTERNAL, MsgID: MsgInternal}
	}
}
