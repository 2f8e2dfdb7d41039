//go:build !unix

package main

// openFileLimit: Windows has no limit on open files that a program can
// read; see defaultMaxConns.
func openFileLimit() (uint64, bool) { return 0, false }
