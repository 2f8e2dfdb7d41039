package progtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Files is the document root that DocRoot makes: name → content.
var Files = map[string]string{
	"big.jpg":         bigFile(75007), // the size of the course's research_center.jpg: over 64 KiB
	"page.html":       "<html><body><img src=\"pic.png\"></body></html>\n",
	"notes.txt":       "plain text\n",
	"pic.png":         "\x89PNG\r\n\x1a\nnot really a picture",
	"PHOTO.JPG":       "\xff\xd8\xffnot really a photograph",
	"secret.go":       "package secret\n",
	"go.mod":          "module secret\n",
	".hidden.html":    "<p>hidden</p>",
	"weird.xyz":       "unknown type",
	"my file.txt":     "a name with a space\n",
	"sub/in.html":     "<p>in a subfolder</p>",
	"album.jpg/a.jpg": "\xff\xd8\xffa folder with a picture's name",
}

// Outside is the content of a file beside the document root that DocRoot
// makes, which no request may reach.
const Outside = "outside the root\n"

// Links are the symbolic links that DocRoot makes in the root: name → what
// it points to (ROOT: the root's own path). On a system where a test may
// not make links (Windows, without the right to), inside.txt is a copy of
// notes.txt and the others are not there.
var Links = map[string]string{
	"inside.txt":   "notes.txt",
	"outside.txt":  "../outside.txt",
	"absolute.txt": "ROOT/../outside.txt",
}

// bigFile returns n bytes that no two offsets of the file share by chance,
// so that a part sent twice or out of place shows.
func bigFile(n int) string {
	b := make([]byte, n)
	x := uint32(1)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return string(b)
}

