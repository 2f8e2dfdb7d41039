// Package httpserver ports class HttpServer from the course's http.py: it
// decides when a request is complete, parses it and builds the HTTP/1.0 answer.
package httpserver

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Limits on what a client may send; a request over them is answered at once
// with an error, so memory is bounded by these numbers, not by the client.
const (
	MaxHeaderBytes = 16 << 10 // request line and headers
	MaxBodyBytes   = 1 << 20  // a POST body
)

// TimeFormat is the HTTP date format (RFC 9110 IMF-fixdate); times must be in UTC.
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// contentTypes mirrors self.types in HttpServer.__init__, with the other
// common web types added. A file whose extension is not here is never served:
// that keeps go.mod, *.go and other source files private.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".gif":  "image/gif",
	".svg":  "image/svg+xml",
	".ico":  "image/x-icon",
	".pdf":  "application/pdf",
}

// statusText gives the reason phrase of each status code this package sends.
var statusText = map[int]string{
	200: "OK",
	400: "Bad Request",
	403: "Forbidden",
	404: "Not Found",
	413: "Content Too Large",
	431: "Request Header Fields Too Large",
	501: "Not Implemented",
}

// Server mirrors class HttpServer in http.py.
type Server struct {
	root string           // the Python served the current directory
	now  func() time.Time // the clock, replaceable in tests
}

// New returns a Server for the files directly inside root, as
// HttpServer() served those of the current directory.
func New(root string) (*Server, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, errors.New(root + " is not a directory")
	}
	return &Server{root: root, now: time.Now}, nil
}

// Root returns the directory the server serves.
func (s *Server) Root() string { return s.root }

// StatusError is a request that is answered with an error before it is
// complete; Complete returns one.
type StatusError struct{ Code int }

func (e *StatusError) Error() string {
	return strconv.Itoa(e.Code) + " " + statusText[e.Code]
}

// Complete reports whether buf begins with a whole request: it returns the
// request's length, or 0 while more bytes are needed. A request is whole at
// the blank line that ends its headers plus Content-Length bytes of body.
//
// Fix: the Python answered as soon as its buffer ended in CRLF, so a request
// that arrived in pieces split at a CRLF was answered before its headers were
// all there, and a POST body was never read.
func Complete(buf []byte) (int, error) {
	end := headerEnd(buf)
	if end < 0 {
		if len(buf) > MaxHeaderBytes {
			return 0, &StatusError{431}
		}
		return 0, nil
	}
	if end > MaxHeaderBytes {
		return 0, &StatusError{431}
	}
	n, err := contentLength(buf[:end])
	if err != nil {
		return 0, err
	}
	if len(buf) < end+n {
		return 0, nil
	}
	return end + n, nil
}

// headerEnd returns the index just past the blank line that ends the
// headers, or -1 if it has not arrived. Bare LF line ends are accepted, and
// an empty first line is an (empty, bad) request of its own.
func headerEnd(buf []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1 // just past this line's LF
		if i == 1 || (i == 2 && buf[0] == '\r') {
			return i
		}
		if i < len(buf) && buf[i] == '\n' {
			return i + 1
		}
		if i+1 < len(buf) && buf[i] == '\r' && buf[i+1] == '\n' {
			return i + 2
		}
	}
}

// contentLength returns the body length that the headers announce.
func contentLength(head []byte) (int, error) {
	n := -1
	for _, line := range strings.Split(string(head), "\n")[1:] {
		name, value, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "Transfer-Encoding"):
			return 0, &StatusError{501}
		case strings.EqualFold(name, "Content-Length"):
			v, err := strconv.Atoi(value)
			if err != nil || v < 0 || value[0] == '+' || (n >= 0 && v != n) {
				return 0, &StatusError{400}
			}
			n = v
		}
	}
	if n > MaxBodyBytes {
		return 0, &StatusError{413}
	}
	return max(n, 0), nil
}

// Reject answers a request that Complete refused.
func (s *Server) Reject(err error) []byte {
	code := 400
	var se *StatusError
	if errors.As(err, &se) {
		code = se.Code
	}
	return s.Response(code, nil, "", true)
}

