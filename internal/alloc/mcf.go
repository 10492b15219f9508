package alloc

import (
	"math/bits"
	"slices"
)

// A min-cost flow engine: the primal-dual method (successive shortest paths
// with node potentials, Ahuja, Magnanti & Orlin, "Network Flows", 1993,
// §9.7), where each round of Dijkstra is followed by a blocking flow on the
// admissible arcs (those of zero reduced cost) as in Dinic's algorithm, so
// that one round sends all the flow that has the same shortest cost — here
// many facilities at the same distance. Costs and capacities are integers;
// the optimal flow is integral. Potentials give an optimality certificate
// that Verify checks in one pass over the arcs.

type mcf struct {
	n        int
	to, next []int32
	capa     []int64 // residual capacity; arc i^1 is i's reverse
	cost     []int64
	head     []int32
	// Adjacency as arrays (compressed sparse rows), built by solve once
	// every arc is in: the arcs out of u are adj[start[u]:start[u+1]], in
	// the order of the lists head and next chain. Scans read them in
	// sequence instead of chasing the list (the shortest-path searches are
	// most of the solver's time).
	start, adj       []int32
	pi               []int64
	dist             []int64
	level            []int32
	it               []int32
	rh               radixHeap
	pos              []int32
	queue            []int32
	excess           []int64
	fixed            []int64 // flow forced on an arc by a lower bound, outside its residual capacities
	fixLo, fixHi     int     // the arcs that may carry forced flow (what a saved state keeps of fixed)
	parent           []int32
	rounds, augments int
	// What reoptimize touches, so that its cost follows the part of the
	// network it explores rather than the network's size: the nodes whose
	// excess may be non-zero, and those whose distance was set.
	active, visited []int32
	listed          []bool  // scratch: a node already in reoptimize's live list
	mark            []int32 // scratch: admissible's visits, by stamp
	stamp           int32
	multi           bool // reoptimize sends along every admissible path after each search
	// An undo log since the last checkpoint: the arcs changed (by either id
	// of their pair) with their residual pair and forced flow before, the
	// nodes whose potential changed with it before, and the cost then.
	undoArcs, undoNodes []int32
	undoCapa, undoPi    []int64
	undoCost            []int64 // arc, cost before (setCost)
	checkTotal          int64
	total               int64 // cost of the current flow, kept up to date by every change
}

const inf = int64(1) << 60

func newMCF(n int, arcsHint int) *mcf {
	g := &mcf{n: n, head: make([]int32, n)}
	for i := range g.head {
		g.head[i] = -1
	}
	g.to = make([]int32, 0, 2*arcsHint)
	g.next = make([]int32, 0, 2*arcsHint)
	g.capa = make([]int64, 0, 2*arcsHint)
	g.cost = make([]int64, 0, 2*arcsHint)
	return g
}

// addArc adds u→v and returns its id (its reverse is id^1).
func (g *mcf) addArc(u, v int, capacity, cost int64) int {
	id := len(g.to)
	g.to = append(g.to, int32(v), int32(u))
	g.capa = append(g.capa, capacity, 0)
	g.cost = append(g.cost, cost, -cost)
	g.next = append(g.next, g.head[u], g.head[v])
	g.fixed = append(g.fixed, 0, 0)
	g.head[u], g.head[v] = int32(id), int32(id+1)
	return id
}

// rows builds start and adj from the lists.
func (g *mcf) rows() {
	g.start = make([]int32, g.n+1)
	g.adj = make([]int32, 0, len(g.to))
	for u := range g.n {
		g.start[u] = int32(len(g.adj))
		for a := g.head[u]; a >= 0; a = g.next[a] {
			g.adj = append(g.adj, a)
		}
	}
	g.start[g.n] = int32(len(g.adj))
}

// flow on an arc: what its reverse holds, plus what a lower bound forces.
func (g *mcf) flow(arc int) int64 { return g.capa[arc^1] + g.fixed[arc] }

