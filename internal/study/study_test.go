package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"progjar/internal/readme"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"progjar/internal/progtest"
)

func TestMain(m *testing.M) { progtest.Main(m, nil) }

// A small course of our own, never the course's code: a .py with two
// classes, one method each, and main, and the Go that mirrors it.
const fakePy = `import os

counter = 0

class Greeter:
    def hello(self):
        return "hi"

class Counter:
    def add(self):
        pass

def main():
    Greeter().hello()

if __name__ == "__main__":
    main()
`

const fakeGo = `// Package fake is a test.
package fake

import "fmt"

// Greeter mirrors class Greeter in fake.py.
type Greeter struct{}

// Hello mirrors Greeter.hello.
func (Greeter) Hello() string { return "hi" }

// helper mirrors nothing: it joins Hello's piece.
func helper() {}

// Counter mirrors class Counter in fake.py.
type Counter struct{ n int }

// Fix (too-slow): the Python counted nothing.
func (c *Counter) Add() { c.n++ }

// main mirrors main() in fake.py.
func main() { fmt.Println(Greeter{}.Hello()) }
`

const fakeReadme = "# Fake\n\n" + readme.BugsHeading + "\n\n| key | where in the Python | bug in the original | singkatnya | the fix | the tests that fail when it is put back |\n|---|---|---|---|---|---|\n" +
	"| `too-slow` | `fake.py:10-11` | counted nothing: it was wrong | tidak menghitung | counts | `TestAdd` |\n" +
	"| `runtime` | `fake.py:14` | select() | pilih | " + readme.OwnPrefix + ": the runtime | none |\n\n" +
	readme.DiffsHeading + "\n\n| key | the Python | the Go | singkatnya | why |\n|---|---|---|---|---|\n| `hi` | hi | hello | halo | nicer |\n\nThe end.\n"

