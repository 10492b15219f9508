package web

// RoleName is a role's name in the reader's language; a role without one
// (the system's own actors) is shown as stored.
func (v *View) RoleName(role string) string {
	id := "role." + role
	if s := v.loc.T(id); s != id {
		return s
	}
	return role
}
