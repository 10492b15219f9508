package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// TestWriteTableMinutes: the minutes are a PDF that names cases by
// pseudonym only (the case's id is not in it).
func TestWriteTableMinutes(t *testing.T) {
	caseID := "01938c2e-7d1a-7000-8000-0000a1b2c3d4"
	tbl := domain.NetworkTable{Title: "Tavolo vulnerabilità", HeldOn: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Place: "Prefettura", Participants: []string{"CSM Bologna Ovest", "ASP Città di Bologna"},
		Decisions: "Valutazione congiunta", Cases: []domain.TableCase{{CaseID: caseID, Pseudonym: domain.CasePseudonym(caseID)}},
		FollowUps: []domain.FollowUp{{Text: "Visita", Owner: "CSM", Due: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC),
			Pseudonym: domain.CasePseudonym(caseID)}}}
	var buf bytes.Buffer
	if err := WriteTableMinutes(&buf, tbl, "Bologna", time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("%PDF-")) || buf.Len() < 1000 {
		t.Fatalf("not a PDF: %d bytes", buf.Len())
	}
	if bytes.Contains(b, []byte(caseID)) || strings.Contains(domain.CasePseudonym(caseID), "01938c2e") {
		t.Fatal("the case id is in the minutes")
	}
}
