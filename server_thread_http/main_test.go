package main

import (
	"testing"

	"progjar/internal/progtest"
)

func TestMain(m *testing.M) { progtest.Main(m) }

// TestHTTP runs the shared table of raw requests over real sockets.
func TestHTTP(t *testing.T) {
	p := progtest.Start(t, run, "-root", progtest.DocRoot(t))
	progtest.Conformance(t, p.Addr)
	p.WaitLog(t, "connection from 127.0.0.1:", len(progtest.Cases))
}

func TestArgs(t *testing.T) {
	progtest.Args(t, run,
		progtest.ArgCase{Name: "bad timeout", Args: []string{"-timeout", "x"}, Want: "invalid value"},
		progtest.ArgCase{Name: "zero timeout", Args: []string{"-timeout", "0"}, Want: "-timeout must be longer than 0, not 0s"},
		progtest.ArgCase{Name: "missing root", Args: []string{"-root", "/nonexistent", "0"}, Want: "no such file"},
	)
}

func TestRobustness(t *testing.T) { progtest.Robustness(t, run) }
