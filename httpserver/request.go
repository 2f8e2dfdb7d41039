package httpserver

// This file adds what the Python's servers did with their buffer, rcv, and
// did wrong: they took "the buffer ends in CRLF" for the end of a request.
// Request finds the end of the head and counts the body; the rest checks
// what a request must be (RFC 9112), which the Python did not look at.

import (
	"bytes"
	"strconv"
	"strings"
)

// Limits on what a client may send. A request over them is answered at
// once with an error. A body is never held (see Request), so a connection's
// memory is bounded by MaxHeaderBytes, not by the client.
const (
	MaxHeaderBytes = 16 << 10 // request line and headers
	MaxBodyBytes   = 1 << 20  // a POST body
)

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
	head    []byte // the request line and headers, as far as they came
	skipped int    // empty lines before the request line, in bytes
	whole   bool   // head holds the whole head, up to its blank line
	body    int    // body bytes still to come
	extra   bool   // bytes came after the request
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
		// Empty lines before the request line are ignored (RFC 9112 2.2),
		// but they count towards the head's limit.
		rest := bytes.TrimLeft(data, "\r\n")
		r.skipped += len(data) - len(rest)
		data = rest
	}
	old := len(r.head)
	r.head = append(r.head, data...)
	end := headerEnd(r.head, max(old-2, 0)) // what came before has no blank line
	if end < 0 || r.skipped+end > MaxHeaderBytes {
		if r.skipped+len(r.head) > MaxHeaderBytes {
			return false, &StatusError{431}
		}
		return false, nil
	}
	n, expect, err := checkHead(r.head[:end])
	if err != nil {
		return false, err
	}
	r.whole, r.body = true, n
	r.took(len(r.head) - end)
	r.head = r.head[:end]
	// A client that sends "Expect: 100-continue" waits for an answer
	// before its body. Post's answer does not depend on the body, so it is
	// given at once, as the Python's was (that head ends in CRLF), and the
	// body is read and dropped after it (see Unread).
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

// checkHead checks the header lines of a whole head, as RFC 9112 says a
// server must, and returns the body length they announce and whether they
// ask for an answer before the body (Expect: 100-continue). It works on the
// bytes as they are, allocating nothing.
func checkHead(head []byte) (n int, expect bool, err error) {
	n = -1
	line, rest, _ := bytes.Cut(head, []byte("\n"))
	hosts := 0
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break // the blank line
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		// A line that starts with a space continues the one before (obs-fold,
		// 5.2), and a space before the colon makes a name that is no token
		// (5.1): both are refused, as are control characters in a value
		// (RFC 9110 5.5).
		if !ok || !isToken(name) || !isFieldValue(value) {
			return 0, false, &StatusError{400}
		}
		switch {
		case bytes.EqualFold(name, []byte("Host")):
			hosts++
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
	// An HTTP/1.1 request must have one Host, and none may have two (3.2).
	if hosts > 1 || hosts == 0 && needsHost(head) {
		return 0, false, &StatusError{400}
	}
	if n > MaxBodyBytes {
		return 0, false, &StatusError{413}
	}
	return max(n, 0), expect, nil
}

// needsHost reports whether the request line of head says HTTP/1.1, or a
// later 1.x, which is answered as 1.1.
func needsHost(head []byte) bool {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	v, ok := bytes.CutPrefix(line[bytes.LastIndexByte(line, ' ')+1:], []byte("HTTP/1."))
	return ok && len(v) == 1 && '1' <= v[0] && v[0] <= '9'
}

// isFieldValue reports whether v holds no control character but tab.
func isFieldValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
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

// isToken reports whether t is a token (RFC 9110 5.6.2): a method or a
// field name.
func isToken[T string | []byte](t T) bool {
	if len(t) == 0 {
		return false
	}
	for i := range len(t) {
		c := t[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
