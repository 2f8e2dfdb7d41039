package httpserver

// This file adds what the Python's servers did with their buffer, rcv, and
// did wrong: they took "the buffer ends in CRLF" for the end of a request.
// Request finds the end of the head and counts the body; the rest checks
// what a request must be (RFC 9112), which the Python did not look at.

import (
	"bytes"
	"net/netip"
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

// Request mirrors rcv, the buffer of the Python's servers: it collects one
// request from the bytes a connection reads. The head (request line and
// headers) is kept, up to MaxHeaderBytes. Differs (post-body): a body is
// only counted as it arrives, and dropped, since Post does not look at it
// (the Python kept it in rcv, whole). So a connection never holds more than
// its head, whatever the client sends. The zero value is ready.
type Request struct {
	head   []byte   // the request line and headers, as far as they came
	empty  int      // empty lines before the request line
	cr     bool     // the last byte of those lines was a CR: an LF must follow
	whole  bool     // head holds the whole head, up to its blank line
	body   int      // body bytes still to come, by Content-Length
	chunks *chunked // or a chunked body's framing (see chunked.go)
	extra  bool     // bytes came after the request
}

// Add takes the next bytes read from the connection. It returns done once
// the request is whole, so that Process can answer it: its head has ended
// and its Content-Length bytes of body have been read. It returns an error
// when the request must be answered with Reject instead.
//
// Fix (crlf-end): the Python took "the buffer ends in CRLF" for the end of
// a request, so a request whose pieces ended at a CRLF was answered before
// its headers were all there, and before its body.
func (r *Request) Add(data []byte) (done bool, err error) {
	if r.whole {
		return r.more(data)
	}
	if len(r.head) == 0 {
		if data, err = r.skip(data); err != nil || len(data) == 0 {
			return false, err
		}
	}
	old := len(r.head)
	r.head = append(r.head, data...)
	end := headerEnd(r.head, max(old-2, 0)) // what came before has no blank line
	if bareCR(r.head, max(old-1, 0), end) {
		return false, &StatusError{400}
	}
	if end < 0 || end > MaxHeaderBytes {
		if len(r.head) > MaxHeaderBytes {
			// A request line that alone fills the limit has a target
			// longer than the server will parse: 414 (RFC 9112 3).
			if i := bytes.IndexByte(r.head, '\n'); i < 0 || i >= MaxHeaderBytes {
				return false, &StatusError{414}
			}
			return false, &StatusError{431}
		}
		return false, nil
	}
	n, isChunked, expect, err := checkHead(r.head[:end])
	if err != nil {
		return false, err
	}
	r.whole, r.body = true, n
	if isChunked {
		r.chunks = new(chunked)
	}
	done, err = r.more(r.head[end:])
	r.head = r.head[:end]
	// A client that sends "Expect: 100-continue" waits for an answer
	// before its body. Post's answer does not depend on the body, so it is
	// given at once, as the Python's was (that head ends in CRLF), and the
	// body is read and dropped after it (see Unread).
	return done || expect && err == nil, err
}

// MaxEmptyLines is how many empty lines may come before the request line.
// RFC 9112 2.2 asks a server to ignore "at least one"; a client that sends
// more than a few is not sending a request.
const MaxEmptyLines = 8

// skip drops the empty lines (CRLF, or a bare LF) before the request line
// and returns what follows them. More than MaxEmptyLines, or a CR that is
// not followed by an LF (RFC 9112 2.2: a bare CR is invalid), is an error:
// 400.
func (r *Request) skip(data []byte) ([]byte, error) {
	for len(data) > 0 {
		c := data[0]
		switch {
		case r.cr && c != '\n':
			return nil, &StatusError{400}
		case c == '\r':
			r.cr = true
		case c == '\n':
			r.cr = false
			if r.empty++; r.empty > MaxEmptyLines {
				return nil, &StatusError{400}
			}
		default:
			return data, nil
		}
		data = data[1:]
	}
	return data, nil
}

// bareCR reports whether head[from:end] (or head[from:], when end is -1)
// holds a CR that is not followed by an LF: an invalid line end (RFC 9112
// 2.2), answered with 400 at once. A CR at the very end of what has come
// may yet be followed by its LF.
func bareCR(head []byte, from, end int) bool {
	if end < 0 {
		end = len(head)
	}
	for i := from; i < end; {
		j := bytes.IndexByte(head[i:end], '\r')
		if j < 0 {
			return false
		}
		i += j + 1
		if i < len(head) && head[i] != '\n' {
			return true
		}
	}
	return false
}

// more takes bytes that came after the head: body, or whatever follows the
// request. It reports whether the request is whole.
func (r *Request) more(data []byte) (bool, error) {
	if r.chunks != nil && !r.chunks.done() {
		n, err := r.chunks.add(data)
		if err != nil || !r.chunks.done() {
			return false, err
		}
		data = data[n:]
	}
	r.took(len(data))
	return r.body == 0, nil
}

// End is called when the client has ended its sending (end of file) before
// the request was whole. A body cut short is an incomplete request (RFC
// 9112 8), answered with 400; a head cut short has nobody to answer.
func (r *Request) End() error {
	if r.InBody() {
		return &StatusError{400}
	}
	return nil
}

// took counts n bytes of body (or of whatever follows the request).
func (r *Request) took(n int) {
	if n > r.body {
		r.extra = true
	}
	r.body = max(r.body-n, 0)
}

// Begun reports whether any byte of a request has come: a client that a
// full server sheds is then told so (Busy), not just closed.
func (r *Request) Begun() bool { return len(r.head) > 0 || r.empty > 0 || r.cr }

// Head returns the request line and headers, once Add has said done.
func (r *Request) Head() []byte { return r.head }

// InBody reports whether the head is in and the body is being read.
func (r *Request) InBody() bool {
	return r.whole && (r.body > 0 || r.chunks != nil && !r.chunks.done())
}

// Unread reports whether the client may still be sending when the answer
// goes out: bytes came after the request, or its body is still to come.
// Closing a connection with bytes unread makes the kernel send a reset,
// which can destroy the answer before the client reads it; such a
// connection must be drained after the answer (see tcpserver.WriteAndClose).
func (r *Request) Unread() bool { return r.extra || !r.whole || r.InBody() }

// headerEnd returns the index just past the blank line that ends the
// headers, looking from index from on, or -1 if it has not arrived.
//
// Fix (bare-lf): a request whose lines end in LF alone never ended in CRLF,
// and the Python never answered it; bare LF line ends are accepted (RFC
// 9112 2.2).
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
// server must (Differs (head-checks): the Python never looked at them), and
// returns the body length they announce (or that the body
// is chunked) and whether they ask for an answer before the body (Expect:
// 100-continue). It works on the bytes as they are, allocating nothing.
func checkHead(head []byte) (n int, chunked, expect bool, err error) {
	n = -1
	first, rest, _ := bytes.Cut(head, []byte("\n"))
	minor := httpMinor(first)
	hosts := 0
	var te codings
	for len(rest) > 0 {
		var line []byte
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
			return 0, false, false, &StatusError{400}
		}
		value = trimOWS(value)
		switch {
		case bytes.EqualFold(name, []byte("Host")):
			// One Host, and a valid one (RFC 9112 3.2): uri-host [":" port].
			if hosts++; !validHost(value) {
				return 0, false, false, &StatusError{400}
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			if !te.add(value) {
				return 0, false, false, &StatusError{400}
			}
		case bytes.EqualFold(name, []byte("Content-Length")):
			v, ok := digits(value)
			if !ok || (n >= 0 && v != n) {
				return 0, false, false, &StatusError{400}
			}
			n = v
		case bytes.EqualFold(name, []byte("Expect")):
			expect = bytes.EqualFold(value, []byte("100-continue"))
		}
	}
	// An HTTP/1.1 request must have one Host, and none may have two (3.2).
	if hosts > 1 || hosts == 0 && minor >= 1 {
		return 0, false, false, &StatusError{400}
	}
	if te.seen {
		return 0, true, expect, te.check(minor, n >= 0)
	}
	if n > MaxBodyBytes {
		return 0, false, false, &StatusError{413}
	}
	return max(n, 0), false, expect, nil
}

// codings is what the Transfer-Encoding lines of a request say.
type codings struct {
	seen    bool // there is a Transfer-Encoding line
	chunked int  // how many times chunked is named
	last    bool // chunked is the final coding
	unknown bool // a coding this server does not know (all but chunked)
}

// add takes the value of a Transfer-Encoding line, a list of codings
// (RFC 9112 6.1); it reports whether the value is one. Empty elements of
// the list are skipped, as RFC 9110 5.6.1.2 asks of a recipient.
func (c *codings) add(value []byte) bool {
	c.seen = true
	for rest, more := value, true; more; {
		var elem []byte
		elem, rest, more = bytes.Cut(rest, []byte(","))
		if elem = trimOWS(elem); len(elem) == 0 {
			continue
		}
		name, params, hasParams := bytes.Cut(elem, []byte(";"))
		name = trimOWS(name)
		switch {
		case !isToken(name):
			return false
		case bytes.EqualFold(name, []byte("chunked")):
			if hasParams {
				return false // chunked has no parameters
			}
			c.chunked++
			c.last = true
		default:
			_ = params // NOTE: a coding that is not known is refused whatever its parameters.
			c.unknown, c.last = true, false
		}
	}
	return true
}

// check returns the error for a request whose body is framed by c, or nil
// when it is chunked. minor is the request's HTTP/1.x minor version, and cl
// whether it sent a Content-Length too.
func (c *codings) check(minor int, cl bool) error {
	switch {
	// An HTTP/1.0 recipient knew no Transfer-Encoding: its framing is
	// faulty (RFC 9112 6.1).
	case minor == 0,
		// Both: "ought to be handled as an error", a sign of request
		// smuggling (6.3). It is refused, not read by one of the two.
		cl,
		// A final coding other than chunked leaves the body's length
		// unknown: a server MUST answer 400 and close (6.3), and chunked
		// may not be applied twice (7).
		!c.last, c.chunked > 1:
		return &StatusError{400}
	case c.unknown:
		return &StatusError{501} // a coding this server does not know (6.1)
	}
	return nil
}

// httpMinor returns the minor version of the request line's HTTP/1.x, or
// -1 for any other.
func httpMinor(line []byte) int {
	line = bytes.TrimSuffix(line, []byte("\r"))
	v, ok := bytes.CutPrefix(line[bytes.LastIndexByte(line, ' ')+1:], []byte("HTTP/1."))
	if !ok || len(v) != 1 || !isDigit(v[0]) {
		return -1
	}
	return int(v[0] - '0')
}

// trimOWS removes the optional whitespace, spaces and tabs, around a field
// value (RFC 9110 5.5).
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// validHost reports whether v is uri-host [ ":" port ] (RFC 3986 3.2.2,
// 3.2.3), as a Host value must be (RFC 9112 3.2): an IP literal in
// brackets, or a name of the characters a reg-name may hold, and a port of
// digits (65535 at most). So an empty value is not, nor a user
// ("user@host"), a path ("host/path") or a list ("a, b").
func validHost(v []byte) bool {
	if len(v) > 0 && v[0] == '[' {
		end := bytes.IndexByte(v, ']')
		if end < 0 || !validIPLiteral(v[1:end]) {
			return false
		}
		v = v[end+1:]
	} else {
		end := bytes.IndexByte(v, ':')
		if end < 0 {
			end = len(v)
		}
		if !validRegName(v[:end]) {
			return false
		}
		v = v[end:]
	}
	if len(v) == 0 {
		return true
	}
	port := v[1:] // port = *DIGIT: it may be empty
	if v[0] != ':' || len(port) > 5 {
		return false
	}
	p, ok := digits(port)
	return len(port) == 0 || ok && p <= 65535
}

// validRegName reports whether b is a non-empty reg-name: unreserved
// characters, sub-delims and %XX. A comma, a sub-delim, is refused: in a
// Host it is a list of two values.
func validRegName(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '%' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			i += 2
		case c == ',' || !isRegNameChar(c):
			return false
		}
	}
	return len(b) > 0
}

