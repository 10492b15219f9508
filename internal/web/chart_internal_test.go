package web

import (
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// The provinces' labels at the end of the 90-day chart never overlap, stay
// inside the plot, keep the order of their lines and sit on their line's end
// when there is room.
func TestChartLabelsApart(t *testing.T) {
	var ps []domain.Province
	series := map[string]map[string]int{}
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, rome)
	day := now.Format("2006-01-02")
	for i, sigla := range []string{"PC", "PR", "RE", "MO", "BO", "FE", "RA", "FC", "RN"} {
		code := string(rune('a' + i))
		ps = append(ps, domain.Province{Code: code, Sigla: sigla})
		v := 100 + i // nine lines ending within a few places of each other
		if sigla == "RN" {
			v = 900 // one far away: left where it is
		}
		series[code] = map[string]int{day: v}
	}
	c := freeChart(series, ps, 1, now)
	top, bottom := 12.0, float64(c.H-24)
	byY := map[float64]string{}
	for _, s := range c.Series {
		if s.LabelY < top || s.LabelY > bottom {
			t.Errorf("%s: label at %.1f, outside [%.0f, %.0f]", s.Sigla, s.LabelY, top, bottom)
		}
		for y, other := range byY {
			if d := s.LabelY - y; d < labelGap && d > -labelGap {
				t.Errorf("%s at %.1f and %s at %.1f overlap", s.Sigla, s.LabelY, other, y)
			}
		}
		byY[s.LabelY] = s.Sigla
		if s.Sigla == "RN" && s.LabelY != s.EndY {
			t.Errorf("RN moved from %.1f to %.1f with room to spare", s.EndY, s.LabelY)
		}
	}
	for i := 1; i < len(c.Series)-1; i++ { // higher values higher up: the order of the lines' ends
		if c.Series[i].LabelY >= c.Series[i-1].LabelY {
			t.Errorf("%s above %s", c.Series[i-1].Sigla, c.Series[i].Sigla)
		}
	}
}
