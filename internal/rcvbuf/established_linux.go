package rcvbuf

import (
	"encoding/binary"
	"net"
	"syscall"
)

// Established reports whether c is still an open TCP connection: not cut
// off, nor closed, by the server. Linux tells (TCP_INFO's first byte, the
// state; 1 is ESTABLISHED), without reading.
func Established(c net.Conn) (open, known bool) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, false
	}
	var v int
	var gerr error
	if err := rc.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_INFO) }); err != nil || gerr != nil {
		return false, false
	}
	var b [4]byte // the 4 bytes the kernel wrote, in memory order
	binary.NativeEndian.PutUint32(b[:], uint32(v))
	return b[0] == 1, true
}
