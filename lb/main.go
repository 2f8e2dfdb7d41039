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
	"log"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	common := tcpserver.AddFlags(fs)
	list := fs.String("backends", defaultBackends, "comma-separated host:port of each backend, in round-robin order")
	dialTimeout := fs.Duration("dial-timeout", 2*time.Second, "give up on a backend that has not answered a connect in this long")
	idle := fs.Duration("idle", time.Minute, "close a joined pair of connections when neither side sent anything for this long")
	retry := fs.Duration("retry", 2*time.Second, "how often to check again a backend that refused a connection (it is tried last until it accepts)")
	port, err := tcpserver.ParseArgs(fs, args, stderr, 44444)
	if err != nil {
		return err
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
	logger.Printf("load balancer running on port %d, backends %s, GOMAXPROCS=%d", ln.Addr().(*net.TCPAddr).Port, *list, runtime.GOMAXPROCS(0))
	s := &server{backends: backends, log: logger, dial: net.Dialer{Timeout: *dialTimeout, KeepAlive: -1}, idle: *idle, retry: *retry}
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		s.watch(ctx)
	}()
	defer context.AfterFunc(ctx, func() { ln.Close() })() // NOTE: the stop; Accept then returns net.ErrClosed.
	if ready != nil {
		ready(ln.Addr())
	}
	err = s.handleAccept(ln)
	s.clients.Wait(tcpserver.Grace)
	<-watched
	if ctx.Err() != nil {
		return nil // stopped, as asked
	}
	return err
}

// BackendList mirrors class BackendList in lb.py.
type BackendList struct {
	servers []*backend
	current atomic.Uint64 // the next turn; atomic, as every client's goroutine takes turns
}

// backend is one (host, port) of the list, with what the lb has seen of it.
type backend struct {
	addr      string
	downUntil atomic.Int64 // Unix nanoseconds: tried last until then, after a failed connect
}

// NewBackendList mirrors BackendList.__init__, from "host:port,host:port,...".
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
		b.servers = append(b.servers, &backend{addr: addr})
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
	log      *log.Logger
	dial     net.Dialer // without TCP keepalive: it would cost four setsockopt calls per connection
	idle     time.Duration
	retry    time.Duration
	clients  tcpserver.Conns // the clients being served, so that a stop can wait for them
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
		client, err := tcpserver.Accept(ln, s.log) // retries, with a pause, when out of file descriptors
		if err != nil {
			return err
		}
		order := s.backends.GetServer(time.Now())
		s.clients.Add(client)
		go s.forward(client, order)
	}
}

// forward is the rest of handle_accept for one client: connect to the
// first backend of order that accepts (Backend(bs)), log the pair as lb.py
// did, and copy bytes both ways (Backend and ProcessTheClient).
func (s *server) forward(client net.Conn, order []*backend) {
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
		c, err := s.dial.Dial("tcp", b.addr)
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
			c, err := s.dial.DialContext(ctx, "tcp", b.addr)
			if err != nil {
				b.downUntil.Store(s.downUntil())
				continue
			}
			c.Close() // NOTE: only the connect mattered.
			s.markUp(b)
		}
	}
}

// pipe mirrors the two handle_read methods of lb.py, Backend's (backend to
// client) and ProcessTheClient's (client to backend), each a goroutine
// here. Each direction runs until its sender is done and then passes the end
// on (half-close), so neither is cut short; lb.py closed both sides as soon
// as the backend closed.
func (s *server) pipe(client, be net.Conn) {
	var first atomic.Bool // which direction ended first
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.copyHalf(be, client, &first)
	}()
	s.copyHalf(client, be, &first)
	<-done
}

// buffers recycles copy buffers: one allocation less per direction, and
// less work for the garbage collector.
var buffers = sync.Pool{New: func() any { return new([8192]byte) }} // recv(8192), as in lb.py

// copyHalf copies src to dst until src ends, then closes dst's sending
// half, if the other direction is still going (otherwise both connections
// are about to be closed, which says the same). On an error, or when
// nothing moved for the idle time, it closes both connections, which ends
// the other direction too.
func (s *server) copyHalf(dst, src net.Conn, first *atomic.Bool) {
	buf := buffers.Get().(*[8192]byte)
	defer buffers.Put(buf)
	for {
		err := src.SetReadDeadline(time.Now().Add(s.idle))
		var n int
		if err == nil {
			n, err = src.Read(buf[:])
		}
		if n > 0 {
			if werr := dst.SetWriteDeadline(time.Now().Add(s.idle)); werr != nil {
				err = werr
			} else if _, werr := dst.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if errors.Is(err, io.EOF) {
			if !first.CompareAndSwap(false, true) {
				return // the other direction has ended: the pair is done
			}
			if tc, ok := dst.(*net.TCPConn); ok && tc.CloseWrite() == nil {
				return
			}
		}
		if err != nil {
			if !tcpserver.Quiet(err) {
				s.log.Printf("%s -> %s: %v", src.RemoteAddr(), dst.RemoteAddr(), err)
			}
			src.Close() // NOTE: closing only to stop both directions.
			dst.Close()
			return
		}
	}
}
