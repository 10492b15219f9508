package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// WritePlan renders a distribution plan: the notice, the province table with
// key shares, saldo, quotas and acknowledgements, the timeline and a
// signatures block. It names no guest: the nominative lists stay in the
// application. The caller renders the words kept as codes: status is the
// plan status's label and each event's Summary its text (internal/i18n).
func WritePlan(w io.Writer, p domain.Plan, status string, generated time.Time) error {
	pdf, tr := newDocument("Piano di riparto "+p.Reference, "Prefettura di Bologna – Gest.A", generated)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("Piano %s · generato il %s · pagina %d di {nb}", p.Reference,
			generated.In(rome).Format("02/01/2006 15:04"), pdf.PageNo())), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(0, 5, tr("Prefettura di Bologna – Ufficio territoriale del Governo · Coordinamento regionale"), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(0, 8, tr("Piano di riparto – "+p.Reference), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	c := p.Composition
	pdf.MultiCell(0, 5, tr(fmt.Sprintf("Provenienza: %s · mezzo: %s · comunicazione ricevuta il %s · arrivo previsto il %s.\n"+
		"Persone: %d (uomini soli %d, donne sole %d, nuclei %d con %d persone, MSNA %d). Stato: %s.",
		p.Origin, dash(p.Transport), p.ReceivedAt.In(rome).Format("02/01/2006 15:04"), p.ExpectedAt.In(rome).Format("02/01/2006 15:04"),
		p.Total, c.Men, c.Women, c.Households, c.HouseholdPersons, c.MSNA, status)), "", "L", false)
	section(pdf, tr, "Ripartizione per provincia", 60)
	widths := []float64{38, 18, 18, 18, 18, 22, 58}
	// The last column is text: left-aligned, after a gap, so that it does not
	// run into the figure of "Arrivate" beside it.
	aligns := "LRRRRRL"
	pdf.SetFont("Helvetica", "B", 8)
	pdf.SetFillColor(230, 236, 242)
	for i, c := range []string{"Provincia", "Chiave %", "Quota", "Saldo prec.", "Persone", "Arrivate", "   Presa visione"} {
		pdf.CellFormat(widths[i], 6, tr(c), "B", 0, aligns[i:i+1], true, 0, "")
	}
	pdf.Ln(-1)
	if len(p.Provinces) == 0 {
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5.5, tr("nessun dato"), "", 1, "L", false, 0, "")
	}
	tot, arrived := 0, 0
	for _, r := range p.Provinces {
		ack := "—"
		if r.AcknowledgedAt != nil {
			ack = r.AcknowledgedAt.In(rome).Format("02/01/2006 15:04") + " " + r.AcknowledgedBy
		}
		arr := "—"
		if r.ArrivedAt != nil {
			arr = fmt.Sprint(r.Arrived)
			arrived += r.Arrived
		}
		pdf.SetFont("Helvetica", "", 8)
		for i, c := range []string{r.Name, decimal(r.Share*100, 2), decimal(r.Quota, 2), signed(r.BalanceBefore), fmt.Sprint(r.Persons), arr,
			"   " + truncate(ack, 40)} {
			pdf.CellFormat(widths[i], 5.5, tr(c), "", 0, aligns[i:i+1], false, 0, "")
		}
		pdf.Ln(-1)
		tot += r.Persons
	}
	pdf.SetFont("Helvetica", "B", 8)
	for i, cell := range []string{"Totale", "100,00", decimal(float64(p.Total), 2), "", fmt.Sprint(tot), fmt.Sprint(arrived), ""} {
		align := "R"
		if i == 0 {
			align = "L"
		}
		pdf.CellFormat(widths[i], 6, tr(cell), "T", 0, align, false, 0, "")
	}
	pdf.Ln(-1)
	var reasons []string
	for _, r := range p.Provinces {
		if r.AdjustReason != "" {
			reasons = append(reasons, fmt.Sprintf("%s: proposta %d, stabilita %d – %s", r.Name, r.Proposed, r.Persons, r.AdjustReason))
		}
	}
	if len(reasons) > 0 {
		section(pdf, tr, "Modifiche alla proposta", 10)
		pdf.SetFont("Helvetica", "", 8)
		pdf.MultiCell(0, 4.5, tr(strings.Join(reasons, "\n")), "", "L", false)
	}
	section(pdf, tr, "Cronologia", 20)
	pdf.SetFont("Helvetica", "", 8)
	if len(p.Events) == 0 {
		pdf.CellFormat(0, 5.5, tr("nessun dato"), "", 1, "L", false, 0, "")
	}
	for _, e := range p.Events {
		where := ""
		if e.ProvinceName != "" {
			where = " · " + e.ProvinceName
		} else if e.Province != "" {
			where = " · " + e.Province
		}
		pdf.MultiCell(0, 4.5, tr(fmt.Sprintf("%s  %s%s – %s", e.At.In(rome).Format("02/01 15:04"), e.Actor, where, e.Summary)), "", "L", false)
	}
	section(pdf, tr, "Firme", 40)
	pdf.SetFont("Helvetica", "", 9)
	pdf.Ln(4)
	pdf.CellFormat(95, 5, tr("Il Prefetto di Bologna"), "", 0, "C", false, 0, "")
	pdf.CellFormat(95, 5, tr("Il Dirigente dell'Area IV"), "", 1, "C", false, 0, "")
	pdf.Ln(14)
	pdf.CellFormat(95, 5, "______________________________", "", 0, "C", false, 0, "")
	pdf.CellFormat(95, 5, "______________________________", "", 1, "C", false, 0, "")
	return pdf.Output(w)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func signed(f float64) string {
	if f > 0 {
		return "+" + decimal(f, 2)
	}
	return decimal(f, 2)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
