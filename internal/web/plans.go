package web

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/report"
	"github.com/gesta-er/gesta/internal/sheet"
)

// The distribution plans' pages. Every step is a plain form post answered
// with a redirect (or the plan page again with the error), so the flow works
// on a phone at night with nothing but the browser.

type plansData struct {
	Plans  []domain.Plan
	Status string
	Pager  Pager
}

// inboxData is a page of the caller's notifications, newest first.
type inboxData struct {
	Items []domain.Notification
	Pager Pager
}

func (s *Server) handlePlans(w http.ResponseWriter, r *http.Request) {
	f := domain.PlanFilter{Status: domain.PlanStatus(r.URL.Query().Get("stato")), Open: r.URL.Query().Get("aperti") == "1",
		Limit: pageSize + 1, Offset: (requestedPage(r) - 1) * pageSize} // one more: is there a next page?
	ps, err := s.Plans.ListPlans(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "plans", s.view(r, plansData{Plans: ps[:min(len(ps), pageSize)], Status: string(f.Status),
		Pager: pageUncounted(r, len(ps), pageSize)}))
}

type planNewData struct {
	Now, Expected string
	Form          map[string]string
}

func (s *Server) newPlanData(r *http.Request) planNewData {
	now := time.Now().In(rome)
	d := planNewData{Now: now.Format("2006-01-02T15:04"), Expected: now.Add(6 * time.Hour).Format("2006-01-02T15:04"), Form: map[string]string{}}
	if r.Method == http.MethodPost {
		for k, v := range r.PostForm {
			d.Form[k] = v[0]
		}
	}
	return d
}

func (s *Server) handlePlanNew(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "plan_new", s.view(r, s.newPlanData(r)))
}

// unitsFromComposition makes the units of a notice given by counts: single
// men, single women, unaccompanied minors and households by size ("4, 3").
func unitsFromComposition(men, women, msna int, households string) ([]domain.PlanUnit, error) {
	var us []domain.PlanUnit
	add := func(prefix, group string, n, size int) {
		for i := 1; i <= n; i++ {
			us = append(us, domain.PlanUnit{ID: fmt.Sprintf("%s%d", prefix, len(us)+1), Size: size, Group: group})
		}
	}
	if men < 0 || women < 0 || msna < 0 || men+women+msna > domain.MaxPlanUnits {
		return nil, domain.Err(domain.EINVALID, "err.plan.numbers").WithFields(map[string]domain.FieldError{"men": domain.Field("err.plan.numbers_range", "Max", 5000)})
	}
	add("U", domain.GroupMan, men, 1)
	add("D", domain.GroupWoman, women, 1)
	add("M", domain.GroupMinor, msna, 1)
	for _, f := range strings.FieldsFunc(households, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 2 || n > domain.MaxHousehold {
			return nil, domain.Err(domain.EINVALID, "err.plan.households").WithFields(
				map[string]domain.FieldError{"households": domain.Field("err.plan.household_size_value", "Value", f, "Max", domain.MaxHousehold)})
		}
		add("N", domain.GroupFamily, 1, n)
	}
	return us, nil
}

func (s *Server) handlePlanCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	fail := func(err error) { s.formError(w, r, "plan_new", s.newPlanData(r), err) }
	num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k))); return n }
	received, err1 := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("received_at"), rome)
	expected, err2 := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("expected_at"), rome)
	if err1 != nil || err2 != nil {
		fail(domain.Err(domain.EINVALID, "plans.dates"))
		return
	}
	units, err := unitsFromComposition(num("men"), num("women"), num("msna"), r.PostFormValue("households"))
	if err != nil {
		fail(err)
		return
	}
	p := domain.Plan{Reference: r.PostFormValue("reference"), ReceivedAt: received, ExpectedAt: expected, WindowHours: num("window_hours"),
		Origin: r.PostFormValue("origin"), Transport: r.PostFormValue("transport"), AckHours: num("ack_hours"), Note: r.PostFormValue("note")}
	if err := s.Plans.CreatePlan(r.Context(), &p, units, nil); err != nil {
		fail(err)
		return
	}
	s.flash(r, s.t(r, "plans.created"))
	http.Redirect(w, r, "/piani/"+p.ID, http.StatusSeeOther)
}

