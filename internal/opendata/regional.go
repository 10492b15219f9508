package opendata

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"
)

// RegionalSource is the attribution the Ministry's series must carry.
const RegionalSource = "Fonte: Ministero dell'Interno, cruscotto statistico giornaliero; elaborazione ondata (CC BY 4.0)"

//go:embed data/cruscotto_ER_vs_IT.csv
var regionalCSV []byte

// RegionalPoint is one date of the Ministry's series: people in reception in
// Italy and in Emilia-Romagna. These are aggregates the Ministry already
// published for whole regions, not gesta's figures: no disclosure control
// applies, and they are shown as published, with their source.
type RegionalPoint struct {
	Date                       string // YYYY-MM-DD, a date the Ministry published
	ITHotspot, ITCentri, ITSAI int
	ITTotal                    int
	ERCentri, ERSAI, ERTotal   int
	ERShare                    float64 // Emilia-Romagna's share of Italy, percent
}

// RegionalSeries returns the embedded series, oldest first, up to and
// including until (YYYY-MM-DD; "" for all of it).
func RegionalSeries(until string) ([]RegionalPoint, error) {
	recs, err := csv.NewReader(bytes.NewReader(regionalCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("opendata: regional series: %w", err)
	}
	var out []RegionalPoint
	for i, r := range recs[1:] {
		if len(r) != 9 {
			return nil, fmt.Errorf("opendata: regional series row %d has %d fields", i+2, len(r))
		}
		if _, err := time.Parse("2006-01-02", r[0]); err != nil {
			return nil, fmt.Errorf("opendata: regional series row %d: %w", i+2, err)
		}
		if until != "" && r[0] > until {
			break
		}
		n := make([]int, 7)
		for j := range n {
			if n[j], err = strconv.Atoi(r[j+1]); err != nil {
				return nil, fmt.Errorf("opendata: regional series row %d: %w", i+2, err)
			}
		}
		share, err := strconv.ParseFloat(r[8], 64)
		if err != nil {
			return nil, fmt.Errorf("opendata: regional series row %d: %w", i+2, err)
		}
		if n[0]+n[1]+n[2] != n[3] || n[4]+n[5] != n[6] {
			return nil, fmt.Errorf("opendata: regional series row %d: parts do not add up to the totals", i+2)
		}
		if len(out) > 0 && r[0] <= out[len(out)-1].Date {
			return nil, fmt.Errorf("opendata: regional series row %d: dates out of order", i+2)
		}
		out = append(out, RegionalPoint{Date: r[0], ITHotspot: n[0], ITCentri: n[1], ITSAI: n[2], ITTotal: n[3],
			ERCentri: n[4], ERSAI: n[5], ERTotal: n[6], ERShare: share})
	}
	return out, nil
}
