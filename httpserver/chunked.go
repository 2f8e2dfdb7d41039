package httpserver

// This file adds the chunked transfer coding of a request body (RFC 9112
// 7.1), which the Python never knew: it read a body only by accident, and
// a Transfer-Encoding header meant nothing to it. A recipient of HTTP/1.1
// must be able to parse it. Like a body with Content-Length, a chunked body
// is counted and dropped as it arrives, never held.

// chunkState is where a chunked body stands, byte by byte.
type chunkState uint8

const (
	csSize          chunkState = iota // the chunk-size's hex digits
	csExtWS                           // whitespace after the size or a value: a ";" must follow
	csExtNameWS                       // after ";": whitespace, then a name
	csExtName                         // a chunk-ext-name
	csExtNameEnd                      // whitespace after a name: "=" or ";" must follow
	csExtValueWS                      // after "=": whitespace, then a value
	csExtToken                        // a chunk-ext-val that is a token
	csExtQuoted                       // inside a quoted-string
	csExtQuotedPair                   // after a backslash in a quoted-string
	csExtQuoteEnd                     // after the closing quote
	csSizeLF                          // the CR of the chunk line is in: its LF
	csData                            // chunk-data
	csDataCR                          // after chunk-data: its CRLF
	csDataLF                          // likewise, the LF
	csTrailer                         // the start of a trailer line, or of the final CRLF
	csTrailerName                     // a trailer field's name
	csTrailerValue                    // its value, up to CR
	csTrailerLF                       // the LF of a trailer line
	csEndLF                           // the LF of the final CRLF
	csDone                            // the body is whole
)

// maxChunkDigits is how many hex digits of a chunk-size are read (leading
// zeros apart): 16 fill 64 bits. More is an overflow, not a size.
const maxChunkDigits = 16

// chunked parses a chunked body as it arrives. The zero value is at the
// start of the first chunk.
type chunked struct {
	state  chunkState
	size   uint64 // the chunk-size being read; then the chunk-data still to come
	digits int    // significant hex digits of size so far
	any    bool   // size has at least one digit
	data   int    // chunk-data bytes so far, of all chunks: MaxBodyBytes at most
	frame  int    // every other byte (sizes, extensions, CRLFs, trailers): MaxBodyBytes at most
	field  int    // bytes of the trailer section: MaxHeaderBytes at most
}

// done reports whether the last chunk and the trailer section are in.
func (c *chunked) done() bool { return c.state == csDone }

// add takes the next bytes of the body. It returns how many of them it
// used (fewer than len(b) only once the body is whole: the rest came after
// it), or an error: 400 for anything the grammar does not allow, 413 for a
// body over MaxBodyBytes, 431 for a trailer section over MaxHeaderBytes.
func (c *chunked) add(b []byte) (int, error) {
	for i := 0; i < len(b); i++ {
		if c.state == csDone {
			return i, nil
		}
		if c.state == csData {
			n := int(min(c.size, uint64(len(b)-i)))
			c.size -= uint64(n)
			c.data += n
			i += n - 1
			if c.size == 0 {
				c.state = csDataCR
			}
			continue
		}
		if c.frame++; c.frame > MaxBodyBytes {
			return i, &StatusError{413}
		}
		if err := c.step(b[i]); err != nil {
			return i, err
		}
	}
	return len(b), nil
}

