//go:build !windows

package tcpserver

import "syscall"

func setsockopt(fd uintptr, opt, size int) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, size)
}
