package progtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"progjar/httpserver"
	"progjar/internal/rcvbuf"
	"progjar/internal/tcpserver"
)

// This file holds the clients that attack tools play: senders and readers
// that are slow, or stop, and clients that send more than the server reads.

// Answer answers one request on c with hs, as the two servers do, with a
// second for each write and for the drain after it: the in-process HTTP
// server of tests that need one but not a whole program (backends of the
// lb, targets of the hostile clients).
func Answer(hs *httpserver.Server, c net.Conn) {
	AnswerAt(hs, c, tcpserver.Pace{Timeout: time.Second})
}

// AnswerAt is Answer with the servers' pace: the body and the answer are
// held to it (the head's deadline is the caller's).
func AnswerAt(hs *httpserver.Server, c net.Conn, pace tcpserver.Pace) {
	rd := pace.NewReader(c)
	var rcv httpserver.Request
	buf := make([]byte, 4096)
	for {
		n, err := rd.Read(buf)
		done, bad := rcv.Add(buf[:n])
		if !done && bad == nil && errors.Is(err, io.EOF) {
			bad = rcv.End()
		}
		var a httpserver.Answer
		switch {
		case bad != nil:
			a = hs.Reject(bad)
		case done:
			a = hs.Process(rcv.Head())
		case errors.Is(err, tcpserver.ErrShed) && rcv.Begun():
			tcpserver.Refuse(c, hs.Open(httpserver.Busy).Bufs) // NOTE: the test reads it.
			return
		case err != nil:
			c.Close()
			return
		default:
			if rcv.InBody() {
				rd.Body()
			}
			continue
		}
		reply := hs.Open(a)
		tcpserver.WriteAndClose(c, reply.Bufs, reply.File, reply.Size, bad != nil || rcv.Unread(), pace) // NOTE: the test reads it.
		reply.Close()
		return
	}
}

// BigFile writes a file of size bytes named name into root and returns
// its content.
func BigFile(t testing.TB, root, name string, size int) []byte {
	t.Helper()
	b := []byte(bigFile(size))
	if err := os.WriteFile(filepath.Join(root, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// dialSmallWindow connects with a receive buffer of 64 KiB (see rcvbuf).
func dialSmallWindow(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := rcvbuf.Dialer(64<<10, Timeout).Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(Timeout)); err != nil {
		t.Fatal(err)
	}
	return c.(*net.TCPConn)
}

// SlowReader asks for path and reads the answer in 32 KiB steps with a
// pause of 5 ms between them, then checks that the body is want, byte for
// byte. For a file of a few MiB, that takes longer than the server's
// timeout: a server must not cut a client that keeps reading.
func SlowReader(t *testing.T, addr, path string, want []byte) {
	c := dialSmallWindow(t, addr)
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		got.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", got.Len(), err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	resp, body := Parse(t, got.Bytes(), false)
	if resp.StatusCode != 200 || !bytes.Equal(body, want) {
		t.Errorf("got %d with %d bytes, want 200 with the %d bytes of %s", resp.StatusCode, len(body), len(want), path)
	}
}

// StoppedReader asks for path (a file of size bytes), reads 256 KiB of
// the answer, stops reading for pause, and then reads the rest: the server
// must have given up on it, so less than the whole file arrives.
func StoppedReader(t *testing.T, addr, path string, size int, pause time.Duration) {
	CutReader(t, addr, path, size, 0, pause, pause)
}

// CutReader asks for path (a file of size bytes), reads 256 KiB of the
// answer, then chunk bytes every step for dur (nothing, when chunk is 0),
// and then the rest as fast as it can: the server must have given up on it
// meanwhile, so less than the whole file arrives.
func CutReader(t *testing.T, addr, path string, size, chunk int, step, dur time.Duration) {
	c := dialSmallWindow(t, addr)
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.CopyN(io.Discard, c, 256<<10)
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(dur); time.Now().Before(end); {
		time.Sleep(step)
		n, err := io.CopyN(io.Discard, c, int64(chunk))
		got += n
		if err != nil {
			break // cut off
		}
	}
	n, err := io.Copy(io.Discard, c)
	if err != nil && !IsReset(err) {
		t.Fatal(err)
	}
	if got += n; got >= int64(size) {
		t.Errorf("a client that read %d bytes every %v for %v got all %d bytes; want it cut off", chunk, step, dur, got)
	}
}

// Trickle sends head, then a piece every step (piece(i) for the i-th),
// never ending the request, and returns once the server has closed the
// connection. A server that waits for as long as bytes keep coming never
// does; the test fails if the server is still reading after limit.
func Trickle(t *testing.T, addr, head string, piece func(i int) string, step, limit time.Duration) {
	c := Dial(t, addr)
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		io.Copy(io.Discard, c) // NOTE: returns when the server closes; its error does not matter.
	}()
	deadline := time.After(limit)
	for i := 0; ; i++ {
		select {
		case <-closed:
			return
		case <-deadline:
			t.Fatalf("the server still reads a client that has sent %q and then a piece every %v for %v", head, step, limit)
		case <-time.After(step):
		}
		// NOTE: once the server has closed, this write may fail; the
		// select above then ends the test.
		io.WriteString(c, piece(i))
	}
}

// SlowSender sends a request head one line every step, never ending it
// (slowloris): see Trickle.
func SlowSender(t *testing.T, addr string, step, limit time.Duration) {
	Trickle(t, addr, "GET /notes.txt HTTP/1.0\r\n", func(i int) string { return fmt.Sprintf("X-Line-%d: a\r\n", i) }, step, limit)
}

// SlowBody sends a POST head, then its body, steps pieces of size bytes,
// a piece every step: longer in all than the server's timeout, but never
// silent for that long. The server must wait for it and answer.
func SlowBody(t *testing.T, addr string, step time.Duration, steps, size int) {
	c := Dial(t, addr)
	if _, err := fmt.Fprintf(c, "POST / HTTP/1.0\r\nContent-Length: %d\r\n\r\n", steps*size); err != nil {
		t.Error(err)
		return
	}
	piece := strings.Repeat("x", size)
	for range steps {
		time.Sleep(step)
		if _, err := io.WriteString(c, piece); err != nil {
			t.Error(err)
			return
		}
	}
	raw, err := io.ReadAll(c)
	if err != nil {
		t.Error(err)
		return
	}
	if resp, body := Parse(t, raw, false); resp.StatusCode != 200 || string(body) != "kosong" {
		t.Errorf("got %d %q, want 200 kosong", resp.StatusCode, body)
	}
}

// SlowBytes sends head, then a byte every step, until the server closes
// the connection, done is closed, or the test's time is up. It returns
// what the server sent meanwhile (a shed client's 503), or "" if nothing.
func SlowBytes(addr, head string, step time.Duration, done <-chan struct{}) string {
	c, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		return "" // NOTE: the server may be full; this client is the attack, not the test.
	}
	defer c.Close()
	end := time.Now().Add(Timeout)
	if c.SetDeadline(end) != nil {
		return ""
	}
	answer := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(c) // NOTE: a reset after the answer is the server's cut; what came before counts.
		answer <- b
	}()
	if _, err := io.WriteString(c, head); err == nil {
	send:
		for time.Now().Before(end) {
			select {
			case <-done:
				break send
			case <-time.After(step):
			}
			if _, err := c.Write([]byte{'x'}); err != nil {
				break // cut off
			}
		}
	}
	c.SetReadDeadline(time.Now().Add(time.Second)) // NOTE: an answer is in by now, if any.
	return string(<-answer)
}

