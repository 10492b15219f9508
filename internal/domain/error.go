package domain

import (
	"errors"
	"fmt"
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
	EPRECONDITION   = "precondition" // stale version (If-Match)
	EPRECONDREQUIRE = "precondition_required"
)

// Error is an error with a code and a message safe to show to the user.
// Internal detail goes into the wrapped error, which is logged but never shown.
type Error struct {
	Code    string
	Message string
	// Fields holds per-field messages for EINVALID (field name → message).
	Fields map[string]string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

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

// ErrorMessage returns the safe message of err: the *Error's message, or a
// generic text for internal errors so that no detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e) && e.Code != EINTERNAL:
		return e.Message
	default:
		return "Errore interno."
	}
}
