// Package rcvbuf dials TCP connections with a small receive buffer, set
// before the connection opens, so that the kernel cannot take in a big
// answer for a client that does not read it: the slow and stopped readers
// of the tests and of internal/hostile. Established tells such a reader,
// where the system can, when the server cut it off.
package rcvbuf

import (
	"net"
	"syscall"
	"time"
)

// Dialer returns a dialer whose connections have a receive buffer of size
// bytes.
func Dialer(size int, timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		if cerr := rc.Control(func(fd uintptr) { err = setRcvBuf(fd, size) }); cerr != nil {
			return cerr
		}
		return err
	}}
}
