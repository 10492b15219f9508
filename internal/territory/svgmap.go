package territory

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// MapShape is one area of a pre-projected map: a province or a comune.
type MapShape struct {
	Code     string // ISTAT code: "037" or "037006"
	Name     string
	D        string // SVG path data
	FillRule string
}

// Map is a pre-projected map ready to draw inline, with our own markup (links,
// titles, classes) rather than the source file's styling.
type Map struct {
	ViewBox string
	Shapes  []MapShape
}

// LoadMap parses an embedded SVG map ("province" or "bologna", see MapSVG).
func LoadMap(name string) (*Map, error) {
	b, err := MapSVG(name)
	if err != nil {
		return nil, err
	}
	var doc struct {
		ViewBox string `xml:"viewBox,attr"`
		Paths   []struct {
			ID       string     `xml:"id,attr"`
			D        string     `xml:"d,attr"`
			FillRule string     `xml:"fill-rule,attr"`
			Attrs    []xml.Attr `xml:",any,attr"`
		} `xml:"g>path"`
	}
	if err := xml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("territory: map %s: %w", name, err)
	}
	m := &Map{ViewBox: doc.ViewBox}
	for _, p := range doc.Paths {
		s := MapShape{Code: p.ID[1:], D: p.D, FillRule: p.FillRule}
		for _, a := range p.Attrs {
			switch a.Name.Local {
			case "data-prov_name", "data-name", "data-com_name":
				s.Name = a.Value
			}
		}
		m.Shapes = append(m.Shapes, s)
	}
	if len(m.Shapes) == 0 {
		return nil, fmt.Errorf("territory: map %s has no shapes", name)
	}
	return m, nil
}
