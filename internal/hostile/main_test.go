package main

import (
	"net"
	"runtime"
	"slices"
	"testing"
	"time"

	"progjar/httpserver"
	"progjar/internal/progtest"
	"progjar/internal/tcpserver"
)

func TestMain(m *testing.M) { progtest.Main(m, nil) }

// server answers every connection as the programs do, with root's files.
func server(t *testing.T, root string) string {
	hs, err := httpserver.New(root)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns tcpserver.Conns
		defer conns.Wait(time.Second)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(c)
			go func() {
				defer conns.Remove(c)
				c.SetReadDeadline(time.Now().Add(time.Second)) // NOTE: only bounds the test.
				progtest.Answer(hs, c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// TestModes runs each mode, briefly, against a server like ours.
func TestModes(t *testing.T) {
	root := progtest.DocRoot(t)
	progtest.BigFile(t, root, "huge.jpg", 1<<20)
	addr := server(t, root)
	if held, err := halfpost(addr, 5, 0); err != nil || held != 5 {
		t.Errorf("halfpost: %d held, %v; want 5", held, err)
	}
	if got, err := slowread(addr, "/huge.jpg", 256<<10, time.Millisecond, 64<<10, 0); err != nil || got < 1<<20 || got > 1<<20+300 {
		t.Errorf("slowread: %d bytes, %v; want the 1 MiB file and its head", got, err)
	}
	if got, err := slowread(addr, "/huge.jpg", 1<<10, 10*time.Millisecond, 0, 100*time.Millisecond); err != nil || got < 1<<10 || got >= 1<<20 {
		t.Errorf("slowread -rcvbuf 0 -hold 100ms: %d bytes, %v; want some, not all", got, err)
	}
	if d, err := stopread(addr, "/huge.jpg", 64<<10, 5*time.Second); err != nil || d == 0 && runtime.GOOS == "linux" {
		t.Errorf("stopread: cut after %v, %v; want it cut (the server's pace is a second)", d, err)
	}
	if n, err := noread(addr, "/huge.jpg", 3, 100*time.Millisecond); err != nil || n != 3 {
		t.Errorf("noread: %d clients, %v; want 3", n, err)
	}
	if cut, err := slowbody(addr, 3, 50*time.Millisecond, 500*time.Millisecond); err != nil || cut != 0 {
		t.Errorf("slowbody: %d cut off, %v; want none (a byte every 50 ms keeps a second's pace)", cut, err)
	}
	if cut, err := silent(addr, 3, 1500*time.Millisecond); err != nil || cut != 3 {
		t.Errorf("silent: %d cut off, %v; want 3 (the server's head timeout is a second)", cut, err)
	}
	for _, split := range []time.Duration{0, 100 * time.Millisecond} {
		if took, err := probe(addr, "/notes.txt", 50*time.Millisecond, 200*time.Millisecond, split); err != nil || len(took) != 4 || slices.Max(took) >= time.Minute {
			t.Errorf("probe -split %v: %v, %v; want 4 answers", split, took, err)
		}
	}
	for _, kind := range []string{"post", "junk"} {
		if lost, err := early(addr, 3, kind); err != nil || lost != 0 {
			t.Errorf("early -kind %s: %d lost, %v", kind, lost, err)
		}
	}
	if _, err := early(addr, 1, "nonsense"); err == nil {
		t.Error("early accepted -kind nonsense")
	}
}
