package main

// This file adds the pace that the lb holds a client's answer to.
//
// Fix (no-timeout): lb.py passed on what the backend sent at the client's
// pace, however slow, and so did the lb once, under -idle alone: a client
// that read a few bytes a second kept its pair, and once its backend had
// cut the lb off, the kernel went on holding megabytes for it. Here, as the servers do for their own
// clients, the answer may not stand still for -idle, and once -rate-grace
// has passed it must move -min-rate bytes a second (tcpserver.Sender); a
// client that does not keep that is cut off with a reset, and so is one
// whose pair ends for another reason (see end).
//
// A full lb (-max-conns) sheds at once, as the servers do, the clients that
// are behind: one that does not take its answer (tcpserver.Sender), and one
// that is still sending its request slowly, which the lb tells from one
// that waits for its answer by what moves: its backend has said nothing
// yet, and the client, which had sent some of its request already, has
// sent less than -min-rate bytes a second over the last half second, but
// not nothing. A client that waits for its answer sends nothing, and so does
// one that has not begun; one that sends its request late sends it at
// once. -idle and the backend's -timeout cut the first two.

import (
	"sync/atomic"
	"time"

	"progjar/internal/tcpserver"
)

// send writes b, what the backend sent, to the client as its answer.
func (p *pair) send(b []byte) (int, error) {
	p.writing.Store(true)
	n, err := p.answer.Write(b)
	p.writing.Store(false)
	if err != nil {
		p.client.broken = true
	}
	return n, err
}

// ask is what a full lb looks at in what a client sends: its request.
type ask struct {
	said   atomic.Bool // the backend has sent something
	born   time.Time   // when the pair was made
	asked  int64       // bytes the client has sent; only the client's reader touches this and below
	mark   time.Time   // when the lb last looked, while full
	marked int64       // asked then
	looked bool        // the lb was full at its last look
}

// count counts n bytes that x, a side of the pair, read.
func (p *pair) count(x *side, n int) {
	switch {
	case x.paced:
		p.asked += int64(n)
	case !p.said.Load():
		p.said.Store(true)
	}
}

// asking reports, when the lb is full, whether the client is to be shed:
// it is still sending its request slowly (see the top of this file), or,
// while the queue stands still, it has sent nothing, nor its backend, for
// tcpserver.SilentAfter (silent), as the servers shed theirs. A request has
// tcpserver.HeadAfter from the pair's start, as a server's head has: one in
// two parts a second apart is in time. It looks at most every
// tcpserver.ShedAfter for a request; its first look after the lb became
// full only starts the count.
func (p *pair) asking() (shed, silent bool) {
	now := time.Now()
	full := tcpserver.Full(p.client.c) && !p.said.Load()
	switch {
	case !full:
		p.looked = false
		return false, false
	case p.asked == 0 && tcpserver.Stuck(p.client.c) && now.Sub(p.born) >= tcpserver.SilentAfter:
		return true, true
	case !p.looked:
		p.looked, p.mark, p.marked = true, now, p.asked
		return false, false
	}
	elapsed := now.Sub(p.mark)
	if elapsed < tcpserver.ShedAfter || now.Sub(p.born) < tcpserver.HeadAfter {
		return false, false
	}
	before, sent := p.marked, p.asked-p.marked
	p.mark, p.marked = now, p.asked
	return before > 0 && sent > 0 && float64(sent) < float64(p.answer.MinRate())*elapsed.Seconds(), false
}
