package report

import (
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// newDocument starts an A4 document with its metadata and "{nb}" for the
// page count, and returns the translator of text for the core fonts. The
// metadata is passed as UTF-8, which fpdf writes as UTF-16: translated to
// cp1252 it would be garbled in the reader's document properties.
func newDocument(title, author string, generated time.Time) (*fpdf.Fpdf, func(string) string) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(title, true)
	pdf.SetAuthor(author, true)
	pdf.SetCreator("gesta", false)
	pdf.SetCreationDate(generated)
	pdf.AliasNbPages("{nb}")
	return pdf, pdf.UnicodeTranslatorFromDescriptor("")
}
