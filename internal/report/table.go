package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// WriteTableMinutes renders a network table's minutes (verbale): date,
// place, participants, the cases discussed by pseudonym only, the decisions
// and the follow-ups with owners and due dates. provinceName is the label
// of the table's province.
func WriteTableMinutes(w io.Writer, t domain.NetworkTable, provinceName string, generated time.Time) error {
	pdf, tr := newDocument("Verbale – "+t.Title, "Prefettura – Gest.A", generated)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("Verbale del tavolo di rete · riservato · generato il %s · pagina %d di {nb}",
			generated.In(rome).Format("02/01/2006 15:04"), pdf.PageNo())), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(0, 5, tr("Prefettura – Ufficio territoriale del Governo · "+provinceName), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(0, 8, tr("Verbale del tavolo di rete – "+t.Title), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	place := ""
	if t.Place != "" {
		place = " · luogo: " + t.Place
	}
	pdf.MultiCell(0, 5, tr("Data: "+t.HeldOn.UTC().Format("02/01/2006")+place), "", "L", false)

	section(pdf, tr, "Partecipanti", 10)
	pdf.SetFont("Helvetica", "", 10)
	for _, p := range t.Participants {
		pdf.MultiCell(0, 5, tr("– "+p), "", "L", false)
	}

	section(pdf, tr, "Casi discussi (per pseudonimo)", 10)
	pdf.SetFont("Helvetica", "", 10)
	if len(t.Cases) == 0 {
		pdf.MultiCell(0, 5, tr("Nessuno."), "", "L", false)
	}
	var names []string
	for _, c := range t.Cases {
		names = append(names, c.Pseudonym)
	}
	if len(names) > 0 {
		pdf.MultiCell(0, 5, tr(strings.Join(names, ", ")), "", "L", false)
	}

	section(pdf, tr, "Decisioni", 10)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(0, 5, tr(dash(t.Decisions)), "", "L", false)

	section(pdf, tr, "Impegni", 20)
	pdf.SetFont("Helvetica", "", 10)
	for _, f := range t.FollowUps {
		state := "aperto"
		switch {
		case f.DoneAt != nil:
			state = "fatto il " + f.DoneAt.In(rome).Format("02/01/2006")
		case f.Overdue:
			state = "scaduto"
		}
		pdf.MultiCell(0, 5, tr(fmt.Sprintf("– %s (referente: %s; caso: %s; entro il %s; %s)", f.Text, f.Owner,
			dash(f.Pseudonym), f.Due.UTC().Format("02/01/2006"), state)), "", "L", false)
	}
	if len(t.FollowUps) == 0 {
		pdf.MultiCell(0, 5, tr("Nessuno."), "", "L", false)
	}
	return pdf.Output(w)
}
