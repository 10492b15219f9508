package report

import (
	"fmt"
	"io"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// WriteGuestExport renders a subject-access export (GDPR art. 15) as PDF: the
// record, the stays, the vulnerabilities, the writes about the person and
// every read of their data with its purpose. Codes (stage, channel, purpose,
// what was read) are printed as stored: the JSON beside it carries the same.
func WriteGuestExport(w io.Writer, e domain.GuestExport) error {
	pdf, tr := newDocument("Accesso ai dati personali – "+e.Guest.ID, "Prefettura di Bologna – Gest.A", e.Generated)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("Estratto del %s · pagina %d di {nb}", day(e.Generated, true), pdf.PageNo())),
			"", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(0, 5, tr("Prefettura di Bologna – Ufficio territoriale del Governo"), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 14)
	pdf.MultiCell(0, 7, tr("Dati personali trattati e accessi (art. 15 Regolamento UE 2016/679)"), "", "L", false)
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(0, 5, tr("Tutti i dati che Gest.A conserva sulla persona, le modifiche registrate e chi li ha letti, "+
		"quando e per quale finalità. Non contiene dati di altre persone."), "", "L", false)
	g := e.Guest
	section(pdf, tr, "Anagrafica", 60)
	kv := [][2]string{
		{"Identificativo", g.ID}, {"Cognome", dash(g.Surname)}, {"Nome", dash(g.GivenName)}, {"CUI", dash(g.CUI)},
		{"Sesso", g.Sex}, {"Data di nascita", birth(g)}, {"Cittadinanza", g.Nationality},
		{"Nucleo familiare", dash(g.HouseholdID)}, {"Ruolo nel nucleo", dash(g.HouseholdRole)},
		{"MSNA", yesNo(g.MSNA)}, {"Arrivo", dayPtr(g.ArrivalDate) + " · " + dash(g.ArrivalChannel) + " · " + dash(g.ArrivalPlace)},
		{"Fase della procedura", string(g.Stage) + " " + dayPtr(g.StageDate)}, {"Registrato il", day(g.CreatedAt, false)},
	}
	if e.Anonymised != nil {
		kv = append(kv, [2]string{"Anonimizzato il", day(*e.Anonymised, false)})
	}
	for _, p := range kv {
		pdf.SetFont("Helvetica", "B", 8)
		pdf.CellFormat(45, 5.5, tr(p[0]), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5.5, tr(p[1]), "", 1, "L", false, 0, "")
	}
	section(pdf, tr, fmt.Sprintf("Permanenze (%d)", len(e.Stays)), 20)
	widths := []float64{40, 35, 35, 80}
	header(pdf, tr, []string{"Struttura", "Ingresso", "Uscita", "Motivo"}, widths)
	for _, s := range e.Stays {
		row(pdf, tr, []string{s.Facility, day(s.EnteredAt, false), dayPtr(s.ExitedAt), dash(s.ExitReason)}, widths)
	}
	section(pdf, tr, fmt.Sprintf("Vulnerabilità (%d)", len(e.Vulnerabilities)), 20)
	widths = []float64{60, 30, 50, 50}
	header(pdf, tr, []string{"Codice", "Stato", "Fonte", "Data"}, widths)
	for _, v := range e.Vulnerabilities {
		row(pdf, tr, []string{v.Code, v.Status, dash(v.Source), day(v.Date, false)}, widths)
	}
	section(pdf, tr, fmt.Sprintf("Modifiche registrate (%d)", len(e.Changes)), 20)
	widths = []float64{40, 80, 70}
	header(pdf, tr, []string{"Quando", "Chi", "Operazione"}, widths)
	for _, c := range e.Changes {
		row(pdf, tr, []string{day(c.At, true), c.Actor, c.Action}, widths)
	}
	section(pdf, tr, fmt.Sprintf("Accessi ai dati (%d)", len(e.Accesses)), 20)
	widths = []float64{35, 65, 25, 30, 35}
	header(pdf, tr, []string{"Quando", "Chi", "Ruolo", "Cosa", "Finalità"}, widths)
	for _, a := range e.Accesses {
		row(pdf, tr, []string{day(a.At, true), a.Actor, a.Role, a.What, dash(a.Purpose)}, widths)
	}
	return pdf.Output(w)
}

func day(t time.Time, withTime bool) string {
	if withTime {
		return t.In(rome).Format("02/01/2006 15:04")
	}
	return t.In(rome).Format("02/01/2006")
}

func dayPtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return day(*t, false)
}

func birth(g domain.Guest) string {
	if g.BirthEstimated {
		return fmt.Sprintf("%d (anno)", g.BirthDate.Year())
	}
	return g.BirthDate.Format("02/01/2006")
}

func yesNo(b bool) string {
	if b {
		return "sì"
	}
	return "no"
}
