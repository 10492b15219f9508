package web

import "time"

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
