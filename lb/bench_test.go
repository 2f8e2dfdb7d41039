package main

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// abRequest is the request ab sends, and abAnswer an answer of the size of
// page.html's.
var (
	abRequest = []byte("GET /page.html HTTP/1.0\r\nHost: 127.0.0.1:44444\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n")
	abAnswer  = append([]byte("HTTP/1.0 200 OK\r\nContent-Length: 594\r\n\r\n"), bytes.Repeat([]byte("x"), 594)...)
)

// BenchmarkPair: one connection through the lb to an in-process backend,
// as ab makes them: connect, send a request, read the answer to its end,
// close. go test -bench Pair -benchmem ./lb gives the time and the
// allocations per connection; they include the client's and the backend's
// (a handful: see BenchmarkDirect, the same without the lb).
func BenchmarkPair(b *testing.B) {
	addrs, _ := backends(b, 1, answer)
	p := startLB(b, addrs)
	exchange(b, p.Addr)
}

// BenchmarkDirect is BenchmarkPair without the lb: what the client and the
// backend cost alone.
func BenchmarkDirect(b *testing.B) {
	addrs, _ := backends(b, 1, answer)
	exchange(b, addrs[0])
}

// answer reads a request's head and sends abAnswer.
func answer(_ int, c net.Conn) {
	buf := make([]byte, 1024)
	var n int
	for !bytes.Contains(buf[:n], []byte("\r\n\r\n")) && n < len(buf) {
		m, err := c.Read(buf[n:])
		n += m
		if err != nil {
			return
		}
	}
	c.Write(abAnswer) // NOTE: the client checks what arrives.
}

func exchange(b *testing.B, addr string) {
	buf := make([]byte, 4096)
	b.ReportAllocs()
	for range b.N {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Write(abRequest); err != nil {
			b.Fatal(err)
		}
		n := 0
		for err == nil && n < len(buf) { // to the end, as ab reads
			var m int
			m, err = c.Read(buf[n:])
			n += m
		}
		if err != io.EOF || !bytes.Equal(buf[:n], abAnswer) {
			b.Fatalf("got %q, %v", buf[:n], err)
		}
		c.Close()
	}
}
