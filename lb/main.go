// Command lb ports lb.py: a TCP load balancer that joins each client
// connection to a new connection to the next backend in turn (round robin)
// and copies bytes both ways until both sides are done.
//
// Usage: lb [-backends host:port,...] [-bind HOST] [-dial-timeout D] [-idle D] [-retry D] [-procs N] [-cpuprofile FILE] [port]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"progjar/internal/tcpserver"
)

// defaultBackends is the list in BackendList.__init__ in lb.py.
const defaultBackends = "127.0.0.1:9002,127.0.0.1:9003,127.0.0.1:9004,127.0.0.1:9005"

func main() { tcpserver.Main("lb", run) }

// run mirrors main() in lb.py: read the port (default 44444), start the
// Server and serve until ctx is done.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	fs := flag.NewFlagSet("lb", flag.ContinueOnError)
	// One thread, as lb.py's asyncore loop, and the cheaper choice: 90 us
	// of CPU per request against 103.5 with one thread per core (ab -n
	// 20000 -c 50, the medians of 3 rounds of ./run_all.sh compare on 2
	// cores: RESULTS.md). One per core (-procs 0) gave 2-17% more requests
	// per second at c=50 and 100 there, when a core is free: see README.
	common := tcpserver.AddFlags(fs, 1)
	list := fs.String("backends", defaultBackends, "comma-separated host:port of each backend, in round-robin order")
	dialTimeout := fs.Duration("dial-timeout", 2*time.Second, "give up on a backend that has not answered a connect in this long")
	idle := fs.Duration("idle", time.Minute, "close a joined pair of connections when nothing has moved either way for this long")
	retry := fs.Duration("retry", 2*time.Second, "how often to check again a backend that refused a connection (it is tried last until it accepts)")
	maxConns := fs.Int("max-conns", defaultMaxConns(), "clients served at once; more wait in the kernel's queue (default: half the open-file limit, less some headroom)")
	port, err := tcpserver.ParseArgs(fs, args, stderr, 44444)
	if err != nil {
		return err
	}
	if *maxConns < 1 {
		return &tcpserver.UsageError{Msg: fmt.Sprintf("-max-conns must be 1 or more, not %d", *maxConns)}
	}
	backends, err := NewBackendList(*list)
	if err != nil {
		return &tcpserver.UsageError{Msg: "-backends: " + err.Error()}
	}
	ln, logger, done, err := common.Start(port, stderr)
	if err != nil {
		return err
	}
	defer done()
	logger.Printf("load balancer running on port %d, backends %s, -max-conns %d, GOMAXPROCS=%d", ln.Addr().(*net.TCPAddr).Port, *list, *maxConns, runtime.GOMAXPROCS(0))
	s := &server{backends: backends, log: logger, dial: net.Dialer{Timeout: *dialTimeout, KeepAlive: -1},
		idle: *idle, retry: *retry, slots: make(chan struct{}, *maxConns)}
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		s.watch(ctx)
	}()
	defer context.AfterFunc(ctx, func() { ln.Close() })() // NOTE: the stop; Accept then returns net.ErrClosed.
	if ready != nil {
		ready(ln.Addr())
	}
	err = s.handleAccept(ctx, ln)
	s.clients.Wait(tcpserver.Grace)
	<-watched
	if ctx.Err() != nil {
		return nil // stopped, as asked
	}
	return err
}

// defaultMaxConns is the default of -max-conns: each client costs two file
// descriptors (its own and its backend's), and some are kept for the rest
// (the listener, the log, the checks of failed backends). Go has already
// raised the soft open-file limit to the hard one when this runs. Without
// a limit, a flood of clients that send nothing made the lb fail accept
// with "too many open files" for everyone.
func defaultMaxConns() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 1000
	}
	return maxConnsFor(rl.Cur)
}

