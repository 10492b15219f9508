// Command load measures gesta's free-places paths over loopback, against the
// real binary: availability updates in an open loop (latency from the
// scheduled send time, so a slow server cannot hide its queue), and the board
// in a closed loop. Beside each figure it measures the machine's own ceiling
// in the same run: an empty Go handler's requests/s and a bare SQLite commit
// rate. Loopback only; every phase is bounded in time.
//
//	go build -o /tmp/gesta ./cmd/gesta
//	taskset -c 1 go run ./bench/load -bin /tmp/gesta -scale region        # server pinned to core 0
//	taskset -c 1 go run ./bench/load -bin /tmp/gesta -scale nation -only board
//	taskset -c 1 go run ./bench/load -bin /tmp/gesta -db postgres://postgres@127.0.0.1/gesta_bench?sslmode=disable
package main

import (
	"context"
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

var client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}

func main() {
	bin := flag.String("bin", "", "gesta binary (required)")
	dsn := flag.String("db", "", "database (default: a temporary SQLite file)")
	scale := flag.String("scale", "region", "demo scale: region or nation")
	rate := flag.Int("rate", 200, "availability updates per second (open loop)")
	dur := flag.Duration("duration", 10*time.Second, "length of each phase")
	workers := flag.Int("workers", 8, "concurrent clients for the board (closed loop)")
	only := flag.String("only", "", "run one phase: avail or board")
	pin := flag.String("server-cpu", "0", "taskset CPU list for the server (empty: no pinning)")
	flag.Parse()
	if *bin == "" {
		fail(fmt.Errorf("usage: load -bin PATH"))
	}
	dir, err := os.MkdirTemp("", "gesta-load-")
	fail(err)
	defer os.RemoveAll(dir)
	if *dsn == "" {
		*dsn = "sqlite:" + filepath.Join(dir, "g.db")
	}
	engine := strings.SplitN(*dsn, ":", 2)[0]
	fmt.Printf("gesta load: engine %s, scale %s, phases of %v\n", engine, *scale, *dur)

	run := func(args ...string) string {
		out, err := exec.Command(*bin, args...).CombinedOutput()
		if err != nil {
			fail(fmt.Errorf("%v: %v\n%s", args, err, out))
		}
		return string(out)
	}
	run("demo", "--db", *dsn, "--scale", *scale)
	tokenOut := run("token", "create", "--db", *dsn, "--email", "coordinamento@gesta.example", "--label", "load")
	lines := strings.Split(strings.TrimSpace(tokenOut), "\n")
	token := lines[len(lines)-1]

	opt := benchserver.Options{}
	if *pin != "" {
		opt.Prefix = []string{"taskset", "-c", *pin}
	}
	srv, err := benchserver.Start(*bin, []string{"--db", *dsn, "--demo=false", "--log-level", "error"}, opt)
	fail(err)
	defer srv.Stop()
	base := srv.URL

	if *only == "" || *only == "avail" {
		availability(base, token, *rate, *dur)
	}
	if *only == "" || *only == "board" {
		board(base, token, *workers, *dur)
	}
	ceilings(*workers, *dur/2)
}

