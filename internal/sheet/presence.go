package sheet

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/gesta-er/gesta/internal/domain"
)

// MaxPresenceRows bounds a presence list: the largest facility lists a few
// thousand people, a managing entity's whole list tens of thousands.
const MaxPresenceRows = 25_000

var presenceColumns = map[string]string{
	"cui": "cui", "codicecui": "cui", "codiceunicoidentificativo": "cui", "codiceunico": "cui",
	"cognome": "surname", "cognomi": "surname",
	"nome": "given_name", "nomi": "given_name", "nomeproprio": "given_name",
	"cognomeenome": "full_name", "nominativo": "full_name", "cognomenome": "full_name",
	"sesso": "sex", "genere": "sex", "mf": "sex",
	"datadinascita": "birth", "datanascita": "birth", "natail": "birth", "natoil": "birth", "nascita": "birth",
	"annodinascita": "birth", "dn": "birth",
	"nazionalita": "nationality", "cittadinanza": "nationality", "paesediorigine": "nationality", "stato": "nationality",
	"paese": "nationality", "nazione": "nationality",
	"dataingresso": "entered", "datadingresso": "entered", "datadiingresso": "entered", "ingresso": "entered",
	"ingressoincas": "entered", "dataingressostruttura": "entered", "arrivo": "entered", "dataarrivo": "entered",
	"nucleo": "household", "codicenucleo": "household", "nucleofamiliare": "household",
	"codicestruttura": "facility", "struttura": "facility", "codicecas": "facility", "cas": "facility",
	"strutturacodice": "facility", "ingressoinstruttura": "entered", "datadiingressoinstruttura": "entered",
	"msna": "msna", "minorenonaccompagnato": "msna", "minorestranieronnonaccompagnato": "msna",
	"ruolo": "role", "ruolonelnucleo": "role", "parentela": "role", "relazione": "role", "relazioneconilcapofamiglia": "role",
}

var presenceLabels = map[string]string{"cui": "CUI", "surname": "cognome", "given_name": "nome", "sex": "sesso",
	"birth": "data di nascita", "nationality": "cittadinanza", "entered": "data di ingresso", "household": "nucleo",
	"full_name": "cognome e nome", "facility": "struttura", "msna": "MSNA", "role": "ruolo nel nucleo"}