// maxConnsFor returns the default -max-conns for an open-file limit.
func maxConnsFor(nofile uint64) int {
	const headroom = 64
	nofile = min(nofile, 1<<20) // "unlimited" is a very large number
	return max(int(nofile)-headroom, 2) / 2
}

// BackendList mirrors class BackendList in lb.py.
type BackendList struct {
	servers []*backend
	current atomic.Uint64 // the next turn; atomic, as every client's goroutine takes turns
}

// backend is one (host, port) of the list, with what the lb has seen of it.
type backend struct {
	addr      string         // as given
	ip        netip.AddrPort // its address, looked up once at the start
	downUntil atomic.Int64   // Unix nanoseconds: tried last until then, after a failed connect
}

// NewBackendList mirrors BackendList.__init__, from "host:port,host:port,...".
// A host name is looked up once, here, as nginx does for its upstreams.
func NewBackendList(list string) (*BackendList, error) {
	b := &BackendList{}
	for _, addr := range strings.Split(list, ",") {
		addr = strings.TrimSpace(addr)
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("%q is not host:port", addr)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || host == "" {
			return nil, fmt.Errorf("%q is not host:port with a port from 1 to 65535", addr)
		}
		ta, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", addr, err)
		}
		ip := ta.AddrPort()
		b.servers = append(b.servers, &backend{addr: addr, ip: netip.AddrPortFrom(ip.Addr().Unmap(), ip.Port())})
	}
	return b, nil
}

// GetServer mirrors BackendList.getserver, which returned the one backend
// whose turn it was. It takes the next turn of the round robin and returns
// every backend in the order one client should try them: first the one
// whose turn it is, then the ones after it, each once; the ones marked
// down (a connect to them failed) come last.
func (b *BackendList) GetServer(now time.Time) []*backend {
	n := uint64(len(b.servers))
	turn := b.current.Add(1) - 1
	order := make([]*backend, 0, n)
	var down []*backend
	for i := range n {
		s := b.servers[(turn+i)%n]
		if s.downUntil.Load() > now.UnixNano() {
			down = append(down, s)
		} else {
			order = append(order, s)
		}
	}
	return append(order, down...)
}

// server mirrors class Server in lb.py.
type server struct {
	backends *BackendList
	log      *tcpserver.Log
	dial     net.Dialer // without TCP keepalive: it would cost four setsockopt calls per connection
	idle     time.Duration
	retry    time.Duration
	clients  tcpserver.Conns // the clients being served, so that a stop can wait for them
	slots    chan struct{}   // one token per client being served, up to -max-conns
	fullLog  time.Time       // when the lb last said that every slot was taken
}

// handleAccept mirrors Server.handle_accept, which asyncore called for
// each new client: accept it, take the next backend's turn (getserver),
// and start the goroutine that connects to the backend and joins the two.
// It returns when the listener is closed.
//
// In lb.py the connect did not wait (asyncore's sockets never block). In Go
// it does, so it runs in the client's goroutine: a slow backend must not
// hold up the clients behind it.
func (s *server) handleAccept(ctx context.Context, ln net.Listener) error {
	for {
		if !s.takeSlot(ctx) {
			return nil
		}
		client, err := tcpserver.Accept(ln, s.log) // retries, with a pause, when out of file descriptors
		if err != nil {
			return err
		}
		order := s.backends.GetServer(time.Now())
		s.clients.Add(client)
		go s.forward(client, order)
	}
}

