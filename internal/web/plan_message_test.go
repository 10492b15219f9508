package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
	"github.com/gesta-er/gesta/internal/web"
)

// laterPlans is a plan service set after the server is built.
type laterPlans struct{ domain.PlanService }

// A plan's messages name their authors and offices, never their ids (the
// demo's published plan carries a conversation).
func TestPlanMessagesByName(t *testing.T) {
	later := &laterPlans{} // the store is made inside the helper: filled in below
	srv, db := newServerConf(t, "sqlite", demo.Options{Population: true}, func(s *web.Server) { s.Plans = later })
	later.PlanService = db.Plans
	plans, err := db.Plans.ListPlans(storetest.Ctx(), domain.PlanFilter{Status: domain.PlanPublished})
	if err != nil || len(plans) != 1 {
		t.Fatalf("published demo plans: %d, %v", len(plans), err)
	}
	resp, body := get(t, signIn(t, srv.URL, "coordinamento@gesta.example"), srv.URL+"/piani/"+plans[0].ID)
	if resp.StatusCode != 200 {
		t.Fatalf("plan page: %d %.500s", resp.StatusCode, body)
	}
	msgs := regexp.MustCompile(`(?s)<li class="mb-2" data-testid="plan-message">(.*?)</li>`).FindAllStringSubmatch(body, -1)
	if len(msgs) != 2 {
		t.Fatalf("%d messages shown", len(msgs))
	}
	uuid := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-`)
	for i, want := range []string{"<strong>Coordinamento regionale (Prefettura di Bologna)</strong> (Prefettura",
		"<strong>Area IV – Prefettura di Bologna</strong> (Prefettura"} {
		if !strings.Contains(msgs[i][1], want) || uuid.MatchString(msgs[i][1]) {
			t.Errorf("message %d: %q, want %q and no id", i, msgs[i][1], want)
		}
	}
}
