package territory_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gesta-er/gesta/internal/territory"
)

func TestLoad(t *testing.T) {
	d, err := territory.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Provinces) != 9 {
		t.Fatalf("provinces = %d, want 9", len(d.Provinces))
	}
	if len(d.Comuni) != 330 {
		t.Fatalf("comuni = %d, want 330", len(d.Comuni))
	}
	// Residents per province come from the comuni and must match the published
	// provincial totals (ANPR, January 2026).
	want := map[string]int{"PC": 288933, "PR": 461904, "RE": 532741, "MO": 713781, "BO": 1030421,
		"FE": 341405, "RA": 388149, "FC": 394341, "RN": 341973}
	total := 0
	for _, p := range d.Provinces {
		if p.Residents != want[p.Sigla] {
			t.Errorf("%s residents = %d, want %d", p.Sigla, p.Residents, want[p.Sigla])
		}
		total += p.Residents
	}
	if total != 4493648 {
		t.Errorf("region residents = %d, want 4493648", total)
	}
	var bo = d.Provinces[4]
	if bo.Code != "037" || bo.UTSCode != "237" || !bo.Metropolitan() || bo.Comuni != 55 {
		t.Errorf("Bologna = %+v, want code 037, UTS 237, metropolitan, 55 comuni", bo)
	}
	capitals := []string{}
	for _, c := range d.Comuni {
		if c.Capital {
			capitals = append(capitals, c.Name)
		}
		if len(c.Code) != 6 {
			t.Errorf("comune %s code %q is not 6 characters", c.Name, c.Code)
		}
	}
	if got := strings.Join(capitals, ","); got != "Piacenza,Parma,Reggio nell'Emilia,Modena,Bologna,Ferrara,Ravenna,Cesena,Forlì,Rimini" {
		t.Errorf("capitals = %s", got)
	}
}

func TestLoadReplacementPopulation(t *testing.T) {
	d, _ := territory.Load(nil, "")
	var b strings.Builder
	b.WriteString("MESE,ANNO,REGIONE,PROVINCIA,COD_ISTAT_COMUNE,COMUNE,RESIDENTI\n")
	for _, c := range d.Comuni {
		b.WriteString("7,2027,EMILIA ROMAGNA,X," + c.Code + ",X,1000\n")
	}
	d2, err := territory.Load(strings.NewReader(b.String()), "test")
	if err != nil {
		t.Fatal(err)
	}
	if d2.Provinces[4].Residents != 55*1000 || d2.PopulationSource != "test" {
		t.Errorf("Bologna residents = %d, want 55000", d2.Provinces[4].Residents)
	}

	t.Run("MissingComune", func(t *testing.T) {
		lines := strings.SplitN(b.String(), "\n", 3)
		_, err := territory.Load(strings.NewReader(lines[0]+"\n"+lines[2]), "short")
		if err == nil || !strings.Contains(err.Error(), "manca il comune") {
			t.Fatalf("want a missing-comune error, got %v", err)
		}
	})
	t.Run("BadNumber", func(t *testing.T) {
		bad := strings.Replace(b.String(), ",1000\n", ",mille\n", 1)
		_, err := territory.Load(strings.NewReader(bad), "bad")
		if err == nil || !strings.Contains(err.Error(), "riga 2, colonna RESIDENTI") {
			t.Fatalf("want a row/column error, got %v", err)
		}
	})
}

func TestBoundaries(t *testing.T) {
	b, err := territory.Boundaries("comuni")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 330 {
		t.Errorf("features = %d, want 330", len(fc.Features))
	}
	if _, err := territory.Boundaries("planet"); err == nil {
		t.Error("unknown level: want an error")
	}
}

func TestLoadMap(t *testing.T) {
	m, err := territory.LoadMap("province")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Shapes) != 9 || m.Shapes[4].Code != "037" || m.Shapes[4].Name != "Bologna" || m.ViewBox == "" {
		t.Fatalf("map = %d shapes, fifth %+v, viewBox %q", len(m.Shapes), m.Shapes[4].Code, m.ViewBox)
	}
	bo, err := territory.LoadMap("bologna")
	if err != nil || len(bo.Shapes) != 55 {
		t.Fatalf("bologna map: %v, %d shapes", err, len(bo.Shapes))
	}
}

func TestCentroids(t *testing.T) {
	c, err := territory.Centroids()
	if err != nil {
		t.Fatal(err)
	}
	if len(c) != 330 {
		t.Fatalf("centroids = %d", len(c))
	}
	bo := c["037006"] // Bologna: about 11.34 E, 44.49 N
	if bo[0] < 11.2 || bo[0] > 11.5 || bo[1] < 44.4 || bo[1] > 44.6 {
		t.Fatalf("Bologna's centroid = %v", bo)
	}
}

func TestComuniMap(t *testing.T) {
	m, err := territory.ComuniMap("037")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Shapes) != 55 {
		t.Errorf("Bologna's map has %d comuni, want 55", len(m.Shapes))
	}
	for _, s := range m.Shapes {
		if s.Code[:3] != "037" || !strings.HasPrefix(s.D, "M") || s.Name == "" {
			t.Fatalf("shape %+v", s.Code)
		}
	}
	if _, err := territory.ComuniMap("999"); err == nil {
		t.Error("unknown province drew a map")
	}
}
