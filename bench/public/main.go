// Command public measures the public site's speed targets over
// loopback, against the real binary with the demo (which publishes its last
// complete month), beside an empty Go handler measured in the same run:
//
//   - throughput of the public home page against the empty handler, closed
//     loop (target: at least 25 % of the empty handler's);
//   - the home page in an open loop at -rate requests/s, latency measured
//     from each request's scheduled time so a queue cannot hide
//     (target: p99 ≤ 20 ms at 1,000 req/s);
//   - conditional requests (If-None-Match with the page's ETag) in an open
//     loop (target: 304 in ≤ 1 ms p99);
//   - a signed-in page (the coordinator's /home) alone, then during a spike of
//     -spike concurrent public clients run by a child process of this one
//     (target: p99 at most 2× the quiet one); -spike-nice lowers the child's
//     priority on the shared cores.
//
// Loopback only; every phase is bounded by -duration.
//
//	go build -o /tmp/gesta ./cmd/gesta
//	go run ./bench/public -bin /tmp/gesta
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gesta-er/gesta/bench/internal/benchserver"
	"github.com/gesta-er/gesta/internal/store/demo"
)

var client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}

func main() {
	bin := flag.String("bin", "", "gesta binary (required)")
	rate := flag.Int("rate", 1000, "home page requests per second (open loop)")
	dur := flag.Duration("duration", 5*time.Second, "length of each phase")
	workers := flag.Int("workers", 16, "concurrent clients (closed loop)")
	spike := flag.Int("spike", 200, "concurrent public clients during the spike")
	spikeNice := flag.Int("spike-nice", 0, "niceness of the spike's process (10: the clients yield the shared cores to the server, as clients on other machines would)")
	spikeURL := flag.String("spike-child", "", "internal: run the spike's clients against this URL until interrupted")
	flag.Parse()
	if *spikeURL != "" {
		spikeChild(*spikeURL, *spike)
		return
	}
	if *bin == "" {
		fail(fmt.Errorf("usage: public -bin PATH"))
	}
	if *dur > time.Minute {
		fail(fmt.Errorf("-duration is bounded to a minute"))
	}
	dir, err := os.MkdirTemp("", "gesta-public-")
	fail(err)
	defer os.RemoveAll(dir)
	srv, err := benchserver.Start(*bin, []string{"--db", "sqlite:" + filepath.Join(dir, "g.db"), "--log-level", "error"},
		benchserver.Options{Timeout: 10 * time.Minute})
	fail(err)
	defer srv.Stop()
	fmt.Printf("gesta public: server ready in %v; phases of %v\n", srv.Ready.Round(time.Millisecond), *dur)

	// The empty handler, on loopback, in this process.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	fail(err)
	empty := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), ReadHeaderTimeout: time.Second}
	go func() { _ = empty.Serve(ln) }()
	defer empty.Close()

	home := srv.URL + "/"
	resp, err := get(home, "")
	fail(err)
	etag := resp.Header.Get("Etag")
	fmt.Printf("home: %d, ETag %s, Content-Encoding %q, Cache-Control %q\n", resp.StatusCode, etag,
		resp.Header.Get("Content-Encoding"), resp.Header.Get("Cache-Control"))

	e := closed("http://"+ln.Addr().String()+"/", "", *workers, *dur)
	h := closed(home, "", *workers, *dur)
	fmt.Printf("closed loop, %d clients: empty handler %.0f req/s; home page %.0f req/s = %.0f %% of the empty handler (target ≥ 25 %%)\n",
		*workers, e, h, 100*h/e)
	sched, wire, errs := open(home, "", *rate, *dur, http.StatusOK)
	fmt.Printf("open loop, home page at %d req/s: p50 %v, p99 %v from the schedule; on the wire p50 %v, p99 %v; %d errors (target p99 ≤ 20 ms)\n",
		*rate, sched[0], sched[1], wire[0], wire[1], errs)
	sched, wire, errs = open(home, etag, *rate, *dur, http.StatusNotModified)
	fmt.Printf("open loop, If-None-Match at %d req/s: p50 %v, p99 %v from the schedule; on the wire p50 %v, p99 %v; %d not 304 (target p99 ≤ 1 ms)\n",
		*rate, sched[0], sched[1], wire[0], wire[1], errs)
	// The same loop against the empty handler: the floor of the instrument
	// (the client, its timers and loopback) for the two figures above.
	sched, wire, errs = open("http://"+ln.Addr().String()+"/", "", *rate, *dur, http.StatusOK)
	fmt.Printf("open loop, empty handler at %d req/s: p50 %v, p99 %v from the schedule; on the wire p50 %v, p99 %v; %d errors (the instrument's floor)\n",
		*rate, sched[0], sched[1], wire[0], wire[1], errs)

	// A coordinator's page, quiet and then under a public spike.
	jar, _ := cookiejar.New(nil)
	signed := &http.Client{Jar: jar, Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = signed.PostForm(srv.URL+"/login", url.Values{"email": {"coordinamento@gesta.example"}, "password": {demo.DemoPassword}})
	fail(err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		fail(fmt.Errorf("sign-in: %d", resp.StatusCode))
	}
	quiet := serial(signed, srv.URL+"/home", *dur)
	// The spike runs in a child process: public clients are elsewhere on the
	// Internet, and 200 goroutines in this process would delay the signed-in
	// client's own goroutine in this process's scheduler, which is the
	// instrument and not the server. The child still shares the 2 cores.
	self, err := os.Executable()
	fail(err)
	child := exec.Command("nice", "-n", strconv.Itoa(*spikeNice), self, "-spike-child", home, "-spike", strconv.Itoa(*spike))
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	fail(err)
	fail(child.Start())
	time.Sleep(500 * time.Millisecond) // the clients connect and reach their pace
	loud := serial(signed, srv.URL+"/home", *dur)
	fail(child.Process.Signal(os.Interrupt))
	report, _ := io.ReadAll(out)
	_ = child.Wait()
	fmt.Printf("signed-in /home, one client: p50 %v, p99 %v quiet; p50 %v, p99 %v during %d public clients (%s) = %.1f× at p99 (target ≤ 2×)\n",
		quiet[0], quiet[1], loud[0], loud[1], *spike, strings.TrimSpace(string(report)), float64(loud[1])/float64(quiet[1]))
}

