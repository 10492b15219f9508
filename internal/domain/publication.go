package domain

import (
	"context"
	"time"
)

// PublicationStatus is where a publication of the public site is in its life.
type PublicationStatus string

const (
	PubDraft      PublicationStatus = "draft"      // made and protected, seen only by the coordinator
	PubPublished  PublicationStatus = "published"  // public: the current version of its reference date
	PubSuperseded PublicationStatus = "superseded" // public, replaced by a newer version (a correction)
)

// MetroProvince is the territory of the public site: the Metropolitan City of
// Bologna (ISTAT 037, 55 comuni).
const MetroProvince = "037"

// Cell statuses, as in the open data's `stato` column.
const (
	CellPublished  = "pubblicato"
	CellSuppressed = "soppresso"
)

// Dataset identifiers: a contract with harvesters and re-users.
const (
	DatasetComuni  = "presenze-comuni"
	DatasetProfilo = "presenze-profilo"
	DatasetMensili = "presenze-mensili"
	// DatasetContesto is the Ministry's regional series (already public),
	// served up to each publication's reference date.
	DatasetContesto = "contesto-regionale"
	// DatasetCASSAI puts CAS presences beside SAI places, each at its date.
	DatasetCASSAI = "cas-sai"
	// DatasetArrivi is the people arrived with the distribution plans, by
	// month and province of the region.
	DatasetArrivi = "arrivi-piani"
)

// PublicDatasets lists the datasets the public site serves, in display order.
var PublicDatasets = []string{DatasetComuni, DatasetProfilo, DatasetMensili, DatasetArrivi, DatasetCASSAI, DatasetContesto}

// ProfileDimensions are the dimensions of presenze-profilo, in display order.
var ProfileDimensions = []string{"sesso", "eta", "nazionalita", "tipo_nucleo", "tipo_struttura", "fase_procedura"}

// PubFigure is one protected count. Value is nil when the count is
// suppressed. Raw and Rules are filled only in a preview for a caller with
// PermPublish: they never reach a public page or file.
type PubFigure struct {
	Value  *int     `json:"value"`
	Status string   `json:"status"` // CellPublished or CellSuppressed
	Raw    *int     `json:"raw,omitempty"`
	Rules  []string `json:"rules,omitempty"` // codes of the rules that changed it (R4, R5, R6…)
}

// Published returns the public value and whether there is one.
func (f PubFigure) Published() (int, bool) {
	if f.Value == nil || f.Status != CellPublished {
		return 0, false
	}
	return *f.Value, true
}

// Changed reports whether protection changed the figure (suppressed or rounded).
func (f PubFigure) Changed() bool {
	if f.Status != CellPublished {
		return true
	}
	return f.Raw != nil && f.Value != nil && *f.Raw != *f.Value
}

// PubComune is a row of presenze-comuni (also the metropolitan total, code 037).
type PubComune struct {
	Code      string    `json:"codice_comune"`
	Name      string    `json:"comune"`
	Residents int       `json:"residenti"`
	Presenze  PubFigure `json:"presenze"`
	// PerMille is per 1,000 residents from the protected count, one decimal;
	// nil when the count is suppressed.
	PerMille *float64 `json:"per_mille"`
}

// PubCategory is a row of presenze-profilo.
type PubCategory struct {
	Dimension string    `json:"dimensione"`
	Category  string    `json:"categoria"`
	Presenze  PubFigure `json:"presenze"`
}

// PubMonth is a row of presenze-mensili.
type PubMonth struct {
	Month    string    `json:"mese"` // YYYY-MM
	Presenze PubFigure `json:"presenze"`
	Ingressi PubFigure `json:"ingressi"`
	Uscite   PubFigure `json:"uscite"`
}

// PubProvince is a province's (or the region's) figure in arrivi-piani.
type PubProvince struct {
	Code   string    `json:"codice"`
	Name   string    `json:"nome"`
	Arrivi PubFigure `json:"arrivi"`
}

// PubArrivalMonth is one month of arrivi-piani: the region's total and every
// province of the region, each protected.
type PubArrivalMonth struct {
	Month     string        `json:"mese"` // YYYY-MM
	Region    PubProvince   `json:"regione"`
	Provinces []PubProvince `json:"province"`
}

// PublicTables are the tables of a publication, already protected.
type PublicTables struct {
	ReferenceDate string        `json:"reference_date"`
	Total         PubComune     `json:"total"` // the metropolitan row, code 037
	Comuni        []PubComune   `json:"comuni"`
	Profile       []PubCategory `json:"profile"`
	Months        []PubMonth    `json:"months"`
	// Arrivals are the plan arrivals by month and province of the region
	// (none in publications made before they were published).
	Arrivals []PubArrivalMonth `json:"arrivals,omitempty"`
	// SAI is the latest SAI load at or before the reference date (funded
	// places, public facts of the SAI network); nil when none was loaded.
	SAI *SAISummary `json:"sai,omitempty"`
}

