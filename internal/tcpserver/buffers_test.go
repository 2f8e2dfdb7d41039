package tcpserver

import (
	"context"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestBuffersCapped: after 8 MiB to a fast reader, the send buffer of a
// connection a program accepted, and the receive buffer of one the lb
// dialled, are still at most what buffers.go sets. Left to the kernel, both
// grow to megabytes.
func TestBuffersCapped(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opt    int
		limit  int
		accept bool // the accepted side is measured (else the dialled one)
	}{
		{"the send buffer of an accepted connection", syscall.SO_SNDBUF, SendBuffer, true},
		{"the receive buffer of a connection to a backend", syscall.SO_RCVBUF, BackendBuffer, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := Listen("127.0.0.1", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			d := net.Dialer{Timeout: time.Second, Control: CapReceiveBuffer}
			dialled, err := d.DialContext(context.Background(), "tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer dialled.Close()
			accepted, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer accepted.Close()
			writer, reader := accepted, dialled // as a server, or a backend, answers
			for _, c := range []net.Conn{writer, reader} {
				if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			go func() {
				writer.Write(make([]byte, 8<<20))  // NOTE: the reader counts what arrives.
				writer.(*net.TCPConn).CloseWrite() // NOTE: likewise.
			}()
			if n, err := io.Copy(io.Discard, reader); n != 8<<20 || err != nil {
				t.Fatalf("read %d bytes, %v", n, err)
			}
			measured := reader
			if tc.accept {
				measured = writer
			}
			rc, err := measured.(syscall.Conn).SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			var size int
			var serr error
			if err := rc.Control(func(fd uintptr) { size, serr = getsockopt(fd, tc.opt) }); err != nil || serr != nil {
				t.Fatal(err, serr)
			}
			if size > tc.limit {
				t.Errorf("%d bytes, want at most %d", size, tc.limit)
			}
		})
	}
}
