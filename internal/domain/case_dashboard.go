package domain

import "context"

// CaseDashboard is the prefecture's view of its complex cases: counts only,
// no person and no content. Restricted cases count under RestrictedKey for
// readers without PermCaseRestricted, so that the category of a restricted
// case is not learnt from the counts.
type CaseDashboard struct {
	Open       int            `json:"open"`
	ByCategory map[string]int `json:"by_category"`
	ByUrgency  map[string]int `json:"by_urgency"`
	ByStatus   map[string]int `json:"by_status"`
	// ByAge counts open cases by days since opening: AgeBuckets' labels.
	ByAge map[string]int `json:"by_age"`
	// Tasks and art. 23 deadlines of open cases: overdue now, due within a week.
	TasksOverdue, TasksDueSoon         int
	DeadlinesOverdue, DeadlinesDueSoon int
	Referrals                          []ServiceReferrals `json:"referrals"`
	// The network tables' follow-ups not done, and those past due.
	FollowUpsOpen, FollowUpsOverdue int
}

// RestrictedKey is the category under which restricted cases are counted
// for readers who may not see their category.
const RestrictedKey = "riservato"

// AgeBuckets are the age classes of open cases, in days: [0,7), [7,30),
// [30,90), 90 and over.
var AgeBuckets = []string{"0-6", "7-29", "30-89", "90+"}

// AgeBucket returns the class of a case opened days ago.
func AgeBucket(days int) string {
	switch {
	case days < 7:
		return AgeBuckets[0]
	case days < 30:
		return AgeBuckets[1]
	case days < 90:
		return AgeBuckets[2]
	}
	return AgeBuckets[3]
}

// ServiceReferrals sums a service's referrals from the caller's cases.
type ServiceReferrals struct {
	ServiceID string `json:"service_id"`
	Name      string `json:"name"`
	Sent      int    `json:"sent"`
	Accepted  int    `json:"accepted"`
	Declined  int    `json:"declined"`
	// AcceptanceRate is Accepted / (Accepted + Declined), 0 when none answered.
	AcceptanceRate float64 `json:"acceptance_rate"`
	// DaysToTakeIn is the mean of the days from referral to taking in charge,
	// over the referrals with a date (TakenIn of them).
	DaysToTakeIn float64 `json:"days_to_take_in"`
	TakenIn      int     `json:"taken_in"`
}

// CaseDashboards computes the dashboard in the caller's scope (PermCaseRead).
type CaseDashboards interface {
	// CaseDashboard counts the open cases, deadlines, referrals and
	// follow-ups in the caller's scope (PermCaseRead, else EFORBIDDEN); it
	// reads no case, so it writes no access row.
	CaseDashboard(ctx context.Context) (CaseDashboard, error)
}
