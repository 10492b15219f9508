package domain

import "context"

// Region is an Italian region; gesta serves Emilia-Romagna.
type Region struct {
	Code string `json:"code"` // ISTAT 2-digit code, "08"
	Name string `json:"name"`
}

// Province is the territory of one prefecture. The province of Bologna is the
// Città metropolitana (UTS code 237).
type Province struct {
	Code       string `json:"code"`     // ISTAT 3-digit code, "037"
	UTSCode    string `json:"uts_code"` // territorial unit code, "237" for Bologna
	Sigla      string `json:"sigla"`    // "BO"
	Name       string `json:"name"`
	NUTS3      string `json:"nuts3"`
	RegionCode string `json:"region_code"`
	Residents  int    `json:"residents"`
	Comuni     int    `json:"comuni"`
}

// Metropolitan reports whether the province is a Città metropolitana.
func (p Province) Metropolitan() bool { return p.UTSCode != "" && p.UTSCode != p.Code }

// Comune is a municipality. Its ISTAT code is text: leading zeros matter.
type Comune struct {
	Code          string `json:"code"` // ISTAT 6-digit code, "037006"
	Name          string `json:"name"`
	CadastralCode string `json:"cadastral_code"`
	ProvinceCode  string `json:"province_code"`
	Residents     int    `json:"residents"`
	Capital       bool   `json:"capital"` // capoluogo di provincia
}

// ComuneFilter narrows a list of comuni.
type ComuneFilter struct {
	ProvinceCode string // empty: all
}

// TerritoryService reads the territorial reference data. Anyone may call it,
// signed in or not: the data is public.
type TerritoryService interface {
	// ListProvinces returns the provinces ordered by ISTAT code.
	ListProvinces(ctx context.Context) ([]Province, error)
	// FindProvince returns a province by ISTAT code or sigla; ENOTFOUND if none.
	FindProvince(ctx context.Context, codeOrSigla string) (Province, error)
	// ListComuni returns comuni ordered by name. An unknown province gives ENOTFOUND.
	ListComuni(ctx context.Context, f ComuneFilter) ([]Comune, error)
}
