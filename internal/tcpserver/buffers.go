package tcpserver

// This file adds what the kernel may hold for each client. The kernel
// grows a socket's buffers to fit a fast peer (Linux: a send buffer up to
// 4 MiB), and nothing in the Python, nor in Go's defaults, bounds them: a
// thousand clients that read a big file slowly through the lb held over
// 2 GiB of the machine's TCP memory, its hard limit, for seconds, and every
// other program on the machine suffered. Here the buffers are capped at
// what keeps a fast network busy, so that each slow client costs the
// kernel a bounded amount.

import (
	"syscall"
)

// SendBuffer is the send buffer of each connection a program accepts
// (SO_SNDBUF, set on the listener, whose connections inherit it: no system
// call per connection). BackendBuffer is the receive buffer of each of the
// lb's connections to a backend (SO_RCVBUF): what a backend may push ahead
// of a client that reads slowly. Both were measured on loopback, a 20 MB
// file read as fast as curl reads it: with these, as fast as with the
// kernel's own buffers, directly and through the lb (smaller ones were
// slower); README says what they save.
const (
	SendBuffer    = 128 << 10
	BackendBuffer = 192 << 10
)

// capSendBuffer is a Control function for a listener: its connections get
// a send buffer of SendBuffer.
func capSendBuffer(network, address string, c syscall.RawConn) error {
	return setBuffer(c, syscall.SO_SNDBUF, SendBuffer)
}

// CapReceiveBuffer is a Control function for a dialer: the connection gets
// a receive buffer of BackendBuffer, set before the connect, so that the
// window it offers is sized to it.
func CapReceiveBuffer(network, address string, c syscall.RawConn) error {
	return setBuffer(c, syscall.SO_RCVBUF, BackendBuffer)
}

// setBuffer sets the socket option opt of c, a buffer, to size. Linux
// doubles what it is asked (the other half is for its own bookkeeping), so
// it is asked half.
func setBuffer(c syscall.RawConn, opt, size int) error {
	if kernelDoubles {
		size /= 2
	}
	var serr error
	if err := c.Control(func(fd uintptr) { serr = setsockopt(fd, opt, size) }); err != nil {
		return err
	}
	return serr
}
