package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"html/template"
	"maps"
	"os"
	"path/filepath"
	"progjar/internal/readme"
	"regexp"
	"slices"
	"strings"
)

// program is one Page: a .py of the course beside the Go that ports it.
type program struct {
	Page   string   // the page's name: the page is PAGE.html
	Py     string   // the .py, in the course
	Main   string   // the Go file that follows it, in this repository
	Adds   []string // the files of what Go or the fixes add, in this order
	Judul  string   // what it is, in Indonesian
	Title  string   // and in English
	Folder string   // the Go program's folder, whose files must all be on the page
}

// shared are tcpserver's files that the three programs use: the pace a
// client must keep, and -max-conns.
var shared = []string{"internal/tcpserver/limits.go", "internal/tcpserver/pace.go"}

var programs = []program{
	{Page: "lb", Py: "progjar6/lb.py", Main: "lb/main.go", Folder: "lb",
		Adds:  append([]string{"lb/health.go", "lb/idle.go", "lb/pace.go", "lb/drain.go", "lb/flags.go", "lb/trace.go"}, shared...),
		Judul: "load balancer round robin", Title: "the round-robin load balancer"},
	{Page: "async_server", Py: "progjar6/async_server.py", Main: "async_server/main.go", Folder: "async_server",
		Adds:  append([]string{"async_server/asyncore.go", "async_server/trace.go"}, shared...),
		Judul: "server HTTP asinkron", Title: "the asynchronous HTTP server"},
	{Page: "server_thread_http", Py: "progjar5/server_thread_http.py", Main: "server_thread_http/main.go", Folder: "server_thread_http",
		Adds:  append([]string{"server_thread_http/trace.go"}, shared...),
		Judul: "server HTTP dengan satu thread untuk setiap koneksi", Title: "the HTTP server with a thread per connection"},
	{Page: "http", Py: "progjar6/http.py", Main: "httpserver/httpserver.go", Folder: "httpserver",
		Adds:  []string{"httpserver/request.go", "httpserver/chunked.go", "httpserver/answer.go", "httpserver/files.go"},
		Judul: "kelas HttpServer (dipakai kedua server)", Title: "class HttpServer (both servers use it)"},
}

// ownAnchors places each fix that has no code of its own beside the piece
// of the .py that it fixes: the first piece whose code holds this text.
var ownAnchors = map[string]string{
	"backlog": "listen(",
	"select":  "asyncore.loop()",
}

// line is one line of a code cell.
type line struct {
	N    int
	Text string
	Mark bool // a Fix or Differs comment
}

// note is a bug, or a difference, shown beside the code of its fix.
type note struct {
	Fix                    bool
	Key                    string
	Short, Python, Go, Why template.HTML
}

// cell is one row of a page.
type cell struct {
	ID           string // the row's anchor: page.html#ID
	Title, Names string
	PyLines      []line
	GoFile       string
	GoLines      []line
	Notes        []note
}

// page is what the page template is given.
type page struct {
	program
	Course, Commit, Note string
	Rows                 []cell
}

// render writes t, executed with data, to the file path.
func render(path string, t *template.Template, data any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := t.Execute(f, data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// build makes the page of p from the course's .py and this repository's
// Go (at repo), with the bugs and differences of README beside their code.
func build(p program, c *course, repo string, bugs, diffs []readme.Row) (*page, error) {
	pyBytes, err := c.read(p.Py)
	if err != nil {
		return nil, err
	}
	pyText := text(pyBytes)
	goBytes, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(p.Main)))
	if err != nil {
		return nil, err
	}
	goText := text(goBytes)
	anchors, err := goAnchors(p.Main, goBytes)
	if err != nil {
		return nil, err
	}
	rows, err := align(p.Py, pyPieces(pyText), p.Main, len(goText), anchors)
	if err != nil {
		return nil, err
	}
	files := map[string][]string{p.Main: goText}
	for _, add := range p.Adds {
		b, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(add)))
		if err != nil {
			return nil, err
		}
		files[add] = text(b)
		first, err := openingSentence(add, b)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row{py: span{1, 0}, goLines: span{1, len(files[add])}, title: first, goFile: add})
	}
	own := map[int][]string{} // row → the fixes with no code of their own beside it
	for _, key := range slices.Sorted(maps.Keys(ownAnchors)) {
		if i := firstPyRow(rows, pyText, ownAnchors[key]); i >= 0 {
			own[i] = append(own[i], key)
		}
	}
	pg := &page{program: p, Course: p.Py, Commit: commit, Note: c.note}
	for i, r := range rows {
		cl := cell{Title: r.title, Names: strings.Join(r.names, ", "), GoFile: r.goFile, ID: anchor(r.title)}
		if i == 0 {
			cl.Title, cl.Names, cl.ID = "import", "", "import"
		}
		if r.py.last < r.py.first {
			cl.ID = anchor(r.goFile)
		}
		for n := r.py.first; n <= r.py.last; n++ {
			cl.PyLines = append(cl.PyLines, line{N: n, Text: pyText[n-1]})
		}
		src := files[r.goFile]
		for n := r.goLines.first; n <= r.goLines.last; n++ {
			ms := markers(r.goFile, src[n-1])
			cl.GoLines = append(cl.GoLines, line{N: n, Text: src[n-1], Mark: len(ms) > 0})
			for _, m := range ms {
				cl.Notes = addNote(cl.Notes, m.Fix, m.Key, bugs, diffs)
			}
		}
		for _, key := range own[i] {
			cl.Notes = addNote(cl.Notes, true, key, bugs, diffs)
		}
		pg.Rows = append(pg.Rows, cl)
	}
	return pg, nil
}

