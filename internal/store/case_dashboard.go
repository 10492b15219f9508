package store

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"time"

	"github.com/gesta-er/gesta/internal/domain"
)

// CaseDashboardService implements domain.CaseDashboards.
type CaseDashboardService struct{ db *DB }

// NewCaseDashboardService returns the case dashboards on db.
func NewCaseDashboardService(db *DB) *CaseDashboardService { return &CaseDashboardService{db: db} }

var _ domain.CaseDashboards = (*CaseDashboardService)(nil)

// CaseDashboard implements domain.CaseDashboards. Everything is counted in
// one read transaction, in the scope caseScope gives (break-glass grants
// included, as in the list of cases).
func (s *CaseDashboardService) CaseDashboard(ctx context.Context) (domain.CaseDashboard, error) {
	a, err := caseActor(ctx, domain.PermCaseRead)
	if err != nil {
		return domain.CaseDashboard{}, err
	}
	d := domain.CaseDashboard{ByCategory: map[string]int{}, ByUrgency: map[string]int{}, ByStatus: map[string]int{}, ByAge: map[string]int{}}
	seeRestricted := a.System != "" || domain.Can(a, domain.PermCaseRestricted)
	err = s.db.ReadTx(ctx, func(tx *Tx) error {
		now := tx.now
		cond, args, err := caseScope(a, now, 1)
		if err != nil {
			return err
		}
		type openCase struct {
			category, urgency, status string
			restricted                bool
			opened                    time.Time
		}
		cases, err := queryAll(ctx, tx, "dashboard cases", func(sc scanner) (openCase, error) {
			var c openCase
			return c, sc.Scan(&c.category, &c.urgency, &c.status, &c.restricted, &c.opened)
		}, `SELECT c.category, c.urgency, c.status, c.restricted, c.opened_at FROM cases c
			WHERE c.closed_at IS NULL AND `+cond, args...)
		if err != nil {
			return err
		}
		for _, c := range cases {
			d.Open++
			cat, urg := c.category, c.urgency
			if c.restricted && !seeRestricted {
				cat, urg = domain.RestrictedKey, domain.RestrictedKey
			}
			d.ByCategory[cat]++
			d.ByUrgency[urg]++
			d.ByStatus[c.status]++
			d.ByAge[domain.AgeBucket(int(now.Sub(c.opened).Hours()/24))]++
		}
		week := now.AddDate(0, 0, 7)
		n := len(args) + 1
		count := func(q string, extra ...any) (int, error) {
			var v int
			err := tx.QueryRowContext(ctx, q, append(append([]any{}, args...), extra...)...).Scan(&v)
			return v, err
		}
		p := func(i int) string { return "$" + strconv.Itoa(n+i) }
		if d.TasksOverdue, err = count(`SELECT COUNT(*) FROM case_tasks t JOIN cases c ON c.id = t.case_id
			WHERE c.closed_at IS NULL AND t.done_at IS NULL AND t.due < `+p(0)+` AND `+cond, now); err != nil {
			return err
		}
		if d.TasksDueSoon, err = count(`SELECT COUNT(*) FROM case_tasks t JOIN cases c ON c.id = t.case_id
			WHERE c.closed_at IS NULL AND t.done_at IS NULL AND t.due >= `+p(0)+` AND t.due < `+p(1)+` AND `+cond, now, week); err != nil {
			return err
		}
		if d.DeadlinesOverdue, err = count(`SELECT COUNT(*) FROM case_measures m JOIN cases c ON c.id = m.case_id
			WHERE c.closed_at IS NULL AND m.deadline < `+p(0)+` AND `+cond, now); err != nil {
			return err
		}
		if d.DeadlinesDueSoon, err = count(`SELECT COUNT(*) FROM case_measures m JOIN cases c ON c.id = m.case_id
			WHERE c.closed_at IS NULL AND m.deadline >= `+p(0)+` AND m.deadline < `+p(1)+` AND `+cond, now, week); err != nil {
			return err
		}
		type ref struct {
			service, name, status string
			sent                  time.Time
			taken                 sql.NullTime
		}
		refs, err := queryAll(ctx, tx, "dashboard referrals", func(sc scanner) (ref, error) {
			var r ref
			return r, sc.Scan(&r.service, &r.name, &r.status, &r.sent, &r.taken)
		}, `SELECT r.service_id, sv.name, r.status, r.sent_at, r.taken_in_charge FROM referrals r
			JOIN cases c ON c.id = r.case_id JOIN services sv ON sv.id = r.service_id WHERE `+cond, args...)
		if err != nil {
			return err
		}
		by := map[string]*domain.ServiceReferrals{}
		days := map[string]float64{}
		for _, r := range refs {
			x := by[r.service]
			if x == nil {
				x = &domain.ServiceReferrals{ServiceID: r.service, Name: r.name}
				by[r.service] = x
			}
			x.Sent++
			switch r.status {
			case domain.ReferralAccepted:
				x.Accepted++
			case domain.ReferralDeclined:
				x.Declined++
			}
			if r.taken.Valid {
				sent := r.sent.UTC()
				day := time.Date(sent.Year(), sent.Month(), sent.Day(), 0, 0, 0, 0, time.UTC)
				days[r.service] += r.taken.Time.UTC().Sub(day).Hours() / 24
				x.TakenIn++
			}
		}
		for id, x := range by {
			if x.Accepted+x.Declined > 0 {
				x.AcceptanceRate = float64(x.Accepted) / float64(x.Accepted+x.Declined)
			}
			if x.TakenIn > 0 {
				x.DaysToTakeIn = days[id] / float64(x.TakenIn)
			}
			d.Referrals = append(d.Referrals, *x)
		}
		sort.Slice(d.Referrals, func(i, j int) bool {
			if d.Referrals[i].Sent != d.Referrals[j].Sent {
				return d.Referrals[i].Sent > d.Referrals[j].Sent
			}
			return d.Referrals[i].Name < d.Referrals[j].Name
		})
		tcond, targs := tableScope(a, 1)
		tcount := func(q string, extra ...any) (int, error) {
			var v int
			err := tx.QueryRowContext(ctx, q, append(append([]any{}, targs...), extra...)...).Scan(&v)
			return v, err
		}
		if d.FollowUpsOpen, err = tcount(`SELECT COUNT(*) FROM case_table_followups f JOIN case_tables t ON t.id = f.table_id
			WHERE f.done_at IS NULL AND ` + tcond); err != nil {
			return err
		}
		d.FollowUpsOverdue, err = tcount(`SELECT COUNT(*) FROM case_table_followups f JOIN case_tables t ON t.id = f.table_id
			WHERE f.done_at IS NULL AND f.due < $2 AND `+tcond, now)
		return err
	})
	return d, err
}
