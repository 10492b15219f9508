package sdc

import (
	"fmt"
	"slices"
)

// Config holds the disclosure-control parameters. They are policy: change
// them only through an ADR (see the package doc).
type Config struct {
	Threshold              int      // R4: T; counts 1..T-1 are suppressed
	SensitiveThreshold     int      // R4: T for minors, MSNA and vulnerable categories
	Base                   int      // R6: rounding base
	ZeroTotalMin           int      // R4: zeros are suppressed in tables whose total is below this
	BreakdownMinTotal      int      // R2 (b): a comune is broken down only when its total reaches this
	BreakdownMaxCategories int      // R2 (b): at most this many categories in a comune's breakdown
	ComuneForbidden        []string // R2 (c): dimensions never broken down by comune
	DominanceShare         float64  // R7: a facility holding this share of a comune's guests dominates it
	ChangeMin              int      // R8: no month-on-month change at comune level below this
	TopN                   int      // R3: nationalities shown one by one
}

// DefaultConfig is the policy of PUBLIC-SITE.md §4.4.
func DefaultConfig() Config {
	return Config{
		Threshold:              5,
		SensitiveThreshold:     10,
		Base:                   5,
		ZeroTotalMin:           20,
		BreakdownMinTotal:      20,
		BreakdownMaxCategories: 3,
		ComuneForbidden:        []string{"eta", "nazionalita"},
		DominanceShare:         0.85,
		ChangeMin:              20,
		TopN:                   10,
	}
}

func (c Config) validate() error {
	switch {
	case c.Threshold < 1:
		return fmt.Errorf("sdc: threshold %d < 1", c.Threshold)
	case c.SensitiveThreshold < c.Threshold:
		return fmt.Errorf("sdc: sensitive threshold %d below threshold %d", c.SensitiveThreshold, c.Threshold)
	case c.Base < 1 || c.Base%2 == 0:
		// An odd base has no ties: n/Base never ends in .5.
		return fmt.Errorf("sdc: rounding base %d must be odd and positive", c.Base)
	case c.Base > c.Threshold:
		return fmt.Errorf("sdc: rounding base %d above threshold %d", c.Base, c.Threshold)
	case c.DominanceShare <= 0 || c.DominanceShare > 1:
		return fmt.Errorf("sdc: dominance share %v outside (0, 1]", c.DominanceShare)
	}
	return nil
}

// Rule is the stable code of a rule of §4.4; user-facing labels are in the
// i18n catalogues, keyed by it.
type Rule string

const (
	RuleAllowed    Rule = "R2" // breakdown not allowed for this comune
	RuleCategory   Rule = "R3" // category folded into its total
	RuleThreshold  Rule = "R4" // primary suppression
	RuleSecondary  Rule = "R5" // secondary suppression
	RuleRounding   Rule = "R6" // rounded to the base
	RuleDominance  Rule = "R7" // dominant facility: no breakdown
	RuleTimeSeries Rule = "R8" // change not published
)

// Status is what the public sees of a figure; the values are the `stato`
// column of the open data.
type Status string

const (
	Published  Status = "pubblicato"
	Suppressed Status = "soppresso"
)

// Publication is the input: every table of one reference date.
type Publication struct {
	Tables []Table
	// Republished marks figures that are already protected values (a Result
	// turned back into input): rounded categories need not add up to their
	// rounded total.
	Republished bool
}

// Table is one table: a total and the categories that add up to it.
type Table struct {
	ID        string // stable in the publication, e.g. "presenze-profilo/eta"
	Dimension string // e.g. "comune", "sesso", "eta", "tipo_struttura"
	// Sensitive tables (minors, MSNA, vulnerable categories, nationality ×
	// sex) use Config.SensitiveThreshold for every figure.
	Sensitive bool
	// Comune is set on a breakdown of one comune's total (R2 b, R7).
	Comune *Comune
	// Total is the margin; Total.Key "" means the categories are independent
	// figures with no relation between them (a month of the series).
	Total Count
	Cells []Count
}

// Comune describes the comune a breakdown belongs to, for R2 and R7.
type Comune struct {
	Code         string
	Facilities   int     // active facilities at the reference date
	LargestShare float64 // guests of its largest facility / guests of the comune
}

