package main

import (
	"testing"

	"progjar/internal/progtest"
)

func TestMain(m *testing.M) { progtest.Main(m, main) }

// TestHTTP runs the shared table of raw requests over real sockets, and
// checks that every connection was logged as handle_accept logged it.
func TestHTTP(t *testing.T) {
	p := progtest.Start(t, run, "-root", progtest.DocRoot(t))
	progtest.Conformance(t, p.Addr)
	p.WaitLog(t, "connection from 127.0.0.1:", len(progtest.Cases))
}

// TestOneAfterAnother: what async_server.py did to clients that come one
// after another. It kept its buffer, rcv, in a global shared by every
// connection, closed a connection after its first read, whole request or
// not, and took "the buffer ends in CRLF" for a whole request; whatever a
// client left in rcv was put in front of the next client's request, even a
// client that came later. Each behaviour was put back in turn: the first
// row fails on the global rcv alone; the second on "ends in CRLF" alone
// (the POST is never answered), and on all three together as the Python's
// symptom (the DELETE gets 200 kosong).
func TestOneAfterAnother(t *testing.T) {
	p := progtest.Start(t, run, "-root", progtest.DocRoot(t))
	page, kosong, none := progtest.Files["page.html"], "kosong", ""
	progtest.RunSequences(t, p.Addr, []progtest.Sequence{{
		// Measured with the Python: the next client got pokijan.jpg. Pins
		// the global rcv.
		Name:    "Python: a client that left half a request answered the next one",
		Clients: []progtest.Client{{Pieces: []string{"GET /big.jpg HT"}, Leave: true}, {Pieces: []string{"GET /page.html HTTP/1.0\r\n\r\n"}}},
		Code:    200, Body: &page,
	}, {
		// Measured with the Python: the POST got nothing (its last read
		// did not end in CRLF), and the DELETE got "200 kosong". Pins "the
		// buffer ends in CRLF".
		Name:    "Python: a POST with a body turned the next DELETE into a POST",
		Clients: []progtest.Client{{Pieces: []string{"POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi"}}, {Pieces: []string{"DELETE / HTTP/1.0\r\n\r\n"}}},
		Code:    501, Body: &none,
	}, {
		Name:    "a POST after a client that left",
		Clients: []progtest.Client{{Pieces: []string{"GET / HTTP/1.0\r\nHost: x"}, Leave: true}, {Pieces: []string{"POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\nx"}}},
		Code:    200, Body: &kosong,
	}})
}

func TestArgs(t *testing.T) {
	progtest.Args(t, run,
		progtest.ArgCase{Name: "bad timeout", Args: []string{"-timeout", "x"}, Want: "invalid value"},
		progtest.ArgCase{Name: "zero timeout", Args: []string{"-timeout", "0"}, Want: "-timeout must be longer than 0, not 0s"},
		progtest.ArgCase{Name: "missing root", Args: []string{"-root", "/nonexistent", "0"}, Want: "no such file"},
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
