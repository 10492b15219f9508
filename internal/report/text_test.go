package report

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// pdfText extracts a PDF's text (pdftotext -layout) and its metadata
// (pdfinfo) with Debian's poppler-utils. Without them the test skips, unless
// GESTA_PDF_REQUIRED is set (as in CI).
func pdfText(t *testing.T, pdf []byte) (text, info string) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("GESTA_PDF_REQUIRED") != "" {
				t.Fatalf("%s not found and GESTA_PDF_REQUIRED is set: apt-get install poppler-utils", tool)
			}
			t.Skipf("%s not found: apt-get install poppler-utils", tool)
		}
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	meta, err := exec.Command("pdfinfo", "-enc", "UTF-8", f).Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out), string(meta)
}

// TestPlanPDFText reads the plan's PDF as its reader does: people and provinces by name, clean metadata, the "Arrivate" and
// "Presa visione" columns apart, "nessun dato" where a table is empty.
func TestPlanPDFText(t *testing.T) {
	at := time.Date(2026, 8, 7, 1, 30, 0, 0, time.UTC)
	ack := at.Add(2 * time.Hour)
	p := domain.Plan{ID: "p1", Reference: "Viminale prot. 12345 – sbarco a Ravenna", ReceivedAt: at, ExpectedAt: at.Add(8 * time.Hour),
		Origin: "Ravenna (porto)", Transport: "bus", Status: domain.PlanArrived, Total: 22,
		Provinces: []domain.PlanProvince{{Code: "037", Sigla: "BO", Name: "Bologna", Share: 0.22, Quota: 16.1, Persons: 16,
			AcknowledgedAt: &ack, AcknowledgedBy: "Mario Rossi (BO)", ArrivedAt: &ack, Arrived: 16},
			{Code: "040", Sigla: "FC", Name: "Forlì-Cesena", Share: 0.08, Quota: 5.8, Persons: 6}},
		Events: []domain.PlanEvent{{At: at, Actor: "Anna Bianchi (BO)", Province: "040", ProvinceName: "Forlì-Cesena", Kind: "acknowledged",
			Summary: "presa visione della quota di 6 persone"}}}
	var b bytes.Buffer
	if err := WritePlan(&b, p, "arrivato", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	text, info := pdfText(t, b.Bytes())
	for _, want := range []string{"Mario Rossi (BO)", "Anna Bianchi (BO) · Forlì-Cesena", "Forlì-Cesena", "Viminale prot. 12345 – sbarco a Ravenna"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan PDF text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "[040]") {
		t.Errorf("a province shown by its code:\n%s", text)
	}
	if !strings.Contains(text, "Arrivate   ") || strings.Contains(text, "16"+"07/08/2026") || strings.Contains(text, "ArrivatePresa") {
		t.Errorf("the Arrivate and Presa visione columns run together:\n%s", text)
	}
	if got := field(info, "Title"); got != "Piano di riparto Viminale prot. 12345 – sbarco a Ravenna" {
		t.Errorf("plan PDF title %q", got)
	}
	if got := field(info, "Author"); got != "Prefettura di Bologna – Gest.A" {
		t.Errorf("plan PDF author %q", got)
	}

	// A plan just announced: no timeline yet says so.
	p.Events = nil
	b.Reset()
	if err := WritePlan(&b, p, "annunciato", at); err != nil {
		t.Fatal(err)
	}
	if text, _ := pdfText(t, b.Bytes()); !strings.Contains(text, "nessun dato") {
		t.Errorf("an empty timeline shows no \"nessun dato\":\n%s", text)
	}
}

// field is one "Name: value" line of pdfinfo's output.
func field(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestMonthlyPDFText: the monthly report's metadata reads as written and an
// empty breakdown says "nessun dato" instead of a header without rows.
func TestMonthlyPDFText(t *testing.T) {
	day := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
	m := Monthly{Place: "Forlì-Cesena", Day: day, Generated: day, D: &domain.Dashboard{Province: "040", Day: day, Total: 1767},
		Dims: []Dim{{Title: "Sesso", Items: []domain.StatItem{{Key: "M", Label: "uomini", Count: 1500}, {Key: "F", Label: "donne", Count: 267}}},
			{Title: "Vulnerabilità", Items: nil}}}
	var b bytes.Buffer
	if err := WriteMonthly(&b, m); err != nil {
		t.Fatal(err)
	}
	text, info := pdfText(t, b.Bytes())
	if got := field(info, "Title"); got != "Rapporto mensile sull'accoglienza – Forlì-Cesena" {
		t.Errorf("monthly report title %q", got)
	}
	if !strings.Contains(text, "nessun dato") || !strings.Contains(text, "1.500") {
		t.Errorf("monthly report text:\n%s", text)
	}
}

// TestMinutesPDFMetadata: every document starts through newDocument, so the
// minutes' title reads as written in the reader's document properties too.
func TestMinutesPDFMetadata(t *testing.T) {
	var buf bytes.Buffer
	tbl := domain.NetworkTable{Title: "Tavolo vulnerabilità – Forlì", HeldOn: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	if err := WriteTableMinutes(&buf, tbl, "Forlì-Cesena", time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	_, info := pdfText(t, buf.Bytes())
	if got := field(info, "Title"); got != "Verbale – Tavolo vulnerabilità – Forlì" {
		t.Fatalf("title %q", got)
	}
}
