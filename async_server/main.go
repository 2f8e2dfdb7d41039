// Command async_server ports async_server.py: an HTTP/1.0 server whose every
// handler runs on one goroutine, the loop, as the Python's ran on one thread
// in asyncore.loop().
//
// asyncore waited for sockets to become readable and called handle_accept or
// handle_read for each. Go has no such call; the loop gets the same events
// from channels instead. Small goroutines do only the blocking work (one
// accepts, one per connection reads and writes) and report to the loop,
// which owns every connection's state, parses, and decides what to send.
// That state is touched by the loop alone, so it needs no lock. The one
// lock this program takes is httpserver's, around its copies of the files,
// which server_thread_http's goroutines read at the same time; here only
// the loop takes it.
//
// Usage: async_server [-root DIR] [-bind HOST] [-timeout D] [-procs N] [-cpuprofile FILE] [port]
package main

import (
	"context"
	"flag"
	"io"
	"net"
	"runtime"
	"time"

	"progjar/httpserver"
	"progjar/internal/tcpserver"
)

func main() { tcpserver.Main("async_server", run) }

// run mirrors main() in async_server.py: read the port (default 8887),
// start the Server, run the loop.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	fs := flag.NewFlagSet("async_server", flag.ContinueOnError)
	// asyncore ran everything on one thread, and by default so does this
	// program's Go code. It is also the cheaper choice: 30.5 us of CPU per
	// request against 49 with one thread per core (ab -n 20000 -c 50, the
	// medians of 3 rounds of ./run_all.sh compare on 2 cores: RESULTS.md).
	common := tcpserver.AddFlags(fs, 1)
	root := fs.String("root", ".", "document root: the directory whose files are served")
	timeout := fs.Duration("timeout", 10*time.Second, "time a client has to send its request's head, counted from its connect; then the longest a body or the answer may stand still")
	port, err := tcpserver.ParseArgs(fs, args, stderr, 8887)
	if err != nil {
		return err
	}
	hs, err := httpserver.New(*root)
	if err != nil {
		return err
	}
	ln, logger, done, err := common.Start(port, stderr)
	if err != nil {
		return err
	}
	defer done()
	logger.Printf("running on port %d, serving %s, GOMAXPROCS=%d", ln.Addr().(*net.TCPAddr).Port, hs.Root(), runtime.GOMAXPROCS(0))
	s := &server{http: hs, log: logger, timeout: *timeout, events: make(chan event, 128)}
	go s.accept(ln)
	if ready != nil {
		ready(ln.Addr())
	}
	return s.loop(ctx, ln)
}

// server mirrors class Server in async_server.py, with the loop that
// asyncore.loop() was.
type server struct {
	http    *httpserver.Server
	log     *tcpserver.Log
	timeout time.Duration
	events  chan event // every goroutine reports here; only the loop receives
}

// event is one thing that happened, for the loop to handle.
type event struct {
	conn   net.Conn // accepted: a new connection (handle_accept)
	client *client  // which connection the rest is about
	data   []byte   // read: bytes received (handle_read); valid until the loop answers
	err    error    // read: why reading stopped; accept: why accepting stopped
	closed bool     // the connection's goroutine has finished
}

// client mirrors ProcessTheClient in async_server.py: the loop's record of
// one connection. Only the loop touches rcv.
type client struct {
	conn  net.Conn
	rcv   httpserver.Request // Fix: one per connection; the Python shared one global rcv among all
	reply chan action        // the loop's answer to each read event
}

// action is what the loop tells a connection's goroutine after a read.
type action struct {
	more   bool        // keep reading
	extend bool        // and give the client another timeout: its body is arriving
	send   net.Buffers // otherwise: write this (if any), then close
	linger bool        // the client may still be sending: see tcpserver.WriteAndClose
}

