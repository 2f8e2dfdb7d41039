package main

// This file adds -trace, which the Python did not have: a line for each
// event the loop handles, named for the callback of async_server.py (or
// of asyncore) that would have run. The lines are written by the loop, in
// the order it handles the events, so that two clients' lines interleave
// as the loop takes turns with them. Without -trace, the loop only checks
// the flag.

import (
	"bytes"
	"errors"
	"io"

	"progjar/httpserver"
	"progjar/internal/tcpserver"
)

// traceAccept: Server.handle_accept has made c's ProcessTheClient; open is
// how many clients the loop now holds.
func (s *server) traceAccept(c *client, open int) {
	s.log.Tracef("Server.handle_accept %s (the loop holds %d)", c.conn.RemoteAddr(), open)
}

// traceRead: ProcessTheClient.handle_read took n bytes (or the error that
// ended the reads) and decided a.
func (s *server) traceRead(c *client, n int, err error, a action) {
	what := ""
	switch {
	case a.more && a.body:
		what = "its body is coming"
	case a.more:
		what = "the request is not whole yet"
	case a.shed:
		what = "the server is full: shed, 503"
	case a.send.Code != 0 && a.send.Code < 400:
		line, _, _ := bytes.Cut(c.rcv.Head(), []byte("\n"))
		what = "the request is whole: " + string(bytes.TrimSpace(line[:min(len(line), 48)]))
	case a.send.Code != 0:
		what = "a bad request: " + httpserver.StatusText(a.send.Code)
	case errors.Is(err, io.EOF):
		s.log.Tracef("ProcessTheClient.handle_close %s: the client left before its request was whole", c.conn.RemoteAddr())
		return
	case errors.Is(err, tcpserver.ErrShed):
		what = "the server is full: shed"
	default:
		what = err.Error()
	}
	s.log.Tracef("ProcessTheClient.handle_read %s: %d bytes, %s", c.conn.RemoteAddr(), n, what)
}

// traceClose: the connection's goroutine has sent its answer (if any) and
// closed it, as handle_read's send and close did; open clients remain.
func (s *server) traceClose(ev event, open int) {
	addr := ev.client.conn.RemoteAddr()
	switch {
	case ev.code != 0 && ev.err != nil:
		s.log.Tracef("ProcessTheClient.send %s: %d %s, %d bytes: cut off: %v", addr, ev.code, httpserver.StatusText(ev.code), ev.sent, ev.err)
	case ev.code != 0:
		s.log.Tracef("ProcessTheClient.send %s: %d %s, %d bytes", addr, ev.code, httpserver.StatusText(ev.code), ev.sent)
	}
	s.log.Tracef("ProcessTheClient.close %s (the loop holds %d)", addr, open)
}
