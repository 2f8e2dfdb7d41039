package httpserver

// This file adds what http.py did with glob('./*') and open(): which names
// may be served (path safety), the document root as an os.Root, which no
// name, symbolic link or ".." can leave, and a copy in memory of each small
// file served. The Python listed the directory and read the whole file for
// every request, and open() followed any symbolic link, out of the
// directory too.

import (
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Copies of files are kept for files up to MaxCopy bytes, MaxCopies in
// all. Larger files, and any once the copies are full, are streamed from
// the file for each request.
const (
	MaxCopy   = 1 << 20
	MaxCopies = 32 << 20
)

// files is the document root and the copies of its small files.
type files struct {
	root *os.Root
	mu   sync.Mutex // guards copies and total: many goroutines send answers at once
	// copies holds each small file as last read. The Python read the file
	// for every request: open, stat, read, close. Keeping it saves those
	// system calls (about nine in Go); it is looked at again, one stat,
	// when the copy is over a second old, so an edited file is served
	// within a second.
	copies map[string]*file
	total  int64 // bytes in copies
}

// file is a copy of a small file.
type file struct {
	body    []byte
	mod     time.Time
	checked time.Time
}

// openRoot opens dir as the document root. Fix (symlink): the Python's
// open() followed a symbolic link wherever it pointed; nothing leaves an
// os.Root, a link neither.
func openRoot(dir string) (*files, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &files{root: root, copies: make(map[string]*file)}, nil
}

// Root returns the directory the server serves.
func (s *Server) Root() string { return s.files.root.Name() }

// Close closes the document root.
func (s *Server) Close() error { return s.files.root.Close() }

// find mirrors the glob('./*') of HttpServer.http_get: it maps a request
// target to the name of a file at the top of the document root, or to the
// status that refuses it.
func find(target string) (string, int) {
	// Differs (query): the query string is ignored; the Python looked for a
	// file of that name, and sent 404.
	path, _, _ := strings.Cut(target, "?")
	path, ok := originForm(path)
	if !ok || !strings.HasPrefix(path, "/") {
		return "", 400
	}
	// Differs (percent-decode): %xx is decoded (/my%20file.txt is "my
	// file.txt"); the Python looked for the name as sent. It is decoded
	// first, so that an encoded ../ is caught like a plain one, and what it
	// decodes to must be UTF-8: %C0%AF, an overlong "/", is not.
	path, err := url.PathUnescape(path)
	if err != nil || !utf8.ValidString(path) {
		return "", 400
	}
	// Differs (root-page): GET / serves page.html; the Python found no file
	// "/" and sent an empty 404.
	if path == "/" {
		path = "/page.html"
	}
	name := path[1:]
	// Differs (dotdot-403): a ".." segment gets 403 before the root is
	// asked; the Python found no such name in glob('./*'): 404.
	if hasDotDot(name) {
		return "", 403
	}
	// Only plain names at the top level, as the Python's glob('./*') gave:
	// no subfolders, no hidden files.
	if name == "" || strings.ContainsAny(name, "/\\\x00") || name[0] == '.' {
		return "", 404
	}
	return name, 200
}

// originForm turns an absolute-form target (http://host:port/page.html),
// which a server must accept (RFC 9112 3.2.2), into its path; ok is false
// when its authority is not a host (RFC 9110 4.2.1: an empty host, or a
// user, makes an http URI invalid).
func originForm(target string) (path string, ok bool) {
	i := strings.Index(target, "://")
	if i < 0 || !strings.EqualFold(target[:i], "http") && !strings.EqualFold(target[:i], "https") {
		return target, true
	}
	authority, path := target[i+3:], "/"
	if j := strings.IndexByte(authority, '/'); j >= 0 {
		authority, path = authority[:j], authority[j:]
	}
	return path, validHost([]byte(authority))
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

// open mirrors the open() and read() of HttpServer.http_get: it returns
// the body of the regular file name of the root, its copy in memory when it
// is small (body), or else the file, open, to be streamed (f, which the
// caller closes). ok is false when there is no such file.
//
// Fix (glob): the Python listed the directory and read the whole file for
// every request; here a small file is kept, and looked at again (one stat)
// once its copy is a second old. Differs (large-files): a file over
// MaxCopy is streamed from the file, never held.
//
// Fix (folder): glob listed a folder, and open raised IsADirectoryError,
// which the servers swallowed: no answer. Only regular files are served.
func (fs *files) open(name string, now time.Time) (body []byte, f *os.File, size int64, ok bool) {
	fs.mu.Lock()
	c := fs.copies[name]
	fs.mu.Unlock()
	if c != nil && now.Sub(c.checked) < time.Second {
		return c.body, nil, int64(len(c.body)), true
	}
	fi, err := fs.root.Stat(name) // a link that leaves the root is an error
	if err != nil || !fi.Mode().IsRegular() {
		fs.keep(name, nil)
		return nil, nil, 0, false
	}
	if c != nil && fi.ModTime().Equal(c.mod) && fi.Size() == int64(len(c.body)) {
		fs.keep(name, &file{body: c.body, mod: c.mod, checked: now}) // a new entry: a sender may hold the old one
		return c.body, nil, fi.Size(), true
	}
	if f, err = fs.root.Open(name); err == nil {
		fi, err = f.Stat() // the file as opened
	}
	switch {
	case err != nil || !fi.Mode().IsRegular():
		if f != nil {
			f.Close() // NOTE: read-only: nothing to lose.
		}
		fs.keep(name, nil)
		return nil, nil, 0, false
	case fi.Size() > MaxCopy:
		fs.keep(name, nil)
		return nil, f, fi.Size(), true
	}
	body = make([]byte, fi.Size())
	_, err = io.ReadFull(f, body)
	f.Close() // NOTE: read-only: nothing to lose.
	if err != nil {
		fs.keep(name, nil)
		return nil, nil, 0, false
	}
	fs.keep(name, &file{body: body, mod: fi.ModTime(), checked: now})
	return body, nil, fi.Size(), true
}

// keep makes c the copy of name (nil: none), if the copies have room for it.
func (fs *files) keep(name string, c *file) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if old := fs.copies[name]; old != nil {
		fs.total -= int64(len(old.body))
		delete(fs.copies, name)
	}
	if c != nil && fs.total+int64(len(c.body)) <= MaxCopies {
		fs.copies[name] = c
		fs.total += int64(len(c.body))
	}
}