// availability sends PUT …/availability at a fixed rate over all facilities,
// keeping each one's ETag from the previous answer.
func availability(base, token string, rate int, dur time.Duration) {
	var fs []struct {
		Code     string `json:"code"`
		Occupied int    `json:"occupied"`
		Version  int    `json:"version"`
	}
	resp, err := get(base+"/api/v1/facilities", token)
	fail(err)
	fail(json.NewDecoder(resp.Body).Decode(&fs))
	resp.Body.Close()
	var mu sync.Mutex
	version := map[string]int{}
	for _, f := range fs {
		version[f.Code] = f.Version
	}
	interval := time.Second / time.Duration(rate)
	n := int(dur / interval)
	lat := make([]time.Duration, n)
	codes := make([]int, n)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		f := fs[i%len(fs)]
		wg.Go(func() {
			mu.Lock()
			v := version[f.Code]
			mu.Unlock()
			body := fmt.Sprintf(`{"occupied": %d}`, f.Occupied-(i/len(fs))%2) // alternate: a real change each time
			req, _ := http.NewRequest("PUT", base+"/api/v1/facilities/"+f.Code+"/availability", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("If-Match", `"`+strconv.Itoa(v)+`"`)
			resp, err := client.Do(req)
			lat[i] = time.Since(at) // from the scheduled time: no coordinated omission
			if err != nil {
				codes[i] = -1
				return
			}
			if tag := resp.Header.Get("ETag"); tag != "" {
				nv, _ := strconv.Atoi(strings.Trim(tag, `"`))
				mu.Lock()
				if nv > version[f.Code] {
					version[f.Code] = nv
				}
				mu.Unlock()
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Printf("availability PUT, open loop %d/s for %v: achieved %.0f/s, %s\n", rate, dur, float64(n)/elapsed.Seconds(), summary(lat, codes))
}

// board hammers GET /api/v1/board with a fixed number of clients.
func board(base, token string, workers int, dur time.Duration) {
	rps, lat, codes := closedLoop(workers, dur, func() (int, error) {
		resp, err := get(base+"/api/v1/board", token)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	})
	fmt.Printf("board GET, closed loop %d clients for %v: %.0f req/s, %s\n", workers, dur, rps, summary(lat, codes))
}

// ceilings measures, in the same run, an empty handler over loopback and a
// bare SQLite commit.
func ceilings(workers int, dur time.Duration) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	fail(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })}
	go srv.Serve(ln)
	defer srv.Close()
	rps, _, _ := closedLoop(workers, dur, func() (int, error) {
		resp, err := client.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	})
	fmt.Printf("ceiling: empty Go handler, closed loop %d clients: %.0f req/s\n", workers, rps)

	dir, _ := os.MkdirTemp("", "gesta-commit-")
	defer os.RemoveAll(dir)
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "c.db"))
	fail(err)
	defer db.Close()
	fail(db.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(`CREATE TABLE c (id INTEGER PRIMARY KEY, v INTEGER)`)
		return err
	}))
	n, start := 0, time.Now()
	for time.Since(start) < dur {
		fail(db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Exec(`INSERT INTO c (v) VALUES ($1)`, n)
			return err
		}))
		n++
	}
	fmt.Printf("ceiling: bare SQLite commit (WAL, synchronous=FULL): %.0f commits/s\n", float64(n)/time.Since(start).Seconds())
}

func closedLoop(workers int, dur time.Duration, call func() (int, error)) (float64, []time.Duration, []int) {
	var mu sync.Mutex
	var lat []time.Duration
	var codes []int
	var stop atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			var l []time.Duration
			var c []int
			for !stop.Load() {
				t := time.Now()
				code, err := call()
				if err != nil {
					code = -1
				}
				l, c = append(l, time.Since(t)), append(c, code)
			}
			mu.Lock()
			lat, codes = append(lat, l...), append(codes, c...)
			mu.Unlock()
		})
	}
	time.Sleep(dur)
	stop.Store(true)
	wg.Wait()
	return float64(len(lat)) / time.Since(start).Seconds(), lat, codes
}

func summary(lat []time.Duration, codes []int) string {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	byCode := map[int]int{}
	for _, c := range codes {
		byCode[c]++
	}
	var parts []string
	for c, n := range byCode {
		parts = append(parts, fmt.Sprintf("%d×%d", n, c))
	}
	sort.Strings(parts)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, p99.9 %s, max %s; statuses %s", ms(q(.5)), ms(q(.9)), ms(q(.99)),
		ms(q(.999)), ms(s[len(s)-1]), strings.Join(parts, " "))
}

func get(url, token string) (*http.Response, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return client.Do(req)
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}
