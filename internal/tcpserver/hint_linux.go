package tcpserver

import "fmt"

// inUseHint says how to find who holds port on this system, and why a
// port from 32768 up may be held for a moment.
func inUseHint(port int) string {
	return fmt.Sprintf("another program listens on it, or an outgoing connection holds it for a moment "+
		"(Linux hands out ports from 32768 to 60999 to outgoing connections); see: ss -tanp 'sport = :%d'", port)
}

// accessHint says why listening on port was refused.
func accessHint(port int) string { return fmt.Sprintf("ports below 1024 need root (port %d)", port) }