// solve sends up to need units from s to t at minimum cost. Costs must be
// non-negative on the arcs as added (the potentials start at zero).
func (g *mcf) solve(s, t int, need int64) (sent, total int64) {
	g.pi = make([]int64, g.n)
	g.dist = make([]int64, g.n)
	g.level = make([]int32, g.n)
	g.it = make([]int32, g.n)
	g.pos = make([]int32, g.n)
	g.excess = make([]int64, g.n)
	g.listed = make([]bool, g.n)
	g.mark = make([]int32, g.n)
	g.rows()
	for sent < need {
		g.rounds++
		if !g.dijkstra(s, t) {
			break
		}
		for v := range g.n {
			d := g.dist[v]
			if d > g.dist[t] {
				d = g.dist[t]
			}
			g.pi[v] += d
		}
		// Blocking flows on the admissible subgraph until t is cut off.
		for sent < need && g.bfs(s, t) {
			copy(g.it, g.start[:g.n])
			for sent < need {
				f := g.dfs(s, t, need-sent)
				if f == 0 {
					break
				}
				sent += f
				g.augments++
			}
		}
	}
	// reoptimize expects every distance unset.
	for i := range g.dist {
		g.dist[i], g.pos[i] = inf, -1
	}
	g.parent = make([]int32, g.n)
	for i := range g.parent {
		g.parent[i] = -1
	}
	g.total = g.totalCost()
	return sent, g.total
}

// imbalance moves d units of excess from head to tail of arc a (flow taken
// off a) and records both nodes for reoptimize.
func (g *mcf) imbalance(a int, d int64) {
	if d == 0 {
		return
	}
	tail, head := g.to[a^1], g.to[a]
	g.excess[tail] += d
	g.excess[head] -= d
	g.active = append(g.active, tail, head)
}

// atLeast gives arc a the lower bound lo (lo above its forced flow): the
// variable flow goes back as excess and deficit, lo is sent outright, and the
// arc keeps the rest of its capacity. Only the forward residual remains, and
// it existed before (the flow was below lo, so below capacity): its reduced
// cost is not negative, and reoptimize can restore the balance.
func (g *mcf) atLeast(a int, lo int64) {
	g.touchArc(a)
	x := g.capa[a^1]
	room := g.capa[a] + x // variable capacity
	more := lo - g.fixed[a]
	g.imbalance(a, x-more)
	g.total -= (x - more) * g.cost[a]
	g.fixed[a] = lo
	g.capa[a], g.capa[a^1] = room-more, 0
}

// setFlow forces arc a's flow to exactly v: the difference goes back as
// excess and deficit, and no residual arc is left (so no reduced cost to
// keep; reoptimize applies).
func (g *mcf) setFlow(a int, v int64) {
	g.touchArc(a)
	total := g.fixed[a] + g.capa[a^1]
	g.imbalance(a, total-v)
	g.total -= (total - v) * g.cost[a]
	g.fixed[a] = v
	g.capa[a], g.capa[a^1] = 0, 0
}

// setCost changes arc a's cost. A residual arc of the pair whose reduced
// cost turns negative is used up (the arc's variable flow moves to the
// bound, the difference as excess and deficit), so that every residual arc
// keeps a non-negative reduced cost and reoptimize applies.
func (g *mcf) setCost(a int, c int64) {
	if c == g.cost[a] {
		return
	}
	g.touchArc(a)
	g.undoCost = append(g.undoCost, int64(a), g.cost[a])
	g.total += (c - g.cost[a]) * g.flow(a)
	g.cost[a], g.cost[a^1] = c, -c
	rc := g.reduced(int32(a), int(g.to[a^1]))
	switch {
	case rc < 0 && g.capa[a] > 0: // fill it
		d := g.capa[a]
		g.imbalance(a, -d)
		g.total += d * c
		g.capa[a], g.capa[a^1] = 0, g.capa[a^1]+d
	case rc > 0 && g.capa[a^1] > 0: // empty it
		d := g.capa[a^1]
		g.imbalance(a, d)
		g.total -= d * c
		g.capa[a], g.capa[a^1] = g.capa[a]+d, 0
	}
}

