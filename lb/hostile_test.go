package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"progjar/httpserver"
	"progjar/internal/progtest"
	"progjar/internal/rcvbuf"
	"progjar/internal/tcpserver"
)

// httpBackends starts n in-process HTTP backends serving root, as the
// async_servers would.
func httpBackends(t *testing.T, n int, root string) []string {
	hs, err := httpserver.New(root)
	if err != nil {
		t.Fatal(err)
	}
	addrs, _ := backends(t, n, func(_ int, c net.Conn) { progtest.Answer(hs, c) })
	return addrs
}

// TestSlowReaderThroughLB: a client that reads a big file slowly, and sends
// nothing meanwhile, gets it whole through the lb, though it takes longer
// than -idle: bytes keep moving, towards it.
func TestSlowReaderThroughLB(t *testing.T) {
	root := progtest.DocRoot(t)
	want := progtest.BigFile(t, root, "huge.jpg", 8<<20)
	p := startLB(t, httpBackends(t, 2, root), "-idle", "500ms")
	progtest.SlowReader(t, p.Addr, "/huge.jpg", want) // over a second
}

// TestStoppedReaderThroughLB: a client that stops reading is cut once its
// answer has stood still for -send-timeout.
func TestStoppedReaderThroughLB(t *testing.T) {
	root := progtest.DocRoot(t)
	progtest.BigFile(t, root, "huge.jpg", 8<<20)
	p := startLB(t, httpBackends(t, 2, root), "-send-timeout", "500ms")
	progtest.StoppedReader(t, p.Addr, "/huge.jpg", 8<<20, 2*time.Second)
}

// TestIdleCountsThePair: a backend that answers slowly, a piece every 50
// ms for a second, to a client that sends nothing after its request: with
// -idle 300ms the pair is never idle, and the whole answer arrives. (-idle
// timed each direction alone: the silent client's side timed out.)
func TestIdleCountsThePair(t *testing.T) {
	const pieces = 20
	addrs, _ := backends(t, 1, func(_ int, c net.Conn) {
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			return
		}
		for i := range pieces {
			fmt.Fprintf(c, "piece %02d\n", i) // NOTE: the client checks what arrives.
			time.Sleep(50 * time.Millisecond)
		}
	})
	p := startLB(t, addrs, "-idle", "300ms")
	got := progtest.Exchange(t, p.Addr, "GET / HTTP/1.0\r\n\r\n")
	if n := strings.Count(string(got), "piece"); n != pieces {
		t.Errorf("got %d pieces of %d: %q", n, pieces, got)
	}
}

// TestAnsweredThroughLB: an answer that a backend sends before it has read
// the whole request (413 for a 2 MiB POST, or a GET followed by junk)
// reaches the client through the lb every time, as it does directly, also
// from a backend that reads little after its answer and closes. The lb
// closed the client with its bytes unread when a write to such a backend
// failed, and the reset that this makes could destroy the answer.
func TestAnsweredThroughLB(t *testing.T) {
	hs, err := httpserver.New(progtest.DocRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		backend func(int, net.Conn)
	}{
		{"backends that drain", func(_ int, c net.Conn) { progtest.Answer(hs, c) }},
		{"backends that stop reading after the answer", func(_ int, c net.Conn) { earlyCloser(hs, c) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addrs, _ := backends(t, 4, tc.backend)
			p := startLB(t, addrs)
			progtest.AnsweredEveryTime(t, p.Addr, 50)
		})
	}
}

// earlyCloser answers as soon as it has a request's head (or an error for
// it), then reads at most 64 KiB more and closes: a server that lingers
// less than ours.
func earlyCloser(hs *httpserver.Server, c net.Conn) {
	var rcv httpserver.Request
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		done, bad := rcv.Add(buf[:n])
		var a httpserver.Answer
		switch {
		case bad != nil:
			a = hs.Reject(bad)
		case done || rcv.InBody():
			a = hs.Process(rcv.Head())
		case err != nil:
			return
		default:
			continue
		}
		reply := hs.Open(a)
		defer reply.Close()
		reply.Bufs.WriteTo(c)           // NOTE: the test checks what arrives.
		c.(*net.TCPConn).CloseWrite()   // NOTE: likewise.
		io.CopyN(io.Discard, c, 64<<10) // NOTE: closing with the rest unread is the point.
		return
	}
}

