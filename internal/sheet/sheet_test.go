package sheet_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gesta-er/gesta/internal/sheet"
)

// A corpus of formula-like cells (formula injection, docs/facilities.md).
var payloads = []string{"=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =1", "\ufeff=1", "\x01=1", "|calc", "%0A",
	`=HYPERLINK("http://x.example","y")`, `=cmd|' /C calc'!A0`, "-2+3"}

func TestSafe(t *testing.T) {
	for _, p := range payloads {
		if got := sheet.Safe(p); !strings.HasPrefix(got, "'") {
			t.Errorf("Safe(%q) = %q: not neutralised", p, got)
		}
	}
	for _, ok := range []string{"Bologna", "Reggio nell'Emilia", "BO-0001", "", "a=b", "3 posti"} {
		if got := sheet.Safe(ok); got != ok {
			t.Errorf("Safe(%q) = %q: changed a harmless value", ok, got)
		}
	}
}

func FuzzSafe(f *testing.F) {
	for _, p := range payloads {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := sheet.Safe(s)
		trimmed := strings.TrimLeftFunc(out, func(r rune) bool { return r == ' ' || r == '\ufeff' || (r < 32 && r != '\t' && r != '\r') })
		if trimmed != "" && strings.ContainsRune("=+-@|%\t\r", []rune(trimmed)[0]) {
			t.Fatalf("Safe(%q) = %q still starts like a formula", s, out)
		}
	})
}

func table() sheet.Table {
	ref := time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC)
	rows := [][]any{{"BO-0001", "Hub", 200}, {"BO-0002", "=HYPERLINK(\"x\")", 3}}
	for _, p := range payloads {
		rows = append(rows, []any{"X", p, 1})
	}
	return sheet.Table{Title: "Bollettino", RefTime: ref, Headers: []string{"codice", "nome", "liberi"}, Rows: rows, Source: "Fonte"}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := sheet.WriteCSV(&b, table()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, "\ufeffcodice;nome;liberi;riferimento\n") {
		t.Fatalf("header: %q", out[:40])
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[1][2] != "200" || recs[1][3] != "2026-11-26T11:30:00+01:00" {
		t.Fatalf("row = %q", recs[1])
	}
	for _, rec := range recs[1:] {
		if dangerousCell(rec[1]) {
			t.Errorf("formula reached the CSV: %q", rec[1])
		}
	}
}

func dangerousCell(s string) bool {
	return s != "" && strings.ContainsRune("=+-@|%\t\r", []rune(strings.TrimLeft(s, " \ufeff\x01"))[0])
}

func TestXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := sheet.WriteXLSX(&b, table()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.GetCellValue("Dati", "A2"); v != "Riferimento: 26/11/2026 11:30" {
		t.Fatalf("A2 = %q", v)
	}
	if typ, _ := f.GetCellType("Dati", "C5"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Fatalf("a number was stored as text (type %v)", typ)
	}
	rows, _ := f.GetRows("Dati")
	for _, row := range rows[4:] {
		if len(row) > 1 && dangerousCell(row[1]) {
			t.Errorf("formula-like text in the XLSX: %q", row[1])
		}
	}
	for r := 5; r < 5+len(table().Rows); r++ {
		cell, _ := excelize.CoordinatesToCellName(2, r)
		if formula, _ := f.GetCellFormula("Dati", cell); formula != "" {
			t.Errorf("%s holds a formula: %q", cell, formula)
		}
	}
}
