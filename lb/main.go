// Command lb ports lb.py: a TCP load balancer that joins each client
// connection to a new connection to the next backend in turn (round robin)
// and copies bytes both ways until both sides are done.
//
// This file follows lb.py, class by class. What the Python lacked sits in
// files named for it: health.go (backends that fail), idle.go (-idle),
// pace.go (the pace of a client's answer; a full lb), drain.go (an answer
// sent early), flags.go (the command line) and trace.go (-trace); the cap
// on clients served at once, -max-conns, is tcpserver's (limits.go).
//
// Usage: lb [-backends host:port,...] [-bind HOST] [-dial-timeout D] [-idle D] [-send-timeout D] [-min-rate N] [-rate-grace D] [-retry D] [-max-conns N] [-trace] [-procs N] [-cpuprofile FILE] [port]
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"progjar/internal/tcpserver"
)

// defaultBackends is the list in BackendList.__init__ in lb.py.
const defaultBackends = "127.0.0.1:9002,127.0.0.1:9003,127.0.0.1:9004,127.0.0.1:9005"

// BackendList mirrors class BackendList in lb.py.
type BackendList struct {
	servers []*backend
	current atomic.Uint64 // the next turn; atomic, as every client's goroutine takes turns
}

// backend is one (host, port) of the list, with what the lb has seen of it
// (see health.go).
type backend struct {
	addr string         // as given
	ip   netip.AddrPort // its address, looked up once at the start
	health
}

// NewBackendList mirrors BackendList.__init__, from "host:port,host:port,...".
// Differs (resolve-once): a host name is looked up once, here, as nginx
// does for its upstreams; lb.py connected by (host, port) for every client.
func NewBackendList(list string) (*BackendList, error) {
	b := &BackendList{}
	for _, addr := range strings.Split(list, ",") {
		addr = strings.TrimSpace(addr)
		host, _, err := net.SplitHostPort(addr)
		if err != nil || host == "" {
			return nil, fmt.Errorf("%q is not host:port", addr)
		}
		ta, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", addr, err)
		}
		if ta.Port == 0 {
			return nil, fmt.Errorf("%q is not host:port with a port from 1 to 65535", addr)
		}
		b.servers = append(b.servers, &backend{addr: addr, ip: netip.AddrPortFrom(ta.AddrPort().Addr().Unmap(), ta.AddrPort().Port())})
	}
	return b, nil
}

// GetServer mirrors BackendList.getserver, which returned the one backend
// whose turn it was. It takes the next turn of the round robin and returns
// every backend in the order one client should try them: the turns go
// round the backends that are up, as nginx's do (so a backend that is down
// gives its share to all the others), and the ones marked down come last.
func (b *BackendList) GetServer(now time.Time) []*backend {
	turn := b.current.Add(1) - 1
	order, down := b.upAndDown(now) // see health.go
	if n := uint64(len(order)); n > 1 {
		rotate(order, int(turn%n)) // this turn's backend first
	}
	return append(order, down...)
}

// pair mirrors class Backend and class ProcessTheClient in lb.py
// together: a client joined to its backend. In lb.py each knew the other
// (handler.backend, backend.client_socket); here both directions share one
// pair, and each is read and written through a side (see idle.go).
type pair struct {
	client, backend side // the two sides, in the pair's one allocation
	idle            time.Duration
	log             *tcpserver.Log
	trace           bool             // -trace: see trace.go
	answer          tcpserver.Sender // the client's answer, held to the pace (see pace.go)
	// last is when a byte last moved either way (Unix nanoseconds). Both
	// directions share it: -idle is the time neither moved.
	last     atomic.Int64
	ended    atomic.Bool // one direction has ended: the next to end finishes the pair
	answered atomic.Bool // the backend has said all it will (end of file)
	writing  atomic.Bool // the client's answer is being written (see alive)
	ask                  // what the client has sent, for a full lb (see pace.go)
}

