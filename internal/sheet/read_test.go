package sheet_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gesta-er/gesta/internal/sheet"
)

const goodCSV = "\ufeffCodice;Nome;Tipologia;Destinatari;Ente gestore;Comune;Posti contrattualizzati;Posti attivi;Posti occupati;Inizio contratto;Prezzo pro capite pro die;Caratteristiche\n" +
	";Appartamento Via Emilia;CAS appartamento;Uomini soli;01234567890;Bologna;6;6;5;01/03/2025;35,50;accessibile, neonati\n" +
	"BO-0001;Hub Mattei;hub;misto;Coop X;037006;200;180;150;;;\n" +
	";;tipo strano;alieni;;;dieci;5;;31/02/2025;gratis;teletrasporto\n"

func TestParseFacilitiesCSV(t *testing.T) {
	rows, err := sheet.Read([]byte(goodCSV), "strutture.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, err := sheet.ParseFacilities(rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("rows = %d", len(got))
	}
	a := got[0]
	if a.Line != 2 || a.Facility.Name != "Appartamento Via Emilia" || a.Facility.Type != "cas_appartamento" ||
		a.Facility.Target != "uomini" || a.Gestore != "01234567890" || a.Comune != "Bologna" || a.Facility.Contracted != 6 ||
		*a.Occupied != 5 || a.Facility.PriceCents != 3550 || a.Facility.ContractFrom.Format("2006-01-02") != "2025-03-01" ||
		strings.Join(a.Facility.Features, ",") != "wheelchair,infants" || len(a.Errors) != 0 {
		t.Fatalf("row 2 = %+v", a)
	}
	if got[1].Facility.Code != "BO-0001" {
		t.Fatalf("row 3 code = %q", got[1].Facility.Code)
	}
	bad := got[2]
	cols := map[string]bool{}
	for _, e := range bad.Errors {
		if e.Line != 4 {
			t.Errorf("error on line %d, want 4", e.Line)
		}
		cols[e.Column] = true
	}
	for _, c := range []string{"Nome", "Tipologia", "Destinatari", "Ente gestore", "Comune", "Posti contrattualizzati",
		"Inizio contratto", "Prezzo pro capite pro die", "Caratteristiche"} {
		if !cols[c] {
			t.Errorf("no error reported on column %q: %v", c, bad.Errors)
		}
	}
}

func TestParseFacilitiesHeaderProblems(t *testing.T) {
	for name, csv := range map[string]string{
		"MissingColumns": "Nome;Comune\nx;y\n",
		"Empty":          "",
		"OnlyHeader":     "Nome;Tipologia;Destinatari;Ente gestore;Comune;Posti contrattualizzati;Posti attivi\n",
		"Duplicate":      "Nome;Nome;Tipologia;Destinatari;Ente gestore;Comune;Posti contrattualizzati;Posti attivi\n",
	} {
		t.Run(name, func(t *testing.T) {
			rows, err := sheet.Read([]byte(csv), "x.csv")
			if err == nil {
				_, err = sheet.ParseFacilities(rows)
			}
			var fe *sheet.FormatError
			if !errors.As(err, &fe) || !worded(fe.MsgID) {
				t.Fatalf("want an Italian format error, got %v", err)
			}
		})
	}
}

func TestReadXLSX(t *testing.T) {
	f := excelize.NewFile()
	for i, row := range [][]any{
		{"Nome", "Tipologia", "Destinatari", "Ente gestore", "Comune", "Posti contrattualizzati", "Posti attivi"},
		{"Centro Test", "CAS collettivo", "donne", "Coop", "Ferrara", 30, 28},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	var b bytes.Buffer
	f.Write(&b)
	rows, err := sheet.Read(b.Bytes(), "strutture.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	got, err := sheet.ParseFacilities(rows)
	if err != nil || len(got) != 1 || got[0].Facility.Active != 28 || got[0].Facility.Target != "donne" {
		t.Fatalf("xlsx: %+v %v", got, err)
	}
}

// Hostile files are refused quickly, before they cost memory (the limits of docs/facilities.md).
func TestHostileFiles(t *testing.T) {
	zipOf := func(entries int, size int) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for i := range entries {
			w, _ := zw.Create(fmt.Sprintf("xl/part%d.xml", i))
			w.Write(bytes.Repeat([]byte{'a'}, size))
		}
		zw.Close()
		return b.Bytes()
	}
	var wide strings.Builder
	for i := range 16_000 {
		fmt.Fprintf(&wide, "c%d;", i)
	}
	cases := map[string][]byte{
		"ZipBomb":     zipOf(1, 64<<20), // 64 MiB of one byte compresses to ~64 kB
		"ManyEntries": zipOf(5_000, 0),
		"Oversize":    bytes.Repeat([]byte("a;b\n"), 2<<20),
		"ManyRows":    []byte(strings.Repeat("Nome;Comune\n", sheet.MaxRows+10)),
		"WideRow":     []byte(wide.String()),
		"NotUTF8":     []byte("Nome;Comune\n\xff\xfe;x\n"),
		"BrokenXLSX":  []byte("PK\x03\x04 not really a zip"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := sheet.Read(data, "x")
			var fe *sheet.FormatError
			if !errors.Is(err, sheet.ErrTooLarge) && !errors.As(err, &fe) {
				t.Fatalf("accepted (%v)", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Logf("slow refusal: %v", d) // reported; the limit is enforced by the checks, not by time
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(goodCSV), "a.csv")
	f.Add([]byte("PK\x03\x04"), "a.xlsx")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		rows, err := sheet.Read(data, name)
		if err != nil {
			return
		}
		if len(rows) > sheet.MaxRows+1 {
			t.Fatalf("%d rows passed the limit", len(rows))
		}
		_, _ = sheet.ParseFacilities(rows)
	})
}