// isRegNameChar reports whether c is unreserved or a sub-delim (RFC 3986 2).
func isRegNameChar(c byte) bool { return chars[c]&regName != 0 }

// validIPLiteral reports whether b, between the brackets, is an IPv6
// address (without a zone) or an IPvFuture ("v" 1*HEXDIG "." 1*( unreserved
// / sub-delims / ":" )).
func validIPLiteral(b []byte) bool {
	if len(b) > 0 && (b[0] == 'v' || b[0] == 'V') {
		ver, rest, ok := bytes.Cut(b[1:], []byte("."))
		if !ok || len(ver) == 0 || len(rest) == 0 {
			return false
		}
		for _, c := range ver {
			if !isHex(c) {
				return false
			}
		}
		for _, c := range rest {
			if c != ':' && !isRegNameChar(c) {
				return false
			}
		}
		return true
	}
	a, err := netip.ParseAddr(string(b))
	return err == nil && a.Is6() && a.Zone() == ""
}

// validTarget reports whether a request-target holds only the characters
// a URI may (RFC 9112 3.2, RFC 3986): no control character, no space, no
// byte over 0x7E, and no fragment ("#"), which a client never sends.
func validTarget(t string) bool {
	for i := range len(t) {
		if c := t[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	_, ok := unhex(c)
	return ok
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
		if !isTChar(t[i]) {
			return false
		}
	}
	return true
}

// isTChar reports whether c may be part of a token.
func isTChar(c byte) bool { return chars[c]&tchar != 0 }

// chars classes each byte: a token's (tchar), and a reg-name's
// (unreserved or sub-delims, RFC 3986 2).
var chars = func() (t [256]uint8) {
	for c := range 256 {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if alnum || strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0 {
			t[c] |= tchar
		}
		if alnum || strings.IndexByte("-._~!$&'()*+,;=", byte(c)) >= 0 {
			t[c] |= regName
		}
	}
	return t
}()

const (
	tchar = 1 << iota
	regName
)
