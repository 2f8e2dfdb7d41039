package main

// This file adds -trace, which the Python did not have: each client's
// thread (a goroutine here), numbered, shown as it starts, reads, answers
// and ends, with how many are alive at once. Under ab -c 10, ten run side
// by side: the thread model at work. Without -trace, handle checks only
// the flag.

import (
	"errors"
	"io"
	"net"

	"progjar/httpserver"
	"progjar/internal/tcpserver"
)

// thread is what -trace knows of one ProcessTheClient.
type thread struct {
	s    *server
	id   int64
	addr net.Addr
}

// traceStart: Server.run accepted conn and started its ProcessTheClient
// (clt.start()).
func (s *server) traceStart(conn net.Conn) *thread {
	t := &thread{s: s, id: s.threads.Add(1), addr: conn.RemoteAddr()}
	s.log.Tracef("ProcessTheClient-%d %s: starts (clt.start()); threads alive: %d", t.id, t.addr, s.clients.Len())
	return t
}

// read: run's recv took n bytes, or ended with err.
func (t *thread) read(n int, err error, done bool, bad error, rcv *httpserver.Request) {
	what := "the request is not whole yet"
	switch {
	case bad != nil:
		what = "a bad request: " + bad.Error()
	case done:
		what = "the request is whole"
	case rcv.InBody():
		what = "its body is coming"
	case errors.Is(err, io.EOF):
		what = "the client left"
	case errors.Is(err, tcpserver.ErrShed):
		what = "the server is full: shed"
	case err != nil:
		what = err.Error()
	}
	t.s.log.Tracef("ProcessTheClient-%d %s: recv %d bytes, %s", t.id, t.addr, n, what)
}

// send: run's sendall sent the answer (code, size bytes), or failed.
func (t *thread) send(code int, size int64, err error) {
	if err != nil {
		t.s.log.Tracef("ProcessTheClient-%d %s: sendall %d %s, %d bytes: cut off: %v", t.id, t.addr, code, httpserver.StatusText(code), size, err)
		return
	}
	t.s.log.Tracef("ProcessTheClient-%d %s: sendall %d %s, %d bytes", t.id, t.addr, code, httpserver.StatusText(code), size)
}

// end: run returns, and the thread ends (the Python's never did).
func (t *thread) end() {
	t.s.log.Tracef("ProcessTheClient-%d %s: ends; threads alive: %d", t.id, t.addr, t.s.clients.Len()-1)
}
