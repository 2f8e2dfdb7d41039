package httpserver

import "time"

// SetNow replaces the server's clock, for the tests in httpserver_test.
func SetNow(s *Server, now func() time.Time) { s.now = now }

// Copied returns how many bytes of files the server keeps in memory.
func Copied(s *Server) int64 {
	s.files.mu.Lock()
	defer s.files.mu.Unlock()
	return s.files.total
}