// planData is the plan page: the plan, the caller's role in it, and a
// placement proposal when one was just asked for.
type planData struct {
	Plan       domain.Plan
	Mine       *domain.PlanProvince
	MyUnits    []domain.PlanUnit
	PersonsOf  map[string][]domain.PlanPerson
	Run        bool
	Proposal   *domain.PlacementProposal
	Choice     map[string]string // unit → facility, proposed or current
	Facilities []domain.Facility // candidate facilities of the caller's province
	// Options are the facilities each unit may go to (its group and needs
	// accepted), the current choice always among them; Refused is the unit
	// of a line the placement refused, marked on the form kept as sent.
	Options  map[string][]domain.Facility
	Refused  string
	Outcomes []string
	// ListPreview is a nominative list read and waiting to be applied.
	ListPreview *domain.PlanListPreview
	// AckBy names who acknowledged each province's share (province code →
	// "name (office)"), from the timeline: the plan keeps the user's id.
	AckBy map[string]string
}

func (s *Server) planData(r *http.Request, id string) (planData, error) {
	ctx := r.Context()
	p, err := s.Plans.FindPlan(ctx, id)
	if err != nil {
		return planData{}, err
	}
	a, _ := domain.ActorFromContext(ctx)
	d := planData{Plan: p, Run: domain.Can(a, domain.PermPlanRun), PersonsOf: map[string][]domain.PlanPerson{},
		Choice: map[string]string{}, Outcomes: domain.Outcomes}
	if p.MyProvince != "" {
		d.Mine = p.Province(p.MyProvince)
		for _, u := range p.Units {
			if u.Province == p.MyProvince {
				d.MyUnits = append(d.MyUnits, u)
				d.Choice[u.ID] = u.Facility
			}
		}
	}
	for _, pp := range p.Persons {
		d.PersonsOf[pp.UnitID] = append(d.PersonsOf[pp.UnitID], pp)
	}
	d.AckBy = namePlan(&d.Plan)
	return d, nil
}

// namePlan puts names where the plan keeps codes and ids, for a reader: the
// provinces in the split's timeline entry; it returns who acknowledged each
// province's share (province code → "name (office)"), taken from the timeline.
func namePlan(p *domain.Plan) map[string]string {
	ackBy := map[string]string{}
	names := map[string]string{}
	for _, pr := range p.Provinces {
		names[pr.Code] = pr.Name
	}
	events := make([]domain.PlanEvent, len(p.Events)) // FindPlan's slice may be shared: write a copy
	copy(events, p.Events)
	p.Events = events
	for i, e := range events {
		if e.Kind == "acknowledged" && e.ActorName != "" && e.Province != "" {
			n := e.ActorName
			if e.ActorOffice != "" {
				n += " (" + e.ActorOffice + ")"
			}
			ackBy[e.Province] = n
		}
		if sh, ok := e.Params["Shares"].(string); ok {
			events[i].Params = withParam(e.Params, "Shares", nameShares(sh, names))
		}
	}
	return ackBy
}

// nameShares turns the timeline's "033 4, 034 7" (province code, persons)
// into "Bologna 4, Ferrara 7": the event keeps codes, a reader needs names.
func nameShares(shares string, names map[string]string) string {
	parts := strings.Split(shares, ", ")
	for i, part := range parts {
		code, n, ok := strings.Cut(part, " ")
		if name := names[code]; ok && name != "" {
			parts[i] = name + " " + n
		}
	}
	return strings.Join(parts, ", ")
}

// withParam is a copy of params with one value replaced.
func withParam(params map[string]any, key string, v any) map[string]any {
	out := make(map[string]any, len(params))
	for k, x := range params {
		out[k] = x
	}
	out[key] = v
	return out
}

