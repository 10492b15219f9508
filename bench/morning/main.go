// Command morning is the 9:00 burst of docs/security.md R23a against the real
// binary, in an open loop (each request leaves at its scheduled time and its
// latency counts from then, so a slow server cannot hide its queue): a mix of
// reads (facility, list, board) and 20 % writes (availability with If-Match,
// holds with Idempotency-Key). Then the invariants: every facility's free
// places ≥ 0 and every acknowledged hold stored once. Then, optionally, the
// knee (rates doubled until p99 ≥ 1 s) and R1 across servers: ≥ 10,000 hold
// attempts by 64 clients spread over every server for a facility with N free
// places → exactly N holds. The same open loop against an empty Go handler
// gives the machine's own figures in the same run. Loopback only, bounded.
//
//	go build -o /tmp/gesta ./cmd/gesta
//	taskset -c 1 go run ./bench/morning -bin /tmp/gesta                         # SQLite, server on core 0
//	psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE gesta_morning'
//	taskset -c 1 go run ./bench/morning -bin /tmp/gesta -servers 2 -r1 10000 \
//	    -db 'postgres://postgres@127.0.0.1:5432/gesta_morning?sslmode=disable'
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gesta-er/gesta/bench/internal/benchserver"
	"github.com/gesta-er/gesta/internal/store"
)

var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}

type facility struct {
	Code     string `json:"code"`
	Active   int    `json:"capacity_active"`
	Occupied int    `json:"occupied"`
	Held     int    `json:"held"`
	Blocked  int    `json:"blocked"`
	Free     int    `json:"free"`
	Version  int    `json:"version"`
}

