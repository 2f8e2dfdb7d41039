package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"progjar/internal/rcvbuf"
)

// stopread asks for path, reads its first after bytes with a receive
// buffer of 64 KiB, then stops reading, and says how long after that the
// server cut the connection off, waiting at most hold. It returns that
// time (0 where the system does not tell, or when it was not cut).
func stopread(addr, path string, after int64, hold time.Duration) (time.Duration, error) {
	c, err := rcvbuf.Dialer(64<<10, 10*time.Second).Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(hold + 10*time.Second)); err != nil {
		return 0, err
	}
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.0\r\n\r\n", path); err != nil {
		return 0, err
	}
	if _, err := io.CopyN(io.Discard, c, after); err != nil {
		return 0, err
	}
	stopped := time.Now()
	for time.Since(stopped) < hold {
		open, known := rcvbuf.Established(c)
		if !known {
			fmt.Printf("read %d bytes and stopped; this system does not tell when the server cuts a connection\n", after)
			return 0, nil
		}
		if !open {
			d := time.Since(stopped)
			fmt.Printf("read %d bytes and stopped; cut %.2f s later\n", after, d.Seconds())
			return d, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("read %d bytes and stopped; not cut within %v\n", after, hold)
	return 0, nil
}

// noread opens n connections that each ask for path and never read the
// answer, holds them for hold (or until the server cuts them), and closes
// them. It returns how many it opened.
func noread(addr, path string, n int, hold time.Duration) (int, error) {
	var conns []net.Conn
	failed := 0
	for range n {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err == nil {
			err = c.SetDeadline(time.Now().Add(hold + 10*time.Second))
		}
		if err == nil {
			_, err = fmt.Fprintf(c, "GET %s HTTP/1.0\r\n\r\n", path)
		}
		if err != nil {
			failed++
			if c != nil {
				c.Close()
			}
			continue
		}
		conns = append(conns, c)
	}
	fmt.Printf("%d clients asked for %s and read nothing (%d failed); holding them %v\n", len(conns), path, failed, hold)
	time.Sleep(hold)
	for _, c := range conns {
		c.Close()
	}
	return len(conns), nil
}

// slowbody keeps n clients sending a POST body a byte every step, for
// hold; a client that the server cuts off connects again. It returns how
// many times the server cut one off, and says how many of those were told
// why (a 503) and how many were not (nothing before the end of the
// connection, or its reset).
func slowbody(addr string, n int, step, hold time.Duration) (int64, error) {
	end := time.Now().Add(hold)
	var cut, told atomic.Int64
	conns := comeBack(addr, n, end, func(c net.Conn) {
		if answer, wasCut := trickle(c, step, end); wasCut {
			cut.Add(1)
			if bytes.HasPrefix(answer, []byte("HTTP/1.0 503 ")) {
				told.Add(1)
			}
			time.Sleep(100 * time.Millisecond) // then again
		}
	})
	fmt.Printf("%d clients sent a body a byte every %v for %v: %d connections, %d cut off by the server: %d with a 503, %d without\n",
		n, step, hold, conns, cut.Load(), told.Load(), cut.Load()-told.Load())
	return cut.Load(), nil
}

// comeBack keeps n clients at addr until end: each runs one on a
// connection, closes it, and connects again. It returns how many
// connections were made.
func comeBack(addr string, n int, end time.Time, one func(c net.Conn)) int64 {
	var conns atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				c, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				conns.Add(1)
				one(c)
				c.Close()
			}
		}()
	}
	wg.Wait()
	return conns.Load()
}

// trickle sends a POST head on c, then a byte of its body every step until
// end. It reports whether the server cut it off before, and what the
// server sent.
func trickle(c net.Conn, step time.Duration, end time.Time) ([]byte, bool) {
	if c.SetDeadline(end.Add(10*time.Second)) != nil {
		return nil, true
	}
	answer := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(c) // NOTE: what came before a reset counts.
		answer <- b
	}()
	cut := true
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"); err == nil {
		for cut = false; !cut && time.Now().Before(end); {
			time.Sleep(step)
			_, err := c.Write([]byte{'x'})
			cut = err != nil
		}
	}
	if !cut {
		c.Close() // ends the reader
	}
	b := <-answer
	return b, cut || len(b) > 0
}

// silent keeps n clients connected that send nothing, for hold; a client
// that the server cuts off connects again at once. It returns how many
// times the server cut one off.
func silent(addr string, n int, hold time.Duration) (int64, error) {
	end := time.Now().Add(hold)
	var cut atomic.Int64
	conns := comeBack(addr, n, end, func(c net.Conn) {
		if c.SetReadDeadline(end) == nil {
			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
				cut.Add(1)
			}
		}
	})
	fmt.Printf("%d clients connected and sent nothing for %v: %d connections, %d cut off by the server\n", n, hold, conns, cut.Load())
	return cut.Load(), nil
}

// probe sends a normal GET for path every step for hold, each with a
// minute to be answered (its head in two parts split apart, when split is
// not 0), and prints when each was answered. It returns how long each took
// (a minute or more: not answered).
func probe(addr, path string, step, hold, split time.Duration) ([]time.Duration, error) {
	var mu sync.Mutex
	var took []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for at := time.Duration(0); at < hold; at += step {
		time.Sleep(time.Until(start.Add(at)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, status := get(addr, path, split)
			fmt.Printf("+%6.2f s: %s in %.3f s\n", at.Seconds(), status, d.Seconds())
			mu.Lock()
			took = append(took, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sorted := append([]time.Duration(nil), took...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	within := sort.Search(len(sorted), func(i int) bool { return sorted[i] > 2*time.Second })
	fmt.Printf("%d requests, %d answered within 2 s, the longest %.3f s\n", len(sorted), within, sorted[len(sorted)-1].Seconds())
	return took, nil
}

// get asks for path once, its head in two parts split apart (0: at once),
// and returns how long the answer took, and its status line (or why there
// was none).
func get(addr, path string, split time.Duration) (time.Duration, string) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, time.Minute)
	if err != nil {
		return time.Minute, err.Error()
	}
	defer c.Close()
	if err := c.SetDeadline(start.Add(time.Minute)); err != nil {
		return time.Minute, err.Error()
	}
	head := fmt.Sprintf("GET %s HTTP/1.0\r\n\r\n", path)
	if split > 0 {
		if _, err := io.WriteString(c, head[:len(head)-2]); err != nil {
			return time.Minute, err.Error()
		}
		time.Sleep(split)
		head = "\r\n"
	}
	if _, err := io.WriteString(c, head); err != nil {
		return time.Minute, err.Error()
	}
	b, err := io.ReadAll(c)
	if err != nil {
		return time.Minute, err.Error()
	}
	line, _, _ := bytes.Cut(b, []byte("\r\n"))
	if len(line) == 0 {
		return time.Minute, "no answer"
	}
	return time.Since(start), string(line)
}