// loop is asyncore.loop(): it handles what the accept goroutine and the
// connections' goroutines report, until ctx is done and every connection
// has finished (or was cut off Grace after ctx ended). It returns an error
// only if accepting failed for another reason than the stop.
func (s *server) loop(ctx context.Context, ln net.Listener) error {
	var acceptErr error
	clients := make(map[*client]bool)
	accepting := true
	stopping := ctx.Done()
	var cutoff <-chan time.Time
	for accepting || len(clients) > 0 {
		select {
		case <-stopping:
			stopping = nil
			ln.Close() // NOTE: the accept goroutine reports how it ended.
			cutoff = time.After(tcpserver.Grace)
		case <-cutoff:
			for c := range clients {
				c.conn.Close() // its goroutine then reports closed
			}
		case ev := <-s.events:
			switch {
			case ev.conn != nil:
				c := s.handleAccept(ev.conn)
				clients[c] = true
			case ev.client == nil: // the accept goroutine ended
				accepting = false
				if stopping != nil {
					acceptErr = ev.err
				}
			case ev.closed:
				delete(clients, ev.client)
			default:
				ev.client.reply <- s.handleRead(ev.client, ev.data, ev.err)
			}
		}
	}
	return acceptErr
}

// handleAccept mirrors Server.handle_accept: log the client and make its
// ProcessTheClient.
func (s *server) handleAccept(conn net.Conn) *client {
	s.log.Printf("connection from %s", conn.RemoteAddr())
	c := &client{conn: conn, reply: make(chan action, 1)}
	go c.serve(s.events, s.timeout)
	return c
}

// handleRead mirrors ProcessTheClient.handle_read: add what arrived to the
// connection's request and, once it is whole, answer it.
//
// Fix: the Python closed the connection at the end of every handle_read,
// whether it had answered or not: a request that took two reads got no
// answer, and its start stayed in the global rcv for the next client. Here
// a connection stays open until its request is whole (or its time is up).
func (s *server) handleRead(c *client, data []byte, err error) action {
	done, bad := c.rcv.Add(data)
	switch {
	case bad != nil:
		return action{send: s.http.Reject(bad), linger: true}
	case done:
		// Fix: the Python appended "\r\n\r\n" after the body, four bytes
		// that Content-Length did not count. The response is sent as is.
		return action{send: s.http.Process(c.rcv.Head()), linger: c.rcv.Unread()}
	case err != nil: // gone or timed out before the request was whole
		if !tcpserver.Quiet(err) {
			s.log.Printf("%s: %v", c.conn.RemoteAddr(), err)
		}
		return action{}
	}
	return action{more: true, extend: c.rcv.InBody() && len(data) > 0}
}

// accept reports each new connection to the loop, and the end of accepting.
func (s *server) accept(ln net.Listener) {
	for {
		conn, err := tcpserver.Accept(ln, s.log)
		if err != nil {
			s.events <- event{err: err}
			return
		}
		s.events <- event{conn: conn}
	}
}

// serve is the connection's goroutine: it reads, hands each piece to the
// loop and does what the loop answers. It owns no request state.
func (c *client) serve(events chan<- event, timeout time.Duration) {
	defer func() { events <- event{client: c, closed: true} }()
	// Fix: the Python never timed a client out, so one that sent nothing,
	// or a byte now and then, kept its connection forever. Here the head
	// must be in within timeout of the connection's start: the deadline is
	// set once, not moved by each byte. Then a body must keep arriving.
	// NOTE: setting a deadline fails only on a closed connection, and the
	// Read after it says so.
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 1024) // recv(1024), as in the Python
	for {
		n, err := c.conn.Read(buf)
		events <- event{client: c, data: buf[:n], err: err}
		a := <-c.reply // the loop is done with buf once it answers
		if a.more {
			if a.extend {
				_ = c.conn.SetReadDeadline(time.Now().Add(timeout)) // NOTE: as above.
			}
			continue
		}
		// NOTE: a failed write means the client left; nobody is left to tell.
		_ = tcpserver.WriteAndClose(c.conn, a.send, a.linger, timeout)
		return
	}
}
