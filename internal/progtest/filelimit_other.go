//go:build !unix

package progtest

import "testing"

// FileLimit needs ulimit, which only Unix systems have: see
// filelimit_unix.go.
func FileLimit(t *testing.T, flags ...string) {
	t.Skip("needs ulimit: Unix only")
}
