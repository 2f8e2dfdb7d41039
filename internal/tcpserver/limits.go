package tcpserver

// This file adds -max-conns, which none of the Python programs had: they
// accepted every client, and a flood of clients that send nothing made them
// fail accept with "too many open files" for everyone. Here at most
// -max-conns clients are served at once; the next wait in the kernel's
// accept queue.

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Limit returns a listener whose Accept waits while n of the connections
// it returned are open. ln must be a TCP listener. Closing a connection
// frees its place. When every place is taken, it says so in log, once and
// then at most once a minute.
func Limit(ln net.Listener, n int, log Logger) net.Listener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{}), log: log}
}

type limitListener struct {
	net.Listener
	slots   chan struct{} // one token per connection open, up to n
	done    chan struct{} // closed by Close
	once    sync.Once
	log     Logger
	fullLog atomic.Int64 // when it last said it was full (Unix nanoseconds)
}

// Accept waits for a free place, then for a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	default:
		if now := time.Now().UnixNano(); now-l.fullLog.Load() > int64(time.Minute) {
			l.fullLog.Store(now)
			l.log.Printf("%d clients at once (-max-conns): the next waits until one leaves", cap(l.slots))
		}
		select {
		case l.slots <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{TCPConn: c.(*net.TCPConn), slots: l.slots}, nil
}

// Close stops accepting: an Accept waiting for a place returns too.
func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn is a connection that frees its place when it is closed. It
// embeds *net.TCPConn, so it keeps its methods: CloseWrite, SetLinger,
// writev, and sendfile from a file.
type limitConn struct {
	*net.TCPConn
	slots  chan struct{}
	closed atomic.Bool
}

func (c *limitConn) Close() error {
	err := c.TCPConn.Close()
	if c.closed.CompareAndSwap(false, true) {
		<-c.slots
	}
	return err
}

// DefaultMaxConns is the default of -max-conns, from the open-file limit:
// each client may cost two file descriptors (the lb's backend connection,
// or a server's file being streamed), and some are kept for the rest (the
// listener, the log, the checks of failed backends). Go has already raised
// the soft open-file limit to the hard one when this runs.
func DefaultMaxConns() int {
	nofile, ok := openFileLimit()
	if !ok {
		return fixedMaxConns
	}
	return MaxConnsFor(nofile)
}

// MaxConnsFor returns the default -max-conns for an open-file limit.
func MaxConnsFor(nofile uint64) int {
	const headroom = 64
	nofile = min(nofile, 1<<20) // "unlimited" is a very large number
	return max(int(nofile)-headroom, 2) / 2
}
