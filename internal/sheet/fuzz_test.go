package sheet_test

// Fuzz targets for the importers and exporters (docs/security.md R15, R17). The
// seed corpus is in testdata/fuzz; each target asserts its invariants inside.
// Run one: go test -run '^$' -fuzz '^FuzzReadSheet$' -fuzztime 30s ./internal/sheet/

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/sheet"
)

// formulaLike is the fuzz oracle for R17, written apart from the sanitiser:
// the whole cell is NFKC-folded, what a person cannot see is dropped from its
// start, and the first visible character (or a tab/CR anywhere before it)
// must not open a formula, unless the cell starts with the apostrophe that
// marks it as text.
func formulaLike(cell string) bool {
	if strings.HasPrefix(cell, "'") {
		return false
	}
	for _, r := range norm.NFKC.String(cell) {
		if r == '\t' || r == '\r' {
			return true
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me) {
			continue
		}
		return strings.ContainsRune("=+-@|%", r)
	}
	return false
}

// catalogue is the Italian catalogue: every problem the reader reports has
// its words there (and, by i18n's own test, in English too).
var catalogue, _ = i18n.Messages("it")

func worded(msgID string) bool { return catalogue[msgID] != "" }

// readErrorOK: an importer fails only with ErrTooLarge or a FormatError (a
// clear message for the user), never with anything else.
func readErrorOK(err error) bool {
	var fe *sheet.FormatError
	return err == nil || errors.Is(err, sheet.ErrTooLarge) || (errors.As(err, &fe) && worded(fe.MsgID))
}

func checkRows(t *testing.T, rows [][]string, maxRows int) {
	t.Helper()
	if len(rows) > maxRows+1 {
		t.Fatalf("%d rows read, limit %d", len(rows), maxRows+1)
	}
	for i, rec := range rows {
		if len(rec) > sheet.MaxColumns {
			t.Fatalf("row %d has %d columns", i+1, len(rec))
		}
		for _, c := range rec {
			if len(c) > sheet.MaxCellBytes {
				t.Fatalf("row %d: a cell of %d bytes", i+1, len(c))
			}
		}
	}
}

func seedFiles(f *testing.F) {
	for _, name := range []string{"testdata/presence/cas-bologna.csv", "testdata/presence/ente-due-righe.xlsx"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, strings.HasSuffix(name, ".xlsx"))
	}
}

func name(xlsx bool) string {
	if xlsx {
		return "f.xlsx"
	}
	return "f.csv"
}

// FuzzReadSheet: the CSV/XLSX reader stays within its limits and fails only with
// a clear error.
func FuzzReadSheet(f *testing.F) {
	seedFiles(f)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		rows, err := sheet.Read(data, name(xlsx))
		if !readErrorOK(err) {
			t.Fatalf("unexpected error: %v", err)
		}
		if err != nil {
			return
		}
		checkRows(t, rows, sheet.MaxRows)
		if !xlsx && !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			for _, rec := range rows {
				for _, c := range rec {
					if !utf8.ValidString(c) {
						t.Fatalf("invalid UTF-8 cell %q from a CSV", c)
					}
				}
			}
		}
	})
}

// FuzzParseFacilities: the facility sheet's rows keep their line numbers, and
// every cell problem stays with its row.
func FuzzParseFacilities(f *testing.F) {
	f.Add([]byte("Codice;Nome;Tipologia;Destinatari;Ente gestore;Comune;Posti contrattualizzati;Posti attivi;Posti occupati\n"+
		"BO-0001;Il Ponte;CAS collettivo;uomini;01234567890;Bologna;40;38;30\n;Nuovo;appartamento;nuclei;Coop;037006;6;6;\n"), false)
	f.Add([]byte("codice,nome,tipologia\nBO-0002,=cmd|' /C calc'!A0,hub\n"), false)
	seedFiles(f)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		rows, err := sheet.Read(data, name(xlsx))
		if err != nil {
			return
		}
		out, err := sheet.ParseFacilities(rows)
		var fe *sheet.FormatError
		if err != nil {
			if !errors.As(err, &fe) || !worded(fe.MsgID) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if len(out) > len(rows)-1 {
			t.Fatalf("%d facilities from %d data rows", len(out), len(rows)-1)
		}
		last := 1
		for _, r := range out {
			if r.Line <= last || r.Line > len(rows) {
				t.Fatalf("row line %d out of order or range (previous %d, %d rows)", r.Line, last, len(rows))
			}
			last = r.Line
			for _, e := range r.Errors {
				if e.Line != r.Line || !worded(e.MsgID) {
					t.Fatalf("cell error %+v on row %d", e, r.Line)
				}
			}
		}
	})
}

