package web

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// chart is a line chart drawn as inline SVG by the server: no script, no
// third-party service, and a data table beside it.
type chart struct {
	W, H, Left, Right int
	Grid              []gridLine
	Series            []chartSeries
	Days              []string
	From, To          string
}

type gridLine struct {
	Y     float64
	Label int
}

type chartSeries struct {
	Index       int
	Sigla, Name string
	Points      string
	EndY        float64 // where the line ends
	LabelY      float64 // where its label sits: near EndY, clear of the others
	Values      []int
}

// labelGap is the least vertical distance between two labels at the end of
// the lines (the chart's font is 11 units high, 15.5 on a phone).
const labelGap = 16.0

// spreadLabels moves the labels at the end of the lines apart, keeping their
// order, so that no two are closer than gap and all stay within [top,
// bottom]: provinces with about the same free places would print on top of
// each other. A leader joins each label to the end of its line.
func spreadLabels(ss []chartSeries, top, bottom, gap float64) {
	if len(ss) == 0 {
		return
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].EndY < ss[j].EndY })
	for i := range ss {
		ss[i].LabelY = max(ss[i].EndY, top)
		if i > 0 {
			ss[i].LabelY = max(ss[i].LabelY, ss[i-1].LabelY+gap)
		}
	}
	// Pushed past the bottom: pull up from the last one.
	if over := ss[len(ss)-1].LabelY - bottom; over > 0 {
		ss[len(ss)-1].LabelY = bottom
		for i := len(ss) - 2; i >= 0; i-- {
			ss[i].LabelY = min(ss[i].LabelY, ss[i+1].LabelY-gap)
		}
	}
}

// freeChart lays out free places per province and day (series from the
// snapshots: province code → day → free).
func freeChart(series map[string]map[string]int, provinces []domain.Province, days int, now time.Time) *chart {
	if len(series) == 0 {
		return nil
	}
	c := &chart{W: 720, H: 300, Left: 48, Right: 680}
	top, bottom := 12.0, float64(c.H-24)
	for i := days - 1; i >= 0; i-- {
		c.Days = append(c.Days, now.In(rome).AddDate(0, 0, -i).Format("2006-01-02"))
	}
	max := 1
	for _, byDay := range series {
		for _, v := range byDay {
			if v > max {
				max = v
			}
		}
	}
	step := niceStep(max)
	max = (max/step + 1) * step
	y := func(v int) float64 { return bottom - (bottom-top)*float64(v)/float64(max) }
	x := func(i int) float64 {
		if len(c.Days) == 1 {
			return float64(c.Left)
		}
		return float64(c.Left) + float64(c.Right-c.Left)*float64(i)/float64(len(c.Days)-1)
	}
	for v := 0; v <= max; v += step {
		c.Grid = append(c.Grid, gridLine{Y: y(v), Label: v})
	}
	for pi, p := range provinces {
		byDay, ok := series[p.Code]
		if !ok {
			continue
		}
		s := chartSeries{Index: pi, Sigla: p.Sigla, Name: p.Name}
		var pts []string
		last := 0
		for i, d := range c.Days {
			v, ok := byDay[d]
			if !ok {
				s.Values = append(s.Values, 0)
				continue
			}
			s.Values = append(s.Values, v)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
			last = v
		}
		s.Points, s.EndY = strings.Join(pts, " "), y(last)
		c.Series = append(c.Series, s)
	}
	spreadLabels(c.Series, top, bottom, labelGap)
	sort.SliceStable(c.Series, func(i, j int) bool { return c.Series[i].Index < c.Series[j].Index })
	c.From, c.To = c.Days[0], c.Days[len(c.Days)-1]
	return c
}

func niceStep(max int) int {
	for _, s := range []int{10, 20, 50, 100, 200, 500, 1000, 2000, 5000} {
		if max/s <= 6 {
			return s
		}
	}
	return 10000
}
