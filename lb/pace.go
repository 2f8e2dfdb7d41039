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
	"bytes"
	"net"
	"sync/atomic"
	"time"

	"progjar/httpserver"
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
	said    atomic.Bool // the backend has sent something
	refused atomic.Bool // the lb has shed the client with a 503 (see refuse)
	born    time.Time   // when the pair was made
	asked   int64       // bytes the client has sent; only the client's reader touches this and below
	head    headScan    // whether they hold the blank line that ends a request's head
	mark    time.Time   // when the lb last looked, while full
	marked  int64       // asked then
	looked  bool        // the lb was full at its last look
}

// count counts b, what x, a side of the pair, read.
func (p *pair) count(x *side, b []byte) {
	switch {
	case x.paced:
		p.asked += int64(len(b))
		if !p.head.ended {
			if p.head.feed(b); p.head.ended {
				p.mark, p.marked = time.Now(), p.asked // the body's pace counts from here
			}
		}
	case !p.said.Load():
		p.said.Store(true)
	}
}

// finish is called when both directions are done: it waits until the
// kernel has sent the client what the lb wrote to it, at the pace (see
// pace.go). The kernel takes up to 4 MiB at once (Linux), and after the
// close it would deliver that at the client's pace, however slow, for as
// long as it takes; a client that does not keep the pace is cut off (where
// the system tells, see tcpserver.Sender.Finish).
func (p *pair) finish() {
	_ = p.answer.Finish() // NOTE: cut off or sent: the client is closed next either way.
}

// headScan finds, in the bytes a client sends, the blank line that ends
// an HTTP request's head (CRLF CRLF, or LF LF): the lb passes bytes and
// parses nothing, but a full lb gives a head time (tcpserver.HeadAfter)
// and holds a body to -min-rate, as the servers do. It looks no further
// than a head's limit.
type headScan struct {
	last  [2]byte // the two bytes before the next
	seen  int
	ended bool
}

func (h *headScan) feed(b []byte) {
	if h.ended || h.seen > httpserver.MaxHeaderBytes {
		return
	}
	h.seen += len(b)
	for i := 0; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			break
		}
		i += j
		before := func(k int) byte { // the byte k before b[i]
			if i-k >= 0 {
				return b[i-k]
			}
			return h.last[2-(k-i)]
		}
		if before(1) == '\n' || before(1) == '\r' && before(2) == '\n' {
			h.ended = true
			return
		}
	}
	switch n := len(b); {
	case n >= 2:
		h.last = [2]byte{b[n-2], b[n-1]}
	case n == 1:
		h.last = [2]byte{h.last[1], b[0]}
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
func (p *pair) asking() (shed bool, behind tcpserver.Behind) {
	now := time.Now()
	full := tcpserver.Full(p.client.c) && !p.said.Load()
	switch {
	case !full:
		p.looked = false
		return false, 0
	case p.asked == 0 && tcpserver.Stuck(p.client.c) && now.Sub(p.born) >= tcpserver.SilentAfter:
		return true, tcpserver.Silent
	case !p.looked:
		p.looked, p.mark, p.marked = true, now, p.asked
		return false, 0
	}
	elapsed := now.Sub(p.mark)
	behind = tcpserver.InBody
	if !p.head.ended {
		behind = tcpserver.InHead
	}
	if elapsed < tcpserver.ShedAfter || behind == tcpserver.InHead && now.Sub(p.born) < tcpserver.HeadAfter {
		return false, 0
	}
	before, sent := p.marked, p.asked-p.marked
	p.mark, p.marked = now, p.asked
	return before > 0 && sent > 0 && float64(sent) < float64(p.answer.MinRate())*elapsed.Seconds(), behind
}

// refuse answers a client that a full lb sheds after its request's head
// came whole, as a server would: 503 with Retry-After, if the kernel takes
// it at once (tcpserver.Refuse), before its backend has said anything.
// The lb speaks no other HTTP of its own.
func (p *pair) refuse() {
	p.refused.Store(true)                                                          // the other direction leaves the client to this
	p.backend.c.Close()                                                            // NOTE: its copy ends; the backend is done with.
	_ = tcpserver.Refuse(p.client.c, net.Buffers{httpserver.BusyHead(time.Now())}) // NOTE: a 503, or a reset: nothing more to do.
}
