package notify_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/notify"
)

// samples holds the parameters the store queues with each kind.
var samples = map[string]map[string]any{
	"publication_draft": {"Date": "30/11/2026", "URL": "https://gesta.example/pubblicazioni/abc"},
	"plan_published": {"Reference": "Geo Barents", "Persons": int64(12), "Origin": "Ravenna", "Expected": "03/12/2026 08:00",
		"Province": "Ferrara", "Date": "02/12/2026", "Time": "18:00", "URL": "https://gesta.example/piani/p1"},
	"plan_reminder": {"Reference": "Geo Barents", "Persons": int64(12), "Date": "02/12/2026", "Time": "18:00",
		"URL": "https://gesta.example/piani/p1"},
	"plan_escalation": {"Province": "Ferrara", "Reference": "Geo Barents", "Persons": int64(12), "URL": "https://gesta.example/piani/p1"},
	"plan_amended":    {"Reference": "Geo Barents", "Total": int64(80), "URL": "https://gesta.example/piani/p1"},
	"plan_cancelled":  {"Reference": "Geo Barents", "URL": "https://gesta.example/piani/p1"},
	"reminder": {"Count": int64(2), "Facilities": []any{"BO-0001 Casa Uno", "BO-0002 Casa Due"}, "Date": "02/12/2026",
		"Time": "12:00", "URL": "https://gesta.example/disponibilita"},
	"report_immediate": {"URL": "https://gesta.example/segnalazioni"},
	"case_task_due":    {"URL": "https://gesta.example/casi/c1"},
}

func TestEveryKindRendersInBothLanguages(t *testing.T) {
	it, en := notify.Kinds("it"), notify.Kinds("en")
	slices.Sort(it)
	slices.Sort(en)
	if !slices.Equal(it, en) || len(it) != len(samples) {
		t.Fatalf("kinds: it %v, en %v, samples %d", it, en, len(samples))
	}
	for _, kind := range it {
		for _, lang := range notify.Languages {
			subject, body, err := notify.Render(lang, kind, samples[kind])
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, kind, err)
			}
			if !strings.HasPrefix(subject, "Gest.A: ") || strings.Contains(subject, "\n") || body == "" ||
				strings.Contains(body, "<no value>") || !strings.Contains(body, "https://gesta.example/") {
				t.Errorf("%s/%s: subject %q body %q", lang, kind, subject, body)
			}
		}
	}
}

func TestRender(t *testing.T) {
	subject, body, err := notify.Render("it", "reminder", samples["reminder"])
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Gest.A: 2 strutture da confermare" || !strings.Contains(body, "  - BO-0002 Casa Due\n") ||
		!strings.Contains(body, "entro la scadenza delle 12:00 del 02/12/2026") {
		t.Errorf("subject %q\n%s", subject, body)
	}
	if s, _, _ := notify.Render("en", "plan_cancelled", samples["plan_cancelled"]); s != "Gest.A: Distribution plan Geo Barents cancelled" {
		t.Errorf("en subject %q", s)
	}
	// A missing parameter fails rather than sending "<no value>"; an unknown kind fails.
	if _, _, err := notify.Render("it", "plan_cancelled", map[string]any{"Reference": "x"}); err == nil {
		t.Error("missing parameter rendered")
	}
	if _, _, err := notify.Render("it", "no_such_kind", nil); err == nil {
		t.Error("unknown kind rendered")
	}
}
