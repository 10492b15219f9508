package domain

import "time"

// Dashboard is the hosted population of a territory at a reference date,
// every breakdown summing to Total, with entries and exits per month.
type Dashboard struct {
	Province string    `json:"province"` // ISTAT code; "" for the region
	Day      time.Time `json:"date"`
	Total    int       `json:"total"`
	// Breakdowns by dimension: sex, age, nationality (top 10 + others),
	// household, stage, length, comune, facility_type.
	By map[string][]StatItem `json:"by"`
	// AfterDecision counts people still hosted more than AfterDays after a
	// final decision on their application.
	AfterDecision int `json:"after_decision"`
	AfterDays     int `json:"after_days"`
	// Vulnerabilities counts people present per art. 17 code; nil unless the
	// caller may read vulnerabilities.
	Vulnerabilities []StatItem  `json:"vulnerabilities,omitempty"`
	Months          []MonthFlow `json:"months"`
}

// MonthFlow is the entries and exits of a calendar month.
type MonthFlow struct {
	Month   string `json:"month"` // YYYY-MM
	Entries int    `json:"entries"`
	Exits   int    `json:"exits"`
}
