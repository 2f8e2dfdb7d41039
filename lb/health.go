package main

// This file adds what lb.py did not have: it connected to the backend whose
// turn it was, blindly, and when that backend was down the client got
// nothing. Here a backend that refuses a connection, or cannot be reached,
// or lets three in a row time out, is marked down: the turns go round the
// others, it is tried last, and it is checked every -retry until it
// accepts again.

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"progjar/internal/tcpserver"
)

// timeoutsToMark is how many connects in a row must time out before a
// backend is marked down. One timeout can be the lb's own doing: under a
// flood, a connect waits behind the lb's other work and the kernel's full
// queues, and a backend that is up would be marked down. A refused connect
// marks it at once.
const timeoutsToMark = 3

// health is what the lb has seen of a backend.
type health struct {
	downUntil atomic.Int64 // Unix nanoseconds: tried last until then; 0 when up
	timeouts  atomic.Int32 // connects timed out in a row
	mu        sync.Mutex   // guards marking: a mark and the end of a mark
	since     time.Time    // when it was last seen failing
}

// upAndDown returns the backends that are up at now, in the list's order,
// and those marked down.
func (b *BackendList) upAndDown(now time.Time) (up, down []*backend) {
	up = make([]*backend, 0, len(b.servers))
	for _, s := range b.servers {
		if s.isDown(now) {
			down = append(down, s)
		} else {
			up = append(up, s)
		}
	}
	return up, down
}

// rotate rotates s left by k, in place: s[k] comes first.
func rotate(s []*backend, k int) {
	slices.Reverse(s[:k])
	slices.Reverse(s[k:])
	slices.Reverse(s)
}

// isDown reports whether the backend is marked down at now.
func (h *health) isDown(now time.Time) bool { return h.downUntil.Load() > now.UnixNano() }

// markDown counts a failed connect to b, and marks b down if it refused
// (or cannot be reached), or if connects to it have timed out
// timeoutsToMark times in a row. A local error (no port or descriptor left
// for the connect) says nothing of b and marks nothing. It logs once when
// a backend goes down, not once per client; watch keeps it marked until it
// accepts connections again.
func (s *server) markDown(b *backend, err error) {
	var ne net.Error
	switch {
	case tcpserver.Unreachable(err):
	case errors.As(err, &ne) && ne.Timeout():
		if b.timeouts.Add(1) < timeoutsToMark {
			return
		}
	default:
		return
	}
	now := time.Now()
	b.mu.Lock()
	b.since = now
	was := b.downUntil.Swap(now.Add(2 * s.retry).UnixNano()) // past the next check
	b.mu.Unlock()
	if was == 0 {
		s.log.Printf("backend %s: %v; trying the others first until it accepts again", b.addr, err)
	}
}

// markUp ends b's mark after a connect that started at start succeeded,
// and says so if it had one. A connect that started before b was last seen
// failing proves nothing: it may have raced with that failure.
func (s *server) markUp(b *backend, start time.Time) {
	if b.timeouts.Load() != 0 {
		b.timeouts.Store(0)
	}
	if b.downUntil.Load() == 0 { // up: the common case, without the lock
		return
	}
	b.mu.Lock()
	ended := b.downUntil.Load() != 0 && start.After(b.since)
	if ended {
		b.downUntil.Store(0)
	}
	b.mu.Unlock()
	if ended {
		s.log.Printf("backend %s: accepting connections again", b.addr)
	}
}

// startWatch starts watch in a goroutine, until ctx is done or the
// function it returns is called; that function ends the goroutine and
// waits for it. (It once only waited, and the watch ended only with ctx:
// when accepting failed for good, run waited for Ctrl-C instead of
// returning the error.)
func (s *server) startWatch(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.watch(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// watch connects, every retry interval, to each backend that is marked
// down, and ends its mark once it accepts: a periodic check, so that no
// client has to be the one to find out. It ends when ctx is done.
func (s *server) watch(ctx context.Context) {
	tick := time.NewTicker(s.retry)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, b := range s.backends.servers {
			if b.downUntil.Load() == 0 {
				continue
			}
			start := time.Now()
			c, err := s.dial.DialTCP(ctx, "tcp", netip.AddrPort{}, b.ip)
			if err != nil {
				if ctx.Err() == nil {
					b.timeouts.Store(timeoutsToMark) // still down: whatever the error, keep the mark
					s.markDown(b, err)
				}
				continue
			}
			c.Close() // NOTE: only the connect mattered.
			s.markUp(b, start)
		}
	}
}

// noBackend closes a client that no backend accepted. It closes gently
// (FIN, then read what the client still sends), so that the client sees
// the end of the connection and not a reset.
func (s *server) noBackend(client net.Conn) {
	s.log.Printf("koneksi dari %s: no backend accepted it; closing", client.RemoteAddr())
	_ = tcpserver.Drain(client) // NOTE: nothing more to do on failure; forward closes it.
}
