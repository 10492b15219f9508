package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
)

// The hosted population follows the brief: about 82% men, mean age about 23,
// the 2023 arrivals' nationalities (Guinea, Côte d'Ivoire, Tunisia,
// Bangladesh, Egypt first), and by household type about 66% single men, 20%
// in families, 7% single women, 6% MSNA. Facilities are filled to their
// declared occupancy by units of their target; each bed's history goes back
// two years as a chain of earlier stays that ended with a reason.

type unitKind int

const (
	kindMan unitKind = iota
	kindWoman
	kindFamily
	kindMSNA
)

type weighted[T any] struct {
	v T
	w int
}

func draw[T any](r *rand.Rand, ws []weighted[T]) T {
	total := 0
	for _, x := range ws {
		total += x.w
	}
	n := r.IntN(total)
	for _, x := range ws {
		if n -= x.w; n < 0 {
			return x.v
		}
	}
	return ws[len(ws)-1].v
}

// Nationalities of the 2023–24 arrivals (brief, §8), with a long tail.
var nationalityWeights = []weighted[string]{
	{"GIN", 115}, {"CIV", 101}, {"TUN", 110}, {"BGD", 95}, {"EGY", 70}, {"PAK", 60}, {"SYR", 45}, {"BFA", 40},
	{"MLI", 38}, {"NGA", 35}, {"SEN", 30}, {"GMB", 28}, {"CMR", 25}, {"SDN", 22}, {"AFG", 22}, {"MAR", 20},
	{"ERI", 15}, {"GHA", 14}, {"SOM", 12}, {"SLE", 10}, {"ETH", 8}, {"DZA", 8}, {"IRN", 6}, {"IRQ", 6}, {"TCD", 5},
	{"BEN", 5}, {"TGO", 5}, {"NER", 4}, {"LBY", 4}, {"PSE", 4}, {"NPL", 3}, {"LKA", 3}, {"UKR", 3}, {"GEO", 3},
	{"PER", 2}, {"VEN", 2}, {"COL", 2}, {"TUR", 3}, {"ALB", 2}, {"COD", 3},
}

// Families come more often from the Middle East, Afghanistan and Nigeria.
var familyNationalityWeights = []weighted[string]{
	{"SYR", 30}, {"AFG", 20}, {"NGA", 15}, {"CIV", 12}, {"IRQ", 8}, {"UKR", 6}, {"GIN", 8}, {"CMR", 6}, {"PSE", 5},
	{"GEO", 4}, {"PER", 3}, {"VEN", 3}, {"COL", 3}, {"TUN", 5}, {"EGY", 4},
}

var exitReasonWeights = []weighted[string]{
	{"trasferimento_sai", 20}, {"allontanamento_volontario", 26}, {"protezione_riconosciuta", 12},
	{"fine_accoglienza_decisione_definitiva", 10}, {"trasferimento_cas_stessa_provincia", 10},
	{"trasferimento_cas_altra_provincia", 5}, {"revoca_art23_a", 2}, {"revoca_art23_b", 1}, {"revoca_art23_c", 1},
	{"revoca_art23_d", 1}, {"rinuncia", 4}, {"mancato_arrivo", 3}, {"accertamento_eta", 2}, {"ricovero", 2},
	{"decesso", 1},
}

var landings = []weighted[string]{{"Lampedusa", 60}, {"Pozzallo", 8}, {"Augusta", 6}, {"Reggio Calabria", 6},
	{"Ravenna", 5}, {"Ancona", 4}, {"Bari", 4}, {"Crotone", 3}, {"Porto Empedocle", 4}}

// Name pools by origin: common given names and family names, combined at
// random, so that nobody real is described.
var namePools = map[string][2][]string{
	"west": {{"Mamadou", "Ibrahima", "Abdoulaye", "Moussa", "Ousmane", "Sekou", "Alpha", "Lamine", "Kofi", "Yaya",
		"Aminata", "Fatoumata", "Mariama", "Awa", "Kadiatou", "Adama", "Souleymane", "Bakary", "Issa", "Oumar"},
		{"Diallo", "Camara", "Traoré", "Konaté", "Bah", "Sow", "Barry", "Keïta", "Coulibaly", "Koné", "Touré",
			"Cissé", "Sylla", "Doumbia", "Ouattara", "Bamba", "Diabaté", "Fofana", "Kourouma", "Sangaré"}},
	"arab": {{"Mohamed", "Ahmed", "Youssef", "Omar", "Ali", "Mahmoud", "Karim", "Hamza", "Bilal", "Khaled",
		"Fatma", "Amira", "Leila", "Nour", "Rania", "Samir", "Tarek", "Walid", "Hassan", "Ayoub"},
		{"Ben Ali", "Trabelsi", "Gharbi", "Haddad", "Hamdi", "Mansour", "Saleh", "Abdallah", "Ibrahim", "Mahmoud",
			"Khalil", "Aziz", "Jaber", "Nasser", "Hussein", "Said", "Farouk", "Rahman", "Osman", "Yassin"}},
	"south": {{"Md", "Rahim", "Karim", "Sohel", "Arif", "Imran", "Tariq", "Bilal", "Usman", "Farhan",
		"Nasreen", "Ayesha", "Rubina", "Shafiq", "Jamal", "Hasan", "Rasel", "Sumon", "Zahid", "Ahmad"},
		{"Hossain", "Rahman", "Islam", "Uddin", "Ahmed", "Khan", "Akter", "Mia", "Sarker", "Chowdhury", "Hussain",
			"Malik", "Butt", "Iqbal", "Shah", "Qureshi", "Rashid", "Haque", "Alam", "Karimi"}},
	"east": {{"Yonas", "Dawit", "Abdi", "Mohamed", "Tesfay", "Samuel", "Hiwet", "Senait", "Faisal", "Ali",
		"Olena", "Giorgi", "Luis", "María", "John", "Grace", "Blessing", "Emmanuel", "Peter", "Joy"},
		{"Tesfaye", "Gebremedhin", "Hailu", "Abdullahi", "Warsame", "Ahmed", "Kidane", "Bekele", "Okafor", "Eze",
			"Adeyemi", "Okoro", "Kovalenko", "Beridze", "Quispe", "Rodríguez", "Mensah", "Osei", "Nkemelu", "Obi"}},
}

