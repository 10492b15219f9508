package domain

// Occupancy modes. A facility's occupied places either derive from its open
// stays in the registry (every entry and exit recounts them) or are declared
// by its operator every day. Where they are declared, the registry may say
// otherwise: the reconciliation lists the facilities where the two differ.

// ReconciliationRow is one facility whose occupied places, as counted on the
// board, differ from the people the registry has present in it.
type ReconciliationRow struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	ProvinceCode string `json:"province"`
	GestoreName  string `json:"gestore_name"`
	// Registry: occupancy derives from the open stays (a difference then
	// means the recount has not run since a change).
	Registry   bool `json:"uses_registry"`
	Occupied   int  `json:"occupied"`   // on the board
	Registered int  `json:"registered"` // open stays in the registry
	Difference int  `json:"difference"` // Occupied − Registered
}

// Reconciliation is the comparison of the board's occupied places with the
// registry's present people, for the caller's province or the region.
type Reconciliation struct {
	// Totals over every facility in scope.
	Occupied, Registered int
	// Facilities by mode, in scope.
	FromRegistry, Declared int
	// Rows are the facilities that differ, largest difference first: one page.
	Rows  []ReconciliationRow
	Total int // facilities that differ, over all pages
}
