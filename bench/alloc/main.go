// Command alloc generates realistic placement instances and measures the
// allocation engine against reference solvers on the same instances: CBC
// (Debian's coinor-cbc) and HiGHS (npm package highs, run with Node). The
// objectives must be equal; the report gives sizes, times, ratios, and the
// "floor": one pass that checks the flow's optimality certificate over all
// arcs. The engine's and CBC's times are CPU times, and the ratio is theirs
// (the machine is shared: wall times depend on its load); HiGHS's is wall.
//
//	apt-get install -y coinor-cbc                      # reference 1
//	(cd bench/alloc && npm install --no-save highs@1.15.3)   # reference 2
//	go run ./bench/alloc -out /tmp/alloc               # instances, then the comparison
//
// The instances are internal/alloc/gen's (seeded, reproducible): "region" —
// 400 people over 1,500 facilities of Emilia-Romagna's comuni — and
// "nation" — 1,000 people over 10,000 facilities; -families and -italy
// select the family-heavy people and the national map (gen.Variant).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gesta-er/gesta/internal/alloc"
	"github.com/gesta-er/gesta/internal/alloc/gen"
)

func main() {
	out := flag.String("out", os.TempDir(), "directory for instances and LP files")
	runs := flag.Int("runs", 5, "engine runs per instance (median)")
	cbc := flag.Bool("cbc", true, "compare with CBC when installed")
	highs := flag.Bool("highs", true, "compare with HiGHS when node and the highs package are there")
	seeds := flag.Int("seeds", 3, "instances per size")
	limit := flag.Duration("ref-limit", 20*time.Minute, "time limit for a reference solver run")
	engineLimit := flag.Duration("limit", 5*time.Second, "the engine's time limit (as gesta alloc solve --time-limit)")
	only := flag.String("only", "", "one size: region or nation")
	families := flag.Bool("families", false, "family-heavy batches: half the people in households (gen.Variant)")
	italy := flag.Bool("italy", false, "a synthetic national map with the arrival point in the south (gen.Variant)")
	first := flag.Int("first", 1, "the first seed (with -seeds: seeds first … first+seeds-1)")
	flag.Parse()
	fail(os.MkdirAll(*out, 0o755))
	mp, err := gen.LoadMap()
	fail(err)
	fmt.Printf("%-12s %6s %7s %6s %9s %12s %9s %9s %10s %12s %12s %8s %8s\n", "instance", "units", "facil.", "arcs",
		"nodes", "objective", "engine", "CPU", "verify", "CBC", "HiGHS", "CBC×", "HiGHS×")
	for _, size := range []gen.Size{gen.Region, gen.Nation} {
		if *only != "" && *only != size.Name {
			continue
		}
		for seed := *first; seed < *first+*seeds; seed++ {
			v := gen.Variant{Families: *families, Italy: *italy}
			name := size.Label(seed) + v.Suffix()
			in := mp.BatchOf(size, seed, v)
			path := filepath.Join(*out, name+".json")
			b, _ := json.Marshal(in)
			fail(os.WriteFile(path, b, 0o644))
			var times, cpus []time.Duration
			var sol *alloc.Solution
			for range *runs {
				var inCopy alloc.Instance
				fail(json.Unmarshal(b, &inCopy))
				start, cpu0 := time.Now(), cpuTime()
				sol, err = alloc.Solve(&inCopy, *engineLimit)
				times, cpus = append(times, time.Since(start)), append(cpus, cpuTime()-cpu0)
				fail(err)
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			sort.Slice(cpus, func(i, j int) bool { return cpus[i] < cpus[j] })
			engine, engineCPU := times[len(times)/2], cpus[len(cpus)/2]
			lp := filepath.Join(*out, name+".lp")
			f, err := os.Create(lp)
			fail(err)
			fail(alloc.WriteLP(f, in))
			f.Close()
			cbcObj, cbcTime := "–", time.Duration(0)
			if _, err := exec.LookPath("cbc"); *cbc && err == nil {
				cbcObj, cbcTime = runCBC(lp, *limit)
			}
			highsObj, highsTime := "–", time.Duration(0)
			if _, err := exec.LookPath("node"); *highs && err == nil {
				highsObj, highsTime = runHiGHS(lp, *limit)
			}
			// A ratio only between two finished proofs.
			ratio := func(d time.Duration, obj string) string {
				if d == 0 || obj == "timeout" || !sol.Optimal {
					return "–"
				}
				return fmt.Sprintf("%.0f", float64(d)/float64(engineCPU))
			}
			opt := ""
			if !sol.Optimal {
				opt = fmt.Sprintf(" (not proven; bound %d)", sol.Bound)
			}
			fmt.Printf("%-12s %6d %7d %6d %9d %12d %7.1fms %7.1fms %8.0fµs %12s %12s %8s %8s%s\n", name, len(in.Units), len(in.Facilities),
				sol.Stats.Arcs, sol.Stats.Nodes, sol.Objective, float64(engine.Microseconds())/1000,
				float64(engineCPU.Microseconds())/1000, sol.Stats.VerifyMicros,
				fmt.Sprintf("%s/%.2fs", cbcObj, cbcTime.Seconds()), fmt.Sprintf("%s/%.2fs", highsObj, highsTime.Seconds()),
				ratio(cbcTime, cbcObj), ratio(highsTime, highsObj), opt)
			check := func(ref, obj string) {
				switch {
				case ref == "–" || ref == "timeout" || ref == strconv.FormatInt(sol.Objective, 10):
				case sol.Optimal:
					fmt.Printf("  MISMATCH: %s objective %s, engine %d proven optimal\n", obj, ref, sol.Objective)
				default:
					fmt.Printf("  %s objective %s; the engine stopped at its limit with %d\n", obj, ref, sol.Objective)
				}
			}
			check(cbcObj, "CBC")
			check(highsObj, "HiGHS")
		}
	}
}

// cpuTime is the process's CPU time (user and system): on a shared machine
// the engine's time to compare, where wall time depends on the load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var objRe = regexp.MustCompile(`Objective value:\s+(-?[\d.e+]+)`)

func runCBC(lp string, limit time.Duration) (string, time.Duration) {
	start := time.Now()
	cmd := exec.Command("cbc", lp, "sec", strconv.Itoa(int(limit.Seconds())), "ratioGap", "0", "solve")
	b, err := cmd.CombinedOutput()
	took := time.Since(start)
	if cmd.ProcessState != nil {
		// CPU time, as the engine's: wall time depends on the machine's load.
		took = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		return "error", took
	}
	if strings.Contains(string(b), "Stopped on time") {
		return "timeout", took
	}
	m := objRe.FindSubmatch(b)
	if m == nil {
		return "?", took
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return strconv.FormatInt(int64(math.Round(v)), 10), took
}

func runHiGHS(lp string, limit time.Duration) (string, time.Duration) {
	start := time.Now()
	cmd := exec.Command("node", "highs.js", lp)
	cmd.Dir = "bench/alloc"
	done := make(chan struct{})
	var b []byte
	var err error
	go func() { b, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		return "timeout", time.Since(start)
	}
	took := time.Since(start)
	if err != nil {
		return "error", took
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil {
		return "?", took
	}
	return strconv.FormatInt(int64(math.Round(v)), 10), took
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "alloc bench:", err)
		os.Exit(1)
	}
}
