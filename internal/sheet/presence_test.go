package sheet_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gesta-er/gesta/internal/i18n"
	"github.com/gesta-er/gesta/internal/sheet"
)

// TestPresenceGolden reads messy presence lists as operators send them and
// compares what was understood (people and cell errors) with golden files.
// UPDATE_GOLDEN=1 rewrites the golden files; read the diff before committing.
// italian words the reader's problems as the pages do.
var italian = i18n.MustNew().For("it")

func TestPresenceGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/presence/*.*")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := sheet.ReadPresence(data, f)
			if err != nil {
				t.Fatal(err)
			}
			people, errs, err := sheet.ParsePresence(rows)
			if err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, fmt.Sprintf("Riga %d, colonna «%s»: %s", e.Line, e.Column, italian.Msg(e.MsgID, e.Args)))
			}
			got, _ := json.MarshalIndent(map[string]any{"people": people, "errors": msgs}, "", "  ")
			golden := strings.TrimSuffix(f, filepath.Ext(f)) + ".golden.json"
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (UPDATE_GOLDEN=1 writes it)", err)
			}
			if strings.TrimSpace(string(want)) != strings.TrimSpace(string(got)) {
				t.Errorf("%s differs from its golden file:\n%s", f, got)
			}
		})
	}
	if n < 2 {
		t.Fatalf("only %d presence lists in testdata", n)
	}
}

// TestPresenceHeaderMissing: a list without the needed columns is refused
// whole, with a message that says which columns are needed.
func TestPresenceHeaderMissing(t *testing.T) {
	_, _, err := sheet.ParsePresence([][]string{{"Nome", "Telefono"}, {"Mario", "123"}})
	var fe *sheet.FormatError
	if err == nil || !asFormat(err, &fe) || !strings.Contains(italian.Msg(fe.MsgID, fe.Args), "data di nascita") {
		t.Fatalf("err = %v", err)
	}
}

func asFormat(err error, fe **sheet.FormatError) bool {
	e, ok := err.(*sheet.FormatError)
	*fe = e
	return ok
}

// TestGeneratePresenceXLSX writes the XLSX test input (merged title row,
// header over two rows, real date cells, a full-name column, facility codes).
// Run with GEN_TESTDATA=1 after changing it; the file is committed.
func TestGeneratePresenceXLSX(t *testing.T) {
	if os.Getenv("GEN_TESTDATA") == "" {
		t.Skip("GEN_TESTDATA=1 regenerates testdata/presence/ente-due-righe.xlsx")
	}
	f := excelize.NewFile()
	s := "Presenze"
	f.SetSheetName("Sheet1", s)
	f.SetCellValue(s, "A1", "Cooperativa Il Ponte – presenze nelle strutture al 20 novembre 2026")
	f.MergeCell(s, "A1", "G1")
	for i, h := range []string{"Struttura", "Cognome e nome", "Sesso", "Data di", "Nazionalità", "Codice", "Ingresso"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 3)
		f.SetCellValue(s, cell, h)
	}
	f.MergeCell(s, "B3", "B4")
	f.MergeCell(s, "C3", "C4")
	f.MergeCell(s, "E3", "E4")
	for i, h := range []string{"codice", "", "", "nascita", "", "CUI", "in struttura"} {
		if h == "" {
			continue // inside a merged cell: writing it would overwrite the merged value
		}
		cell, _ := excelize.CoordinatesToCellName(i+1, 4)
		f.SetCellValue(s, cell, h)
	}
	date := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	rows := [][]any{
		{"BO-0003", "DIALLO Mamadou", "M", date(2000, 6, 15), "Guinea", "11223344", date(2026, 9, 1)},
		{"BO-0003", "KONÉ Fatoumata", "F", date(1997, 1, 1), "Côte d'Ivoire", "", date(2026, 9, 3)},
		{"BO-0007", "AL HASSAN Omar Khaled", "M", "1990", "Siria", "", date(2026, 10, 12)},
		{"BO-0007", "Nguyen", "X", date(1988, 2, 29), "VNM", "ZZ", "ieri"},
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+5)
			f.SetCellValue(s, cell, v)
		}
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14}) // dd/mm/yyyy in an Italian Excel
	f.SetCellStyle(s, "D5", "D8", style)
	f.SetCellStyle(s, "G5", "G8", style)
	if err := f.SaveAs("testdata/presence/ente-due-righe.xlsx"); err != nil {
		t.Fatal(err)
	}
}
