// Command idemkill is R4 across a kill -9: clients send holds, each with its
// own Idempotency-Key, to a real `gesta serve`; the process is killed with
// SIGKILL at a random moment, restarted, and every key is sent again. Then,
// per key, in the database: never two holds; an acknowledged key replays its
// first answer (the same hold); a key whose effect committed just before the
// kill, with its answer never stored, is refused as "in flight" while its
// lease runs (the dead process cannot be told from a slow one) and "carried
// out, response lost" after it, with exactly one hold; a key whose process
// died before committing has none and is taken over after the lease.
// Loopback only; each run is bounded.
//
//	go build -o /tmp/gesta ./cmd/gesta
//	go run ./bench/idemkill -bin /tmp/gesta -runs 10
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gesta-er/gesta/bench/internal/benchserver"
	"github.com/gesta-er/gesta/internal/store"
)

var client = &http.Client{Timeout: 10 * time.Second}

type answer struct {
	code   int
	id     string
	detail string
}

func main() {
	bin := flag.String("bin", "", "gesta binary (required)")
	dsn := flag.String("db", "", "database (default: a temporary SQLite file)")
	runs := flag.Int("runs", 10, "kill -9 runs")
	clients := flag.Int("clients", 8, "concurrent clients")
	flag.Parse()
	if *bin == "" {
		fail(fmt.Errorf("usage: idemkill -bin PATH"))
	}
	dir, err := os.MkdirTemp("", "gesta-idemkill-")
	fail(err)
	defer os.RemoveAll(dir)
	if *dsn == "" {
		*dsn = "sqlite:" + filepath.Join(dir, "g.db")
	}
	out, err := exec.Command(*bin, "demo", "--db", *dsn, "--scale", "region").CombinedOutput()
	if err != nil {
		fail(fmt.Errorf("demo: %v\n%s", err, out))
	}
	out, err = exec.Command(*bin, "token", "create", "--db", *dsn, "--email", "coordinamento@gesta.example", "--label", "idemkill").CombinedOutput()
	if err != nil {
		fail(fmt.Errorf("token: %v\n%s", err, out))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token := lines[len(lines)-1]
	args := []string{"--db", *dsn, "--demo=false", "--log-level", "error"}

	var totals struct{ keys, acked, replayed, lost, inflight, inflightHeld, refused, unanswered int }
	for run := range *runs {
		srv, err := benchserver.Start(*bin, args, benchserver.Options{})
		fail(err)
		codes := facilities(srv.URL, token)
		expires := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
		body := func(key string, i int) string {
			return fmt.Sprintf(`{"places": 1, "expires_at": %q, "reason": "kill9 %s"}`, expires, key)
		}
		var mu sync.Mutex
		first := map[string]answer{}
		var sent []string
		var next atomic.Int64
		var stop atomic.Bool
		var wg sync.WaitGroup
		for range *clients {
			wg.Go(func() {
				for !stop.Load() {
					i := int(next.Add(1))
					key := fmt.Sprintf("r%d-k%d", run, i)
					code := codes[i%len(codes)]
					mu.Lock()
					sent = append(sent, key+"|"+code)
					mu.Unlock()
					a := post(srv.URL, token, code, key, body(key, i))
					mu.Lock()
					first[key] = a
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
		_ = srv.Cmd.Process.Kill() // SIGKILL: no shutdown, no response for what is in flight
		_ = srv.Cmd.Wait()
		stop.Store(true)
		wg.Wait()

		srv, err = benchserver.Start(*bin, args, benchserver.Options{})
		fail(err)
		final := map[string]answer{}
		for _, s := range sent {
			key, code, _ := strings.Cut(s, "|")
			final[key] = post(srv.URL, token, code, key, body(key, 0))
		}
		srv.Stop()

		holds := holdsByReason(*dsn, fmt.Sprintf("kill9 r%d-", run))
		var acked, replayed, lost, inflight, inflightHeld, refused, unanswered int
		for _, s := range sent {
			key, _, _ := strings.Cut(s, "|")
			f, a := first[key], final[key]
			n := len(holds["kill9 "+key])
			if f.code == 0 {
				unanswered++
			}
			switch {
			case n > 1:
				fail(fmt.Errorf("run %d, key %s: %d holds", run, key, n))
			case f.code == 201:
				acked++
				if a.code != 201 || a.id != f.id || n != 1 || holds["kill9 "+key][0] != f.id {
					fail(fmt.Errorf("run %d, key %s: acknowledged %s, replay %d %s, %d holds", run, key, f.id, a.code, a.id, n))
				}
				replayed++
			case a.code == 201:
				if n != 1 || holds["kill9 "+key][0] != a.id {
					fail(fmt.Errorf("run %d, key %s: retried to %s, %d holds", run, key, a.id, n))
				}
			case a.code == 409 && strings.Contains(a.detail, "response was lost"):
				lost++
				if n != 1 {
					fail(fmt.Errorf("run %d, key %s: response lost, %d holds", run, key, n))
				}
			case a.code == 409 && strings.Contains(a.detail, "still running"):
				// Within its lease (2 minutes) a key whose process died is
				// indistinguishable from one still running: its effect may
				// have committed (one hold) or not (none), never twice.
				inflight++
				inflightHeld += n
				if n > 1 {
					fail(fmt.Errorf("run %d, key %s: in flight, %d holds", run, key, n))
				}
			case a.code == 409:
				refused++ // no room
				if n != 0 {
					fail(fmt.Errorf("run %d, key %s: refused, %d holds", run, key, n))
				}
			default:
				fail(fmt.Errorf("run %d, key %s: first %d, retry %d %s", run, key, f.code, a.code, a.detail))
			}
		}
		fmt.Printf("run %d: %d keys, %d acknowledged (all replayed identically), %d unanswered at the kill, of which %d answered \"response lost\" and %d \"in flight\" on retry (%d of those with their hold committed); %d refused for lack of room\n",
			run, len(sent), acked, unanswered, lost, inflight, inflightHeld, refused)
		totals.keys += len(sent)
		totals.acked += acked
		totals.replayed += replayed
		totals.lost += lost
		totals.inflight += inflight
		totals.inflightHeld += inflightHeld
		totals.refused += refused
		totals.unanswered += unanswered
	}
	fmt.Printf("total: %d runs, %d keys, %d acknowledged and replayed identically, %d unanswered at a kill (on retry: %d in flight within the lease, %d of them committed before the kill; %d response lost); never two holds for a key\n",
		*runs, totals.keys, totals.acked, totals.unanswered, totals.inflight, totals.inflightHeld, totals.lost)
}

func facilities(base, token string) []string {
	req, _ := http.NewRequest("GET", base+"/api/v1/facilities", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	fail(err)
	defer resp.Body.Close()
	var fs []struct {
		Code string `json:"code"`
		Free int    `json:"free"`
	}
	fail(json.NewDecoder(resp.Body).Decode(&fs))
	var codes []string
	for _, f := range fs {
		if f.Free > 0 {
			codes = append(codes, f.Code)
		}
	}
	if len(codes) == 0 {
		fail(fmt.Errorf("no facility with free places"))
	}
	return codes
}

func post(base, token, code, key, body string) answer {
	req, _ := http.NewRequest("POST", base+"/api/v1/facilities/"+code+"/holds", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	req.Header.Set("Idempotency-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		return answer{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v struct {
		ID     string `json:"id"`
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(b, &v)
	return answer{code: resp.StatusCode, id: v.ID, detail: v.Detail}
}

// holdsByReason maps each reason starting with prefix to its holds' ids.
func holdsByReason(dsn, prefix string) map[string][]string {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	fail(err)
	defer db.Close()
	out := map[string][]string{}
	fail(db.ReadTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT reason, id FROM holds WHERE reason LIKE $1`, prefix+"%")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r, id string
			if err := rows.Scan(&r, &id); err != nil {
				return err
			}
			out[r] = append(out[r], id)
		}
		return rows.Err()
	}))
	return out
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "idemkill:", err)
		os.Exit(1)
	}
}
