package tcpserver

import (
	"net"
	"testing"
)

// TestConnsForget: Python: server_thread_http.py appended every client's
// thread to the_clients and never took one out, so the list grew with every
// connection. A connection leaves the set when its goroutine is done.
func TestConnsForget(t *testing.T) {
	var cs Conns
	for range 100 {
		c, _ := net.Pipe()
		cs.Add(c)
		cs.Remove(c)
		c.Close()
	}
	if n := len(cs.open); n != 0 {
		t.Errorf("%d connections are still in the set after all 100 ended", n)
	}
	cs.Wait(0) // returns at once: nothing is open
}
