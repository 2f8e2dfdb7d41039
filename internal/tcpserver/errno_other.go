//go:build !windows

package tcpserver

import "syscall"

// The system errors that tcpserver looks for, by what they mean.
var (
	errAddrInUse = []error{syscall.EADDRINUSE}
	errAccess    = []error{syscall.EACCES}
	errGone      = []error{syscall.ECONNRESET, syscall.EPIPE, syscall.ECONNABORTED}
	errTemporary = []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.EINTR, syscall.EAGAIN, syscall.EPROTO, syscall.EPERM}
)
