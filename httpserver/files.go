package httpserver

// This file adds what http.py did with glob('./*') and open(): which names
// of the document root may be served (path safety), and a copy in memory
// of each file served. The Python listed the directory and read the file
// for every request.

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Root returns the directory the server serves.
func (s *Server) Root() string { return s.root }

// find maps a request target to the name of a file at the top of the
// document root, or to the status that refuses it. Unlike the Python, it
// ignores a query string (the Python sent 404).
func find(target string) (string, int) {
	path, _, _ := strings.Cut(target, "?")
	path = originForm(path)
	if !strings.HasPrefix(path, "/") {
		return "", 400
	}
	// Decode %xx first, so that an encoded ../ is caught like a plain one.
	path, err := url.PathUnescape(path)
	if err != nil {
		return "", 400
	}
	if path == "/" {
		path = "/page.html"
	}
	name := path[1:]
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
