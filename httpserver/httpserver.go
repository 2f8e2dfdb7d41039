// Package httpserver ports class HttpServer of the course's http.py: it
// parses a request and builds the HTTP/1.0 answer, with a file of the
// document root as its body.
//
// This file follows http.py, method by method. What the Python lacked sits
// in files named for it: request.go (when a request is whole, and what a
// request must be), answer.go (deciding an answer apart from sending it)
// and files.go (the document root, and copies of its small files).
package httpserver

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Server mirrors class HttpServer in http.py.
type Server struct {
	files *files           // the document root (the Python's was the current directory): see files.go
	now   func() time.Time // the clock, replaceable in tests
}

// New mirrors HttpServer.__init__, for the files directly inside root, as
// HttpServer() served those of the current directory. (Its sessions
// dictionary was never used.)
func New(root string) (*Server, error) {
	f, err := openRoot(root)
	if err != nil {
		return nil, err
	}
	return &Server{files: f, now: time.Now}, nil
}

// contentTypes is self.types of HttpServer.__init__. Differs (more-types):
// with the other common web types added. A file whose extension is not here
// is never served: that keeps go.mod, *.go and other source files private.
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
	414: "URI Too Long",
	431: "Request Header Fields Too Large",
	501: "Not Implemented",
	503: "Service Unavailable",
	505: "HTTP Version Not Supported",
}

// StatusText returns the message of a status code this package sends.
func StatusText(code int) string { return statusText[code] }

// TimeFormat is the HTTP date format (RFC 9110 IMF-fixdate); times must be in UTC.
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// Response mirrors HttpServer.response: the status line, Date,
// Connection, Server and Content-Length headers, Content-Type when known,
// and the blank line. The body follows it when the answer is sent (see
// Open): a small file's copy in memory, written with the head in one
// writev, or a large file itself, streamed.
//
// Fix (date): Date is in the HTTP format (IMF-fixdate, GMT); the Python
// used the local "%c" format.
//
// Differs (header-spelling): Content-Type is spelled so, with a space after
// the colon and a charset for text, where the Python sent "Content-type:".
//
// A 503 (a full server shed the client) says when to come back:
// Retry-After, in seconds.
func (s *Server) Response(code int, length int64, contentType string) []byte {
	b := make([]byte, 0, 192) // the head, in one allocation
	b = append(b, "HTTP/1.0 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, statusText[code]...)
	b = append(b, "\r\nDate: "...)
	b = s.now().UTC().AppendFormat(b, TimeFormat)
	b = append(b, "\r\nConnection: close\r\nServer: myserver/1.0\r\nContent-Length: "...)
	b = strconv.AppendInt(b, length, 10)
	if contentType != "" {
		b = append(b, "\r\nContent-Type: "...)
		b = append(b, contentType...)
	}
	if code == 503 {
		b = append(b, "\r\nRetry-After: 1"...)
	}
	return append(b, "\r\n\r\n"...)
}

// Process mirrors HttpServer.proses: it takes the head of one whole
// request (from Request) and decides the answer. It touches no file: Open
// does, when the answer is sent, so async_server's loop never waits for
// the disk.
func (s *Server) Process(head []byte) Answer {
	line := head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	// The bytes are looked at as they are: nothing is decoded (the
	// servers' Fix (utf8)).
	method, rest, _ := strings.Cut(string(bytes.TrimSuffix(line, []byte("\r"))), " ")
	target, proto, _ := strings.Cut(rest, " ")
	// Fix (two-parts): the Python took any line with a method and a path; a
	// request line has exactly three parts and an HTTP version.
	// Differs (two-spaces): and one space between them, so "GET  /x" (two
	// spaces), which the Python took as an empty name, gets 400.
	if code := checkVersion(proto); target == "" || code != 0 {
		return Answer{Code: max(code, 400)}
	}
	// Differs (head-checks): the Python looked up any bytes as a name. A
	// target holds only what a URI may (RFC 9112 3.2): a control character,
	// a byte over 0x7E or a fragment gets 400, for every method.
	if !validTarget(target) {
		return Answer{Code: 400}
	}
	// Differs (method-case): the Python upper-cased the method; here "get"
	// is no GET (RFC 9110 9.1: methods are case-sensitive).
	switch method {
	case "GET":
		return s.Get(target, true)
	case "HEAD": // the headers GET would send, without the body
		return s.Get(target, false)
	case "POST":
		return s.Post(target)
	}
	// Fix (method-400): the Python answered 400 to every other method, even
	// a valid one.
	if isToken(method) {
		return Answer{Code: 501}
	}
	return Answer{Code: 400}
}

// Get mirrors HttpServer.http_get: it answers with the file the target
// names, from the top level of the document root only, as the Python did
// (find, in files.go, takes the place of its glob). withBody is false for
// HEAD.
func (s *Server) Get(target string, withBody bool) Answer {
	name, code := find(target)
	if code != 200 {
		return Answer{Code: code, NoBody: !withBody}
	}
	// Fix (keyerror): the Python raised KeyError for an extension not in its
	// table, and the client got no answer at all. Here such a file is not
	// served. Fix (upper-ext): so did an extension in capitals (PHOTO.JPG);
	// here it is looked up in lower case.
	ctype, ok := contentTypes[strings.ToLower(filepath.Ext(name))]
	if !ok {
		return Answer{Code: 404, NoBody: !withBody}
	}
	// The file itself is opened when the answer is sent (Open, files.go).
	// Fix (folder): only a regular file is served; the Python's open()
	// raised IsADirectoryError for a folder, and nobody answered.
	// Fix (symlink): it is opened in the document root, an os.Root, which
	// no link leaves; the Python's open() followed a link anywhere.
	// Fix (glob): a small file comes from its copy in memory; the Python
	// listed the folder and read the whole file for every request.
	return Answer{Code: 200, File: name, Type: ctype, NoBody: !withBody}
}

// Post mirrors HttpServer.http_post: whatever the target and body, it
// answers 200 with the word "kosong" ("empty"), as the Python did. The body
// is not looked at, so Request does not keep it. Differs (post-type): the
// Python sent it without a Content-Type; this one says text/plain.
func (s *Server) Post(target string) Answer {
	return Answer{Code: 200, Body: kosong, Type: "text/plain; charset=utf-8"}
}

var kosong = []byte("kosong")
