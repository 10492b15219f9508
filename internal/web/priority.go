package web

import (
	"context"
	"sync"
	"time"
)

// priorityGate gives the staff's requests the machine's attention during a
// public spike (a newspaper links the site): while any request of a
// signed-in user or an API client is in flight, anonymous public requests
// wait at the public edge, at most publicYield each, before they take a
// slot. The staff's pages are few and short; the public's are answered from
// memory and can afford to wait a few milliseconds. The wait is bounded so
// that steady office traffic cannot starve the public site.
type priorityGate struct {
	mu     sync.Mutex
	active int
	idle   chan struct{} // closed when active falls to 0
}

// publicYield bounds how long an anonymous public request waits for the
// staff's requests in flight.
const publicYield = 50 * time.Millisecond

func (g *priorityGate) enter() {
	g.mu.Lock()
	if g.active == 0 {
		g.idle = make(chan struct{})
	}
	g.active++
	g.mu.Unlock()
}

func (g *priorityGate) leave() {
	g.mu.Lock()
	g.active--
	if g.active == 0 {
		close(g.idle)
	}
	g.mu.Unlock()
}

// wait returns when no staff request is in flight, after max, or when ctx
// ends, whichever comes first.
func (g *priorityGate) wait(ctx context.Context, max time.Duration) {
	if g == nil {
		return
	}
	g.mu.Lock()
	if g.active == 0 {
		g.mu.Unlock()
		return
	}
	idle := g.idle
	g.mu.Unlock()
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	case <-ctx.Done():
	}
}