func namePool(nationality string) [2][]string {
	switch nationality {
	case "GIN", "CIV", "BFA", "MLI", "SEN", "GMB", "CMR", "SLE", "TCD", "BEN", "TGO", "NER", "GHA", "COD":
		return namePools["west"]
	case "TUN", "EGY", "SYR", "SDN", "MAR", "DZA", "LBY", "PSE", "IRQ":
		return namePools["arab"]
	case "BGD", "PAK", "AFG", "NPL", "LKA", "IRN":
		return namePools["south"]
	}
	return namePools["east"]
}

// PopulationOptions size the population's history.
type PopulationOptions struct {
	// MeanStayDays is the mean length of the past stays of each bed (the
	// shorter, the more historic stays).
	MeanStayDays float64
	// HistoryDays is how far back the beds' histories go.
	HistoryDays int
}

// Population returns a generator of the people hosted in the seed's
// facilities now (one per declared occupied place) and of the beds' past
// occupants. Deterministic for the same facilities and time.
func Population(scale Scale, facilities []store.SeedFacility, now time.Time, opt PopulationOptions) func(store.PopulationEmitter) error {
	return func(emit store.PopulationEmitter) error {
		r := rand.New(rand.NewPCG(defaultSeed, 5))
		p := &people{r: r, now: now, cuiBase: 30_000_000 + r.IntN(1_000_000)}
		if scale == ScaleNation {
			p.cuiBase = 50_000_000
		}
		horizon := now.AddDate(0, 0, -opt.HistoryDays)
		for _, sf := range facilities {
			f := sf.Facility
			free := f.Occupied
			for free > 0 {
				kind := p.kind(f)
				size := 1
				if kind == kindFamily {
					size = min(2+int(math.Min(5, r.ExpFloat64()*1.6)), free)
					if size < 2 {
						kind = kindWoman
						if f.Target == domain.TargetMen || f.Target == domain.TargetMixed {
							kind = kindMan
						}
					}
				}
				free -= size
				// The present unit entered some time ago; earlier units held the
				// same beds before it, back to the horizon.
				entered := now.Add(-time.Duration(r.ExpFloat64()*opt.MeanStayDays*24*float64(time.Hour)) - time.Hour)
				if entered.Before(horizon) {
					entered = horizon.Add(time.Duration(r.IntN(72)) * time.Hour)
				}
				if err := p.unit(emit, kind, size, f.Code, entered, nil); err != nil {
					return err
				}
				end := entered.Add(-time.Duration(r.IntN(20*24)) * time.Hour)
				for end.After(horizon) {
					los := time.Duration((5 + r.ExpFloat64()*opt.MeanStayDays) * 24 * float64(time.Hour))
					start := end.Add(-los)
					exit := end
					if err := p.unit(emit, kind, size, f.Code, start, &exit); err != nil {
						return err
					}
					end = start.Add(-time.Duration(r.IntN(15*24)) * time.Hour)
				}
			}
		}
		return nil
	}
}

type people struct {
	r       *rand.Rand
	now     time.Time
	cuiBase int
	n       int
	hh      int
}

func (p *people) kind(f *domain.Facility) unitKind {
	r := p.r
	switch f.Target {
	case domain.TargetMen:
		return kindMan
	case domain.TargetWomen:
		if r.IntN(10) < 3 {
			return kindFamily
		}
		return kindWoman
	case domain.TargetFamilies:
		if r.IntN(10) == 0 {
			return kindMan // a single man placed where a family's place was free
		}
		return kindFamily
	case domain.TargetMSNA:
		return kindMSNA
	}
	return draw(r, []weighted[unitKind]{{kindMan, 76}, {kindWoman, 2}, {kindFamily, 2}, {kindMSNA, 20}})
}

