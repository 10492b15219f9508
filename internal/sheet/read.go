package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/gesta-er/gesta/internal/domain"
)

// Limits on what an upload may be; a file past any of them is refused whole,
// before it costs memory or time (limits in docs/facilities.md).
var (
	MaxUploadBytes   int64 = 5 << 20  // the file as sent
	MaxRows                = 5000     // data rows
	MaxColumns             = 60       // columns read
	MaxCellBytes           = 2000     // one cell
	MaxUnzippedBytes int64 = 50 << 20 // all parts of an XLSX, uncompressed
	MaxZipEntries          = 200      // parts of an XLSX
)

// ErrTooLarge reports a file past the limits (HTTP 413).
var ErrTooLarge = errors.New("sheet: file too large")

// FormatError is a problem with the file as a whole, in Italian for the user.
type FormatError struct {
	MsgID string         // catalogue id, "sheet.…"
	Args  map[string]any // its parameters
}

// Error is the message id and parameters (for logs; people read the
// catalogue's text).
func (e *FormatError) Error() string {
	if len(e.Args) == 0 {
		return "sheet: " + e.MsgID
	}
	return fmt.Sprintf("sheet: %s %v", e.MsgID, e.Args)
}

func formatErr(msgID string, kv ...any) *FormatError {
	return &FormatError{MsgID: msgID, Args: domain.Args(kv...)}
}

// Read reads the rows of a CSV (";" or "," separated, UTF-8, BOM allowed) or
// of the first sheet of an XLSX. The first row is the header.
func Read(data []byte, filename string) ([][]string, error) {
	return read(data, filename, MaxRows, false)
}

// ReadPresence reads a presence list: up to MaxPresenceRows, and XLSX cells
// as stored rather than as displayed, so that a date cell comes as its serial
// number whatever the author's locale showed (an Italian 15/06/2000 would
// otherwise come back in the library's American 06-15-00).
func ReadPresence(data []byte, filename string) ([][]string, error) {
	return read(data, filename, MaxPresenceRows, true)
}

func read(data []byte, filename string, maxRows int, raw bool) ([][]string, error) {
	if int64(len(data)) > MaxUploadBytes {
		return nil, ErrTooLarge
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) || strings.HasSuffix(strings.ToLower(filename), ".xlsx") {
		return readXLSX(data, maxRows, raw)
	}
	return readCSV(data, maxRows)
}

func readCSV(data []byte, maxRows int) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, formatErr("sheet.csv_not_utf8")
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ';'
	if bytes.Count(first, []byte(",")) > bytes.Count(first, []byte(";")) {
		r.Comma = ','
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, formatErr("sheet.csv_unreadable", "Line", pe.Line, "Reason", pe.Err.Error())
			}
			return nil, err
		}
		if err := checkRow(rec, len(rows), maxRows); err != nil {
			return nil, err
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

func checkRow(rec []string, n, maxRows int) error {
	if n > maxRows {
		return formatErr("sheet.too_many_rows", "Max", maxRows)
	}
	if len(rec) > MaxColumns {
		return formatErr("sheet.too_many_columns", "Line", n+1, "Max", MaxColumns)
	}
	for i, c := range rec {
		if len(c) > MaxCellBytes {
			return formatErr("sheet.cell_too_long", "Line", n+1, "Column", i+1)
		}
	}
	return nil
}

// readXLSX inspects the archive's directory before opening it: a zip bomb, a
// flood of parts or an oversized part is refused without inflating anything.
func readXLSX(data []byte, maxRows int, raw bool) ([][]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, formatErr("sheet.xlsx_invalid")
	}
	if len(zr.File) > MaxZipEntries {
		return nil, ErrTooLarge
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(MaxUnzippedBytes) || (f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > 200) {
			return nil, ErrTooLarge
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: MaxUnzippedBytes, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, formatErr("sheet.xlsx_unreadable")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, formatErr("sheet.xlsx_no_sheets")
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, formatErr("sheet.first_sheet_unreadable")
	}
	defer it.Close()
	var rows [][]string
	for it.Next() {
		rec, err := it.Columns(excelize.Options{RawCellValue: raw})
		if err != nil {
			return nil, formatErr("sheet.row_unreadable", "Line", len(rows)+1)
		}
		if err := checkRow(rec, len(rows), maxRows); err != nil {
			return nil, err
		}
		rows = append(rows, rec)
	}
	return rows, nil
}
