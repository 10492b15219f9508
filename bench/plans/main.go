// Command plans measures the distribution plans' two timed paths over
// loopback, against the real binary on the region demo: a 400-person plan's
// "publish" (the answer comes after the commit that queued every in-app
// notification and e-mail) and a prefecture's "propose placement" until the
// proposal page is rendered (the engine's search included). Each run makes a
// fresh plan; plans are cancelled afterwards. Loopback only, bounded runs.
//
//	go build -o /tmp/gesta ./cmd/gesta
//	go run ./bench/plans -bin /tmp/gesta [-runs 10] [-db postgres://…]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gesta-er/gesta/bench/internal/benchserver"
	"github.com/gesta-er/gesta/internal/store/demo"
)

func main() {
	bin := flag.String("bin", "", "gesta binary (required)")
	dsn := flag.String("db", "", "database (default: a temporary SQLite file)")
	runs := flag.Int("runs", 10, "plans per measurement")
	size := flag.Int("size", 400, "persons per plan")
	flag.Parse()
	if *bin == "" {
		fail(fmt.Errorf("usage: plans -bin PATH"))
	}
	dir, err := os.MkdirTemp("", "gesta-plans-")
	fail(err)
	defer os.RemoveAll(dir)
	if *dsn == "" {
		*dsn = "sqlite:" + filepath.Join(dir, "g.db")
	}
	run := func(args ...string) string {
		out, err := exec.Command(*bin, args...).CombinedOutput()
		if err != nil {
			fail(fmt.Errorf("%v: %v\n%s", args, err, out))
		}
		return string(out)
	}
	run("demo", "--db", *dsn, "--scale", "region")
	token := func(email string) string {
		lines := strings.Split(strings.TrimSpace(run("token", "create", "--db", *dsn, "--email", email, "--label", "bench")), "\n")
		return lines[len(lines)-1]
	}
	coord, bo := token("coordinamento@gesta.example"), token("prefettura.bo@gesta.example")
	srv, err := benchserver.Start(*bin, []string{"--db", *dsn, "--demo=false", "--log-level", "error"},
		benchserver.Options{Poll: 100 * time.Millisecond})
	fail(err)
	defer srv.Stop()
	base := srv.URL
	web := signIn(base, "prefettura.bo@gesta.example")
	engine := strings.SplitN(*dsn, ":", 2)[0]
	fmt.Printf("gesta plans: engine %s, region demo, %d-person plans, %d runs each\n", engine, *size, *runs)

	var publish, propose, proposeAll []time.Duration
	notifications := 0
	var boShare int
	for i := 0; i < *runs; i++ {
		id := announce(base, coord, *size, i)
		call(base, coord, "POST", "/api/v1/plans/"+id+"/split", nil, nil)
		t0 := time.Now()
		var p plan
		call(base, coord, "POST", "/api/v1/plans/"+id+"/publish", nil, &p)
		publish = append(publish, time.Since(t0))
		if p.Status != "published" {
			fail(fmt.Errorf("publish: status %q", p.Status))
		}
		for _, r := range p.Provinces {
			if r.Code == "037" {
				boShare = r.Persons
			}
		}
		var inbox []json.RawMessage
		call(base, bo, "GET", "/api/v1/inbox?limit=500", nil, &inbox)
		notifications = len(inbox)
		propose = append(propose, page(web, base+"/piani/"+id+"/assegnazione/proposta"))
		call(base, coord, "POST", "/api/v1/plans/"+id+"/cancel", map[string]string{"reason": "bench"}, nil)

		// The worst case: the whole plan to Bologna.
		id = announce(base, coord, *size, 1000+i)
		call(base, coord, "POST", "/api/v1/plans/"+id+"/split", nil, &p)
		all := map[string]int{}
		for _, r := range p.Provinces {
			all[r.Code] = 0
		}
		all["037"] = *size
		call(base, coord, "POST", "/api/v1/plans/"+id+"/split/adjust", map[string]any{"persons": all, "reason": "bench"}, nil)
		call(base, coord, "POST", "/api/v1/plans/"+id+"/publish", nil, nil)
		proposeAll = append(proposeAll, page(web, base+"/piani/"+id+"/assegnazione/proposta"))
		call(base, coord, "POST", "/api/v1/plans/"+id+"/cancel", map[string]string{"reason": "bench"}, nil)
	}
	report("publish → all notifications queued (9 provinces)", publish)
	fmt.Printf("  (Bologna's inbox after the last run: %d notifications)\n", notifications)
	report(fmt.Sprintf("propose placement → page shown, Bologna's share (%d persons)", boShare), propose)
	report(fmt.Sprintf("propose placement → page shown, all %d persons to Bologna", *size), proposeAll)
	fmt.Printf("  (%d of %d proposals proven optimal)\n", optimal, len(propose)+len(proposeAll))
}

var optimal int // proposals proven optimal

type plan struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Provinces []struct {
		Code    string `json:"code"`
		Persons int    `json:"persons"`
	} `json:"provinces"`
}

// announce creates a plan with the brief's composition: about 66% single
// men, 20% in households of 2–7, 7% single women, 6% unaccompanied minors,
// needs on about 5% of the units.
func announce(base, token string, size, seed int) string {
	var units []map[string]any
	n := 0
	add := func(group string, s int, needs []string) {
		units = append(units, map[string]any{"id": fmt.Sprintf("u%d", len(units)+1), "size": s, "group": group, "needs": needs})
		n += s
	}
	for fam := 0; n < size*20/100; fam++ {
		s := 2 + (fam*5+seed)%6
		if n+s > size*20/100 {
			s = max(2, size*20/100-n)
		}
		add("nuclei", s, nil)
	}
	for i := 0; i < size*7/100; i++ {
		add("donne", 1, nil)
	}
	for i := 0; i < size*6/100; i++ {
		add("msna", 1, nil)
	}
	for i := 0; n < size; i++ {
		var needs []string
		if i%20 == 0 {
			needs = []string{"wheelchair"}
		}
		add("uomini", 1, needs)
	}
	var p plan
	call(base, token, "POST", "/api/v1/plans", map[string]any{"reference": fmt.Sprintf("bench %d", seed),
		"expected_at": time.Now().Add(6 * time.Hour).UTC().Format(time.RFC3339), "origin": "Lampedusa", "units": units}, &p)
	return p.ID
}

func call(base, token, method, path string, body, out any) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	fail(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		fail(fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b))
	}
	if out != nil {
		fail(json.Unmarshal(b, out))
	}
}

// page posts the proposal form as the browser does and reads the whole page.
func page(c *http.Client, u string) time.Duration {
	t0 := time.Now()
	resp, err := c.PostForm(u, url.Values{})
	fail(err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`data-testid="plan-place"`)) {
		fail(fmt.Errorf("proposal page: %d", resp.StatusCode))
	}
	if bytes.Contains(b, []byte("Proposta ottima")) {
		optimal++
	}
	return d
}

func signIn(base, email string) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {demo.DemoPassword}})
	fail(err)
	resp.Body.Close()
	if !strings.HasSuffix(resp.Request.URL.Path, "/home") {
		fail(fmt.Errorf("sign-in as %s failed (%s)", email, resp.Request.URL.Path))
	}
	return c
}

func report(what string, ds []time.Duration) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	fmt.Printf("%-70s median %7.1f ms  max %7.1f ms  (n=%d)\n", what, ms(ds[len(ds)/2]), ms(ds[len(ds)-1]), len(ds))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "plans:", err)
		os.Exit(1)
	}
}
