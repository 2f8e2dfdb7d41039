// Command async_server ports async_server.py: an HTTP/1.0 server whose every
// handler runs on one goroutine, the loop, as the Python's ran on one thread
// in asyncore.loop().
//
// This file follows async_server.py, class by class. What Go needs in place
// of asyncore (the loop, and goroutines for the blocking calls) is in
// asyncore.go; -trace, the loop's events as the Python's callbacks, in
// trace.go.
//
// Usage: async_server [-root DIR] [-bind HOST] [-timeout D] [-send-timeout D] [-min-rate N] [-rate-grace D] [-max-conns N] [-trace] [-procs N] [-cpuprofile FILE] [port]
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"runtime"

	"progjar/httpserver"
	"progjar/internal/tcpserver"
)

// client mirrors class ProcessTheClient in async_server.py: the loop's
// record of one connection. Only the loop touches it.
type client struct {
	s    *server
	conn net.Conn
	// Fix (global-rcv): one per connection; the Python shared one global
	// rcv among all its connections.
	rcv   httpserver.Request
	reply chan action // the loop's answer to each read (see serve)
}

// handleRead mirrors ProcessTheClient.handle_read: add what arrived to the
// connection's request and, once it is whole, answer it. It runs on the
// loop; what it returns is done by the connection's goroutine.
//
// Fix (close-every-read): the Python closed the connection at the end of
// every handle_read, whether it had answered or not: a request that took two
// reads got no answer, and its start stayed in the global rcv for the next
// client. Here a connection stays open until its request is whole (or its
// time is up).
func (c *client) handleRead(data []byte, err error) action {
	// Fix (global-rcv): c.rcv is this connection's own; the Python added
	// every connection's bytes to one global rcv. Fix (utf8): the bytes are
	// added as they are; the Python decoded each read first, and bytes that
	// are not UTF-8 raised UnicodeDecodeError: no answer. Fix (crlf-end):
	// Add finds the blank line that ends the head, then counts the body;
	// the Python took "rcv ends in CRLF" for a whole request. Fix (bare-lf):
	// a blank line ends the head with LF line ends too (request.go).
	done, bad := c.rcv.Add(data)
	if !done && bad == nil && errors.Is(err, io.EOF) {
		bad = c.rcv.End() // the client ended its sending: a body cut short gets 400
	}
	switch {
	case bad != nil:
		return action{send: c.s.http.Reject(bad), linger: true}
	case done:
		// Fix (extra-crlf): the Python appended "\r\n\r\n" after the body,
		// four bytes that Content-Length did not count. The response is sent
		// as is. Fix (send-64k): and all of it, before the close (serve, in
		// asyncore.go); the Python's send took 64 KiB, and its close dropped
		// the rest.
		return action{send: c.s.http.Process(c.rcv.Head()), linger: c.rcv.Unread()}
	case errors.Is(err, tcpserver.ErrShed) && c.rcv.Begun():
		return action{send: httpserver.Busy, shed: true} // a full server: 503
	case err != nil: // gone, timed out or shed before the request was whole
		if !tcpserver.Quiet(err) {
			c.s.log.Printf("%s: %v", c.conn.RemoteAddr(), err)
		}
		return action{}
	}
	return action{more: true, body: c.rcv.InBody()}
}

// server mirrors class Server in async_server.py, and holds what the
// module kept in globals: httpserver = HttpServer().
type server struct {
	http   *httpserver.Server
	log    *tcpserver.Log
	pace   tcpserver.Pace // -timeout, -min-rate: see serve
	events chan event     // every goroutine reports here; only the loop receives
	trace  bool           // -trace: see trace.go
}

// handleAccept mirrors Server.handle_accept: log the client and make its
// ProcessTheClient, whose goroutine then reads (see serve).
//
// Fix (emfile): the accept itself is tcpserver.Accept's (asyncore.go): out
// of file descriptors, it pauses and tries again, where the Python's accept
// raised and its handle_error closed the listening socket for good; and
// -max-conns keeps descriptors free.
func (s *server) handleAccept(conn net.Conn) *client {
	s.log.Printf("connection from %s", conn.RemoteAddr())
	c := &client{s: s, conn: conn, reply: make(chan action, 1)}
	go c.serve(s.events, s.pace)
	return c
}

// run mirrors main() in async_server.py: read the port (default 8887), make
// the Server (Server.__init__: listen, and log the port), run the loop.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	fs := flag.NewFlagSet("async_server", flag.ContinueOnError)
	common := tcpserver.AddFlags(fs)
	root := fs.String("root", ".", "document root: the directory whose files are served")
	// Fix (no-timeout): asyncore.loop() waited for every client, however
	// slow, for ever; here -timeout, -send-timeout and -min-rate (see serve).
	pace := tcpserver.AddPaceFlags(fs)
	// Fix (port-arg): the Python fell back to port 8887, silently, when its
	// argument was not a number; here that is an error.
	port, err := tcpserver.ParseArgs(fs, args, stderr, 8887)
	if err != nil {
		return err
	}
	hs, err := httpserver.New(*root)
	if err != nil {
		return err
	}
	defer hs.Close()
	ln, logger, done, err := common.Start(port, stderr)
	if err != nil {
		return err
	}
	defer done()
	logger.Printf("running on port %d, serving %s, -max-conns %d, GOMAXPROCS=%d", ln.Addr().(*net.TCPAddr).Port, hs.Root(), common.MaxConns(), runtime.GOMAXPROCS(0))
	s := &server{http: hs, log: logger, pace: *pace, events: make(chan event, 128), trace: common.Trace()}
	go s.accept(ln)
	if ready != nil {
		ready(ln.Addr())
	}
	return s.loop(ctx, ln) // asyncore.loop()
}

func main() { tcpserver.Main("async_server", run) }
