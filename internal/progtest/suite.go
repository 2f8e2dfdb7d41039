package progtest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"progjar/internal/tcpserver"
)

// ArgCase is a command line and the error it must give ("" for none).
type ArgCase struct {
	Name string
	Args []string
	Want string // part of the error message
}

// Args runs a program with each bad command line and checks the error: one
// clear line, no panic, nothing started. The port-in-use case is added.
func Args(t *testing.T, run tcpserver.RunFunc, cases ...ArgCase) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, port, _ := net.SplitHostPort(busy.Addr().String())
	cases = append([]ArgCase{
		// -max-conns 0 stops a program that took "abc" for its default port,
		// as the Python's except: pass did, before it listens there.
		{"not a number", []string{"-max-conns", "0", "abc"}, `port "abc" is not a number`},
		{"out of range", []string{"70000"}, "from 0 to 65535"},
		{"negative", []string{"--", "-1"}, "from 0 to 65535"},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"two ports", []string{"1", "2"}, "too many arguments"},
		{"port in use", []string{"-bind", "127.0.0.1", port}, "port " + port + " is already in use"},
		{"negative procs", []string{"-procs", "-1", "0"}, "-procs must be 0 or more, not -1"},
	}, cases...)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var log syncBuffer
			ctx, cancel := contextWithTimeout()
			defer cancel()
			err := run(ctx, tc.Args, &log, func(net.Addr) { t.Error("started") })
			if err == nil || !strings.Contains(err.Error(), tc.Want) {
				t.Fatalf("error %v, want one containing %q", err, tc.Want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", err)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		var log syncBuffer
		ctx, cancel := contextWithTimeout()
		defer cancel()
		err := run(ctx, []string{"-h"}, &log, nil)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(log.String(), "usage:") {
			t.Errorf("-h: %v, printed %q", err, log.String())
		}
	})
}

