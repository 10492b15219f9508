package domain

import "sort"

// nationalities names, in Italian, the countries of origin seen in reception
// (ISO 3166-1 alpha-3), plus the frequent others. A code not listed is shown
// as the code itself: the registry accepts any well-formed code.
var nationalities = map[string]string{
	"AFG": "Afghanistan", "AGO": "Angola", "ALB": "Albania", "ARM": "Armenia", "AZE": "Azerbaigian",
	"BDI": "Burundi", "BEN": "Benin", "BFA": "Burkina Faso", "BGD": "Bangladesh", "BIH": "Bosnia ed Erzegovina",
	"BLR": "Bielorussia", "BOL": "Bolivia", "BRA": "Brasile", "BTN": "Bhutan", "CAF": "Repubblica Centrafricana",
	"CHN": "Cina", "CIV": "Costa d'Avorio", "CMR": "Camerun", "COD": "Repubblica Democratica del Congo",
	"COG": "Congo", "COL": "Colombia", "COM": "Comore", "CPV": "Capo Verde", "CUB": "Cuba", "DJI": "Gibuti",
	"DOM": "Repubblica Dominicana", "DZA": "Algeria", "ECU": "Ecuador", "EGY": "Egitto", "ERI": "Eritrea",
	"ESH": "Sahara Occidentale", "ETH": "Etiopia", "GAB": "Gabon", "GEO": "Georgia", "GHA": "Ghana",
	"GIN": "Guinea", "GMB": "Gambia", "GNB": "Guinea-Bissau", "GNQ": "Guinea Equatoriale", "HND": "Honduras",
	"HTI": "Haiti", "IND": "India", "IRN": "Iran", "IRQ": "Iraq", "ITA": "Italia", "JOR": "Giordania",
	"KAZ": "Kazakistan", "KEN": "Kenya", "KGZ": "Kirghizistan", "KWT": "Kuwait", "LBN": "Libano", "LBR": "Liberia",
	"LBY": "Libia", "LKA": "Sri Lanka", "MAR": "Marocco", "MDA": "Moldova", "MDG": "Madagascar", "MKD": "Macedonia del Nord",
	"MLI": "Mali", "MMR": "Myanmar", "MNE": "Montenegro", "MOZ": "Mozambico", "MRT": "Mauritania", "MWI": "Malawi",
	"NER": "Niger", "NGA": "Nigeria", "NPL": "Nepal", "PAK": "Pakistan", "PER": "Perù", "PHL": "Filippine",
	"PSE": "Palestina", "ROU": "Romania", "RUS": "Russia", "RWA": "Ruanda", "SAU": "Arabia Saudita", "SDN": "Sudan",
	"SEN": "Senegal", "SLE": "Sierra Leone", "SLV": "El Salvador", "SOM": "Somalia", "SRB": "Serbia",
	"SSD": "Sud Sudan", "SYR": "Siria", "TCD": "Ciad", "TGO": "Togo", "TJK": "Tagikistan", "TKM": "Turkmenistan",
	"TUN": "Tunisia", "TUR": "Turchia", "TZA": "Tanzania", "UGA": "Uganda", "UKR": "Ucraina", "UZB": "Uzbekistan",
	"VEN": "Venezuela", "VNM": "Vietnam", "XKX": "Kosovo", "YEM": "Yemen", "ZAF": "Sudafrica", "ZMB": "Zambia",
	"ZWE": "Zimbabwe", "XXA": "Apolide", "XXX": "Cittadinanza non determinata",
}

// NationalityName returns the Italian name of an ISO 3166-1 alpha-3 code,
// or the code itself when it is not in the table.
func NationalityName(code string) string {
	if n, ok := nationalities[code]; ok {
		return n
	}
	return code
}

// NationalityByName finds the code of a country from its Italian name
// (case and accents as written in the table); ok is false when unknown.
func NationalityByName(name string) (string, bool) {
	for c, n := range nationalities {
		if equalFoldASCII(n, name) {
			return c, true
		}
	}
	return "", false
}

// Nationalities lists the codes with a name, sorted by name.
func Nationalities() []string {
	out := make([]string, 0, len(nationalities))
	for c := range nationalities {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return nationalities[out[i]] < nationalities[out[j]] })
	return out
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
