package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"html/template"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"progjar/internal/readme"
)

// program is one Page: a .py of the course beside the Go that ports it.
type program struct {
	Page     string   // the page's name: the page is PAGE.html
	Py       string   // the .py, in the course
	Main     string   // the Go file that follows it, in this repository
	Adds     []string // the files of what Go or the fixes add, in this order, whole
	Excerpts []string // files of which only the declarations with a Fix or Differs comment are shown
	Judul    string   // what it is, in Indonesian
	Title    string   // and in English
	Folder   string   // the Go program's folder, whose files must all be on the page
}

// shared are tcpserver's files that the three programs use: the pace a
// client must keep, and -max-conns; excerpts, the files of which they use
// a part that differs from the Python (the flags, listening, the log).
var (
	shared   = []string{"internal/tcpserver/limits.go", "internal/tcpserver/pace.go"}
	excerpts = []string{"internal/tcpserver/tcpserver.go", "internal/tcpserver/log.go"}
)

var programs = []program{
	{Page: "lb", Py: "progjar6/lb.py", Main: "lb/main.go", Folder: "lb",
		Adds:     append([]string{"lb/health.go", "lb/idle.go", "lb/pace.go", "lb/drain.go", "lb/flags.go", "lb/trace.go"}, shared...),
		Excerpts: excerpts,
		Judul:    "load balancer round robin", Title: "the round-robin load balancer"},
	{Page: "async_server", Py: "progjar6/async_server.py", Main: "async_server/main.go", Folder: "async_server",
		Adds:     append([]string{"async_server/asyncore.go", "async_server/trace.go"}, shared...),
		Excerpts: excerpts,
		Judul:    "server HTTP asinkron", Title: "the asynchronous HTTP server"},
	{Page: "server_thread_http", Py: "progjar5/server_thread_http.py", Main: "server_thread_http/main.go", Folder: "server_thread_http",
		Adds:     append([]string{"server_thread_http/trace.go"}, shared...),
		Excerpts: excerpts,
		Judul:    "server HTTP dengan satu thread untuk setiap koneksi", Title: "the HTTP server with a thread per connection"},
	{Page: "http", Py: "progjar6/http.py", Main: "httpserver/httpserver.go", Folder: "httpserver",
		Adds:  []string{"httpserver/request.go", "httpserver/chunked.go", "httpserver/answer.go", "httpserver/files.go"},
		Judul: "kelas HttpServer (dipakai kedua server)", Title: "class HttpServer (both servers use it)"},
}

// line is one line of a code cell.
type line struct {
	N    int
	ID   string        // the Python's lines: py-N, for links and the tests
	HTML template.HTML // the line, coloured
	Mark string        // "fix" or "diff": a Fix or Differs comment; "bug": a line of the Python that does a bug
}

// note is a bug, or a difference, shown beside its code.
type note struct {
	Fix                    bool
	Key                    string
	Where                  string // the Python's lines that do the bug, when the note stands beside them
	Short, Python, Go, Why template.HTML
}

// cell is one row of a page: a piece, or a part of one.
type cell struct {
	ID, Title, Names string
	Cont             bool // a part of a piece after its first: no title
	PyLines          []line
	GoFile           string
	Added            string // a file (or an excerpt) of what Go adds: what it adds
	GoLines          []line
	Notes            []note
}