// takeSlot waits until fewer than -max-conns clients are being served, and
// counts one more. Meanwhile new clients wait in the kernel's accept queue.
// It returns false if ctx ends first.
func (s *server) takeSlot(ctx context.Context) bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
	}
	if time.Since(s.fullLog) > time.Minute { // once, and then at most once a minute
		s.fullLog = time.Now()
		s.log.Printf("%d clients at once (-max-conns): the next waits until one leaves", cap(s.slots))
	}
	select {
	case s.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// forward is the rest of handle_accept for one client: connect to the
// first backend of order that accepts (Backend(bs)), log the pair as lb.py
// did, and copy bytes both ways (Backend and ProcessTheClient).
func (s *server) forward(client net.Conn, order []*backend) {
	defer func() { <-s.slots }()
	defer s.clients.Remove(client)
	defer client.Close() // NOTE: the pair is finished either way.
	be, addr := s.connect(order)
	if be == nil {
		s.log.Printf("koneksi dari %s: no backend accepted it; closing", client.RemoteAddr())
		// Close gently (FIN, then read what the client still sends), so
		// the client sees the end of the connection and not a reset.
		_ = tcpserver.WriteAndClose(client, nil, true, s.dial.Timeout) // NOTE: nothing more to do on failure.
		return
	}
	defer be.Close()
	s.log.Printf("koneksi dari %s diteruskan ke %s", client.RemoteAddr(), addr)
	s.pipe(client, be)
}

// connect opens a connection to the first backend of order that accepts.
// Fix: lb.py connected to its choice blindly, and when that backend was
// down the client got nothing. Here the next one is tried, each at most
// once, and a backend that failed is tried last until it accepts again.
func (s *server) connect(order []*backend) (net.Conn, string) {
	for _, b := range order {
		// DialTCP takes the address looked up at the start: Dial("tcp",
		// "127.0.0.1:9002") parses and resolves it again for each client.
		// Measured: 7% less CPU per request (-8 us of user time; lower in
		// 18 of 20 rounds of ab -n 10000 -c 50, alternating).
		c, err := s.dial.DialTCP(context.Background(), "tcp", netip.AddrPort{}, b.ip)
		if err == nil {
			s.markUp(b)
			return c, b.addr
		}
		// Log once when a backend goes down, not once per client; watch
		// keeps it marked until it accepts connections again.
		if old := b.downUntil.Swap(s.downUntil()); old < time.Now().UnixNano() {
			s.log.Printf("backend %s: %v; trying the others first until it accepts again", b.addr, err)
		}
	}
	return nil, ""
}

// downUntil is how long a failed backend stays marked: past the next check.
func (s *server) downUntil() int64 { return time.Now().Add(2 * s.retry).UnixNano() }

// markUp clears a backend's mark, and says so if it had one.
func (s *server) markUp(b *backend) {
	if b.downUntil.Load() != 0 && b.downUntil.Swap(0) != 0 { // the Load spares the shared memory a write per connection
		s.log.Printf("backend %s: accepting connections again", b.addr)
	}
}

// watch connects, every retry interval, to each backend that has failed,
// and marks it up again once it accepts: a periodic check, so that no
// client has to be the one to find out. It ends when ctx is done.
func (s *server) watch(ctx context.Context) {
	tick := time.NewTicker(s.retry)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, b := range s.backends.servers {
			if b.downUntil.Load() == 0 {
				continue
			}
			c, err := s.dial.DialTCP(ctx, "tcp", netip.AddrPort{}, b.ip)
			if err != nil {
				b.downUntil.Store(s.downUntil())
				continue
			}
			c.Close() // NOTE: only the connect mattered.
			s.markUp(b)
		}
	}
}

// pipe mirrors the two handle_read methods of lb.py: ProcessTheClient's,
// which sent what the client said to the backend, and Backend's, which
// sent what the backend said to the client. Each direction is a goroutine
// here. Each runs until its sender is done and then passes the end on
// (half-close), so that neither is cut short.
func (s *server) pipe(client, backend net.Conn) {
	p := &pair{client: client, backend: backend, idle: s.idle, log: s.log}
	p.touch()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.copy(backend, client) // ProcessTheClient.handle_read
	}()
	p.copy(client, backend) // Backend.handle_read
	<-done
}

