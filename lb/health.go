package main

// This file adds what lb.py did not have: it connected to the backend whose
// turn it was, blindly, and when that backend was down the client got
// nothing. Here a backend that fails a connect is marked down and tried
// last, and checked every -retry until it accepts connections again.

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"progjar/internal/tcpserver"
)

// health is what the lb has seen of a backend.
type health struct {
	downUntil atomic.Int64 // Unix nanoseconds: tried last until then, after a failed connect
}

// isDown reports whether the backend is marked down at now.
func (h *health) isDown(now time.Time) bool { return h.downUntil.Load() > now.UnixNano() }

// markDown marks b down after a failed connect. It logs once when a
// backend goes down, not once per client; watch keeps it marked until it
// accepts connections again.
func (s *server) markDown(b *backend, err error) {
	if old := b.downUntil.Swap(s.downUntil()); old < time.Now().UnixNano() {
		s.log.Printf("backend %s: %v; trying the others first until it accepts again", b.addr, err)
	}
}

// downUntil is how long a failed backend stays marked: past the next check.
func (s *server) downUntil() int64 { return time.Now().Add(2 * s.retry).UnixNano() }

// markUp clears a backend's mark, and says so if it had one.
func (s *server) markUp(b *backend) {
	if b.downUntil.Load() != 0 && b.downUntil.Swap(0) != 0 { // the Load spares the shared memory a write per connection
		s.log.Printf("backend %s: accepting connections again", b.addr)
	}
}

// startWatch starts watch in a goroutine, until ctx is done; the function
// it returns waits for that goroutine to end.
func (s *server) startWatch(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.watch(ctx)
	}()
	return func() { <-done }
}

// watch connects, every retry interval, to each backend that has failed,
// and marks it up again once it accepts: a periodic check, so that no
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
			c, err := s.dial.DialTCP(ctx, "tcp", netip.AddrPort{}, b.ip)
			if err != nil {
				b.downUntil.Store(s.downUntil())
				continue
			}
			c.Close() // NOTE: only the connect mattered.
			s.markUp(b)
		}
	}
}

// noBackend closes a client that no backend accepted. It closes gently
// (FIN, then read what the client still sends), so that the client sees
// the end of the connection and not a reset.
func (s *server) noBackend(client net.Conn) {
	s.log.Printf("koneksi dari %s: no backend accepted it; closing", client.RemoteAddr())
	_ = tcpserver.WriteAndClose(client, nil, true, s.dial.Timeout) // NOTE: nothing more to do on failure.
}