// ParsePresence reads an operator's presence list as people bring them:
// title rows above the header (merged cells), a header split over two rows
// ("Data di" / "nascita"), dates as gg/mm/aaaa, gg-mm-aa, aaaa-mm-gg, Excel
// serial numbers or just the year (estimated), names with accents, Italian
// country names or ISO codes, CUI often missing, a totals row at the foot.
// Every cell problem is reported with its row and column, and a row with a
// problem is left out of the people; a header that cannot be found is a
// FormatError.
func ParsePresence(rows [][]string) ([]domain.PresenceRow, []domain.CellError, error) {
	head, idx, err := findPresenceHeader(rows)
	if err != nil {
		return nil, nil, err
	}
	var out []domain.PresenceRow
	var errs []domain.CellError
	for n := head + 1; n < len(rows); n++ {
		rec := rows[n]
		cell := func(f string) string {
			i, ok := idx[f]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.Join(strings.Fields(rec[i]), " ")
		}
		if blank(rec) {
			continue
		}
		line := n + 1
		bad := func(f, msgID string, kv ...any) {
			errs = append(errs, domain.CellError{Line: line, Column: presenceLabels[f], MsgID: msgID, Args: domain.Args(kv...)})
		}
		p := domain.PresenceRow{Line: line, CUI: strings.ToUpper(strings.ReplaceAll(cell("cui"), " ", "")),
			Surname: cell("surname"), GivenName: cell("given_name"), Household: cell("household"),
			Facility: strings.ToUpper(cell("facility"))}
		if full := cell("full_name"); full != "" && p.Surname == "" && p.GivenName == "" {
			// "COGNOME Nome": the surname is the first word (or the words in capitals).
			words := strings.Fields(full)
			k := 1
			for k < len(words) && strings.ToUpper(words[k]) == words[k] && strings.ToUpper(words[0]) == words[0] {
				k++
			}
			if k == len(words) {
				k = 1
			}
			p.Surname, p.GivenName = strings.Join(words[:k], " "), strings.Join(words[k:], " ")
		}
		if isTotals(rec) {
			continue // a totals row at the foot of the list
		}
		before := len(errs)
		if p.Surname == "" && p.GivenName == "" {
			bad("surname", "sheet.presence.name_required")
		}
		if p.CUI != "" && !validCUI(p.CUI) {
			bad("cui", "sheet.presence.cui_invalid", "Value", cell("cui"))
			p.CUI = ""
		}
		switch s := normHeader(cell("sex")); s {
		case "m", "maschio", "uomo", "maschile":
			p.Sex = domain.SexMale
		case "f", "femmina", "donna", "femminile":
			p.Sex = domain.SexFemale
		case "x", "altro":
			p.Sex = domain.SexOther
		case "":
			bad("sex", "sheet.presence.sex_required")
		default:
			bad("sex", "sheet.presence.sex_unknown", "Value", cell("sex"))
		}
		if v := cell("birth"); v == "" {
			bad("birth", "sheet.presence.birth_required")
		} else if d, est, ok := parseItalianDate(v); !ok || d.Year() < 1900 || d.After(time.Now()) {
			bad("birth", "sheet.presence.date_invalid", "Value", v)
		} else {
			p.BirthDate, p.BirthEstimated = d, est
		}
		if v := cell("nationality"); v == "" {
			bad("nationality", "sheet.presence.nationality_required")
		} else if c, ok := nationalityCode(v); ok {
			p.Nationality = c
		} else {
			bad("nationality", "sheet.presence.nationality_unknown", "Value", v)
		}
		if v := cell("entered"); v != "" {
			if d, _, ok := parseItalianDate(v); ok {
				p.EnteredAt = d
			} else {
				bad("entered", "sheet.presence.date_invalid", "Value", v)
			}
		}
		switch v := normHeader(cell("msna")); v {
		case "", "no", "n", "0", "falso", "false":
		case "si", "s", "x", "1", "vero", "true", "msna":
			p.MSNA = true
		default:
			bad("msna", "sheet.presence.yesno", "Value", cell("msna"))
		}
		switch v := normHeader(cell("role")); {
		case v == "":
		case v == "capofamiglia" || v == "capo" || v == "caponucleo" || v == "richiedente":
			p.HouseholdRole = "head"
		case v == "coniuge" || v == "moglie" || v == "marito" || v == "partner" || v == "convivente":
			p.HouseholdRole = "partner"
		case strings.HasPrefix(v, "figli") || v == "minore":
			p.HouseholdRole = "child"
		default:
			p.HouseholdRole = "other"
		}
		if len(errs) == before { // a row with errors is reported, not used
			out = append(out, p)
		}
	}
	if len(out) == 0 && len(errs) == 0 {
		return nil, nil, formatErr("sheet.presence.no_people")
	}
	return out, errs, nil
}

// findPresenceHeader looks in the first rows for the header: the row (or a
// row joined with the one below it, for headers split over two rows) that
// names the surname, the birth date and the nationality.
func findPresenceHeader(rows [][]string) (int, map[string]int, error) {
	for n := 0; n < len(rows) && n < 15; n++ {
		for _, two := range []bool{false, true} {
			if two && n+1 >= len(rows) {
				continue
			}
			idx := map[string]int{}
			width := len(rows[n])
			if two && len(rows[n+1]) > width {
				width = len(rows[n+1])
			}
			for i := 0; i < width; i++ {
				// A header split over two rows ("Data di" / "nascita") is read
				// joined; a cell merged down (or a group title above) by itself.
				cands := []string{at(rows[n], i)}
				if two {
					top, below := at(rows[n], i), at(rows[n+1], i)
					cands = []string{strings.TrimSpace(top + " " + below), below, top}
				}
				for _, h := range cands {
					if f, ok := presenceColumns[normHeader(h)]; ok && h != "" {
						if _, dup := idx[f]; !dup {
							idx[f] = i
						}
						break
					}
				}
			}
			_, name := idx["surname"]
			_, full := idx["full_name"]
			_, birth := idx["birth"]
			_, nat := idx["nationality"]
			if (name || full) && birth && nat {
				if two {
					return n + 1, idx, nil
				}
				return n, idx, nil
			}
		}
	}
	return 0, nil, formatErr("sheet.presence.no_header")
}

