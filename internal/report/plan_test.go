package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// TestWritePlan renders a plan's PDF with accented text and a timeline: a
// whole document comes out (the fpdf module's move to codeberg.org changed
// nothing for it).
func TestWritePlan(t *testing.T) {
	at := time.Date(2026, 8, 7, 1, 30, 0, 0, time.UTC)
	p := domain.Plan{ID: "p1", Reference: "Viminale prot. 12345 – sbarco a Ravenna", ReceivedAt: at, ExpectedAt: at.Add(8 * time.Hour),
		Origin: "Ravenna (porto)", Transport: "bus", Status: domain.PlanPublished, Total: 73,
		Provinces: []domain.PlanProvince{{Code: "037", Sigla: "BO", Name: "Bologna", Share: 0.22, Quota: 16.1, Persons: 16, Explain: "quota più saldo"},
			{Code: "038", Sigla: "FE", Name: "Forlì-Cesena", Share: 0.08, Quota: 5.8, Persons: 6}},
		Events: []domain.PlanEvent{{At: at, Actor: "coordinamento", Kind: "announced", Summary: "annuncio: 73 persone, è tutto"}}}
	var b bytes.Buffer
	if err := WritePlan(&b, p, "pubblicato", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); !strings.HasPrefix(s, "%PDF-") || !strings.Contains(s, "%%EOF") || b.Len() < 1000 {
		t.Fatalf("not a whole PDF: %d bytes, starts %q", b.Len(), s[:min(8, len(s))])
	}
}
