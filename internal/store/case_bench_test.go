package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gesta-er/gesta/internal/crypt"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
	"github.com/gesta-er/gesta/internal/store/demo"
	"github.com/gesta-er/gesta/internal/store/storetest"
)

// BenchmarkGetCase opens a full case (a report, a note, a task, a measure,
// a vulnerability: every section, texts unsealed) with its access-log write,
// among benchCases cases whose access log already holds benchAccesses rows.
// It reports the p95 of one read. go test -run '^$' -bench BenchmarkGetCase ./internal/store/
// The scale is GESTA_BENCH_CASES and GESTA_BENCH_ACCESSES (default 2,000 and
// 200,000; the is 20,000 and 10,000,000); GESTA_BENCH_NATION=1 loads
// the nation-scale demo (facilities, people, two years of stays) first.
func BenchmarkGetCase(b *testing.B) {
	benchCases, benchAccesses := benchEnv("GESTA_BENCH_CASES", 2000), benchEnv("GESTA_BENCH_ACCESSES", 200_000)
	for _, engine := range storetest.EngineNames {
		b.Run(engine, func(b *testing.B) {
			dsn, ok := storetest.DSN(b, engine)
			if !ok {
				b.Skipf("%s not set", storetest.EnvPostgres)
			}
			db := storetest.Open(b, dsn)
			spec, _ := crypt.NewKey("b1")
			db.Keys, _ = crypt.Parse(spec)
			ctx := storetest.Ctx()
			if os.Getenv("GESTA_BENCH_NATION") != "" {
				// The nation-scale demo first: 10,000 facilities, its people and
				// two years of stays, beside which the cases are loaded.
				start := time.Now()
				if _, err := demo.LoadWith(ctx, db, demo.ScaleNation, demo.Options{Population: true}); err != nil {
					b.Fatal(err)
				}
				b.Logf("%s: nation-scale demo loaded in %v", engine, time.Since(start).Round(time.Second))
			}
			g := &domain.Gestore{Name: "Coop Bench", TaxCode: "09876543210", ProvinceCode: "037"}
			if err := db.Orgs.CreateGestore(ctx, g); err != nil {
				b.Fatal(err)
			}
			f := &domain.Facility{Name: "Centro Bench", Type: domain.TypeCASCollettivo, Target: domain.TargetMen, GestoreID: g.ID,
				ComuneCode: "037006", Contracted: benchCases + 10, Active: benchCases + 10}
			if err := db.Facilities.CreateFacility(ctx, f); err != nil {
				b.Fatal(err)
			}
			offices, _ := db.Orgs.ListOffices(ctx)
			office := ""
			for _, o := range offices {
				if o.Sigla == "BO" {
					office = o.ID
				}
			}
			u := &domain.User{Email: "bench@pref-bo.example", Name: "Bench", Role: domain.RolePrefecture, OfficeID: office}
			if err := db.Users.CreateUser(ctx, u, "h"); err != nil {
				b.Fatal(err)
			}
			a, _ := db.Users.ActorByUserID(ctx, u.ID)
			pref := storetest.CtxAs(a)
			cs := store.NewCaseService(db)
			// The bulk: guests, open stays and cases in one transaction, then
			// the access log's rows.
			var caseIDs []string
			loadStart := time.Now()
			now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
			err := db.InTx(ctx, func(tx *store.Tx) error {
				c := context.Background()
				for i := range benchCases {
					gid, sid, cid := v7(), v7(), v7()
					if _, err := tx.ExecContext(c, `INSERT INTO guests (id, surname, given_name, search_key, sex, birth_date,
						birth_estimated, nationality, household_role, msna, arrival_channel, arrival_place, stage, created_by,
						created_at, updated_at) VALUES ($1, 'Bench', $2, 'bnch', 'M', $3, false, 'GIN', '', false, '', '', 'c3_presentato',
						'bench', $3, $3)`, gid, fmt.Sprint(i), now); err != nil {
						return err
					}
					if _, err := tx.ExecContext(c, `INSERT INTO stays (id, guest_id, facility_id, entered_at, exit_reason,
						capacity_override, created_by, created_at, province_code, comune_code, facility_type, sex, birth_date,
						nationality, in_household, msna, stage) VALUES ($1, $2, $3, $4, '', '', 'bench', $4, '037', '037006',
						'cas_collettivo', 'M', $5, 'GIN', false, false, 'c3_presentato')`, sid, gid, f.ID, now, now); err != nil {
						return err
					}
					if _, err := tx.ExecContext(c, `INSERT INTO cases (id, guest_id, province_code, category, urgency, restricted,
						status, version, opened_by, opened_at, updated_at) VALUES ($1, $2, '037', 'salute', 'ordinaria', false,
						'aperto', 1, 'bench', $3, $3)`, cid, gid, now); err != nil {
						return err
					}
					caseIDs = append(caseIDs, cid)
				}
				// The access log in multi-row statements: ten million single
				// inserts would take longer than the reads measured.
				const batch = 1000
				for start := 0; start < benchAccesses; start += batch {
					n := min(batch, benchAccesses-start)
					var q strings.Builder
					q.WriteString(`INSERT INTO case_accesses (id, case_id, at, user_id, role, purpose, sections, break_glass, request_id) VALUES `)
					args := make([]any, 0, 3*n)
					for j := range n {
						i := start + j
						if j > 0 {
							q.WriteString(", ")
						}
						fmt.Fprintf(&q, "($%d, $%d, $%d, 'bench', 'prefecture', 'verifica', 'anagrafica', false, '')", 3*j+1, 3*j+2, 3*j+3)
						args = append(args, v7(), caseIDs[i%benchCases], now.Add(time.Duration(i)*time.Second))
					}
					if _, err := tx.ExecContext(c, q.String(), args...); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			// One full case: its guest reported on, with every section filled.
			guest := newGuestTB(b, ctx, db, domain.Vulnerability{Code: "disturbo_mentale", Status: "sospetta", Source: "medico",
				Date: now})
			if _, err := db.Guests.RecordEntry(ctx, guest.ID, f.Code, now, ""); err != nil {
				b.Fatal(err)
			}
			id, err := cs.OpenCase(pref, guest.ID)
			if err != nil {
				b.Fatal(err)
			}
			if err := cs.LinkVulnerability(pref, id, "disturbo_mentale"); err != nil {
				b.Fatal(err)
			}
			cs.AddNote(pref, id, "Nota di prova per la misura dei tempi di lettura.")
			cs.AddTask(pref, id, "Compito di prova", now.AddDate(0, 0, 3))
			cs.AddMeasure(pref, id, &domain.Measure{Kind: domain.MeasureTransfer, DecidedOn: now, Reason: "prova"})
			b.Logf("%s: %d cases, %d access rows loaded in %v", engine, benchCases, benchAccesses, time.Since(loadStart).Round(time.Second))
			durations := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				c, err := cs.GetCase(pref, id, "verifica")
				durations = append(durations, time.Since(start))
				if err != nil || len(c.Sections) != len(domain.CaseSections) {
					b.Fatalf("read: %v", err)
				}
			}
			b.StopTimer()
			slices.Sort(durations)
			b.ReportMetric(float64(durations[len(durations)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

func newGuestTB(tb testing.TB, ctx context.Context, db *store.DB, vulns ...domain.Vulnerability) *domain.Guest {
	tb.Helper()
	g := &domain.Guest{Surname: "Diallo", GivenName: "Mamadou", Sex: domain.SexMale,
		BirthDate: time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC), BirthEstimated: true, Nationality: "GIN",
		Stage: domain.StageC3Lodged}
	if err := db.Guests.CreateGuest(ctx, g, vulns); err != nil {
		tb.Fatal(err)
	}
	return g
}

// benchEnv reads a benchmark's scale from the environment.
func benchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// v7 is a time-ordered id, as the store makes them (newID): the bulk load
// appends to the indexes instead of scattering over them.
func v7() string { return uuid.Must(uuid.NewV7()).String() }
