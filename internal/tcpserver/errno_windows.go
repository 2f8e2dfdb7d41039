package tcpserver

import "syscall"

// Winsock's codes that syscall has no name for.
const (
	wsaeMFILE       syscall.Errno = 10024
	wsaeADDRINUSE   syscall.Errno = 10048
	wsaeNOBUFS      syscall.Errno = 10055
	wsaeSHUTDOWN    syscall.Errno = 10058
	wsaeCONNREFUSED syscall.Errno = 10061
	wsaeNETUNREACH  syscall.Errno = 10051
	wsaeHOSTUNREACH syscall.Errno = 10065
)

// The system errors that tcpserver looks for, by what they mean. Windows
// reports socket errors by their Winsock codes, which syscall's E* names
// (invented for Windows) never match.
var (
	errAddrInUse = []error{wsaeADDRINUSE}
	errAccess    = []error{syscall.WSAEACCES}
	errGone      = []error{syscall.WSAECONNRESET, syscall.WSAECONNABORTED, wsaeSHUTDOWN}
	errTemporary = []error{wsaeMFILE, wsaeNOBUFS, syscall.WSAECONNRESET, syscall.WSAECONNABORTED}
)

// errBackendDown are the errors of a connect that say the peer is not
// there: it refused, or cannot be reached.
var errBackendDown = []error{wsaeCONNREFUSED, wsaeHOSTUNREACH, wsaeNETUNREACH}
