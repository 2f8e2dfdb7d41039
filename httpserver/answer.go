package httpserver

// This file adds the split between deciding an answer and sending it. In
// http.py, http_get read the whole file into the answer, and the server
// sent it with one send. Here Process decides (an Answer), and Open, called
// by the goroutine that sends, looks at the file: a small one comes from a
// copy in memory, a large one is streamed from the file and never held.
// So async_server's loop never waits for the disk.

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Answer is an answer as Process decides it.
type Answer struct {
	Code   int
	Type   string // Content-Type of the body
	Body   []byte // a body given whole (Post's "kosong")
	File   string // or: the file of the root whose content is the body
	NoBody bool   // HEAD: the head alone
}

// Busy is the answer to a client that a full server sheds after it began
// its request (see tcpserver.Refuse): 503, with a Retry-After.
var Busy = Answer{Code: 503}

// BusyHead is Busy, made whole at now, for the lb, which has no Server of
// its own: a full lb that sheds a client whose request's head is whole
// tells it so, as a server would.
func BusyHead(now time.Time) []byte {
	return (&Server{now: func() time.Time { return now }}).Response(503, 0, "")
}

// Reject answers a request that Request.Add refused.
func (s *Server) Reject(err error) Answer {
	code := 400
	var se *StatusError
	if errors.As(err, &se) {
		code = se.Code
	}
	return Answer{Code: code}
}

// Reply is an Answer made ready to send: its head, and its body in memory
// or the file to stream it from. Close it once it is sent.
type Reply struct {
	Bufs net.Buffers // the head, and the body when it is in memory
	File *os.File    // or the file to stream the body from (nil: none)
	Size int64       // the body's size
}

// Open makes a ready to send: it looks at its file (see files.go) and
// builds the head with Response. A file that is not there gets 404.
func (s *Server) Open(a Answer) Reply {
	body, size := a.Body, int64(len(a.Body))
	var f *os.File
	if a.File != "" {
		var ok bool
		if body, f, size, ok = s.files.open(a.File, s.now()); !ok {
			a = Answer{Code: 404, NoBody: a.NoBody}
		}
	}
	r := Reply{Bufs: make(net.Buffers, 1, 2)}
	r.Bufs[0] = s.Response(a.Code, size, a.Type)
	switch {
	case f != nil && a.NoBody:
		f.Close() // NOTE: read-only, and only its size was needed.
	case f != nil:
		r.File, r.Size = f, size
	case len(body) > 0 && !a.NoBody:
		r.Bufs = append(r.Bufs, body)
	}
	return r
}

// Len returns the size of the reply, head and body.
func (r Reply) Len() int64 {
	n := r.Size
	for _, b := range r.Bufs {
		n += int64(len(b))
	}
	return n
}

// Close closes the file of a streamed body.
func (r Reply) Close() {
	if r.File != nil {
		r.File.Close() // NOTE: read-only: nothing to lose.
	}
}

// String shows the reply as it goes out, for -v: what is in memory whole,
// and how much is streamed from a file after it.
func (r Reply) String() string {
	s := strconv.Quote(string(bytes.Join(r.Bufs, nil)))
	if r.File != nil {
		s += fmt.Sprintf(" and %d bytes of %s", r.Size, r.File.Name())
	}
	return s
}
