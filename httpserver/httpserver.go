// Package httpserver ports class HttpServer of the course's http.py: it
// parses a request and builds the HTTP/1.0 answer, with a file of the
// document root as its body.
//
// This file follows http.py, method by method. What the Python lacked sits
// in files named for it: request.go (when a request is whole, and what a
// request line must be) and files.go (which names may be served, and the
// copies of the files kept in memory).
package httpserver

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server mirrors class HttpServer in http.py.
type Server struct {
	root string           // the Python served the current directory
	now  func() time.Time // the clock, replaceable in tests

	mu    sync.Mutex // guards files: the thread server calls Process from many goroutines
	files map[string]*file
}

// New mirrors HttpServer.__init__, for the files directly inside root, as
// HttpServer() served those of the current directory. (Its sessions
// dictionary was never used.)
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

// statusText gives the message of each status code this package sends, as
// response's message argument did.
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

// TimeFormat is the HTTP date format (RFC 9110 IMF-fixdate); times must be in UTC.
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// Response mirrors HttpServer.response: the status line, Date, Connection,
// Server and Content-Length headers, Content-Type when known, a blank line
// and the body (left out when withBody is false, as for HEAD). It returns
// the head and the body apart: the body is the file's copy in memory,
// shared by every response, never copied; the connection writes both at
// once (writev).
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

// Get mirrors HttpServer.http_get: it answers with the file the target
// names, from the top level of the document root only, as the Python did
// (find, in files.go, takes the place of its glob). Unlike the Python, GET /
// serves page.html (the Python found no file "/" and sent an empty 404).
// withBody is false for HEAD.
func (s *Server) Get(target string, withBody bool) net.Buffers {
	name, code := find(target)
	if code != 200 {
		return s.Response(code, nil, "", withBody)
	}
	// Fix: the Python raised KeyError for an extension not in its table, and
	// the client got no answer at all. Here such a file is not served.
	ctype, ok := contentTypes[strings.ToLower(filepath.Ext(name))]
	if !ok {
		return s.Response(404, nil, "", withBody)
	}
	body, ok := s.read(name)
	if !ok {
		return s.Response(404, nil, "", withBody)
	}
	return s.Response(200, body, ctype, withBody)
}

// Post mirrors HttpServer.http_post: whatever the target and body, it
// answers 200 with the word "kosong" ("empty"), as the Python did. The
// Python sent it without a Content-Type; this one says text/plain. The body
// is not looked at, so Request does not keep it.
func (s *Server) Post(target string) net.Buffers {
	return s.Response(200, []byte("kosong"), "text/plain; charset=utf-8", true)
}
