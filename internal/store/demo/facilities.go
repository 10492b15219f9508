package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/territory"
)

// Facility counts: about 600 in the region (ER had 63 CAS structures with 1,667
// places in Bologna and Imola alone in 2023, mostly apartments) and about
// 10,000 at the nation scale.
const (
	facilitiesRegion = 600
	facilitiesNation = 10_000
)

var streets = []string{"Via Emilia", "Via Roma", "Via Garibaldi", "Via Mazzini", "Via XX Settembre", "Via Matteotti",
	"Via Marconi", "Via della Repubblica", "Via Gramsci", "Via Dante", "Via Verdi", "Viale Europa", "Via Kennedy",
	"Via Costituzione", "Via Manzoni", "Via Cavour"}

// facilities generates the facilities of the seed: comuni drawn by population
// (square-root weighted, so that small towns host some accoglienza diffusa),
// mostly apartments of 4–10 places, collective centres of 15–200 (mostly under 50), the Bologna
// hub of 200, a few MSNA facilities; declared occupancy 85–98%, about one in
// ten not confirmed since before yesterday's deadline.
func facilities(r *rand.Rand, scale Scale, provinces []domain.Province, comuni []domain.Comune,
	gestori []*domain.Gestore, now time.Time) []store.SeedFacility {
	n := facilitiesRegion
	if scale == ScaleNation {
		n = facilitiesNation
	}
	sigla := map[string]string{}
	for _, p := range provinces {
		sigla[p.Code] = p.Sigla
	}
	byProvince := map[string][]int{} // gestori indices per province
	for i, g := range gestori {
		byProvince[g.ProvinceCode] = append(byProvince[g.ProvinceCode], i)
	}
	centres, _ := territory.Centroids()
	weights := make([]float64, len(comuni))
	total := 0.0
	for i, c := range comuni {
		weights[i] = math.Sqrt(float64(c.Residents))
		total += weights[i]
	}
	pick := func() domain.Comune {
		x := r.Float64() * total
		for i, w := range weights {
			if x -= w; x <= 0 {
				return comuni[i]
			}
		}
		return comuni[len(comuni)-1]
	}
	seq := map[string]int{}
	var out []store.SeedFacility
	add := func(c domain.Comune, name string, t domain.FacilityType, target domain.Target, size int, features ...string) {
		gs := byProvince[c.ProvinceCode]
		if len(gs) == 0 {
			return
		}
		seq[c.ProvinceCode]++
		active := size
		if r.IntN(20) == 0 && size > 4 {
			active = size - 1 - r.IntN(size/4+1)
		}
		occupied := int(math.Round(float64(active) * (0.85 + 0.13*r.Float64())))
		confirmed := now.Add(-time.Duration(r.IntN(120)) * time.Minute)
		if r.IntN(10) == 0 {
			confirmed = now.Add(-time.Duration(48+r.IntN(72)) * time.Hour) // stale
		}
		from := time.Date(2024+r.IntN(2), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(2, 0, 0)
		ll := centres[c.Code]
		g := gs[r.IntN(len(gs))]
		if features == nil {
			features = []string{}
			for _, ft := range domain.Features {
				if r.IntN(6) == 0 {
					features = append(features, ft)
				}
			}
		}
		f := &domain.Facility{
			Code: fmt.Sprintf("%s-%04d", sigla[c.ProvinceCode], seq[c.ProvinceCode]), Name: name, Type: t, Target: target,
			ProvinceCode: c.ProvinceCode, ComuneCode: c.Code,
			Address: fmt.Sprintf("%s %d, %s", streets[r.IntN(len(streets))], 1+r.IntN(180), c.Name),
			Lat:     ll[1] + (r.Float64()-0.5)*0.02, Lon: ll[0] + (r.Float64()-0.5)*0.02,
			CIG:          strings.ToUpper(fmt.Sprintf("%010x", r.Uint64()>>24)),
			ContractFrom: &from, ContractTo: &to, PriceCents: 3000 + 100*r.IntN(16),
			Contracted: size, Active: active, Features: features, Status: domain.StatusActive,
			ContactName: "Referente struttura", ContactPhone: fmt.Sprintf("0%d %07d", 51+r.IntN(9), r.IntN(10_000_000)),
			ContactEmail: fmt.Sprintf("struttura%d@%s.example", len(out)+1, slug(gestori[g].Name)),
			Occupied:     occupied, ConfirmedAt: &confirmed, ConfirmedBy: "demo",
		}
		if r.IntN(60) == 0 {
			f.Status = domain.StatusSuspended
		}
		out = append(out, store.SeedFacility{Facility: f, GestoreIndex: g})
	}
	// The landmarks first: the regional hub in via Mattei and the MSNA hub at Villa Angeli.
	for _, c := range comuni {
		switch c.Code {
		case "037006":
			add(c, "Hub regionale via Mattei", domain.TypeHub, domain.TargetMixed, 200, domain.FeatureMedical, domain.FeatureWheelchair)
		case "037057":
			add(c, "Villa Angeli – hub metropolitano MSNA", domain.TypeMSNAPrima, domain.TargetMSNA, 50, domain.FeatureVulnerable)
		}
	}
	for len(out) < n {
		c := pick()
		switch x := r.IntN(100); {
		case x < 70:
			target := []domain.Target{domain.TargetMen, domain.TargetMen, domain.TargetMen, domain.TargetFamilies,
				domain.TargetFamilies, domain.TargetWomen, domain.TargetMixed}[r.IntN(7)]
			add(c, fmt.Sprintf("Appartamento %s %d", c.Name, seq[c.ProvinceCode]+1), domain.TypeCASAppartamento, target, 4+r.IntN(7))
		case x < 95:
			size := 15 + r.IntN(31)
			if r.IntN(10) == 0 {
				size = 50 + r.IntN(151)
			}
			target := []domain.Target{domain.TargetMen, domain.TargetMen, domain.TargetMen, domain.TargetMixed,
				domain.TargetWomen, domain.TargetFamilies}[r.IntN(6)]
			add(c, fmt.Sprintf("Centro di accoglienza %s %d", c.Name, seq[c.ProvinceCode]+1), domain.TypeCASCollettivo, target, size)
		case x < 98:
			add(c, fmt.Sprintf("Progetto SAI %s %d", c.Name, seq[c.ProvinceCode]+1), domain.TypeSAIOrdinario,
				[]domain.Target{domain.TargetFamilies, domain.TargetMen, domain.TargetWomen}[r.IntN(3)], 6+r.IntN(20))
		default:
			add(c, fmt.Sprintf("Comunità per minori %s %d", c.Name, seq[c.ProvinceCode]+1), domain.TypeSAIMSNA,
				domain.TargetMSNA, 8+r.IntN(12), domain.FeatureVulnerable)
		}
	}
	return out
}