// Count is one raw figure. The same Key in two tables is the same figure (a
// shared margin); it must carry the same Raw and flags everywhere.
type Count struct {
	Key       string
	Raw       int
	Sensitive bool // this figure alone is about minors or vulnerable people
	Fold      bool // counted in its total, never shown (R3)
	Suppress  bool // suppressed whatever its value (a previous pass, or the coordinator)
}

// Cell is one protected figure.
type Cell struct {
	Key       string `json:"key"`
	Raw       int    `json:"raw,omitempty"` // for the coordinator's preview only: never public (see Public)
	Value     int    `json:"value"`         // the published value; 0 when suppressed
	Status    Status `json:"status"`
	Hidden    bool   `json:"hidden,omitempty"` // never shown, not even as suppressed (R2, R3, R7)
	Threshold int    `json:"threshold"`
	Rules     []Rule `json:"rules,omitempty"` // the rules that changed the figure, in rule order
}

// Published returns the public value and whether there is one.
func (c Cell) Published() (int, bool) {
	return c.Value, c.Status == Published
}

// TableResult is a protected table, in the input's order.
type TableResult struct {
	ID        string `json:"id"`
	Dimension string `json:"dimension"`
	Total     *Cell  `json:"total,omitempty"`
	Cells     []Cell `json:"cells"`
}

// Result is a protected publication.
type Result struct {
	Tables []TableResult `json:"tables"`
}

// Cell returns the protected figure of a key.
func (r *Result) Cell(key string) (Cell, bool) {
	for _, t := range r.Tables {
		if t.Total != nil && t.Total.Key == key {
			return *t.Total, true
		}
		for _, c := range t.Cells {
			if c.Key == key {
				return c, true
			}
		}
	}
	return Cell{}, false
}

// Public is what may leave the coordinator's preview: the same tables
// without raw values, rule codes and hidden cells. Public handlers and files
// should be built from it (R0).
func (r *Result) Public() *Result {
	out := &Result{}
	strip := func(c Cell) Cell {
		c.Raw, c.Rules = 0, nil
		return c
	}
	for _, t := range r.Tables {
		pt := TableResult{ID: t.ID, Dimension: t.Dimension}
		if t.Total != nil {
			c := strip(*t.Total)
			pt.Total = &c
		}
		for _, c := range t.Cells {
			if !c.Hidden {
				pt.Cells = append(pt.Cells, strip(c))
			}
		}
		out.Tables = append(out.Tables, pt)
	}
	return out
}

// Publication turns a result back into an input: published figures with
// their published value as raw value, suppressed and hidden ones forced. The
// comune descriptions come from the original input. Protecting it again
// changes nothing (R9 iv).
func (r *Result) Publication(orig Publication) Publication {
	out := Publication{Republished: true}
	conv := func(c Cell, in Count) Count {
		n := Count{Key: c.Key, Raw: c.Value, Sensitive: in.Sensitive}
		switch {
		case c.Hidden:
			n.Raw, n.Fold = c.Raw, true
		case c.Status == Suppressed:
			n.Raw, n.Suppress = c.Raw, true
		}
		return n
	}
	for i, t := range r.Tables {
		in := orig.Tables[i]
		nt := Table{ID: t.ID, Dimension: t.Dimension, Sensitive: in.Sensitive, Comune: in.Comune}
		if t.Total != nil {
			nt.Total = conv(*t.Total, in.Total)
		}
		for j, c := range t.Cells {
			nt.Cells = append(nt.Cells, conv(c, in.Cells[j]))
		}
		out.Tables = append(out.Tables, nt)
	}
	return out
}

// figure is one distinct figure of a publication (a key), while protecting.
type figure struct {
	key       string
	raw       int
	sensitive bool
	fold      bool
	force     bool
	threshold int
	hidden    bool
	suppr     bool
	value     int
	rules     []Rule
	isTotal   bool // total of some relation: secondary suppression takes it last
}

func (f *figure) mark(r Rule) {
	if !slices.Contains(f.rules, r) {
		f.rules = append(f.rules, r)
	}
}

// relation is total = Σ parts, over figure indices.
type relation struct {
	table string
	total int
	parts []int
}

type state struct {
	cfg   Config
	figs  []*figure
	index map[string]int
	rels  []relation
}

// Protect applies the rules to a publication. It fails on inconsistent input
// (categories not adding up to their total, a key with two values, a
// forbidden comune breakdown), never on the data's values.
func Protect(p Publication, cfg Config) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &state{cfg: cfg, index: map[string]int{}}
	if err := s.load(p); err != nil {
		return nil, err
	}
	s.hide(p)     // R2, R3, R7
	s.primary(p)  // R4
	s.secondary() // R5, line by line
	s.round()     // R6
	s.audit()     // R5, against the attacker's linear programme
	return s.result(p), nil
}

