package domain

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// unsafeRune reports a character refused in names and other one-line text:
// control characters (C0, DEL, C1: tabs and line breaks too), the
// bidirectional embeddings, overrides and isolates and the directional marks
// (U+202E shows "gpj.exe" as "exe.jpg"; docs/security.md R18), the line and
// paragraph separators, and the invisible zero-width space and BOM. Zero-width
// joiners (U+200C, U+200D) stay: some scripts need them.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	case r == 0x2028, r == 0x2029, r == 0x200B, r == 0xFEFF:
		return true
	}
	return false
}

// textProblem returns the field message for s, or one with no id when s is fine.
func textProblem(s string) FieldError {
	if !utf8.ValidString(s) {
		return Field("err.text.utf8")
	}
	for i, r := range []rune(s) {
		if unsafeRune(r) {
			return Field("err.text.char", "Char", fmt.Sprintf("U+%04X", r), "Pos", i+1)
		}
	}
	return FieldError{}
}

// checkText adds a field error for each (field, value) pair whose value holds
// a refused character, unless the field already has one.
func checkText(fields map[string]FieldError, pairs ...string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, done := fields[pairs[i]]; done {
			continue
		}
		if msg := textProblem(pairs[i+1]); msg.MsgID != "" {
			fields[pairs[i]] = msg
		}
	}
}
