package tcpserver

import (
	"net"
	"syscall"
	"unsafe"
)

// seesUnsent: Linux tells how much of what a socket was given it has not
// sent yet (SIOCOUTQNSD).
const seesUnsent = true

const siocoutqnsd = 0x894B // linux/sockios.h

// unsent returns how many bytes c's socket has not sent yet; ok is false
// when it cannot be asked.
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
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, siocoutqnsd, uintptr(unsafe.Pointer(&v)))
	}); err != nil || errno != 0 {
		return 0, false
	}
	return int(v), true
}
