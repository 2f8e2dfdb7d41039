package main

// This file adds -idle, which lb.py did not have: it kept a pair of
// connections open for as long as neither side closed. Here a pair where
// nothing has moved either way for -idle is closed. Each side of a pair is
// read and written through a side, which keeps the pair's last activity
// and moves the deadlines; so the copies in main.go are plain copies.

import (
	"errors"
	"net"
	"os"
	"sync/atomic"
	"time"

	"progjar/internal/tcpserver"
)

// pair is a client joined to its backend.
type pair struct {
	client, backend side // the two sides, in the pair's one allocation
	idle            time.Duration
	log             *tcpserver.Log
	// last is when a byte last moved either way (Unix nanoseconds). Both
	// directions share it: -idle is the time neither moved.
	last     atomic.Int64
	ended    atomic.Bool // one direction has ended: the next to end finishes the pair
	answered atomic.Bool // the backend has said all it will (end of file)
}

// tcpConn is a TCP connection: a net.Conn that can end its sending half.
type tcpConn interface {
	net.Conn
	CloseWrite() error
}

// side is one connection of a pair, as the copies see it: an io.Reader and
// an io.Writer that count as the pair's activity, and move a deadline that
// passed while the pair was busy. It has no ReadFrom or WriteTo, so that
// io.CopyBuffer goes through Read and Write.
type side struct {
	c       tcpConn
	p       *pair
	broken  bool  // a write to it failed; only the copy that writes to it looks
	written int64 // bytes written to it, likewise
}

// newPair joins client and backend. The deadlines are set once, here, and
// moved only when they pass while the pair was busy (see alive): so -idle
// counts the pair, and no timer is reset for every read and write.
func (s *server) newPair(client, backend tcpConn) *pair {
	p := &pair{idle: s.idle, log: s.log}
	p.client, p.backend = side{c: client, p: p}, side{c: backend, p: p}
	p.touch()
	deadline := time.Now().Add(s.idle)
	_ = client.SetDeadline(deadline) // NOTE: fails only on a closed connection, which the copy then finds.
	_ = backend.SetDeadline(deadline)
	return p
}

func (p *pair) touch() { p.last.Store(time.Now().UnixNano()) }

// finish is called when both directions are done: it waits, by the rule
// of -idle, until the kernel has sent the client what the lb wrote to it.
// The kernel takes up to 4 MiB at once (Linux), and after the close it
// would deliver that at the client's pace, however slow, for as long as it
// takes; a client that takes nothing for -idle is cut off (where the
// system tells, see tcpserver.AwaitSent).
func (p *pair) finish() {
	_ = tcpserver.AwaitSent(p.client.c, p.client.written, p.idle) // NOTE: cut off or sent: the client is closed next either way.
}

// other returns the other side of the pair.
func (p *pair) other(x *side) *side {
	if x == &p.client {
		return &p.backend
	}
	return &p.client
}

// Read reads from the side's connection. A read deadline that passes while
// the pair was not idle is moved on.
func (x *side) Read(b []byte) (int, error) {
	for {
		n, err := x.c.Read(b)
		if n > 0 {
			x.p.touch()
		}
		if err == nil || !x.p.alive(err, x.c.SetReadDeadline) {
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// Write writes all of b. A write deadline that passes while bytes were
// still moving (this write's, or the other direction's) is moved on: a
// slow reader is served as long as it reads.
func (x *side) Write(b []byte) (int, error) {
	written := 0
	for {
		n, err := x.c.Write(b[written:])
		written += n
		if err != nil && n > 0 {
			x.p.touch()
		}
		if err != nil && !x.p.alive(err, x.c.SetWriteDeadline) {
			x.broken = true
		} else if err != nil {
			continue
		}
		x.written += int64(written)
		return written, err
	}
}

// alive reports whether err is a deadline that passed while the pair was
// not idle, and if so sets the next one (with set) at the last time a byte
// moved plus -idle. Once the backend has ended, nothing is extended.
func (p *pair) alive(err error, set func(time.Time) error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) || p.answered.Load() {
		return false
	}
	next := time.Unix(0, p.last.Load()).Add(p.idle)
	return next.After(time.Now()) && set(next) == nil
}
