package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// commit is the commit of the course's repository that this port follows.
const commit = "8c8a170"

// cloneHint says how to get the course.
const cloneHint = "git clone https://github.com/rm77/progjar"

// blobs are the git blob names (SHA-1 of "blob SIZE\x00" and the content)
// of the course's files at commit: how a folder that is no git checkout is
// known to hold them. Only the hashes are here, never the files.
var blobs = map[string]string{
	"progjar6/lb.py":                 "7c3515ba77ee7f4266c47b9330f1f802a2bff615",
	"progjar6/async_server.py":       "cd771f3b0ead540bf49503265088ed1d00274b23",
	"progjar6/http.py":               "11ff5eadc371499fc5410e23aab05f0bab1809c4",
	"progjar5/server_thread_http.py": "bee6332f5fbb7052d90179ffee9ae5bee8e45ca5",
}

// course reads the course's files from a checkout of it.
type course struct {
	dir    string
	git    bool   // read from commit with git, not from the folder
	note   string // one line on how they were read, when not plainly
	noteID string // the same, in Indonesian, for the pages
}

// openCourse finds the course in dir: a git checkout that has commit (it
// may be at another: the files are read as they were at commit), or a
// folder whose files are those of commit. Its error is one line that says
// how to get the course.
func openCourse(dir string) (*course, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a folder; the course is read from a checkout of it: %s", dir, cloneHint)
	}
	c := &course{dir: dir}
	if head, err := gitOut(dir, "rev-parse", "HEAD"); err == nil {
		if _, err := gitOut(dir, "cat-file", "-e", commit+"^{commit}"); err == nil {
			c.git = true
			if !strings.HasPrefix(head, commit) {
				c.note = fmt.Sprintf("%s is at commit %.7s; the files are read as they were at %s, the commit this port follows (git show %s:PATH)", dir, head, commit, commit)
				c.noteID = fmt.Sprintf("%s ada di commit %.7s; file-filenya dibaca seperti pada commit %s, commit yang diikuti port ini (git show %s:PATH)", dir, head, commit, commit)
			}
			return c, c.check()
		}
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("%s has no commit %s, and its files are not those of it (a shallow clone? git -C %s fetch --unshallow; or %s)", dir, commit, dir, cloneHint)
		}
		c.note = fmt.Sprintf("%s has no commit %s (a shallow clone?), but its files are those of it", dir, commit)
		c.noteID = fmt.Sprintf("%s tidak memiliki commit %s (clone dangkal?), tetapi file-filenya sama dengan file pada commit itu", dir, commit)
		return c, nil
	}
	return c, c.check()
}

// check makes sure every file of the course is there, as at commit.
func (c *course) check() error {
	for _, path := range slices.Sorted(maps.Keys(blobs)) {
		b, err := c.read(path)
		switch {
		case err != nil && c.git:
			return fmt.Errorf("%s is not the course: git show %s:%s failed (%v); get it with: %s", c.dir, commit, path, err, cloneHint)
		case err != nil:
			return fmt.Errorf("%s is not the course at %s: it has no %s; get it with: %s", c.dir, commit, path, cloneHint)
		case blobName(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))) != blobs[path]: // as git stores it: a Windows checkout has CRLF
			return fmt.Errorf("%s is not the course at %s: its %s is another version; get it with: %s", c.dir, commit, path, cloneHint)
		}
	}
	return nil
}

// read returns the file at path (slash-separated, in the course).
func (c *course) read(path string) ([]byte, error) {
	if c.git {
		out, err := exec.Command("git", "-C", c.dir, "show", commit+":"+path).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) && len(ee.Stderr) > 0 {
				return nil, errors.New(strings.TrimSpace(string(ee.Stderr)))
			}
			return nil, err
		}
		return out, nil
	}
	return os.ReadFile(filepath.Join(c.dir, filepath.FromSlash(path)))
}

// gitOut runs git in dir and returns its output, trimmed.
func gitOut(dir string, args ...string) (string, error) {
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	return strings.TrimSpace(string(out)), err
}

// blobName is git's name for a file's content.
func blobName(b []byte) string {
	h := sha1.New()
	h.Write([]byte("blob " + strconv.Itoa(len(b)) + "\x00"))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// text is a file's lines without their line ends (LF or CRLF).
func text(b []byte) []string {
	b = bytes.TrimSuffix(b, []byte("\n"))
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}
