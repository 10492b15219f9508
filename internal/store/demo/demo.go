// Package demo generates deterministic synthetic data: fictitious managing
// entities, territorial services and demo users, at the size of the region
// (for trying gesta) or of the nation (for benchmarks). Later capabilities add
// their own generators (facilities, guests, plans) here.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
)

// Scale is the size of the generated data.
type Scale string

const (
	ScaleRegion Scale = "region" // Emilia-Romagna: 9 prefectures' worth
	ScaleNation Scale = "nation" // about 106 prefectures' worth, spread over the region's provinces
)

// ParseScale validates a scale name.
func ParseScale(s string) (Scale, error) {
	switch Scale(s) {
	case ScaleRegion, ScaleNation:
		return Scale(s), nil
	}
	return "", fmt.Errorf("demo: unknown scale %q: use region or nation", s)
}

// Sizes per scale. Region: about 60 managing entities (ER had 77 in 2020) and a
// dozen services per province. Nation: the same per prefecture × 106/9.
const (
	gestoriRegion     = 60
	prefecturesNation = 106
	prefecturesRegion = 9
	servicesPerOffice = 12
	defaultSeed       = 20260126
	DemoPassword      = "gesta-demo-2026"
	demoEmailDomain   = "gesta.example"
)

// DemoPasswordHash is DemoPassword hashed once with auth.HashPassword and
// auth.DefaultParams (argon2id, PHC format): every demo account shares the
// published demo password, and a fixed hash keeps the generator free of the
// auth package and start-up fast. TestDemoPasswordHash checks it verifies.
// Never used outside demo data.
const DemoPasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$IxqiD4npkMgeEx4gqwhxhw$VM5bOfVWkO8m9vvYFrxpOPh+cezaJAAToUY228CwEtw"

// Generate builds the seed for the provinces at the scale. The same scale,
// territory and time always give the same data; now anchors the facilities'
// confirmation times.
func Generate(scale Scale, provinces []domain.Province, comuni []domain.Comune, passwordHash string, now time.Time) store.Seed {
	r := rand.New(rand.NewPCG(defaultSeed, uint64(len(scale))))
	mult := 1.0
	if scale == ScaleNation {
		mult = float64(prefecturesNation) / prefecturesRegion
	}
	var s store.Seed
	names := newNamer(r)

	// Managing entities, spread by population (largest remainder).
	total := int(gestoriRegion*mult + 0.5)
	for i, n := range apportion(total, provinces) {
		p := provinces[i]
		for range n {
			name := names.gestore()
			s.Gestori = append(s.Gestori, &domain.Gestore{
				Name: name, TaxCode: partitaIVA(r), ProvinceCode: p.Code,
				Email: "segreteria@" + slug(name) + ".example", Phone: fmt.Sprintf("0%d %07d", 51+i, r.IntN(10_000_000)),
			})
		}
	}
	// Territorial services: one of each kind per prefecture's worth.
	perProvince := int(servicesPerOffice*mult + 0.5)
	for _, p := range provinces {
		for k := range perProvince {
			kind := domain.ServiceKinds[k%len(domain.ServiceKinds)]
			name := serviceName(kind, p)
			if k >= len(domain.ServiceKinds) {
				name = fmt.Sprintf("%s – sede %d", name, k/len(domain.ServiceKinds)+1)
			}
			s.Services = append(s.Services, &domain.Service{
				Name: name, Kind: kind, ProvinceCode: p.Code,
				Email: fmt.Sprintf("%s.%d@%s.%s", kind, k, strings.ToLower(p.Sigla), demoEmailDomain),
			})
		}
	}
	s.Users = demoUsers(s, provinces, passwordHash)
	if len(comuni) > 0 {
		s.Facilities = facilities(r, scale, provinces, comuni, s.Gestori, now)
	}
	return s
}

// Accounts returns the e-mails of the demo users of a seed, to show on the
// sign-in page.
func Accounts(provinces []domain.Province) []string {
	var out []string
	for _, u := range Generate(ScaleRegion, provinces, nil, "", time.Time{}).Users {
		out = append(out, u.User.Email)
	}
	return out
}