// TestBlockedLog: a log that nobody reads does not stop the lb.
func TestBlockedLog(t *testing.T) {
	addrs, _ := backends(t, 2, whoAmI)
	w := progtest.NewBlockedWriter()
	defer w.Release()
	p := progtest.StartWith(t, run, w, "-backends", strings.Join(addrs, ","))
	for i := range 1000 { // over 64 KiB of "koneksi dari" lines
		if !request(p.Addr) {
			t.Fatalf("request %d failed", i)
		}
	}
	w.Release()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.String(), "log lines dropped") {
		t.Errorf("the log does not say that lines were dropped:\n%s", w.String())
	}
}

// stalled opens n connections to addr that send nothing.
func stalled(t *testing.T, addr string, n int) {
	for range n {
		progtest.Dial(t, addr)
	}
}

// cutAfter is a backend that waits for a request for d, as a server with
// -timeout d would, and closes without an answer if none came.
func cutAfter(d time.Duration) func(int, net.Conn) {
	return func(id int, c net.Conn) {
		if err := c.SetReadDeadline(time.Now().Add(d)); err == nil {
			whoAmI(id, c)
		}
	}
}

// TestMaxConns: with every slot taken by clients that send nothing, the lb
// waits (and says so, once) instead of accepting more; once the backends
// have cut those clients, the next request is served.
func TestMaxConns(t *testing.T) {
	addrs, _ := backends(t, 2, cutAfter(300*time.Millisecond))
	p := startLB(t, addrs, "-max-conns", "4")
	stalled(t, p.Addr, 12)
	if !request(p.Addr) {
		t.Fatal("a request after the stalled clients failed")
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(p.Log(), "(-max-conns)"); n != 1 {
		t.Errorf("the full lb said so %d times, want once:\n%s", n, p.Log())
	}
}

// TestFileLimit: the lb under an open-file limit of 256, with its default
// -max-conns, and 300 clients that send nothing: it never runs out of file
// descriptors, and once the backends have cut those clients, the next
// request is served.
func TestFileLimit(t *testing.T) {
	addrs, _ := backends(t, 2, cutAfter(300*time.Millisecond))
	progtest.FileLimit(t, "-backends", strings.Join(addrs, ","))
}

// TestUnreadAnswerThroughLB: the lb does not leave to the kernel an answer
// the client does not read: the kernel takes it whole (Linux grows a
// socket's buffer to take up to 4 MiB) and, once the lb closed, delivered
// it at the client's pace for as long as the client pleased. By the rule of
// -send-timeout, a client that takes nothing is cut off.
func TestUnreadAnswerThroughLB(t *testing.T) {
	if !tcpserver.SeesUnsent() {
		t.Skip("this system does not tell how much a socket has not sent yet")
	}
	answer := make([]byte, 80000)
	addrs, _ := backends(t, 1, func(_ int, c net.Conn) { c.Write(answer) }) // NOTE: the client checks what arrives.
	p := startLB(t, addrs, "-send-timeout", "300ms")
	c, err := rcvbuf.Dialer(1024, progtest.Timeout).Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(2 * time.Second) // reads nothing meanwhile: past the lb's linger (a second) and -send-timeout
	if err := c.SetDeadline(time.Now().Add(progtest.Timeout)); err != nil {
		t.Fatal(err)
	}
	if got, _ := io.Copy(io.Discard, c); got >= int64(len(answer)) {
		t.Errorf("a client that read nothing for two seconds got all %d bytes; want it cut off after -idle", got)
	}
}

// TestNoOrphanThroughLB: a client that reads nothing, and that the lb gives
// up on after -send-timeout, is reset. The lb closed it with a plain close, and
// the kernel went on for minutes delivering what it held for a client that
// no program held any more (orphaned in FIN-WAIT-1, megabytes queued): the
// client got part of the answer and then an end of file, as if it were
// whole.
func TestNoOrphanThroughLB(t *testing.T) {
	root := progtest.DocRoot(t)
	progtest.BigFile(t, root, "huge.jpg", 8<<20)
	p := startLB(t, patientBackends(t, 2, root), "-send-timeout", "300ms")
	c := progtest.Dial(t, p.Addr)
	if _, err := io.WriteString(c, "GET /huge.jpg HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // reads nothing meanwhile: past -send-timeout
	got, err := io.Copy(io.Discard, c)
	if !progtest.IsReset(err) {
		t.Errorf("a client that read nothing got %d bytes and then %v; want it reset", got, err)
	}
}

// patientBackends starts n in-process HTTP backends serving root that wait
// for a client, the lb, as long as a test lasts: the lb's rules are what
// cut a client off.
func patientBackends(t *testing.T, n int, root string) []string {
	hs, err := httpserver.New(root)
	if err != nil {
		t.Fatal(err)
	}
	addrs, _ := backends(t, n, func(_ int, c net.Conn) { progtest.AnswerAt(hs, c, tcpserver.Pace{Timeout: progtest.Timeout}) })
	return addrs
}

// TestSteppedReaderThroughLB: a client at twenty times -min-rate, whose
// kernel takes its answer in steps over a second apart, is not cut through
// the lb: neither -idle (the pair is not idle while its answer is being
// written) nor the pace of its answer.
func TestSteppedReaderThroughLB(t *testing.T) {
	root := progtest.DocRoot(t)
	progtest.BigFile(t, root, "huge.jpg", 8<<20)
	p := startLB(t, patientBackends(t, 2, root), "-idle", "500ms", "-min-rate", "1000", "-rate-grace", "300ms")
	progtest.SteppedReader(t, p.Addr, "/huge.jpg", 8<<20, 2<<10, 100*time.Millisecond, 3*time.Second) // 20 KB/s
}

// TestSlowReaderCutThroughLB: a client that reads slower than -min-rate is
// cut off by the lb, as the servers cut theirs. Under -idle alone, one that
// read 20 KB a second held its pair for as long as it pleased.
func TestSlowReaderCutThroughLB(t *testing.T) {
	root := progtest.DocRoot(t)
	progtest.BigFile(t, root, "huge.jpg", 8<<20)
	p := startLB(t, patientBackends(t, 2, root), "-idle", "5s", "-min-rate", "1000000", "-rate-grace", "300ms")
	progtest.CutReader(t, p.Addr, "/huge.jpg", 8<<20, 4<<10, 50*time.Millisecond, 2*time.Second) // 80 KB/s
}

// TestStoppedReaderCutThroughLB: a client that stops reading is cut off by
// the lb between 1 and 1.5 times -send-timeout after its last read (the
// servers' rule). Its backend is patient here: the lb cuts it, not the
// backend; and -idle, shorter, does not: the pair is not idle while the
// lb writes an answer.
func TestStoppedReaderCutThroughLB(t *testing.T) {
	root := progtest.DocRoot(t)
	progtest.BigFile(t, root, "huge.jpg", 20<<20)
	const idle = 2 * time.Second
	p := startLB(t, patientBackends(t, 1, root), "-send-timeout", idle.String(), "-idle", "500ms")
	c, err := rcvbuf.Dialer(64<<10, progtest.Timeout).Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, known := rcvbuf.Established(c); !known {
		t.Skip("this system does not tell, without reading, when a connection is cut")
	}
	if err := c.SetDeadline(time.Now().Add(progtest.Timeout)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "GET /huge.jpg HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, c, 256<<10); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	for time.Since(stopped) < 3*idle {
		if open, _ := rcvbuf.Established(c); !open {
			if d := time.Since(stopped); d < idle || d > idle*3/2 {
				t.Errorf("cut %v after the reader stopped, want between %v and %v", d.Round(time.Millisecond), idle, idle*3/2)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("not cut %v after the reader stopped, want between %v and %v", 3*idle, idle, idle*3/2)
}

// TestFullLBSheds: a full lb sheds at once the clients that are behind, so
// that the next client in the queue is served: one that takes nothing of
// its answer, one that sends its request a byte at a time, and, once the
// queue stands still, one that sends nothing. Without it, they held their
// places for -idle or -send-timeout (here 30 s).
func TestFullLBSheds(t *testing.T) {
	root := progtest.DocRoot(t)
	progtest.BigFile(t, root, "huge.jpg", 8<<20)
	for _, tc := range []struct {
		name, log string
		client    func(c net.Conn, done <-chan struct{})
	}{
		{"answers not taken", "answer", func(c net.Conn, _ <-chan struct{}) {
			io.WriteString(c, "GET /huge.jpg HTTP/1.0\r\n\r\n") // NOTE: then it reads nothing
		}},
		{"clients that send nothing", "silent", func(net.Conn, <-chan struct{}) {}},
		{"a request a byte at a time", "body", func(c net.Conn, done <-chan struct{}) {
			io.WriteString(c, "POST / HTTP/1.0\r\nContent-Length: 100000\r\n\r\n") // NOTE: the lb's cut ends the writes.
			for {
				select {
				case <-done:
					return
				case <-time.After(200 * time.Millisecond):
				}
				if _, err := c.Write([]byte{'x'}); err != nil {
					return
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startLB(t, patientBackends(t, 2, root), "-idle", "30s", "-send-timeout", "30s", "-rate-grace", "30s", "-max-conns", "2")
			done := make(chan struct{})
			var wg sync.WaitGroup
			var behind []net.Conn
			for range 2 {
				c := progtest.Dial(t, p.Addr)
				behind = append(behind, c)
				wg.Add(1)
				go func() {
					defer wg.Done()
					tc.client(c, done)
				}()
			}
			p.WaitLog(t, "diteruskan ke", 2)
			if !request(p.Addr) {
				t.Error("a request after the clients that are behind failed")
			}
			close(done)
			wg.Wait()
			for _, c := range behind {
				c.Close() // NOTE: one not shed yet leaves now, so the stop need not wait.
			}
			if err := p.Stop(); err != nil {
				t.Fatal(err)
			}
			if progtest.ShedCounts(p.Log())[tc.log] == 0 {
				t.Errorf("the log does not say that a client was shed for its %s:\n%s", tc.log, p.Log())
			}
		})
	}
}

// TestFullLBKeepsWaiters: a full lb does not shed a client that waits for
// its answer, however long its backend takes to say anything: it sent its
// request, and sends nothing more; nor one that sends its request in two
// parts a second and a half apart (it was shed once the second part came,
// for two bytes in half a second).
func TestFullLBKeepsWaiters(t *testing.T) {
	addrs, _ := backends(t, 2, func(id int, c net.Conn) {
		time.Sleep(2 * time.Second) // thinks, saying nothing
		whoAmI(id, c)
	})
	p := startLB(t, addrs, "-max-conns", "3")
	split := progtest.SplitRequest(t, p.Addr, "GET / HTTP/1.0\r\n", "\r\n", 1500*time.Millisecond)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !request(p.Addr) {
				t.Error("a client waiting for its answer was shed")
			}
		}()
	}
	p.WaitLog(t, "diteruskan ke", 3)
	if !request(p.Addr) { // waits its turn: the lb is full
		t.Error("the next request failed")
	}
	wg.Wait()
	if err := <-split; err != nil {
		t.Error(err)
	}
}

// TestFullLBKeepsLateRequests: a full lb whose queue moves does not shed a
// client that has sent nothing yet: ab, with thousands of connections,
// writes each request up to a second after its connect.
func TestFullLBKeepsLateRequests(t *testing.T) {
	p := startLB(t, patientBackends(t, 2, progtest.DocRoot(t)), "-max-conns", "3")
	late := progtest.LateRequest(t, p.Addr, "/notes.txt", 1500*time.Millisecond) // six shed ticks, and the judgment of a stuck queue
	progtest.Busy(t, p.Addr, 4, 2500*time.Millisecond)                           // the other two places are taken and freed, again and again
	if err := <-late; err != nil {
		t.Error(err)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Log(), "(-max-conns)") {
		t.Errorf("the lb was never full:\n%s", p.Log())
	}
}

// TestFullLBRefuses: a client whose request's head came whole and whose
// body trickles is shed by a full lb with a 503 and Retry-After, as a
// server would shed it, not an empty close; and the next client is served.
func TestFullLBRefuses(t *testing.T) {
	p := startLB(t, patientBackends(t, 1, progtest.DocRoot(t)), "-idle", "30s", "-rate-grace", "30s", "-max-conns", "1")
	done := make(chan struct{})
	answer := make(chan string, 1)
	go func() {
		answer <- progtest.SlowBytes(p.Addr, "POST / HTTP/1.0\r\nContent-Length: 100000\r\n\r\n", 200*time.Millisecond, done) // 5 B/s
	}()
	p.WaitLog(t, "diteruskan ke", 1)
	if !request(p.Addr) {
		t.Error("the next request failed")
	}
	close(done)
	if a := <-answer; !strings.HasPrefix(a, "HTTP/1.0 503 ") || !strings.Contains(a, "\r\nRetry-After: 1\r\n") {
		t.Errorf("the client shed in its body got %q, want a 503 with Retry-After", a)
	}
}
