// Package progtest starts and stops the three programs inside tests, talks
// to them over real sockets, and checks that no goroutine is left behind.
package progtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"progjar/internal/tcpserver"
)

// Timeout bounds every connection and wait in these tests.
const Timeout = 10 * time.Second

// Program is one running program, started by Start.
type Program struct {
	Addr   string // host:port it listens on
	log    syncBuffer
	cancel context.CancelFunc
	done   chan error
	err    error
	once   sync.Once
}

// Start runs a program's run function on 127.0.0.1:0 with the given flags
// (the port is added last) and returns once it listens. It is stopped at
// the end of the test.
func Start(t testing.TB, run tcpserver.RunFunc, flags ...string) *Program {
	t.Helper()
	return StartWith(t, run, nil, flags...)
}

// StartWith is Start with the program's log going to stderr instead of
// Log (nil: to Log).
func StartWith(t testing.TB, run tcpserver.RunFunc, stderr io.Writer, flags ...string) *Program {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Program{cancel: cancel, done: make(chan error, 1)}
	if stderr == nil {
		stderr = &p.log
	}
	ready := make(chan net.Addr, 1)
	// -procs as the test process runs (one thread per core, unless go test
	// -cpu says otherwise): GOMAXPROCS is the whole process's, and the race
	// detector wants every core.
	procs := strconv.Itoa(runtime.GOMAXPROCS(0))
	args := append(append([]string{"-bind", "127.0.0.1", "-procs", procs}, flags...), "0")
	go func() { p.done <- run(ctx, args, stderr, func(a net.Addr) { ready <- a }) }()
	select {
	case a := <-ready:
		p.Addr = a.String()
	case err := <-p.done:
		cancel()
		t.Fatalf("program did not start: %v", err)
	case <-time.After(Timeout):
		cancel()
		t.Fatal("program did not start in time")
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return p
}

// Stop stops the program as Ctrl-C would and returns what run returned.
func (p *Program) Stop() error {
	p.once.Do(func() {
		p.cancel()
		select {
		case p.err = <-p.done:
		case <-time.After(Timeout + tcpserver.Grace):
			p.err = fmt.Errorf("did not stop within %v", Timeout+tcpserver.Grace)
		}
	})
	return p.err
}

// Log returns what the program has logged so far. The programs write their
// log from a goroutine of their own, so a line may come a moment after what
// it tells of; after Stop, every line is there.
func (p *Program) Log() string { return p.log.String() }

// WaitLog waits until the log holds s at least n times, and fails the test
// if it does not in time.
func (p *Program) WaitLog(t testing.TB, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for strings.Count(p.Log(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("log has %q %d times, want %d; log:\n%s", s, strings.Count(p.Log(), s), n, p.Log())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer that many goroutines may use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Dial connects to addr with a deadline on the whole connection.
func Dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	if err := c.SetDeadline(time.Now().Add(Timeout)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// Exchange sends raw, each piece written separately, and returns all the
// server sent until it closed the connection.
func Exchange(t testing.TB, addr string, pieces ...string) []byte {
	t.Helper()
	c := Dial(t, addr)
	for _, p := range pieces {
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, b)
	}
	return b
}

// Parse parses a raw response, requires Content-Length to match the body
// exactly with nothing after it, and returns the response and its body.
func Parse(t testing.TB, raw []byte, head bool) (*http.Response, []byte) {
	t.Helper()
	req := &http.Request{Method: "GET"}
	if head {
		req.Method = "HEAD"
	}
	r := bufio.NewReader(bytes.NewReader(raw))
	resp, err := http.ReadResponse(r, req)
	if err != nil {
		t.Fatalf("not an HTTP response: %v\n%q", err, short(raw))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("body: %v (%d bytes in all)\n%q", err, len(raw), short(raw))
	}
	if cl := resp.Header.Get("Content-Length"); cl == "" {
		t.Errorf("no Content-Length in %q", short(raw))
	}
	if !head && resp.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length %d, body %d bytes", resp.ContentLength, len(body))
	}
	if rest, _ := io.ReadAll(r); len(rest) > 0 {
		t.Errorf("%d bytes after the response: %q", len(rest), rest)
	}
	return resp, body
}

// Leaked returns the stacks of goroutines other than the test framework's
// that are still running after waiting up to wait for them to end, in the
// style of net/http's main_test.go.
func Leaked(wait time.Duration) []string {
	deadline := time.Now().Add(wait)
	for {
		gs := interesting()
		if len(gs) == 0 || time.Now().After(deadline) {
			return gs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func interesting() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var gs []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		stack := strings.TrimSpace(g)
		_, stack, _ = strings.Cut(stack, "\n")
		if stack == "" ||
			strings.Contains(stack, "testing.(*M).") ||
			strings.Contains(stack, "testing.Main(") ||
			strings.Contains(stack, "testing.tRunner") ||
			strings.Contains(stack, "testing.runFuzzing") ||
			strings.Contains(stack, "runtime.goexit") && strings.Count(stack, "\n") < 2 ||
			strings.Contains(stack, "os/signal.signal_recv") ||
			strings.Contains(stack, "progtest.interesting") ||
			strings.Contains(stack, "created by runtime.gc") ||
			strings.Contains(stack, "runtime.MHeap_Scavenger") {
			continue
		}
		gs = append(gs, stack)
	}
	sort.Strings(gs)
	return gs
}

// Main runs a package's tests, then fails the run if any goroutine was
// left behind. Use it as TestMain. For a program's package, main is the
// program's main: when FileLimit runs the test binary as the program, Main
// runs main instead of the tests.
func Main(m *testing.M, main func()) {
	if main != nil && os.Getenv(runMain) == "1" {
		main()
		return
	}
	code := m.Run()
	if code == 0 {
		if gs := Leaked(5 * time.Second); len(gs) > 0 {
			fmt.Fprintf(os.Stderr, "goroutines left behind after the tests:\n\n%s\n", strings.Join(gs, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// Settle waits until the number of goroutines is at most n again, and
// fails the test with the stacks if it does not come back in time.
func Settle(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, strings.Join(interesting(), "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runMain is the environment variable that makes Main run the program.
const runMain = "PROGTEST_RUN_MAIN"

// TraceLines returns the lines of log that -trace wrote for callback (a
// time to the millisecond, then the callback's name), in order.
func TraceLines(log, callback string) []string {
	var lines []string
	for _, line := range strings.Split(log, "\n") {
		if _, rest, ok := strings.Cut(line, " "); ok && len(line) > 12 && line[8] == '.' && strings.HasPrefix(rest, callback+" ") {
			lines = append(lines, rest)
		}
	}
	return lines
}
