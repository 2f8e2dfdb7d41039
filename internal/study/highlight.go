package main

import (
	"go/scanner"
	"go/token"
	"html/template"
	"strings"
)

// Colouring: keywords, strings and comments, each in a span of its class
// (k, s, c), one line at a time, so that a line can be cut out of its file.

// goLines colours a Go file (its lines, as text returns them): go/scanner
// finds the tokens.
func goLines(lines []string) []template.HTML {
	src := []byte(strings.Join(lines, "\n"))
	starts := make([]int, len(lines)) // the offset of each line in src
	for i, off := 1, 0; i < len(lines); i++ {
		off += len(lines[i-1]) + 1
		starts[i] = off
	}
	var spans []tokenSpan
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, scanner.ScanComments)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		class := ""
		switch {
		case tok == token.COMMENT:
			class = "c"
		case tok == token.STRING || tok == token.CHAR:
			class = "s"
		case tok.IsKeyword():
			class = "k"
		}
		if class == "" {
			continue
		}
		off := file.Offset(pos)
		n := len(lit)
		if tok.IsKeyword() {
			n = len(tok.String())
		}
		spans = append(spans, tokenSpan{off, off + n, class})
	}
	return colourLines(lines, starts, spans)
}

// tokenSpan is bytes from..to of a file, coloured as class.
type tokenSpan struct {
	from, to int
	class    string
}

// colourLines escapes each line and wraps the parts of it that spans cover
// (spans in order, not overlapping; one may cross lines, as a raw string).
func colourLines(lines []string, starts []int, spans []tokenSpan) []template.HTML {
	out := make([]template.HTML, len(lines))
	k := 0
	for i, l := range lines {
		var b strings.Builder
		at, end := starts[i], starts[i]+len(l)
		for at < end {
			for k < len(spans) && spans[k].to <= at {
				k++
			}
			if k == len(spans) || spans[k].from >= end {
				b.WriteString(template.HTMLEscapeString(l[at-starts[i]:]))
				break
			}
			sp := spans[k]
			if sp.from > at {
				b.WriteString(template.HTMLEscapeString(l[at-starts[i] : sp.from-starts[i]]))
				at = sp.from
			}
			stop := min(sp.to, end)
			b.WriteString(`<span class="` + sp.class + `">` + template.HTMLEscapeString(l[at-starts[i]:stop-starts[i]]) + `</span>`)
			at = stop
		}
		out[i] = template.HTML(b.String())
	}
	return out
}

// pyKeywords are Python 3's keywords, and the constants that read as
// ones.
var pyKeywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields("False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield") {
		pyKeywords[k] = true
	}
}

// pyLines colours a .py file (its lines): a small tokenizer for what the
// course's files hold: comments, strings in quotes of any kind (with
// their prefixes and escapes), and keywords.
func pyLines(lines []string) []template.HTML {
	src := strings.Join(lines, "\n")
	starts := make([]int, len(lines))
	for i, off := 1, 0; i < len(lines); i++ {
		off += len(lines[i-1]) + 1
		starts[i] = off
	}
	var spans []tokenSpan
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '#':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			spans = append(spans, tokenSpan{i, i + j, "c"})
			i += j
		case c == '\'' || c == '"':
			j := pyString(src, i)
			spans = append(spans, tokenSpan{i, j, "s"})
			i = j
		case isIdentStart(c):
			j := i
			for j < len(src) && (isIdentStart(src[j]) || '0' <= src[j] && src[j] <= '9') {
				j++
			}
			word := src[i:j]
			switch {
			case j < len(src) && (src[j] == '\'' || src[j] == '"') && len(word) <= 2 && strings.Trim(strings.ToLower(word), "rbuf") == "":
				end := pyString(src, j) // a prefixed string: b'...', rb"..."
				spans = append(spans, tokenSpan{i, end, "s"})
				j = end
			case pyKeywords[word]:
				spans = append(spans, tokenSpan{i, j, "k"})
			}
			i = j
		default:
			i++
		}
	}
	return colourLines(lines, starts, spans)
}

// pyString returns the end of the string literal that starts with the
// quote at src[i]: single or triple quotes, with backslash escapes. A
// string that does not end ends at its line's end (or the file's, when
// triple-quoted).
func pyString(src string, i int) int {
	q := src[i : i+1]
	if strings.HasPrefix(src[i:], q+q+q) {
		q = q + q + q
	}
	for j := i + len(q); j < len(src); j++ {
		switch {
		case src[j] == '\\':
			j++
		case strings.HasPrefix(src[j:], q):
			return j + len(q)
		case src[j] == '\n' && len(q) == 1:
			return j
		}
	}
	return len(src)
}

func isIdentStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
