package sheet

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// SAIColumns are the columns of the SAI template (docs/public-site.md,
// testdata/sai-esempio.csv): one row per SAI project of the metro area.
var SAIColumns = []string{"codice_progetto", "codice_comune_titolare", "tipologia", "posti"}

// MaxSAIPlaces bounds one project's places: a larger figure is a typo.
const MaxSAIPlaces = 2000

// ParseSAI checks a SAI file whole: the header has the template's columns,
// and every row is valid (a code, unique in the file; a comune of comuni, the
// metro area's; a type; places 1..MaxSAIPlaces). It returns the projects and
// every error, each with its line and column; a file with any error is not
// loaded at all. Messages are ids of the "sai.err." family.
func ParseSAI(rows [][]string, comuni map[string]bool) ([]domain.SAIProject, []domain.CellError) {
	var errs []domain.CellError
	bad := func(line int, col, id string, args map[string]any) {
		errs = append(errs, domain.CellError{Line: line, Column: col, MsgID: "sai.err." + id, Args: args})
	}
	head := -1
	for i, r := range rows {
		if !blank(r) {
			head = i
			break
		}
	}
	if head < 0 {
		bad(1, "", "empty", nil)
		return nil, errs
	}
	idx := map[string]int{}
	for i, c := range rows[head] {
		idx[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")))] = i
	}
	for _, c := range SAIColumns {
		if _, ok := idx[c]; !ok {
			bad(head+1, c, "missing_column", nil)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var out []domain.SAIProject
	first := map[string]int{}
	for n := head + 1; n < len(rows); n++ {
		rec := rows[n]
		if blank(rec) {
			continue
		}
		line := n + 1
		cell := func(c string) string {
			if i := idx[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		p := domain.SAIProject{Line: line, Code: strings.ToUpper(cell("codice_progetto")), Comune: cell("codice_comune_titolare"),
			Type: strings.ToLower(cell("tipologia"))}
		switch {
		case p.Code == "":
			bad(line, "codice_progetto", "required", nil)
		case len(p.Code) > 40:
			bad(line, "codice_progetto", "too_long", map[string]any{"Max": 40})
		case first[p.Code] != 0:
			bad(line, "codice_progetto", "duplicate", map[string]any{"Line": first[p.Code]})
		default:
			first[p.Code] = line
		}
		switch {
		case p.Comune == "":
			bad(line, "codice_comune_titolare", "required", nil)
		case len(p.Comune) == 5 && isDigits(p.Comune) && comuni["0"+p.Comune]:
			p.Comune = "0" + p.Comune // a spreadsheet dropped the leading zero
		case !comuni[p.Comune]:
			bad(line, "codice_comune_titolare", "comune", map[string]any{"Value": p.Comune})
		}
		if !slices.Contains(domain.SAITypes, p.Type) {
			bad(line, "tipologia", "type", map[string]any{"Value": cell("tipologia")})
		}
		v, err := strconv.Atoi(cell("posti"))
		if err != nil || v < 1 || v > MaxSAIPlaces {
			bad(line, "posti", "places", map[string]any{"Value": cell("posti"), "Max": MaxSAIPlaces})
		}
		p.Places = v
		out = append(out, p)
	}
	if len(out) == 0 && len(errs) == 0 {
		bad(head+2, "", "no_rows", nil)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
