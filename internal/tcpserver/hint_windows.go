package tcpserver

import "fmt"

// inUseHint says how to find who holds port on this system.
func inUseHint(port int) string {
	return fmt.Sprintf("another program listens on it; see: netstat -ano | findstr :%d", port)
}

// accessHint says why listening on port was refused: on Windows, mostly a
// range of ports that Hyper-V, WSL or Docker reserved.
func accessHint(port int) string {
	return fmt.Sprintf("port %d may be in a range Windows reserved; see: netsh interface ipv4 show excludedportrange protocol=tcp", port)
}
