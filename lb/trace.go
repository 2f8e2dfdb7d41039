package main

// This file adds -trace, which lb.py did not have: a line for each event,
// named for the callback of lb.py that would have run. lb.py's one loop
// called handle_read for whichever socket had bytes, a client's or a
// backend's; here each direction of a pair is a goroutine, and the lines
// show the bytes of a request and of its answer arriving in pieces, each
// passed on as it came. Without -trace, only the flag is checked.

import (
	"errors"
	"net"

	"progjar/internal/tcpserver"
)

// traceAccept: Server.handle_accept took a client, and getserver its turn.
func (s *server) traceAccept(client net.Conn, order []*backend) {
	s.log.Tracef("Server.handle_accept %s: getserver gives %s", client.RemoteAddr(), order[0].addr)
}

// traceRead: a handle_read passed n bytes on, from x's side to the other.
func (p *pair) traceRead(x *side, n int) {
	client := p.client.c.RemoteAddr()
	if x == &p.client {
		p.log.Tracef("ProcessTheClient.handle_read %s: %d bytes from the client, to the backend", client, n)
		return
	}
	p.log.Tracef("Backend.handle_read %s: %d bytes from the backend, to the client", client, n)
}

// traceEnd: the side that writes to dst has ended (err nil), or failed.
func (p *pair) traceEnd(dst *side, err error) {
	client := p.client.c.RemoteAddr()
	who, to := "Backend.handle_close", "the backend has ended its answer; the client is told (half-close)"
	if dst == &p.backend {
		who, to = "ProcessTheClient.handle_close", "the client has ended its sending; the backend is told (half-close)"
	}
	switch {
	case err == nil && p.ended.Load():
		to = to[:len(to)-len(" (half-close)")] + ": both directions have ended"
	case errors.Is(err, tcpserver.ErrShed):
		to = "the lb is full: the client is shed"
	case err != nil:
		to = err.Error()
	}
	p.log.Tracef("%s %s: %s", who, client, to)
}

// traceClose: both connections of the pair are closed, as Backend's and
// ProcessTheClient's handle_close closed theirs.
func (p *pair) traceClose() {
	p.log.Tracef("ProcessTheClient.close %s, Backend.close %s", p.client.c.RemoteAddr(), p.backend.c.RemoteAddr())
}
