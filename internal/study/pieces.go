package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"regexp"
	"strings"
)

// span is lines first..last of a file, 1-based, both included; empty when
// last < first.
type span struct{ first, last int }

// pyPiece is a piece of a .py: its imports (and what else comes before the
// first class or function), a class, a method, or a function.
type pyPiece struct {
	name  string // "imports", "class X", "X.m" or "f()"
	must  bool   // a class or a function: the Go must mirror it
	lines span
}

// pyPieces cuts a .py into its pieces, in order. Every line is in one
// piece: comments and blank lines go with the piece before them, and so
// do statements at the top level after a class or function (such as if
// __name__ == "__main__"). Indentation may be spaces or tabs.
func pyPieces(lines []string) []pyPiece {
	ps := []pyPiece{{name: "imports", lines: span{1, 0}}}
	class, methodIndent := "", ""
	for i, line := range lines {
		code := strings.TrimLeft(line, " \t")
		indent := line[:len(line)-len(code)]
		word, rest, _ := strings.Cut(code, " ")
		name := identRE.FindString(rest)
		var p *pyPiece
		switch {
		case code == "" || code[0] == '#':
		case indent == "" && word == "class" && name != "":
			class, methodIndent = name, ""
			p = &pyPiece{name: "class " + name, must: true}
		case indent == "" && word == "def" && name != "":
			class = ""
			p = &pyPiece{name: name + "()", must: true}
		case indent == "":
			class = "" // a statement at the top level ends the class
		case class != "" && word == "def" && name != "" && (methodIndent == "" || indent == methodIndent):
			methodIndent = indent
			p = &pyPiece{name: class + "." + name}
		}
		if p != nil {
			p.lines.first = i + 1
			ps = append(ps, *p)
		}
		ps[len(ps)-1].lines.last = i + 1
	}
	return ps
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`)

// goAnchor is a Go declaration whose doc comment says what it mirrors:
// "NAME mirrors class X ...", "NAME mirrors X.m ...", "NAME mirrors f() ...".
type goAnchor struct {
	decl, mirrors string
	line          int // where its doc comment starts
}

// mirrorsRE finds what a doc comment's first sentence says it mirrors.
var mirrorsRE = regexp.MustCompile(`^(\S+) mirrors (class [A-Za-z_]\w*|[A-Za-z_]\w*\.[A-Za-z_]\w*|[A-Za-z_]\w*\(\))`)

// goAnchors returns the anchors of a Go file, in order.
func goAnchors(file string, src []byte) ([]goAnchor, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var as []goAnchor
	for _, d := range f.Decls {
		var doc *ast.CommentGroup
		name := ""
		switch d := d.(type) {
		case *ast.FuncDecl:
			doc, name = d.Doc, d.Name.Name
			if d.Recv != nil && len(d.Recv.List) == 1 {
				name = "(" + types.ExprString(d.Recv.List[0].Type) + ")." + name
			}
		case *ast.GenDecl:
			doc = d.Doc
		}
		if doc == nil {
			continue
		}
		if m := mirrorsRE.FindStringSubmatch(doc.Text()); m != nil {
			if name == "" {
				name = m[1]
			}
			as = append(as, goAnchor{decl: name, mirrors: m[2], line: fset.Position(doc.Pos()).Line})
		}
	}
	return as, nil
}

// row is one piece of a page: a piece of the .py (with the pieces that
// mirror nothing after it) and the Go that mirrors it.
type row struct {
	py, goLines span
	title       string // the .py piece's name, or an added file's first sentence
	goFile      string // the Go file the lines are from
	names       []string
}

// align pairs the pieces of a .py with those of its Go file, in the .py's
// order. A Go anchor that names no piece of the .py, a class or function
// of the .py that nothing mirrors, and anchors out of the .py's order are
// errors.
func align(pyName string, py []pyPiece, goName string, goLen int, as []goAnchor) ([]row, error) {
	index := map[string]int{}
	for i, p := range py {
		index[p.name] = i
	}
	mirrored := make([]bool, len(py))
	mirrored[0] = true // the imports face the Go's imports
	rows := []row{{py: py[0].lines, goLines: span{1, goLen}, title: "imports", goFile: goName}}
	last := 0
	for _, a := range as {
		i, ok := index[a.mirrors]
		switch {
		case !ok:
			return nil, fmt.Errorf("%s:%d: %s mirrors %s, which %s does not have", goName, a.line, a.decl, a.mirrors, pyName)
		case i < last:
			return nil, fmt.Errorf("%s:%d: %s mirrors %s, which comes before %s in %s: the Go must follow the .py's order", goName, a.line, a.decl, a.mirrors, py[last].name, pyName)
		case i == last && len(rows) > 1:
			rows[len(rows)-1].names = append(rows[len(rows)-1].names, a.decl)
			continue // another Go piece of the same .py piece
		}
		rows[len(rows)-1].goLines.last = a.line - 1
		rows = append(rows, row{py: py[i].lines, goLines: span{a.line, goLen}, title: a.mirrors, goFile: goName, names: []string{a.decl}})
		mirrored[i], last = true, i
	}
	for i, p := range py {
		if p.must && !mirrored[i] {
			return nil, fmt.Errorf("%s in %s: no declaration of %s says it mirrors %s", p.name, pyName, goName, p.name)
		}
	}
	// A row's .py lines run to the next row's: a method that nothing
	// mirrors goes with the piece before it, and so do the statements
	// after the last piece.
	for r := range rows {
		if r+1 < len(rows) {
			rows[r].py.last = rows[r+1].py.first - 1
		} else {
			rows[r].py.last = py[len(py)-1].lines.last
		}
	}
	return rows, nil
}
