package domain

// Permission names an action on a kind of record. Roles grant permissions;
// scope (which records) is applied separately, in the queries.
type Permission string

const (
	PermOrgRead        Permission = "org:read"       // offices, gestori, services
	PermOrgWrite       Permission = "org:write"      // create and edit organisations
	PermUserManage     Permission = "user:manage"    // create, edit, disable users
	PermAuditRead      Permission = "audit:read"     // read the audit log
	PermFacilityRead   Permission = "facility:read"  // facilities and free places
	PermFacilityWrite  Permission = "facility:write" // create and edit facilities
	PermAvailability   Permission = "availability:write"
	PermHoldWrite      Permission = "hold:write"  // hold places
	PermGuestRead      Permission = "guest:read"  // personal data of guests
	PermGuestWrite     Permission = "guest:write" // entries, exits, presence lists
	PermVulnRead       Permission = "vulnerability:read"
	PermStatsRead      Permission = "stats:read"   // aggregated figures
	PermPlanRun        Permission = "plan:run"     // announce, split, publish plans
	PermPlanPlace      Permission = "plan:place"   // acknowledge and place a share
	PermReportWrite    Permission = "report:write" // report a situation (segnalazione)
	PermCaseRead       Permission = "case:read"
	PermCaseWrite      Permission = "case:write"
	PermReferralAnswer Permission = "referral:answer" // a service answers a referral
	PermPublish        Permission = "publish"         // make and publish the public site's publications
	PermGuestExport    Permission = "guest:export"    // a guest's subject-access export (GDPR art. 15)
	// PermCaseRestricted reads the content of restricted cases (trafficking,
	// torture or violence, minors): others see them as "riservato".
	PermCaseRestricted Permission = "case:restricted"
	// PermConsentOverride refers a case without the person's consent, stating
	// a reason; every use is flagged to the coordinators.
	PermConsentOverride Permission = "consent:override"
)

var grants = map[Role][]Permission{
	RoleAdmin: {PermOrgRead, PermOrgWrite, PermUserManage, PermAuditRead, PermStatsRead, PermPublish},
	RoleCoordinator: {PermOrgRead, PermOrgWrite, PermFacilityRead, PermFacilityWrite, PermAvailability,
		PermHoldWrite, PermGuestRead, PermGuestWrite, PermVulnRead, PermStatsRead, PermPlanRun, PermPlanPlace,
		PermCaseRead, PermCaseWrite, PermPublish, PermCaseRestricted, PermConsentOverride, PermGuestExport},
	RolePrefecture: {PermOrgRead, PermOrgWrite, PermFacilityRead, PermFacilityWrite, PermAvailability,
		PermHoldWrite, PermGuestRead, PermGuestWrite, PermVulnRead, PermStatsRead, PermPlanPlace,
		PermCaseRead, PermCaseWrite},
	RoleOperator: {PermOrgRead, PermFacilityRead, PermAvailability, PermGuestRead, PermGuestWrite,
		PermReportWrite},
	RoleService: {PermOrgRead, PermReferralAnswer},
	RoleViewer:  {PermStatsRead},
}

// Can reports whether the actor's role grants the permission. It says nothing
// of which records: the store filters those by the actor's scope.
func Can(a Actor, p Permission) bool {
	for _, g := range grants[a.Role] {
		if g == p {
			return true
		}
	}
	return false
}

// Permissions lists the permissions a role grants.
func Permissions(r Role) []Permission { return append([]Permission(nil), grants[r]...) }
