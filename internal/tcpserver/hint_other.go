//go:build !linux && !windows

package tcpserver

import "fmt"

// inUseHint says how to find who holds port on this system (macOS, the BSDs).
func inUseHint(port int) string {
	return fmt.Sprintf("another program listens on it; see: lsof -nP -iTCP:%d", port)
}

// accessHint says why listening on port was refused.
func accessHint(port int) string { return fmt.Sprintf("ports below 1024 need root (port %d)", port) }
