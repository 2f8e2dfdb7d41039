//go:build !linux

package tcpserver

import "net"

// seesUnsent: this system does not tell how much of what a socket was
// given it has not sent yet (Linux alone has SIOCOUTQNSD; macOS's
// SO_NWRITE and FreeBSD's FIONWRITE count what was sent but not yet
// acknowledged too, which a client on a far network always has). So an
// answer that the kernel took whole is left to it to deliver.
const seesUnsent = false

func unsent(net.Conn) (int, bool) { return 0, false }
