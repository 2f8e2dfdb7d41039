// Package tcpserver holds what the three programs share around their
// sockets and is not in the course's files: the command line, the
// listening socket, accepting with backoff, a cap on the clients served at
// once (limits.go), a graceful stop (Conns), the pace a client must keep
// and writing an answer without losing it (pace.go), and a log that never
// blocks (log.go).
package tcpserver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Grace is how long a stopping program lets in-flight connections finish.
const Grace = 5 * time.Second

// RunFunc is a program's body: it serves until ctx is done, logging to
// stderr, and calls ready (when not nil) with the address it listens on.
// Tests call it directly to start and stop a program.
type RunFunc func(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error

// Main runs a program until Ctrl-C or SIGTERM, then exits 0. An error is
// printed as one line, and the program exits 2 for a bad command line, 1
// otherwise.
func Main(name string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr, nil)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.As(err, new(*UsageError)):
		fmt.Fprintf(os.Stderr, "%s: %v (see %s -h)\n", name, err, name)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Flags are the command-line flags that all three programs have.
type Flags struct {
	bind, cpuprofile *string
	procs, maxConns  *int
	trace            *bool
}

// AddFlags adds -bind, -max-conns, -procs, -trace and -cpuprofile to fs.
// Differs (threads): the Python ran on one thread (asyncore's loop; the
// GIL for the threads); -procs defaults to Go's own thread count.
func AddFlags(fs *flag.FlagSet) *Flags {
	return &Flags{
		trace:      fs.Bool("trace", false, "log each event as the Python callback that would have handled it (handle_accept, handle_read, ...), with the time to the millisecond"),
		bind:       fs.String("bind", "", "address to listen on (empty: every address, IPv4 and IPv6; the Python took every IPv4 one)"),
		maxConns:   fs.Int("max-conns", DefaultMaxConns(), "clients served at once; more wait in the kernel's queue (default: half the open-file limit, less some headroom)"),
		procs:      fs.Int("procs", 0, "threads that run Go code at once (GOMAXPROCS); 0: Go's own choice, the GOMAXPROCS environment variable or else the CPUs the program may use; 1: one, as the Python's asyncore loop and its GIL"),
		cpuprofile: fs.String("cpuprofile", "", "write a CPU profile to this file, for go tool pprof"),
	}
}

// MaxConns returns -max-conns.
func (f *Flags) MaxConns() int { return *f.maxConns }

// Trace returns -trace.
func (f *Flags) Trace() bool { return *f.trace }

// Start does what the flags ask: it listens on port (and accepts at most
// -max-conns clients at once), sets GOMAXPROCS and starts the CPU profile.
// It returns the listener, a log writing to stderr, and a function to call
// at the end (it completes the profile and writes what is left of the log).
func (f *Flags) Start(port int, stderr io.Writer) (net.Listener, *Log, func(), error) {
	if *f.maxConns < 1 {
		return nil, nil, nil, &UsageError{Msg: fmt.Sprintf("-max-conns must be 1 or more, not %d", *f.maxConns)}
	}
	ln, err := Listen(*f.bind, port)
	if err != nil {
		return nil, nil, nil, err
	}
	if *f.procs > 0 {
		runtime.GOMAXPROCS(*f.procs)
	}
	stop, err := StartCPUProfile(*f.cpuprofile)
	if err != nil {
		ln.Close()
		return nil, nil, nil, err
	}
	l := NewLog(stderr)
	return Limit(ln, *f.maxConns, l), l, func() { stop(); l.Close() }, nil
}

// StartCPUProfile writes a CPU profile to path (for go tool pprof) until
// the returned stop is called; with an empty path it does nothing.
func StartCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close() // NOTE: the profile is complete once StopCPUProfile returns.
	}, nil
}

// UsageError is a mistake on the command line.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ParseArgs parses fs's flags and then the optional port, as
// async_server.py and lb.py read sys.argv[1] (server_thread_http.py took
// no argument: its port was 8889). They silently fell back to their
// default port when the argument was not a number; here that is an error.
func ParseArgs(fs *flag.FlagSet, args []string, stderr io.Writer, defaultPort int) (int, error) {
	fs.SetOutput(io.Discard) // errors are returned as one line, not a usage dump
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "usage: %s [flags] [port]   (default port %d)\n", fs.Name(), defaultPort)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0, err
		}
		return 0, &UsageError{Msg: err.Error()}
	}
	// Every duration is a timeout or an interval: zero or less would
	// time out at once, or (for a ticker) panic. No number of things is
	// below zero.
	var bad error
	fs.VisitAll(func(f *flag.Flag) {
		if g, ok := f.Value.(flag.Getter); ok && bad == nil {
			switch v := g.Get().(type) {
			case time.Duration:
				if v <= 0 {
					bad = &UsageError{Msg: fmt.Sprintf("-%s must be longer than 0, not %v", f.Name, v)}
				}
			case int:
				if v < 0 {
					bad = &UsageError{Msg: fmt.Sprintf("-%s must be 0 or more, not %d", f.Name, v)}
				}
			}
		}
	})
	if bad != nil {
		return 0, bad
	}
	switch fs.NArg() {
	case 0:
		return defaultPort, nil
	case 1:
		p, err := strconv.Atoi(fs.Arg(0))
		if err != nil || p < 0 || p > 65535 {
			return 0, &UsageError{Msg: fmt.Sprintf("port %q is not a number from 0 to 65535", fs.Arg(0))}
		}
		return p, nil
	}
	return 0, &UsageError{Msg: fmt.Sprintf("too many arguments: %q (flags go before the port)", fs.Args())}
}

