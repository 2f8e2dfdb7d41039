package tcpserver

// This file adds -max-conns, which none of the Python programs had.
//
// Fix (emfile): they accepted every client, and a flood of clients that sent
// nothing made accept fail with "too many open files", which ended them:
// async_server.py closed its listening socket, server_thread_http.py's
// accept thread died. Here at most -max-conns clients are served at once,
// so that file descriptors are left; the next wait in the kernel's accept
// queue. And a full server does not wait for the slowest clients to
// time out before it serves the next: it sheds at once those that are
// behind (see pressure), as Envoy's overload manager shortens its timeouts
// when a limit nears.

import (
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Limit returns a listener whose Accept waits while n of the connections
// it returned are open. ln must be a TCP listener. Closing a connection
// frees its place. When every place is taken, it says so in log, once and
// then at most once a minute, and sheds the clients that are behind (see
// pressure), saying so at most once a second.
func Limit(ln net.Listener, n int, log Logger) net.Listener {
	l := &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{}), log: log}
	l.press.low = n - max(n/8, 1)
	return l
}

type limitListener struct {
	net.Listener
	slots   chan struct{} // one token per connection open, up to n
	done    chan struct{} // closed by Close
	once    sync.Once
	log     Logger
	fullLog atomic.Int64 // when it last said it was full (Unix nanoseconds)
	press   pressure
}

// Accept waits for a free place, then for a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	default:
		l.press.on.Store(true) // full: shed the clients that are behind
		if now := time.Now().UnixNano(); now-l.fullLog.Load() > int64(time.Minute) {
			l.fullLog.Store(now)
			l.log.Printf("%d clients at once (-max-conns): the next waits until one leaves, and clients that are behind are shed", cap(l.slots))
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
	wait:
		for {
			select {
			case l.slots <- struct{}{}:
				break wait
			case <-l.done:
				return nil, net.ErrClosed
			case <-tick.C:
				l.press.report(l.log, false)
			}
		}
	}
	l.press.report(l.log, false)
	c, err := l.Listener.Accept()
	if err != nil {
		l.free()
		return nil, err
	}
	return &limitConn{TCPConn: c.(*net.TCPConn), l: l}, nil
}

// free gives a place back. The listener is no longer full once an eighth
// of its places are free.
func (l *limitListener) free() {
	<-l.slots
	if l.press.on.Load() && len(l.slots) <= l.press.low {
		l.press.on.Store(false)
	}
}

// Close stops accepting: an Accept waiting for a place returns too. It
// says how many clients were shed since it last did.
func (l *limitListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.press.report(l.log, true)
	})
	return l.Listener.Close()
}

// limitConn is a connection that frees its place when it is closed. It
// embeds *net.TCPConn, so it keeps its methods: CloseWrite, SetLinger,
// writev, and sendfile from a file.
type limitConn struct {
	*net.TCPConn
	l      *limitListener
	closed atomic.Bool
}

func (c *limitConn) Close() error {
	err := c.TCPConn.Close()
	if c.closed.CompareAndSwap(false, true) {
		c.l.free()
	}
	return err
}

// ShedAfter is how long a full server gives a client before it judges
// it: a head that has begun must be in by then, and a body or an answer
// must have moved -min-rate bytes a second over the last ShedAfter at
// least.
const ShedAfter = 500 * time.Millisecond

// ErrShed is why a client that was behind was cut off by a full server. It
// is a deadline error, so Quiet counts it as one.
var ErrShed = fmt.Errorf("shed to make room (-max-conns): %w", os.ErrDeadlineExceeded)

// pressure is a listener's state that its connections' pace looks at:
// whether it is full, and how many clients it shed since it last said so.
// When every place is taken, the clients that are served do not all wait
// their whole -timeout or -rate-grace while the next wait in the queue: one
// whose head has begun but is not in within ShedAfter of its connect, or
// whose body or answer moves slower than -min-rate, is cut off at once
// (within a shed tick), so that the queue moves. A client that keeps
// -min-rate is never shed, nor one that has sent nothing yet (a load
// generator with thousands of connections writes some requests late). The
// state is atomics, read by every connection's goroutine; only Accept
// writes the log.
type pressure struct {
	on      atomic.Bool
	low     int                  // places taken at which it is no longer full
	shed    [phases]atomic.Int64 // clients shed since the last report, by phase
	lastLog atomic.Int64         // when it last reported (Unix nanoseconds)
}

// phase is what a client was doing when it was shed.
type phase int

const (
	phaseHead phase = iota
	phaseBody
	phaseAnswer
	phases
)

// shedTick is how often a connection of a listener that can be full looks
// whether it is: a read or a write waits at most this long.
const shedTick = ShedAfter / 2

// pressureOf returns the pressure of the listener c came from, or nil.
func pressureOf(c net.Conn) *pressure {
	if lc, ok := c.(*limitConn); ok {
		return &lc.l.press
	}
	return nil
}

// Full reports whether the listener c came from is full: while it is, the
// clients that are behind are shed (see pressure).
func Full(c net.Conn) bool { return pressureOf(c).full() }

// Tick returns d, or, for a connection of a listener that can be full, the
// next shed tick after now if that is sooner: a read or a write given that
// deadline looks in time whether its client is to be shed.
func Tick(c net.Conn, now, d time.Time) time.Time { return pressureOf(c).tick(now, d) }

// Shed counts c as shed by its full listener while it was still sending
// its request slowly (as "a body under -min-rate"), and returns ErrShed.
// For the lb, which sheds such a client itself.
func Shed(c net.Conn) error {
	if p := pressureOf(c); p != nil {
		p.count(phaseBody)
	}
	return ErrShed
}

// full reports whether the listener is full (p may be nil: never).
func (p *pressure) full() bool { return p != nil && p.on.Load() }

// tick returns d, or the next shed tick from now if that is sooner (p may
// be nil: d).
func (p *pressure) tick(now, d time.Time) time.Time {
	if next := now.Add(shedTick); p != nil && next.Before(d) {
		return next
	}
	return d
}

// count counts a client shed in phase k.
func (p *pressure) count(k phase) { p.shed[k].Add(1) }

// report logs how many clients were shed, if any, at most once a second
// (always, when last).
func (p *pressure) report(log Logger, last bool) {
	now := time.Now().UnixNano()
	if !last && now-p.lastLog.Load() < int64(time.Second) {
		return
	}
	var n [phases]int64
	for k := range n {
		n[k] = p.shed[k].Swap(0)
	}
	if n[phaseHead]+n[phaseBody]+n[phaseAnswer] == 0 {
		return
	}
	p.lastLog.Store(now)
	log.Printf("-max-conns: shed %d clients that were behind, to make room: %d with their head begun but not in after %v, %d with a body and %d with an answer under -min-rate",
		n[phaseHead]+n[phaseBody]+n[phaseAnswer], n[phaseHead], ShedAfter, n[phaseBody], n[phaseAnswer])
}

// DefaultMaxConns is the default of -max-conns, from the open-file limit:
// each client may cost two file descriptors (the lb's backend connection,
// or a server's file being streamed), and some are kept for the rest (the
// listener, the log, the checks of failed backends). Go has already raised
// the soft open-file limit to the hard one when this runs.
func DefaultMaxConns() int {
	nofile, ok := openFileLimit()
	if !ok {
		return fixedMaxConns
	}
	return MaxConnsFor(nofile)
}

// MaxConnsFor returns the default -max-conns for an open-file limit.
func MaxConnsFor(nofile uint64) int {
	const headroom = 64
	nofile = min(nofile, 1<<20) // "unlimited" is a very large number
	return max(int(nofile)-headroom, 2) / 2
}
