package main

// This file adds -idle, which lb.py did not have.
//
// Fix (no-timeout): lb.py kept a pair of connections open for as long as
// neither side closed. Here a pair where nothing has moved either way for
// -idle is closed. Each side of a pair is read and written through a side,
// which keeps the pair's last activity and moves the deadlines; so the
// copies in main.go are plain copies.

import (
	"errors"
	"net"
	"os"
	"time"

	"progjar/internal/tcpserver"
)

// side is one connection of a pair, as the copies see it: an io.Reader and
// an io.Writer that count as the pair's activity, and move a deadline that
// passed while the pair was busy. It has no ReadFrom or WriteTo, so that
// io.CopyBuffer goes through Read and Write.
type side struct {
	c      tcpConn
	p      *pair
	paced  bool // the client: what is written to it is its answer (see pace.go)
	broken bool // a write to it failed; only the copy that writes to it looks
}

// tcpConn is a TCP connection: a net.Conn that can end its sending half,
// or be reset.
type tcpConn interface {
	net.Conn
	CloseWrite() error
	SetLinger(sec int) error
}

// newPair joins client and backend. The deadlines of the reads, and of the
// writes to the backend, are set once, here, and moved only when they pass
// while the pair was busy (see alive): so -idle counts the pair, and no
// timer is reset for every read. The client's answer sets its own write
// deadlines, to hold it to the pace (see pace.go).
func (s *server) newPair(client, backend tcpConn) *pair {
	p := &pair{idle: s.idle, log: s.log, trace: s.trace}
	p.client, p.backend = side{c: client, p: p, paced: true}, side{c: backend, p: p}
	p.answer = s.pace.Sender(client, p.touch)
	p.touch()
	now := time.Now()
	p.born = now
	deadline := now.Add(s.idle)
	_ = client.SetReadDeadline(tcpserver.Tick(client, now, deadline)) // NOTE: fails only on a closed connection, which the copy then finds.
	_ = backend.SetDeadline(deadline)
	return p
}

// other returns the other side of the pair.
func (p *pair) other(x *side) *side {
	if x == &p.client {
		return &p.backend
	}
	return &p.client
}

func (p *pair) touch() { p.last.Store(time.Now().UnixNano()) }

// Read reads from the side's connection. A read deadline that passes while
// the pair was not idle is moved on. From the client, what it reads is its
// request, which a full lb may shed (see pace.go).
func (x *side) Read(b []byte) (int, error) {
	for {
		n, err := x.c.Read(b)
		if n > 0 {
			x.p.touch()
			x.p.count(x, b[:n])
			if x.p.trace {
				x.p.traceRead(x, n)
			}
		}
		if x.paced && errors.Is(err, os.ErrDeadlineExceeded) {
			if shed, behind := x.p.asking(); shed {
				return n, tcpserver.Shed(x.c, behind)
			}
		}
		if err == nil || !x.p.alive(err, x, true) {
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// Write writes all of b. To the client, that is its answer, held to the
// pace (see pace.go). To the backend, a write deadline that passes while
// bytes were still moving (this write's, or the other direction's) is
// moved on.
func (x *side) Write(b []byte) (int, error) {
	if x.paced {
		return x.p.send(b)
	}
	written := 0
	for {
		n, err := x.c.Write(b[written:])
		written += n
		if err != nil && n > 0 {
			x.p.touch()
		}
		if err != nil && !x.p.alive(err, x, false) {
			x.broken = true
		} else if err != nil {
			continue
		}
		return written, err
	}
}

// alive reports whether err is a deadline that passed while the pair was
// not idle, and if so sets x's next one, for a read or a write, at the
// last time a byte moved plus -idle (for the client's reads, the next shed
// tick if that is sooner: see pace.go). While the client's answer is being
// written, the pair is not idle: the client is taking it, or not, and the
// answer's pace judges that (-send-timeout). Once the backend has ended,
// nothing is extended.
func (p *pair) alive(err error, x *side, read bool) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) || p.answered.Load() {
		return false
	}
	now := time.Now()
	next := time.Unix(0, p.last.Load()).Add(p.idle)
	if p.writing.Load() {
		next = now.Add(p.idle)
	}
	switch {
	case !next.After(now):
		return false
	case read:
		return x.c.SetReadDeadline(tcpserver.Tick(x.c, now, next)) == nil
	}
	return x.c.SetWriteDeadline(next) == nil
}
