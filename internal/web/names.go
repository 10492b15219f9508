package web

import (
	"strconv"
	"time"
)

// RoleName is a role's name in the reader's language; a role without one
// (the system's own actors) is shown as stored.
func (v *View) RoleName(role string) string {
	id := "role." + role
	if s := v.loc.T(id); s != id {
		return s
	}
	return role
}

// Day writes an ISO date ("2026-12-02") the Italian way ("02/12/2026"); any
// other text is returned as it is.
func (v *View) Day(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return t.Format("02/01/2006")
}

// Transport names a plan's means of transport (stored as "bus", "aereo", "nave").
func (v *View) Transport(code string) string {
	if id, ok := transportIDs[code]; ok {
		return v.T(id)
	}
	return code
}

var transportIDs = map[string]string{"bus": "transport.bus", "aereo": "transport.plane", "nave": "transport.ship"}

// Month names a "2026-01" month in full ("gennaio 2026"); MonthShort for an
// axis ("gen 26"). Other text is returned as it is.
func (v *View) Month(ym string) string {
	t, err := time.Parse("2006-01", ym)
	if err != nil {
		return ym
	}
	return v.T("month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}

// MonthShort is Month abbreviated for a chart's axis.
func (v *View) MonthShort(ym string) string {
	t, err := time.Parse("2006-01", ym)
	if err != nil {
		return ym
	}
	name := []rune(v.T("month." + strconv.Itoa(int(t.Month()))))
	return string(name[:min(3, len(name))]) + " " + t.Format("06")
}
