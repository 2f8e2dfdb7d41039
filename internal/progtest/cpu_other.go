//go:build !unix

package progtest

import "time"

// CPUTime cannot be read without getrusage: see cpu_unix.go.
func CPUTime() (time.Duration, bool) { return 0, false }