func (s *Server) handlePlan(w http.ResponseWriter, r *http.Request) {
	d, err := s.planData(r, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "plan", s.view(r, d))
}

// planStep runs one step and answers with a redirect to the plan, or the
// plan page with the error (409, 400) when the step is refused.
func (s *Server) planStep(w http.ResponseWriter, r *http.Request, done string, step func() error) {
	s.planStepSays(w, r, func() string { return s.t(r, done) }, step)
}

// planStepSays is planStep whose message is made after the step, from what it did.
func (s *Server) planStepSays(w http.ResponseWriter, r *http.Request, done func() string, step func() error) {
	id := r.PathValue("id")
	if err := step(); err != nil {
		code := domain.ErrorCode(err)
		if code != domain.EINVALID && code != domain.ECONFLICT {
			s.Error(w, r, err)
			return
		}
		d, derr := s.planData(r, id)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		s.formError(w, r, "plan", d, err)
		return
	}
	s.flash(r, done())
	http.Redirect(w, r, "/piani/"+id, http.StatusSeeOther)
}

func (s *Server) handlePlanSplit(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, "plans.split.done", func() error { _, err := s.Plans.ProposeSplit(r.Context(), r.PathValue("id")); return err })
}

func (s *Server) handlePlanAdjust(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, "plans.adjust.done", func() error {
		if err := r.ParseForm(); err != nil {
			return domain.Err(domain.EINVALID, "err.form.invalid")
		}
		persons := map[string]int{}
		for k, v := range r.PostForm {
			if code, ok := strings.CutPrefix(k, "p_"); ok {
				n, err := strconv.Atoi(strings.TrimSpace(v[0]))
				if err != nil {
					return domain.Err(domain.EINVALID, "err.plan.shares_integer")
				}
				persons[code] = n
			}
		}
		_, err := s.Plans.AdjustSplit(r.Context(), r.PathValue("id"), persons, r.PostFormValue("reason"))
		return err
	})
}

func (s *Server) handlePlanPublish(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, "plans.publish.done", func() error { _, err := s.Plans.PublishPlan(r.Context(), r.PathValue("id")); return err })
}

func (s *Server) handlePlanAck(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, "plans.ack.done", func() error { return s.Plans.AcknowledgePlan(r.Context(), r.PathValue("id")) })
}

func (s *Server) handlePlanClose(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, "plans.close.done", func() error { return s.Plans.ClosePlan(r.Context(), r.PathValue("id")) })
}

func (s *Server) handlePlanCancel(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, "plans.cancel.done", func() error {
		return s.Plans.CancelPlan(r.Context(), r.PathValue("id"), r.PostFormValue("reason"))
	})
}

func (s *Server) handlePlanMessage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	s.planStep(w, r, "plans.message.done", func() error {
		return s.Plans.PostMessage(r.Context(), r.PathValue("id"), r.PostFormValue("body"))
	})
}

func (s *Server) handlePlanDeparture(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, "plans.departure.done", func() error {
		n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("headcount")))
		return s.Plans.RecordDeparture(r.Context(), r.PathValue("id"), domain.PlanTransport{Province: r.PostFormValue("province"),
			Vehicle: r.PostFormValue("vehicle"), Headcount: n})
	})
}

