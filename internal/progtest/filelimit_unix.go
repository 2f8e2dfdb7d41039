//go:build unix

package progtest

import (
	"io"
	"os/exec"
	"strings"
	"testing"
)

// FileLimit runs the program as a process of its own (the test binary,
// which Main turns into the program) under an open-file limit of 256, soft
// and hard, so that Go cannot raise it, with its default -max-conns and the
// flags given, and opens 300 connections to it that send nothing. It must
// never run out of file descriptors ("too many open files"), its default
// -max-conns must be half the limit less headroom, and once those clients
// have been cut off (flags should see to it quickly), GET / must be
// answered 200.
func FileLimit(t *testing.T, flags ...string) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash, for ulimit")
	}
	p := StartProcess(t, []string{"bash", "-c", `ulimit -n 256 && exec "$0" "$@"`}, nil, flags...)
	defer func() {
		if err := p.Stop(); err != nil {
			t.Errorf("program: %v", err)
		}
		if strings.Contains(p.Log(), "too many open files") {
			t.Errorf("the program ran out of file descriptors:\n%s", p.Log())
		}
		if !strings.Contains(p.Log(), "-max-conns 96,") {
			t.Errorf("-max-conns is not half of 256 less headroom:\n%s", p.Log())
		}
	}()
	addr := p.Addr
	for range 300 {
		Dial(t, addr)
	}
	c := Dial(t, addr)
	if _, err := io.WriteString(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(c); err != nil || !strings.HasPrefix(string(b), "HTTP/1.0 200 ") {
		t.Errorf("a request after the stalled clients: %q, %v", b, err)
	}
}
