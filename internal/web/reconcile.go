package web

import (
	"net/http"

	"github.com/gesta-er/gesta/internal/domain"
)

type reconciliationData struct {
	Provinces []domain.Province
	Province  string // the sigla asked for ("" the caller's scope)
	Names     map[string]string
	Rec       domain.Reconciliation
	Pager     Pager
}

// handleReconciliation lists the facilities whose occupied places differ
// from the people the registry has present in them (the offices that keep
// the register: prefectures for their province, the coordinator for the
// region), paged in the query, the province kept in the URL.
func (s *Server) handleReconciliation(w http.ResponseWriter, r *http.Request) {
	ps, err := s.Territory.ListProvinces(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := reconciliationData{Provinces: ps, Province: r.URL.Query().Get("provincia"), Names: map[string]string{}}
	for _, p := range ps {
		d.Names[p.Code] = p.Name
	}
	page := requestedPage(r)
	d.Rec, err = s.Facilities.Reconciliation(r.Context(), d.Province, page, pageSize)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Pager = pageOf(r, d.Rec.Total, pageSize)
	if d.Pager.Page != page { // past the last page: show the last
		if d.Rec, err = s.Facilities.Reconciliation(r.Context(), d.Province, d.Pager.Page, pageSize); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if a, ok := domain.ActorFromContext(r.Context()); ok && !a.RegionWide() {
		d.Provinces = nil // a prefecture sees its own: no choice to offer
	}
	s.render(w, r, http.StatusOK, "reconciliation", s.view(r, d))
}