// TestAlign: a .py and its Go file, cut into rows in the .py's order; the
// cells keep every line of each file, in order.
func TestAlign(t *testing.T) {
	tests := []struct {
		name    string
		py, go_ string
		want    []string // each row: title, .py lines, Go lines
		err     string   // or: the error must say this
	}{
		{"a normal pair", fakePy, fakeGo, []string{
			"imports py 1-4 go 1-5", "class Greeter py 5-5 go 6-8", "Greeter.hello py 6-8 go 9-14",
			"class Counter py 9-12 go 15-20", "main() py 13-17 go 21-22",
		}, ""},
		{"Windows line ends", strings.ReplaceAll(fakePy, "\n", "\r\n"), fakeGo, []string{
			"imports py 1-4 go 1-5", "class Greeter py 5-5 go 6-8", "Greeter.hello py 6-8 go 9-14",
			"class Counter py 9-12 go 15-20", "main() py 13-17 go 21-22",
		}, ""},
		{"tabs, as lb.py indents", strings.ReplaceAll(fakePy, "    ", "\t"), fakeGo, []string{
			"imports py 1-4 go 1-5", "class Greeter py 5-5 go 6-8", "Greeter.hello py 6-8 go 9-14",
			"class Counter py 9-12 go 15-20", "main() py 13-17 go 21-22",
		}, ""},
		{"a class with no Go mirror", fakePy, strings.Replace(fakeGo, "// Counter mirrors class Counter in fake.py.", "// Counter counts.", 1), nil,
			"class Counter in fake.py: no declaration of fake.go says it mirrors class Counter"},
		{"mirrors out of the .py's order", fakePy, strings.Replace(fakeGo, "// Hello mirrors Greeter.hello.", "// Hello mirrors main().", 1), nil,
			"Counter mirrors class Counter, which comes before main() in fake.py"},
		{"a mirror of nothing in the .py", fakePy, strings.Replace(fakeGo, "// Hello mirrors Greeter.hello.", "// Hello mirrors Greeter.bye.", 1), nil,
			"Hello mirrors Greeter.bye, which fake.py does not have"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			py := text([]byte(tc.py))
			goText := text([]byte(tc.go_))
			as, err := goAnchors("fake.go", []byte(tc.go_))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := align("fake.py", pyPieces(py), "fake.go", len(goText), as)
			if wantError(t, err, tc.err) {
				return
			}
			var got []string
			nextPy, nextGo := 1, 1
			for _, r := range rows {
				got = append(got, r.title+" py "+spanString(r.py)+" go "+spanString(r.goLines))
				if r.py.first != nextPy || r.goLines.first != nextGo {
					t.Errorf("row %s does not start where the one before ended (.py %d, Go %d)", r.title, nextPy, nextGo)
				}
				nextPy, nextGo = r.py.last+1, r.goLines.last+1
			}
			if nextPy != len(py)+1 || nextGo != len(goText)+1 {
				t.Errorf("the rows end at .py line %d of %d, Go line %d of %d", nextPy-1, len(py), nextGo-1, len(goText))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func spanString(s span) string { return strconv.Itoa(s.first) + "-" + strconv.Itoa(s.last) }

// TestLinks: the README rows and the Fix and Differs comments are tied
// together by their keys.
func TestLinks(t *testing.T) {
	bugs, diffs, err := readme.Tables(fakeReadme)
	if err != nil {
		t.Fatal(err)
	}
	good := markers("fake.go", fakeGo)
	tests := []struct {
		name    string
		markers []Marker
		err     string
	}{
		{"each row has its fix", good, ""},
		{"a Fix that no row claims", append(good, markers("x.go", "// Fix (no-such-row): what")...),
			"x.go:1: Fix (no-such-row): no row of README's table"},
		{"a Differs that no row claims", append(good, markers("x.go", "// Differs (too-slow): what")...),
			"x.go:1: Differs (too-slow): no row of README's table \"Where the Go differs on purpose\""},
		{"a row with no Fix", nil, "README's bug row too-slow has no comment \"Fix (too-slow):\""},
		{"a fix of its own for a row that has none", append(good, markers("y.go", "\n// Fix (runtime): mine")...),
			"README's bug row runtime says \"No code of its own\", but y.go:2: Fix (runtime) is a fix of its own"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkLinks(bugs, diffs, tc.markers)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
	if diffs[0].Go != "hello" || diffs[0].Short != "halo" || !bugs[1].Own {
		t.Errorf("the tables were read as %+v and %+v", bugs, diffs)
	}
}

// TestRepoLinks: in this repository, every Fix comment belongs to a row of
// README's bug table, every row has one (or says it has no code of its
// own), every Differs comment to a row of the differences; every bug row
// names the Python's lines that do it, in a .py that a page shows; and
// every Fix and Differs comment is in a file, or a part of one, that a page
// shows.
func TestRepoLinks(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	bugs, diffs, err := readme.Tables(string(text))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := repoMarkers("../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkLinks(bugs, diffs, ms); err != nil {
		t.Fatal(err)
	}
	shown, pys := map[string]bool{}, map[string]bool{}
	for _, p := range programs {
		pys[path.Base(p.Py)] = true
		for _, f := range append(append([]string{p.Main}, p.Adds...), p.Excerpts...) {
			shown[f] = true
		}
	}
	for _, m := range ms {
		if !shown[m.File] {
			t.Errorf("%v: no page shows %s", m, m.File)
		}
	}
	for _, r := range bugs {
		if len(r.Where) == 0 {
			t.Errorf("bug row %s names no line of the Python", r.Key)
		}
		for _, l := range r.Where {
			if !pys[l.File] {
				t.Errorf("bug row %s names %s, a file no page shows", r.Key, l)
			}
		}
	}
}

// TestPagesHoldEveryFile: each program's page shows every file of its
// folder (tests aside), so that a new file is not left off.
func TestPagesHoldEveryFile(t *testing.T) {
	for _, p := range programs {
		files, err := filepath.Glob(filepath.Join("../..", p.Folder, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		on := map[string]bool{p.Main: true}
		for _, f := range p.Adds {
			on[f] = true
			if _, err := os.Stat(filepath.Join("../..", f)); err != nil {
				t.Errorf("page %s: %v", p.Page, err)
			}
		}
		for _, f := range files {
			rel := p.Folder + "/" + filepath.Base(f)
			if !strings.HasSuffix(rel, "_test.go") && !on[rel] {
				t.Errorf("page %s does not show %s", p.Page, rel)
			}
		}
	}
}

// TestMapMirrors: README's map says that the Go that ports each Python
// piece says "NAME mirrors ..." in its doc comment. For each row of the
// map, the first function or type of its Go cell that this repository
// declares must.
func TestMapMirrors(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(text), "\n| Python | Go |\n")
	folders := map[string]string{"http.py": "httpserver", "async_server.py": "async_server", "lb.py": "lb", "server_thread_http.py": "server_thread_http", "runserver.sh": ""}
	docs := map[string]map[string]string{} // folder → name → doc
	folder := ""
	code := regexp.MustCompile("`([^`]+)`")
	checked := 0
	for _, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := readme.SplitRow(line)
		if len(cells) != 2 || strings.HasPrefix(cells[0], "---") {
			continue
		}
		if m := regexp.MustCompile(`\*\*([a-z_]+\.(py|sh))\*\*`).FindStringSubmatch(cells[0]); m != nil {
			folder = folders[m[1]]
		}
		for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
			pkg, name := resolve(folder, m[1])
			if pkg == "" {
				continue
			}
			if docs[pkg] == nil {
				docs[pkg] = declDocs(t, filepath.Join("../..", pkg))
			}
			doc, ok := docs[pkg][name]
			if !ok {
				continue // not a function or type: a field, a call
			}
			if !strings.HasPrefix(doc, name+" mirrors ") {
				t.Errorf("README's map names %s for %s, and its doc comment does not say %q: %q", m[1], cells[0], name+" mirrors", firstLine(doc))
			}
			checked++
			break
		}
	}
	if checked < 25 {
		t.Errorf("only %d rows of the map were checked", checked)
	}
}

// resolve turns a name of the map (Server, httpserver.Server,
// (*Server).Process, (*tcpserver.Log).Printf) into the folder that declares
// it and its bare name.
func resolve(folder, name string) (string, string) {
	name = strings.TrimPrefix(name, "(*")
	if i := strings.Index(name, ")."); i >= 0 {
		name = name[:i] + "." + name[i+2:]
	}
	parts := strings.Split(name, ".")
	switch {
	case len(parts) > 1 && parts[0] == "tcpserver":
		return "internal/tcpserver", parts[len(parts)-1]
	case len(parts) > 1 && parts[0] == "httpserver":
		return "httpserver", parts[len(parts)-1]
	}
	return folder, parts[len(parts)-1]
}

// declDocs returns the doc comment of every function, method and type
// declared in a folder, by name.
func declDocs(t *testing.T, dir string) map[string]string {
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					docs[d.Name.Name] = d.Doc.Text()
				case *ast.GenDecl:
					for _, s := range d.Specs {
						if ts, ok := s.(*ast.TypeSpec); ok {
							docs[ts.Name.Name] = d.Doc.Text()
						}
					}
				}
			}
		}
	}
	return docs
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// TestCourseErrors: a folder that is missing, or is not the course, gets
// one line that says how to get the course, and no page is written.
func TestCourseErrors(t *testing.T) {
	notCourse := t.TempDir()
	if err := os.WriteFile(filepath.Join(notCourse, "lb.py"), []byte("print(1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(t.TempDir(), "missing"), notCourse} {
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		err := run([]string{"-repo", "../..", "-out", out, dir}, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), cloneHint) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line with %q", dir, err, cloneHint)
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			t.Errorf("%s: pages were written: %v", dir, entries)
		}
	}
}

// TestCourse writes the pages from a checkout of the course, when
// PROGJAR_COURSE names one (the course is not in this repository).
func TestCourse(t *testing.T) {
	dir := os.Getenv("PROGJAR_COURSE")
	if dir == "" {
		t.Skip("PROGJAR_COURSE names no checkout of the course (git clone https://github.com/rm77/progjar)")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-repo", "../..", "-out", out, dir}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	paths := strings.Fields(stdout.String())
	if len(paths) != len(programs)+1 || filepath.Base(paths[0]) != "index.html" {
		t.Fatalf("printed %q, want the index and %d pages", paths, len(programs))
	}
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	bugs, _, err := readme.Tables(string(text))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{} // every note's key, on some page
	for i, p := range paths[1:] {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "<tr id="); n < 5 {
			t.Errorf("%s has %d rows", p, n)
		}
		for _, problem := range checkPage(string(b), path.Base(programs[i].Py), bugs) {
			t.Errorf("%s: %s", p, problem)
		}
		for _, m := range regexp.MustCompile(`data-key="([a-z0-9-]+)"`).FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	ms, err := repoMarkers("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if !keys[m.Key] {
			t.Errorf("%v: no page has a note of %s", m, m.Key)
		}
	}
}

// rowsOf cuts a page's HTML into its table rows.
func rowsOf(html string) []string {
	_, body, _ := strings.Cut(html, "<tbody>")
	return strings.Split(body, "<tr")[1:]
}

// checkPage checks a page's HTML for the bugs of README that cite its .py
// (py): each cited line has id="py-N" in a row that also holds the bug's
// note (data-key) and, for a fix with code of its own, the Go line of its
// Fix comment; and each row's first line of the Python is the first
// cited line of each bug note in it, where the row could be cut there. It
// returns every problem.
func checkPage(html, py string, bugs []readme.Row) []string {
	var problems []string
	rows := rowsOf(html)
	for _, b := range bugs {
		for _, l := range b.Where {
			if l.File != py {
				continue
			}
			id := fmt.Sprintf(`id="py-%d"`, l.First)
			i := slices.IndexFunc(rows, func(r string) bool { return strings.Contains(r, id) })
			switch {
			case i < 0:
				problems = append(problems, fmt.Sprintf("%s: no line has %s", b.Key, id))
			case !strings.Contains(rows[i], `data-key="`+b.Key+`"`):
				problems = append(problems, fmt.Sprintf("%s: the row of %s has no note of it", b.Key, l))
			case !b.Own && !strings.Contains(rows[i], "Fix ("+b.Key+")</span>") && !strings.Contains(rows[i], "Fix ("+b.Key+"):"):
				problems = append(problems, fmt.Sprintf("%s: the row of %s has no Go line with Fix (%s)", b.Key, l, b.Key))
			}
		}
	}
	return problems
}

// TestPage: a page of a small course of our own, and README rows that
// cite its lines: each bug stands level with its line and its Fix comment;
// a bug cited beside a piece without its Fix comment, or at a blank line,
// or past the file's end, is an error.
func TestPage(t *testing.T) {
	py := "import os\n\nclass Counter:\n    def add(self, n):\n        total = 0\n        for i in range(n):\n            total = total + i\n        return total\n\ndef main():\n    Counter().add(3)\n"
	goSrc := `// Package fake is a test.
package fake

// Counter mirrors class Counter in fake.py.
type Counter struct{}

// Add mirrors Counter.add.
func (Counter) Add(n int) int {
	total := 0
	for i := range n {
		// Fix (too-slow): the sum is n(n-1)/2, at once.
		_ = i
	}
	return n * (n - 1) / 2
}

// main mirrors main() in fake.py.
func main() {
	// Differs (hi): it says hello.
	println(Counter{}.Add(3))
}
`
	courseDir, repo := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(courseDir, "fake.py"), []byte(py), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "fake.go"), []byte(goSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	p := program{Page: "fake", Py: "fake.py", Main: "fake.go"}
	diffs := []readme.Row{{Key: "hi", Python: "hi", Short: "halo", Go: "hello", Why: "nicer"}}
	for _, tc := range []struct {
		name, where string
		err         string
	}{
		{"the bug level with its line and its fix", "`fake.py:6-7`", ""},
		{"a bug cited beside a piece without its Fix", "`fake.py:11`", "fake.py:11, shown beside fake.go lines 17-21, which have no Fix (too-slow) comment"},
		{"a blank line", "`fake.py:9`", "whose first line is blank or a comment"},
		{"past the end", "`fake.py:12`", "but fake.py has 11 lines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bugs, _, err := readme.Tables("# R\n\n" + readme.BugsHeading + "\n\n| key | where in the Python | bug in the original | singkatnya | the fix | the tests that fail when it is put back |\n|---|---|---|---|---|---|\n" +
				"| `too-slow` | " + tc.where + " | it added one at a time: slow | lambat | at once | `TestAdd` |\n\n" +
				readme.DiffsHeading + "\n\n| key | the Python | the Go | singkatnya | why |\n|---|---|---|---|---|\n| `hi` | hi | hello | halo | nicer |\n")
			if err != nil {
				t.Fatal(err)
			}
			pg, err := build(p, &course{dir: courseDir}, repo, bugs, diffs)
			if wantError(t, err, tc.err) {
				return
			}
			var b strings.Builder
			if err := pageTemplate.Execute(&b, pg); err != nil {
				t.Fatal(err)
			}
			html := b.String()
			if problems := checkPage(html, "fake.py", bugs); len(problems) > 0 {
				t.Errorf("%s", strings.Join(problems, "\n"))
			}
			// The piece Counter.add is cut where the bug starts: its row
			// starts at line 6, level with the Fix comment (Go line 11).
			rows := rowsOf(html)
			i := slices.IndexFunc(rows, func(r string) bool { return strings.Contains(r, `id="py-6"`) })
			if !regexp.MustCompile(`<pre><span class="l bug" id="py-6">`).MatchString(rows[i]) || !strings.Contains(rows[i], "<span class=\"l fix\"><span class=\"ln\">11</span>\t\t<span class=\"c\">// Fix (too-slow)") {
				t.Errorf("the row of fake.py:6 does not start with it, level with the Fix comment:\n%s", rows[i])
			}
			if !strings.Contains(html, `data-key="hi"`) || !strings.Contains(html, `<span class="l diff"><span class="ln">19</span>`) {
				t.Errorf("the difference is not shown beside its comment")
			}
			if !strings.Contains(html, `<span class="k">class</span> Counter:`) || !strings.Contains(html, `<span class="k">func</span> (Counter) Add`) {
				t.Errorf("keywords are not coloured")
			}
		})
	}
}

