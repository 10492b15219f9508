package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
)

// caseExtras are one province's demo cases that get documents and a table.
type caseExtras struct {
	province   string          // sigla, lower case
	pref, op   context.Context // the province's case worker and operator
	assessment string          // the case in assessment
	takenIn    string          // the case taken in charge, referred to the CSM
	pending    string          // the report left to triage
}

// loadCaseExtras gives a province's demo cases what a working office has:
// a medical certificate (PDF) on the case in assessment, a photo (PNG) on
// the report waiting for triage, and a network table held a week ago that
// discussed the case taken in charge, with decisions and two follow-ups —
// one done, one due in a few days. Fictitious and deterministic.
func loadCaseExtras(ctx context.Context, db *store.DB, x caseExtras, day time.Time) error {
	docs, tables := store.NewCaseDocumentService(db), store.NewCaseTableService(db)
	if _, err := docs.AttachToCase(x.pref, x.assessment, "certificato-medico.pdf",
		demoPDF("Certificato medico (documento dimostrativo)", "Si certifica che l'ospite e' stato visitato in data odierna.",
			"Si consiglia visita specialistica gastroenterologica.")); err != nil {
		return err
	}
	if _, err := docs.AttachToReport(x.op, x.pending, "foto-stanza.png", demoPNG()); err != nil {
		return err
	}
	csm := "Centro di salute mentale"
	if list, err := store.NewCaseService(db).Directory(x.pref, strings.ToUpper(x.province)); err == nil {
		for _, s := range list {
			if s.Type == domain.ServiceCSM {
				csm = s.Name
				break
			}
		}
	}
	t := domain.NetworkTable{Title: "Tavolo di rete salute mentale e dipendenze", HeldOn: day.AddDate(0, 0, -7).Add(10 * time.Hour),
		Place: "Prefettura, sala riunioni", Participants: []string{"Prefettura – Area IV immigrazione", csm,
			"Servizio dipendenze (SerDP)", "Servizio sociale territoriale", "Ente gestore della struttura"}}
	if err := tables.CreateTable(x.pref, &t); err != nil {
		return err
	}
	if err := tables.DiscussCase(x.pref, t.ID, x.takenIn); err != nil {
		return err
	}
	if err := tables.SetDecisions(x.pref, t.ID, "Il CSM prende in carico la persona con colloqui settimanali e mediatore linguistico. "+
		"L'ente gestore segnala subito nuovi episodi. Si rivaluta il caso al prossimo tavolo."); err != nil {
		return err
	}
	done := domain.FollowUp{Text: "Fissare il primo colloquio al CSM con il mediatore", Owner: csm, Due: day.AddDate(0, 0, -3), CaseID: x.takenIn}
	if err := tables.AddFollowUp(x.pref, t.ID, &done); err != nil {
		return err
	}
	if err := tables.CompleteFollowUp(x.pref, t.ID, done.ID); err != nil {
		return err
	}
	open := domain.FollowUp{Text: "Relazione dell'ente gestore sull'andamento in struttura", Owner: "Ente gestore della struttura",
		Due: day.AddDate(0, 0, 5), CaseID: x.takenIn}
	return tables.AddFollowUp(x.pref, t.ID, &open)
}

// demoPDF writes a one-page PDF with a title and lines of text (ASCII), with
// a correct cross-reference table, so that any reader opens it.
func demoPDF(title string, lines ...string) []byte {
	esc := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
	var content bytes.Buffer
	fmt.Fprintf(&content, "BT /F1 16 Tf 72 770 Td (%s) Tj ET\n", esc.Replace(title))
	for i, l := range lines {
		fmt.Fprintf(&content, "BT /F1 11 Tf 72 %d Td (%s) Tj ET\n", 740-18*i, esc.Replace(l))
	}
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// demoPNG draws a small deterministic picture (a grey room with a window).
func demoPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			c := color.RGBA{200, 196, 188, 255}
			if x > 40 && x < 58 && y > 8 && y < 26 {
				c = color.RGBA{150, 190, 230, 255}
			}
			if y > 38 {
				c = color.RGBA{120, 100, 80, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