// handlePlanProposal shows the engine's proposal on the plan page, as the
// pre-filled choice of the placement form: nothing is held until confirmed.
func (s *Server) handlePlanProposal(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	d, err := s.planData(r, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	prop, err := s.Placement.ProposePlacement(ctx, id)
	if err != nil {
		s.formError(w, r, "plan", d, err)
		return
	}
	for _, a := range prop.Assignments {
		d.Choice[a.Unit] = a.Facility
	}
	d.withProposal(prop)
	s.render(w, r, http.StatusOK, "plan", s.view(r, d))
}

// withProposal sets the placement form's facilities: for each unit only
// those that take it (not all 87 for every unit).
func (d *planData) withProposal(prop domain.PlacementProposal) {
	d.Proposal = &prop
	d.Facilities = nil
	for _, f := range prop.Facilities {
		d.Facilities = append(d.Facilities, f)
	}
	sort.Slice(d.Facilities, func(i, j int) bool { return d.Facilities[i].Code < d.Facilities[j].Code })
	d.Options = map[string][]domain.Facility{}
	for _, u := range d.MyUnits {
		for _, f := range d.Facilities {
			if domain.CheckUnitFits(f, u) == nil || f.Code == d.Choice[u.ID] {
				d.Options[u.ID] = append(d.Options[u.ID], f)
			}
		}
	}
}

func (s *Server) handlePlanPlace(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, domain.Err(domain.EINVALID, "err.form.invalid"))
		return
	}
	var lines []domain.PlacementLine
	for k, v := range r.PostForm {
		if unit, ok := strings.CutPrefix(k, "u_"); ok && strings.TrimSpace(v[0]) != "" {
			lines = append(lines, domain.PlacementLine{Unit: unit, Facility: strings.TrimSpace(v[0])})
		}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].Unit < lines[j].Unit })
	err := s.Plans.PlaceUnits(r.Context(), id, lines)
	if err == nil {
		s.flash(r, s.t(r, "plans.place.done"))
		http.Redirect(w, r, "/piani/"+id, http.StatusSeeOther)
		return
	}
	if c := domain.ErrorCode(err); c != domain.EINVALID && c != domain.ECONFLICT {
		s.Error(w, r, err)
		return
	}
	// A refused line does not discard the others: the form comes back as sent,
	// the refused line marked.
	d, derr := s.planData(r, id)
	if derr != nil {
		s.Error(w, r, derr)
		return
	}
	for _, l := range lines {
		d.Choice[l.Unit] = l.Facility
	}
	if e := domain.SafeError(err); e != nil {
		if u, ok := e.Args["Unit"].(string); ok {
			d.Refused = u
		}
	}
	if prop, perr := s.Placement.ProposePlacement(r.Context(), id); perr == nil {
		d.withProposal(prop)
	}
	s.formError(w, r, "plan", d, err)
}

func (s *Server) handlePlanArrival(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	s.planStepSays(w, r, func() string { return s.arrivalSaid(r) }, func() error {
		if err := r.ParseForm(); err != nil {
			return domain.Err(domain.EINVALID, "err.form.invalid")
		}
		outcomes := map[string]string{}
		for k, v := range r.PostForm {
			if id, ok := strings.CutPrefix(k, "o_"); ok {
				outcomes[id] = v[0]
			}
		}
		return s.Plans.ConfirmArrival(r.Context(), r.PathValue("id"), outcomes, time.Time{})
	})
}

// arrivalSaid says what confirming the arrivals did:
// guests and stays exist only for the people of a nominative list; without
// one only the holds became occupancy.
func (s *Server) arrivalSaid(r *http.Request) string {
	p, err := s.Plans.FindPlan(r.Context(), r.PathValue("id"))
	if err != nil || p.MyProvince == "" {
		return s.t(r, "plans.arrival.done")
	}
	arrived, guests := 0, 0
	if mine := p.Province(p.MyProvince); mine != nil {
		arrived = mine.Arrived
	}
	units := map[string]bool{}
	for _, u := range p.Units {
		if u.Province == p.MyProvince {
			units[u.ID] = true
		}
	}
	for _, pp := range p.Persons {
		if units[pp.UnitID] && pp.GuestID != "" {
			guests++
		}
	}
	if guests == 0 {
		return s.t(r, "plans.arrival.done.nolist", "Arrived", arrived)
	}
	return s.t(r, "plans.arrival.done.guests", "Arrived", arrived, "Guests", guests)
}

// The inbox.

func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request) {
	ns, err := s.Plans.InboxPage(r.Context(), pageSize+1, (requestedPage(r)-1)*pageSize)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := inboxData{Items: ns[:min(len(ns), pageSize)], Pager: pageUncounted(r, len(ns), pageSize)}
	s.render(w, r, http.StatusOK, "inbox", s.view(r, d))
}

