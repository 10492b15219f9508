package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// facilityFilter reads the board's and the list's filters from the URL, so
// that a filtered view can be bookmarked and shared.
func facilityFilter(q url.Values) domain.FacilityFilter {
	return domain.FacilityFilter{ProvinceCode: q.Get("provincia"), Type: domain.FacilityType(q.Get("tipologia")),
		Target: domain.Target(q.Get("destinatari")), Feature: q.Get("caratteristica"), OnlyStale: q.Get("scadute") != "",
		Query: q.Get("q")}
}

type filterOptions struct {
	Provinces []domain.Province
	Types     []domain.FacilityType
	Targets   []domain.Target
	Features  []string
	Filter    domain.FacilityFilter
	Query     template.URL // the current query string, for export links (re-encoded: safe)
}

func (s *Server) filterOptions(r *http.Request) (filterOptions, error) {
	ps, err := s.Territory.ListProvinces(r.Context())
	return filterOptions{Provinces: ps, Types: domain.FacilityTypes, Targets: domain.Targets, Features: domain.Features,
		Filter: facilityFilter(r.URL.Query()), Query: template.URL(r.URL.Query().Encode())}, err
}

type boardData struct {
	filterOptions
	Chart    *chart
	Board    domain.Board
	CanList  bool
	Province map[string]string // code → name
}

func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request) {
	opts, err := s.filterOptions(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	b, err := s.Facilities.Board(r.Context(), opts.Filter)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	a, _ := domain.ActorFromContext(r.Context())
	d := boardData{filterOptions: opts, Board: b, CanList: domain.Can(a, domain.PermFacilityRead), Province: map[string]string{}}
	for _, p := range opts.Provinces {
		d.Province[p.Code] = p.Name
	}
	if s.FreeSeries != nil && r.Header.Get("X-Partial") == "" {
		series, err := s.FreeSeries(r.Context(), chartDays)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		d.Chart = freeChart(series, opts.Provinces, chartDays, b.At)
	}
	if r.Header.Get("X-Partial") == "board" { // the live update asks for the table only
		s.renderPartial(w, r, "board", "boardtable", s.view(r, d))
		return
	}
	s.render(w, r, http.StatusOK, "board", s.view(r, d))
}

// chartDays is the span of the free-places chart.
const chartDays = 90

type facilitiesData struct {
	filterOptions
	Facilities []domain.Facility
	CanCreate  bool
	Pager      Pager
}

func (s *Server) handleFacilities(w http.ResponseWriter, r *http.Request) {
	opts, err := s.filterOptions(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page, pager, err := s.facilityPage(r, opts.Filter)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	a, _ := domain.ActorFromContext(r.Context())
	s.render(w, r, http.StatusOK, "facilities", s.view(r, facilitiesData{filterOptions: opts, Facilities: page,
		CanCreate: domain.Can(a, domain.PermFacilityWrite), Pager: pager}))
}

// facilityPage reads the page of facilities the request asks for, in the
// query (?pagina=N beside the filters in the URL).
func (s *Server) facilityPage(r *http.Request, f domain.FacilityFilter) ([]domain.Facility, Pager, error) {
	want := requestedPage(r)
	fs, total, err := s.Facilities.ListFacilitiesPage(r.Context(), f, pageSize, (want-1)*pageSize)
	if err != nil {
		return nil, Pager{}, err
	}
	p := pageOf(r, total, pageSize)
	if p.Page != want { // past the end: the last page
		fs, _, err = s.Facilities.ListFacilitiesPage(r.Context(), f, pageSize, (p.Page-1)*pageSize)
	}
	return fs, p, err
}

type facilityData struct {
	Facility   domain.Facility
	Holds      []domain.Hold
	History    []domain.AuditEntry
	CanEdit    bool
	CanHold    bool
	CanContact bool // operators edit the contact and features of theirs
	Features   []string
	Now        time.Time
}

func (s *Server) facilityData(r *http.Request, code string) (facilityData, error) {
	ctx := r.Context()
	a, _ := domain.ActorFromContext(ctx)
	f, err := s.Facilities.FindFacility(ctx, code)
	if err != nil {
		return facilityData{}, err
	}
	d := facilityData{Facility: f, Now: time.Now(),
		CanEdit:    domain.Can(a, domain.PermFacilityWrite) && (a.ProvinceCode == "" || a.ProvinceCode == f.ProvinceCode),
		CanHold:    domain.Can(a, domain.PermHoldWrite) && (a.ProvinceCode == "" || a.ProvinceCode == f.ProvinceCode),
		CanContact: a.Role == domain.RoleOperator && a.GestoreID == f.GestoreID, Features: domain.Features}
	if d.Holds, err = s.Facilities.ListHolds(ctx, code); err != nil {
		return d, err
	}
	if s.History != nil {
		d.History, err = s.History(ctx, code, 50)
	}
	return d, err
}

func (s *Server) handleFacility(w http.ResponseWriter, r *http.Request) {
	d, err := s.facilityData(r, r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "facility", s.view(r, d))
}

func (s *Server) handleHoldCreate(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	places, _ := strconv.Atoi(r.PostFormValue("places"))
	hours, _ := strconv.Atoi(r.PostFormValue("hours"))
	_, err := s.Facilities.Hold(r.Context(), code, places, time.Now().Add(time.Duration(hours)*time.Hour), r.PostFormValue("reason"))
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.EINVALID || c == domain.ECONFLICT {
			d, derr := s.facilityData(r, code)
			if derr != nil {
				s.Error(w, r, derr)
				return
			}
			s.formError(w, r, "facility", d, err)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "facility.hold.created"))
	http.Redirect(w, r, "/strutture/"+url.PathEscape(code), http.StatusSeeOther)
}

func (s *Server) handleHoldRelease(w http.ResponseWriter, r *http.Request) {
	if err := s.Facilities.ReleaseHold(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "facility.hold.released"))
	http.Redirect(w, r, localPath(r.PostFormValue("back")), http.StatusSeeOther)
}