// anchor makes a name into a row's id: letters, digits, "." and "_" stay.
func anchor(name string) string {
	return strings.Trim(anchorRE.ReplaceAllString(name, "-"), "-")
}

var anchorRE = regexp.MustCompile(`[^A-Za-z0-9._]+`)

// firstPyRow returns the index of the first row whose .py lines hold s,
// or -1.
func firstPyRow(rows []row, py []string, s string) int {
	for i, r := range rows {
		for n := r.py.first; n <= r.py.last; n++ {
			if strings.Contains(py[n-1], s) {
				return i
			}
		}
	}
	return -1
}

// addNote adds the row of README that key names to notes, once.
func addNote(notes []note, fix bool, key string, bugs, diffs []readme.Row) []note {
	for _, n := range notes {
		if n.Fix == fix && n.Key == key {
			return notes
		}
	}
	rows := diffs
	if fix {
		rows = bugs
	}
	for _, r := range rows {
		if r.Key == key {
			return append(notes, note{Fix: fix, Key: key, Short: md(r.Short), Python: md(oneLine(r.Python)), Go: md(r.Go), Why: md(r.Why)})
		}
	}
	return notes // checkLinks has said so
}

// oneLine is the first clause of a bug's description: up to its first
// colon outside code.
func oneLine(s string) string {
	code := false
	for i, c := range s {
		switch {
		case c == '`':
			code = !code
		case c == ':' && !code && strings.HasPrefix(s[i:], ": "):
			return s[:i]
		}
	}
	return s
}

// openingSentence returns the first sentence of a file's first comment:
// what the file adds.
func openingSentence(file string, src []byte) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		return "", err
	}
	if len(f.Comments) == 0 {
		return "", fmt.Errorf("%s has no comment to say what it adds", file)
	}
	t := strings.Join(strings.Fields(f.Comments[0].Text()), " ")
	if i := strings.Index(t, ". "); i >= 0 {
		t = t[:i+1]
	}
	return t, nil
}

var (
	codeRE = regexp.MustCompile("`([^`]*)`")
	boldRE = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	linkRE = regexp.MustCompile(`\[([^\]]+)\]\([^)]+\)`)
)

