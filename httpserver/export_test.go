package httpserver

import "time"

// SetNow replaces the server's clock, for the tests in httpserver_test.
func SetNow(s *Server, now func() time.Time) { s.now = now }
