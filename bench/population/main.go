// Command population measures the population pages and calls of gesta
// against the real binary, over loopback, on a database already loaded with
// the demo (build it once: gesta demo --scale nation --db …; minutes):
//
//   - every dashboard page and statistics call for Bologna (the largest
//     province), a small province and the whole region, at random reference
//     dates over the two years of history and today: latency p50/p95/max of
//     sequential requests (one user waiting for a page);
//
//   - a presence list of 20,000 rows (Bologna's people as the registry has
//     them, 1% with a corrected birth date, 1% left out, 1% new) uploaded by
//     Bologna's prefecture: time to the preview, and the server's peak memory.
//
//     go build -o /tmp/gesta ./cmd/gesta
//     /tmp/gesta demo --scale nation --db sqlite:/tmp/nation.db
//     go run ./bench/population -bin /tmp/gesta -db sqlite:/tmp/nation.db
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gesta-er/gesta/bench/internal/benchserver"
	"github.com/gesta-er/gesta/internal/domain"
	"github.com/gesta-er/gesta/internal/store"
)

func main() {
	bin := flag.String("bin", "", "gesta binary (required)")
	dsn := flag.String("db", "", "database with the demo loaded (required)")
	n := flag.Int("n", 60, "requests per kind of call")
	rows := flag.Int("presence", 20000, "rows of the presence list (0: skip)")
	onlyToday := flag.Bool("only-today", false, "measure only today's figures after a change")
	flag.Parse()
	if *bin == "" || *dsn == "" {
		fail(fmt.Errorf("usage: population -bin PATH -db DSN"))
	}
	out, err := exec.Command(*bin, "token", "create", "--db", *dsn, "--email", "coordinamento@gesta.example", "--label", "bench").CombinedOutput()
	fail(err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token := lines[len(lines)-1]

	srv, err := benchserver.Start(*bin, []string{"--db", *dsn, "--demo=false", "--log-level", "error"},
		benchserver.Options{Poll: 20 * time.Millisecond, Timeout: 120 * time.Second})
	fail(err)
	defer srv.Stop()
	base := srv.URL
	engine := strings.SplitN(*dsn, ":", 2)[0]
	fmt.Printf("gesta population bench: engine %s, %d requests per kind, sequential\n", engine, *n)

	coord := signIn(base, "coordinamento@gesta.example")
	r := rand.New(rand.NewPCG(1, 2))
	day := func(i int) string {
		if i%4 == 0 {
			return time.Now().Format("2006-01-02") // a quarter of the calls ask for today
		}
		return time.Now().AddDate(0, 0, -r.IntN(730)).Format("2006-01-02")
	}
	dims := []string{"sex", "age", "nationality", "household", "stage", "comune", "facility_type", "length"}
	places := []struct{ api, web, name string }{{"BO", "BO", "Bologna"}, {"PC", "PC", "Piacenza"}, {"", "tutte", "region"}}
	if *onlyToday {
		places = nil
	}
	for _, place := range places {
		measure(fmt.Sprintf("%-9s GET /api/v1/stats/population", place.name), *n, func(i int) (int, error) {
			return call(nil, token, fmt.Sprintf("%s/api/v1/stats/population?province=%s&by=%s&date=%s", base, place.api, dims[i%len(dims)], day(i)))
		})
		measure(fmt.Sprintf("%-9s GET /api/v1/stats/dashboard", place.name), *n, func(i int) (int, error) {
			return call(nil, token, fmt.Sprintf("%s/api/v1/stats/dashboard?province=%s&date=%s", base, place.api, day(i)))
		})
		measure(fmt.Sprintf("%-9s GET /cruscotto (page)", place.name), *n, func(i int) (int, error) {
			return call(coord, "", fmt.Sprintf("%s/cruscotto?provincia=%s&data=%s", base, place.web, day(i)))
		})
		measure(fmt.Sprintf("%-9s GET /cruscotto/tabella.xlsx", place.name), *n/2, func(i int) (int, error) {
			return call(coord, "", fmt.Sprintf("%s/cruscotto/tabella.xlsx?tabella=%s&provincia=%s&data=%s", base, dims[i%len(dims)], place.web, day(i)))
		})
		measure(fmt.Sprintf("%-9s GET /cruscotto/rapporto.pdf", place.name), *n/4, func(i int) (int, error) {
			return call(coord, "", fmt.Sprintf("%s/cruscotto/rapporto.pdf?provincia=%s&data=%s", base, place.web, day(i)))
		})
	}
	// Today's figures are cached until the next change: measure them cold,
	// each request right after a change (an occupancy declaration).
	today := time.Now().Format("2006-01-02")
	for _, place := range []struct{ api, web, name string }{{"BO", "BO", "Bologna"}, {"", "tutte", "region"}} {
		measureAfter(fmt.Sprintf("%-9s today, after a change: dashboard API", place.name), *n/4, func() { touch(base, token) }, func() (int, error) {
			return call(nil, token, fmt.Sprintf("%s/api/v1/stats/dashboard?province=%s&date=%s", base, place.api, today))
		})
		measureAfter(fmt.Sprintf("%-9s today, after a change: /cruscotto", place.name), *n/4, func() { touch(base, token) }, func() (int, error) {
			return call(coord, "", fmt.Sprintf("%s/cruscotto?provincia=%s&data=%s", base, place.web, today))
		})
	}
	if *rows > 0 {
		presence(base, *dsn, *rows, srv.Cmd.Process.Pid)
	}
}

// presence builds a list from Bologna's registry and uploads it as
// Bologna's prefecture.
func presence(base, dsn string, rows, pid int) {
	ctx := domain.NewContextWithActor(context.Background(), domain.Actor{System: "bench"})
	db, err := store.Open(ctx, dsn)
	fail(err)
	fs, err := db.Facilities.ListFacilities(ctx, domain.FacilityFilter{ProvinceCode: "037"})
	fail(err)
	var b bytes.Buffer
	b.WriteString("Elenco presenze della provincia di Bologna (bench)\n\n")
	b.WriteString("Codice struttura;Cognome;Nome;Sesso;Data di nascita;Cittadinanza;CUI;Data ingresso\n")
	written := 0
	r := rand.New(rand.NewPCG(3, 4))
	for _, f := range fs {
		ps, err := db.Guests.Present(ctx, f.Code)
		fail(err)
		for _, p := range ps {
			if written >= rows {
				break
			}
			g := p.Guest
			birth := g.BirthDate
			switch x := r.IntN(100); {
			case x == 0:
				continue // left out: missing from the list
			case x == 1:
				birth = birth.AddDate(0, 1, 0) // a corrected date
			case x == 2: // a newcomer next to them
				fmt.Fprintf(&b, "%s;Nuovo%d;Arrivato;M;%s;Gambia;;%s\n", f.Code, written, "03/04/2005", time.Now().Format("02/01/2006"))
				written++
			}
			fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s;%s;%s\n", f.Code, g.Surname, g.GivenName, g.Sex, birth.Format("02/01/2006"),
				domain.NationalityName(g.Nationality), g.CUI, p.EnteredAt.Format("02/01/2006"))
			written++
		}
		if written >= rows {
			break
		}
	}
	db.Close()
	pref := signIn(base, "prefettura.bo@gesta.example")
	before := hwm(pid)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("facility", "")
	fw, _ := mw.CreateFormFile("file", "presenze-bologna.csv")
	fw.Write(b.Bytes())
	mw.Close()
	start := time.Now()
	resp, err := pref.Post(base+"/ospiti/elenco", mw.FormDataContentType(), &body)
	fail(err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	summary := regexp.MustCompile(`presence-summary">([^<]*)`).FindSubmatch(page)
	if resp.StatusCode != 200 || summary == nil {
		fail(fmt.Errorf("presence upload: %d\n%.2000s", resp.StatusCode, page))
	}
	fmt.Printf("presence list of %d rows (%.1f MiB CSV), preview by Bologna's prefecture: %v; server peak RSS %d MiB (before the upload %d MiB)\n  %s\n",
		written, float64(b.Len())/(1<<20), took.Round(time.Millisecond), hwm(pid)>>10, before>>10, summary[1])
}

// hwm reads a process's peak resident memory in KiB.
func hwm(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	var kb int
	fmt.Sscan(string(m[1]), &kb)
	return kb
}

var httpClient = &http.Client{Timeout: 60 * time.Second}

func call(c *http.Client, token, u string) (int, error) {
	if c == nil {
		c = httpClient
	}
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func measure(name string, n int, f func(i int) (int, error)) {
	f(0) // warm the route (templates, statement caches)
	lat := make([]time.Duration, 0, n)
	bad := 0
	for i := range n {
		start := time.Now()
		code, err := f(i)
		lat = append(lat, time.Since(start))
		if err != nil || code != 200 {
			bad++
		}
	}
	report(name, lat, bad)
}

// touch declares a facility's occupancy (one more, one less in turn): a
// committed change, which drops today's cached figures.
func touch(base, token string) {
	req, _ := http.NewRequest("GET", base+"/api/v1/facilities/BO-0001", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	fail(err)
	var f struct {
		Occupied int `json:"occupied"`
		Active   int `json:"capacity_active"`
	}
	fail(json.NewDecoder(resp.Body).Decode(&f))
	resp.Body.Close()
	occ := f.Occupied + 1
	if occ > f.Active {
		occ = f.Occupied - 1
	}
	req, _ = http.NewRequest("PUT", base+"/api/v1/facilities/BO-0001/availability", strings.NewReader(fmt.Sprintf(`{"occupied": %d}`, occ)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", resp.Header.Get("ETag"))
	resp, err = httpClient.Do(req)
	fail(err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		fail(fmt.Errorf("availability: %d", resp.StatusCode))
	}
}

func measureAfter(name string, n int, before func(), f func() (int, error)) {
	// The first computation after start fills every province's entry (the
	// region's is their sum): timed apart, it is not what a user meets after
	// a change.
	start := time.Now()
	f()
	fmt.Printf("%-48s first after start %.1f ms\n", name, float64(time.Since(start).Microseconds())/1000)
	lat := make([]time.Duration, 0, n)
	bad := 0
	for range n {
		before()
		start := time.Now()
		code, err := f()
		lat = append(lat, time.Since(start))
		if err != nil || code != 200 {
			bad++
		}
	}
	report(name, lat, bad)
}

func report(name string, lat []time.Duration, bad int) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	fmt.Printf("%-48s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  (%d calls, %d not 200)\n", name, q(.5), q(.95), q(1), len(lat), bad)
}

func signIn(base, email string) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {"gesta-demo-2026"}})
	fail(err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		fail(fmt.Errorf("sign-in %s: %d", email, resp.StatusCode))
	}
	return c
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "population:", err)
		os.Exit(1)
	}
}