// atMost caps arc a's total flow at hi (not below its forced flow): flow
// beyond it goes back as excess and deficit. Only the reverse residual
// remains, which existed (the flow was above hi), so reoptimize applies.
func (g *mcf) atMost(a int, hi int64) {
	g.touchArc(a)
	room := hi - g.fixed[a]
	if x := g.capa[a^1]; x > room {
		g.imbalance(a, x-room)
		g.total -= (x - room) * g.cost[a]
		g.capa[a^1] = room
	}
	g.capa[a] = room - g.capa[a^1]
}

func (g *mcf) reduced(a int32, u int) int64 { return g.cost[a] + g.pi[u] - g.pi[g.to[a]] }

// dijkstra computes shortest reduced-cost distances from s; false when t is
// unreachable.
func (g *mcf) dijkstra(s, t int) bool {
	for i := range g.dist {
		g.dist[i] = inf
		g.pos[i] = -1
	}
	g.rh.reset()
	g.dist[s] = 0
	g.rh.push(0, int32(s))
	for u := g.settleNext(); u >= 0; u = g.settleNext() {
		if u == t {
			break // the rest is no nearer: their potentials rise by dist[t]
		}
		du := g.dist[u]
		for _, a := range g.adj[g.start[u]:g.start[u+1]] {
			if g.capa[a] <= 0 {
				continue
			}
			v := int(g.to[a])
			// No path through a node as far as t's tentative distance is
			// shorter: not queued (the signatures' hundreds of arcs).
			nd := du + g.reduced(a, u)
			if nd < g.dist[v] && nd < g.dist[t] {
				g.dist[v] = nd
				g.rh.push(nd, int32(v))
			}
		}
	}
	return g.dist[t] < inf
}

// settleNext takes the nearest queued node out and marks it settled (-1:
// none left), skipping the entries of settled nodes and those queued again
// since at a shorter distance.
func (g *mcf) settleNext() int {
	for g.rh.size > 0 {
		key, v := g.rh.pop()
		if g.pos[v] != -2 && key == g.dist[v] {
			g.pos[v] = -2
			return int(v)
		}
	}
	return -1
}

// radixHeap is a monotone priority queue of non-negative integer keys
// (Ahuja, Mehlhorn, Orlin & Tarjan, "Faster algorithms for the shortest path
// problem", 1990): a key goes to the bucket of the highest bit in which it
// differs from the last key taken out, so a push is an append and a pop
// redistributes at most one bucket. Dijkstra's keys never fall below the
// last one taken out, which is all it needs; a node whose distance falls is
// pushed again and its stale entry skipped.
type radixHeap struct {
	last    int64
	size    int
	head    int // bucket 0 is taken out first in, first out
	top     int // no bucket above it holds anything (reset clears up to it)
	buckets [65][]radixItem
}

type radixItem struct {
	key int64
	v   int32
}

func (h *radixHeap) reset() {
	for i := range h.top + 1 {
		h.buckets[i] = h.buckets[i][:0]
	}
	h.last, h.size, h.head, h.top = 0, 0, 0, 0
}

func (h *radixHeap) push(key int64, v int32) {
	b := bits.Len64(uint64(key ^ h.last))
	h.buckets[b] = append(h.buckets[b], radixItem{key, v})
	h.size++
	h.top = max(h.top, b)
}

func (h *radixHeap) pop() (int64, int32) {
	if len(h.buckets[0]) == h.head {
		h.buckets[0], h.head = h.buckets[0][:0], 0
		i := 1
		for len(h.buckets[i]) == 0 {
			i++
		}
		least := h.buckets[i][0].key
		for _, it := range h.buckets[i][1:] {
			least = min(least, it.key)
		}
		h.last = least
		for _, it := range h.buckets[i] {
			b := bits.Len64(uint64(it.key ^ least))
			h.buckets[b] = append(h.buckets[b], it)
		}
		h.buckets[i] = h.buckets[i][:0]
	}
	it := h.buckets[0][h.head]
	h.head++
	if h.head == len(h.buckets[0]) {
		h.buckets[0], h.head = h.buckets[0][:0], 0
	}
	h.size--
	return it.key, it.v
}