// TestColour: keywords, strings and comments of the Python and the Go,
// each line alone, escaped.
func TestColour(t *testing.T) {
	py := pyLines([]string{`x = b'a\'b' # <c>`, `if s == "\r\n": pass`, `def f(): return """one`, `two"""`})
	want := []string{
		`x = <span class="s">b&#39;a\&#39;b&#39;</span> <span class="c"># &lt;c&gt;</span>`,
		`<span class="k">if</span> s == <span class="s">&#34;\r\n&#34;</span>: <span class="k">pass</span>`,
		`<span class="k">def</span> f(): <span class="k">return</span> <span class="s">&#34;&#34;&#34;one</span>`,
		`<span class="s">two&#34;&#34;&#34;</span>`,
	}
	for i, w := range want {
		if string(py[i]) != w {
			t.Errorf("Python line %d: %s, want %s", i+1, py[i], w)
		}
	}
	g := goLines([]string{"func f() string { // x < y", "\treturn `a", "b` + \"c\"", "}"})
	wantGo := []string{
		`<span class="k">func</span> f() string { <span class="c">// x &lt; y</span>`,
		"\t<span class=\"k\">return</span> <span class=\"s\">`a</span>",
		"<span class=\"s\">b`</span> + <span class=\"s\">&#34;c&#34;</span>",
		`}`,
	}
	for i, w := range wantGo {
		if string(g[i]) != w {
			t.Errorf("Go line %d: %s, want %s", i+1, g[i], w)
		}
	}
}

// wantError fails t unless err is what a case wants: none when want is
// empty, else one that says want. It reports whether the case ended there
// (an error, as wanted).
func wantError(t *testing.T, err error, want string) bool {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatal(err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("error %v, want one that says %q", err, want)
	}
	return want != ""
}
