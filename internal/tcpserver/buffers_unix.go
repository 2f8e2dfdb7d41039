//go:build unix

package tcpserver

import "syscall"

func setsockopt(fd uintptr, opt, size int) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, size)
}

func getsockopt(fd uintptr, opt int) (int, error) {
	return syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, opt)
}
