package sheet

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/gesta-er/gesta/internal/domain"
)

// columns maps the headers of the prefectures' spreadsheets to fields; keys
// are normalised (lower case, no accents, letters and digits only).
var columns = map[string]string{
	"codice": "code", "codicestruttura": "code",
	"nome": "name", "denominazione": "name", "struttura": "name", "nomestruttura": "name",
	"tipologia": "type", "tipo": "type",
	"destinatari": "target", "target": "target", "utenza": "target",
	"entegestore": "gestore", "gestore": "gestore", "partitaiva": "gestore", "pivaentegestore": "gestore",
	"comune": "comune", "codicecomune": "comune", "codiceistat": "comune", "istatcomune": "comune",
	"indirizzo":       "address",
	"cig":             "cig",
	"iniziocontratto": "contract_start", "datainiziocontratto": "contract_start",
	"finecontratto": "contract_end", "datafinecontratto": "contract_end", "scadenzacontratto": "contract_end",
	"prezzo": "price", "prezzoprocapiteprodie": "price", "costoprocapiteprodie": "price",
	"posticontrattualizzati": "contracted", "postifinanziati": "contracted", "capienza": "contracted",
	"postiattivi":   "active",
	"postioccupati": "occupied", "presenze": "occupied", "occupati": "occupied",
	"caratteristiche": "features",
	"stato":           "status",
}

func normHeader(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(s))) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var typeWords = map[string]domain.FacilityType{
	"cascollettivo": domain.TypeCASCollettivo, "centrocollettivo": domain.TypeCASCollettivo, "collettivo": domain.TypeCASCollettivo,
	"casappartamento": domain.TypeCASAppartamento, "appartamento": domain.TypeCASAppartamento, "accoglienzadiffusa": domain.TypeCASAppartamento,
	"hub": domain.TypeHub, "cpa": domain.TypeCPA, "saiordinario": domain.TypeSAIOrdinario, "sai": domain.TypeSAIOrdinario,
	"saidmds": domain.TypeSAIDMDS, "saimsna": domain.TypeSAIMSNA, "msnaprimaaccoglienza": domain.TypeMSNAPrima,
	"primaaccoglienzamsna": domain.TypeMSNAPrima,
}

var targetWords = map[string]domain.Target{
	"uomini": domain.TargetMen, "uominisoli": domain.TargetMen, "maschi": domain.TargetMen,
	"donne": domain.TargetWomen, "donnesole": domain.TargetWomen,
	"nuclei": domain.TargetFamilies, "nucleifamiliari": domain.TargetFamilies, "famiglie": domain.TargetFamilies,
	"msna": domain.TargetMSNA, "minori": domain.TargetMSNA, "misto": domain.TargetMixed, "misti": domain.TargetMixed,
}

var featureWords = map[string]string{
	"wheelchair": domain.FeatureWheelchair, "sediaarotelle": domain.FeatureWheelchair, "accessibile": domain.FeatureWheelchair,
	"vulnerable": domain.FeatureVulnerable, "vulnerabili": domain.FeatureVulnerable,
	"infants": domain.FeatureInfants, "neonati": domain.FeatureInfants,
	"medical": domain.FeatureMedical, "presidiosanitario": domain.FeatureMedical, "sanitario": domain.FeatureMedical,
}

var statusWords = map[string]domain.FacilityStatus{
	"attiva": domain.StatusActive, "active": domain.StatusActive, "sospesa": domain.StatusSuspended,
	"suspended": domain.StatusSuspended, "chiusa": domain.StatusClosed, "closed": domain.StatusClosed,
}

