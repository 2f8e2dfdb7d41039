package main

import (
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"progjar/internal/progtest"
)

func TestMain(m *testing.M) { progtest.Main(m, main) }

// TestHTTP runs the shared table of raw requests over real sockets, and
// checks that every connection was logged as Server.run logged it.
func TestHTTP(t *testing.T) {
	p := progtest.Start(t, run, "-root", progtest.DocRoot(t))
	conns := progtest.Conformance(t, p.Addr)
	p.WaitLog(t, "connection from 127.0.0.1:", conns)
}

// TestVerbose: -v logs each request and answer as the Python did ("data
// dari client", "balas ke  client"); without it, neither is logged.
func TestVerbose(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		want  []string
		never []string
	}{
		{nil, []string{"connection from"}, []string{"data dari client", "balas ke  client"}},
		{[]string{"-v"}, []string{"connection from", `data dari client: "GET /notes.txt HTTP/1.0\r\n\r\n"`, `balas ke  client: "HTTP/1.0 200 OK\r\n`, `plain text\n"`}, nil},
	} {
		t.Run(strings.Join(append([]string{"flags"}, tc.flags...), " "), func(t *testing.T) {
			p := progtest.Start(t, run, append([]string{"-root", progtest.DocRoot(t)}, tc.flags...)...)
			progtest.Exchange(t, p.Addr, "GET /notes.txt HTTP/1.0\r\n\r\n")
			p.WaitLog(t, "connection from", 1)
			if err := p.Stop(); err != nil { // every line is written by now
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(p.Log(), w) {
					t.Errorf("log lacks %q:\n%s", w, p.Log())
				}
			}
			for _, n := range tc.never {
				if strings.Contains(p.Log(), n) {
					t.Errorf("log has %q:\n%s", n, p.Log())
				}
			}
		})
	}
}

// TestNoThreadLeft: Python: server_thread_http.py's thread kept looping on
// its closed socket after answering, catching the OSError, at full CPU,
// forever: one more spinning thread per connection. Here the goroutine of
// a connection ends with it.
func TestNoThreadLeft(t *testing.T) {
	p := progtest.Start(t, run, "-root", progtest.DocRoot(t))
	base := runtime.NumGoroutine()
	for range 50 {
		progtest.Exchange(t, p.Addr, "GET /notes.txt HTTP/1.0\r\n\r\n")
	}
	progtest.Settle(t, base)
	// A connection that ends without a request ends its goroutine too.
	for range 10 {
		c := progtest.Dial(t, p.Addr)
		c.Close() // NOTE: leaving at once is the point.
	}
	progtest.Settle(t, base)
}

func TestArgs(t *testing.T) {
	progtest.Args(t, run,
		progtest.ArgCase{Name: "bad timeout", Args: []string{"-timeout", "x"}, Want: "invalid value"},
		progtest.ArgCase{Name: "zero timeout", Args: []string{"-timeout", "0"}, Want: "-timeout must be longer than 0, not 0s"},
		progtest.ArgCase{Name: "missing root", Args: []string{"-root", "/nonexistent", "0"}, Want: "no such file"},
		progtest.ArgCase{Name: "-v takes no value", Args: []string{"-v=maybe"}, Want: "invalid boolean value"},
	)
}

func TestRobustness(t *testing.T) { progtest.Robustness(t, run) }

// TestFileLimit: under an open-file limit of 256, 300 clients that send
// nothing never make the server run out of file descriptors.
func TestFileLimit(t *testing.T) {
	progtest.FileLimit(t, "-root", progtest.DocRoot(t), "-timeout", "300ms")
}

// TestProcs: Go's own thread count by default, -procs when given.
func TestProcs(t *testing.T) { progtest.Procs(t, "-root", progtest.DocRoot(t)) }

// TestTrace: with -trace, each client's thread is shown starting and
// ending, two alive at once; without it, no such line.
func TestTrace(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		lines int // ProcessTheClient lines
	}{
		{nil, 0},
		{[]string{"-trace"}, 10}, // for each client: starts, recv twice, sendall, ends
	} {
		t.Run(strings.Join(append([]string{"flags"}, tc.flags...), " "), func(t *testing.T) {
			p := progtest.Start(t, run, append([]string{"-root", progtest.DocRoot(t)}, tc.flags...)...)
			var conns []*net.TCPConn
			for range 2 { // both alive at once
				c := progtest.Dial(t, p.Addr)
				if _, err := io.WriteString(c, "GET /notes.txt HTTP/1.0\r\n"); err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
			}
			p.WaitLog(t, "connection from", 2)
			time.Sleep(50 * time.Millisecond) // both have read their half
			for _, c := range conns {
				if _, err := io.WriteString(c, "\r\n"); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadAll(c); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Stop(); err != nil { // every line is written by now
				t.Fatal(err)
			}
			var lines []string
			for _, line := range strings.Split(p.Log(), "\n") {
				if i := strings.Index(line, " ProcessTheClient-"); i >= 0 {
					lines = append(lines, line[i+1:])
				}
			}
			if len(lines) != tc.lines {
				t.Fatalf("%d ProcessTheClient lines, want %d:\n%s", len(lines), tc.lines, p.Log())
			}
			if tc.lines == 0 {
				return
			}
			log := strings.Join(lines, "\n")
			for _, w := range []string{"threads alive: 2", "ends; threads alive: 1", "ends; threads alive: 0", "recv 25 bytes, the request is not whole yet", "recv 2 bytes, the request is whole", "sendall 200 OK"} {
				if !strings.Contains(log, w) {
					t.Errorf("no line says %q:\n%s", w, log)
				}
			}
			for _, c := range conns {
				if n := strings.Count(log, " "+c.LocalAddr().String()+": starts") + strings.Count(log, " "+c.LocalAddr().String()+": ends"); n != 2 {
					t.Errorf("client %s: its thread is not shown starting and ending:\n%s", c.LocalAddr(), log)
				}
			}
		})
	}
}
