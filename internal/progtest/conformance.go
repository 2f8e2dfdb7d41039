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
	"page.html":    "<html><body><img src=\"pic.png\"></body></html>\n",
	"notes.txt":    "plain text\n",
	"pic.png":      "\x89PNG\r\n\x1a\nnot really a picture",
	"secret.go":    "package secret\n",
	"go.mod":       "module secret\n",
	".hidden.html": "<p>hidden</p>",
	"weird.xyz":    "unknown type",
	"sub/in.html":  "<p>in a subfolder</p>",
}

// DocRoot writes Files into a new directory and returns its path.
func DocRoot(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
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
	Code   int
	Body   *string // exact body, when given
	Type   string  // Content-Type prefix, when given
}

func file(name string) *string { s := Files[name]; return &s }

var kosong = "kosong"

// Cases are the requests every server must answer alike, the two servers
// directly and through the lb. The rows marked "Python:" would fail on the
// course's programs.
var Cases = []Case{
	{Name: "GET / serves page.html", Pieces: []string{"GET / HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("page.html"), Type: "text/html"},
	{Name: "GET with HTTP/1.1 and headers", Pieces: []string{"GET /page.html HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n"}, Code: 200, Body: file("page.html")},
	{Name: "text file", Pieces: []string{"GET /notes.txt HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("notes.txt"), Type: "text/plain"},
	{Name: "picture", Pieces: []string{"GET /pic.png HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("pic.png"), Type: "image/png"},
	{Name: "query string is ignored", Pieces: []string{"GET /page.html?x=1 HTTP/1.0\r\n\r\n"}, Code: 200, Body: file("page.html")},
	{Name: "bare LF line ends", Pieces: []string{"GET /notes.txt HTTP/1.0\n\n"}, Code: 200, Body: file("notes.txt")},
	{Name: "Python: split at CRLF", Pieces: []string{"GET /notes.txt HTTP/1.0\r\n", "Host: x\r\n", "Accept: */*\r\n", "\r\n"}, Code: 200, Body: file("notes.txt")},
	{Name: "Python: split inside CRLF", Pieces: []string{"GET /notes.txt HTTP/1.0\r", "\n\r", "\n"}, Code: 200, Body: file("notes.txt")},
	{Name: "HEAD has no body", Pieces: []string{"HEAD /page.html HTTP/1.0\r\n\r\n"}, Code: 200, Type: "text/html"},
	{Name: "POST", Pieces: []string{"POST /form HTTP/1.0\r\nContent-Length: 3\r\n\r\na=1"}, Code: 200, Body: &kosong},
	{Name: "Python: POST body sent later", Pieces: []string{"POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\n", "ab", "cde"}, Code: 200, Body: &kosong},
	{Name: "missing file", Pieces: []string{"GET /nothing.html HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "Python: unknown extension", Pieces: []string{"GET /weird.xyz HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "source file", Pieces: []string{"GET /secret.go HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "go.mod", Pieces: []string{"GET /go.mod HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "hidden file", Pieces: []string{"GET /.hidden.html HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "subfolder", Pieces: []string{"GET /sub/in.html HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "folder", Pieces: []string{"GET /sub HTTP/1.0\r\n\r\n"}, Code: 404},
	{Name: "traversal", Pieces: []string{"GET /../../etc/passwd HTTP/1.0\r\n\r\n"}, Code: 403},
	{Name: "encoded traversal", Pieces: []string{"GET /%2e%2e/%2E%2E/etc/passwd HTTP/1.0\r\n\r\n"}, Code: 403},
	{Name: "encoded slash traversal", Pieces: []string{"GET /..%2fgo.mod HTTP/1.0\r\n\r\n"}, Code: 403},
	{Name: "bad percent encoding", Pieces: []string{"GET /%zz HTTP/1.0\r\n\r\n"}, Code: 400},
	{Name: "Python: unknown method", Pieces: []string{"BREW /pot HTTP/1.0\r\n\r\n"}, Code: 501},
	{Name: "garbage request line", Pieces: []string{"garbage\x01line\r\n\r\n"}, Code: 400},
	{Name: "Python: empty request", Pieces: []string{"\r\n"}, Code: 400},
	{Name: "Python: too few parts", Pieces: []string{"GET /\r\n\r\n"}, Code: 400},
	{Name: "not HTTP", Pieces: []string{"GET / FTP/1.0\r\n\r\n"}, Code: 400},
	{Name: "header too large", Pieces: []string{"GET / HTTP/1.0\r\nX-Big: " + strings.Repeat("a", 200<<10) + "\r\n\r\n"}, Code: 431},
	{Name: "body too large", Pieces: []string{"POST / HTTP/1.0\r\nContent-Length: 99999999\r\n\r\n"}, Code: 413},
	{Name: "bad Content-Length", Pieces: []string{"POST / HTTP/1.0\r\nContent-Length: x\r\n\r\n"}, Code: 400},
	{Name: "chunked body", Pieces: []string{"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}, Code: 501},
}

// Conformance runs every Case against the server at addr, plus the checks
// that need more than one request.
func Conformance(t *testing.T, addr string) {
	for _, tc := range Cases {
		t.Run(tc.Name, func(t *testing.T) {
			head := strings.HasPrefix(tc.Pieces[0], "HEAD")
			raw := exchangeSlowly(t, addr, tc.Pieces)
			resp, body := Parse(t, raw, head)
			if resp.StatusCode != tc.Code {
				t.Fatalf("status %d, want %d\n%q", resp.StatusCode, tc.Code, raw)
			}
			CheckHeaders(t, resp)
			if tc.Body != nil && string(body) != *tc.Body {
				t.Errorf("body %q, want %q", body, *tc.Body)
			}
			if tc.Type != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.Type) {
				t.Errorf("Content-Type %q, want %s", resp.Header.Get("Content-Type"), tc.Type)
			}
			if head && (len(body) != 0 || resp.ContentLength != int64(len(Files["page.html"]))) {
				t.Errorf("HEAD: Content-Length %d, %d body bytes", resp.ContentLength, len(body))
			}
		})
	}
	t.Run("Python: not answered before the headers end", func(t *testing.T) { notEarly(t, addr) })
	t.Run("Python: concurrent requests are not mixed", func(t *testing.T) { notMixed(t, addr, 50) })
}

// exchangeSlowly writes each piece with a pause between, so that each
// arrives as a read of its own, as it would over a slow network.
func exchangeSlowly(t *testing.T, addr string, pieces []string) []byte {
	c := Dial(t, addr)
	for i, p := range pieces {
		if i > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, b)
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

// notEarly sends a request in pieces that each end in CRLF and checks that
// nothing comes back until the blank line: the Python answered the first.
func notEarly(t *testing.T, addr string) {
	c := Dial(t, addr)
	for _, p := range []string{"GET /notes.txt HTTP/1.0\r\n", "Host: x\r\n"} {
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatal(err)
		}
		if err := c.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		var one [1]byte
		if n, err := c.Read(one[:]); n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("after %q: got %d bytes, %v; want no answer yet", p, n, err)
		}
	}
	if err := c.SetDeadline(time.Now().Add(Timeout)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "\r\n"); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := Parse(t, raw, false); resp.StatusCode != 200 || string(body) != Files["notes.txt"] {
		t.Errorf("got %d %q", resp.StatusCode, body)
	}
}

// notMixed starts n requests for different files, half sent by every client
// before any finishes, and checks that each client gets its own file. The
// Python kept one buffer for all its connections.
func notMixed(t *testing.T, addr string, n int) {
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
				errs <- fmt.Errorf("client %d asked for %s, got %q", i, name, raw)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