func (s *Server) handleHoldConvert(w http.ResponseWriter, r *http.Request) {
	if err := s.Facilities.ConvertHold(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "facility.hold.converted"))
	http.Redirect(w, r, localPath(r.PostFormValue("back")), http.StatusSeeOther)
}

func (s *Server) handleBlockCreate(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	places, _ := strconv.Atoi(r.PostFormValue("places"))
	b := domain.Block{Places: places, Reason: r.PostFormValue("reason"), From: time.Now()}
	if to, err := time.ParseInLocation("2006-01-02", r.PostFormValue("to"), rome); err == nil {
		to = to.Add(24 * time.Hour)
		b.To = &to
	}
	if err := s.Facilities.AddBlock(r.Context(), code, b); err != nil {
		d, derr := s.facilityData(r, code)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		s.formError(w, r, "facility", d, err)
		return
	}
	s.flash(r, s.t(r, "facility.block.created"))
	http.Redirect(w, r, "/strutture/"+url.PathEscape(code), http.StatusSeeOther)
}

type facilityFormData struct {
	Facility domain.Facility
	New      bool
	Gestori  []domain.Gestore
	Comuni   []domain.Comune
	Types    []domain.FacilityType
	Targets  []domain.Target
	Features []string
}

func (s *Server) facilityForm(r *http.Request, f domain.Facility, isNew bool) (facilityFormData, error) {
	ctx := r.Context()
	a, _ := domain.ActorFromContext(ctx)
	d := facilityFormData{Facility: f, New: isNew, Types: domain.FacilityTypes, Targets: domain.Targets, Features: domain.Features}
	var err error
	// Only the managing entities of the facility's province (the store
	// refuses any other, whatever the form posts).
	province := f.ProvinceCode
	if province == "" {
		province = a.ProvinceCode
	}
	if d.Gestori, err = s.Orgs.ListGestori(ctx, domain.OrgFilter{ProvinceCode: province}); err != nil {
		return d, err
	}
	d.Comuni, err = s.Territory.ListComuni(ctx, domain.ComuneFilter{ProvinceCode: province})
	return d, err
}

// facilityFromForm reads the registry fields of the facility form.
func facilityFromForm(r *http.Request, f domain.Facility) domain.Facility {
	atoi := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k))); return n }
	date := func(k string) *time.Time {
		t, err := time.Parse("2006-01-02", r.PostFormValue(k)) // a calendar date, at UTC midnight
		if err != nil {
			return nil
		}
		return &t
	}
	f.Name, f.Type, f.Target = strings.TrimSpace(r.PostFormValue("name")), domain.FacilityType(r.PostFormValue("type")), domain.Target(r.PostFormValue("target"))
	f.GestoreID, f.ComuneCode, f.Address = r.PostFormValue("gestore_id"), r.PostFormValue("comune"), strings.TrimSpace(r.PostFormValue("address"))
	f.CIG, f.ContractFrom, f.ContractTo = strings.TrimSpace(r.PostFormValue("cig")), date("contract_start"), date("contract_end")
	if price, err := strconv.ParseFloat(strings.ReplaceAll(r.PostFormValue("price"), ",", "."), 64); err == nil {
		f.PriceCents = int(price*100 + 0.5)
	}
	f.Contracted, f.Active = atoi("contracted"), atoi("active")
	f.Features = r.PostForm["features"]
	if f.Features == nil {
		f.Features = []string{}
	}
	if st := r.PostFormValue("status"); st != "" {
		f.Status = domain.FacilityStatus(st)
	}
	return f
}

func (s *Server) handleFacilityNew(w http.ResponseWriter, r *http.Request) {
	d, err := s.facilityForm(r, domain.Facility{Type: domain.TypeCASAppartamento, Target: domain.TargetMen, Status: domain.StatusActive}, true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "facility_form", s.view(r, d))
}

