package main

// This file adds -max-conns, which lb.py did not have: it accepted every
// client, and a flood of clients that send nothing made it fail accept
// with "too many open files" for everyone. Here at most -max-conns clients
// are served at once; the next wait in the kernel's accept queue.

import (
	"context"
	"time"
)

// limits counts the clients being served.
type limits struct {
	slots   chan struct{} // one token per client being served, up to -max-conns
	fullLog time.Time     // when the lb last said that every slot was taken
}

func newLimits(maxConns int) limits { return limits{slots: make(chan struct{}, maxConns)} }

// takeSlot waits until fewer than -max-conns clients are being served, and
// counts one more. Meanwhile new clients wait in the kernel's accept queue.
// It returns false if ctx ends first.
func (s *server) takeSlot(ctx context.Context) bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
	}
	if time.Since(s.fullLog) > time.Minute { // once, and then at most once a minute
		s.fullLog = time.Now()
		s.log.Printf("%d clients at once (-max-conns): the next waits until one leaves", cap(s.slots))
	}
	select {
	case s.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// releaseSlot counts a client that has left.
func (s *server) releaseSlot() { <-s.slots }

// defaultMaxConns is the default of -max-conns: each client costs two file
// descriptors (its own and its backend's), and some are kept for the rest
// (the listener, the log, the checks of failed backends). Go has already
// raised the soft open-file limit to the hard one when this runs.
func defaultMaxConns() int {
	nofile, ok := openFileLimit()
	if !ok {
		return 1000
	}
	return maxConnsFor(nofile)
}

// maxConnsFor returns the default -max-conns for an open-file limit.
func maxConnsFor(nofile uint64) int {
	const headroom = 64
	nofile = min(nofile, 1<<20) // "unlimited" is a very large number
	return max(int(nofile)-headroom, 2) / 2
}