func main() {
	bin := flag.String("bin", "", "gesta binary (required)")
	dsn := flag.String("db", "", "database (default: a temporary SQLite file); PostgreSQL: an empty database")
	scale := flag.String("scale", "region", "demo scale")
	rate := flag.Int("rate", 150, "requests per second (open loop)")
	dur := flag.Duration("duration", 60*time.Second, "length of the burst")
	writes := flag.Int("writes", 20, "percentage of writes")
	knee := flag.Bool("knee", false, "also find the knee (rates doubled, 10 s each, until p99 ≥ 1 s)")
	servers := flag.Int("servers", 1, "gesta serve processes on the same database (PostgreSQL for more than one)")
	r1 := flag.Int("r1", 0, "R1 across the servers: this many hold attempts for capacities 1 and 100 (0: skipped)")
	pin := flag.String("server-cpu", "0", "taskset CPU list for the servers (empty: no pinning)")
	strict := flag.Bool("strict", false, "fail on any 5xx or transport error in the burst (CI's smoke run)")
	logPath := flag.String("server-log", "", "append the servers' logs (level warn) to this file")
	flag.Parse()
	if *bin == "" {
		fail(fmt.Errorf("usage: morning -bin PATH"))
	}
	dir, err := os.MkdirTemp("", "gesta-morning-")
	fail(err)
	defer os.RemoveAll(dir)
	if *dsn == "" {
		*dsn = "sqlite:" + filepath.Join(dir, "g.db")
	}
	if *servers > 1 && strings.HasPrefix(*dsn, "sqlite:") {
		fail(fmt.Errorf("several servers need PostgreSQL"))
	}
	engine := strings.SplitN(*dsn, ":", 2)[0]
	run := func(args ...string) string {
		out, err := exec.Command(*bin, args...).CombinedOutput()
		if err != nil {
			fail(fmt.Errorf("%v: %v\n%s", args[0], err, out))
		}
		return string(out)
	}
	run("demo", "--db", *dsn, "--scale", *scale)
	lines := strings.Split(strings.TrimSpace(run("token", "create", "--db", *dsn, "--email", "coordinamento@gesta.example", "--label", "morning")), "\n")
	token := lines[len(lines)-1]
	opt := benchserver.Options{}
	level := "error"
	if *logPath != "" {
		lf, err := os.OpenFile(*logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		fail(err)
		defer lf.Close()
		opt.Log, level = lf, "warn"
	}
	if *pin != "" {
		opt.Prefix = []string{"taskset", "-c", *pin}
	}
	var bases []string
	for range *servers {
		srv, err := benchserver.Start(*bin, []string{"--db", *dsn, "--demo=false", "--log-level", level}, opt)
		fail(err)
		defer srv.Stop()
		bases = append(bases, srv.URL)
	}
	fmt.Printf("gesta morning: engine %s, scale %s, %d server(s), %d req/s for %v, %d %% writes (machine shared: figures are relative)\n",
		engine, *scale, *servers, *rate, *dur, *writes)

	m := &mix{bases: bases, dsn: *dsn, token: token, writes: *writes, run: randHex()}
	m.load()
	res := openLoop(*rate, *dur, m.request)
	fmt.Printf("burst: offered %d/s, achieved %.0f/s; %s\n", *rate, res.achieved, res.summary())
	for _, k := range []string{"availability", "hold", "facility", "list", "board"} {
		fmt.Printf("  %-12s %s\n", k, res.only(func(i int) bool { return m.kind(i) == k }).summary())
	}
	m.check()
	if *strict && res.failures() > 0 {
		fail(fmt.Errorf("%d 5xx or transport errors in the burst", res.failures()))
	}

	empty := emptyServer()
	eres := openLoop(*rate, min(*dur, 20*time.Second), func(int) (int, error) { return getStatus(empty+"/", "") })
	fmt.Printf("empty Go handler, same open loop: %s; p99 ratio gesta/empty %.1f\n", eres.summary(), ratio(res.q(.99), eres.q(.99)))

	if *knee {
		last := 0
		for r := *rate; r <= 9600; r *= 2 {
			m.phase.Add(1)
			kr := openLoop(r, 10*time.Second, m.request)
			fmt.Printf("knee step %d/s: achieved %.0f/s; %s\n", r, kr.achieved, kr.summary())
			if kr.q(.99) >= time.Second || kr.failures() > 0 {
				break
			}
			last = r
		}
		ceil := closedLoopRate(64, 5*time.Second, func() (int, error) { return getStatus(empty+"/", "") })
		fmt.Printf("knee: %d/s with p99 < 1 s (last step passed); empty Go handler ceiling %.0f req/s (closed loop, 64 clients), ratio %.3f\n",
			last, ceil, float64(last)/ceil)
		m.check()
	}
	if *r1 > 0 {
		for _, capacity := range []int{1, 100} {
			m.lastBeds(capacity, *r1)
		}
	}
}

// mix is the morning's traffic over the demo's facilities.
type mix struct {
	bases  []string
	dsn    string
	token  string
	writes int
	run    string // marks this run's holds
	fs     []facility
	mu     sync.Mutex
	ver    map[string]int
	acked  atomic.Int64 // holds acknowledged with 201
	// unanswered counts holds without a definite answer (transport error, 5xx).
	unanswered atomic.Int64
	keys       sync.Map // idempotency key → hold id
	// phase numbers the open loops of a run: request i of each loop sends
	// its own key (the knee's steps restart i; a key reused with another body
	// is refused 422, rightly, and would count as unanswered).
	phase atomic.Int32
}

func (m *mix) load() {
	b, code, err := call("GET", m.bases[0]+"/api/v1/facilities", m.token, "", nil)
	if err != nil || code != 200 {
		fail(fmt.Errorf("facilities: %d %v", code, err))
	}
	fail(json.Unmarshal(b, &m.fs))
	m.ver = map[string]int{}
	for _, f := range m.fs {
		m.ver[f.Code] = f.Version
	}
}

// kind names request i's operation.
func (m *mix) kind(i int) string {
	if i%100 < m.writes {
		if i%5 < 3 {
			return "availability"
		}
		return "hold"
	}
	return [...]string{"facility", "facility", "list", "board"}[i%4]
}

// request i: 20 % writes (3 of 5 availability, 2 of 5 holds), the rest
// reads (half a facility, a quarter the province's list, a quarter the board).
func (m *mix) request(i int) (int, error) {
	base := m.bases[i%len(m.bases)]
	f := m.fs[(i*7919)%len(m.fs)]
	if i%100 < m.writes {
		if i%5 < 3 {
			m.mu.Lock()
			v := m.ver[f.Code]
			m.mu.Unlock()
			h := http.Header{"If-Match": {`"` + strconv.Itoa(v) + `"`}}
			_, code, err := callH("PUT", base+"/api/v1/facilities/"+f.Code+"/availability", m.token,
				fmt.Sprintf(`{"occupied": %d}`, max(0, f.Occupied-(i/len(m.fs))%2)), h, func(rh http.Header) {
					if nv, err := strconv.Atoi(strings.Trim(rh.Get("ETag"), `"`)); err == nil {
						m.mu.Lock()
						m.ver[f.Code] = max(m.ver[f.Code], nv)
						m.mu.Unlock()
					}
				})
			return code, err
		}
		key := fmt.Sprintf("%s-%d-%d", m.run, m.phase.Load(), i)
		body := fmt.Sprintf(`{"places": 1, "expires_at": %q, "reason": "morning %s"}`,
			time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339), m.run)
		b, code, err := call("POST", base+"/api/v1/facilities/"+f.Code+"/holds", m.token, body, http.Header{"Idempotency-Key": {key}})
		if code != 201 && code != 409 && code != 412 {
			m.unanswered.Add(1)
		}
		if code == 201 {
			var h struct{ ID string }
			_ = json.Unmarshal(b, &h)
			m.keys.Store(key, h.ID)
			m.acked.Add(1)
		}
		return code, err
	}
	switch i % 4 {
	case 0, 1:
		return getStatus(base+"/api/v1/facilities/"+f.Code, m.token)
	case 2:
		return getStatus(base+"/api/v1/facilities?province="+f.Code[:2], m.token)
	default:
		return getStatus(base+"/api/v1/board", m.token)
	}
}

