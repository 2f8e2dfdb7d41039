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

// errBackendDown are the errors of a connect that say the peer is not
// there: it refused, or cannot be reached. (A timeout may be the caller's
// own doing, and a local error, out of ports or descriptors, certainly is.)
var errBackendDown = []error{syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH}