// handleNotification marks a notification read and opens its plan.
func (s *Server) handleNotification(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.Plans.MarkRead(r.Context(), id); err != nil {
		s.Error(w, r, err)
		return
	}
	if plan := r.PostFormValue("plan"); plan != "" && !strings.ContainsAny(plan, "/?#") {
		http.Redirect(w, r, "/piani/"+plan, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/avvisi", http.StatusSeeOther)
}

// The saldo and the key tables.

type balancesData struct {
	From, To  string
	Balances  []domain.Balance
	Total     int
	KeyTables []domain.KeyTable
	Provinces []domain.Province
	Run       bool
}

func (s *Server) balancesData(r *http.Request) (balancesData, error) {
	ctx := r.Context()
	now := time.Now().In(rome)
	from := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, rome)
	to := from.AddDate(1, 0, 0)
	if v, err := time.ParseInLocation("2006-01-02", r.URL.Query().Get("dal"), rome); err == nil {
		from = v
	}
	if v, err := time.ParseInLocation("2006-01-02", r.URL.Query().Get("al"), rome); err == nil {
		to = v.AddDate(0, 0, 1) // inclusive on the page
	}
	a, _ := domain.ActorFromContext(ctx)
	d := balancesData{From: from.Format("2006-01-02"), To: to.AddDate(0, 0, -1).Format("2006-01-02"), Run: domain.Can(a, domain.PermPlanRun)}
	var err error
	if d.Balances, err = s.Plans.Balances(ctx, from, to); err != nil {
		return d, err
	}
	for _, b := range d.Balances {
		d.Total += b.Received
	}
	if d.KeyTables, err = s.Plans.KeyTables(ctx); err != nil {
		return d, err
	}
	d.Provinces, err = s.Territory.ListProvinces(ctx)
	return d, err
}

func (s *Server) handleBalances(w http.ResponseWriter, r *http.Request) {
	d, err := s.balancesData(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "balances", s.view(r, d))
}

func (s *Server) handleKeyTableCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	fail := func(err error) {
		d, derr := s.balancesData(r)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		s.formError(w, r, "balances", d, err)
	}
	from, err := time.ParseInLocation("2006-01-02", r.PostFormValue("valid_from"), rome)
	if err != nil {
		fail(domain.Err(domain.EINVALID, "plans.dates"))
		return
	}
	k := domain.KeyTable{Name: r.PostFormValue("name"), ValidFrom: from, Source: r.PostFormValue("source"), Shares: map[string]float64{}}
	if err := r.ParseForm(); err != nil {
		fail(err)
		return
	}
	for key, v := range r.PostForm {
		if code, ok := strings.CutPrefix(key, "s_"); ok {
			pct, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(v[0]), ",", "."), 64)
			if err != nil {
				fail(domain.Err(domain.EINVALID, "keys.number"))
				return
			}
			k.Shares[code] = pct / 100
		}
	}
	if err := s.Plans.CreateKeyTable(r.Context(), &k); err != nil {
		fail(err)
		return
	}
	s.flash(r, s.t(r, "keys.created"))
	http.Redirect(w, r, "/saldo", http.StatusSeeOther)
}