// ParseFacilities maps rows (header first) to facility rows. Problems of the
// header are returned as an error; problems of cells stay with their row.
func ParseFacilities(rows [][]string) ([]domain.ImportRow, error) {
	if len(rows) == 0 {
		return nil, formatErr("sheet.empty")
	}
	idx := map[string]int{}
	header := map[string]string{}
	for i, h := range rows[0] {
		if f, ok := columns[normHeader(h)]; ok {
			if _, dup := idx[f]; dup {
				return nil, formatErr("sheet.duplicate_column", "Column", h)
			}
			idx[f], header[f] = i, strings.TrimSpace(h)
		}
	}
	var missing []string
	for _, need := range []string{"name", "type", "target", "gestore", "comune", "contracted", "active"} {
		if _, ok := idx[need]; !ok {
			missing = append(missing, need)
		}
	}
	if len(missing) > 0 {
		return nil, formatErr("sheet.facility.missing_columns", "Columns", italianNames(missing))
	}
	var out []domain.ImportRow
	for n, rec := range rows[1:] {
		line := n + 2
		cell := func(f string) string {
			i, ok := idx[f]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if strings.Join(rec, "") == "" {
			continue // blank line
		}
		r := domain.ImportRow{Line: line, Gestore: cell("gestore"), Comune: cell("comune")}
		bad := func(f, msgID string, kv ...any) {
			r.Errors = append(r.Errors, domain.ImportError{Line: line, Column: header[f], MsgID: msgID, Args: domain.Args(kv...)})
		}
		f := &r.Facility
		f.Code, f.Name, f.Address, f.CIG = strings.ToUpper(cell("code")), cell("name"), cell("address"), cell("cig")
		if f.Name == "" {
			bad("name", "sheet.facility.name_required")
		}
		if t, ok := typeWords[normHeader(cell("type"))]; ok {
			f.Type = t
		} else {
			bad("type", "sheet.facility.type_unknown", "Value", cell("type"))
		}
		if t, ok := targetWords[normHeader(cell("target"))]; ok {
			f.Target = t
		} else {
			bad("target", "sheet.facility.target_unknown", "Value", cell("target"))
		}
		if r.Gestore == "" {
			bad("gestore", "sheet.facility.gestore_required")
		}
		if r.Comune == "" {
			bad("comune", "sheet.facility.comune_required")
		}
		num := func(fld string, required bool) (int, bool) {
			s := strings.ReplaceAll(cell(fld), ".", "")
			if s == "" {
				if required {
					bad(fld, "sheet.value_required")
				}
				return 0, false
			}
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 {
				bad(fld, "sheet.not_count", "Value", cell(fld))
				return 0, false
			}
			return v, true
		}
		f.Contracted, _ = num("contracted", true)
		f.Active, _ = num("active", true)
		if v, ok := num("occupied", false); ok {
			r.Occupied = &v
		}
		if s := cell("price"); s != "" {
			p, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(strings.TrimPrefix(s, "€"), ".", ""), ",", "."), 64)
			if err != nil || p < 0 {
				bad("price", "sheet.not_price", "Value", s)
			} else {
				f.PriceCents = int(p*100 + 0.5)
			}
		}
		date := func(fld string) *time.Time {
			s := cell(fld)
			if s == "" {
				return nil
			}
			for _, layout := range []string{"02/01/2006", "2/1/2006", "2006-01-02", "01-02-06"} {
				if t, err := time.Parse(layout, s); err == nil {
					return &t
				}
			}
			bad(fld, "sheet.not_date", "Value", s)
			return nil
		}
		f.ContractFrom, f.ContractTo = date("contract_start"), date("contract_end")
		f.Features = []string{}
		for _, w := range strings.FieldsFunc(cell("features"), func(r rune) bool { return r == ',' || r == ';' || r == '/' }) {
			if ft, ok := featureWords[normHeader(w)]; ok {
				f.Features = append(f.Features, ft)
			} else if strings.TrimSpace(w) != "" {
				bad("features", "sheet.facility.feature_unknown", "Value", strings.TrimSpace(w))
			}
		}
		f.Status = domain.StatusActive
		if s := cell("status"); s != "" {
			if st, ok := statusWords[normHeader(s)]; ok {
				f.Status = st
			} else {
				bad("status", "sheet.facility.status_unknown", "Value", s)
			}
		}
		if f.Active > f.Contracted {
			bad("active", "sheet.facility.active_over")
		}
		if r.Occupied != nil && *r.Occupied > f.Contracted {
			bad("occupied", "sheet.facility.occupied_over")
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, formatErr("sheet.no_rows")
	}
	return out, nil
}

func italianNames(fields []string) string {
	names := map[string]string{"name": "nome", "type": "tipologia", "target": "destinatari", "gestore": "ente gestore",
		"comune": "comune", "contracted": "posti contrattualizzati", "active": "posti attivi"}
	var out []string
	for _, f := range fields {
		out = append(out, "«"+names[f]+"»")
	}
	return strings.Join(out, ", ")
}
