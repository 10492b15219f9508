// Package territory embeds the reference data of Emilia-Romagna: provinces,
// comuni, resident population and simplified boundaries (sources and licences
// in data/ATTRIBUTION.md). The store copies provinces and comuni into the
// database at start-up; boundaries are served from memory.
package territory

import (
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

//go:embed data
var files embed.FS

// Region is the region gesta serves.
var Region = domain.Region{Code: "08", Name: "Emilia-Romagna"}

// Attribution is the line to show wherever the data is shown or exported.
const Attribution = "Dati territoriali: ISTAT (CC BY 4.0); popolazione residente: ANPR, Ministero dell'Interno (CC0 1.0); " +
	"confini: elaborazione openpolis su dati ISTAT (CC BY 4.0)."

// Data is the parsed reference data.
type Data struct {
	Provinces []domain.Province // ordered by code
	Comuni    []domain.Comune   // ordered by code
	// PopulationSource says where residents came from (for the UI and logs).
	PopulationSource string
}

// Load parses the embedded files. population, when non-nil, replaces the
// embedded ANPR counts: it must be in the ANPR export format and cover every
// comune.
func Load(population io.Reader, populationName string) (*Data, error) {
	d := &Data{}
	if err := d.readProvinces(); err != nil {
		return nil, err
	}
	if err := d.readComuni(); err != nil {
		return nil, err
	}
	if population == nil {
		f, err := files.Open("data/popolazione_residente_ER_2026-01_anpr.csv")
		if err != nil {
			return nil, err
		}
		defer f.Close()
		population, populationName = f, "ANPR, gennaio 2026"
	}
	if err := d.applyPopulation(population); err != nil {
		return nil, fmt.Errorf("territory: population file %s: %w", populationName, err)
	}
	d.PopulationSource = populationName
	return d, nil
}

// readCSV reads an embedded CSV into maps keyed by its header.
func readCSV(r io.Reader) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, err
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	var rows []map[string]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			m[strings.TrimSpace(h)] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, m)
	}
}

func readEmbedded(name string) ([]map[string]string, error) {
	b, err := files.ReadFile("data/" + name)
	if err != nil {
		return nil, err
	}
	rows, err := readCSV(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("territory: %s: %w", name, err)
	}
	return rows, nil
}

func (d *Data) readProvinces() error {
	rows, err := readEmbedded("ER_province_istat_popolazione.csv")
	if err != nil {
		return err
	}
	for _, r := range rows {
		n, _ := strconv.Atoi(r["n_comuni"])
		d.Provinces = append(d.Provinces, domain.Province{
			Code: r["cod_istat_provincia"], UTSCode: r["cod_uts"], Sigla: r["sigla"], Name: r["provincia"],
			NUTS3: r["nuts3"], RegionCode: Region.Code, Comuni: n,
		})
	}
	return nil
}

func (d *Data) readComuni() error {
	rows, err := readEmbedded("ER_comuni_istat_popolazione.csv")
	if err != nil {
		return err
	}
	provinceName := map[string]string{}
	for _, p := range d.Provinces {
		provinceName[p.Code] = p.Name
	}
	for _, r := range rows {
		c := domain.Comune{
			Code: r["cod_istat_comune"], Name: r["denominazione"], CadastralCode: r["cod_catastale"],
			ProvinceCode: r["cod_istat_provincia"],
		}
		if _, ok := provinceName[c.ProvinceCode]; !ok {
			return fmt.Errorf("territory: comune %s has unknown province %s", c.Code, c.ProvinceCode)
		}
		c.Capital = isCapital(c.Name, provinceName[c.ProvinceCode])
		d.Comuni = append(d.Comuni, c)
	}
	return nil
}

// isCapital derives the capoluogo from the province's name: the comune that
// bears it, or each part of a double name (Forlì-Cesena has two capitals).
func isCapital(comune, province string) bool {
	for _, part := range strings.Split(province, "-") {
		if strings.EqualFold(comune, strings.TrimSpace(part)) {
			return true
		}
	}
	return false
}

// applyPopulation sets residents from an ANPR export and sums them by province.
func (d *Data) applyPopulation(r io.Reader) error {
	rows, err := readCSV(r)
	if err != nil {
		return err
	}
	residents := make(map[string]int, len(rows))
	for i, row := range rows {
		code, ok := row["COD_ISTAT_COMUNE"]
		if !ok {
			return fmt.Errorf("riga %d: manca la colonna COD_ISTAT_COMUNE", i+2)
		}
		n, err := strconv.Atoi(row["RESIDENTI"])
		if err != nil || n < 0 {
			return fmt.Errorf("riga %d, colonna RESIDENTI: %q non è un numero valido", i+2, row["RESIDENTI"])
		}
		residents[code] = n
	}
	byProvince := map[string]int{}
	for i := range d.Comuni {
		n, ok := residents[d.Comuni[i].Code]
		if !ok {
			return fmt.Errorf("manca il comune %s (%s)", d.Comuni[i].Code, d.Comuni[i].Name)
		}
		d.Comuni[i].Residents = n
		byProvince[d.Comuni[i].ProvinceCode] += n
	}
	for i := range d.Provinces {
		d.Provinces[i].Residents = byProvince[d.Provinces[i].Code]
	}
	return nil
}

// Boundaries returns the embedded GeoJSON of the comuni ("comuni") or of the
// provinces ("province").
func Boundaries(level string) ([]byte, error) {
	switch level {
	case "comuni":
		return files.ReadFile("data/ER_municipalities_simplified.geojson")
	case "province":
		return files.ReadFile("data/ER_provinces_simplified.geojson")
	}
	return nil, domain.Err(domain.ENOTFOUND, "err.territory.level_unknown")
}

// MapSVG returns a pre-projected SVG map: "province" (Emilia-Romagna, path ids
// p037…) or "bologna" (the comuni of the Città metropolitana, ids c037006…).
func MapSVG(name string) ([]byte, error) {
	switch name {
	case "province":
		return files.ReadFile("data/ER_provinces_utm32.svg")
	case "bologna":
		return files.ReadFile("data/BO_municipalities_utm32.svg")
	}
	return nil, domain.Err(domain.ENOTFOUND, "err.territory.map_unknown")
}