// md turns a README cell's Markdown (code, bold, links) into HTML.
func md(s string) template.HTML {
	s = linkRE.ReplaceAllString(s, "$1")
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		part = template.HTMLEscapeString(part)
		if i%2 == 1 {
			b.WriteString("<code>" + part + "</code>")
			continue
		}
		b.WriteString(boldRE.ReplaceAllString(part, "<b>$1</b>"))
	}
	return template.HTML(b.String())
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>{{.Course}} dan {{.Main}}: berdampingan</title>
<style>` + style + `</style>
</head>
<body>
<p class="nav"><a href="index.html">Daftar isi</a> <span class="en">(contents)</span></p>
<h1>{{.Course}} dan {{.Main}}: {{.Judul}}</h1>
<p class="en">{{.Course}} and {{.Main}}: {{.Title}}, side by side</p>
<p>Kiri: kode Python mata kuliah ({{.Course}}, commit {{.Commit}}). Tengah: kode Go yang menirunya, bagian demi bagian, dengan nomor baris seperti di file. Kanan: bug Python yang diperbaiki di bagian itu, dan perbedaan yang disengaja. Baris yang ditandai berisi komentar <code>Fix (...)</code> atau <code>Differs (...)</code>.</p>
<p class="en">Left: the course's Python ({{.Course}}, commit {{.Commit}}). Middle: the Go that mirrors it, piece by piece, numbered as in the files. Right: the Python's bugs fixed in that piece, and deliberate differences. Marked lines hold the <code>Fix (...)</code> or <code>Differs (...)</code> comment.</p>
{{with .Note}}<p class="note">{{.}}</p>{{end}}
<p class="toc">{{range $i, $r := .Rows}}{{if $i}} · {{end}}<a href="#{{$r.ID}}">{{if $r.PyLines}}{{$r.Title}}{{else}}{{$r.GoFile}}{{end}}</a>{{end}}</p>
<table>
<colgroup><col class="py"><col class="go"><col class="notes"></colgroup>
<thead><tr><th>Python<div class="en">{{.Course}}</div></th><th>Go<div class="en">{{.Main}} and the files of what Go adds</div></th><th>Bug dan perbedaan<div class="en">bugs and differences</div></th></tr></thead>
<tbody>
{{range .Rows}}<tr id="{{.ID}}">
<td>{{if .PyLines}}<div class="piece">{{.Title}}</div><pre>{{range .PyLines}}<span class="ln">{{.N}}</span>{{.Text}}
{{end}}</pre>{{else}}<div class="none">Tidak ada di Python <span class="en">(not in the Python)</span></div>{{end}}</td>
<td><div class="piece">{{.GoFile}}{{with .Names}}: {{.}}{{end}}</div>{{if not .PyLines}}<div class="added">{{.Title}}</div>{{end}}<pre>{{range .GoLines}}<span class="ln">{{.N}}</span>{{if .Mark}}<mark>{{.Text}}</mark>{{else}}{{.Text}}{{end}}
{{end}}</pre></td>
<td>{{range .Notes}}<div class="{{if .Fix}}bug{{else}}diff{{end}}"><div class="key">{{if .Fix}}Fix{{else}}Differs{{end}} ({{.Key}})</div><p>{{.Short}}</p><p class="en">{{if .Fix}}Bug: {{else}}The Python: {{end}}{{.Python}}</p><p class="en">{{if .Fix}}Fix: {{else}}The Go: {{end}}{{.Go}}</p><p class="en">{{if .Fix}}Test: {{else}}Why: {{end}}{{.Why}}</p></div>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>Belajar berdampingan: Python dan Go</title>
<style>` + style + `</style>
</head>
<body>
<h1>Belajar berdampingan: Python dan Go</h1>
<p class="en">Studying side by side: the Python and the Go</p>
<p>Setiap halaman menaruh satu file Python dari mata kuliah (commit {{.Commit}}) di samping kode Go yang menirunya, bagian demi bagian, dan setiap bug Python di samping perbaikannya.</p>
<ul>
{{range .Pages}}<li><a href="{{.Page}}.html">{{.Py}} dan {{.Main}}</a>: {{.Judul}}</li>
{{end}}</ul>
{{with .Note}}<p class="note">{{.}}</p>{{end}}
<h2>English</h2>
<p>Each page puts one Python file of the course (commit {{.Commit}}) beside the Go that mirrors it, piece by piece, and each bug of the Python beside its fix.</p>
<ul>
{{range .Pages}}<li><a href="{{.Page}}.html">{{.Py}} and {{.Main}}</a>: {{.Title}}</li>
{{end}}</ul>
<p>These pages are made from the course's files in your own checkout, by <code>./run_all.sh study DIR</code> (or <code>go run ./internal/study DIR</code>); nothing of the course is kept in this repository.</p>
</body>
</html>
`))

const style = `
body { font-family: system-ui, sans-serif; margin: 1em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0; }
.en { color: #666; font-size: .9em; }
.note { background: #eef; padding: .4em; }
.toc { font-size: .85em; line-height: 1.6; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
col.py { width: 36%; } col.go { width: 44%; } col.notes { width: 20%; }
th { text-align: left; background: #f4f4f4; position: sticky; top: 0; }
td, th { border-top: 1px solid #ccc; vertical-align: top; padding: .3em .4em; }
pre { margin: 0; overflow-x: auto; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; tab-size: 4; }
.ln { display: inline-block; width: 2.6em; margin-right: .6em; text-align: right; color: #aaa; user-select: none; }
mark { background: #ffe7a0; }
.piece { font-weight: bold; font-size: .9em; margin-bottom: .2em; overflow-wrap: anywhere; }
.added { font-style: italic; font-size: .9em; margin-bottom: .3em; }
.none { color: #999; font-size: .9em; }
.bug, .diff { border-left: 4px solid #e0a000; padding: .1em .5em; margin-bottom: .6em; font-size: .85em; }
.diff { border-left-color: #4a90d9; }
.bug p, .diff p { margin: .2em 0; }
.key { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: bold; }
code { font-size: .95em; }
`