// connect mirrors Backend.__init__ in lb.py, which connected to the
// backend whose turn it was. It connects to the first backend of order
// that accepts, by the address looked up at the start: a string would be
// parsed and resolved again for every client (README says what that saved).
//
// Fix (backend-down): lb.py connected to its choice blindly, and when that
// backend was down the client got nothing. Here the next one is tried, each
// at most once, and a backend that failed is tried last until it accepts
// again (see health.go).
func (s *server) connect(order []*backend) (*net.TCPConn, *backend) {
	for _, b := range order {
		start := time.Now()
		c, err := s.dial.DialTCP(context.Background(), "tcp", netip.AddrPort{}, b.ip)
		if err == nil {
			s.markUp(b, start)
			return c, b
		}
		s.markDown(b, err)
	}
	return nil, nil
}

// fromBackend mirrors Backend.handle_read in lb.py, which sent what the
// backend said to the client, and Backend.handle_close (see end).
//
// Fix (speaks-first): it copies from the pair's start. Backend.handle_read
// sent to self.client_socket, which ProcessTheClient.handle_read set only
// once the client had spoken: a backend that speaks first raised an
// AttributeError, again and again.
func (p *pair) fromBackend() {
	err := p.copy(&p.client, &p.backend)
	if err == nil {
		p.answered.Store(true) // the backend has said all it will
	}
	p.end(&p.client, err)
}

// buffers recycles copy buffers: one allocation less per direction, and
// less work for the garbage collector.
var buffers = sync.Pool{New: func() any { return new([8192]byte) }} // recv(8192), as in lb.py

// copy mirrors Backend.handle_read's send(self.recv(8192)), and
// ProcessTheClient.handle_read's recv and send: it copies from src to dst
// until src ends.
//
// Fix (send-ignored): lb.py ignored how many bytes send took, so what the
// socket did not take at once was lost. Here Write sends it all, or fails.
func (p *pair) copy(dst, src *side) error {
	buf := buffers.Get().(*[8192]byte)
	defer buffers.Put(buf)
	_, err := io.CopyBuffer(dst, src, buf[:])
	return err
}

// end mirrors Backend.handle_close and ProcessTheClient.handle_close in
// lb.py, for the side whose sender is done: err is nil when it ended (end
// of file), or why the copy failed.
//
// Fix (half-close): lb.py closed the client as soon as the backend closed,
// and never told the backend when the client closed. Here each end is
// passed on to the other side (half-close), and the pair ends when both
// have.
func (p *pair) end(dst *side, err error) {
	if p.trace {
		p.traceEnd(dst, err)
	}
	if err == nil {
		if p.ended.Swap(true) {
			return // the other direction has ended too: the pair is done
		}
		if err = dst.c.CloseWrite(); err == nil {
			if dst == &p.client {
				p.linger()
			}
			return
		}
	}
	if !tcpserver.Quiet(err) {
		p.log.Printf("%s -> %s: %v", p.other(dst).c.RemoteAddr(), dst.c.RemoteAddr(), err)
	}
	if errors.Is(err, tcpserver.ErrShed) && dst == &p.backend && p.head.ended {
		p.refuse() // a full lb: 503, as a server would say it (see pace.go)
		return
	}
	if p.refused.Load() {
		return // the client is told (refuse)
	}
	// NOTE: closing only to stop both directions. Once the backend has
	// said all it will, the client is left to finish, which closes it.
	p.backend.c.Close()
	if !p.answered.Load() {
		// Fix (orphan): lb.py closed the client with a plain close, and the
		// kernel went on, for minutes, trying to deliver what it held for a
		// client that no program held any more. A client the lb gives up on,
		// or whose backend cut it, is reset.
		_ = p.client.c.SetLinger(0) // NOTE: then the close sends an end of file; the client is cut either way.
		p.client.c.Close()
	}
}

// fromClient mirrors class ProcessTheClient in lb.py: its handle_read sent
// what the client said to the backend, and its handle_close (see end)
// closed the client.
//
// Fix (speaks-first): it copies from the pair's start, and it is not what
// tells the other direction where to send (handle_read's client_socket).
// Fix (half-close): the client's end is passed on to the backend (end),
// where handle_close closed the client alone and never told the backend.
func (p *pair) fromClient() {
	err := p.copy(&p.backend, &p.client)
	if p.backend.broken { // the backend has closed, most often after answering
		p.keepAnswer()
		return
	}
	p.end(&p.backend, err)
}

