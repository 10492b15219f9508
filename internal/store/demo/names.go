package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// namer makes unique, plausible and fictitious names of managing entities.
type namer struct {
	r    *rand.Rand
	seen map[string]bool
}

func newNamer(r *rand.Rand) *namer { return &namer{r: r, seen: map[string]bool{}} }

var (
	forms = []string{"Cooperativa sociale", "Società cooperativa sociale", "Consorzio", "Associazione",
		"Fondazione", "Impresa sociale"}
	cores = []string{"Arcobaleno", "Il Ponte", "Orizzonti", "La Rondine", "Terra Comune", "Mosaico", "Approdo",
		"Porto Sicuro", "Il Faro", "Nuovi Passi", "Sentieri", "La Bussola", "Girasole", "Ponti di Pace",
		"Casa Aperta", "Il Melograno", "Radici", "L'Incontro", "Il Sestante", "Solidarietà", "Il Mandorlo",
		"La Tenda", "Crocevia", "Il Volo", "Argonauti", "Itaca", "La Lanterna", "Il Filo", "Oltremare",
		"Il Germoglio", "Coriandolo", "La Carovana"}
	places = []string{"", "", " del Reno", " dell'Appennino", " di Pianura", " Emilia", " Romagna", " del Delta",
		" della Via Emilia", " delle Valli", " Adriatica", " del Po"}
)

func (n *namer) gestore() string {
	for i := 0; ; i++ {
		name := forms[n.r.IntN(len(forms))] + " " + cores[n.r.IntN(len(cores))] + places[n.r.IntN(len(places))]
		if i > 50 {
			name = fmt.Sprintf("%s %d", name, i)
		}
		if !n.seen[name] {
			n.seen[name] = true
			return name
		}
	}
}

// slug turns a name into a domain-like label: "Il Faro del Reno" → "ilfarodelreno".
func slug(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
