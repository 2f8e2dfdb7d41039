// Command hostile plays, against a server on loopback, the clients that
// README's robustness figures were measured with, where no attack tool
// plays them: many half-sent POST bodies, a steady slow reader, readers
// that stop or never read, bodies sent a byte a second, requests whose
// answer comes before the server has read them whole, and a normal client
// that times each answer.
//
// Usage:
//
//	hostile halfpost [-n 2000] [-hold 3s] ADDR    n clients, each sending a POST head for 1 MiB and half of it, then nothing
//	hostile slowread [-chunk 51200] [-every 100ms] [-rcvbuf 65536] [-hold 0] ADDR PATH    read PATH 50 KiB every 100 ms, with a 64 KiB receive buffer (0: the system's own), for at most hold (0: to the end)
//	hostile stopread [-after 262144] [-hold 60s] ADDR PATH    read the first 256 KiB of PATH, stop, and say when the server cut it (Linux)
//	hostile noread [-n 200] [-hold 60s] ADDR PATH    n clients ask for PATH and never read
//	hostile slowbody [-n 600] [-every 1s] [-hold 40s] ADDR    n clients each send a POST body a byte every second; a client cut off comes back
//	hostile silent [-n 600] [-hold 40s] ADDR    n clients connect and send nothing; a client cut off comes back
//	hostile probe [-every 1s] [-hold 40s] [-split 0] ADDR PATH    a normal GET every second, each timed, with a minute to be answered; with -split, its head in two parts that far apart
//	hostile early [-tries 50] [-kind post|junk] ADDR    a 2 MiB POST (413), or a GET and 2 MB of junk, written while the answer is read
//
// Aim it at 127.0.0.1 only. Every connection has a deadline, and every run
// ends after its count.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"progjar/internal/rcvbuf"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: hostile halfpost|slowread|stopread|noread|slowbody|silent|probe|early [flags] ADDR [PATH] (see the doc comment)")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet("hostile "+mode, flag.ExitOnError)
	defaults := map[string]struct {
		n     int
		hold  time.Duration
		every time.Duration
	}{
		"halfpost": {2000, 3 * time.Second, 0},
		"slowread": {1, 0, 100 * time.Millisecond},
		"stopread": {1, time.Minute, 0},
		"noread":   {200, time.Minute, 0},
		"slowbody": {600, 40 * time.Second, time.Second},
		"silent":   {600, 40 * time.Second, 0},
		"probe":    {1, 40 * time.Second, time.Second},
	}[mode]
	n := fs.Int("n", defaults.n, "halfpost, noread, slowbody, silent: clients")
	hold := fs.Duration("hold", defaults.hold, "halfpost, slowread, stopread, noread, slowbody, silent, probe: how long the clients stay (slowread: 0, to the end)")
	chunk := fs.Int("chunk", 50<<10, "slowread: bytes per step")
	rcv := fs.Int("rcvbuf", 64<<10, "slowread: the receive buffer, set before connecting (0: the system's own)")
	split := fs.Duration("split", 0, "probe: send the head in two parts this far apart (0: at once)")
	every := fs.Duration("every", defaults.every, "slowread, slowbody, probe: time per step")
	after := fs.Int64("after", 256<<10, "stopread: bytes read before it stops")
	tries := fs.Int("tries", 50, "early: requests")
	kind := fs.String("kind", "post", "early: post or junk")
	fs.Parse(os.Args[2:]) // NOTE: ExitOnError: a bad flag exits with its message.
	var err error
	switch {
	case mode == "halfpost" && fs.NArg() == 1:
		_, err = halfpost(fs.Arg(0), *n, *hold)
	case mode == "slowread" && fs.NArg() == 2:
		_, err = slowread(fs.Arg(0), fs.Arg(1), *chunk, *every, *rcv, *hold)
	case mode == "stopread" && fs.NArg() == 2:
		_, err = stopread(fs.Arg(0), fs.Arg(1), *after, *hold)
	case mode == "noread" && fs.NArg() == 2:
		_, err = noread(fs.Arg(0), fs.Arg(1), *n, *hold)
	case mode == "slowbody" && fs.NArg() == 1:
		_, err = slowbody(fs.Arg(0), *n, *every, *hold)
	case mode == "silent" && fs.NArg() == 1:
		_, err = silent(fs.Arg(0), *n, *hold)
	case mode == "probe" && fs.NArg() == 2:
		_, err = probe(fs.Arg(0), fs.Arg(1), *every, *hold, *split)
	case mode == "early" && fs.NArg() == 1:
		_, err = early(fs.Arg(0), *tries, *kind)
	default:
		fmt.Fprintln(os.Stderr, "usage: hostile halfpost|slowread|stopread|noread|slowbody|silent|probe|early [flags] ADDR [PATH] (see the doc comment)")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

// halfpost opens n connections, each sending a POST head that announces
// 1 MiB and then half of it, holds them all for hold, and closes them. It
// returns how many it held.
func halfpost(addr string, n int, hold time.Duration) (int, error) {
	body := make([]byte, 512<<10)
	var mu sync.Mutex
	var conns []net.Conn
	var failed int
	var wg sync.WaitGroup
	sem := make(chan struct{}, 200) // at most 200 connecting at once
	start := time.Now()
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err == nil {
				err = c.SetDeadline(time.Now().Add(time.Minute))
			}
			if err == nil {
				_, err = fmt.Fprintf(c, "POST / HTTP/1.0\r\nContent-Length: %d\r\n\r\n", 1<<20)
			}
			if err == nil {
				_, err = c.Write(body)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				if c != nil {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}()
	}
	wg.Wait()
	fmt.Printf("%d connections hold half a 1 MiB POST body (%d failed), sent in %v; holding them %v\n",
		len(conns), failed, time.Since(start).Round(time.Millisecond), hold)
	time.Sleep(hold)
	for _, c := range conns {
		c.Close()
	}
	return len(conns), nil
}

// slowread asks for path and reads the answer chunk bytes every step, with
// a receive buffer of rcv bytes set before connecting (so the kernel cannot
// take in a big answer for it; 0: the system's own), for at most hold (0:
// to the end), and returns how much came.
func slowread(addr, path string, chunk int, every time.Duration, rcv int, hold time.Duration) (int64, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if rcv > 0 {
		d = rcvbuf.Dialer(rcv, 10*time.Second)
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Minute)); err != nil {
		return 0, err
	}
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.0\r\n\r\n", path); err != nil {
		return 0, err
	}
	start := time.Now()
	var total int64
	for hold == 0 || time.Since(start) < hold {
		n, err := io.CopyN(io.Discard, c, int64(chunk))
		total += n
		if err != nil {
			fmt.Printf("%d bytes (answer head included) in %.1f s, then %v\n", total, time.Since(start).Seconds(), err)
			return total, nil
		}
		// What the kernel holds for the reader can last it long after a
		// cut: where the system tells, the connection's state says it.
		if open, known := rcvbuf.Established(c); known && !open {
			fmt.Printf("%d bytes (answer head included) read in %.1f s; the server had cut the connection by then\n", total, time.Since(start).Seconds())
			return total, nil
		}
		time.Sleep(every)
	}
	fmt.Printf("%d bytes (answer head included) in %.1f s, not cut\n", total, time.Since(start).Seconds())
	return total, nil
}

