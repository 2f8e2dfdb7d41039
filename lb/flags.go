package main

// This file adds the command line. lb.py took one argument, its port
// (sys.argv[1]); the flags set what the Python fixed in its code (the
// backends) or did not have (timeouts, the pace of an answer; -max-conns,
// among tcpserver's).

import (
	"flag"
	"io"
	"time"

	"progjar/internal/tcpserver"
)

// config is what the command line asks for.
type config struct {
	common      *tcpserver.Flags // -bind, -max-conns, -procs, -cpuprofile
	port        int
	list        string // -backends, as given
	backends    *BackendList
	dialTimeout time.Duration
	idle        time.Duration
	pace        tcpserver.Pace // -idle, -min-rate, -rate-grace: a client's answer
	retry       time.Duration
}

// parseArgs mirrors main()'s sys.argv[1] in lb.py: it reads the flags and
// the port (default 44444).
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("lb", flag.ContinueOnError)
	cfg := &config{common: tcpserver.AddFlags(fs)}
	fs.StringVar(&cfg.list, "backends", defaultBackends, "comma-separated host:port of each backend, in round-robin order")
	fs.DurationVar(&cfg.dialTimeout, "dial-timeout", 2*time.Second, "give up on a backend that has not answered a connect in this long")
	fs.DurationVar(&cfg.idle, "idle", time.Minute, "close a joined pair of connections when nothing has moved either way for this long")
	fs.DurationVar(&cfg.retry, "retry", 2*time.Second, "how often to check again a backend that refused a connection (it is tried last until it accepts)")
	tcpserver.AddRateFlags(fs, &cfg.pace, "a client's answer")
	// Fix (port-arg): lb.py fell back to port 44444, silently, when its
	// argument was not a number; here that is an error.
	port, err := tcpserver.ParseArgs(fs, args, stderr, 44444)
	if err != nil {
		return nil, err
	}
	cfg.port, cfg.pace.Timeout = port, cfg.idle
	if cfg.backends, err = NewBackendList(cfg.list); err != nil {
		return nil, &tcpserver.UsageError{Msg: "-backends: " + err.Error()}
	}
	return cfg, nil
}