// unit emits one person, or a household of size people, entering the
// facility at entered (and leaving at exit, with a reason, when not nil).
func (p *people) unit(emit store.PopulationEmitter, kind unitKind, size int, facility string, entered time.Time, exit *time.Time) error {
	r := p.r
	nat := draw(r, nationalityWeights)
	if kind == kindFamily {
		nat = draw(r, familyNationalityWeights)
	}
	pool := namePool(nat)
	surname := pool[1][r.IntN(len(pool[1]))]
	arrival := entered.Add(-time.Duration(1+r.IntN(10)) * 24 * time.Hour).UTC().Truncate(24 * time.Hour)
	channel, place := "sbarco", draw(r, landings)
	switch x := r.IntN(100); {
	case x < 8:
		channel, place = "frontiera_terrestre", "Trieste"
	case x < 12:
		channel, place = "rientro_dublino", "Aeroporto di Bologna"
	case x < 15:
		channel, place = "rintraccio", "Bologna"
	}
	stage, stageDate := p.stage(arrival, exit)
	reason := ""
	if exit != nil {
		reason = draw(r, exitReasonWeights)
		ex := exit.UTC()
		exit = &ex
	}
	household := ""
	if kind == kindFamily {
		p.hh++
		household = fmt.Sprintf("demo-nucleo-%07d", p.hh)
	}
	for i := range size {
		p.n++
		g := &domain.Guest{Surname: surname, Nationality: nat, ArrivalDate: &arrival, ArrivalChannel: channel,
			ArrivalPlace: place, Stage: stage, StageDate: stageDate, HouseholdID: household}
		if r.IntN(100) < 85 {
			g.CUI = fmt.Sprintf("%08d", p.cuiBase+p.n)
		}
		var age int
		switch {
		case kind == kindMan:
			g.Sex, age = domain.SexMale, 18+int(math.Min(45, r.ExpFloat64()*6.5))
		case kind == kindWoman:
			g.Sex, age = domain.SexFemale, 18+int(math.Min(45, r.ExpFloat64()*8))
		case kind == kindMSNA:
			g.Sex, age, g.MSNA = domain.SexMale, 15+r.IntN(3), true
			if r.IntN(10) == 0 {
				g.Sex = domain.SexFemale
			}
		case i == 0:
			g.HouseholdRole, g.Sex, age = "head", domain.SexMale, 24+r.IntN(20)
			if r.IntN(5) == 0 {
				g.Sex = domain.SexFemale
			}
		case i == 1 && size > 2:
			g.HouseholdRole, g.Sex, age = "partner", domain.SexFemale, 21+r.IntN(18)
		default:
			g.HouseholdRole, g.Sex, age = "child", []string{domain.SexMale, domain.SexFemale}[r.IntN(2)], r.IntN(16)
		}
		given := pool[0][r.IntN(len(pool[0]))]
		g.GivenName = given
		born := p.now.AddDate(-age, 0, -r.IntN(365))
		if r.IntN(10) < 3 {
			born, g.BirthEstimated = time.Date(born.Year(), 1, 1, 0, 0, 0, 0, time.UTC), true
		} else {
			born = time.Date(born.Year(), born.Month(), born.Day(), 0, 0, 0, 0, time.UTC)
		}
		g.BirthDate = born
		var stays []store.SeedStay
		stays = append(stays, store.SeedStay{Facility: facility, Entered: entered, Exited: exit, Reason: reason})
		var vulns []domain.Vulnerability
		if exit == nil && r.IntN(20) == 0 { // about 5% of the people present
			code := []string{"tortura_violenza", "disturbo_mentale", "malattia_grave", "tratta", "disabilita", "gravidanza"}[r.IntN(6)]
			if g.MSNA {
				code = "msna"
			}
			vulns = append(vulns, domain.Vulnerability{Code: code, Status: domain.VulnerabilityStatuses[r.IntN(2)],
				Source: "équipe della struttura", Date: entered.AddDate(0, 0, 7).UTC().Truncate(24 * time.Hour)})
		}
		if err := emit(g, stays, vulns); err != nil {
			return err
		}
	}
	return nil
}

// stage is where the procedure stands at the end of the stay (or now): the
// longer since arrival, the further along.
func (p *people) stage(arrival time.Time, exit *time.Time) (domain.ProcedureStage, *time.Time) {
	at := p.now
	if exit != nil {
		at = *exit
	}
	months := at.Sub(arrival).Hours() / 24 / 30
	var s domain.ProcedureStage
	switch {
	case months < 1:
		s = domain.StageToFormalise
	case months < 3:
		s = domain.StageC3Lodged
	case months < 8:
		s = domain.StageAwaitHearing
	case months < 11:
		s = domain.StageHeard
	default:
		s = draw(p.r, []weighted[domain.ProcedureStage]{{domain.StageRefugee, 8}, {domain.StageSubsidiary, 8},
			{domain.StageSpecial, 12}, {domain.StageRejected, 20}, {domain.StageAppeal, 40}, {domain.StageAppealDone, 12}})
	}
	d := arrival.Add(time.Duration(months*0.8*30*24) * time.Hour).Truncate(24 * time.Hour)
	return s, &d
}
