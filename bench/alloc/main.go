// Command alloc generates realistic placement instances and measures the
// allocation engine against reference solvers on the same instances: CBC
// (Debian's coinor-cbc) and HiGHS (npm package highs, run with Node). The
// objectives must be equal; the report gives sizes, times, ratios, and the
// "floor": one pass that checks the flow's optimality certificate over all
// arcs.
//
//	apt-get install -y coinor-cbc                      # reference 1
//	(cd bench/alloc && npm install --no-save highs@1.15.3)   # reference 2
//	go run ./bench/alloc -out /tmp/alloc               # instances, then the comparison
//
// Instances (seeded, reproducible): "region" — 400 people over 1,500
// facilities of Emilia-Romagna's comuni — and "nation" — 1,000 people over
// 10,000 facilities. Facilities: mostly apartments of 4–10 places, collective
// centres of 11–50 and a few of 51–300, occupancy 85–98%; people: about 66%
// single men, 20% in households of 2–7, 7% single women, 6% MSNA; needs
// (wheelchair, medical) on about 5% of units.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gesta-er/gesta/internal/alloc"
	"github.com/gesta-er/gesta/internal/territory"
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
	flag.Parse()
	fail(os.MkdirAll(*out, 0o755))
	terr, err := territory.Load(nil, "")
	fail(err)
	centres, err := territory.Centroids()
	fail(err)
	fmt.Printf("%-12s %6s %7s %6s %9s %12s %9s %10s %12s %12s %8s %8s\n", "instance", "units", "facil.", "arcs",
		"nodes", "objective", "engine", "verify", "CBC", "HiGHS", "CBC×", "HiGHS×")
	for _, size := range []struct {
		name              string
		people, factories int
	}{{"region", 400, 1500}, {"nation", 1000, 10000}} {
		if *only != "" && *only != size.name {
			continue
		}
		for seed := 1; seed <= *seeds; seed++ {
			name := fmt.Sprintf("%s-%d", size.name, seed)
			in := generate(rand.New(rand.NewPCG(uint64(seed), uint64(size.people))), terr, centres, size.people, size.factories)
			path := filepath.Join(*out, name+".json")
			b, _ := json.Marshal(in)
			fail(os.WriteFile(path, b, 0o644))
			var times []time.Duration
			var sol *alloc.Solution
			for range *runs {
				var inCopy alloc.Instance
				fail(json.Unmarshal(b, &inCopy))
				start := time.Now()
				sol, err = alloc.Solve(&inCopy, *engineLimit)
				times = append(times, time.Since(start))
				fail(err)
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			engine := times[len(times)/2]
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
				return fmt.Sprintf("%.0f", float64(d)/float64(engine))
			}
			opt := ""
			if !sol.Optimal {
				opt = fmt.Sprintf(" (not proven; bound %d)", sol.Bound)
			}
			fmt.Printf("%-12s %6d %7d %6d %9d %12d %7.1fms %8.0fµs %12s %12s %8s %8s%s\n", name, len(in.Units), len(in.Facilities),
				sol.Stats.Arcs, sol.Stats.Nodes, sol.Objective, float64(engine.Microseconds())/1000, sol.Stats.VerifyMicros,
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

// generate builds an instance over the region's comuni (facilities weighted
// by population^0.8, the Bologna hub as origin).
func generate(r *rand.Rand, terr *territory.Data, centres map[string][2]float64, people, nFac int) *alloc.Instance {
	in := &alloc.Instance{Origin: alloc.Point{Lat: 44.5075, Lon: 11.3514},
		Weights: alloc.Weights{Distance: 1, OverGuideline: 40, Unplaced: 100000}}
	weights := make([]float64, len(terr.Comuni))
	total := 0.0
	for i, c := range terr.Comuni {
		weights[i] = math.Pow(float64(c.Residents), 0.8)
		total += weights[i]
	}
	hosted := map[string]int{}
	for i := range nFac {
		x := r.Float64() * total
		ci := 0
		for ci < len(weights)-1 && x > weights[ci] {
			x -= weights[ci]
			ci++
		}
		c := terr.Comuni[ci]
		var size int
		switch y := r.IntN(100); {
		case y < 80:
			size = 4 + r.IntN(7)
		case y < 95:
			size = 11 + r.IntN(40)
		default:
			size = 51 + int(250*math.Pow(r.Float64(), 3))
		}
		occupied := int(math.Round(float64(size) * (0.85 + 0.13*r.Float64())))
		hosted[c.Code] += occupied
		f := alloc.PlaceFacility{ID: fmt.Sprintf("F%05d", i), Free: size - occupied, Comune: c.Code,
			Lat: centres[c.Code][1] + (r.Float64()-0.5)*0.02, Lon: centres[c.Code][0] + (r.Float64()-0.5)*0.02}
		switch t := r.IntN(100); {
		case t < 70:
			f.Accepts = []string{alloc.GroupMan}
		case t < 80:
			f.Accepts = []string{alloc.GroupWoman, alloc.GroupFamily}
		case t < 90:
			f.Accepts = []string{alloc.GroupFamily}
		case t < 95:
			f.Accepts = []string{alloc.GroupMinor}
		default:
			f.Accepts = []string{alloc.GroupMan, alloc.GroupWoman, alloc.GroupFamily}
		}
		f.Features = []string{}
		if r.IntN(6) == 0 {
			f.Features = append(f.Features, "wheelchair")
		}
		if r.IntN(8) == 0 {
			f.Features = append(f.Features, "medical")
		}
		in.Facilities = append(in.Facilities, f)
	}
	for _, c := range terr.Comuni {
		per := 2.5
		if c.Capital {
			per = 1.5
		}
		in.Comuni = append(in.Comuni, alloc.ComuneGuidance{Code: c.Code, Residents: c.Residents, Hosted: hosted[c.Code], PerThousand: per})
	}
	placed := 0
	for placed < people {
		u := alloc.PlaceUnit{ID: fmt.Sprintf("u%04d", len(in.Units)), Size: 1, Needs: []string{}}
		// By unit: 7% are households (mean size about 3.2), so that about
		// 20% of the people are in families; then 66/7/6 of the people.
		switch y := r.IntN(1000); {
		case y < 70:
			u.Group, u.Size = alloc.GroupFamily, 2+int(6*math.Pow(r.Float64(), 1.7))
		case y < 70+773:
			u.Group = alloc.GroupMan
		case y < 70+773+82:
			u.Group = alloc.GroupWoman
		default:
			u.Group = alloc.GroupMinor
		}
		if u.Size > people-placed {
			u.Group, u.Size = alloc.GroupMan, 1
		}
		if r.IntN(20) == 0 {
			u.Needs = append(u.Needs, []string{"wheelchair", "medical"}[r.IntN(2)])
		}
		placed += u.Size
		in.Units = append(in.Units, u)
	}
	return in
}

var objRe = regexp.MustCompile(`Objective value:\s+(-?[\d.e+]+)`)

func runCBC(lp string, limit time.Duration) (string, time.Duration) {
	start := time.Now()
	cmd := exec.Command("cbc", lp, "sec", strconv.Itoa(int(limit.Seconds())), "ratioGap", "0", "solve")
	b, err := cmd.CombinedOutput()
	took := time.Since(start)
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
