package tcpserver

// kernelDoubles: Linux doubles the size of a socket buffer it is asked
// for (see setBuffer).
const kernelDoubles = true
