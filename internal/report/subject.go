package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// WriteSubjectExport renders a subject-access export (GDPR art. 15) for the
// person: identity, cases with their reports, measures, notes, referrals and
// timeline, documents by name, and the log of every read (date, the
// reader's role, purpose, sections). label turns a code (category, status,
// purpose, role, measure, section) into words: the caller's catalogue.
func WriteSubjectExport(w io.Writer, x domain.SubjectExport, label func(kind, code string) string) error {
	pdf, tr := newDocument("Accesso ai dati personali", "Prefettura di Bologna – Gest.A", x.Generated)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("Riservato all'interessato · generato il %s · pagina %d di {nb}",
			x.Generated.In(rome).Format("02/01/2006 15:04"), pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(0, 8, tr("Dati personali trattati nei casi complessi (art. 15 GDPR)"), "", "L", false)
	text := func(s string) {
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(0, 5, tr(s), "", "L", false)
	}
	day := func(t time.Time) string { return t.In(rome).Format("02/01/2006 15:04") }
	if g := x.Guest; g != nil {
		text(fmt.Sprintf("%s %s · nato/a il %s · %s", g.Surname, g.GivenName, g.BirthDate.UTC().Format("02/01/2006"), g.Nationality))
	}
	for _, c := range x.Cases {
		section(pdf, tr, fmt.Sprintf("Caso %s – %s, %s", domain.CasePseudonym(c.ID), label("category", c.Category), label("status", string(c.Status))), 20)
		text("Aperto il " + day(c.OpenedAt))
		for _, r := range c.Reports {
			text(fmt.Sprintf("Segnalazione del %s (%s): %s", day(r.FiledAt), label("category", r.Category), dash(r.Description)))
		}
		for _, v := range c.Vulnerabilities {
			text(fmt.Sprintf("Vulnerabilità: %s (%s)", label("vulnerability", v.Code), v.Status))
		}
		for _, m := range c.Measures {
			deadline := ""
			if m.Deadline != nil {
				deadline = ", termine " + m.Deadline.UTC().Format("02/01/2006")
			}
			text(fmt.Sprintf("Misura: %s del %s%s. %s", label("measure", m.Kind), m.DecidedOn.UTC().Format("02/01/2006"), deadline, m.Reason))
		}
		for _, t := range c.Tasks {
			text(fmt.Sprintf("Compito: %s, entro il %s", dash(t.Title), t.Due.UTC().Format("02/01/2006")))
		}
		for _, n := range c.Notes {
			text(fmt.Sprintf("Nota del %s: %s", day(n.CreatedAt), n.Text))
		}
		for _, r := range c.Referrals {
			consent := "senza consenso (deroga motivata)"
			if r.Consent != nil {
				consent = "con consenso del " + r.Consent.Date.UTC().Format("02/01/2006")
			}
			text(fmt.Sprintf("Invio a un servizio del %s, %s: %s", day(r.SentAt), consent, label("referral", r.Status)))
		}
	}
	var orphan []string
	for _, r := range x.Reports {
		if r.CaseID == "" {
			orphan = append(orphan, fmt.Sprintf("Segnalazione del %s (%s, %s): %s", day(r.FiledAt), label("category", r.Category),
				label("report", r.Status), dash(r.Description)))
		}
	}
	if len(orphan) > 0 {
		section(pdf, tr, "Segnalazioni senza caso", 10)
		text(strings.Join(orphan, "\n"))
	}
	section(pdf, tr, "Documenti", 10)
	if len(x.Documents) == 0 {
		text("Nessuno.")
	}
	for _, d := range x.Documents {
		text(fmt.Sprintf("%s (%s, %d byte, caricato il %s): il contenuto è nel file JSON dell'esportazione.", d.Name, d.ContentType, d.Size, day(d.UploadedAt)))
	}
	section(pdf, tr, "Chi ha letto i tuoi dati, quando e perché", 10)
	widths := []float64{32, 40, 40, 78}
	header(pdf, tr, []string{"Quando", "Profilo", "Finalità", "Sezioni"}, widths)
	for _, a := range x.Accesses {
		var secs []string
		for _, s := range a.Sections {
			secs = append(secs, label("section", s))
		}
		role := label("role", a.Role)
		if a.BreakGlass {
			role += " (straordinario)"
		}
		row(pdf, tr, []string{day(a.At), truncate(role, 26), truncate(label("purpose", a.Purpose), 26), truncate(strings.Join(secs, ", "), 60)}, widths)
	}
	return pdf.Output(w)
}