// bfs levels the admissible subgraph (residual arcs of zero reduced cost).
func (g *mcf) bfs(s, t int) bool {
	for i := range g.level {
		g.level[i] = -1
	}
	g.queue = append(g.queue[:0], int32(s))
	g.level[s] = 0
	for q := 0; q < len(g.queue); q++ {
		u := int(g.queue[q])
		if g.level[t] >= 0 && g.level[u] >= g.level[t] {
			break // the blocking flow uses no node beyond t's level
		}
		for _, a := range g.adj[g.start[u]:g.start[u+1]] {
			v := g.to[a]
			if g.capa[a] > 0 && g.level[v] < 0 && g.reduced(a, u) == 0 {
				g.level[v] = g.level[u] + 1
				g.queue = append(g.queue, v)
			}
		}
	}
	return g.level[t] >= 0
}

func (g *mcf) dfs(u, t int, limit int64) int64 {
	if u == t {
		return limit
	}
	for end := g.start[u+1]; g.it[u] < end; g.it[u]++ {
		a := g.adj[g.it[u]]
		v := int(g.to[a])
		if g.capa[a] <= 0 || g.level[v] != g.level[u]+1 || g.reduced(a, u) != 0 {
			continue
		}
		if f := g.dfs(v, t, min(limit, g.capa[a])); f > 0 {
			g.capa[a] -= f
			g.capa[a^1] += f
			return f
		}
	}
	return 0
}

// verify checks the optimality certificate in one pass: no residual arc has
// a negative reduced cost under the final potentials (complementary
// slackness). It returns the number of violations.
func (g *mcf) verify() int {
	bad := 0
	for u := range g.n {
		for _, a := range g.adj[g.start[u]:g.start[u+1]] {
			if g.capa[a] > 0 && g.reduced(a, u) < 0 {
				bad++
			}
		}
	}
	return bad
}

// reoptimize sends the excess of some nodes to the deficits of others along
// shortest reduced-cost paths (successive shortest paths from the current
// potentials), keeping the flow optimal. False when some excess cannot
// reach a deficit (the change made the problem infeasible). Its work follows
// what it explores: distances are reset, and potentials moved, only on the
// nodes it visited (the potentials of the settled nodes rise by their
// distance less the target's, which differs from the textbook's rise of
// min(distance, target's) on every node by a constant: the same reduced
// costs).
func (g *mcf) reoptimize() bool {
	parent := g.parent
	defer g.clearVisited()
	for {
		sources := g.queue[:0]
		live := g.active[:0]
		for _, v := range g.active {
			if e := g.excess[v]; e != 0 && !g.listed[v] {
				g.listed[v] = true
				live = append(live, v)
				if e > 0 {
					sources = append(sources, v)
				}
			}
		}
		for _, v := range live {
			g.listed[v] = false
		}
		g.active = live
		g.queue = sources
		if len(sources) == 0 {
			g.active = g.active[:0]
			return true
		}
		g.clearVisited()
		// Multi-source Dijkstra to the nearest deficit.
		g.rh.reset()
		for _, s := range sources {
			g.dist[s] = 0
			g.visited = append(g.visited, s)
			g.rh.push(0, s)
		}
		// A node no nearer than a deficit already reached cannot be on a
		// shortest path to the nearest deficit: it is not queued (on a
		// degenerate relaxation the deficit is often at distance 0, and the
		// signatures' hundreds of arcs are then skipped).
		target, limit := -1, inf
		for u := g.settleNext(); u >= 0; u = g.settleNext() {
			if g.excess[u] < 0 {
				target = u
				break
			}
			du := g.dist[u]
			for _, a := range g.adj[g.start[u]:g.start[u+1]] {
				if g.capa[a] <= 0 {
					continue
				}
				v := int(g.to[a])
				if g.pos[v] == -2 {
					continue
				}
				if nd := du + g.reduced(a, u); nd < g.dist[v] && nd < limit {
					if g.dist[v] == inf {
						g.visited = append(g.visited, int32(v))
					}
					if g.excess[v] < 0 {
						limit = nd
					}
					g.dist[v] = nd
					parent[v] = a
					g.rh.push(nd, int32(v))
				}
			}
		}
		g.rounds++
		if target < 0 {
			return false
		}
		dt := g.dist[target]
		for _, v := range g.visited {
			if d := g.dist[v]; d < dt {
				g.touchNode(v)
				g.pi[v] += d - dt
			}
		}
		// Augment along the path by what it carries.
		amount := -g.excess[target]
		v := target
		for parent[v] >= 0 {
			a := parent[v]
			amount = min(amount, g.capa[a])
			v = int(g.to[a^1])
		}
		amount = min(amount, g.excess[v])
		v = target
		for parent[v] >= 0 {
			a := parent[v]
			g.touchArc(int(a))
			g.capa[a] -= amount
			g.capa[a^1] += amount
			g.total += amount * g.cost[a]
			v = int(g.to[a^1])
		}
		g.excess[v] -= amount
		g.excess[target] += amount
		g.augments++
		if g.multi {
			// More paths of zero reduced cost from the sources to deficits,
			// within the nodes this search reached: sending along them keeps
			// the flow optimal, and saves a search per path (the Lagrangian
			// relaxation's re-optimisations move a unit per path).
			for _, s := range sources {
				for g.excess[s] > 0 {
					g.stamp++
					f := g.admissible(int(s), dt, g.excess[s])
					if f == 0 {
						break
					}
					g.excess[s] -= f
					g.augments++
				}
			}
		}
	}
}

