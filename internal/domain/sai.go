package domain

import (
	"context"
	"time"
)

// SAI project types, as the SAI network names them: ordinary places, places
// for people with mental distress or disability (DM-DS), and for
// unaccompanied minors (MSNA).
const (
	SAIOrdinari = "ordinari"
	SAIDMDS     = "dm-ds"
	SAIMSNA     = "msna"
)

// SAITypes lists the project types in display order.
var SAITypes = []string{SAIOrdinari, SAIDMDS, SAIMSNA}

// SAIProject is one SAI project of the metro area: its code, the comune
// holding it (ISTAT code), its type and its funded places. These are public
// facts of the SAI network (retesai.it), not data about people.
type SAIProject struct {
	Line   int    `json:"line,omitempty"` // the file's line, for errors
	Code   string `json:"codice_progetto"`
	Comune string `json:"codice_comune_titolare"`
	Type   string `json:"tipologia"`
	Places int    `json:"posti"`
}

// SAISummary is a SAI load's figures for the metro area: funded places by
// type, projects and comuni holding one, at the load's reference date.
type SAISummary struct {
	ReferenceDate string `json:"reference_date"`
	Ordinari      int    `json:"ordinari"`
	DMDS          int    `json:"dm_ds"`
	MSNA          int    `json:"msna"`
	Total         int    `json:"total"`
	Projects      int    `json:"projects"`
	Comuni        int    `json:"comuni"`
	// Demo marks figures the demo generated, not the SAI network's.
	Demo bool `json:"demo"`
}

// SummarizeSAI adds up a load's projects.
func SummarizeSAI(date string, ps []SAIProject, demo bool) SAISummary {
	s := SAISummary{ReferenceDate: date, Demo: demo, Projects: len(ps)}
	comuni := map[string]bool{}
	for _, p := range ps {
		switch p.Type {
		case SAIOrdinari:
			s.Ordinari += p.Places
		case SAIDMDS:
			s.DMDS += p.Places
		case SAIMSNA:
			s.MSNA += p.Places
		}
		s.Total += p.Places
		comuni[p.Comune] = true
	}
	s.Comuni = len(comuni)
	return s
}

// SAILoad is one load of SAI figures, with its own reference date.
type SAILoad struct {
	ID       string       `json:"id"`
	Summary  SAISummary   `json:"summary"`
	Projects []SAIProject `json:"projects,omitempty"`
	LoadedBy string       `json:"loaded_by"`
	LoadedAt time.Time    `json:"loaded_at"`
}

// SAIService keeps the SAI figures the coordinator loads. A publication made
// afterwards carries the latest load at or before its reference date: the
// public site reads SAI figures only from published publications (R0).
type SAIService interface {
	// Load stores a whole file's projects for referenceDate (YYYY-MM-DD, not
	// in the future), replacing an earlier load of the same date, with its
	// audit row, in one transaction: all rows or none. The projects must be
	// valid already (sheet.ParseSAI); an empty list, a duplicate code, an
	// unknown type or a comune outside the metro area is EINVALID.
	// PermPublish only (EFORBIDDEN).
	Load(ctx context.Context, referenceDate string, projects []SAIProject, demo bool) (SAILoad, error)
	// List returns the loads' summaries, newest reference date first.
	// PermPublish only.
	List(ctx context.Context) ([]SAISummary, error)
}