func (s *Server) handleFacilityCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	_ = r.ParseForm()
	f := facilityFromForm(r, domain.Facility{Status: domain.StatusActive})
	if err := s.Facilities.CreateFacility(r.Context(), &f); err != nil {
		d, derr := s.facilityForm(r, f, true)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		s.formError(w, r, "facility_form", d, err)
		return
	}
	s.flash(r, s.t(r, "facility.created"))
	http.Redirect(w, r, "/strutture/"+url.PathEscape(f.Code), http.StatusSeeOther)
}

func (s *Server) handleFacilityEdit(w http.ResponseWriter, r *http.Request) {
	f, err := s.Facilities.FindFacility(r.Context(), r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if a, _ := domain.ActorFromContext(r.Context()); a.ProvinceCode != "" && a.ProvinceCode != f.ProvinceCode {
		s.renderError(w, r, http.StatusNotFound) // another province's: not editable, not offered
		return
	}
	d, err := s.facilityForm(r, f, false)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "facility_form", s.view(r, d))
}

func (s *Server) handleFacilityUpdate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	_ = r.ParseForm()
	old, err := s.Facilities.FindFacility(r.Context(), r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	f := facilityFromForm(r, old)
	if err := s.Facilities.UpdateFacility(r.Context(), &f, version); err != nil {
		d, derr := s.facilityForm(r, f, false)
		if derr != nil {
			s.Error(w, r, derr)
			return
		}
		if domain.ErrorCode(err) == domain.EPRECONDITION {
			err = asConflict(err)
		}
		s.formError(w, r, "facility_form", d, err)
		return
	}
	s.flash(r, s.t(r, "facility.updated"))
	http.Redirect(w, r, "/strutture/"+url.PathEscape(f.Code), http.StatusSeeOther)
}

type availabilityData struct {
	Facilities []domain.Facility
	Deadline   time.Time
	Late       int
	Pager      Pager
	Back       string // this page's URL, where a save comes back to
	Registry   bool   // some facility on the page counts from the guest registry
}

// handleAvailability is the operator's one screen: every facility of theirs,
// with one click to confirm "unchanged" or a number to correct.
func (s *Server) handleAvailability(w http.ResponseWriter, r *http.Request) {
	flt := domain.FacilityFilter{ProvinceCode: r.URL.Query().Get("provincia")}
	fs, pager, err := s.facilityPage(r, flt)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	b, err := s.Facilities.Board(r.Context(), flt) // the late ones among all, not just this page
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := availabilityData{Facilities: fs, Deadline: b.Deadline, Back: r.URL.Path, Late: b.Totals.Stale, Pager: pager}
	if r.URL.RawQuery != "" {
		d.Back += "?" + r.URL.RawQuery
	}
	for _, f := range fs {
		d.Registry = d.Registry || f.UsesRegistry
	}
	s.render(w, r, http.StatusOK, "availability", s.view(r, d))
}

func (s *Server) handleAvailabilitySave(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	occupied, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("occupied")))
	if err != nil {
		s.flash(r, s.t(r, "availability.invalid", "Code", code))
		http.Redirect(w, r, availabilityBack(r)+"#"+code, http.StatusSeeOther)
		return
	}
	_, err = s.Facilities.SetAvailability(r.Context(), code, version, domain.Availability{Occupied: occupied,
		Note: r.PostFormValue("note")})
	switch domain.ErrorCode(err) {
	case "":
		s.flash(r, s.t(r, "availability.saved", "Code", code))
	case domain.EPRECONDITION:
		s.flash(r, s.t(r, "availability.stale", "Code", code))
	case domain.EINVALID:
		s.flash(r, s.errText(r, err))
	default:
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, availabilityBack(r)+"#"+code, http.StatusSeeOther)
}

// availabilityBack is the page of the list the form was sent from: only a
// path of the availability page itself (never another site's address).
func availabilityBack(r *http.Request) string {
	back := r.PostFormValue("back")
	if back == "/disponibilita" || strings.HasPrefix(back, "/disponibilita?") {
		return back
	}
	return "/disponibilita"
}

// handleContactUpdate lets an operator change its facility's contact and
// features (the registry fields stay the prefecture's).
func (s *Server) handleContactUpdate(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	code := r.PathValue("code")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	features := r.PostForm["features"]
	if features == nil {
		features = []string{}
	}
	_, err := s.Facilities.UpdateContact(r.Context(), code, version, strings.TrimSpace(r.PostFormValue("contact_name")),
		strings.TrimSpace(r.PostFormValue("contact_phone")), strings.TrimSpace(r.PostFormValue("contact_email")), features)
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.EINVALID || c == domain.EPRECONDITION {
			d, derr := s.facilityData(r, code)
			if derr != nil {
				s.Error(w, r, derr)
				return
			}
			s.formError(w, r, "facility", d, asConflict(err))
			return
		}
		s.Error(w, r, err)
		return
	}
	s.flash(r, s.t(r, "facility.updated"))
	http.Redirect(w, r, "/strutture/"+url.PathEscape(code), http.StatusSeeOther)
}