// page is what the page template is given.
type page struct {
	program
	Course, Commit string
	NoteID, NoteEN string // how the course was read, when not plainly
	Rows           []cell
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
// Each bug stands in the row of the Python's first line that does it (as
// README's row names it), and that row holds the Go line of its Fix
// comment: a piece is cut into rows to put each such pair side by side.
// A bug whose lines are not beside its Fix comment is an error.
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
	read := func(name string) ([]byte, error) { // a file of the repository, kept in files
		b, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(name)))
		files[name] = text(b)
		return b, err
	}
	for _, add := range p.Adds {
		b, err := read(add)
		if err != nil {
			return nil, err
		}
		first, err := openingSentence(add, b)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row{py: span{1, 0}, goLines: span{1, len(files[add])}, title: first, goFile: add})
	}
	for _, ex := range p.Excerpts {
		b, err := read(ex)
		if err != nil {
			return nil, err
		}
		pieces, err := markedDecls(ex, b)
		if err != nil {
			return nil, err
		}
		for _, pc := range pieces {
			rows = append(rows, row{py: span{1, 0}, goLines: pc.lines, title: "A part of " + path.Base(ex) + ", which the three programs share.", goFile: ex, names: []string{pc.name}})
		}
	}
	coloured := map[string][]template.HTML{}
	for f, lines := range files {
		coloured[f] = goLines(lines)
	}
	cites, err := citations(p.Py, pyText, rows, bugs)
	if err != nil {
		return nil, err
	}
	citedHere := map[string]bool{}
	bugLine := map[int]bool{}
	for _, cs := range cites {
		for _, ci := range cs {
			citedHere[ci.row.Key] = true
			for n := ci.lines.First; n <= ci.lines.Last; n++ {
				bugLine[n] = true
			}
		}
	}
	pyHTML := pyLines(pyText)
	pg := &page{program: p, Course: p.Py, Commit: commit, NoteID: c.noteID, NoteEN: c.note}
	for i, r := range rows {
		ps, err := placeNotes(r, files[r.goFile], cites[i], citedHere, bugs, diffs)
		if err != nil {
			return nil, err
		}
		for k, part := range cut(r, ps) {
			cl := cell{Title: r.title, Names: strings.Join(r.names, ", "), GoFile: r.goFile, ID: anchor(r.title), Cont: k > 0}
			switch {
			case i == 0:
				cl.Title, cl.Names, cl.ID = "import", "", "import"
			case r.py.last < r.py.first:
				cl.ID, cl.Added = anchor(r.title), r.title
			}
			if k > 0 {
				cl.ID = fmt.Sprintf("%s-%d", cl.ID, k+1)
			}
			for n := part.py.first; n <= part.py.last; n++ {
				l := line{N: n, ID: fmt.Sprintf("py-%d", n), HTML: pyHTML[n-1]}
				if bugLine[n] {
					l.Mark = "bug"
				}
				cl.PyLines = append(cl.PyLines, l)
			}
			src := files[r.goFile]
			for n := part.goLines.first; n <= part.goLines.last; n++ {
				l := line{N: n, HTML: coloured[r.goFile][n-1]}
				for _, m := range markers(r.goFile, src[n-1]) {
					l.Mark = map[bool]string{true: "fix", false: "diff"}[m.Fix]
				}
				cl.GoLines = append(cl.GoLines, l)
			}
			for _, pn := range part.notes {
				cl.Notes = append(cl.Notes, pn.n)
			}
			pg.Rows = append(pg.Rows, cl)
		}
	}
	return pg, nil
}

// citation is a bug's lines of the .py, in the row whose .py lines hold
// their first line.
type citation struct {
	row   readme.Row
	lines readme.Lines
}

// citations returns, for each row, the bugs that README cites within its
// .py lines. A cited line that the .py does not have, or that is blank or
// a comment, is an error.
func citations(py string, pyText []string, rows []row, bugs []readme.Row) (map[int][]citation, error) {
	cites := map[int][]citation{}
	for _, b := range bugs {
		for _, l := range b.Where {
			if l.File != path.Base(py) {
				continue
			}
			if l.Last > len(pyText) {
				return nil, fmt.Errorf("README's row %s cites %s, but %s has %d lines", b.Key, l, py, len(pyText))
			}
			if code := strings.TrimSpace(pyText[l.First-1]); code == "" || strings.HasPrefix(code, "#") {
				return nil, fmt.Errorf("README's row %s cites %s, whose first line is blank or a comment: %q", b.Key, l, pyText[l.First-1])
			}
			i := slices.IndexFunc(rows, func(r row) bool { return r.py.first <= l.First && l.First <= r.py.last })
			if i < 0 {
				return nil, fmt.Errorf("README's row %s cites %s, which no piece of the page holds", b.Key, l)
			}
			cites[i] = append(cites[i], citation{b, l})
		}
	}
	return cites, nil
}

// placed is a note, and the lines it stands beside: the .py's (0: none)
// and the Go's (0: none).
type placed struct {
	n          note
	py, goLine int
}