// demoUsers makes one user per role and office: the admin, the coordinator,
// and for each province a prefecture user, an operator of its first managing
// entity, a user of its mental-health service and a viewer; plus a regional viewer.
func demoUsers(s store.Seed, provinces []domain.Province, hash string) []store.SeedUser {
	user := func(email, name string, role domain.Role, office string, g, sv int) store.SeedUser {
		return store.SeedUser{User: &domain.User{Email: email + "@" + demoEmailDomain, Name: name, Role: role},
			PasswordHash: hash, OfficeSigla: office, GestoreIndex: g, ServiceIndex: sv}
	}
	users := []store.SeedUser{
		user("admin", "Amministratore di sistema", domain.RoleAdmin, "", -1, -1),
		user("coordinamento", "Coordinamento regionale (Prefettura di Bologna)", domain.RoleCoordinator, "BO", -1, -1),
		user("osservatorio", "Osservatorio regionale", domain.RoleViewer, "", -1, -1),
	}
	for _, p := range provinces {
		sigla := strings.ToLower(p.Sigla)
		users = append(users, user("prefettura."+sigla, "Area IV – Prefettura di "+p.Name, domain.RolePrefecture, p.Sigla, -1, -1))
		for i, g := range s.Gestori {
			if g.ProvinceCode == p.Code {
				users = append(users, user("operatore."+sigla, "Operatore – "+g.Name, domain.RoleOperator, "", i, -1))
				break
			}
		}
		for i, sv := range s.Services {
			if sv.ProvinceCode == p.Code && sv.Kind == domain.ServiceCSM {
				users = append(users, user("servizio."+sigla, "Referente – "+sv.Name, domain.RoleService, "", -1, i))
				break
			}
		}
		users = append(users, user("osservatorio."+sigla, "Osservatorio – provincia di "+p.Name, domain.RoleViewer, p.Sigla, -1, -1))
	}
	return users
}

// Options tune a load; the zero value loads no history.
type Options struct {
	// HistoryDays of synthetic daily snapshots for the charts (region scale).
	HistoryDays int
	// Population generates the hosted people and their stays; PopulationDays
	// is how far back the stays go (default two years) and MeanStayDays the
	// mean length of past stays (default 300 days at the region scale, 80 at
	// the nation scale, which gives over a million historic stays).
	Population     bool
	PopulationDays int
	MeanStayDays   float64
}

// Load generates the seed and writes it into an empty database, in one
// transaction, with 90 days of history at the region scale.
func Load(ctx context.Context, db *store.DB, scale Scale) (store.Seed, error) {
	return LoadWith(ctx, db, scale, Options{HistoryDays: 90, Population: true})
}

// LoadWith is Load with options (tests load less history).
func LoadWith(ctx context.Context, db *store.DB, scale Scale, opt Options) (store.Seed, error) {
	provinces, err := db.Territory.ListProvinces(ctx)
	if err != nil {
		return store.Seed{}, err
	}
	comuni, err := db.Territory.ListComuni(ctx, domain.ComuneFilter{})
	if err != nil {
		return store.Seed{}, err
	}
	seed := Generate(scale, provinces, comuni, DemoPasswordHash, db.Now())
	seed.Label = string(scale)
	if err := db.LoadSeed(ctx, seed); err != nil {
		return store.Seed{}, err
	}
	if opt.Population {
		po := PopulationOptions{HistoryDays: opt.PopulationDays, MeanStayDays: opt.MeanStayDays}
		if po.HistoryDays == 0 {
			po.HistoryDays = 730
		}
		if po.MeanStayDays == 0 {
			po.MeanStayDays = 300
			if scale == ScaleNation {
				po.MeanStayDays = 80
			}
		}
		if err := db.Stats.SeedPopulation(ctx, Population(scale, seed.Facilities, db.Now(), po)); err != nil {
			return store.Seed{}, err
		}
		// At the nation scale (for benchmarks) the past days' figures are
		// materialised at once; at the region's they are computed on first read
		// in a few milliseconds each, and the first start stays quick.
		if scale == ScaleNation {
			if err := db.Stats.BuildPopulationCache(ctx, db.Now().AddDate(0, 0, -po.HistoryDays)); err != nil {
				return store.Seed{}, err
			}
		}
	}
	// Complex cases need guests and a key: their texts are sealed.
	if scale == ScaleRegion && opt.Population && db.Keys != nil {
		if err := loadCases(ctx, db); err != nil {
			return store.Seed{}, err
		}
	}
	// Occupancy modes and plans at every stage (showcase.go).
	if scale == ScaleRegion && opt.Population {
		if err := loadShowcase(ctx, db, seed); err != nil {
			return store.Seed{}, fmt.Errorf("demo showcase: %w", err)
		}
	}
	if scale == ScaleRegion && opt.Population {
		// The public site shows the last complete month, published as the
		// coordinator would (a draft protected by disclosure control, then
		// published), so a fresh start has a populated public home. After the
		// showcase: its past plans' arrivals are in the month's figures.
		// Plausible SAI places for the month before, marked as demo data,
		// so that "CAS e SAI" shows both with their own dates.
		if err := loadDemoSAI(ctx, db); err != nil {
			return store.Seed{}, fmt.Errorf("demo SAI: %w", err)
		}
		pubs := store.NewPublicationService(db)
		p, err := pubs.CreateDraft(ctx, "", "")
		if err != nil {
			return store.Seed{}, fmt.Errorf("demo publication: %w", err)
		}
		if _, err := pubs.Publish(ctx, p.ID, ""); err != nil {
			return store.Seed{}, fmt.Errorf("demo publication: %w", err)
		}
	}
	if scale == ScaleRegion && opt.HistoryDays > 0 {
		// Days of history for the charts: occupancy around today's, with a
		// slow weekly swell and a little noise per facility (deterministic).
		r := rand.New(rand.NewPCG(defaultSeed, 90))
		if err := db.Facilities.SeedSnapshots(ctx, opt.HistoryDays, func(f, day int) int {
			return int(math.Round(2*math.Sin(float64(day)/5+float64(f%7)))) + r.IntN(3) - 1
		}); err != nil {
			return store.Seed{}, err
		}
	}
	return seed, nil
}