// load indexes the figures and relations, checking consistency.
func (s *state) load(p Publication) error {
	ids := map[string]bool{}
	breakdowns := map[string]string{}
	add := func(t Table, c Count, total bool) (int, error) {
		if c.Key == "" {
			return 0, fmt.Errorf("sdc: table %s: a figure without a key", t.ID)
		}
		if c.Raw < 0 {
			return 0, fmt.Errorf("sdc: table %s: %s is negative (%d)", t.ID, c.Key, c.Raw)
		}
		sens := c.Sensitive || t.Sensitive
		if i, ok := s.index[c.Key]; ok {
			f := s.figs[i]
			if f.raw != c.Raw || f.fold != c.Fold || f.force != c.Suppress {
				return 0, fmt.Errorf("sdc: table %s: %s differs from its other occurrence", t.ID, c.Key)
			}
			f.sensitive = f.sensitive || sens
			f.isTotal = f.isTotal || total
			return i, nil
		}
		s.index[c.Key] = len(s.figs)
		s.figs = append(s.figs, &figure{key: c.Key, raw: c.Raw, sensitive: sens, fold: c.Fold, force: c.Suppress, isTotal: total})
		return len(s.figs) - 1, nil
	}
	for _, t := range p.Tables {
		if t.ID == "" || ids[t.ID] {
			return fmt.Errorf("sdc: table id %q missing or repeated", t.ID)
		}
		ids[t.ID] = true
		if t.Comune != nil {
			if slices.Contains(s.cfg.ComuneForbidden, t.Dimension) {
				return fmt.Errorf("sdc: table %s: no %s breakdown at comune level (R2)", t.ID, t.Dimension)
			}
			if prev, ok := breakdowns[t.Comune.Code]; ok {
				return fmt.Errorf("sdc: table %s: comune %s already has a breakdown (%s) (R2)", t.ID, t.Comune.Code, prev)
			}
			breakdowns[t.Comune.Code] = t.ID
			if t.Total.Key == "" {
				return fmt.Errorf("sdc: table %s: a comune breakdown needs the comune's total", t.ID)
			}
		}
		seen := map[string]bool{}
		rel := relation{table: t.ID, total: -1}
		sum := 0
		for _, c := range t.Cells {
			if seen[c.Key] {
				return fmt.Errorf("sdc: table %s: %s repeated", t.ID, c.Key)
			}
			seen[c.Key] = true
			i, err := add(t, c, false)
			if err != nil {
				return err
			}
			rel.parts = append(rel.parts, i)
			sum += c.Raw
		}
		if t.Total.Key == "" {
			continue
		}
		if seen[t.Total.Key] {
			return fmt.Errorf("sdc: table %s: the total is also a category", t.ID)
		}
		if sum != t.Total.Raw && !p.Republished {
			return fmt.Errorf("sdc: table %s: categories add up to %d, the total is %d", t.ID, sum, t.Total.Raw)
		}
		i, err := add(t, t.Total, true)
		if err != nil {
			return err
		}
		rel.total = i
		s.rels = append(s.rels, rel)
	}
	for _, f := range s.figs {
		f.threshold = s.cfg.Threshold
		if f.sensitive {
			f.threshold = s.cfg.SensitiveThreshold
		}
	}
	return nil
}

func (s *state) fig(key string) *figure { return s.figs[s.index[key]] }

// hide applies R3 (folded categories), R2 (b) and R7 (comune breakdowns).
func (s *state) hide(p Publication) {
	for _, f := range s.figs {
		if f.fold {
			f.hidden, f.suppr = true, true
			f.mark(RuleCategory)
		}
	}
	for _, t := range p.Tables {
		if t.Comune == nil {
			continue
		}
		var rule Rule
		shown := 0
		for _, c := range t.Cells {
			if !c.Fold {
				shown++
			}
		}
		switch {
		case t.Total.Raw < s.cfg.BreakdownMinTotal || shown > s.cfg.BreakdownMaxCategories:
			rule = RuleAllowed
		case t.Comune.Facilities <= 1 || t.Comune.LargestShare >= s.cfg.DominanceShare:
			rule = RuleDominance
		default:
			continue
		}
		for _, c := range t.Cells {
			f := s.fig(c.Key)
			f.hidden, f.suppr = true, true
			f.mark(rule)
		}
	}
}

