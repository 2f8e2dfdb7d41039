package tcpserver

import "syscall"

func setsockopt(fd uintptr, opt, size int) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, opt, size)
}