// Process mirrors HttpServer.proses: it takes one whole request (as Complete
// measured it) and returns the whole response.
func (s *Server) Process(req []byte) []byte {
	end := headerEnd(req)
	if end < 0 { // not from Complete; answer it all the same
		end = len(req)
	}
	line, _, _ := strings.Cut(string(req[:end]), "\n")
	parts := strings.Split(strings.TrimSuffix(line, "\r"), " ")
	// Fix: the Python took any line with a method and a path; a request
	// line has exactly three parts and an HTTP version.
	if len(parts) != 3 || parts[1] == "" || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return s.Response(400, nil, "", true)
	}
	method, target := parts[0], parts[1]
	switch method {
	case "GET":
		return s.Get(target, true)
	case "HEAD": // the headers GET would send, without the body
		return s.Get(target, false)
	case "POST":
		return s.Post(target, req[end:])
	}
	// Fix: the Python answered 400 to every other method, even a valid one.
	if isToken(method) {
		return s.Response(501, nil, "", true)
	}
	return s.Response(400, nil, "", true)
}

// isToken reports whether m can be a method name (RFC 9110 tchar, letters).
func isToken(m string) bool {
	if m == "" {
		return false
	}
	for _, r := range m {
		if !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Get mirrors HttpServer.http_get: it answers with the file the target
// names, from the top level of the document root only, as the Python did.
// GET / serves page.html. withBody is false for HEAD.
func (s *Server) Get(target string, withBody bool) []byte {
	code, body, ctype := s.find(target)
	if code != 200 {
		return s.Response(code, nil, "", withBody)
	}
	return s.Response(200, body, ctype, withBody)
}

// find maps a request target to a status, the file's bytes and its type.
func (s *Server) find(target string) (int, []byte, string) {
	path, _, _ := strings.Cut(target, "?")
	if !strings.HasPrefix(path, "/") {
		return 400, nil, ""
	}
	// Decode %xx first, so that an encoded ../ is caught like a plain one.
	path, err := url.PathUnescape(path)
	if err != nil {
		return 400, nil, ""
	}
	if path == "/" {
		path = "/page.html"
	}
	name := path[1:]
	for _, seg := range strings.FieldsFunc(name, isSlash) {
		if seg == ".." {
			return 403, nil, ""
		}
	}
	// Only plain names at the top level, as the Python's glob('./*') gave:
	// no subfolders, no hidden files.
	if name == "" || strings.ContainsAny(name, "/\\\x00") || name[0] == '.' {
		return 404, nil, ""
	}
	// Fix: the Python raised KeyError for an extension not in its table, and
	// the client got no answer at all. Here such a file is not served.
	ctype, ok := contentTypes[strings.ToLower(filepath.Ext(name))]
	if !ok {
		return 404, nil, ""
	}
	body, err := os.ReadFile(filepath.Join(s.root, name))
	if err != nil { // missing, a directory, unreadable: all "not here"
		return 404, nil, ""
	}
	return 200, body, ctype
}

func isSlash(r rune) bool { return r == '/' || r == '\\' }

// Post mirrors HttpServer.http_post: whatever the target and body, it
// answers 200 with the word "kosong" ("empty"), as the Python did. The body
// has been read whole by then (Complete waits for it).
func (s *Server) Post(target string, body []byte) []byte {
	return s.Response(200, []byte("kosong"), "text/plain; charset=utf-8", true)
}

// Response mirrors HttpServer.response: the status line, Date, Connection,
// Server and Content-Length headers, Content-Type when known, a blank line
// and the body (left out when withBody is false, as for HEAD).
//
// Fix: Date is in the HTTP format (IMF-fixdate, GMT); the Python used the
// local "%c" format.
func (s *Server) Response(code int, body []byte, contentType string, withBody bool) []byte {
	b := make([]byte, 0, 160+len(body)) // one allocation for the whole response
	b = append(b, "HTTP/1.0 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, statusText[code]...)
	b = append(b, "\r\nDate: "...)
	b = s.now().UTC().AppendFormat(b, TimeFormat)
	b = append(b, "\r\nConnection: close\r\nServer: myserver/1.0\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	if contentType != "" {
		b = append(b, "\r\nContent-Type: "...)
		b = append(b, contentType...)
	}
	b = append(b, "\r\n\r\n"...)
	if withBody {
		b = append(b, body...)
	}
	return b
}