// Robustness checks what a server must survive: stalled, vanishing and
// hostile clients, a log that nobody reads, and a stop while a request is
// in flight. Each check starts the server with the flags it needs.
func Robustness(t *testing.T, run tcpserver.RunFunc) {
	t.Run("a client that trickles its head is cut (slowloris)", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "500ms")
		SlowSender(t, p.Addr, 50*time.Millisecond, 5*time.Second)
	})
	t.Run("a body that keeps coming is waited for", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "500ms")
		SlowBody(t, p.Addr, 100*time.Millisecond, 10, 1) // a second in all
	})
	t.Run("a body that stops coming is cut", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "300ms")
		StalledBody(t, p.Addr)
	})
	t.Run("a body slower than -min-rate is cut", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "5s", "-min-rate", "1000", "-rate-grace", "300ms")
		Trickle(t, p.Addr, "POST / HTTP/1.0\r\nContent-Length: 100000\r\n\r\n", func(int) string { return "x" }, 50*time.Millisecond, 5*time.Second)
	})
	t.Run("a slow reader gets the whole file", func(t *testing.T) {
		root := DocRoot(t)
		want := BigFile(t, root, "huge.jpg", 8<<20)
		p := Start(t, run, "-root", root, "-timeout", "500ms")
		SlowReader(t, p.Addr, "/huge.jpg", want) // over a second
	})
	t.Run("a reader that stops is cut", func(t *testing.T) {
		root := DocRoot(t)
		BigFile(t, root, "huge.jpg", 8<<20)
		p := Start(t, run, "-root", root, "-send-timeout", "500ms")
		StoppedReader(t, p.Addr, "/huge.jpg", 8<<20, 2*time.Second)
	})
	// A reader at twenty times -min-rate, whose kernel takes the answer in
	// steps over a second apart, was cut for standing still (-timeout)
	// between them, and for moving nothing in a window without a step.
	t.Run("a reader that takes its answer in steps is not cut", func(t *testing.T) {
		root := DocRoot(t)
		BigFile(t, root, "huge.jpg", 8<<20)
		p := Start(t, run, "-root", root, "-timeout", "500ms", "-min-rate", "1000", "-rate-grace", "300ms")
		SteppedReader(t, p.Addr, "/huge.jpg", 8<<20, 2<<10, 100*time.Millisecond, 3*time.Second) // 20 KB/s
	})
	t.Run("a reader slower than -min-rate is cut", func(t *testing.T) {
		root := DocRoot(t)
		BigFile(t, root, "huge.jpg", 8<<20)
		p := Start(t, run, "-root", root, "-timeout", "5s", "-min-rate", "1000000", "-rate-grace", "300ms")
		CutReader(t, p.Addr, "/huge.jpg", 8<<20, 4<<10, 50*time.Millisecond, 2*time.Second) // 80 KB/s
	})
	t.Run("-max-conns: the next client waits until one leaves", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "300ms", "-max-conns", "4")
		for range 12 {
			Dial(t, p.Addr) // sends nothing: cut after -timeout
		}
		raw := Exchange(t, p.Addr, "GET /notes.txt HTTP/1.0\r\n\r\n")
		if resp, _ := Parse(t, raw, false); resp.StatusCode != 200 {
			t.Errorf("a request after the stalled clients: %d", resp.StatusCode)
		}
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(p.Log(), "(-max-conns)"); n != 1 {
			t.Errorf("the full server said so %d times, want once:\n%s", n, p.Log())
		}
	})
	// Without shedding, a full server left the next client in the queue
	// until the clients it served timed out (here 30 s). A shed client that
	// had begun its request is told so: 503, never an empty close.
	t.Run("a full server sheds the clients that are behind, at once", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "30s", "-rate-grace", "30s", "-max-conns", "4")
		done := make(chan struct{})
		answers := make(chan string, 4)
		for range 4 { // the server is full of them
			go func() {
				answers <- SlowBytes(p.Addr, "POST / HTTP/1.0\r\nContent-Length: 100000\r\n\r\n", 200*time.Millisecond, done) // 5 B/s
			}()
		}
		p.WaitLog(t, "connection from", 4)
		var stalled []*net.TCPConn
		for range 4 { // next in the queue: a head begun, and no more (slowloris)
			c := Dial(t, p.Addr)
			if _, err := io.WriteString(c, "GET /notes.txt HTTP/1.0\r\n"); err != nil {
				t.Fatal(err)
			}
			stalled = append(stalled, c)
		}
		raw := Exchange(t, p.Addr, "GET /notes.txt HTTP/1.0\r\n\r\n")
		if resp, _ := Parse(t, raw, false); resp.StatusCode != 200 {
			t.Errorf("a request after the clients that are behind: %d", resp.StatusCode)
		}
		close(done)
		for range 4 {
			if a := <-answers; !strings.HasPrefix(a, "HTTP/1.0 503 ") || !strings.Contains(a, "\r\nRetry-After: 1\r\n") {
				t.Errorf("a slow body, shed: got %q, want a 503 with Retry-After", short([]byte(a)))
			}
		}
		for _, c := range stalled {
			b, _ := io.ReadAll(c) // NOTE: a cut is what it checks.
			if len(b) > 0 && !bytes.HasPrefix(b, []byte("HTTP/1.0 503 ")) {
				t.Errorf("a slow head, shed: got %q, want a 503 or nothing yet", short(b))
			}
		}
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		if shed := ShedCounts(p.Log()); shed["head"] == 0 || shed["body"] == 0 {
			t.Errorf("the log says %d clients were shed for their head and %d for their body, want some of each:\n%s", shed["head"], shed["body"], p.Log())
		}
	})
	// A flood of connections that send nothing held every place until
	// -timeout (here 30 s), and the queue did not move.
	t.Run("a full server whose queue stands still sheds the clients that send nothing", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "30s", "-max-conns", "4")
		var silent []*net.TCPConn
		for range 8 {
			silent = append(silent, Dial(t, p.Addr))
		}
		raw := Exchange(t, p.Addr, "GET /notes.txt HTTP/1.0\r\n\r\n")
		if resp, _ := Parse(t, raw, false); resp.StatusCode != 200 {
			t.Errorf("a request after the clients that send nothing: %d", resp.StatusCode)
		}
		if b, err := io.ReadAll(silent[0]); len(b) > 0 || err != nil {
			t.Errorf("a silent client, shed: got %q, %v; want a plain close", b, err)
		}
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		if shed := ShedCounts(p.Log()); shed["silent"] == 0 {
			t.Errorf("the log says no client was shed for sending nothing:\n%s", p.Log())
		}
	})
	// ab, with 10,000 connections, writes each request up to a second
	// after its connect: a full server whose queue moves must wait for it,
	// or C10K runs fail hundreds of requests.
	t.Run("a full server whose queue moves never sheds a client that has sent nothing yet", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "30s", "-max-conns", "3")
		late := LateRequest(t, p.Addr, "/notes.txt", 1500*time.Millisecond) // six shed ticks, and the judgment of a stuck queue
		Busy(t, p.Addr, 4, 2500*time.Millisecond)                           // the other two places are taken and freed, again and again
		if err := <-late; err != nil {
			t.Error(err)
		}
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.Log(), "(-max-conns)") {
			t.Errorf("the server was never full:\n%s", p.Log())
		}
	})
	// A head that comes in two parts, at a person's pace, is not behind;
	// nor a body that keeps -min-rate.
	t.Run("a full server never sheds a client that keeps its pace", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "30s", "-rate-grace", "30s", "-max-conns", "3")
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				SlowBody(t, p.Addr, 100*time.Millisecond, 20, 1024) // 10 KB/s for 2 s
			}()
		}
		split := SplitRequest(t, p.Addr, "GET /notes.txt HTTP/1.0\r\n", "\r\n", 1500*time.Millisecond) // three shed ticks, and more
		time.Sleep(100 * time.Millisecond)                                                             // all three are in: the server is full
		raw := Exchange(t, p.Addr, "GET /notes.txt HTTP/1.0\r\n\r\n")
		if resp, _ := Parse(t, raw, false); resp.StatusCode != 200 {
			t.Errorf("a request after the clients that keep their pace: %d", resp.StatusCode)
		}
		wg.Wait()
		if err := <-split; err != nil {
			t.Error(err)
		}
	})
	t.Run("an answer sent before the request ends is never lost", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t))
		AnsweredEveryTime(t, p.Addr, 50)
	})
	t.Run("a log that nobody reads does not stop the server", func(t *testing.T) {
		w := NewBlockedWriter()
		defer w.Release()
		p := StartWith(t, run, w, "-root", DocRoot(t))
		for i := range 1500 { // over 64 KiB of "connection from" lines
			raw := Exchange(t, p.Addr, "GET /notes.txt HTTP/1.0\r\n\r\n")
			if resp, _ := Parse(t, raw, false); resp.StatusCode != 200 {
				t.Fatalf("request %d: %d", i, resp.StatusCode)
			}
		}
		w.Release()
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(w.String(), "log lines dropped") {
			t.Errorf("the log does not say that lines were dropped:\n%s", w.String())
		}
	})
	t.Run("stalled clients are dropped and delay nobody", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "500ms")
		var stalled []*net.TCPConn
		for range 50 {
			c := Dial(t, p.Addr)
			if _, err := io.WriteString(c, "GET /notes.txt HT"); err != nil {
				t.Fatal(err)
			}
			stalled = append(stalled, c)
		}
		raw := Exchange(t, p.Addr, "GET /notes.txt HTTP/1.0\r\n\r\n")
		if resp, _ := Parse(t, raw, false); resp.StatusCode != 200 {
			t.Errorf("normal request beside stalled ones: %d", resp.StatusCode)
		}
		for _, c := range stalled {
			if b, err := io.ReadAll(c); err != nil || len(b) > 0 {
				t.Fatalf("stalled client: %q, %v; want the server to close it", b, err)
			}
		}
	})
	// asyncore's select() refused any descriptor of 1024 or more.
	t.Run("Python: more clients at once than select() can watch", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t))
		ManyAtOnce(t, p.Addr, 1100)
	})
	t.Run("no goroutine left after many clients", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t), "-timeout", "500ms")
		base := runtime.NumGoroutine()
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.DialTimeout("tcp", p.Addr, Timeout)
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				if err := c.SetDeadline(time.Now().Add(Timeout)); err != nil {
					t.Error(err)
					return
				}
				switch i % 3 {
				case 0: // normal
					_, err = io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
				case 1: // stalled, left to time out
					_, err = io.WriteString(c, "GET / HTTP/1.0\r\n")
				case 2: // gone mid-request, with a reset
					_, err = io.WriteString(c, "GET / HTT")
					c.(*net.TCPConn).SetLinger(0) // NOTE: only makes Close send a reset.
					return
				}
				if err == nil {
					_, err = io.ReadAll(c)
				}
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		Settle(t, base)
		if err := p.Stop(); err != nil { // every log line is written by now
			t.Fatal(err)
		}
		if strings.Count(p.Log(), "\n") > 62 {
			t.Errorf("clients going away were logged as errors:\n%s", p.Log())
		}
	})
	t.Run("stop lets a request in flight finish", func(t *testing.T) {
		p := Start(t, run, "-root", DocRoot(t))
		c := Dial(t, p.Addr)
		if _, err := io.WriteString(c, "GET /notes.txt HTTP/1.0\r\n"); err != nil {
			t.Fatal(err)
		}
		p.WaitLog(t, "connection from", 1)
		stopped := make(chan error, 1)
		go func() { stopped <- p.Stop() }()
		// New clients are refused once the listener is closed.
		deadline := time.Now().Add(Timeout)
		for {
			nc, err := net.DialTimeout("tcp", p.Addr, time.Second)
			if err != nil {
				break
			}
			nc.Close()
			if time.Now().After(deadline) {
				t.Fatal("still accepting after stop")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if _, err := io.WriteString(c, "\r\n"); err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		if resp, _ := Parse(t, raw, false); resp.StatusCode != 200 {
			t.Errorf("in-flight request got %d", resp.StatusCode)
		}
		if err := <-stopped; err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}

func contextWithTimeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), Timeout)
}