// step takes one byte of framing: everything of a chunked body but the
// chunk-data.
func (c *chunked) step(ch byte) error {
	bad := &StatusError{400}
	ws := ch == ' ' || ch == '\t'
	switch c.state {
	case csSize:
		switch d, isHex := unhex(ch); {
		case isHex:
			c.any = true
			if c.size == 0 && d == 0 {
				return nil // a leading zero
			}
			if c.digits++; c.digits > maxChunkDigits {
				return bad // overflow
			}
			c.size = c.size<<4 | uint64(d)
			return nil
		case !c.any:
			return bad // no sign, no "0x", no space before the size
		case c.size > uint64(MaxBodyBytes-c.data):
			return &StatusError{413}
		case ws:
			c.state = csExtWS
		case ch == ';':
			c.state = csExtNameWS
		case ch == '\r':
			c.state = csSizeLF
		default:
			return bad
		}
	// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
	case csExtWS:
		switch {
		case ws:
		case ch == ';':
			c.state = csExtNameWS
		default:
			return bad // whitespace must lead to another extension
		}
	case csExtNameWS:
		switch {
		case ws:
		case isTChar(ch):
			c.state = csExtName
		default:
			return bad
		}
	case csExtName, csExtNameEnd:
		switch {
		case isTChar(ch) && c.state == csExtName:
		case ws:
			c.state = csExtNameEnd
		case ch == '=':
			c.state = csExtValueWS
		case ch == ';':
			c.state = csExtNameWS
		case ch == '\r' && c.state == csExtName:
			c.state = csSizeLF
		default:
			return bad
		}
	case csExtValueWS:
		switch {
		case ws:
		case ch == '"':
			c.state = csExtQuoted
		case isTChar(ch):
			c.state = csExtToken
		default:
			return bad
		}
	case csExtToken, csExtQuoteEnd:
		switch {
		case isTChar(ch) && c.state == csExtToken:
		case ws:
			c.state = csExtWS
		case ch == ';':
			c.state = csExtNameWS
		case ch == '\r':
			c.state = csSizeLF
		default:
			return bad
		}
	case csExtQuoted:
		switch {
		case ch == '"':
			c.state = csExtQuoteEnd
		case ch == '\\':
			c.state = csExtQuotedPair
		case ch == '\t' || ch >= ' ' && ch != 0x7f: // qdtext
		default:
			return bad
		}
	case csExtQuotedPair:
		if ch < ' ' && ch != '\t' || ch == 0x7f {
			return bad
		}
		c.state = csExtQuoted
	case csSizeLF:
		if ch != '\n' {
			return bad
		}
		if c.state, c.any, c.digits = csData, false, 0; c.size == 0 {
			c.state = csTrailer // the last chunk
		}
	case csDataCR:
		if ch != '\r' {
			return bad // more data than the chunk-size said, or a bare LF
		}
		c.state = csDataLF
	case csDataLF:
		if ch != '\n' {
			return bad
		}
		c.state = csSize
	// trailer-section = *( field-line CRLF ), then CRLF
	default:
		if c.field++; c.field > MaxHeaderBytes {
			return &StatusError{431}
		}
		return c.trailer(ch)
	}
	return nil
}

// trailer takes one byte of the trailer section. A trailer field is
// checked as a header field is, and then ignored.
func (c *chunked) trailer(ch byte) error {
	bad := &StatusError{400}
	switch c.state {
	case csTrailer:
		switch {
		case ch == '\r':
			c.state = csEndLF
		case isTChar(ch):
			c.state = csTrailerName
		default:
			return bad
		}
	case csTrailerName:
		switch {
		case ch == ':':
			c.state = csTrailerValue
		case !isTChar(ch):
			return bad // a space before the colon, or no colon at all
		}
	case csTrailerValue:
		switch {
		case ch == '\r':
			c.state = csTrailerLF
		case ch < ' ' && ch != '\t' || ch == 0x7f:
			return bad // a bare LF, or another control character
		}
	case csTrailerLF, csEndLF:
		if ch != '\n' {
			return bad
		}
		if c.state == csEndLF {
			c.state = csDone
		} else {
			c.state = csTrailer
		}
	}
	return nil
}

// unhex returns the value of a hex digit.
func unhex(ch byte) (byte, bool) {
	switch {
	case '0' <= ch && ch <= '9':
		return ch - '0', true
	case 'a' <= ch && ch <= 'f':
		return ch - 'a' + 10, true
	case 'A' <= ch && ch <= 'F':
		return ch - 'A' + 10, true
	}
	return 0, false
}