// apportion splits total among provinces by residents (largest remainder).
func apportion(total int, provinces []domain.Province) []int {
	sum := 0
	for _, p := range provinces {
		sum += p.Residents
	}
	out := make([]int, len(provinces))
	if sum == 0 {
		return out
	}
	type rem struct {
		i int
		r int64
	}
	rems := make([]rem, len(provinces))
	given := 0
	for i, p := range provinces {
		q := int64(total) * int64(p.Residents)
		out[i] = int(q / int64(sum))
		given += out[i]
		rems[i] = rem{i, q % int64(sum)}
	}
	for given < total {
		best := 0
		for j := range rems {
			if rems[j].r > rems[best].r {
				best = j
			}
		}
		out[rems[best].i]++
		rems[best].r = -1
		given++
	}
	return out
}

// partitaIVA returns a random 11-digit VAT number with a valid check digit.
func partitaIVA(r *rand.Rand) string {
	d := make([]int, 11)
	for i := range 10 {
		d[i] = r.IntN(10)
	}
	d[0] = 0 // most cooperatives' numbers start with 0 (province office codes)
	sum := 0
	for i := range 10 {
		if i%2 == 0 {
			sum += d[i]
		} else {
			x := d[i] * 2
			if x > 9 {
				x -= 9
			}
			sum += x
		}
	}
	d[10] = (10 - sum%10) % 10
	var b strings.Builder
	for _, x := range d {
		b.WriteByte(byte('0' + x))
	}
	return b.String()
}

func serviceName(k domain.ServiceKind, p domain.Province) string {
	switch k {
	case domain.ServiceCSM:
		return "Centro di salute mentale – " + p.Name
	case domain.ServiceSerDP:
		return "SerDP – Servizio dipendenze patologiche " + p.Name
	case domain.ServiceNPIA:
		return "NPIA – Neuropsichiatria infanzia e adolescenza " + p.Name
	case domain.ServiceConsultorio:
		return "Consultorio familiare – " + p.Name
	case domain.ServiceSocial:
		return "Servizio sociale territoriale – " + p.Name
	case domain.ServiceAntiTratta:
		return "Progetto anti-tratta – " + p.Name
	case domain.ServiceAntiViolenza:
		return "Centro antiviolenza – " + p.Name
	case domain.ServiceHealth:
		return "Distretto sanitario – " + p.Name
	case domain.ServiceTranscult:
		return "Servizio di consultazione culturale – " + p.Name
	case domain.ServiceMSNA:
		return "Servizio minori stranieri non accompagnati – " + p.Name
	case domain.ServiceLegal:
		return "Sportello di orientamento legale – " + p.Name
	default:
		return "Coordinamento SAI – " + p.Name
	}
}

// loadDemoSAI loads SAI projects of the metro area at the end of the month
// before the demo's publication: sizes in the range the SAI network reports
// for Bologna, flagged as demo data on every public page and file.
func loadDemoSAI(ctx context.Context, db *store.DB) error {
	ref, _ := time.Parse("2006-01-02", domain.DefaultReferenceDate(db.Now()))
	date := ref.AddDate(0, 0, 1-ref.Day()).AddDate(0, 0, -1).Format("2006-01-02")
	projects := []domain.SAIProject{
		{Code: "DEMO-0001-PR-1", Comune: "037006", Type: domain.SAIOrdinari, Places: 480},
		{Code: "DEMO-0002-PR-1", Comune: "037006", Type: domain.SAIMSNA, Places: 75},
		{Code: "DEMO-0003-PR-1", Comune: "037006", Type: domain.SAIDMDS, Places: 24},
		{Code: "DEMO-0004-PR-1", Comune: "037032", Type: domain.SAIOrdinari, Places: 52},
		{Code: "DEMO-0005-PR-1", Comune: "037011", Type: domain.SAIOrdinari, Places: 28},
		{Code: "DEMO-0006-PR-1", Comune: "037020", Type: domain.SAIMSNA, Places: 14},
		{Code: "DEMO-0007-PR-1", Comune: "037054", Type: domain.SAIOrdinari, Places: 19},
	}
	for i := range projects {
		projects[i].Line = i + 2
	}
	_, err := store.NewSAIService(db).Load(ctx, date, projects, true)
	return err
}
