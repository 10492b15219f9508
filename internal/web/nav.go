package web

import (
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// NavItem is one link of the main navigation.
type NavItem struct {
	Label  string // message id
	Href   string
	TestID string
	Badge  int // unread notifications, on the inbox
}

// NavGroup is one entry of the navigation bar: a link when it holds one item,
// a Bootstrap Italia dropdown when it holds more. Grouping keeps the bar on
// one line at 1280 px for every role.
type NavGroup struct {
	ID     string // the dropdown's element id
	Label  string // message id of the dropdown's button
	Items  []NavItem
	Active bool // the current page is one of its items
}

// Single reports whether the group is shown as a plain link.
func (g NavGroup) Single() bool { return len(g.Items) == 1 }

// navEntry is an item of the table below with the permissions that show it
// (any of them; none: every signed-in user).
type navEntry struct {
	item  NavItem
	perms []domain.Permission
}

var navTable = []struct {
	id, label string
	entries   []navEntry
}{
	{"nav-g-home", "nav.home", []navEntry{{NavItem{Label: "nav.home", Href: "/home"}, nil}}},
	{"nav-g-reception", "nav.group.reception", []navEntry{
		{NavItem{Label: "nav.board", Href: "/bollettino"}, []domain.Permission{domain.PermFacilityRead, domain.PermStatsRead}},
		{NavItem{Label: "nav.facilities", Href: "/strutture"}, []domain.Permission{domain.PermFacilityRead}},
		{NavItem{Label: "nav.availability", Href: "/disponibilita"}, []domain.Permission{domain.PermAvailability}},
		{NavItem{Label: "nav.reconciliation", Href: "/strutture/riconciliazione"}, []domain.Permission{domain.PermFacilityWrite}},
	}},
	{"nav-g-people", "nav.group.people", []navEntry{
		{NavItem{Label: "nav.guests", Href: "/ospiti"}, []domain.Permission{domain.PermGuestWrite}},
		{NavItem{Label: "nav.presence", Href: "/ospiti/elenco"}, []domain.Permission{domain.PermGuestWrite}},
		{NavItem{Label: "nav.reports", Href: "/segnalazioni"}, []domain.Permission{domain.PermReportWrite, domain.PermCaseWrite}},
		{NavItem{Label: "nav.cases", Href: "/casi"}, []domain.Permission{domain.PermCaseRead}},
		{NavItem{Label: "nav.case_dashboard", Href: "/casi/cruscotto"}, []domain.Permission{domain.PermCaseRead}},
		{NavItem{Label: "nav.tables", Href: "/tavoli"}, []domain.Permission{domain.PermCaseRead}},
		{NavItem{Label: "nav.services", Href: "/servizi"}, []domain.Permission{domain.PermReferralAnswer}},
	}},
	{"nav-g-plans", "nav.group.plans", []navEntry{
		{NavItem{Label: "nav.plans", Href: "/piani"}, []domain.Permission{domain.PermPlanPlace}},
		{NavItem{Label: "nav.balances", Href: "/saldo"}, []domain.Permission{domain.PermPlanPlace}},
	}},
	{"nav-g-monitoring", "nav.group.monitoring", []navEntry{
		{NavItem{Label: "nav.dashboard", Href: "/cruscotto"}, []domain.Permission{domain.PermStatsRead}},
		{NavItem{Label: "nav.publications", Href: "/pubblicazioni"}, []domain.Permission{domain.PermPublish}},
		{NavItem{Label: "nav.data", Href: "/dati"}, nil},
		{NavItem{Label: "nav.territory", Href: "/territorio"}, nil},
	}},
	{"nav-g-admin", "nav.group.admin", []navEntry{
		{NavItem{Label: "nav.orgs", Href: "/organizzazioni"}, []domain.Permission{domain.PermOrgRead}},
		{NavItem{Label: "nav.users", Href: "/admin/utenti"}, []domain.Permission{domain.PermUserManage}},
		{NavItem{Label: "nav.audit", Href: "/admin/registro"}, []domain.Permission{domain.PermAuditRead}},
	}},
}

// publicNav is the bar of a visitor who is not signed in.
var publicNav = []NavItem{
	{Label: "nav.public", Href: "/"},
	{Label: "nav.data", Href: "/dati"},
	{Label: "nav.territory", Href: "/territorio"},
}

// Nav is the navigation the page's user sees: grouped by area, each item
// only where the user's permissions reach.
func (v *View) Nav() []NavGroup {
	if v.Actor == nil {
		out := make([]NavGroup, 0, len(publicNav))
		for _, it := range publicNav {
			out = append(out, NavGroup{ID: "nav-" + strings.Trim(strings.ReplaceAll(it.Href, "/", "-"), "-"), Label: it.Label,
				Items: []NavItem{it}, Active: v.current(it.Href)})
		}
		return out
	}
	var out []NavGroup
	for _, g := range navTable {
		grp := NavGroup{ID: g.id, Label: g.label}
		for _, e := range g.entries {
			if !v.anyPerm(e.perms) {
				continue
			}
			grp.Items = append(grp.Items, e.item)
			grp.Active = grp.Active || v.current(e.item.Href)
		}
		if len(grp.Items) > 0 {
			out = append(out, grp)
		}
		if g.id == "nav-g-home" && (v.Can(string(domain.PermPlanPlace)) || v.Unread > 0) {
			// The inbox sits beside the home: its badge must be seen without opening a menu.
			it := NavItem{Label: "nav.inbox", Href: "/avvisi", TestID: "nav-inbox", Badge: v.Unread}
			out = append(out, NavGroup{ID: "nav-g-inbox", Label: it.Label, Items: []NavItem{it}, Active: v.current(it.Href)})
		}
	}
	prof := NavItem{Label: "nav.profile", Href: "/profilo"}
	return append(out, NavGroup{ID: "nav-g-profile", Label: prof.Label, Items: []NavItem{prof}, Active: v.current(prof.Href)})
}

// current reports whether href is the page being shown, or its parent
// section (a facility's page lights "Strutture").
func (v *View) current(href string) bool {
	if href == "/" {
		return v.Path == "/"
	}
	if v.Path == href {
		return true
	}
	// /ospiti/elenco and /casi/cruscotto have their own items: they do not
	// light /ospiti and /casi.
	if href == "/ospiti" && strings.HasPrefix(v.Path, "/ospiti/elenco") ||
		href == "/casi" && strings.HasPrefix(v.Path, "/casi/cruscotto") {
		return false
	}
	return strings.HasPrefix(v.Path, href+"/")
}

func (v *View) anyPerm(perms []domain.Permission) bool {
	if len(perms) == 0 {
		return true
	}
	for _, p := range perms {
		if v.Can(string(p)) {
			return true
		}
	}
	return false
}

// IsCurrent is current for the templates.
func (v *View) IsCurrent(href string) bool { return v.current(href) }

// IsPage reports whether href is exactly the page shown (aria-current="page").
func (v *View) IsPage(href string) bool { return v.Path == href }
