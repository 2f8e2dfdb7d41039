package tcpserver

import (
	"encoding/binary"
	"net"
	"syscall"
	"unsafe"
)

// seesUnsent: Linux tells how much of what a socket was given it has not
// sent yet (SIOCOUTQNSD).
const seesUnsent = true

const siocoutqnsd = 0x894B // linux/sockios.h

// unsent returns how many bytes c's socket has not sent yet, or 0 once the
// connection is closed (a reset dropped what it held); ok is false when it
// cannot be asked.
func unsent(c net.Conn) (n int, ok bool) {
	sc, isSys := c.(syscall.Conn)
	if !isSys {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var v int32 // a C int
	var errno syscall.Errno
	var info int // the start of struct tcp_info: its first byte is the state
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, siocoutqnsd, uintptr(unsafe.Pointer(&v)))
		info, ierr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_INFO)
	}); err != nil || errno != 0 {
		return 0, false
	}
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], uint32(info))
	if ierr == nil && b[0] == tcpClose {
		return 0, true // reset: nothing more will go out
	}
	return int(v), true
}

const tcpClose = 7 // TCP_CLOSE, in linux/tcp_states.h
