package territory

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
)

var (
	comuniMapsOnce sync.Once
	comuniFeatures []comuneFeature
	comuniMapsErr  error
	comuniMapCache sync.Map // province code → *Map
)

type comuneFeature struct {
	code, name, province string
	rings                [][][2]float64
}

func loadComuniFeatures() {
	b, err := Boundaries("comuni")
	if err != nil {
		comuniMapsErr = err
		return
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Code     string `json:"com_istat_code"`
				Name     string `json:"name"`
				Province string `json:"prov_istat_code"`
			} `json:"properties"`
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if comuniMapsErr = json.Unmarshal(b, &fc); comuniMapsErr != nil {
		return
	}
	for _, f := range fc.Features {
		cf := comuneFeature{code: f.Properties.Code, name: f.Properties.Name, province: f.Properties.Province}
		switch f.Geometry.Type {
		case "Polygon":
			_ = json.Unmarshal(f.Geometry.Coordinates, &cf.rings)
		case "MultiPolygon":
			var polys [][][][2]float64
			_ = json.Unmarshal(f.Geometry.Coordinates, &polys)
			for _, p := range polys {
				cf.rings = append(cf.rings, p...)
			}
		}
		comuniFeatures = append(comuniFeatures, cf)
	}
}

// ComuniMap draws the comuni of a province (ISTAT code, "037"; "" for the
// whole region) from the
// embedded boundaries, projected equirectangularly at the province's mean
// latitude (faithful enough at this size) into a 600-unit-wide view box.
func ComuniMap(province string) (*Map, error) {
	if m, ok := comuniMapCache.Load(province); ok {
		return m.(*Map), nil
	}
	comuniMapsOnce.Do(loadComuniFeatures)
	if comuniMapsErr != nil {
		return nil, comuniMapsErr
	}
	var fs []comuneFeature
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, f := range comuniFeatures {
		if province != "" && f.province != province {
			continue
		}
		fs = append(fs, f)
		for _, r := range f.rings {
			for _, p := range r {
				minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
				minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
			}
		}
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("territory: no comuni for province %q", province)
	}
	k := math.Cos((minY + maxY) / 2 * math.Pi / 180)
	const width = 600.0
	scale := width / ((maxX - minX) * k)
	height := (maxY - minY) * scale
	m := &Map{ViewBox: fmt.Sprintf("0 0 %.0f %.0f", width, math.Ceil(height))}
	for _, f := range fs {
		var d strings.Builder
		for _, r := range f.rings {
			for i, p := range r {
				cmd := 'L'
				if i == 0 {
					cmd = 'M'
				}
				fmt.Fprintf(&d, "%c%.1f %.1f", cmd, (p[0]-minX)*k*scale, (maxY-p[1])*scale)
			}
			d.WriteByte('Z')
		}
		m.Shapes = append(m.Shapes, MapShape{Code: f.code, Name: f.name, D: d.String(), FillRule: "evenodd"})
	}
	comuniMapCache.Store(province, m)
	return m, nil
}
