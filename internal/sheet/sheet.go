// Package sheet writes tables to CSV and XLSX for download, safely: a text
// cell that a spreadsheet would run as a formula is neutralised (OWASP CSV
// injection; docs/facilities.md), numbers stay numbers, and every file carries
// its reference time.
package sheet

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// Table is what an export holds. Cells are string, int, float64 or *time.Time.
type Table struct {
	Title   string
	RefTime time.Time
	Headers []string
	Rows    [][]any
	// Source is the attribution line (licence) written below the data.
	Source string
}

// dangerous reports whether a spreadsheet might read s as a formula or a
// command: it starts, after anything invisible (blanks of any width, BOM,
// zero-width and bidirectional marks, control characters, combining marks),
// with one of = + - @ | % in any width or form (full-width ＝, small ﹦,
// superscript ⁼: what NFKC folds to them, as some spreadsheets do), or with
// a tab or CR.
//
// Each rune is judged by its whole fold, not the fold's first rune: some fold
// to a blank and a combining mark (U+203E OVERLINE to " \u0305"), so what
// follows them is still the first visible character.
func dangerous(s string) bool {
	for _, r := range s {
		for _, f := range norm.NFKC.String(string(r)) {
			switch {
			case f == '\t' || f == '\r':
				return true
			case unicode.IsSpace(f) || unicode.IsControl(f) || unicode.In(f, unicode.Cf, unicode.Mn, unicode.Me):
				continue
			default:
				return strings.ContainsRune("=+-@|%", f)
			}
		}
	}
	return false
}

// Safe neutralises a text cell by prefixing an apostrophe when needed.
func Safe(s string) string {
	if dangerous(s) {
		return "'" + s
	}
	return s
}

var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.UTC
	}
	return l
}()

func text(v any) string {
	switch x := v.(type) {
	case string:
		return Safe(x)
	case int:
		return fmt.Sprint(x)
	case float64:
		return strings.Replace(fmt.Sprintf("%.2f", x), ".", ",", 1)
	case *time.Time:
		if x == nil {
			return ""
		}
		return x.In(rome).Format("02/01/2006 15:04")
	case nil:
		return ""
	}
	return Safe(fmt.Sprint(v))
}

// WriteCSV writes the table as CSV for Italian spreadsheets: UTF-8 with BOM,
// ";" separated, decimal comma; the reference time is a column of every row,
// so that the file is also fit for machines.
func WriteCSV(w io.Writer, t Table) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("\ufeff")
	cw := csv.NewWriter(bw)
	cw.Comma = ';'
	ref := t.RefTime.In(rome).Format("2006-01-02T15:04:05-07:00")
	header := make([]string, 0, len(t.Headers)+1)
	for _, h := range t.Headers {
		header = append(header, Safe(h)) // headers too: some are built from data
	}
	if err := cw.Write(append(header, "riferimento")); err != nil {
		return err
	}
	for _, row := range t.Rows {
		rec := make([]string, 0, len(row)+1)
		for _, v := range row {
			rec = append(rec, text(v))
		}
		if err := cw.Write(append(rec, ref)); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteXLSX writes the table as a workbook: title, reference time, header,
// typed cells (text is stored as text, never as a formula), source line.
func WriteXLSX(w io.Writer, t Table) error {
	f := excelize.NewFile()
	defer f.Close()
	const sh = "Dati"
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		return err
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	set := func(col, row int, v any) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		switch x := v.(type) {
		case string:
			return f.SetCellStr(sh, cell, Safe(x))
		case *time.Time:
			return f.SetCellStr(sh, cell, text(x))
		case nil:
			return nil
		default:
			return f.SetCellValue(sh, cell, x)
		}
	}
	if err := set(1, 1, t.Title); err != nil {
		return err
	}
	if err := set(1, 2, "Riferimento: "+t.RefTime.In(rome).Format("02/01/2006 15:04")); err != nil {
		return err
	}
	for i, h := range t.Headers {
		if err := set(i+1, 4, h); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(t.Headers), 4)
	_ = f.SetCellStyle(sh, "A1", "A1", bold)
	_ = f.SetCellStyle(sh, "A4", last, bold)
	for r, row := range t.Rows {
		for c, v := range row {
			if err := set(c+1, r+5, v); err != nil {
				return err
			}
		}
	}
	if t.Source != "" {
		if err := set(1, len(t.Rows)+6, t.Source); err != nil {
			return err
		}
	}
	return f.Write(w)
}
