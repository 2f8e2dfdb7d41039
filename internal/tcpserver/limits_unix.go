//go:build unix

package tcpserver

import "syscall"

// fixedMaxConns is -max-conns when the open-file limit cannot be read.
const fixedMaxConns = 1000

// openFileLimit returns the soft limit on open files (RLIMIT_NOFILE).
func openFileLimit() (uint64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, false
	}
	return uint64(rl.Cur), true // NOTE: an int64 on FreeBSD, a uint64 elsewhere.
}