// spikeChild runs n public clients back to back against url until
// interrupted, then prints what they got.
func spikeChild(url string, n int) {
	var ok, limited, other atomic.Int64
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	done := make(chan struct{})
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				resp, err := get(url, "")
				switch {
				case err == nil && resp.StatusCode == http.StatusOK:
					ok.Add(1)
				case err == nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable):
					limited.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	<-stop
	close(done)
	wg.Wait()
	s := time.Since(start).Seconds()
	fmt.Printf("public: %.0f answers/s, %.0f limited/s, %d errors\n", float64(ok.Load())/s, float64(limited.Load())/s, other.Load())
}

// serial requests url back to back for d with one client and returns the p50
// and p99.
func serial(c *http.Client, url string, d time.Duration) [2]time.Duration {
	var lat []time.Duration
	for stop := time.Now().Add(d); time.Now().Before(stop); {
		t0 := time.Now()
		resp, err := c.Get(url)
		if err != nil {
			fail(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fail(fmt.Errorf("%s: %d", url, resp.StatusCode))
		}
		lat = append(lat, time.Since(t0))
	}
	return percentiles(lat)
}

func get(url, etag string) (*http.Response, error) { return getTraced(url, etag, nil) }

func getTraced(url, etag string, trace *httptrace.ClientTrace) (*http.Response, error) {
	req, _ := http.NewRequest("GET", url, nil)
	if trace != nil {
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	}
	req.Header.Set("Accept-Encoding", "gzip")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, nil
}

// closed runs workers clients back to back for d and returns requests/s.
func closed(url, etag string, workers int, d time.Duration) float64 {
	var n atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				if resp, err := get(url, etag); err == nil && resp.StatusCode < 400 {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}

// open sends rate requests/s for d, each at its scheduled time (a goroutine
// each: the sender never waits for an answer), and returns the latency
// percentiles from the scheduled time, the percentiles on the wire (request
// written → first byte of the answer, without the client's own timer and
// scheduling jitter) and the count of answers other than want.
func open(url, etag string, rate int, d time.Duration, want int) (sched, wire [2]time.Duration, bad int) {
	total := int(d.Seconds() * float64(rate))
	lat := make([]time.Duration, total)
	onWire := make([]time.Duration, total)
	var wrong atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var wrote, first time.Time
			trace := &httptrace.ClientTrace{
				WroteRequest:         func(httptrace.WroteRequestInfo) { wrote = time.Now() },
				GotFirstResponseByte: func() { first = time.Now() },
			}
			resp, err := getTraced(url, etag, trace)
			lat[i] = time.Since(at)
			onWire[i] = first.Sub(wrote)
			if err != nil || resp.StatusCode != want {
				wrong.Add(1)
			}
		}()
	}
	wg.Wait()
	return percentiles(lat), percentiles(onWire), int(wrong.Load())
}

// percentiles sorts lat and returns its p50 and p99.
func percentiles(lat []time.Duration) [2]time.Duration {
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(10 * time.Microsecond) }
	return [2]time.Duration{q(0.50), q(0.99)}
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "public:", err)
		os.Exit(1)
	}
}
