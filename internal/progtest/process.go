package progtest

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Process is a program running as a process of its own: the test binary,
// which Main turns into the program.
type Process struct {
	Addr   string // 127.0.0.1:port it listens on
	cmd    *exec.Cmd
	log    syncBuffer
	copied chan struct{} // closed when its log has been read to the end
	err    error
}

// StartProcess starts the program with flags (on 127.0.0.1, port 0) and
// env added to the test's environment, run by prefix when not empty (a
// shell that lowers a limit, say), and returns once it listens. It is
// stopped at the end of the test.
func StartProcess(t *testing.T, prefix, env []string, flags ...string) *Process {
	t.Helper()
	args := append(append(append(prefix, os.Args[0], "-bind", "127.0.0.1"), flags...), "0")
	p := &Process{cmd: exec.Command(args[0], args[1:]...), copied: make(chan struct{})}
	p.cmd.Env = append(append(os.Environ(), runMain+"=1"), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan string, 1)
	go func() {
		defer close(p.copied)
		port := regexp.MustCompile(`running on port (\d+),`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.log.Write([]byte(sc.Text() + "\n")) // NOTE: a buffer's Write does not fail.
			if m := port.FindStringSubmatch(sc.Text()); m != nil {
				started <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("program: %v", err)
		}
	})
	select {
	case port := <-started:
		p.Addr = "127.0.0.1:" + port
	case <-time.After(Timeout):
		t.Fatalf("the program did not start:\n%s", p.Log())
	}
	return p
}

// Stop stops the program as Ctrl-C would (where the system cannot send
// that to a process, it kills it) and returns how it ended.
func (p *Process) Stop() error {
	if p.cmd.ProcessState == nil {
		if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
			p.cmd.Process.Kill() // NOTE: Windows; Wait says how it ended.
		}
		p.err = p.cmd.Wait()
		<-p.copied
	}
	return p.err
}

// Log returns what the program has logged so far; after Stop, all of it.
func (p *Process) Log() string { return p.log.String() }

// Procs checks the program's thread count: Go's own by default (here the
// GOMAXPROCS environment variable), and -procs when given.
func Procs(t *testing.T, flags ...string) {
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{nil, "GOMAXPROCS=3"},
		{[]string{"-procs", "1"}, "GOMAXPROCS=1"},
	} {
		p := StartProcess(t, nil, []string{"GOMAXPROCS=3"}, append(tc.flags, flags...)...)
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.Log(), tc.want) {
			t.Errorf("flags %q with GOMAXPROCS=3 in the environment: the log does not say %s:\n%s", tc.flags, tc.want, p.Log())
		}
	}
}
