package territory

import (
	"encoding/json"
	"sync"
)

var (
	centroidsOnce sync.Once
	centroids     map[string][2]float64
	centroidsErr  error
)

// Centroids returns, per comune ISTAT code, the mean of its boundary's
// vertices (lon, lat): a point inside or near the comune, good enough for
// distances between places.
func Centroids() (map[string][2]float64, error) {
	centroidsOnce.Do(func() {
		b, err := Boundaries("comuni")
		if err != nil {
			centroidsErr = err
			return
		}
		var fc struct {
			Features []struct {
				Properties struct {
					Code string `json:"com_istat_code"`
				} `json:"properties"`
				Geometry struct {
					Type        string          `json:"type"`
					Coordinates json.RawMessage `json:"coordinates"`
				} `json:"geometry"`
			} `json:"features"`
		}
		if centroidsErr = json.Unmarshal(b, &fc); centroidsErr != nil {
			return
		}
		centroids = make(map[string][2]float64, len(fc.Features))
		for _, f := range fc.Features {
			var rings [][][2]float64
			switch f.Geometry.Type {
			case "Polygon":
				_ = json.Unmarshal(f.Geometry.Coordinates, &rings)
			case "MultiPolygon":
				var polys [][][][2]float64
				_ = json.Unmarshal(f.Geometry.Coordinates, &polys)
				for _, p := range polys {
					rings = append(rings, p...)
				}
			}
			var sx, sy float64
			n := 0
			for _, r := range rings {
				for _, pt := range r {
					sx, sy, n = sx+pt[0], sy+pt[1], n+1
				}
			}
			if n > 0 {
				centroids[f.Properties.Code] = [2]float64{sx / float64(n), sy / float64(n)}
			}
		}
	})
	return centroids, centroidsErr
}
