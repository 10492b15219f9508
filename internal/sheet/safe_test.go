package sheet_test

import (
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/sheet"
)

// TestSafeUnicode: formulas hidden behind invisible characters or written in
// other widths and forms are neutralised too; look-alikes that no
// spreadsheet reads as a formula start are left alone.
func TestSafeUnicode(t *testing.T) {
	for _, c := range []struct {
		in      string
		neutral bool
	}{
		{"＝1+1", true},                 // full-width equals
		{"＋39 051 000", true},          // full-width plus
		{"－1", true},                   // full-width hyphen-minus
		{"＠SUM(A1)", true},             // full-width at
		{"﹦1", true},                   // small equals
		{"⁼1", true},                   // superscript equals
		{"\u200b=1", true},             // zero-width space
		{"\u200b\u200b\u200d=1", true}, // several zero-width characters
		{"\u2060=1", true},             // word joiner
		{"\u202e=1", true},             // right-to-left override
		{"\u00a0=1", true},             // no-break space
		{"\u3000=1", true},             // ideographic space
		{"\u0085=1", true},             // next line (C1)
		{"\u0301=1", true},             // combining accent
		{"\u200b\t1", true},            // tab after a zero-width space
		{"\u203e%", true},              // overline: folds to a blank and a combining mark
		{"\u203e\u203e=1", true},       // two of them
		{"\u203eBologna", false},
		{"Bologna", false},
		{"Reggio nell'Emilia", false},
		{"a=b", false},
		{"\u200bBologna", false},
		{"−1", false}, // U+2212 minus sign: no spreadsheet starts a formula with it
		{"⩴", false},  // folds to "::=", which starts with ':'
		{"", false},
	} {
		got := sheet.Safe(c.in)
		if c.neutral && got != "'"+c.in {
			t.Errorf("Safe(%q) = %q: not neutralised", c.in, got)
		}
		if !c.neutral && got != c.in {
			t.Errorf("Safe(%q) = %q: changed a harmless value", c.in, got)
		}
		if c.neutral && !strings.HasPrefix(got, "'") {
			t.Errorf("Safe(%q) lacks the apostrophe", c.in)
		}
	}
}
