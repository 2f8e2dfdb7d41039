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
// when a limit nears, and nginx closes its idle connections, oldest first,
// when it runs out of them.

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
	l.press.moving = int64(max(n/16, 1))
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
	l.press.look(time.Now())
	select {
	case l.slots <- struct{}{}:
	default:
		l.press.on.Store(true) // full: shed the clients that are behind
		now := time.Now()
		l.press.look(now)
		if now.UnixNano()-l.fullLog.Load() > int64(time.Minute) {
			l.fullLog.Store(now.UnixNano())
			l.log.Printf("%d clients at once (-max-conns): the next waits until one leaves, and clients that are behind are shed", cap(l.slots))
		}
		tick := time.NewTicker(shedTick)
		defer tick.Stop()
	wait:
		for {
			select {
			case l.slots <- struct{}{}:
				break wait
			case <-l.done:
				return nil, net.ErrClosed
			case now := <-tick.C:
				l.press.look(now)
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
	l.press.freed.Add(1)
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

// How long a full server gives a client before it judges it. A body or an
// answer must have moved -min-rate bytes a second over the last ShedAfter
// at least. A head that has begun must be in HeadAfter after the connect:
// a head that comes in two parts a second apart, at a person's or a slow
// network's pace, is in time. A client that has sent nothing is shed
// SilentAfter after its connect, but only while the queue stands still:
// no more than one in sixteen places freed by clients served in the last
// StuckAfter (see pressure).
const (
	ShedAfter   = 500 * time.Millisecond
	HeadAfter   = 2 * time.Second
	SilentAfter = 250 * time.Millisecond
	StuckAfter  = 1500 * time.Millisecond
)

// ErrShed is why a client that was behind was cut off by a full server. It
// is a deadline error, so Quiet counts it as one.
var ErrShed = fmt.Errorf("shed to make room (-max-conns): %w", os.ErrDeadlineExceeded)

// pressure is a listener's state that its connections' pace looks at:
// whether it is full, whether its queue stands still, and how many clients
// it shed since it last said so. When every place is taken, the clients
// that are served do not all wait their whole -timeout or -rate-grace
// while the next wait in the queue: one whose head has begun but is not in
// within HeadAfter of its connect, or whose body or answer moves slower
// than -min-rate, is cut off at once (within a shed tick), so that the
// queue moves. A client that keeps -min-rate is never shed.
//
// A client that has sent nothing is the cheapest to shed, and the most
// common honest one: ab, with 10,000 connections, writes each request up
// to a second after its connect, and a full server that shed them failed
// hundreds of ab's requests. So such a client is shed only once the queue
// stands still: fewer than one in sixteen places freed by the clients
// served over the last StuckAfter, as when connections that send nothing
// flood the server. Then every client silent for SilentAfter is shed, the
// oldest first, each shed tick. (With ab the queue moves: its requests
// are answered and free their places by thousands a second.)
//
// The state is atomics, read by every connection's goroutine; only Accept
// writes the log and judges whether the queue moves (look).
type pressure struct {
	on      atomic.Bool
	still   atomic.Bool          // the queue stands still: see look
	low     int                  // places taken at which it is no longer full
	moving  int64                // places freed by clients served, each StuckAfter, for the queue to move
	freed   atomic.Int64         // places freed, in all
	shedAll atomic.Int64         // clients shed, in all
	shed    [phases]atomic.Int64 // clients shed since the last report, by phase
	lastLog atomic.Int64         // when it last reported (Unix nanoseconds)
	// Accept's own: the window in which it counts the places freed.
	mark, lastFull time.Time
	served         int64 // places freed by clients served, at mark
}

// phase is what a client was doing when it was shed.
type phase int

const (
	phaseSilent phase = iota
	phaseHead
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

// Stuck reports whether the listener c came from is full and its queue
// stands still: then a client that has sent nothing for SilentAfter is
// shed (see pressure).
func Stuck(c net.Conn) bool { return pressureOf(c).stuck() }

// Behind is what a client shed by the lb was doing: sending nothing, its
// request's head, or its body.
type Behind int

const (
	Silent Behind = Behind(phaseSilent)
	InHead Behind = Behind(phaseHead)
	InBody Behind = Behind(phaseBody)
)

// Shed counts c as shed by its full listener, behind as it was, and returns
// ErrShed. For the lb, which sheds such a client itself.
func Shed(c net.Conn, behind Behind) error {
	if p := pressureOf(c); p != nil {
		p.count(phase(behind))
	}
	return ErrShed
}

// full reports whether the listener is full (p may be nil: never).
func (p *pressure) full() bool { return p != nil && p.on.Load() }

// stuck reports whether the listener is full and its queue stands still
// (p may be nil: never).
func (p *pressure) stuck() bool { return p.full() && p.still.Load() }

// look judges, each StuckAfter while the listener is full, whether its
// queue stands still: fewer than moving places freed by clients that were
// served (not shed). It keeps its judgment through a moment of room, as
// when the clients it shed are replaced by the next in the queue: it
// forgets it only once the listener has not been full for StuckAfter.
// Only Accept calls it.
func (p *pressure) look(now time.Time) {
	served := p.freed.Load() - p.shedAll.Load()
	switch {
	case p.on.Load():
		p.lastFull = now
	case now.Sub(p.lastFull) >= StuckAfter:
		p.still.Store(false)
		p.mark = time.Time{}
		return
	default:
		return
	}
	switch {
	case p.mark.IsZero():
		p.mark, p.served = now, served
	case now.Sub(p.mark) >= StuckAfter:
		p.still.Store(served-p.served < p.moving)
		p.mark, p.served = now, served
	}
}

// tick returns d, or the next shed tick from now if that is sooner (p may
// be nil: d).
func (p *pressure) tick(now, d time.Time) time.Time {
	if next := now.Add(shedTick); p != nil && next.Before(d) {
		return next
	}
	return d
}

// count counts a client shed in phase k.
func (p *pressure) count(k phase) {
	p.shed[k].Add(1)
	p.shedAll.Add(1)
}

// report logs how many clients were shed, if any, at most once a second
// (always, when last).
func (p *pressure) report(log Logger, last bool) {
	now := time.Now().UnixNano()
	if !last && now-p.lastLog.Load() < int64(time.Second) {
		return
	}
	var n [phases]int64
	var all int64
	for k := range n {
		n[k] = p.shed[k].Swap(0)
		all += n[k]
	}
	if all == 0 {
		return
	}
	p.lastLog.Store(now)
	log.Printf("-max-conns: shed %d clients that were behind, to make room: %d that had sent nothing for %v while the queue stood still, %d with their head begun but not in after %v, %d with a body and %d with an answer under -min-rate",
		all, n[phaseSilent], SilentAfter, n[phaseHead], HeadAfter, n[phaseBody], n[phaseAnswer])
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
