// Package httpserver ports class HttpServer from the course's http.py: it
// decides when a request is complete, parses it and builds the HTTP/1.0 answer.
package httpserver

import (
	"bytes"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits on what a client may send. A request over them is answered at
// once with an error. A body is never held (see Request), so a connection's
// memory is bounded by MaxHeaderBytes, not by the client.
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
	505: "HTTP Version Not Supported",
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
// complete; Request.Add returns one.
type StatusError struct{ Code int }

func (e *StatusError) Error() string {
	return strconv.Itoa(e.Code) + " " + statusText[e.Code]
}

// Request collects one request from the bytes a connection reads, as rcv
// did in the Python's servers. The head (request line and headers) is
// kept, up to MaxHeaderBytes; a body is only counted as it arrives, and
// dropped, since Post does not look at it. So a connection never holds
// more than its head, whatever the client sends. The zero value is ready.
type Request struct {
	head  []byte // the request line and headers, as far as they came
	whole bool   // head holds the whole head, up to its blank line
	body  int    // body bytes still to come
	extra bool   // bytes came after the request
}

// Add takes the next bytes read from the connection. It returns done once
// the request is whole, so that Process can answer it: its head has ended
// and its Content-Length bytes of body have been read. It returns an error
// when the request must be answered with Reject instead.
//
// Fix: the Python took "the buffer ends in CRLF" for the end of a request,
// so a request whose pieces ended at a CRLF was answered before its headers
// were all there, and before its body.
func (r *Request) Add(data []byte) (done bool, err error) {
	if r.whole {
		r.took(len(data))
		return r.body == 0, nil
	}
	if len(r.head) == 0 {
		// Empty lines before the request line are ignored (RFC 9112 2.2).
		data = bytes.TrimLeft(data, "\r\n")
	}
	old := len(r.head)
	r.head = append(r.head, data...)
	end := headerEnd(r.head, max(old-2, 0)) // what came before has no blank line
	if end < 0 || end > MaxHeaderBytes {
		if len(r.head) > MaxHeaderBytes {
			return false, &StatusError{431}
		}
		return false, nil
	}
	n, expect, err := contentLength(r.head[:end])
	if err != nil {
		return false, err
	}
	r.whole, r.body = true, n
	r.took(len(r.head) - end)
	r.head = r.head[:end]
	// Fix: the Python never answered "Expect: 100-continue", so a client
	// that sends it waited (curl one second, Go's net/http too) before its
	// body. Post's answer does not depend on the body: it is given at
	// once, and the body read and dropped after it (see Unread).
	return r.body == 0 || expect, nil
}

// took counts n bytes of body (or of whatever follows the request).
func (r *Request) took(n int) {
	if n > r.body {
		r.extra = true
	}
	r.body = max(r.body-n, 0)
}

// Head returns the request line and headers, once Add has said done.
func (r *Request) Head() []byte { return r.head }

// InBody reports whether the head is in and the body is being read.
func (r *Request) InBody() bool { return r.whole && r.body > 0 }

// Unread reports whether the client may still be sending when the answer
// goes out: bytes came after the request, or its body is still to come.
// Closing a connection with bytes unread makes the kernel send a reset,
// which can destroy the answer before the client reads it; such a
// connection must be drained after the answer (see tcpserver.WriteAndClose).
func (r *Request) Unread() bool { return r.extra || r.body > 0 || !r.whole }

// headerEnd returns the index just past the blank line that ends the
// headers, looking from index from on, or -1 if it has not arrived. Bare
// LF line ends are accepted.
func headerEnd(buf []byte, from int) int {
	for i := from; ; {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1 // just past this line's LF
		if i < len(buf) && buf[i] == '\n' {
			return i + 1
		}
		if i+1 < len(buf) && buf[i] == '\r' && buf[i+1] == '\n' {
			return i + 2
		}
	}
}

// contentLength returns the body length that the headers announce, and
// whether they ask for an answer before the body (Expect: 100-continue).
// It works on the bytes as they are, allocating nothing.
func contentLength(head []byte) (n int, expect bool, err error) {
	n = -1
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
			return 0, false, &StatusError{501}
		case bytes.EqualFold(name, []byte("Content-Length")):
			v, ok := digits(bytes.TrimSpace(value))
			if !ok || (n >= 0 && v != n) {
				return 0, false, &StatusError{400}
			}
			n = v
		case bytes.EqualFold(name, []byte("Expect")):
			expect = bytes.EqualFold(bytes.TrimSpace(value), []byte("100-continue"))
		}
	}
	if n > MaxBodyBytes {
		return 0, false, &StatusError{413}
	}
	return max(n, 0), expect, nil
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