// StalledBody sends a POST head and half its body, then nothing: the
// server must close the connection once the body stops coming.
func StalledBody(t *testing.T, addr string) {
	c := Dial(t, addr)
	if _, err := io.WriteString(c, "POST / HTTP/1.0\r\nContent-Length: 100\r\n\r\n"+strings.Repeat("x", 50)); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(c); err != nil || len(b) > 0 {
		t.Errorf("got %q, %v; want the connection closed", b, err)
	}
}

// AnsweredEveryTime sends each request tries times, writing all of it while
// reading the answer at the same time, as curl does, and checks that the
// answer arrives every time. The requests are answered before the server
// has read them whole; a server (or lb) that then closes with the rest
// unread makes the kernel reset the connection, and the reset can destroy
// the answer on its way.
func AnsweredEveryTime(t *testing.T, addr string, tries int) {
	tests := []struct {
		name string
		req  []byte
		code int
	}{
		{"a 2 MiB POST", append([]byte("POST / HTTP/1.0\r\nContent-Length: 2097152\r\n\r\n"), make([]byte, 2<<20)...), 413},
		{"a GET followed by 2 MB of junk", append([]byte("GET /notes.txt HTTP/1.0\r\n\r\n"), bytes.Repeat([]byte("junk"), 500000)...), 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lost := 0
			var last error
			for range tries {
				if err := answered(addr, tc.req, tc.code); err != nil {
					lost++
					last = err
				}
			}
			if lost > 0 {
				t.Errorf("%d of %d answers lost; the last: %v", lost, tries, last)
			}
		})
	}
}

// answered sends req while reading the answer, and checks its status.
func answered(addr string, req []byte, code int) error {
	c, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(Timeout)); err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.Write(req) // NOTE: the server may stop reading before the end; only the answer counts.
	}()
	raw, err := io.ReadAll(c)
	c.Close() // unblocks the writer, if it is still writing
	wg.Wait()
	if err != nil {
		return fmt.Errorf("read: %w after %d bytes", err, len(raw))
	}
	resp, err := http.ReadResponse(bufioReader(raw), nil)
	if err != nil {
		return fmt.Errorf("%w: %q", err, short(raw))
	}
	if resp.StatusCode != code {
		return fmt.Errorf("status %d, want %d", resp.StatusCode, code)
	}
	return nil
}

