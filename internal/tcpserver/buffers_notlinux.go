//go:build !linux

package tcpserver

// kernelDoubles: other systems give a socket buffer the size asked for
// (see setBuffer).
const kernelDoubles = false
