package main

// This file adds what the Python got from asyncore: asyncore.loop() waited
// for sockets to become ready and called handle_accept or handle_read for
// each, on one thread. Go has no such call. Its sockets block, so small
// goroutines do the blocking calls (one accepts, one per connection reads
// and writes) and report to the loop through one channel; the loop runs the
// handlers. It owns every connection's state, which nothing else touches,
// so that state needs no lock.

import (
	"context"
	"net"
	"time"

	"progjar/httpserver"
	"progjar/internal/tcpserver"
)

// event is one thing that happened, for the loop to handle.
type event struct {
	conn   net.Conn // accepted: a new connection (handle_accept)
	client *client  // which connection the rest is about
	data   []byte   // read: bytes received (handle_read); valid until the loop answers
	err    error    // read: why reading stopped; accept: why accepting stopped; closed: why sending stopped
	closed bool     // the connection's goroutine has finished
	code   int      // closed: the status it sent (0: none)
	sent   int64    // closed: the answer's size, in bytes
}

// action is what the loop tells a connection's goroutine after a read.
type action struct {
	more   bool              // keep reading
	body   bool              // and the head is in: the body's pace applies (tcpserver.Reader)
	send   httpserver.Answer // otherwise: send this (if any: Code is not 0), then close
	linger bool              // the client may still be sending: see tcpserver.WriteAndClose
	shed   bool              // a full server shed the client: send at once or reset (tcpserver.Refuse)
}

// loop mirrors asyncore.loop(): it handles what the accept goroutine and the
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
				if s.trace {
					s.traceAccept(c, len(clients))
				}
			case ev.client == nil: // the accept goroutine ended
				accepting = false
				if stopping != nil {
					acceptErr = ev.err
				}
			case ev.closed:
				delete(clients, ev.client)
				if s.trace {
					s.traceClose(ev, len(clients))
				}
			default:
				a := ev.client.handleRead(ev.data, ev.err)
				if s.trace {
					s.traceRead(ev.client, len(ev.data), ev.err, a)
				}
				ev.client.reply <- a
			}
		}
	}
	return acceptErr
}

// accept mirrors what asyncore.loop() did for the listening socket: it is
// the goroutine that waits for connections, as select() did, and it
// reports each new connection to the loop, and the end of accepting.
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

// serve mirrors what asyncore.loop() did for a connection's socket: it is
// the connection's goroutine, as select(), recv and send were, and it
// reads, hands each piece to the loop and does what the loop answers. It
// owns no request state. It sends the answer too, file and all: the loop
// never waits for the disk.
func (c *client) serve(events chan<- event, pace tcpserver.Pace) {
	closed := event{client: c, closed: true} // what the loop is told at the end
	defer func() { events <- closed }()
	// Fix (no-timeout): the Python never timed a client out, so one that
	// sent nothing, or a byte now and then, kept its connection forever.
	// Here the head must be in within -timeout of the connect, however it
	// trickles; then a body, and the answer, must keep the pace
	// (tcpserver.Pace).
	rd := pace.NewReader(c.conn)
	buf := make([]byte, 1024) // recv(1024), as in the Python
	for {
		n, err := rd.Read(buf)
		events <- event{client: c, data: buf[:n], err: err}
		a := <-c.reply // the loop is done with buf once it answers
		switch {
		case a.more:
			if a.body {
				rd.Body()
			}
			continue
		case a.send.Code == 0:
			c.conn.Close() // NOTE: gone or cut off: nothing to tell.
			return
		}
		reply := c.s.http.Open(a.send)
		closed.code, closed.sent = a.send.Code, reply.Len()
		if a.shed {
			closed.err = tcpserver.Refuse(c.conn, reply.Bufs) // a shed client gets its 503, or a reset
			return
		}
		// Fix (send-64k): the Python's send (dispatcher_with_send) sent at
		// most 64 KiB and kept the rest for later, and its close() right
		// after dropped it: every answer over 64 KiB was cut. Here all of it
		// is written, then the connection is closed. (A failed write means
		// the client left or was cut off: nobody is left to tell.)
		closed.err = tcpserver.WriteAndClose(c.conn, reply.Bufs, reply.File, reply.Size, a.linger, pace)
		reply.Close()
		return
	}
}