// FuzzParsePresence: people and cell errors point at real rows, and a row with
// a problem is never among the people.
func FuzzParsePresence(f *testing.F) {
	seedFiles(f)
	f.Add([]byte("Cognome;Nome;Sesso;Data di\nnascita;Cittadinanza\nDIALLO;Mamadou;M;2003;GIN\nTOTALE;;;;\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		rows, err := sheet.ReadPresence(data, name(xlsx))
		if err != nil {
			return
		}
		checkRows(t, rows, sheet.MaxPresenceRows)
		people, cellErrs, err := sheet.ParsePresence(rows)
		var fe *sheet.FormatError
		if err != nil {
			if !errors.As(err, &fe) || !worded(fe.MsgID) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		bad := map[int]bool{}
		for _, e := range cellErrs {
			if e.Line < 1 || e.Line > len(rows) || !worded(e.MsgID) {
				t.Fatalf("cell error %+v (%d rows)", e, len(rows))
			}
			bad[e.Line] = true
		}
		for _, p := range people {
			if p.Line < 1 || p.Line > len(rows) {
				t.Fatalf("person on line %d of %d", p.Line, len(rows))
			}
			if bad[p.Line] {
				t.Fatalf("line %d is both a person and an error", p.Line)
			}
		}
	})
}

// FuzzNominativeList: a transfer list read as the plan reads it (presence
// parser, then units): every person is in exactly one unit whose size counts them.
func FuzzNominativeList(f *testing.F) {
	seedFiles(f)
	f.Add([]byte("Cognome;Nome;Sesso;Data di nascita;Cittadinanza;Nucleo;Ruolo;MSNA\n"+
		"A;B;M;01/01/1990;NGA;N1;capofamiglia;\nC;D;F;01/01/1992;NGA;N1;;\nE;F;M;01/01/2012;ERI;;;si\nG;H;F;1999;CIV;N2;;\n"), false)
	asOf := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		rows, err := sheet.ReadPresence(data, name(xlsx))
		if err != nil {
			return
		}
		people, _, err := sheet.ParsePresence(rows)
		if err != nil {
			return
		}
		units, persons := domain.UnitsFromList(people, asOf)
		if len(persons) != len(people) {
			t.Fatalf("%d people became %d persons", len(people), len(persons))
		}
		size := map[string]int{}
		for _, u := range units {
			if _, dup := size[u.ID]; dup || u.ID == "" || u.Size < 1 {
				t.Fatalf("unit %+v: duplicate, unnamed or empty", u)
			}
			size[u.ID] = u.Size
		}
		count := map[string]int{}
		for _, p := range persons {
			if _, ok := size[p.UnitID]; !ok {
				t.Fatalf("person in unknown unit %q", p.UnitID)
			}
			count[p.UnitID]++
		}
		for id, n := range size {
			if count[id] != n {
				t.Fatalf("unit %s of size %d has %d persons", id, n, count[id])
			}
		}
	})
}

func exportTable(a, b string, n int) sheet.Table {
	ref := time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC)
	return sheet.Table{Title: a, RefTime: ref, Headers: []string{a, "nome", b}, Source: b,
		Rows: [][]any{{a, b, n}, {b, a, -n}, {a + b, nil, n}}}
}

// FuzzExportCSV: every text cell of a CSV export is formula-safe, its content
// is kept (only the neutralising apostrophe is added), numbers stay numbers.
func FuzzExportCSV(f *testing.F) {
	for _, p := range append(payloads, "＝1+1", "\u200b=1", "﹦1", "\u3000@x", "\u203e%", "Bologna") {
		f.Add(p, "=HYPERLINK(\"x\")", 7)
	}
	f.Fuzz(func(t *testing.T, a, b string, n int) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			return // exports come from the database: valid UTF-8
		}
		var buf bytes.Buffer
		if err := sheet.WriteCSV(&buf, exportTable(a, b, n)); err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff")))
		r.Comma = ';'
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("the export does not read back: %v", err)
		}
		if len(recs) != 4 {
			t.Fatalf("%d records, want 4", len(recs))
		}
		for i, rec := range recs {
			for j, c := range rec[:len(rec)-1] {
				if i > 0 && j == 2 {
					continue // the number column, checked below
				}
				if formulaLike(c) {
					t.Fatalf("record %d, cell %d: %q would run as a formula", i, j, c)
				}
			}
		}
		// csv turns \r\n inside a quoted field into \n on reading: compare that way.
		want := func(s string) string { return strings.ReplaceAll(sheet.Safe(s), "\r\n", "\n") }
		if recs[1][0] != want(a) || recs[1][1] != want(b) || recs[3][0] != want(a+b) {
			t.Fatalf("content changed: %q", recs[1])
		}
		if recs[1][2] != strconv.Itoa(n) || recs[2][2] != strconv.Itoa(-n) {
			t.Fatalf("numbers: %q, %q", recs[1][2], recs[2][2])
		}
	})
}

// FuzzExportXLSX: no text cell of a workbook export opens a formula, no cell
// holds a formula, and numbers are stored as numbers.
func FuzzExportXLSX(f *testing.F) {
	for _, p := range append(payloads, "＝1+1", "\u200b=1", "Bologna") {
		f.Add(p, "@SUM(A1)", 3)
	}
	f.Fuzz(func(t *testing.T, a, b string, n int) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || len(a)+len(b) > 32000 {
			return // excelize refuses cells over 32,767 characters: not this property
		}
		var buf bytes.Buffer
		if err := sheet.WriteXLSX(&buf, exportTable(a, b, n)); err != nil {
			return // e.g. characters XML cannot hold: nothing is written, nothing unsafe
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("the export does not open: %v", err)
		}
		defer x.Close()
		rows, err := x.GetRows("Dati", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			for j, c := range row {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if formula, _ := x.GetCellFormula("Dati", cell); formula != "" {
					t.Fatalf("%s holds a formula %q", cell, formula)
				}
				typ, _ := x.GetCellType("Dati", cell)
				if i >= 4 && i <= 6 && j == 2 {
					want := strconv.Itoa(n)
					if i == 5 {
						want = strconv.Itoa(-n)
					}
					if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString || c != want {
						t.Fatalf("number cell %s = %q (type %v), want %s", cell, c, typ, want)
					}
					continue
				}
				if formulaLike(c) {
					t.Fatalf("%s = %q would run as a formula", cell, c)
				}
			}
		}
	})
}
