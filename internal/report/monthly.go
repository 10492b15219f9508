// Package report writes the documents the Prefecture files and sends: the
// monthly report on the hosted population as PDF. It draws with fpdf's core
// fonts (Italian text through the cp1252 translator), so the binary carries
// no font files.
package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/gesta-er/gesta/internal/domain"
)

// ComuneRow is one comune's hosting against the guideline.
type ComuneRow struct {
	Name              string
	Residents, Hosted int
	PerThousand       float64
	Guideline         float64
}

// Monthly is what the monthly report shows.
type Monthly struct {
	Place     string // "Bologna", "Emilia-Romagna"
	Day       time.Time
	Generated time.Time
	D         *domain.Dashboard
	Comuni    []ComuneRow // those over the guideline, worst first
	Dims      []Dim
}

// Dim is a breakdown with its title.
type Dim struct {
	Title string
	Items []domain.StatItem
}

var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.UTC
	}
	return l
}()

// WriteMonthly renders the report. The reference date is on every page.
func WriteMonthly(w io.Writer, m Monthly) error {
	pdf, tr := newDocument("Rapporto mensile sull'accoglienza – "+m.Place, "Prefettura di Bologna – Gest.A", m.Generated)
	day := m.Day.In(rome).Format("02/01/2006")
	pdf.SetHeaderFunc(func() {
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(120, 5, tr("Prefettura di Bologna – Rapporto mensile sull'accoglienza – "+m.Place), "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, tr("Dati al "+day), "", 1, "R", false, 0, "")
		pdf.Line(10, 16, 200, 16)
		pdf.Ln(6)
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("Dati al %s · generato il %s · pagina %d di {nb} · dati aggregati, nessun dato personale",
			day, m.Generated.In(rome).Format("02/01/2006 15:04"), pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 8, tr("Rapporto mensile sull'accoglienza\n"+m.Place), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.Ln(2)
	pdf.MultiCell(0, 5, tr(fmt.Sprintf("Persone accolte alla fine del %s: %s. Ancora accolte oltre %d giorni dopo la decisione "+
		"definitiva: %s. Fonte: registro delle permanenze di Gest.A (le presenze a una data sono ricostruite dalle "+
		"permanenze, non dallo stato di oggi).", day, thousands(m.D.Total), m.D.AfterDays, thousands(m.D.AfterDecision))), "", "L", false)
	pdf.Ln(3)
	for _, d := range m.Dims {
		barsTable(pdf, tr, d.Title, d.Items, m.D.Total)
	}
	monthsChart(pdf, tr, m.D.Months)
	if len(m.Comuni) > 0 {
		section(pdf, tr, "Comuni oltre la soglia indicativa (2,5‰; 1,5‰ nei capoluoghi)", 8+6*float64(min(len(m.Comuni), 25)))
		header(pdf, tr, []string{"Comune", "Residenti", "Accolti", "per mille", "soglia"}, []float64{80, 30, 25, 25, 25})
		for _, c := range m.Comuni[:min(len(m.Comuni), 25)] {
			row(pdf, tr, []string{c.Name, thousands(c.Residents), thousands(c.Hosted), decimal(c.PerThousand, 2),
				decimal(c.Guideline, 1)}, []float64{80, 30, 25, 25, 25})
		}
		if len(m.Comuni) > 25 {
			pdf.SetFont("Helvetica", "I", 8)
			pdf.CellFormat(0, 5, tr(fmt.Sprintf("… e altri %d comuni (elenco completo nel cruscotto).", len(m.Comuni)-25)), "", 1, "L", false, 0, "")
		}
	}
	if m.D.Vulnerabilities != nil {
		barsTable(pdf, tr, "Vulnerabilità (art. 17 d.lgs. 142/2015), persone", m.D.Vulnerabilities, 0)
	}
	return pdf.Output(w)
}

func section(pdf *fpdf.Fpdf, tr func(string) string, title string, need float64) {
	if pdf.GetY()+need+10 > 280 {
		pdf.AddPage()
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(0, 7, tr(title), "", 1, "L", false, 0, "")
}

func header(pdf *fpdf.Fpdf, tr func(string) string, cols []string, widths []float64) {
	pdf.SetFont("Helvetica", "B", 8)
	pdf.SetFillColor(230, 236, 242)
	for i, c := range cols {
		align := "R"
		if i == 0 {
			align = "L"
		}
		pdf.CellFormat(widths[i], 6, tr(c), "B", 0, align, true, 0, "")
	}
	pdf.Ln(-1)
}

func row(pdf *fpdf.Fpdf, tr func(string) string, cells []string, widths []float64) {
	pdf.SetFont("Helvetica", "", 8)
	for i, c := range cells {
		align := "R"
		if i == 0 {
			align = "L"
		}
		pdf.CellFormat(widths[i], 5.5, tr(c), "", 0, align, false, 0, "")
	}
	pdf.Ln(-1)
}

// barsTable draws a breakdown as a table with a bar per row (the bar is the
// chart; the figures beside it are its data). total 0: no percentages.
func barsTable(pdf *fpdf.Fpdf, tr func(string) string, title string, items []domain.StatItem, total int) {
	section(pdf, tr, title, 8+5.5*float64(len(items)))
	widths := []float64{70, 22, 18, 80}
	header(pdf, tr, []string{"Voce", "Persone", "%", ""}, widths)
	max := 1
	for _, it := range items {
		max = maxInt(max, it.Count)
	}
	if len(items) == 0 {
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5.5, tr("nessun dato"), "", 1, "L", false, 0, "")
	}
	pdf.SetFillColor(0, 102, 204)
	for _, it := range items {
		pct := ""
		if total > 0 {
			pct = decimal(100*float64(it.Count)/float64(total), 1)
		}
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(widths[0], 5.5, tr(it.Label), "", 0, "L", false, 0, "")
		pdf.CellFormat(widths[1], 5.5, thousands(it.Count), "", 0, "R", false, 0, "")
		pdf.CellFormat(widths[2], 5.5, pct, "", 0, "R", false, 0, "")
		x, y := pdf.GetXY()
		if it.Count > 0 {
			pdf.Rect(x+3, y+1, (widths[3]-6)*float64(it.Count)/float64(max), 3.5, "F")
		}
		pdf.Ln(5.5)
	}
}

func monthsChart(pdf *fpdf.Fpdf, tr func(string) string, months []domain.MonthFlow) {
	if len(months) == 0 {
		return
	}
	section(pdf, tr, "Ingressi e uscite negli ultimi 12 mesi", 60+6*float64(len(months)))
	max := 1
	for _, m := range months {
		max = maxInt(max, maxInt(m.Entries, m.Exits))
	}
	x0, y0, h := 20.0, pdf.GetY()+45, 40.0
	step := 170 / float64(len(months))
	pdf.SetDrawColor(150, 150, 150)
	pdf.Line(x0, y0, x0+170, y0)
	pdf.SetFont("Helvetica", "", 6)
	for i, m := range months {
		x := x0 + float64(i)*step
		eh, xh := h*float64(m.Entries)/float64(max), h*float64(m.Exits)/float64(max)
		pdf.SetFillColor(0, 102, 204)
		pdf.Rect(x+1, y0-eh, step/2-1.5, eh, "F")
		pdf.SetFillColor(217, 54, 78)
		pdf.Rect(x+step/2, y0-xh, step/2-1.5, xh, "F")
		pdf.Text(x+1, y0+4, m.Month)
	}
	pdf.SetY(y0 + 7)
	pdf.SetFont("Helvetica", "", 8)
	pdf.CellFormat(0, 5, tr(fmt.Sprintf("Blu: ingressi; rosso: uscite (a sinistra gli ingressi, a destra le uscite). Massimo della scala: %d.", max)), "", 1, "L", false, 0, "")
	widths := []float64{40, 30, 30}
	header(pdf, tr, []string{"Mese", "Ingressi", "Uscite"}, widths)
	for _, m := range months {
		row(pdf, tr, []string{m.Month, thousands(m.Entries), thousands(m.Exits)}, widths)
	}
}

// thousands formats 12345 as "12.345" (Italian grouping).
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func decimal(f float64, places int) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', places, 64), ".", ",", 1)
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
