package domain_test

import (
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

func TestCheckTransition(t *testing.T) {
	tests := []struct {
		from, to domain.CaseStatus
		code     string // "" when allowed
		message  string
	}{
		{domain.CaseOpen, domain.CaseAssessment, "", ""},
		{domain.CaseAssessment, domain.CaseTakenIn, "", ""},
		{domain.CaseTakenIn, domain.CaseMonitoring, "", ""},
		{domain.CaseMonitoring, domain.CaseClosed, "", ""},
		{domain.CaseMonitoring, domain.CaseTakenIn, "", ""}, // a relapse
		{domain.CaseOpen, domain.CaseClosed, "", ""},
		{domain.CaseOpen, domain.CaseTakenIn, domain.ECONFLICT, "err.case.transition_order"},
		{domain.CaseOpen, domain.CaseMonitoring, domain.ECONFLICT, "err.case.transition_order"},
		{domain.CaseTakenIn, domain.CaseAssessment, domain.ECONFLICT, "err.case.transition_order"},
		{domain.CaseAssessment, domain.CaseAssessment, domain.ECONFLICT, "err.case.transition_same"},
		{domain.CaseClosed, domain.CaseOpen, domain.ECONFLICT, "err.case.transition_closed"},
		{domain.CaseOpen, "riaperto", domain.EINVALID, "err.case.status_unknown"},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"->"+string(tt.to), func(t *testing.T) {
			err := domain.CheckTransition(tt.from, tt.to)
			if got := domain.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if tt.code != "" && domain.SafeError(err).MsgID != tt.message {
				t.Fatalf("message = %q, want %q", domain.SafeError(err).MsgID, tt.message)
			}
		})
	}
}

func TestMeasureDeadline(t *testing.T) {
	decided := time.Date(2026, 11, 30, 15, 4, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name, kind, ground string
		days               int
		want               time.Time
		code               string
	}{
		{"RevocationAppealTerm", domain.MeasureRevocation, "a", 0, day(2027, 1, 29), ""},
		{"RevocationNeedsGround", domain.MeasureRevocation, "", 0, time.Time{}, domain.EINVALID},
		{"RevocationRepealedGroundE", domain.MeasureRevocation, "e", 0, time.Time{}, domain.EINVALID},
		{"RevocationNoDuration", domain.MeasureRevocation, "b", 30, time.Time{}, domain.EINVALID},
		{"SuspensionEnds", domain.MeasureSuspension, "", 30, day(2026, 12, 30), ""},
		{"SuspensionSixMonths", domain.MeasureSuspension, "", 183, day(2027, 6, 1), ""},
		{"SuspensionTooShort", domain.MeasureSuspension, "", 29, time.Time{}, domain.EINVALID},
		{"SuspensionTooLong", domain.MeasureSuspension, "", 184, time.Time{}, domain.EINVALID},
		{"ExclusionNeedsDuration", domain.MeasureExclusion, "", 0, time.Time{}, domain.EINVALID},
		{"ExclusionTenDays", domain.MeasureServices, "", 10, day(2026, 12, 10), ""},
		{"GroundOnlyForRevocation", domain.MeasureExclusion, "a", 10, time.Time{}, domain.EINVALID},
		{"CommissionTerm", domain.MeasureCommission, "", 0, day(2026, 12, 7), ""},
		{"SAIRequest", domain.MeasureSAIDMDS, "", 0, day(2026, 12, 7), ""},
		{"TransferNoDeadline", domain.MeasureTransfer, "", 0, time.Time{}, ""},
		{"UnknownKind", "espulsione", "", 0, time.Time{}, domain.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.MeasureDeadline(tt.kind, tt.ground, decided, tt.days)
			if code := domain.ErrorCode(err); code != tt.code {
				t.Fatalf("code = %q, want %q (%v)", code, tt.code, err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("deadline = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := domain.MeasureDeadline(domain.MeasureTransfer, "", time.Time{}, 0); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("no decision date: %v", err)
	}
}

func TestCheckReferralConsent(t *testing.T) {
	given := &domain.Consent{Given: true, Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), RecordedBy: "operatrice legale",
		Purpose: "presa in carico CSM", Sections: []string{domain.SectionIdentity, domain.SectionReports}}
	refused := &domain.Consent{Given: false, Date: given.Date, RecordedBy: "x", Purpose: "y"}
	incomplete := &domain.Consent{Given: true, Sections: []string{domain.SectionIdentity}}
	tooMuch := &domain.Consent{Given: true, Date: given.Date, RecordedBy: "x", Purpose: "y", Sections: []string{domain.SectionMeasures}}
	tests := []struct {
		name        string
		c           *domain.Consent
		override    string
		canOverride bool
		overridden  bool
		code        string
	}{
		{"Given", given, "", false, false, ""},
		{"None", nil, "", false, false, domain.EINVALID},
		{"Refused", refused, "", true, false, domain.EINVALID},
		{"Incomplete", incomplete, "", false, false, domain.EINVALID},
		{"SectionNotReferable", tooMuch, "", false, false, domain.EINVALID},
		{"OverrideWithoutPermission", nil, "rischio imminente", false, false, domain.EFORBIDDEN},
		{"OverrideRefusedConsent", refused, "rischio imminente", true, true, ""},
		{"Override", nil, "rischio imminente", true, true, ""},
		{"PermissionWithoutReason", nil, "", true, false, domain.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.CheckReferralConsent(tt.c, tt.override, tt.canOverride)
			if code := domain.ErrorCode(err); code != tt.code || got != tt.overridden {
				t.Fatalf("= %v, %v; want %v, %q", got, err, tt.overridden, tt.code)
			}
		})
	}
}

func TestRestrictedAndReportValidate(t *testing.T) {
	for _, tt := range []struct {
		category string
		msna     bool
		want     bool
	}{{"tratta", false, true}, {"tortura_violenza", false, true}, {"minore_in_struttura_adulti", false, true},
		{"salute", true, true}, {"salute", false, false}, {"conflitto", false, false}} {
		if got := domain.Restricted(tt.category, tt.msna); got != tt.want {
			t.Errorf("Restricted(%s, %v) = %v", tt.category, tt.msna, got)
		}
	}
	r := domain.Report{GuestID: "g", Category: "disagio_psichico", Urgency: "immediata", Description: "x"}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := domain.Report{Category: "psichiatria", Urgency: "alta"}
	var e *domain.Error
	if err := bad.Validate(); err == nil {
		t.Fatal("bad report accepted")
	} else if e = err.(*domain.Error); e.Fields["category"].MsgID == "" || e.Fields["urgency"].MsgID == "" ||
		e.Fields["guest_id"].MsgID == "" || e.Fields["description"].MsgID == "" {
		t.Fatalf("fields = %v", e.Fields)
	}
}