// pair is a client joined to its backend.
type pair struct {
	client, backend net.Conn
	idle            time.Duration
	log             *tcpserver.Log
	// last is when a byte last moved either way (Unix nanoseconds). Both
	// directions share it: -idle is the time neither moved.
	last     atomic.Int64
	ended    atomic.Bool // one direction has ended: the next to end finishes the pair
	answered atomic.Bool // the backend has said all it will (end of file)
}

func (p *pair) touch() { p.last.Store(time.Now().UnixNano()) }

// buffers recycles copy buffers: one allocation less per direction, and
// less work for the garbage collector.
var buffers = sync.Pool{New: func() any { return new([8192]byte) }} // recv(8192), as in lb.py

// copy copies src to dst until src ends, then passes the end on.
//
// Fix: lb.py ignored how many bytes send took, so what the socket did not
// take at once was lost. Write here sends it all, or fails.
func (p *pair) copy(dst, src net.Conn) {
	buf := buffers.Get().(*[8192]byte)
	defer buffers.Put(buf)
	toBackend := dst == p.backend
	// The deadlines are set once and moved only when they pass while the
	// other direction was busy (see alive): so -idle counts the pair, and
	// no timer is reset for every read and write.
	deadline := time.Now().Add(p.idle)
	err := src.SetReadDeadline(deadline)
	if err == nil {
		err = dst.SetWriteDeadline(deadline)
	}
	for err == nil {
		var n int
		n, err = src.Read(buf[:])
		if n > 0 {
			p.touch()
			if werr := p.write(dst, buf[:n]); werr != nil {
				if toBackend {
					// The backend has closed, most often after answering.
					// Closing the client now, with its bytes unread, would
					// reset it and could destroy that answer on its way: stop
					// forwarding and read what the client still sends,
					// briefly, as the servers do (tcpserver.Drain). The other
					// direction ends the pair.
					_ = tcpserver.Discard(src) // NOTE: the client is closed next either way.
					return
				}
				err = werr
			}
		}
		if err != nil && p.alive(err, src.SetReadDeadline) {
			err = nil
		}
	}
	if errors.Is(err, io.EOF) {
		if !toBackend {
			p.answered.Store(true)
		}
		if p.ended.Swap(true) {
			return // the other direction has ended: the pair is done
		}
		// Fix: lb.py closed the client as soon as the backend closed, and
		// never told the backend when the client closed. Here each end is
		// passed on to the other side, and the pair ends when both have.
		if tc, ok := dst.(*net.TCPConn); ok && tc.CloseWrite() == nil {
			if !toBackend {
				// The backend has finished. As a server would, the client
				// gets a moment to finish sending, and the pair then ends.
				_ = dst.SetReadDeadline(time.Now().Add(tcpserver.LingerTime)) // NOTE: fails only if closed: then it is over anyway.
			}
			return
		}
	}
	if !tcpserver.Quiet(err) {
		p.log.Printf("%s -> %s: %v", src.RemoteAddr(), dst.RemoteAddr(), err)
	}
	src.Close() // NOTE: closing only to stop both directions.
	dst.Close()
}

// write writes all of b to dst. A write deadline that passes while bytes
// were still moving (this write's, or the other direction's) is moved on:
// a slow reader is served as long as it reads.
func (p *pair) write(dst net.Conn, b []byte) error {
	for {
		n, err := dst.Write(b)
		if err == nil {
			return nil
		}
		if n > 0 {
			p.touch()
		}
		if !p.alive(err, dst.SetWriteDeadline) {
			return err
		}
		b = b[n:]
	}
}

// alive reports whether err is a deadline that passed while the pair was
// not idle, and if so sets the next one (with set) at the last time a byte
// moved plus -idle. Once the backend has ended, nothing is extended.
func (p *pair) alive(err error, set func(time.Time) error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) || p.answered.Load() {
		return false
	}
	next := time.Unix(0, p.last.Load()).Add(p.idle)
	return next.After(time.Now()) && set(next) == nil
}