// server mirrors class Server in lb.py.
type server struct {
	backends *BackendList
	log      *tcpserver.Log
	dial     net.Dialer // without TCP keepalive: it would cost four setsockopt calls per connection
	idle     time.Duration
	pace     tcpserver.Pace // a client's answer: -idle, -min-rate, -rate-grace (see pace.go)
	retry    time.Duration
	clients  tcpserver.Conns // the clients being served, so that a stop can wait for them
	trace    bool            // -trace: see trace.go
}

// handleAccept mirrors Server.handle_accept, which asyncore called for
// each new client: accept it, take the next backend's turn (getserver),
// and start the goroutine that connects to the backend and joins the two.
// It returns when the listener is closed.
//
// In lb.py the connect did not wait (asyncore's sockets never block). In Go
// it does, so it runs in the client's goroutine: a slow backend must not
// hold up the clients behind it.
func (s *server) handleAccept(ln net.Listener) error {
	for {
		// At most -max-conns clients at once: Accept waits for one to leave.
		client, err := tcpserver.Accept(ln, s.log) // retries, with a pause, when out of file descriptors
		if err != nil {
			return err
		}
		order := s.backends.GetServer(time.Now())
		if s.trace {
			s.traceAccept(client, order)
		}
		s.clients.Add(client)
		go s.forward(client.(tcpConn), order)
	}
}

// forward mirrors the rest of Server.handle_accept, for one client:
// connect to the backend (Backend(bs)), log the pair as lb.py did, and
// join the two: each way's copy is a goroutine (Backend and
// ProcessTheClient).
func (s *server) forward(client tcpConn, order []*backend) {
	defer s.clients.Remove(client)
	defer client.Close() // NOTE: the pair is finished either way.
	be, b := s.connect(order)
	if be == nil {
		s.noBackend(client)
		return
	}
	defer be.Close()
	// Fix (log-first): lb.py logged "diteruskan ke" before it connected,
	// for a dead backend too. Here the line names the backend that took
	// the client, once connected.
	s.log.Printf("koneksi dari %s diteruskan ke %s", client.RemoteAddr(), b.addr)
	p := s.newPair(client, be)
	if p.trace {
		defer p.traceClose()
	}
	// Fix (speaks-first): lb.py knew where a backend's bytes went only once
	// the client had spoken. Here both directions are copied from the start.
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.fromClient()
	}()
	p.fromBackend()
	<-done
	p.finish()
}

// run mirrors main() in lb.py: read the port (default 44444), make the
// Server (Server.__init__: listen, the BackendList, log the port) and serve
// until ctx is done.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	// Fix (port-arg): a port that is not a number is an error (flags.go),
	// where lb.py fell back to 44444 without a word.
	cfg, err := parseArgs(args, stderr) // sys.argv[1], and the flags: see flags.go
	if err != nil {
		return err
	}
	ln, logger, done, err := cfg.common.Start(cfg.port, stderr)
	if err != nil {
		return err
	}
	defer done()
	logger.Printf("load balancer running on port %d, backends %s, -max-conns %d, GOMAXPROCS=%d", ln.Addr().(*net.TCPAddr).Port, cfg.list, cfg.common.MaxConns(), runtime.GOMAXPROCS(0))
	// The receive buffer of each connection to a backend is capped: what a
	// backend may push ahead of a client that reads slowly (see
	// tcpserver.BackendBuffer). Fix (no-timeout): asyncore.loop() kept a
	// pair for as long as neither side closed; here -idle, and the pace of
	// a client's answer (idle.go, pace.go).
	s := &server{backends: cfg.backends, log: logger, dial: net.Dialer{Timeout: cfg.dialTimeout, KeepAlive: -1, Control: tcpserver.CapReceiveBuffer},
		idle: cfg.idle, pace: cfg.pace, retry: cfg.retry, trace: cfg.common.Trace()}
	stopWatch := s.startWatch(ctx)
	defer context.AfterFunc(ctx, func() { ln.Close() })() // NOTE: the stop; Accept then returns net.ErrClosed.
	if ready != nil {
		ready(ln.Addr())
	}
	err = s.handleAccept(ln) // asyncore.loop()
	s.clients.Wait(tcpserver.Grace)
	stopWatch()
	if ctx.Err() != nil {
		return nil // stopped, as asked
	}
	return err
}

func main() { tcpserver.Main("lb", run) }