// early sends a request with a big tail tries times, writing it while
// reading the answer (as curl does), and counts the answers lost: not
// read whole, up to the server's end of file. It returns how many.
func early(addr string, tries int, kind string) (int, error) {
	var req []byte
	var want string
	switch kind {
	case "post":
		req = append([]byte("POST / HTTP/1.0\r\nContent-Length: 2097152\r\n\r\n"), make([]byte, 2<<20)...)
		want = "HTTP/1.0 413 "
	case "junk":
		req = append([]byte("GET /page.html HTTP/1.0\r\n\r\n"), bytes.Repeat([]byte("junk"), 500000)...)
		want = "HTTP/1.0 200 "
	default:
		return 0, errors.New("-kind must be post or junk")
	}
	lost := 0
	var last error
	for range tries {
		if err := once(addr, req, want); err != nil {
			lost++
			last = err
		}
	}
	fmt.Printf("%s: %d of %d answers lost", kind, lost, tries)
	if last != nil {
		fmt.Printf(" (the last: %v)", last)
	}
	fmt.Println()
	return lost, nil
}

func once(addr string, req []byte, want string) error {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.Write(req) // NOTE: the server may stop reading early; only the answer counts.
	}()
	b, err := io.ReadAll(c)
	c.Close() // ends the writer, if it is still writing
	wg.Wait()
	switch {
	case err != nil:
		return fmt.Errorf("%w after %d bytes", err, len(b))
	case !bytes.HasPrefix(b, []byte(want)):
		return fmt.Errorf("got %.40q, want %q", b, want)
	}
	return nil
}
