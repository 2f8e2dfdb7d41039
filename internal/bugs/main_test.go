package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"progjar/internal/progtest"
	"progjar/internal/readme"
)

func TestMain(m *testing.M) { progtest.Main(m, nil) }

// TestRows: README's bug rows, their patches and their commands agree. A
// row with code of its own has a patch that starts with its key and a go
// test command, and the patch applies to this checkout; a row without has
// none; no patch is left over; each row names tests, and each test it
// names is in the code. (./run_all.sh bugs checks that they fail.)
func TestRows(t *testing.T) {
	top, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readRows(top)
	if err != nil {
		t.Fatal(err)
	}
	code := testCode(t, top)
	named := map[string]bool{}
	for _, r := range rows {
		named[r.key+".patch"] = true
		var where []string
		for _, l := range r.where {
			where = append(where, l.String())
		}
		if w := " (" + strings.Join(where, ", ") + ")"; !strings.HasSuffix(r.what, w) {
			t.Errorf("%s says it puts back %q; want it to end with the lines README names,%s", r.patch, r.what, w)
		}
		if len(r.tests) == 0 {
			t.Errorf("README's row %s names no test", r.key)
		}
		for _, name := range r.tests {
			if !inCode(code, name) {
				t.Errorf("README's row %s names %q, which is no test of this repository", r.key, name)
			}
		}
		args, err := words(r.cmd)
		if err != nil {
			t.Errorf("%s: %v", r.patch, err)
			continue
		}
		for _, a := range args[2:] {
			if strings.HasPrefix(a, "./") {
				if _, err := os.Stat(filepath.Join(top, a)); err != nil {
					t.Errorf("%s: its command names %s, which is no package here", r.patch, a)
				}
			}
		}
		if _, err := exec.LookPath("git"); err == nil {
			check := exec.Command("git", "apply", "--check", r.patch)
			check.Dir = top
			if out, err := check.CombinedOutput(); err != nil {
				t.Errorf("%s does not apply to this checkout: %s", r.patch, out)
			}
		}
	}
	patches, err := filepath.Glob(filepath.Join(top, "internal", "bugs", "*.patch"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range patches {
		if !named[filepath.Base(p)] {
			t.Errorf("%s belongs to no bug row of README that has code of its own", filepath.Base(p))
		}
	}
	if len(rows) < 20 {
		t.Errorf("only %d rows have a patch", len(rows))
	}
}

// testCode returns the Go source of the repository's tests and of the
// test helpers (internal/progtest), where the tests' names are.
func testCode(t *testing.T, top string) string {
	var b strings.Builder
	err := filepath.WalkDir(top, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		if strings.HasSuffix(path, "_test.go") || strings.Contains(filepath.ToSlash(path), "internal/progtest/") {
			src, err := os.ReadFile(path)
			b.Write(src)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// inCode reports whether the test README names is in code: a test
// function (TestX), and each subtest's name as a string.
func inCode(code, name string) bool {
	for i, part := range strings.Split(name, "/") {
		if i == 0 && strings.HasPrefix(part, "Test") {
			if !regexp.MustCompile(`func ` + regexp.QuoteMeta(part) + `\(`).MatchString(code) {
				return false
			}
			continue
		}
		if !strings.Contains(code, `"`+part+`"`) {
			return false
		}
	}
	return true
}

// TestWords: the test commands of the patches, split as a shell would.
func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{"go test ./lb -run 'TestIdle$' -count=1", []string{"go", "test", "./lb", "-run", "TestIdle$", "-count=1"}, ""},
		{"go test ./a ./b -run 'TestX/Python:_a b|TestY'", []string{"go", "test", "./a", "./b", "-run", "TestX/Python:_a b|TestY"}, ""},
		{"go  test  ./a", []string{"go", "test", "./a"}, ""},
		{"go test -run 'TestX", nil, "a quote is not closed"},
		{"rm -rf /", nil, "not a go test command"},
	} {
		got, err := words(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("words(%q): %v, want an error that says %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(got, "\x00") != strings.Join(tc.want, "\x00") {
			t.Errorf("words(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestMatches: which go test names a name of README stands for.
func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		got, name string
		want      bool
	}{
		{"TestIdle", "TestIdle", true},
		{"TestIdleCountsThePair", "TestIdle", false},
		{"TestHTTP/Python:_folder", "Python: folder", true},
		{"TestHTTPThroughLB/Python:_folder", "Python: folder", true},
		{"TestHTTP/Python:_folder_x", "Python: folder", false},
		{"TestProcess/Python:_400_for_a_valid_method", "TestProcess/Python: 400 for a valid method", true},
		{"TestRequest/Python:_bare_LF_line_ends", "TestProcess/Python: bare LF line ends", false},
		{"TestRobustness/a_reader_slower_than_-min-rate_is_cut", "a reader slower than -min-rate is cut", true},
		{"TestArgs/not_a_number", "TestArgs/not a number", true},
	} {
		if got := matches(tc.got, tc.name); got != tc.want {
			t.Errorf("matches(%q, %q) = %v, want %v", tc.got, tc.name, got, tc.want)
		}
	}
}

// TestBadInput: an unknown key, a patch that does not apply, no git, no
// Go: each gets one line that says what to do, and exit 1; the checkout is
// left as it was.
func TestBadInput(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go")
	}
	top := fakeRepo(t)
	withGit := t.TempDir() // a PATH with git and no go
	if err := os.Symlink(git, filepath.Join(withGit, filepath.Base(git))); err != nil {
		t.Skip("cannot make a PATH with git alone:", err)
	}
	for _, tc := range []struct {
		name, path string
		args       []string
		want       string
	}{
		{"an unknown key", "", []string{"nope"}, `no bug row has a patch for "nope"; the keys are: moved`},
		{"a patch that does not apply", "", []string{"moved"}, "moved: the code moved: update internal/bugs/moved.patch (git apply:"},
		{"no git", t.TempDir(), nil, "git is needed to apply the patches"},
		{"no Go", withGit, nil, "go is needed to run the tests"},
		{"--keep without a key", "", []string{"--keep"}, "--keep needs one KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path != "" {
				t.Setenv("PATH", tc.path)
			} else {
				t.Setenv("PATH", filepath.Dir(git)+string(os.PathListSeparator)+filepath.Dir(goBin))
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), top, tc.args, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, printed %q; want exit 1 and %q", code, out, tc.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr.String()), "\n"); n > 1 {
				t.Errorf("%d lines on stderr, want at most two (the row, and the sum):\n%s", n+1, stderr.String())
			}
			if st, err := exec.Command(git, "-C", top, "status", "--porcelain").Output(); err != nil || len(st) > 0 {
				t.Errorf("the checkout changed: %q, %v", st, err)
			}
		})
	}
}

// fakeRepo makes a repository of this module with one bug row, whose patch
// no longer applies, as a git checkout.
func fakeRepo(t *testing.T) string {
	top := t.TempDir()
	files := map[string]string{
		"go.mod":  "module progjar\n\ngo 1.26\n",
		"main.go": "package main\n\nfunc main() {}\n",
		"README.md": "# Fake\n\n" + readme.BugsHeading + "\n\n| key | where in the Python | bug in the original | singkatnya | the fix | the tests that fail when it is put back |\n|---|---|---|---|---|---|\n" +
			"| `moved` | `fake.py:1` | it moved | pindah | fixed | `TestMoved` |\n\n" +
			readme.DiffsHeading + "\n\n| key | the Python | the Go | singkatnya | why |\n|---|---|---|---|---|\n| `hi` | hi | hello | halo | nicer |\n",
		"internal/bugs/moved.patch": "# moved: the code it patches has moved\n# test: go test . -run 'TestMoved$' -count=1\n" +
			"diff --git a/main.go b/main.go\n--- a/main.go\n+++ b/main.go\n@@ -1,3 +1,3 @@\n package main\n \n-func main() { println() }\n+func main() { panic(1) }\n",
	}
	for name, content := range files {
		path := filepath.Join(top, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "fake"}} {
		if out, err := exec.Command("git", append([]string{"-C", top}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	return top
}