// check: no facility below zero free places; every acknowledged hold of this
// run stored, once (the ids are distinct).
func (m *mix) check() {
	b, code, err := call("GET", m.bases[0]+"/api/v1/facilities", m.token, "", nil)
	if err != nil || code != 200 {
		fail(fmt.Errorf("facilities: %d %v", code, err))
	}
	var fs []facility
	fail(json.Unmarshal(b, &fs))
	bad := 0
	for _, f := range fs {
		if f.Free < 0 {
			bad++
		}
	}
	ids := map[string]bool{}
	m.keys.Range(func(_, v any) bool { ids[v.(string)] = true; return true })
	db, err := store.Open(context.Background(), m.dsn)
	fail(err)
	defer db.Close()
	stored := map[string]bool{}
	fail(db.ReadTx(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.QueryContext(context.Background(), `SELECT id FROM holds WHERE reason = $1`, "morning "+m.run)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			stored[id] = true
		}
		return rows.Err()
	}))
	missing := 0
	for id := range ids {
		if !stored[id] {
			missing++
		}
	}
	// A hold the client never heard of (timeout, 5xx) may have committed: the
	// stored holds are the acknowledged ones plus at most those.
	extra := len(stored) - (len(ids) - missing)
	fmt.Printf("invariants: %d facilities with negative free places; %d holds acknowledged (%d distinct ids, %d of them missing), %d stored, %d more than acknowledged (unanswered holds: %d)\n",
		bad, m.acked.Load(), len(ids), missing, len(stored), extra, m.unanswered.Load())
	if bad > 0 || int64(len(ids)) != m.acked.Load() || missing > 0 || int64(extra) > m.unanswered.Load() {
		fail(fmt.Errorf("invariant violated"))
	}
}

