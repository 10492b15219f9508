package domain

// The raw figures of a publication: the unprotected counts the store reads
// from the registry inside the draft's transaction. They go only to the
// disclosure control (internal/sdc.ProtectFigures), which designs the public
// tables and protects them, and to nothing else: the store decides no
// disclosure rule.

// PublicFacilityTypes are the facility types of the prefecture's reception
// system that the publications count (CAS, hubs, first reception, minors'
// first reception), in the order of the tipo_struttura categories. SAI
// projects are the comuni's and are published by the SAI network: their
// places are not counted.
var PublicFacilityTypes = []FacilityType{TypeCASCollettivo, TypeCASAppartamento, TypeHub, TypeCPA, TypeMSNAPrima}

// AgeBand is an age band of the open data: ages up to Max (the last band has
// no upper end, Max 0).
type AgeBand struct {
	Key string
	Max int
}

// PublicAgeBands are the age bands of presenze-profilo (R3), youngest first.
var PublicAgeBands = []AgeBand{{"0-17", 17}, {"18-24", 24}, {"25-34", 34}, {"35-44", 44}, {"45+", 0}}

// PublicHouseholds are the tipo_nucleo categories (the unit groups' codes).
var PublicHouseholds = []string{GroupMan, GroupWoman, GroupFamily, GroupMinor}

// RawFigures are the unprotected counts of one reference date.
type RawFigures struct {
	Date   string // YYYY-MM-DD
	Total  int    // people hosted in the metro area's reception facilities
	MSNA   int    // of whom in facilities for minors (TypeMSNAPrima)
	Comuni []RawComune
	// Profile counts the people of Total by dimension (ProfileDimensions)
	// and by the registry's value: an age band's key for eta, a household
	// type for tipo_nucleo; "" is an unknown value. Each dimension adds up
	// to Total.
	Profile map[string]map[string]int
	Months  []RawMonth // since the data begin, up to the reference date's month
	// Arrivals are the people who arrived with the distribution plans, by
	// month of the province's confirmation and by province of the region
	// (RegionCode, RegionName: the metro area's region).
	Arrivals               []RawArrivalMonth
	RegionCode, RegionName string
}

// RawComune is one comune of the metro area and the people in its
// facilities (those for minors aside: they are in RawFigures.MSNA).
type RawComune struct {
	Code, Name   string
	Residents    int
	Count        int     // people in the comune's facilities (those for minors aside)
	Facilities   int     // facilities with someone present
	LargestShare float64 // share of the comune's people in its largest facility
}

// RawMonth is one month of the series.
type RawMonth struct {
	Month                   string // YYYY-MM
	Present, Entries, Exits int
}

// RawArrivalMonth is one month of plan arrivals: every province of the
// region, in code order, with the people hosted on arrival.
type RawArrivalMonth struct {
	Month     string // YYYY-MM
	Provinces []RawProvinceCount
}

// RawProvinceCount is a province's count.
type RawProvinceCount struct {
	Code, Name string
	Count      int
}