// placeNotes returns the notes of row r (its Go lines in src): each bug
// README cites in its .py lines, beside the Go line of its Fix comment in
// the row (an error if there is none, but for a fix with no code of its
// own); each Differs comment; and each Fix comment of a bug not cited on
// the page, beside its comment.
func placeNotes(r row, src []string, cites []citation, citedHere map[string]bool, bugs, diffs []readme.Row) ([]placed, error) {
	var ps []placed
	has := func(fix bool, key string) bool {
		return slices.ContainsFunc(ps, func(p placed) bool { return p.n.Fix == fix && p.n.Key == key })
	}
	for _, ci := range cites {
		g := 0
		for n := r.goLines.first; n <= r.goLines.last && g == 0; n++ {
			for _, m := range markers(r.goFile, src[n-1]) {
				if m.Fix && m.Key == ci.row.Key {
					g = n
				}
			}
		}
		if g == 0 && !ci.row.Own {
			return nil, fmt.Errorf("README's row %s cites %s, shown beside %s lines %d-%d, which have no Fix (%s) comment: put one at the Go that does what those lines did", ci.row.Key, ci.lines, r.goFile, r.goLines.first, r.goLines.last, ci.row.Key)
		}
		n := newNote(true, ci.row)
		n.Where = ci.lines.String()
		ps = append(ps, placed{n, ci.lines.First, g})
	}
	for n := r.goLines.first; n <= r.goLines.last; n++ {
		for _, m := range markers(r.goFile, src[n-1]) {
			if has(m.Fix, m.Key) || m.Fix && citedHere[m.Key] {
				continue // its note stands beside the Python's lines
			}
			rows := diffs
			if m.Fix {
				rows = bugs
			}
			if i := slices.IndexFunc(rows, func(rw readme.Row) bool { return rw.Key == m.Key }); i >= 0 {
				ps = append(ps, placed{newNote(m.Fix, rows[i]), 0, n})
			}
		}
	}
	return ps, nil
}

// newNote makes the note of README's row rw.
func newNote(fix bool, rw readme.Row) note {
	return note{Fix: fix, Key: rw.Key, Short: md(rw.Short), Python: md(oneLine(rw.Python)), Go: md(rw.Go), Why: md(rw.Why)}
}

// part is a part of a row, and the notes that stand in it.
type part struct {
	py, goLines span
	notes       []placed
}

// cut cuts row r into parts, so that each note starts a part at its
// .py line and its Go line together: the bug beside its fix, at its
// height. Pairs that cross (a later .py line beside an earlier Go line) are
// not cut apart; a note stands in the part that holds its lines.
func cut(r row, ps []placed) []part {
	slices.SortStableFunc(ps, func(a, b placed) int { return a.py - b.py })
	type point struct{ py, goLine int }
	var points []point // where parts start, but the first
	last := point{r.py.first, r.goLines.first}
	if r.py.last < r.py.first {
		last.py = 0 // a row of Go alone: it is not cut
	}
	for _, p := range ps {
		if p.py > last.py && p.goLine > last.goLine && last.py > 0 {
			last = point{p.py, p.goLine}
			points = append(points, last)
		}
	}
	// A note whose lines fall in two parts joins them.
	partOf := func(py, g int) (int, int) {
		a, b := 0, 0
		for i, pt := range points {
			if py >= pt.py {
				a = i + 1
			}
			if g >= pt.goLine {
				b = i + 1
			}
		}
		return a, b
	}
	for changed := true; changed; {
		changed = false
		for _, p := range ps {
			if p.py == 0 || p.goLine == 0 {
				continue
			}
			if a, b := partOf(p.py, p.goLine); a != b {
				lo, hi := min(a, b), max(a, b)
				points = append(points[:lo], points[hi:]...) // parts lo..hi become one
				changed = true
				break
			}
		}
	}
	parts := make([]part, len(points)+1)
	for i := range parts {
		parts[i] = part{py: r.py, goLines: r.goLines}
		if i > 0 {
			parts[i].py.first, parts[i].goLines.first = points[i-1].py, points[i-1].goLine
		}
		if i < len(points) {
			parts[i].py.last, parts[i].goLines.last = points[i].py-1, points[i].goLine-1
		}
	}
	if r.py.last < r.py.first {
		parts[0].py = r.py
	}
	for _, p := range ps {
		a, b := partOf(p.py, p.goLine)
		if p.py == 0 {
			a = b
		}
		parts[a].notes = append(parts[a].notes, p)
	}
	return parts
}

// decl is a top-level declaration of a Go file, and its lines (its doc
// comment's included).
type decl struct {
	name  string
	lines span
}