// admissible sends up to limit from u along residual arcs of zero reduced
// cost through nodes reoptimize's last search reached (distance at most dt)
// to a node with a deficit, and returns what it sent (0: no such path).
func (g *mcf) admissible(u int, dt int64, limit int64) int64 {
	if g.excess[u] < 0 {
		f := min(limit, -g.excess[u])
		g.excess[u] += f
		return f
	}
	g.mark[u] = g.stamp
	for _, a := range g.adj[g.start[u]:g.start[u+1]] {
		v := g.to[a]
		if g.capa[a] <= 0 || g.mark[v] == g.stamp || g.dist[v] > dt || g.reduced(a, u) != 0 {
			continue
		}
		if f := g.admissible(int(v), dt, min(limit, g.capa[a])); f > 0 {
			g.touchArc(int(a))
			g.capa[a] -= f
			g.capa[a^1] += f
			g.total += f * g.cost[a]
			return f
		}
	}
	return 0
}

// clearVisited unsets the distances reoptimize set.
func (g *mcf) clearVisited() {
	for _, v := range g.visited {
		g.dist[v], g.pos[v], g.parent[v] = inf, -1, -1
	}
	g.visited = g.visited[:0]
}

// touchArc logs arc a (its pair, its forced flow) before a change.
func (g *mcf) touchArc(a int) {
	a &^= 1
	g.undoArcs = append(g.undoArcs, int32(a))
	g.undoCapa = append(g.undoCapa, g.capa[a], g.capa[a^1], g.fixed[a])
}

// touchNode logs v's potential before a change.
func (g *mcf) touchNode(v int32) {
	g.undoNodes = append(g.undoNodes, v)
	g.undoPi = append(g.undoPi, g.pi[v])
}

// checkpoint starts the undo log from the current state.
func (g *mcf) checkpoint() {
	g.undoArcs, g.undoNodes, g.undoCapa, g.undoPi = g.undoArcs[:0], g.undoNodes[:0], g.undoCapa[:0], g.undoPi[:0]
	g.undoCost = g.undoCost[:0]
	g.checkTotal = g.total
}