// handlePlanPDF sends the plan as a PDF document (no personal data).
func (s *Server) handlePlanPDF(w http.ResponseWriter, r *http.Request) {
	p, err := s.Plans.FindPlan(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// The document is Italian, as the office's records are; it names people
	// and places, not ids and codes.
	it := s.I18n.For("it")
	if id, ok := transportIDs[p.Transport]; ok {
		p.Transport = it.T(id)
	}
	ackBy := namePlan(&p)
	for i, pr := range p.Provinces {
		if n := ackBy[pr.Code]; n != "" {
			p.Provinces[i].AcknowledgedBy = n
		}
	}
	for i, e := range p.Events {
		p.Events[i].Summary = it.Stored("timeline.", e.Kind, e.Params, e.Summary)
		if e.ActorName != "" {
			p.Events[i].Actor = e.ActorName
			if e.ActorOffice != "" {
				p.Events[i].Actor += " (" + e.ActorOffice + ")"
			}
		}
	}
	var buf bytes.Buffer
	if err := report.WritePlan(&buf, p, it.T("plan.status."+string(p.Status)), time.Now()); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	setAttachment(w, "piano-di-riparto-"+p.CreatedAt.In(rome).Format("20060102-1504")+".pdf")
	_, _ = buf.WriteTo(w)
}

// handlePlanXLSX sends the caller's share: its units, their facilities and,
// once known and in scope, its people. The coordinator gets every province.
func (s *Server) handlePlanXLSX(w http.ResponseWriter, r *http.Request) {
	p, err := s.Plans.FindPlan(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	t := sheet.Table{Title: "Piano di riparto " + p.Reference, RefTime: time.Now(),
		Headers: []string{"provincia", "unita", "gruppo", "persone", "esigenze", "struttura", "esito", "cognome", "nome", "sesso",
			"data_nascita", "cittadinanza", "cui", "msna", "ruolo_nucleo"}}
	persons := map[string][]domain.PlanPerson{}
	for _, pp := range p.Persons {
		persons[pp.UnitID] = append(persons[pp.UnitID], pp)
	}
	for _, u := range p.Units {
		base := []any{u.Province, u.ID, u.Group, u.Size, strings.Join(u.Needs, ","), u.Facility, u.Outcome}
		if len(persons[u.ID]) == 0 {
			t.Rows = append(t.Rows, append(base, "", "", "", "", "", "", "", ""))
			continue
		}
		for _, pp := range persons[u.ID] {
			outcome := pp.Outcome
			if outcome == "" {
				outcome = u.Outcome
			}
			t.Rows = append(t.Rows, []any{u.Province, u.ID, u.Group, u.Size, strings.Join(u.Needs, ","), u.Facility, outcome,
				pp.Surname, pp.GivenName, pp.Sex, pp.BirthDate.Format("2006-01-02"), pp.Nationality, pp.CUI, pp.MSNA, pp.HouseholdRole})
		}
	}
	s.Logger.Info("plan export", "plan", p.ID, "people", len(p.Persons), "request_id", RequestID(r.Context()))
	s.sendTable(w, r, "piano-di-riparto-quota", t)
}

// handlePlanList reads an uploaded nominative list (XLSX or CSV) and shows
// its preview on the plan page: people, composition and every cell error by
// row and column. Nothing changes until the preview is applied.
func (s *Server) handlePlanList(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d, err := s.planData(r, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	fail := func(status int, msg string) {
		v := s.view(r, d)
		v.Error = msg
		s.render(w, r, status, "plan", v)
	}
	people, cellErrs, err := s.uploadedPeople(w, r)
	if err == nil {
		var pv domain.PlanListPreview
		if pv, err = s.Plans.PreviewPlanList(r.Context(), id, people, cellErrs); err == nil {
			s.Logger.Info("plan list: preview", "plan", id, "people", pv.Persons, "errors", len(pv.Errors), "request_id", RequestID(r.Context()))
			d.ListPreview = &pv
			s.render(w, r, http.StatusOK, "plan", s.view(r, d))
			return
		}
	}
	s.uploadFailed(w, r, err, fail)
}

// handlePlanAmend records a later notice that changes the composition: the
// units are replaced and the split must be proposed (and published) again.
func (s *Server) handlePlanAmend(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, "plans.amend.done", func() error {
		num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k))); return n }
		units, err := unitsFromComposition(num("men"), num("women"), num("msna"), r.PostFormValue("households"))
		if err != nil {
			return err
		}
		return s.Plans.AmendPlan(r.Context(), r.PathValue("id"), units, nil, r.PostFormValue("reason"))
	})
}

func (s *Server) handlePlanListApply(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, "plans.list.done", func() error {
		return s.Plans.ApplyPlanList(r.Context(), r.PathValue("list"), r.PostFormValue("exclude") == "1")
	})
}