// markedDecls returns the declarations of a Go file that hold a Fix or
// Differs comment, in order.
func markedDecls(file string, src []byte) ([]decl, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	lines := text(src)
	var out []decl
	for _, d := range f.Decls {
		start, end := fset.Position(d.Pos()).Line, fset.Position(d.End()).Line
		name := ""
		switch d := d.(type) {
		case *ast.FuncDecl:
			name = d.Name.Name
			if d.Recv != nil && len(d.Recv.List) == 1 {
				name = "(" + types.ExprString(d.Recv.List[0].Type) + ")." + name
			}
			if d.Doc != nil {
				start = fset.Position(d.Doc.Pos()).Line
			}
		case *ast.GenDecl:
			if d.Doc != nil {
				start = fset.Position(d.Doc.Pos()).Line
			}
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.TypeSpec:
					name = sp.Name.Name
				case *ast.ValueSpec:
					name = sp.Names[0].Name
				}
			}
		}
		for n := start; n <= end; n++ {
			if len(markers(file, lines[n-1])) > 0 {
				out = append(out, decl{name, span{start, end}})
				break
			}
		}
	}
	return out, nil
}

// anchor makes a name into a row's id: letters, digits, "." and "_" stay.
func anchor(name string) string {
	return strings.Trim(anchorRE.ReplaceAllString(name, "-"), "-")
}

