package sheet

import (
	"os"
	"slices"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
)

var metro = map[string]bool{"037006": true, "037011": true, "037020": true, "037032": true}

// The example file the import page offers parses without errors.
func TestParseSAIExample(t *testing.T) {
	b, err := os.ReadFile("../web/static/modelli/sai-esempio.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Read(b, "sai.csv")
	if err != nil {
		t.Fatal(err)
	}
	ps, errs := ParseSAI(rows, metro)
	if len(errs) > 0 || len(ps) != len(rows)-1 {
		t.Fatalf("%d projects, errors %+v", len(ps), errs)
	}
	if s := domain.SummarizeSAI("2026-10-31", ps, false); s.Total != 587 || s.Comuni != 4 || s.MSNA != 72 {
		t.Errorf("summary %+v", s)
	}
}

// Every bad cell is reported with its line and column, and a file with any
// error yields no project at all.
func TestParseSAIErrors(t *testing.T) {
	rows := [][]string{
		{"codice_progetto", "codice_comune_titolare", "tipologia", "posti"},
		{"P1", "037006", "ordinari", "10"},
		{"P1", "37032", "MSNA", "5"},        // duplicate code; the lost leading zero is restored
		{"", "038008", "altro", "0"},        // every column wrong
		{"P3", "037011", "dm-ds", "2001"},   // too many places
		{"", "", "", ""},                    // blank rows are skipped
		{"P4", "037020", "ordinari", "3,5"}, // not a whole number
	}
	ps, errs := ParseSAI(rows, metro)
	if ps != nil {
		t.Errorf("a file with errors gave %d projects", len(ps))
	}
	type at struct {
		line int
		col  string
		id   string
	}
	var got []at
	for _, e := range errs {
		got = append(got, at{e.Line, e.Column, e.MsgID})
	}
	want := []at{
		{3, "codice_progetto", "sai.err.duplicate"},
		{4, "codice_progetto", "sai.err.required"}, {4, "codice_comune_titolare", "sai.err.comune"},
		{4, "tipologia", "sai.err.type"}, {4, "posti", "sai.err.places"},
		{5, "posti", "sai.err.places"},
		{7, "posti", "sai.err.places"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors\n got %v\nwant %v", got, want)
	}
	if errs[0].Args["Line"] != 2 {
		t.Errorf("duplicate points at line %v, want 2", errs[0].Args["Line"])
	}
	// Without the duplicate and the bad rows the same file loads, and the
	// five-digit code comes back with its zero.
	ps, errs = ParseSAI([][]string{rows[0], rows[1], {"P2", "37032", "MSNA", "5"}}, metro)
	if len(errs) > 0 || len(ps) != 2 || ps[1].Comune != "037032" || ps[1].Type != domain.SAIMSNA {
		t.Errorf("clean file: %+v %+v", ps, errs)
	}
	// A missing column is reported on the header, nothing else.
	_, errs = ParseSAI([][]string{{"codice_progetto", "tipologia", "posti"}, {"P1", "ordinari", "3"}}, metro)
	if len(errs) != 1 || errs[0].Line != 1 || errs[0].Column != "codice_comune_titolare" || errs[0].MsgID != "sai.err.missing_column" {
		t.Errorf("missing column: %+v", errs)
	}
	if _, errs = ParseSAI([][]string{rows[0]}, metro); len(errs) != 1 || errs[0].MsgID != "sai.err.no_rows" {
		t.Errorf("header only: %+v", errs)
	}
}
