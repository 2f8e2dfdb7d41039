package tcpserver_test

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"progjar/internal/progtest"
	"progjar/internal/rcvbuf"
	. "progjar/internal/tcpserver"
)

// flakyListener fails Accept with each error of errs in turn, then accepts
// from the real listener.
type flakyListener struct {
	net.Listener
	errs []error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		return nil, err
	}
	return l.Listener.Accept()
}

// TestAccept: temporary errors are retried with backoff and logged once per
// burst; a closed listener ends accepting.
func TestAccept(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	tests := []struct {
		name    string
		errs    []error
		wantErr bool
		logs    int
	}{
		{"no error", nil, false, 0},
		{"too many open files, three times", []error{emfile, emfile, emfile}, false, 1},
		{"aborted connection", []error{&net.OpError{Op: "accept", Err: syscall.ECONNABORTED}}, false, 1},
		{"closed", []error{net.ErrClosed}, true, 0},
		{"another error", []error{errors.New("broken")}, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var out strings.Builder
			conn, err := Accept(&flakyListener{ln, tc.errs}, log.New(&out, "", 0))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error: %v", err, tc.wantErr)
			}
			if conn != nil {
				conn.Close()
			}
			if n := strings.Count(out.String(), "\n"); n != tc.logs {
				t.Errorf("%d log lines, want %d: %q", n, tc.logs, out.String())
			}
		})
	}
}

// closer counts its Close calls, and removes itself from its set when
// closed, as a connection's goroutine does when its connection is cut.
type closer struct {
	set    *Conns
	closed chan struct{}
}

func (c *closer) Close() error {
	close(c.closed)
	go c.set.Remove(c)
	return nil
}

// TestConnsWait: a stop waits for the connections being served, and after
// the grace period closes those still open.
func TestConnsWait(t *testing.T) {
	var set Conns
	finished := &closer{set: &set, closed: make(chan struct{})}
	stuck := &closer{set: &set, closed: make(chan struct{})}
	set.Add(finished)
	set.Add(stuck)
	go func() {
		time.Sleep(20 * time.Millisecond)
		set.Remove(finished) // ends by itself, within the grace period
	}()
	start := time.Now()
	set.Wait(200 * time.Millisecond)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("Wait returned after %v, before the grace period, with a connection open", d)
	}
	select {
	case <-stuck.closed:
	default:
		t.Error("the connection still open after the grace period was not closed")
	}
	select {
	case <-finished.closed:
		t.Error("a connection that ended by itself was closed by Wait")
	default:
	}
}

func TestMaxConnsFor(t *testing.T) {
	for _, tc := range []struct {
		nofile uint64
		want   int
	}{
		{20000, 9968},
		{1024, 480},
		{256, 96},
		{10, 1},
		{1 << 62, 524256}, // unlimited
	} {
		if got := MaxConnsFor(tc.nofile); got != tc.want {
			t.Errorf("open-file limit %d: -max-conns %d, want %d", tc.nofile, got, tc.want)
		}
	}
}

func TestMain(m *testing.M) { progtest.Main(m, nil) }

// TestWriteFileWhole: a file is sent whole to a reader that reads in
// steps, over several of the pace's windows. Here the connection is a
// pipe, so the file is copied through a buffer, not sendfile: a window
// that ends in the middle of a write must not lose the part of the buffer
// that was read from the file but not sent.
func TestWriteFileWhole(t *testing.T) {
	want := make([]byte, 1<<20)
	for i := range want {
		want[i] = byte(i * 7 / 5)
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	server, client := net.Pipe()
	defer client.Close()
	errc := make(chan error, 1)
	go func() {
		errc <- Write(server, net.Buffers{[]byte("head\n")}, f, int64(len(want)), Pace{Timeout: 300 * time.Millisecond})
		server.Close()
	}()
	var got bytes.Buffer
	buf := make([]byte, 10<<10)
	for {
		n, err := client.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !bytes.Equal(got.Bytes(), append([]byte("head\n"), want...)) {
		t.Errorf("got %d bytes, want the head and the %d of the file, in order", got.Len(), len(want))
	}
}

// TestAwaitSent: an answer the kernel took whole, for a client that does
// not read it, is not left to the kernel: WriteAndClose waits while it is
// unsent, at the pace, and cuts the client off. (Before, a client reading a
// few bytes a second held its connection open, in the kernel, for as long
// as it pleased.)
func TestAwaitSent(t *testing.T) {
	if !SeesUnsent() {
		t.Skip("this system does not tell how much a socket has not sent yet")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := rcvbuf.Dialer(1024, time.Second).Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	answer := make([]byte, 80000)
	err = WriteAndClose(server, net.Buffers{answer}, nil, 0, false, Pace{Timeout: 300 * time.Millisecond})
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("WriteAndClose to a client that reads nothing: %v, want it cut off", err)
	}
	if err := client.SetDeadline(time.Now().Add(progtest.Timeout)); err != nil {
		t.Fatal(err)
	}
	if got, _ := io.Copy(io.Discard, client); got >= int64(len(answer)) {
		t.Errorf("the client got all %d bytes; want it cut off", got)
	}
}

// TestStoppedReaderCut: a reader that stops is cut off between 1 and 1.5
// times -timeout after its last read. The meter once counted the bytes a
// blocked sendfile moved (the kernel takes some more as the client's
// window fills) only when the call returned, at the next deadline, so the
// time it stood still began a whole deadline late, twice: it was cut 3
// times -timeout after it stopped. (The kernel goes on taking bytes for up
// to half a second after the reader stops, so -timeout here is 2s.)
func TestStoppedReaderCut(t *testing.T) {
	const size = 20 << 20
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, timeout := range []time.Duration{2 * time.Second} {
		t.Run(timeout.String(), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			client, err := rcvbuf.Dialer(64<<10, time.Second).Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			if err := client.SetDeadline(time.Now().Add(progtest.Timeout)); err != nil {
				t.Fatal(err)
			}
			server, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			cut := make(chan time.Time, 1)
			go func() {
				WriteAndClose(server, net.Buffers{[]byte("head\n")}, f, size, false, Pace{Timeout: timeout}) // NOTE: the client sees the cut.
				cut <- time.Now()
			}()
			if _, err := io.CopyN(io.Discard, client, 256<<10); err != nil {
				t.Fatal(err)
			}
			stopped := time.Now()
			select {
			case at := <-cut:
				if d := at.Sub(stopped); d < timeout || d > timeout*3/2 {
					t.Errorf("cut %v after the reader stopped, want between %v and %v", d.Round(time.Millisecond), timeout, timeout*3/2)
				}
			case <-time.After(progtest.Timeout):
				t.Fatal("the reader that stopped was never cut off")
			}
		})
	}
}