var anchorRE = regexp.MustCompile(`[^A-Za-z0-9._]+`)

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
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Course}} dan {{.Main}}: berdampingan</title>
<style>` + style + `</style>
</head>
<body>
<p class="nav"><a href="index.html">Daftar isi</a> <span class="en">(contents)</span></p>
<h1>{{.Course}} dan {{.Main}}: {{.Judul}}</h1>
<p class="en">{{.Course}} and {{.Main}}: {{.Title}}, side by side</p>
<p>Kiri: kode Python mata kuliah ({{.Course}}, commit {{.Commit}}). Tengah: kode Go padanannya, bagian demi bagian, dengan nomor baris seperti di file. Kanan: setiap bug Python, sejajar dengan baris Python yang membuatnya (<span class="bugline">disorot merah</span>) dan dengan komentar <code>Fix (...)</code> pada kode yang memperbaikinya (<mark class="fix">disorot kuning</mark>); setiap perbedaan yang disengaja sejajar dengan komentar <code>Differs (...)</code> pada kode yang membuatnya (<mark class="diff">disorot biru</mark>).</p>
<p class="en">Left: the course's Python ({{.Course}}, commit {{.Commit}}). Middle: the Go that mirrors it, piece by piece, numbered as in the files. Right: each bug of the Python, level with the Python's lines that do it (<span class="bugline">red</span>) and with the <code>Fix (...)</code> comment of the code that fixes it (<mark class="fix">yellow</mark>); each deliberate difference level with the <code>Differs (...)</code> comment of the code that makes it (<mark class="diff">blue</mark>).</p>
{{with .NoteID}}<p class="note">{{.}}</p>{{end}}{{with .NoteEN}}<p class="note en">{{.}}</p>{{end}}
<p class="toc">{{range $i, $r := .Rows}}{{if not $r.Cont}}{{if $i}} · {{end}}<a href="#{{$r.ID}}">{{if $r.PyLines}}{{$r.Title}}{{else}}{{$r.GoFile}}{{with $r.Names}}: {{.}}{{end}}{{end}}</a>{{end}}{{end}}</p>
<table>
<colgroup><col class="py"><col class="go"><col class="notes"></colgroup>
<thead><tr><th>Python<div class="en">{{.Course}}</div></th><th>Go<div class="en">{{.Main}} and the files of what Go adds</div></th><th>Bug dan perbedaan<div class="en">bugs and differences</div></th></tr></thead>
<tbody>
{{range .Rows}}<tr id="{{.ID}}"{{if .Cont}} class="cont"{{end}}>
<td>{{if .PyLines}}{{if not .Cont}}<div class="piece">{{.Title}}</div>{{end}}<pre>{{range .PyLines}}<span class="l{{if .Mark}} {{.Mark}}{{end}}" id="{{.ID}}"><span class="ln">{{.N}}</span>{{.HTML}}</span>{{end}}</pre>{{else if not .Cont}}<div class="none">Tidak ada di Python <span class="en">(not in the Python)</span></div>{{end}}</td>
<td>{{if not .Cont}}<div class="piece">{{.GoFile}}{{with .Names}}: {{.}}{{end}}</div>{{with .Added}}<div class="added">{{.}}</div>{{end}}{{end}}<pre>{{range .GoLines}}<span class="l{{if .Mark}} {{.Mark}}{{end}}"><span class="ln">{{.N}}</span>{{.HTML}}</span>{{end}}</pre></td>
<td>{{range .Notes}}<div class="{{if .Fix}}bug{{else}}diff{{end}}" data-key="{{.Key}}"><div class="key">{{if .Fix}}Fix{{else}}Differs{{end}} ({{.Key}}){{with .Where}} <span class="where">{{.}}</span>{{end}}</div><p>{{.Short}}</p><p class="en">{{if .Fix}}Bug: {{else}}The Python: {{end}}{{.Python}}</p><p class="en">{{if .Fix}}Fix: {{else}}The Go: {{end}}{{.Go}}</p><p class="en">{{if .Fix}}Tests: {{else}}Why: {{end}}{{.Why}}</p></div>{{end}}</td>
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
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Belajar berdampingan: Python dan Go</title>
<style>` + style + `</style>
</head>
<body>
<h1>Belajar berdampingan: Python dan Go</h1>
<p class="en">Studying side by side: the Python and the Go</p>
<p>Setiap halaman menampilkan satu file Python dari mata kuliah (commit {{.Commit}}) di samping kode Go padanannya, bagian demi bagian, dan setiap bug Python sejajar dengan baris Python yang membuatnya dan dengan perbaikannya.</p>
<ul>
{{range .Pages}}<li><a href="{{.Page}}.html">{{.Py}} dan {{.Main}}</a>: {{.Judul}}</li>
{{end}}</ul>
{{with .NoteID}}<p class="note">{{.}}</p>{{end}}
<p>Halaman-halaman ini dibuat dari file mata kuliah di checkout Anda sendiri, dengan <code>./run_all.sh study DIR</code> (atau <code>go run ./internal/study DIR</code>); tidak ada bagian dari kode mata kuliah yang disimpan di repositori ini.</p>
<h2>English</h2>
<p>Each page puts one Python file of the course (commit {{.Commit}}) beside the Go that mirrors it, piece by piece, and each bug of the Python level with the Python's lines that do it and with its fix.</p>
<ul>
{{range .Pages}}<li><a href="{{.Page}}.html">{{.Py}} and {{.Main}}</a>: {{.Title}}</li>
{{end}}</ul>
{{with .NoteEN}}<p class="note">{{.}}</p>{{end}}
<p>These pages are made from the course's files in your own checkout, by <code>./run_all.sh study DIR</code> (or <code>go run ./internal/study DIR</code>); nothing of the course is kept in this repository.</p>
</body>
</html>
`))

// style: no code cell scrolls sideways; a long line wraps, its next rows
// indented past the line numbers; keywords (k), strings (s) and comments
// (c) coloured, in colours that print.
const style = `
body { font-family: system-ui, sans-serif; margin: 1em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0; }
.en { color: #555; font-size: .9em; }
.note { background: #eef; padding: .4em; }
.toc { font-size: .85em; line-height: 1.6; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
col.py { width: 34%; } col.go { width: 44%; } col.notes { width: 22%; }
th { text-align: left; background: #f4f4f4; position: sticky; top: 0; z-index: 1; }
td, th { border-top: 1px solid #ccc; vertical-align: top; padding: .3em .4em; }
tr.cont td { border-top: 1px dotted #e4e4e4; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; tab-size: 4; }
.l { display: block; padding-left: 3.6em; text-indent: -3.6em; }
.ln { display: inline-block; width: 3em; margin-right: .6em; text-indent: 0; text-align: right; color: #999; user-select: none; }
.l.fix, mark.fix { background: #fff0b3; }
.l.diff, mark.diff { background: #dcebfa; }
.l.bug, .bugline { background: #fbdcdc; }
.k { color: #8b008b; font-weight: 600; }
.s { color: #a0522d; }
.c { color: #2e7d32; font-style: italic; }
.piece { font-weight: bold; font-size: .9em; margin-bottom: .2em; overflow-wrap: anywhere; }
.added { font-style: italic; font-size: .9em; margin-bottom: .3em; }
.none { color: #888; font-size: .9em; }
div.bug, div.diff { border-left: 4px solid #d9534f; padding: .1em .5em; margin-bottom: .6em; font-size: .85em; overflow-wrap: anywhere; }
div.diff { border-left-color: #4a90d9; }
div.bug p, div.diff p { margin: .2em 0; }
.key { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: bold; }
.where { font-weight: normal; color: #a33; }
code { font-size: .95em; }
@media print {
  th { position: static; }
  body { margin: 0; font-size: 10pt; }
  tr { break-inside: avoid; }
  .l.fix, .l.diff, .l.bug, .bugline, mark { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`
