package events_test

import (
	"testing"

	"github.com/gesta-er/gesta/internal/events"
)

func TestBroker(t *testing.T) {
	var b events.Broker
	a, stopA := b.Subscribe()
	c, stopC := b.Subscribe()
	b.Publish("BO-0001")
	if got := <-a; got != "BO-0001" {
		t.Fatalf("a got %q", got)
	}
	if got := <-c; got != "BO-0001" {
		t.Fatalf("c got %q", got)
	}
	stopA()
	stopA() // idempotent
	if b.Subscribers() != 1 {
		t.Fatalf("subscribers = %d", b.Subscribers())
	}
	// A slow subscriber does not block the publisher.
	for range 100 {
		b.Publish("x")
	}
	stopC()
	if _, ok := <-a; ok {
		t.Fatal("stopped channel still open")
	}
}