// restore undoes every change since the checkpoint (strong branching tries
// dozens of children from one state: copying it whole for each, then
// copying it once per node, was a fifth to a quarter of the search).
func (g *mcf) restore() {
	for i := len(g.undoArcs) - 1; i >= 0; i-- {
		a := g.undoArcs[i]
		g.capa[a], g.capa[a^1], g.fixed[a] = g.undoCapa[3*i], g.undoCapa[3*i+1], g.undoCapa[3*i+2]
	}
	for i := len(g.undoNodes) - 1; i >= 0; i-- {
		g.pi[g.undoNodes[i]] = g.undoPi[i]
	}
	for i := len(g.undoCost) - 2; i >= 0; i -= 2 {
		a, c := g.undoCost[i], g.undoCost[i+1]
		g.cost[a], g.cost[a^1] = c, -c
	}
	for _, v := range g.active {
		g.excess[v] = 0
	}
	g.active = g.active[:0]
	g.total = g.checkTotal
	g.checkpoint()
}

// flowDiff is a state as what differs from the last checkpoint: a strong
// branching child, kept at the cost of what it changed.
type flowDiff struct {
	arcs        []int32
	capa, fixed []int64 // per arc: its residual pair, its forced flow
	nodes       []int32
	pi          []int64
	total       int64
}

// diffInto records in d what changed since the last checkpoint.
func (g *mcf) diffInto(d *flowDiff) {
	d.arcs, d.capa, d.fixed, d.nodes, d.pi = d.arcs[:0], d.capa[:0], d.fixed[:0], d.nodes[:0], d.pi[:0]
	for _, a := range g.undoArcs {
		d.arcs = append(d.arcs, a)
		d.capa = append(d.capa, g.capa[a], g.capa[a^1])
		d.fixed = append(d.fixed, g.fixed[a])
	}
	for _, v := range g.undoNodes {
		d.nodes = append(d.nodes, v)
		d.pi = append(d.pi, g.pi[v])
	}
	d.total = g.total
}

// apply replays d on the checkpoint's state (restored), logging it in turn.
func (g *mcf) apply(d *flowDiff) {
	for i, a := range d.arcs {
		g.touchArc(int(a))
		g.capa[a], g.capa[a^1], g.fixed[a] = d.capa[2*i], d.capa[2*i+1], d.fixed[i]
	}
	for i, v := range d.nodes {
		g.touchNode(v)
		g.pi[v] = d.pi[i]
	}
	g.total = d.total
}

// stateInto copies the current state into the memory of a spare state, if
// there is one.
func (g *mcf) stateInto(spare *[]flowState) flowState {
	var d flowState
	if n := len(*spare); n > 0 {
		d, *spare = (*spare)[n-1], (*spare)[:n-1]
	}
	g.saveInto(&d)
	return d
}

// flowState is what a branch changes: residual capacities, potentials and
// the forced flows. States are saved balanced (reoptimize leaves no excess).
type flowState struct {
	capa, pi, fixed []int64
	total           int64
}

func (g *mcf) save() flowState {
	return flowState{capa: slices.Clone(g.capa), pi: slices.Clone(g.pi), fixed: slices.Clone(g.fixed[g.fixLo:g.fixHi]), total: g.total}
}

// saveInto saves the state into s, reusing its memory.
func (g *mcf) saveInto(s *flowState) {
	s.capa = append(s.capa[:0], g.capa...)
	s.pi = append(s.pi[:0], g.pi...)
	s.fixed = append(s.fixed[:0], g.fixed[g.fixLo:g.fixHi]...)
	s.total = g.total
}

func (g *mcf) load(s flowState) {
	copy(g.capa, s.capa)
	copy(g.pi, s.pi)
	for _, v := range g.active {
		g.excess[v] = 0
	}
	g.active = g.active[:0]
	copy(g.fixed[g.fixLo:g.fixHi], s.fixed)
	g.total = s.total
	g.checkpoint()
}

// flowCost is the cost of the current flow, as kept up to date.
func (g *mcf) flowCost() int64 { return g.total }

// totalCost computes the cost of the current flow from the arcs.
func (g *mcf) totalCost() int64 {
	var total int64
	for i := 0; i < len(g.to); i += 2 {
		total += g.flow(i) * g.cost[i]
	}
	return total
}