// BlockedWriter is a log destination that nobody reads, as a pipe whose
// reader is gone or a terminal paused with Ctrl-S: every Write waits until
// Release, then goes to Log.
type BlockedWriter struct {
	release chan struct{}
	once    sync.Once
	Log     syncBuffer
}

// NewBlockedWriter returns a BlockedWriter that blocks until Release.
func NewBlockedWriter() *BlockedWriter { return &BlockedWriter{release: make(chan struct{})} }

func (w *BlockedWriter) Write(p []byte) (int, error) {
	<-w.release
	return w.Log.Write(p)
}

// Release lets every Write through, now and later.
func (w *BlockedWriter) Release() { w.once.Do(func() { close(w.release) }) }

// String returns what has been written.
func (w *BlockedWriter) String() string { return w.Log.String() }

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

// IsReset reports whether err is the connection reset by the server: a
// server cuts a client off with a reset.
func IsReset(err error) bool {
	var se syscall.Errno
	return errors.As(err, &se) && (se == syscall.ECONNRESET || se == 10054) // 10054: Windows' WSAECONNRESET
}

// LateRequest connects to addr now, and writes a GET of path only after
// delay, as ab does for some of its thousands of connections. The channel
// it returns gets nil once a 200 came back, or why not.
func LateRequest(t testing.TB, addr, path string, delay time.Duration) <-chan error {
	return SplitRequest(t, addr, "", "GET "+path+" HTTP/1.0\r\n\r\n", delay)
}

// SplitRequest connects to addr now, writes first (if not empty), and the
// rest of a request after delay: a head in two parts a second apart, as a
// person or a slow network sends it. The channel it returns gets nil once
// a 200 came back, or why not.
func SplitRequest(t testing.TB, addr, first, rest string, delay time.Duration) <-chan error {
	c := Dial(t, addr)
	done := make(chan error, 1)
	go func() {
		_, err := io.WriteString(c, first)
		if err == nil {
			time.Sleep(delay)
			_, err = io.WriteString(c, rest)
		}
		var raw []byte
		if err == nil {
			raw, err = io.ReadAll(c)
		}
		if err == nil && !bytes.HasPrefix(raw, []byte("HTTP/1.0 200 ")) {
			err = fmt.Errorf("got %q", short(raw))
		}
		if err != nil {
			err = fmt.Errorf("a client that wrote %q, then %q %v later: %w", first, rest, delay, err)
		}
		done <- err
	}()
	return done
}

// Busy has n clients ask for /notes.txt one after another, each
// connection as soon as the last is answered, for dur: a server kept full
// whose queue moves, as under ab.
func Busy(t testing.TB, addr string, n int, dur time.Duration) {
	var wg sync.WaitGroup
	end := time.Now().Add(dur)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				if err := answered(addr, []byte("GET /notes.txt HTTP/1.0\r\n\r\n"), 200); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// ShedCounts adds up what a program's log says it shed, by kind: silent,
// head, body and answer.
func ShedCounts(log string) map[string]int {
	n := map[string]int{}
	re := regexp.MustCompile(`(\d+) that had sent nothing for \S+ while the queue stood still, (\d+) with their head begun but not in after \S+, (\d+) with a body and (\d+) with an answer`)
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		for i, k := range []string{"silent", "head", "body", "answer"} {
			v, _ := strconv.Atoi(m[i+1])
			n[k] += v
		}
	}
	return n
}

// SteppedReader asks for path (a file of size bytes) over a connection
// with the system's own buffers, reads chunk bytes every step for dur, then
// the rest at once, and checks that the whole file came: a reader well
// above the server's -min-rate, as a player or a parser is. Its kernel
// takes the answer in steps, as it reopens its window, seconds apart: the
// server must not cut it for standing still between them.
func SteppedReader(t *testing.T, addr, path string, size, chunk int, step, dur time.Duration) {
	c := Dial(t, addr)
	if err := c.SetDeadline(time.Now().Add(dur + Timeout)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	var got int64
	for end := time.Now().Add(dur); time.Now().Before(end); time.Sleep(step) {
		n, err := io.CopyN(io.Discard, c, int64(chunk))
		if got += n; err != nil {
			t.Fatalf("a reader of %d bytes every %v was cut after %d bytes: %v", chunk, step, got, err)
		}
	}
	n, err := io.Copy(io.Discard, c)
	if got += n; err != nil || got < int64(size) {
		t.Errorf("a reader of %d bytes every %v for %v, then the rest at once: %d bytes in all, %v; want the whole file", chunk, step, dur, got, err)
	}
}