// primary applies R4: the threshold, and zeros inside small tables.
func (s *state) primary(p Publication) {
	for _, f := range s.figs {
		if f.force {
			f.suppr = true
			continue
		}
		if f.raw >= 1 && f.raw < f.threshold {
			f.suppr = true
			f.mark(RuleThreshold)
		}
	}
	for _, t := range p.Tables {
		if t.Total.Key == "" || t.Total.Raw == 0 || t.Total.Raw >= s.cfg.ZeroTotalMin {
			continue
		}
		for _, c := range t.Cells {
			if f := s.fig(c.Key); f.raw == 0 && !f.suppr {
				f.suppr = true
				f.mark(RuleThreshold)
			}
		}
	}
}

// counts reports whether a figure takes part in R5's line test: the visible
// suppressed cells of a published line. Hidden figures are not cells of the
// table; what a margin tells about them is the audit's business.
func (s *state) counts(i int) bool {
	f := s.figs[i]
	return f.suppr && !f.hidden
}

// lineSafe is R5's test for one relation: no suppressed member, or at least
// two whose categories add up to the largest threshold among them (a
// suppressed total hides the line's sum).
func (s *state) lineSafe(r relation) bool {
	n, sum, t, totalSuppr := 0, 0, 0, s.counts(r.total)
	if totalSuppr {
		n++
		t = s.figs[r.total].threshold
	}
	for _, i := range r.parts {
		if s.counts(i) {
			n++
			sum += s.figs[i].raw
			t = max(t, s.figs[i].threshold)
		}
	}
	return n == 0 || (n >= 2 && (totalSuppr || sum >= t))
}

// secondary applies R5 line by line until every relation is safe.
func (s *state) secondary() {
	for changed := true; changed; {
		changed = false
		for _, r := range s.rels {
			for !s.lineSafe(r) {
				i := s.candidate(r.parts, -1)
				if i < 0 {
					i = s.candidate([]int{r.total}, -1)
				}
				if i < 0 {
					break
				}
				s.suppress(i)
				changed = true
			}
		}
	}
}

// candidate picks the figure to suppress next among members: unsuppressed,
// visible, not except; a non-total before a total, non-zero before zero,
// smaller first, then input order. -1 when there is none.
func (s *state) candidate(members []int, except int) int {
	best := -1
	rank := func(i int) [3]int {
		f := s.figs[i]
		return [3]int{b2i(f.isTotal), b2i(f.raw == 0), f.raw}
	}
	for _, i := range members {
		f := s.figs[i]
		if i == except || f.suppr || f.hidden {
			continue
		}
		if best < 0 || less(rank(i), rank(best)) || (rank(i) == rank(best) && i < best) {
			best = i
		}
	}
	return best
}

func (s *state) suppress(i int) {
	f := s.figs[i]
	f.suppr = true
	f.value = 0
	f.rules = slices.DeleteFunc(f.rules, func(r Rule) bool { return r == RuleRounding })
	f.mark(RuleSecondary)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func less(a, b [3]int) bool {
	for k := range a {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return false
}

// round applies R6 to every published figure.
func (s *state) round() {
	for _, f := range s.figs {
		if f.suppr {
			f.value = 0
			continue
		}
		f.value = roundBase(f.raw, s.cfg.Base)
		if f.value != f.raw {
			f.mark(RuleRounding)
		}
	}
}

// result builds the output in the input's order, rules sorted.
func (s *state) result(p Publication) *Result {
	cell := func(key string) Cell {
		f := s.fig(key)
		c := Cell{Key: f.key, Raw: f.raw, Status: Published, Value: f.value, Hidden: f.hidden, Threshold: f.threshold}
		if f.suppr {
			c.Status, c.Value = Suppressed, 0
		}
		c.Rules = slices.Clone(f.rules)
		slices.Sort(c.Rules)
		return c
	}
	out := &Result{}
	for _, t := range p.Tables {
		tr := TableResult{ID: t.ID, Dimension: t.Dimension}
		if t.Total.Key != "" {
			c := cell(t.Total.Key)
			tr.Total = &c
		}
		for _, c := range t.Cells {
			tr.Cells = append(tr.Cells, cell(c.Key))
		}
		out.Tables = append(out.Tables, tr)
	}
	return out
}
