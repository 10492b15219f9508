package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// Plans and notifications are read a page at a time in the query: the
// pages, newest first, make the whole list, each plan with its shares.
func TestPlanAndInboxPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 8, 7, 1, 30, 0, 0, time.UTC)
		as := planFixture(t, db, &now)
		coord := as("coordinamento")
		for i := range 5 {
			now = now.Add(time.Minute)
			p := &domain.Plan{Reference: fmt.Sprintf("prot. %d", i), Origin: "Ravenna", Transport: "bus",
				ExpectedAt: now.Add(8 * time.Hour), WindowHours: 4, AckHours: 2}
			var units []domain.PlanUnit
			for u := range 18 {
				units = append(units, domain.PlanUnit{ID: fmt.Sprintf("u%d", u), Size: 1, Group: domain.GroupMan})
			}
			if err := db.Plans.CreatePlan(coord, p, units, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Plans.ProposeSplit(coord, p.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Plans.PublishPlan(coord, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		all, err := db.Plans.ListPlans(coord, domain.PlanFilter{})
		if err != nil || len(all) != 5 {
			t.Fatalf("plans: %d, %v", len(all), err)
		}
		var got []string
		for off := 0; off < 6; off += 2 {
			page, err := db.Plans.ListPlans(coord, domain.PlanFilter{Limit: 2, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				if len(p.Provinces) == 0 {
					t.Errorf("%s without its shares", p.Reference)
				}
				got = append(got, p.Reference)
			}
		}
		if fmt.Sprint(got) != "[prot. 4 prot. 3 prot. 2 prot. 1 prot. 0]" {
			t.Fatalf("pages: %v", got)
		}
		bo := as("prefettura.bo")
		inbox, err := db.Plans.Inbox(bo, 100)
		if err != nil || len(inbox) < 5 {
			t.Fatalf("inbox: %d, %v", len(inbox), err)
		}
		second, err := db.Plans.InboxPage(bo, 2, 2)
		if err != nil || len(second) != 2 || second[0].ID != inbox[2].ID || second[1].ID != inbox[3].ID {
			t.Fatalf("inbox page 2: %+v, %v", second, err)
		}
	})
}

// Users read a page at a time, by name then id: the pages make the list.
func TestUserPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 8, 7, 1, 30, 0, 0, time.UTC)
		planFixture(t, db, &now)
		ctx := storetest.Ctx()
		all, err := db.Users.ListUsers(ctx, domain.UserFilter{Role: domain.RolePrefecture})
		if err != nil || len(all) != 9 {
			t.Fatalf("prefectures' users: %d, %v", len(all), err)
		}
		seen := map[string]bool{}
		prev := ""
		for off := 0; off < 12; off += 4 {
			page, err := db.Users.ListUsers(ctx, domain.UserFilter{Role: domain.RolePrefecture, Limit: 4, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page {
				if seen[u.ID] || strings.ToLower(u.Name) < prev {
					t.Fatalf("page from %d: %s out of order or twice", off, u.Name)
				}
				seen[u.ID], prev = true, strings.ToLower(u.Name)
			}
		}
		if len(seen) != len(all) {
			t.Fatalf("pages hold %d of %d users", len(seen), len(all))
		}
	})
}
