package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/web"
)

// arrivalsPubs is a PublicationService with one published publication that
// carries plan arrivals: the public side only reads, so nothing else is needed.
type arrivalsPubs struct {
	domain.PublicationService
	p domain.Publication
}

func (f arrivalsPubs) FindPublished(_ context.Context, date string) (domain.Publication, error) {
	if date != "" && date != f.p.ReferenceDate {
		return domain.Publication{}, domain.Err(domain.ENOTFOUND, "err.publication.not_found")
	}
	return f.p, nil
}

func (f arrivalsPubs) FindPublishedVersion(_ context.Context, id string) (domain.Publication, error) {
	if id != f.p.ID {
		return domain.Publication{}, domain.Err(domain.ENOTFOUND, "err.publication.not_found")
	}
	return f.p, nil
}

func (f arrivalsPubs) Preview(_ context.Context, id string) (domain.Publication, error) {
	if id != f.p.ID {
		return domain.Publication{}, domain.Err(domain.ENOTFOUND, "err.publication.not_found")
	}
	return f.p, nil
}

func (f arrivalsPubs) ListPublished(context.Context) ([]domain.Publication, error) {
	p := f.p
	p.Tables = nil
	return []domain.Publication{p}, nil
}

// TestPublicArrivals renders a publication's plan arrivals: the chart of
// the region's monthly total on Nel tempo, the table there and on the
// dataset's page (a suppressed province is "riservato"),
// and the CSV and JSON files with one row per province and the regional
// total each month, a suppressed count empty (CSV) or null (JSON); and the
// coordinator's preview of the publication.
func TestPublicArrivals(t *testing.T) {
	v := func(n int) domain.PubFigure { return domain.PubFigure{Value: &n, Status: domain.CellPublished} }
	sup := domain.PubFigure{Status: domain.CellSuppressed}
	prov := func(code, name string, f domain.PubFigure) domain.PubProvince {
		return domain.PubProvince{Code: code, Name: name, Arrivi: f}
	}
	now := time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)
	p := domain.Publication{ID: "pub1", ReferenceDate: "2026-09-30", Version: 1, Status: domain.PubPublished, PublishedAt: &now,
		Tables: &domain.PublicTables{ReferenceDate: "2026-09-30", Total: domain.PubComune{Code: "037", Presenze: v(1900)},
			Arrivals: []domain.PubArrivalMonth{
				{Month: "2026-08", Region: prov("08", "Emilia-Romagna", v(70)), Provinces: []domain.PubProvince{
					prov("037", "Bologna", v(20)), prov("038", "Ferrara", sup), prov("039", "Ravenna", sup), prov("040", "Forlì-Cesena", v(40))}},
				{Month: "2026-09", Region: prov("08", "Emilia-Romagna", v(0)), Provinces: []domain.PubProvince{
					prov("037", "Bologna", v(0)), prov("038", "Ferrara", v(0)), prov("039", "Ravenna", v(0)), prov("040", "Forlì-Cesena", v(0))}},
			}}}
	srv, _ := newServerConf(t, "sqlite", demo.Options{}, func(s *web.Server) { s.Publications = arrivalsPubs{p: p} })
	c := client(t)

	for _, u := range []string{"/accoglienza/nel-tempo", "/dati/arrivi-piani"} {
		resp, body := get(t, c, srv.URL+u)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", u, resp.StatusCode)
		}
		if u == "/accoglienza/nel-tempo" && (!strings.Contains(body, `data-testid="pub-arrivals-chart"`) ||
			!strings.Contains(body, "<title>agosto 2026: 70</title>")) {
			t.Errorf("%s: no chart of the region's arrivals by month", u)
		}
		i := strings.Index(body, `data-testid="pub-arrivals-table"`)
		if i < 0 {
			t.Fatalf("%s: no arrivals table", u)
		}
		table := body[i:]
		table = table[:strings.Index(table, "</table>")]
		for _, want := range []string{"Forlì-Cesena", "agosto 2026", "settembre 2026", ">riservato<", ">40<", ">70<"} {
			if !strings.Contains(table, want) {
				t.Errorf("%s: the arrivals table lacks %q", u, want)
			}
		}
	}

	resp, body := get(t, signIn(t, srv.URL, "coordinamento@gesta.example"), srv.URL+"/pubblicazioni/pub1")
	if resp.StatusCode != 200 || !strings.Contains(body, "Arrivi con i piani di riparto per provincia") || !strings.Contains(body, "Forlì-Cesena") {
		t.Errorf("preview: %d, arrivals missing", resp.StatusCode)
	}

	_, body = get(t, c, srv.URL+"/dati/arrivi-piani/latest.csv")
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "mese,codice_provincia,provincia,arrivi,stato" || len(recs) != 1+2*5 {
		t.Fatalf("CSV: %v", recs)
	}
	if r := recs[2]; strings.Join(r, ",") != "2026-08,038,Ferrara,,soppresso" {
		t.Errorf("Ferrara's row %v", r)
	}
	if r := recs[5]; strings.Join(r, ",") != "2026-08,08,Emilia-Romagna,70,pubblicato" {
		t.Errorf("the region's row %v", r)
	}
	_, body = get(t, c, srv.URL+"/dati/arrivi-piani/2026-09-30.json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(body), &rows); err != nil || len(rows) != 10 {
		t.Fatalf("JSON: %d rows, %v", len(rows), err)
	}
	if rows[1]["arrivi"] != nil || rows[1]["stato"] != "soppresso" || rows[0]["arrivi"] != 20.0 {
		t.Errorf("JSON rows %v %v", rows[0], rows[1])
	}
}
