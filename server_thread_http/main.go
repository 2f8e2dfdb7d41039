// Command server_thread_http ports server_thread_http.py: an HTTP/1.0 server
// that gives each connection a goroutine of its own, as the Python gave each
// a threading.Thread.
//
// The course file listens on 8889; the assignment ran it on 46000, which is
// the default here so that the assignment's ab commands work as written.
// -trace, each client's thread shown as it starts and ends, is in trace.go.
//
// Usage: server_thread_http [-root DIR] [-bind HOST] [-timeout D] [-send-timeout D] [-min-rate N] [-rate-grace D] [-max-conns N] [-v] [-trace] [-procs N] [-cpuprofile FILE] [port]
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"runtime"
	"sync/atomic"

	"progjar/httpserver"
	"progjar/internal/tcpserver"
)

// handle mirrors class ProcessTheClient in server_thread_http.py, whose
// run() read the request, answered it and closed the connection, in a
// thread of its own; here in the goroutine that Server.run starts.
func (s *server) handle(conn net.Conn) {
	defer s.clients.Remove(conn)
	var t *thread // -trace: see trace.go
	if s.trace {
		t = s.traceStart(conn)
		defer t.end()
	}
	// Fix (no-timeout): the Python never timed a client out, so one that
	// sent nothing, or a byte now and then, kept its thread forever. Here
	// the head must be in within -timeout of the connect, however it
	// trickles; then a body, and the answer, must keep the pace
	// (tcpserver.Pace).
	rd := s.pace.NewReader(conn)
	var rcv httpserver.Request
	buf := make([]byte, 1024) // Differs (recv-1024): the Python read 32 bytes at a time
	for {
		n, err := rd.Read(buf)
		// Fix (utf8): the bytes are added as they are; the Python decoded
		// each recv(32) alone, and bytes that are not UTF-8, or a character
		// split between two reads, raised UnicodeDecodeError: no answer.
		// Fix (crlf-end): Add finds the blank line that ends the head, then
		// counts the body; the Python took "rcv ends in CRLF" for a whole
		// request. Fix (bare-lf): a blank line ends the head with LF line
		// ends too (request.go).
		done, bad := rcv.Add(buf[:n])
		if !done && bad == nil && errors.Is(err, io.EOF) {
			bad = rcv.End() // the client ended its sending: a body cut short gets 400
		}
		if t != nil {
			t.read(n, err, done, bad, &rcv)
		}
		var hasil httpserver.Answer
		shed := false
		switch {
		case bad != nil:
			hasil = s.http.Reject(bad)
		case done:
			// Differs (verbose): the Python logged each request and answer
			// whole, always; here only with -v, and only the request's head.
			if s.verbose {
				s.log.Printf("data dari client: %q", rcv.Head())
			}
			// Fix (extra-crlf): the Python appended "\r\n\r\n" after the
			// body, four bytes that Content-Length did not count.
			hasil = s.http.Process(rcv.Head())
		case errors.Is(err, tcpserver.ErrShed) && rcv.Begun():
			hasil, shed = httpserver.Busy, true // a full server: 503
		case err != nil: // gone, timed out or shed before the request was whole
			if !tcpserver.Quiet(err) {
				s.log.Printf("%s: %v", conn.RemoteAddr(), err)
			}
			conn.Close() // NOTE: nothing to do with a close error.
			return
		default:
			if rcv.InBody() {
				rd.Body()
			}
			continue
		}
		reply := s.http.Open(hasil) // the file is looked at here, not in Process
		if s.verbose {
			s.log.Printf("balas ke  client: %s", reply)
		}
		size := reply.Len()
		var sendErr error // a failed write means the client left or was cut off: nobody is left to tell
		if shed {
			sendErr = tcpserver.Refuse(conn, reply.Bufs) // a shed client gets its 503, or a reset
		} else {
			sendErr = tcpserver.WriteAndClose(conn, reply.Bufs, reply.File, reply.Size, rcv.Unread(), s.pace)
		}
		if t != nil {
			t.send(hasil.Code, size, sendErr)
		}
		reply.Close()
		// Fix (thread-spin): the Python kept looping on the closed socket,
		// catching the OSError forever: every finished connection left a
		// thread spinning at full CPU. Returning ends this goroutine.
		return
	}
}

// server mirrors class Server in server_thread_http.py, and holds what the
// module kept in globals: httpserver = HttpServer().
type server struct {
	http    *httpserver.Server
	log     *tcpserver.Log
	pace    tcpserver.Pace // -timeout, -min-rate: see handle
	verbose bool
	trace   bool         // -trace: see trace.go
	threads atomic.Int64 // with -trace, the threads started so far
	// The clients being served, so that a stop can wait for them (the
	// Python's the_clients: see run).
	clients tcpserver.Conns
}

// run mirrors Server.run: accept a connection, log it, and start a
// goroutine for it (clt.start()), until the listener is closed.
func (s *server) run(ln net.Listener) error {
	for {
		// Fix (emfile): out of file descriptors, tcpserver.Accept pauses
		// and tries again, where the Python's accept raised and ended this
		// thread for good; and -max-conns keeps descriptors free.
		conn, err := tcpserver.Accept(ln, s.log)
		if err != nil {
			return err
		}
		s.log.Printf("connection from %s", conn.RemoteAddr())
		// Fix (the-clients): the Python appended every client's thread to
		// the_clients and never took it out. Here a connection leaves the
		// set when it ends (handle's Remove).
		s.clients.Add(conn)
		go s.handle(conn)
	}
}

// run mirrors main() in server_thread_http.py with Server.__init__ and the
// bind and listen of Server.run: open the listening socket, then accept in
// a loop (Server.run, svr.start()) until ctx is done.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	fs := flag.NewFlagSet("server_thread_http", flag.ContinueOnError)
	common := tcpserver.AddFlags(fs)
	root := fs.String("root", ".", "document root: the directory whose files are served")
	pace := tcpserver.AddPaceFlags(fs)
	verbose := fs.Bool("v", false, "log each request's head and each answer (a streamed file's bytes are counted, not logged), as the Python's \"data dari client\" and \"balas ke  client\" lines")
	// Differs (port-46000): the Python listened on 8889, with no argument;
	// the default here is the assignment's 46000, and any port may be given.
	port, err := tcpserver.ParseArgs(fs, args, stderr, 46000)
	if err != nil {
		return err
	}
	hs, err := httpserver.New(*root)
	if err != nil {
		return err
	}
	defer hs.Close()
	ln, logger, done, err := common.Start(port, stderr) // bind and listen
	if err != nil {
		return err
	}
	defer done()
	logger.Printf("running on port %d, serving %s, -max-conns %d, GOMAXPROCS=%d", ln.Addr().(*net.TCPAddr).Port, hs.Root(), common.MaxConns(), runtime.GOMAXPROCS(0))
	s := &server{http: hs, log: logger, pace: *pace, verbose: *verbose, trace: common.Trace()}
	defer context.AfterFunc(ctx, func() { ln.Close() })() // NOTE: the stop; Accept then returns net.ErrClosed.
	if ready != nil {
		ready(ln.Addr())
	}
	err = s.run(ln)
	s.clients.Wait(tcpserver.Grace)
	if ctx.Err() != nil {
		return nil // stopped, as asked
	}
	return err
}

func main() { tcpserver.Main("server_thread_http", run) }