// Listen opens the listening socket on host:port and says plainly why when
// it cannot. The Python asked for a backlog of 5 (1 in the thread server),
// which drops connections under load; Go's Listen asks for the system's
// maximum (net.core.somaxconn), with no code of ours. Go sets SO_REUSEADDR
// on Unix, as the Python did, and leaves it off on Windows, where it would
// let another program take the port. Differs (ipv6): an empty host listens
// on every address, IPv4 and IPv6; the Python took every IPv4 one.
func Listen(host string, port int) (net.Listener, error) {
	// No TCP keepalive: a connection here lives for one request, and
	// turning it on costs four setsockopt calls per connection. The send
	// buffer of every connection is capped (see buffers.go).
	lc := net.ListenConfig{KeepAlive: -1, Control: capSendBuffer}
	ln, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	switch {
	case isAny(err, errAddrInUse):
		return nil, fmt.Errorf("port %d is already in use: %s", port, inUseHint(port))
	case isAny(err, errAccess):
		return nil, fmt.Errorf("not allowed to listen on port %d: %s", port, accessHint(port))
	case err != nil:
		return nil, err
	}
	return ln, nil
}

// Accept waits for the next connection. Fix (emfile): a failed accept
// ended the Python's servers (see limits.go). Here a temporary failure,
// such as running out of file descriptors, is retried after a pause that
// starts at 5 ms and doubles up to 1 s (as net/http does), logged once per
// burst, so the loop never spins. It returns an error only when ln is
// closed (the stop) or broken (then the error is logged too).
func Accept(ln net.Listener, logger Logger) (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err == nil {
			return c, nil
		}
		if errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		if !retryable(err) {
			logger.Printf("accept: %v; no longer accepting", err)
			return nil, err
		}
		if delay == 0 {
			delay = 5 * time.Millisecond
			logger.Printf("accept: %v; retrying with backoff", err)
		} else {
			delay = min(2*delay, time.Second)
		}
		time.Sleep(delay)
	}
}

// retryable reports whether an accept error may pass by itself.
func retryable(err error) bool {
	var ne interface{ Timeout() bool }
	return isAny(err, errTemporary) || errors.As(err, &ne) && ne.Timeout()
}

// Unreachable reports whether a connect failed because the peer is not
// there: it refused the connection, or cannot be reached.
func Unreachable(err error) bool { return isAny(err, errBackendDown) }

// isAny reports whether err is one of errs (see errno_*.go).
func isAny(err error, errs []error) bool {
	for _, e := range errs {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Conns is the set of connections a program is serving, so that a stop
// can wait for them and, after Grace, close the ones still open. A
// connection is added when it is accepted and removed when its goroutine
// is done with it. The zero value is an empty set.
type Conns struct {
	mu   sync.Mutex
	open map[io.Closer]struct{}
	wg   sync.WaitGroup
}

// Len returns how many connections are in the set.
func (cs *Conns) Len() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.open)
}

// Add puts c in the set.
func (cs *Conns) Add(c io.Closer) {
	cs.wg.Add(1)
	cs.mu.Lock()
	if cs.open == nil {
		cs.open = make(map[io.Closer]struct{})
	}
	cs.open[c] = struct{}{}
	cs.mu.Unlock()
}

// Remove takes c out of the set, once its goroutine is done with it.
func (cs *Conns) Remove(c io.Closer) {
	cs.mu.Lock()
	delete(cs.open, c)
	cs.mu.Unlock()
	cs.wg.Done()
}

// Wait returns once every connection has been removed. After grace it
// closes those still open, which makes their goroutines end.
func (cs *Conns) Wait(grace time.Duration) {
	done := make(chan struct{})
	go func() { cs.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(grace):
	}
	cs.mu.Lock()
	for c := range cs.open {
		c.Close() // NOTE: closing only to cut it off; its goroutine sees the error.
	}
	cs.mu.Unlock()
	<-done
}

// Quiet reports whether a connection error is just the client going away
// or timing out: those are normal and not worth a log line each.
func Quiet(err error) bool {
	return err == nil || errors.Is(err, io.EOF) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, net.ErrClosed) || isAny(err, errGone)
}