// Reject answers a request that Request.Add refused.
func (s *Server) Reject(err error) net.Buffers {
	code := 400
	var se *StatusError
	if errors.As(err, &se) {
		code = se.Code
	}
	return s.Response(code, nil, "", true)
}

// Process mirrors HttpServer.proses: it takes the head of one whole
// request (from Request) and returns the whole response.
func (s *Server) Process(head []byte) net.Buffers {
	line := head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	// Fix: the Python decoded the request as UTF-8 first, and any other
	// byte raised UnicodeDecodeError: the client got no answer. Here the
	// bytes are looked at as they are.
	method, rest, _ := strings.Cut(string(bytes.TrimSuffix(line, []byte("\r"))), " ")
	target, proto, _ := strings.Cut(rest, " ")
	// Fix: the Python took any line with a method and a path; a request
	// line has exactly three parts and an HTTP version.
	if code := checkVersion(proto); target == "" || code != 0 {
		return s.Response(max(code, 400), nil, "", true)
	}
	switch method {
	case "GET":
		return s.Get(target, true)
	case "HEAD": // the headers GET would send, without the body
		return s.Get(target, false)
	case "POST":
		return s.Post(target)
	}
	// Fix: the Python answered 400 to every other method, even a valid one.
	if isToken(method) {
		return s.Response(501, nil, "", true)
	}
	return s.Response(400, nil, "", true)
}

// checkVersion returns 0 for a version this server speaks, 505 for another
// HTTP version, and 400 for anything else. HTTP/1.0 and HTTP/1.1 are
// answered; so is a later 1.x, as HTTP/1.1 (RFC 9110 2.5: a minor version
// higher than the recipient's is processed as its highest one).
func checkVersion(proto string) int {
	v, ok := strings.CutPrefix(proto, "HTTP/")
	if !ok || len(v) != 3 || v[1] != '.' || !isDigit(v[0]) || !isDigit(v[2]) {
		return 400
	}
	if v[0] != '1' {
		return 505
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

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
// Unlike the Python, GET / serves page.html (the Python found no file "/"
// and sent an empty 404). withBody is false for HEAD.
func (s *Server) Get(target string, withBody bool) net.Buffers {
	code, body, ctype := s.find(target)
	if code != 200 {
		return s.Response(code, nil, "", withBody)
	}
	return s.Response(200, body, ctype, withBody)
}

// find maps a request target to a status, the file's bytes and its type.
// Unlike the Python, it ignores a query string (the Python sent 404).
func (s *Server) find(target string) (int, []byte, string) {
	path, _, _ := strings.Cut(target, "?")
	path = originForm(path)
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

// originForm turns an absolute-form target (http://host:port/page.html),
// which a server must accept (RFC 9112 3.2.2), into its path.
func originForm(target string) string {
	i := strings.Index(target, "://")
	if i < 0 || !strings.EqualFold(target[:i], "http") && !strings.EqualFold(target[:i], "https") {
		return target
	}
	rest := target[i+3:]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		return rest[j:]
	}
	return "/"
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
// answers 200 with the word "kosong" ("empty"), as the Python did. The
// Python sent it without a Content-Type; this one says text/plain. The body
// is not looked at, so Request does not keep it.
func (s *Server) Post(target string) net.Buffers {
	return s.Response(200, []byte("kosong"), "text/plain; charset=utf-8", true)
}

// Response mirrors HttpServer.response: the status line, Date, Connection,
// Server and Content-Length headers, Content-Type when known, a blank line
// and the body (left out when withBody is false, as for HEAD). It returns
// the head and the body apart: the body is the file's copy in memory,
// shared by every response, never copied; the connection writes both at
// once (writev). So a thousand clients reading a big file slowly cost
// their heads, not a thousand copies of it.
//
// Fix: Date is in the HTTP format (IMF-fixdate, GMT); the Python used the
// local "%c" format. Content-Type is spelled so, with a space after the
// colon and a charset for text, where the Python sent "Content-type:".
func (s *Server) Response(code int, body []byte, contentType string, withBody bool) net.Buffers {
	b := make([]byte, 0, 192) // the head, in one allocation
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
	if !withBody || len(body) == 0 {
		return net.Buffers{b}
	}
	return net.Buffers{b, body}
}
