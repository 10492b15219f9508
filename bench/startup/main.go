// Command startup measures the gesta binary as an operator meets it: time from
// exec to a 200 on /healthz (empty database; first start loading the region
// demo; restart on an existing demo database), resident memory once idle, the
// binary's size, and the time of `gesta demo --scale nation` on a fresh
// database. Loopback only; every run is bounded.
//
//	go build -o /tmp/gesta ./cmd/gesta && go run ./bench/startup -bin /tmp/gesta
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gesta-er/gesta/bench/internal/benchserver"
)

func main() {
	bin := flag.String("bin", "", "path of the gesta binary (required)")
	runs := flag.Int("runs", 5, "runs per scenario (median reported)")
	idle := flag.Duration("idle", 3*time.Second, "wait before reading idle memory")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "usage: startup -bin PATH [-runs N]")
		os.Exit(2)
	}
	st, err := os.Stat(*bin)
	check(err)
	fmt.Printf("binary: %s, %.1f MiB\n", *bin, float64(st.Size())/(1<<20))

	type result struct{ ready, rss []float64 }
	scenarios := []struct {
		name  string
		setup func(dir string) []string // returns serve args
	}{
		{"empty database, no demo", func(dir string) []string {
			return []string{"--db", "sqlite:" + filepath.Join(dir, "g.db"), "--demo=false"}
		}},
		{"first start, loads region demo", func(dir string) []string {
			return []string{"--db", "sqlite:" + filepath.Join(dir, "g.db")}
		}},
		{"restart on region demo database", func(dir string) []string {
			db := "sqlite:" + filepath.Join(dir, "g.db")
			check(exec.Command(*bin, "demo", "--db", db, "--scale", "region").Run())
			return []string{"--db", db}
		}},
	}
	for _, sc := range scenarios {
		var r result
		for range *runs {
			dir, err := os.MkdirTemp("", "gesta-bench-")
			check(err)
			args := sc.setup(dir)
			ready, rss := startOnce(*bin, args, *idle)
			r.ready = append(r.ready, ready)
			r.rss = append(r.rss, rss)
			os.RemoveAll(dir)
		}
		fmt.Printf("%-34s ready p50 %6.0f ms (min %4.0f, max %4.0f)   idle RSS p50 %5.1f MiB\n",
			sc.name, median(r.ready), minOf(r.ready), maxOf(r.ready), median(r.rss))
	}

	var loads []float64
	for range *runs {
		dir, err := os.MkdirTemp("", "gesta-bench-")
		check(err)
		db := "sqlite:" + filepath.Join(dir, "g.db")
		check(exec.Command(*bin, "migrate", "--db", db).Run())
		t0 := time.Now()
		out, err := exec.Command(*bin, "demo", "--db", db, "--scale", "nation").CombinedOutput()
		if err != nil {
			fmt.Fprintln(os.Stderr, string(out))
			check(err)
		}
		loads = append(loads, float64(time.Since(t0).Microseconds())/1000)
		os.RemoveAll(dir)
	}
	fmt.Printf("%-34s p50 %6.0f ms (min %4.0f, max %4.0f), whole command incl. process start\n",
		"demo --scale nation (fresh db)", median(loads), minOf(loads), maxOf(loads))
}

// startOnce runs `gesta serve`, returns ms to the first healthy answer and the
// resident set (MiB) after idling, then stops the server.
func startOnce(bin string, args []string, idle time.Duration) (float64, float64) {
	srv, err := benchserver.Start(bin, append([]string{"--log-level", "warn"}, args...),
		benchserver.Options{Poll: 2 * time.Millisecond, Timeout: 30 * time.Second})
	check(err)
	defer srv.Stop()
	ready := float64(srv.Ready.Microseconds()) / 1000
	time.Sleep(idle)
	return ready, rssMiB(srv.Cmd.Process.Pid)
}

func rssMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func minOf(xs []float64) float64 { s := append([]float64(nil), xs...); sort.Float64s(s); return s[0] }
func maxOf(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)-1]
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}