// Public returns a copy without the preview's raw values and rule codes.
func (t PublicTables) Public() PublicTables {
	strip := func(f PubFigure) PubFigure { return PubFigure{Value: f.Value, Status: f.Status} }
	out := t
	out.Total.Presenze = strip(t.Total.Presenze)
	out.Comuni = make([]PubComune, len(t.Comuni))
	for i, c := range t.Comuni {
		c.Presenze = strip(c.Presenze)
		out.Comuni[i] = c
	}
	out.Profile = make([]PubCategory, len(t.Profile))
	for i, c := range t.Profile {
		c.Presenze = strip(c.Presenze)
		out.Profile[i] = c
	}
	out.Months = make([]PubMonth, len(t.Months))
	for i, m := range t.Months {
		m.Presenze, m.Ingressi, m.Uscite = strip(m.Presenze), strip(m.Ingressi), strip(m.Uscite)
		out.Months[i] = m
	}
	if t.Arrivals != nil {
		out.Arrivals = make([]PubArrivalMonth, len(t.Arrivals))
	}
	for i, m := range t.Arrivals {
		m.Region.Arrivi = strip(m.Region.Arrivi)
		ps := make([]PubProvince, len(m.Provinces))
		for j, p := range m.Provinces {
			p.Arrivi = strip(p.Arrivi)
			ps[j] = p
		}
		m.Provinces = ps
		out.Arrivals[i] = m
	}
	return out
}

// Publication is the open data of one reference date, in one version.
type Publication struct {
	ID            string            `json:"id"`
	ReferenceDate string            `json:"reference_date"` // YYYY-MM-DD
	Version       int               `json:"version"`
	Status        PublicationStatus `json:"status"`
	Note          string            `json:"note"`
	CreatedBy     string            `json:"created_by"`
	CreatedAt     time.Time         `json:"created_at"`
	PublishedBy   string            `json:"published_by,omitempty"`
	PublishedAt   *time.Time        `json:"published_at,omitempty"`
	SupersededBy  string            `json:"superseded_by,omitempty"`
	// Tables are the protected tables: with raw values and rule codes in a
	// preview (PermPublish), without them anywhere else.
	Tables *PublicTables `json:"tables,omitempty"`
}

var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return l
}()

// DefaultReferenceDate is the last day of the month before now's (Italian
// time), as YYYY-MM-DD: the date a monthly publication is made for.
func DefaultReferenceDate(now time.Time) string {
	l := now.In(rome)
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, rome).AddDate(0, 0, -1).Format("2006-01-02")
}

// PublicationService makes and publishes the public site's publications.
type PublicationService interface {
	// CreateDraft computes the figures of the Metropolitan City of Bologna at
	// the end of referenceDate (YYYY-MM-DD; "" is the last day of the
	// previous month), protects them by disclosure control and stores them
	// as a draft, with its audit row, in one transaction. The draft is the
	// next version of its date; note explains a correction. PermPublish only
	// (EFORBIDDEN). A malformed or future date is EINVALID; a draft already
	// waiting for that date is ECONFLICT. The draft comes back as a preview.
	CreateDraft(ctx context.Context, referenceDate, note string) (Publication, error)
	// Preview returns a publication with its tables: for PermPublish the raw
	// value and rule codes of each cell; anyone else gets ENOTFOUND.
	Preview(ctx context.Context, id string) (Publication, error)
	// Publish makes a draft public, with its audit row, in one transaction;
	// a published version of the same date becomes superseded (it stays
	// downloadable). A correction (a published version exists) needs a note:
	// note, when not empty, replaces the draft's (EINVALID without one).
	// PermPublish only; a missing id is ENOTFOUND; a publication that is not
	// a draft is ECONFLICT.
	Publish(ctx context.Context, id, note string) (Publication, error)
	// List returns every publication, newest reference date and version
	// first, without tables. PermPublish only.
	List(ctx context.Context) ([]Publication, error)
	// FindPublished returns a public publication with its protected tables
	// (no raw value, no rule code): the current version of referenceDate,
	// or of the latest date when referenceDate is "". Anyone may call it:
	// drafts are never returned (ENOTFOUND). The public site reads only this.
	FindPublished(ctx context.Context, referenceDate string) (Publication, error)
	// FindPublishedVersion returns one public version by id (superseded ones
	// included), protected tables only; ENOTFOUND for a draft or a missing id.
	FindPublishedVersion(ctx context.Context, id string) (Publication, error)
	// ListPublished returns the public publications (published and
	// superseded), newest first, without tables. Anyone may call it.
	ListPublished(ctx context.Context) ([]Publication, error)
}
