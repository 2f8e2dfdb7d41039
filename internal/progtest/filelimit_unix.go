//go:build unix

package progtest

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
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
	args := append([]string{"-c", `ulimit -n 256 && exec "$0" "$@"`, os.Args[0], "-bind", "127.0.0.1"}, append(flags, "0")...)
	cmd := exec.Command("bash", args...)
	cmd.Env = append(os.Environ(), runMain+"=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	started := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.Write([]byte(sc.Text() + "\n")) // NOTE: a buffer's Write does not fail.
			if m := regexp.MustCompile(`running on port (\d+), .* -max-conns (\d+),`).FindStringSubmatch(sc.Text()); m != nil {
				started <- m[1]
			}
		}
	}()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM) // NOTE: Wait reports how it ended.
		if err := cmd.Wait(); err != nil {
			t.Errorf("program: %v", err)
		}
		<-copied
		if strings.Contains(log.String(), "too many open files") {
			t.Errorf("the program ran out of file descriptors:\n%s", log.String())
		}
		if !strings.Contains(log.String(), "-max-conns 96,") {
			t.Errorf("-max-conns is not half of 256 less headroom:\n%s", log.String())
		}
	}()
	var addr string
	select {
	case port := <-started:
		addr = "127.0.0.1:" + port
	case <-time.After(Timeout):
		t.Fatalf("the program did not start:\n%s", log.String())
	}
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
