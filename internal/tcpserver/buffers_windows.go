package tcpserver

import "syscall"

func setsockopt(fd uintptr, opt, size int) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, opt, size)
}

func getsockopt(fd uintptr, opt int) (int, error) {
	return syscall.GetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, opt)
}
