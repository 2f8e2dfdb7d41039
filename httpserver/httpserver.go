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
	"sync"
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

	mu    sync.Mutex // guards files: the thread server calls Process from many goroutines
	files map[string]*file
}

// file is a file of the root as last read. The Python read the file for
// every request: open, stat, read, close. Keeping it saves those system
// calls (about nine in Go); it is looked at again, one stat, when the copy
// is over a second old, so an edited file is served within a second.
type file struct {
	body    []byte
	mod     time.Time
	size    int64
	checked time.Time
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
	return &Server{root: root, now: time.Now, files: make(map[string]*file)}, nil
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

// contentLength returns the body length that the headers announce. It
// works on the bytes as they are, allocating nothing.
func contentLength(head []byte) (int, error) {
	n := -1
	_, rest, _ := bytes.Cut(head, []byte("\n")) // the request line has no headers
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		name, value, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\r")), []byte(":"))
		if !ok {
			continue
		}
		switch {
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, &StatusError{501}
		case bytes.EqualFold(name, []byte("Content-Length")):
			v, ok := digits(bytes.TrimSpace(value))
			if !ok || (n >= 0 && v != n) {
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

// digits parses a non-empty run of decimal digits, as Content-Length must
// be: no sign, no spaces; absurdly long values are refused too.
func digits(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 12 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
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
	line := req[:end]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	method, rest, _ := strings.Cut(string(bytes.TrimSuffix(line, []byte("\r"))), " ")
	target, proto, _ := strings.Cut(rest, " ")
	// Fix: the Python took any line with a method and a path; a request
	// line has exactly three parts and an HTTP version.
	if target == "" || !strings.HasPrefix(proto, "HTTP/1.") || strings.Contains(proto, " ") {
		return s.Response(400, nil, "", true)
	}
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
	if hasDotDot(name) {
		return 403, nil, ""
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
	body, ok := s.read(name)
	if !ok {
		return 404, nil, ""
	}
	return 200, body, ctype
}

// read returns the content of the regular file name in the root, from the
// copy in s.files while it is fresh. Missing, a folder, unreadable: all
// "not here".
func (s *Server) read(name string) ([]byte, bool) {
	now := s.now()
	s.mu.Lock()
	f := s.files[name]
	s.mu.Unlock()
	if f != nil && now.Sub(f.checked) < time.Second {
		return f.body, true
	}
	path := filepath.Join(s.root, name)
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		s.forget(name)
		return nil, false
	}
	if f == nil || !fi.ModTime().Equal(f.mod) || fi.Size() != f.size {
		body, err := os.ReadFile(path)
		if err != nil {
			s.forget(name)
			return nil, false
		}
		f = &file{body: body, mod: fi.ModTime(), size: fi.Size()}
	}
	// A new entry each time: a reader may still hold the old one.
	f = &file{body: f.body, mod: f.mod, size: f.size, checked: now}
	s.mu.Lock()
	s.files[name] = f
	s.mu.Unlock()
	return f.body, true
}

func (s *Server) forget(name string) {
	s.mu.Lock()
	delete(s.files, name)
	s.mu.Unlock()
}

// hasDotDot reports whether p has a ".." segment, between slashes or
// backslashes.
func hasDotDot(p string) bool {
	for p != "" {
		seg := p
		if i := strings.IndexAny(p, "/\\"); i >= 0 {
			seg, p = p[:i], p[i+1:]
		} else {
			p = ""
		}
		if seg == ".." {
			return true
		}
	}
	return false
}

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
