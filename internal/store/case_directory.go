package store

import (
	"context"
	"strings"

	"github.com/gesta-er/gesta/internal/domain"
)

// Directory implements domain.CaseService.
func (s *CaseService) Directory(ctx context.Context, province string) ([]domain.DirectoryEntry, error) {
	if _, err := caseActor(ctx, domain.PermOrgRead); err != nil {
		return nil, err
	}
	p, err := s.db.FindProvince(ctx, province)
	if err != nil {
		return nil, err
	}
	list, err := queryAll(ctx, s.db.read, "service directory", func(sc scanner) (domain.DirectoryEntry, error) {
		var e domain.DirectoryEntry
		var comuni, languages string
		err := sc.Scan(&e.ID, &e.Name, &e.Type, &e.Province, &comuni, &e.Email, &e.Phone, &languages, &e.Hours)
		e.Comuni, e.Languages = splitList(comuni), splitList(languages)
		return e, err
	}, `SELECT id, name, kind, province_code, comuni, email, phone, languages, hours FROM services
		WHERE province_code = $1 ORDER BY id`, p.Code)
	if err != nil {
		return nil, err
	}
	sortByName(list, func(e domain.DirectoryEntry) string { return e.Name })
	return list, nil
}

func splitList(s string) []string {
	out := []string{}
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// CaseCounts implements domain.CaseService.
func (s *CaseService) CaseCounts(ctx context.Context) ([]domain.CaseCount, error) {
	a, err := caseActor(ctx, domain.PermStatsRead)
	if err != nil {
		return nil, err
	}
	type row struct {
		status string
		n      int
	}
	rows, err := queryAll(ctx, s.db.read, "case counts", func(sc scanner) (row, error) {
		var r row
		return r, sc.Scan(&r.status, &r.n)
	}, `SELECT status, COUNT(*) FROM cases WHERE ($1 = '' OR province_code = $1) GROUP BY status`, provinceOf(a))
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.status] = r.n
	}
	out := make([]domain.CaseCount, 0, len(domain.CaseStatuses))
	for _, st := range domain.CaseStatuses {
		c := domain.CaseCount{Status: st, Count: counts[string(st)]}
		if c.Count > 0 && c.Count < domain.CountThreshold {
			c.Count, c.Suppressed = 0, true
		}
		out = append(out, c)
	}
	return out, nil
}