// lastBeds is R1 over HTTP across every server: a facility with exactly
// capacity free places, attempts hold requests of one place by 64 clients,
// spread over the servers; exactly capacity must succeed.
func (m *mix) lastBeds(capacity, attempts int) {
	best := m.fs[0]
	for _, f := range m.fs {
		if f.Active-f.Held-f.Blocked > best.Active-best.Held-best.Blocked {
			best = f
		}
	}
	b, _, err := call("GET", m.bases[0]+"/api/v1/facilities/"+best.Code, m.token, "", nil)
	fail(err)
	var f facility
	fail(json.Unmarshal(b, &f))
	occ := f.Occupied + f.Free - capacity
	_, code, err := call("PUT", m.bases[0]+"/api/v1/facilities/"+f.Code+"/availability", m.token,
		fmt.Sprintf(`{"occupied": %d}`, occ), http.Header{"If-Match": {`"` + strconv.Itoa(f.Version) + `"`}})
	if err != nil || code != 200 {
		fail(fmt.Errorf("set %d free places at %s: %d %v", capacity, f.Code, code, err))
	}
	var ok, refused, other atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	body := fmt.Sprintf(`{"places": 1, "expires_at": %q, "reason": "R1"}`, time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339))
	for c := range 64 {
		wg.Go(func() {
			for n := next.Add(1); n <= int64(attempts); n = next.Add(1) {
				_, code, _ := call("POST", m.bases[(c+int(n))%len(m.bases)]+"/api/v1/facilities/"+f.Code+"/holds", m.token, body, nil)
				switch code {
				case 201:
					ok.Add(1)
				case 409:
					refused.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()
	b, _, err = call("GET", m.bases[0]+"/api/v1/facilities/"+f.Code, m.token, "", nil)
	fail(err)
	var after facility
	fail(json.Unmarshal(b, &after))
	fmt.Printf("R1 across %d server(s), capacity %d: %d attempts in %v, %d created, %d refused (409), %d other; facility held %d → %d, free %d\n",
		len(m.bases), capacity, attempts, time.Since(start).Round(time.Millisecond), ok.Load(), refused.Load(), other.Load(), f.Held, after.Held, after.Free)
	if ok.Load() != int64(capacity) || after.Held-f.Held != capacity || after.Free != 0 {
		fail(fmt.Errorf("R1 violated"))
	}
}

type result struct {
	lat      []time.Duration
	codes    []int
	achieved float64
}

// openLoop sends n = rate×dur requests at their scheduled times.
func openLoop(rate int, dur time.Duration, req func(i int) (int, error)) result {
	interval := time.Second / time.Duration(rate)
	n := int(dur / interval)
	r := result{lat: make([]time.Duration, n), codes: make([]int, n)}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		wg.Go(func() {
			code, err := req(i)
			r.lat[i] = time.Since(at)
			if err != nil {
				code = -1
			}
			r.codes[i] = code
		})
	}
	wg.Wait()
	r.achieved = float64(n) / time.Since(start).Seconds()
	return r
}

// only is the part of r whose request numbers satisfy keep.
func (r result) only(keep func(i int) bool) result {
	var o result
	for i := range r.lat {
		if keep(i) {
			o.lat, o.codes = append(o.lat, r.lat[i]), append(o.codes, r.codes[i])
		}
	}
	return o
}

func (r result) q(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), r.lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// failures counts 5xx and transport errors.
func (r result) failures() int {
	n := 0
	for _, c := range r.codes {
		if c < 0 || c >= 500 {
			n++
		}
	}
	return n
}

func (r result) summary() string {
	byCode := map[int]int{}
	for _, c := range r.codes {
		byCode[c]++
	}
	var parts []string
	for c, n := range byCode {
		parts = append(parts, fmt.Sprintf("%d×%d", n, c))
	}
	sort.Strings(parts)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, p99.9 %s, max %s; statuses %s; 5xx+errors %d", ms(r.q(.5)), ms(r.q(.9)),
		ms(r.q(.99)), ms(r.q(.999)), ms(r.q(1)), strings.Join(parts, " "), r.failures())
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(max(b, time.Microsecond)) }

func emptyServer() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	fail(err)
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	return "http://" + ln.Addr().String()
}

func closedLoopRate(workers int, dur time.Duration, do func() (int, error)) float64 {
	var n atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for !stop.Load() {
				do()
				n.Add(1)
			}
		})
	}
	time.Sleep(dur)
	stop.Store(true)
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

func getStatus(url, token string) (int, error) {
	_, code, err := call("GET", url, token, "", nil)
	return code, err
}

func call(method, url, token, body string, h http.Header) ([]byte, int, error) {
	return callH(method, url, token, body, h, nil)
}

func callH(method, url, token, body string, h http.Header, seen func(http.Header)) ([]byte, int, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if seen != nil {
		seen(resp.Header)
	}
	return b, resp.StatusCode, err
}

func randHex() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "morning:", err)
		os.Exit(1)
	}
}