// DocRoot writes Files and Links into a new directory and returns its
// path; Outside is written beside it.
func DocRoot(t testing.TB) string {
	t.Helper()
	base := t.TempDir()
	if err := os.WriteFile(filepath.Join(base, "outside.txt"), []byte(Outside), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "root")
	for name, target := range Links {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		target = filepath.FromSlash(strings.Replace(target, "ROOT", filepath.ToSlash(dir), 1))
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil && name == "inside.txt" {
			// A copy, so that its row holds.
			if err := os.WriteFile(filepath.Join(dir, name), []byte(Files[target]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, content := range Files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Case is one raw request and what the answer must be.
type Case struct {
	Name   string
	Pieces []string // the request, written piece by piece
	End    bool     // then the client ends its sending (half-close)
	Code   int
	Body   *string // exact body, when given
	Type   string  // Content-Type prefix, when given
}

func file(name string) *string { s := Files[name]; return &s }

var kosong = "kosong"

// Cases are the requests every server must answer alike, the two servers
// directly and through the lb. A request in several pieces is written piece
// by piece, and no byte of the answer may come before the last piece. The
// rows marked "Python:" fail on the course's programs; each says why.
var Cases = []Case{
	{Name: "GET / serves page.html", Pieces: []string{"GET / HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("page.html"), Type: "text/html"},
	{Name: "GET with HTTP/1.1 and headers", Pieces: []string{"GET /page.html HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n"}, Code: 200, Body: file("page.html")},
	{Name: "text file", Pieces: []string{"GET /notes.txt HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("notes.txt"), Type: "text/plain"},
	{Name: "picture", Pieces: []string{"GET /pic.png HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("pic.png"), Type: "image/png"},
	// async_server.py's send kept what the socket did not take at once
	// (64 KiB) for later, and its close() right after dropped it.
	{Name: "Python: a file over 64 KiB arrives whole", Pieces: []string{"GET /big.jpg HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("big.jpg"), Type: "image/jpeg"},
	{Name: "query string is ignored", Pieces: []string{"GET /page.html?x=1 HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("page.html")},
	// Both servers waited for a buffer ending in CRLF: never.
	{Name: "Python: bare LF line ends", Pieces: []string{"GET /notes.txt HTTP/1.0\n\n"}, Code: 200, Body: file("notes.txt")},
	// Both servers answered as soon as their buffer ended in CRLF: here
	// after the request line, before the headers.
	{Name: "Python: split at CRLF", Pieces: []string{"GET /notes.txt HTTP/1.0\r\n", "Host: x\r\n", "Accept: */*\r\n", "\r\n"}, Code: 200, Body: file("notes.txt")},
	// async_server.py closed the connection after every read, whole
	// request or not: a request in more than one read got no answer.
	{Name: "Python: a request in three reads", Pieces: []string{"GET /notes.txt HTTP/1.0\r", "\n\r", "\n"}, Code: 200, Body: file("notes.txt")},
	{Name: "HEAD has no body", Pieces: []string{"HEAD /page.html HTTP/1.0\r\n\r\n"}, Code: 200, Type: "text/html"},
	{Name: "POST", Pieces: []string{"POST /form HTTP/1.0\r\nContent-Length: 3\r\n\r\na=1"}, Code: 200, Body: &kosong},
	// The blank line ends in CRLF, so the Python answered before the body.
	{Name: "Python: POST body sent later", Pieces: []string{"POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\n", "ab", "cde"}, Code: 200, Body: &kosong},
	{Name: "missing file", Pieces: []string{"GET /nothing.html HTTP/1.0\r\n\r\n"}, Code: 404},
	// http.py looked the extension up in its table: KeyError, no answer.
	{Name: "Python: unknown extension", Pieces: []string{"GET /weird.xyz HTTP/1.0\r\n\r\n"}, Code: 404},
	// data.decode() raised UnicodeDecodeError: the client got no answer.
	// (A field value may hold such bytes, RFC 9110 5.5.)
	{Name: "Python: bytes that are not UTF-8", Pieces: []string{"GET /notes.txt HTTP/1.0\r\nX-Name: caf\xe9\r\n\r\n"}, Code: 200, Body: file("notes.txt")},
	// Each read was decoded alone: a character split between two reads
	// raised UnicodeDecodeError too.
	{Name: "Python: UTF-8 split between two reads", Pieces: []string{"GET /notes.txt HTTP/1.0\r\nX-Name: caf\xc3", "\xa9\r\n\r\n"}, Code: 200, Body: file("notes.txt")},
	// The Python looked for the name as sent: /my%20file.txt got 404.
	{Name: "a percent-encoded name is decoded", Pieces: []string{"GET /my%20file.txt HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("my file.txt")},
	// The type table knew ".jpg" only: KeyError, no answer.
	{Name: "Python: upper-case extension", Pieces: []string{"GET /PHOTO.JPG HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("PHOTO.JPG"), Type: "image/jpeg"},
	{Name: "source file", Pieces: []string{"GET /secret.go HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "go.mod", Pieces: []string{"GET /go.mod HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "hidden file", Pieces: []string{"GET /.hidden.html HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "subfolder", Pieces: []string{"GET /sub/in.html HTTP/1.0\r\n\r\n"}, Code: 404},
	// glob listed it, open raised IsADirectoryError, and nobody answered.
	// (A folder without a web type's name is refused before it is opened.)
	{Name: "Python: folder", Pieces: []string{"GET /album.jpg HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "a folder", Pieces: []string{"GET /sub HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "a link within the root is followed", Pieces: []string{"GET /inside.txt HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("notes.txt")},
	// open() followed a link wherever it pointed.
	{Name: "Python: a link out of the root is not followed", Pieces: []string{"GET /outside.txt HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "an absolute link out of the root is not followed", Pieces: []string{"GET /absolute.txt HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "traversal", Pieces: []string{"GET /../../etc/passwd HTTP/1.0\r\n\r\n"}, Code: 403},
	{Name: "encoded traversal", Pieces: []string{"GET /%2e%2e/%2E%2E/etc/passwd HTTP/1.0\r\n\r\n"}, Code: 403},
	{Name: "encoded slash traversal", Pieces: []string{"GET /..%2fgo.mod HTTP/1.0\r\n\r\n"}, Code: 403},
	{Name: "bad percent encoding", Pieces: []string{"GET /%zz HTTP/1.0\r\n\r\n"}, Code: 400},
	// http.py answered 400 to every method but GET and POST.
	{Name: "Python: unknown method", Pieces: []string{"BREW /pot HTTP/1.0\r\n\r\n"}, Code: 501},
	{Name: "garbage request line", Pieces: []string{"garbage\x01line\r\n\r\n"}, Code: 400},
	{Name: "empty lines before the request line are ignored", Pieces: []string{"\r\n\r\n", "GET /notes.txt HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("notes.txt")},
	// http.py took any line with a method and a path: this got a 404.
	{Name: "Python: too few parts", Pieces: []string{"GET /\r\n\r\n"}, Code: 400},
	{Name: "not HTTP", Pieces: []string{"GET / FTP/1.0\r\n\r\n"}, Code: 400},
	{Name: "absolute-form target", Pieces: []string{"GET http://127.0.0.1/notes.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"}, Code: 200, Body: file("notes.txt")},
	{Name: "HTTP/2.0 request line", Pieces: []string{"GET / HTTP/2.0\r\n\r\n"}, Code: 505},
	{Name: "malformed version", Pieces: []string{"GET / HTTP/1.1x\r\n\r\n"}, Code: 400},
	// The client sends its body only after an answer (or after a wait):
	// the answer comes at once, and the body is read and dropped after it.
	{Name: "Expect: 100-continue is answered at once", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"}, Code: 200, Body: &kosong},
	{Name: "header too large", Pieces: []string{"GET / HTTP/1.0\r\nX-Big: " + strings.Repeat("a", 200<<10) + "\r\n\r\n"}, Code: 431},
	{Name: "body too large", Pieces: []string{"POST / HTTP/1.0\r\nContent-Length: 99999999\r\n\r\n"}, Code: 413},
	{Name: "bad Content-Length", Pieces: []string{"POST / HTTP/1.0\r\nContent-Length: x\r\n\r\n"}, Code: 400},
	// Chunked request bodies: "A recipient MUST be able to parse the
	// chunked transfer coding" (RFC 9112 7.1). The body is counted and
	// dropped; anything the grammar does not allow gets 400, then close.
	{Name: "chunked: one chunk (RFC 9112 7.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"}, Code: 200, Body: &kosong},
	{Name: "chunked: several chunks, in pieces (RFC 9112 7.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "3\r\nabc\r\n", "4\r\ndefg\r\n", "0\r\n", "\r\n"}, Code: 200, Body: &kosong},
	{Name: "chunked: empty (RFC 9112 7.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}, Code: 200, Body: &kosong},
	{Name: "chunked: upper-case hex (RFC 9112 7.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"}, Code: 200, Body: &kosong},
	{Name: "chunked: extensions (RFC 9112 7.1.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;name\r\nhello\r\n5 ; a = b;c=\"q \\\"x\\\"\"\r\nworld\r\n0;last\r\n\r\n"}, Code: 200, Body: &kosong},
	{Name: "chunked: a trailer (RFC 9112 7.1.2)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 5\r\n\r\n"}, Code: 200, Body: &kosong},
	{Name: "chunked: a bad size (RFC 9112 7.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n"}, Code: 400},
	{Name: "chunked: a size with a space after it (RFC 9112 7.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n"}, Code: 400},
	{Name: "chunked: a size that overflows (RFC 9112 7.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n"}, Code: 400},
	{Name: "chunked: no CRLF after the data (RFC 9112 7.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n"}, Code: 400},
	{Name: "chunked: a bare LF after the size (RFC 9112 7.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"}, Code: 400},
	{Name: "chunked: a bare CR after the data (RFC 9112 7.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r0\r\n\r\n"}, Code: 400},
	{Name: "chunked: a control character in an extension (RFC 9112 7.1.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x01\r\nhello\r\n0\r\n\r\n"}, Code: 400},
	{Name: "chunked: a bad trailer line (RFC 9112 7.1.2)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon\r\n\r\n"}, Code: 400},
	{Name: "chunked: no last chunk before the client ends (RFC 9112 8)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"}, End: true, Code: 400},
	{Name: "chunked: over the body limit", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n"}, Code: 413},
	{Name: "a Content-Length body cut short by the client's end (RFC 9112 8)", Pieces: []string{"POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\nab"}, End: true, Code: 400},
	// What Transfer-Encoding may be (RFC 9112 6).
	{Name: "Transfer-Encoding in HTTP/1.0 is faulty framing (RFC 9112 6.1)", Pieces: []string{"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}, Code: 400},
	{Name: "Transfer-Encoding and Content-Length both (RFC 9112 6.3)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}, Code: 400},
	{Name: "a final coding other than chunked (RFC 9112 6.3)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"}, Code: 400},
	{Name: "chunked twice (RFC 9112 7)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"}, Code: 400},
	{Name: "a coding the server does not know (RFC 9112 6.1)", Pieces: []string{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"}, Code: 501},
	// What RFC 9112 says a server must refuse.
	{Name: "whitespace before a colon", Pieces: []string{"POST / HTTP/1.0\r\nContent-Length : 5\r\n\r\nhello"}, Code: 400},
	{Name: "HTTP/1.1 without Host", Pieces: []string{"GET /notes.txt HTTP/1.1\r\n\r\n"}, Code: 400},
	{Name: "two Host lines", Pieces: []string{"GET /notes.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}, Code: 400},
	{Name: "an empty Host (RFC 9112 3.2)", Pieces: []string{"GET /notes.txt HTTP/1.1\r\nHost:\r\n\r\n"}, Code: 400},
	{Name: "a Host with a user (RFC 9112 3.2)", Pieces: []string{"GET /notes.txt HTTP/1.1\r\nHost: user@x\r\n\r\n"}, Code: 400},
	{Name: "a Host with a path (RFC 9112 3.2)", Pieces: []string{"GET /notes.txt HTTP/1.1\r\nHost: x/notes.txt\r\n\r\n"}, Code: 400},
	{Name: "a Host list (RFC 9112 3.2)", Pieces: []string{"GET /notes.txt HTTP/1.1\r\nHost: a, b\r\n\r\n"}, Code: 400},
	{Name: "a Host port that is no number (RFC 9112 3.2)", Pieces: []string{"GET /notes.txt HTTP/1.1\r\nHost: x:8o\r\n\r\n"}, Code: 400},
	{Name: "a Host that is no IPv6 literal (RFC 9112 3.2)", Pieces: []string{"GET /notes.txt HTTP/1.1\r\nHost: [::1\r\n\r\n"}, Code: 400},
	{Name: "a bad Host in HTTP/1.0 (RFC 9112 3.2)", Pieces: []string{"GET /notes.txt HTTP/1.0\r\nHost: user@x\r\n\r\n"}, Code: 400},
	{Name: "a Host with an IPv6 literal and a port", Pieces: []string{"GET /notes.txt HTTP/1.1\r\nHost: [::1]:44444\r\n\r\n"}, Code: 200, Body: file("notes.txt")},
	// The target's bytes (RFC 9112 3.2, RFC 3986).
	{Name: "a NUL in the target (RFC 9112 3.2)", Pieces: []string{"GET /notes\x00.txt HTTP/1.0\r\n\r\n"}, Code: 400},
	{Name: "a control character in the target (RFC 9112 3.2)", Pieces: []string{"GET /notes\x1b.txt HTTP/1.0\r\n\r\n"}, Code: 400},
	{Name: "a control character in a POST's target (RFC 9112 3.2)", Pieces: []string{"POST /a\x01b HTTP/1.0\r\nContent-Length: 1\r\n\r\nx"}, Code: 400},
	{Name: "a byte over 0x7E in the target (RFC 9112 3.2)", Pieces: []string{"GET /caf\xc3\xa9.html HTTP/1.0\r\n\r\n"}, Code: 400},
	{Name: "a fragment in the target (RFC 9112 3.2)", Pieces: []string{"GET /notes.txt#top HTTP/1.0\r\n\r\n"}, Code: 400},
	{Name: "a decoded name that is not UTF-8 (an overlong slash)", Pieces: []string{"GET /%C0%AF HTTP/1.0\r\n\r\n"}, Code: 400},
	{Name: "a target longer than the server parses (RFC 9112 3)", Pieces: []string{"GET /" + strings.Repeat("a", 20<<10) + " HTTP/1.0\r\n\r\n"}, Code: 414},
	{Name: "a folded header line (obs-fold)", Pieces: []string{"GET /notes.txt HTTP/1.0\r\nX-A: a\r\n b\r\n\r\n"}, Code: 400},
	{Name: "NUL in a field value", Pieces: []string{"GET /notes.txt HTTP/1.0\r\nX-A: a\x00b\r\n\r\n"}, Code: 400},
	{Name: "control character in a field value", Pieces: []string{"GET /notes.txt HTTP/1.0\r\nX-A: a\x1bb\r\n\r\n"}, Code: 400},
	{Name: "a header line without a colon", Pieces: []string{"GET /notes.txt HTTP/1.0\r\nnocolon\r\n\r\n"}, Code: 400},
	// A server ignores "at least one" empty line before the request line
	// (RFC 9112 2.2), and these a few; 1 MiB of them is no request.
	{Name: "1 MiB of empty lines before the request line (RFC 9112 2.2)", Pieces: []string{strings.Repeat("\r\n", 1<<19) + "GET /notes.txt HTTP/1.0\r\n\r\n"}, Code: 400},
	{Name: "a CR alone as a line end (RFC 9112 2.2)", Pieces: []string{"GET /notes.txt HTTP/1.0\r\r"}, Code: 400},
}

// Conformance runs every Case against the server at addr, plus the check
// that needs many clients at once. It returns how many connections it
// made: go test -run may have chosen some of them.
func Conformance(t *testing.T, addr string) (conns int) {
	for _, tc := range Cases {
		t.Run(tc.Name, func(t *testing.T) {
			conns++
			head := strings.HasPrefix(tc.Pieces[0], "HEAD")
			raw := exchangeSlowly(t, addr, tc.Pieces, tc.End)
			resp, body := Parse(t, raw, head)
			if resp.StatusCode != tc.Code {
				t.Fatalf("status %d, want %d\n%q", resp.StatusCode, tc.Code, short(raw))
			}
			CheckHeaders(t, resp)
			if tc.Body != nil && string(body) != *tc.Body {
				t.Errorf("body %q, want %q", short(body), short([]byte(*tc.Body)))
			}
			if tc.Type != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.Type) {
				t.Errorf("Content-Type %q, want %s", resp.Header.Get("Content-Type"), tc.Type)
			}
			if head && (len(body) != 0 || resp.ContentLength != int64(len(Files["page.html"]))) {
				t.Errorf("HEAD: Content-Length %d, %d body bytes", resp.ContentLength, len(body))
			}
		})
	}
	// async_server.py kept one buffer, rcv, for all its connections.
	t.Run("Python: concurrent requests are not mixed", func(t *testing.T) {
		conns += 50
		ManyAtOnce(t, addr, 50)
	})
	return conns
}

// short shortens b for a failure message.
func short(b []byte) []byte {
	if len(b) > 200 {
		return append(b[:200:200], "..."...)
	}
	return b
}

// Client is one client of a Sequence: it sends Pieces, then either leaves
// at once (Leave) or reads the whole answer, which must be Code (when not
// 0) and Body (when not nil).
type Client struct {
	Pieces []string
	Leave  bool
	Code   int
	Body   *string
}

// Sequence is clients that come one after another: the leftovers of one
// client must not reach the next. Every client that stays must get a whole
// answer, and the last one Code and Body.
type Sequence struct {
	Name    string
	Clients []Client
	Code    int
	Body    *string
}

// RunSequences runs each Sequence against the server at addr.
func RunSequences(t *testing.T, addr string, seqs []Sequence) {
	for _, sq := range seqs {
		t.Run(sq.Name, func(t *testing.T) {
			var raw []byte
			for i, c := range sq.Clients {
				if !c.Leave {
					raw = exchangeSlowly(t, addr, c.Pieces, false)
					if resp, body := Parse(t, raw, false); c.Code != 0 && resp.StatusCode != c.Code || c.Body != nil && string(body) != *c.Body {
						t.Errorf("client %d got %d %q, want %d %q", i+1, resp.StatusCode, short(body), c.Code, short([]byte(deref(c.Body))))
					}
					continue
				}
				conn := Dial(t, addr)
				for _, p := range c.Pieces {
					if _, err := io.WriteString(conn, p); err != nil {
						t.Fatalf("client %d: %v", i, err)
					}
				}
				time.Sleep(50 * time.Millisecond) // let the server read it
				conn.Close()                      // NOTE: leaving is the point.
			}
			resp, body := Parse(t, raw, false)
			if resp.StatusCode != sq.Code || (sq.Body != nil && string(body) != *sq.Body) {
				t.Errorf("last client got %d %q, want %d %q", resp.StatusCode, short(body), sq.Code, short([]byte(deref(sq.Body))))
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// exchangeSlowly writes each piece as a read of its own, as a slow network
// would deliver it, and checks that no byte of the answer comes before the
// last piece: the Python answered a request before it was all there.
func exchangeSlowly(t *testing.T, addr string, pieces []string, end bool) []byte {
	c := Dial(t, addr)
	for i, p := range pieces {
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatalf("write piece %d: %v", i+1, err)
		}
		if i == len(pieces)-1 {
			if end {
				if err := c.CloseWrite(); err != nil {
					t.Fatal(err)
				}
			}
			break
		}
		if err := c.SetReadDeadline(time.Now().Add(30 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		var one [1]byte
		if n, err := c.Read(one[:]); n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("after piece %d of %d (%q): got %d bytes, %v; want no answer yet", i+1, len(pieces), p, n, err)
		}
	}
	if err := c.SetDeadline(time.Now().Add(Timeout)); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, short(b))
	}
	return b
}

// CheckHeaders checks what every response must carry.
// Python: Date was in the local "%c" format.
func CheckHeaders(t testing.TB, resp *http.Response) {
	t.Helper()
	if resp.Proto != "HTTP/1.0" {
		t.Errorf("protocol %s, want HTTP/1.0", resp.Proto)
	}
	if got := resp.Header.Get("Connection"); got != "close" {
		t.Errorf("Connection %q, want close", got)
	}
	date, err := time.Parse(http.TimeFormat, resp.Header.Get("Date"))
	if err != nil {
		t.Errorf("Date %q is not IMF-fixdate: %v", resp.Header.Get("Date"), err)
	} else if d := time.Since(date); d < -time.Minute || d > time.Minute {
		t.Errorf("Date %v is %v away from now", date, d)
	}
}

// ManyAtOnce starts n requests for different files, half sent by every
// client before any finishes, and checks that each client gets its own
// file. The Python kept one buffer for all its connections; and asyncore's
// select() refuses a descriptor of 1024 or more, so with about a thousand
// connections open (five hundred through lb.py) the Python programs fail.
func ManyAtOnce(t *testing.T, addr string, n int) {
	names := []string{"page.html", "notes.txt", "pic.png"}
	var sent, wg sync.WaitGroup
	sent.Add(n)
	errs := make(chan error, n)
	for i := range n {
		c := Dial(t, addr)
		name := names[i%len(names)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := "GET /" + name + " HTTP/1.0\r\nX-Client: " + fmt.Sprint(i) + "\r\n"
			_, err := io.WriteString(c, req)
			sent.Done()
			if err != nil {
				errs <- err
				return
			}
			sent.Wait() // every client has half a request in
			if _, err := io.WriteString(c, "\r\n"); err != nil {
				errs <- err
				return
			}
			raw, err := io.ReadAll(c)
			if err != nil {
				errs <- err
				return
			}
			end := bytes.Index(raw, []byte("\r\n\r\n"))
			if !bytes.HasPrefix(raw, []byte("HTTP/1.0 200 ")) || end < 0 || string(raw[end+4:]) != Files[name] {
				errs <- fmt.Errorf("client %d asked for %s, got %q", i, name, short(raw))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
