// Package events fans out change notifications inside one process: the store
// publishes the code of a facility whose figures changed (store.DB.OnChange),
// and every open board (Server-Sent Events) hears of it. Across several gesta
// processes on one PostgreSQL the store relays the changes through
// LISTEN/NOTIFY (store/notify.go), so each process's broker hears every
// change once.
package events

import "sync"

// Broker delivers published messages to current subscribers. A subscriber
// that does not keep up misses messages rather than slowing the publisher:
// a board only needs to know that something changed.
type Broker struct {
	mu   sync.Mutex
	subs map[chan string]struct{}
}

// Subscribe returns a channel of messages and a function to stop.
func (b *Broker) Subscribe() (<-chan string, func()) {
	ch := make(chan string, 16)
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[chan string]struct{}{}
	}
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
		b.mu.Unlock()
	}
}

// Publish sends msg to every subscriber without blocking.
func (b *Broker) Publish(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- msg:
		default:
		}
	}
}

// Subscribers returns how many are listening.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