func at(rec []string, i int) string {
	if i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

func isTotals(rec []string) bool {
	for _, c := range rec {
		if n := normHeader(c); n == "totale" || n == "totali" || strings.HasPrefix(n, "totalepresenze") {
			return true
		}
	}
	return false
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func validCUI(s string) bool {
	if len(s) < 6 || len(s) > 12 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// parseItalianDate reads the dates found in Italian lists. est is true when
// only the year is known: a bare year or the conventional 01/01/aaaa.
func parseItalianDate(v string) (time.Time, bool, bool) {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		switch {
		case n >= 1900 && n <= 2100: // just the year
			return time.Date(n, 1, 1, 0, 0, 0, 0, time.UTC), true, true
		case n > 2100 && n < 80000: // an Excel serial date (days since 1899-12-30)
			d := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
			return d, d.Month() == 1 && d.Day() == 1, true
		}
		return time.Time{}, false, false
	}
	if i := strings.IndexAny(v, " T"); i > 0 {
		v = v[:i] // "15/03/2001 00:00:00"
	}
	// Go's "2" and "1" read one or two digits: 7/4/1998 and 07/04/1998 alike.
	for _, layout := range []string{"2/1/2006", "2-1-2006", "2.1.2006", "2006-1-2", "2/1/06", "2-1-06", "2.1.06"} {
		if d, err := time.Parse(layout, v); err == nil {
			if d.Year() > time.Now().Year() && strings.Count(layout, "2006") == 0 {
				d = d.AddDate(-100, 0, 0)
			}
			return d, d.Month() == 1 && d.Day() == 1, true
		}
	}
	return time.Time{}, false, false
}

// nationalityCode accepts an ISO alpha-3 code or an Italian country name,
// with or without accents ("Costa d'Avorio", "COSTA D AVORIO", "Nazionalità: CIV").
func nationalityCode(v string) (string, bool) {
	up := strings.ToUpper(strings.TrimSpace(v))
	if len(up) == 3 && domain.NationalityName(up) != up {
		return up, true
	}
	key := foldName(v)
	for _, c := range domain.Nationalities() {
		if foldName(domain.NationalityName(c)) == key {
			return c, true
		}
	}
	if c, ok := nationalityAliases[key]; ok {
		return c, true
	}
	return "", false
}

var nationalityAliases = map[string]string{
	"ivoriana": "CIV", "ivoriano": "CIV", "costadavorio": "CIV", "cotedivoire": "CIV", "guineana": "GIN",
	"guineano": "GIN", "guineaconakry": "GIN", "tunisina": "TUN", "tunisino": "TUN", "bangladese": "BGD",
	"bengalese": "BGD", "egiziana": "EGY", "egiziano": "EGY", "pakistana": "PAK", "pakistano": "PAK",
	"siriana": "SYR", "siriano": "SYR", "nigeriana": "NGA", "nigeriano": "NGA", "maliana": "MLI", "maliano": "MLI",
	"senegalese": "SEN", "gambiana": "GMB", "gambiano": "GMB", "afgana": "AFG", "afgano": "AFG", "afghana": "AFG",
	"afghano": "AFG", "marocchina": "MAR", "marocchino": "MAR", "sudanese": "SDN", "eritrea": "ERI", "eritreo": "ERI",
	"burkinabe": "BFA", "camerunense": "CMR", "ghanese": "GHA", "somala": "SOM", "somalo": "SOM",
	"repubblicademocraticadelcongo": "COD", "rdcongo": "COD", "ucraina": "UKR", "ucraino": "UKR",
}

func foldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
