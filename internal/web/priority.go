package web

import (
	"context"
	"sync"
	"time"
)

// priorityGate gives the staff's requests the machine's attention during a
// public spike (a newspaper links the site): while any request of a
// signed-in user or an API client is in flight, and for staffHoldOff after
// the last one ends, anonymous public requests wait at the public edge, at
// most publicYield each, before they are answered. The staff's pages are few
// and short; the public's are answered from memory and can afford to wait a
// few milliseconds. The wait is bounded so that steady office traffic cannot
// starve the public site.
//
// Why the hold-off: without it the waiting public requests all ran the
// moment a staff request ended, and the staff's next request (a user's next
// page, a page's next call) arrived behind that crowd in the Go scheduler's
// queue: on 2 cores with 200 public clients its p99 was 2.5–3× the quiet one,
// growing with the number of public connections (bench/public).
type priorityGate struct {
	mu     sync.Mutex
	active int
	gen    uint64        // bumped by each staff request, so a stale hold-off does not open the gate
	idle   chan struct{} // nil when open; closed when it opens
}

// publicYield bounds how long an anonymous public request waits for the
// staff's requests.
const publicYield = 50 * time.Millisecond

// staffHoldOff keeps the gate shut this long after the last staff request.
var staffHoldOff = 10 * time.Millisecond

func (g *priorityGate) enter() {
	g.mu.Lock()
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	g.active++
	g.gen++
	g.mu.Unlock()
}

func (g *priorityGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
	if g.active > 0 {
		return
	}
	gen := g.gen
	time.AfterFunc(staffHoldOff, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.active == 0 && g.gen == gen && g.idle != nil {
			close(g.idle)
			g.idle = nil
		}
	})
}

// wait returns when the gate is open, after max, or when ctx ends,
// whichever comes first.
func (g *priorityGate) wait(ctx context.Context, max time.Duration) {
	if g == nil {
		return
	}
	g.mu.Lock()
	idle := g.idle
	g.mu.Unlock()
	if idle == nil {
		return
	}
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	case <-ctx.Done():
	}
}
