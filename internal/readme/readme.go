// Package readme reads README's two tables, the Python's bugs and the
// deliberate differences, for the programs that tie them to the code: the
// side-by-side pages (internal/study) and the bug lab (internal/bugs).
package readme

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Row is one row of README's table of bugs ("What the Python got wrong")
// or of deliberate differences ("Where the Go differs on purpose"). Its
// key is the one the code's comments name where the fix, or the
// difference, is made: "Fix (KEY):" or "Differs (KEY):".
type Row struct {
	Key    string
	Where  []Lines // the lines of the Python that do it (bugs only)
	Python string  // the bug in the original; for a difference, what the Python did
	Short  string  // singkatnya: the row in Indonesian
	Go     string  // the fix; for a difference, what the Go does
	Why    string  // the tests that pin the fix; for a difference, why
	Own    bool    // a fix with no code of its own ("No code of its own: ...")
}

// Lines is file.py:First-Last, lines of a .py of the course (at the
// commit this port follows), both included.
type Lines struct {
	File        string
	First, Last int
}

func (l Lines) String() string {
	if l.First == l.Last {
		return fmt.Sprintf("%s:%d", l.File, l.First)
	}
	return fmt.Sprintf("%s:%d-%d", l.File, l.First, l.Last)
}

// The tables' headings in README, and how a fix with no code says so.
const (
	BugsHeading  = "## What the Python got wrong"
	DiffsHeading = "## Where the Go differs on purpose"
	OwnPrefix    = "No code of its own"
)

// Tables parses README's two tables.
func Tables(readme string) (bugs, diffs []Row, err error) {
	if bugs, err = table(readme, BugsHeading, []string{"key", "where in the Python", "bug in the original", "singkatnya", "the fix", "the tests that fail when it is put back"}); err != nil {
		return nil, nil, err
	}
	if diffs, err = table(readme, DiffsHeading, []string{"key", "the Python", "the Go", "singkatnya", "why"}); err != nil {
		return nil, nil, err
	}
	return bugs, diffs, nil
}

// table parses the first table after heading, whose columns must be cols.
func table(readme, heading string, cols []string) ([]Row, error) {
	_, rest, ok := strings.Cut(readme, "\n"+heading+"\n")
	if !ok {
		return nil, fmt.Errorf("README has no section %q", heading)
	}
	var rows []Row
	seen := map[string]bool{}
	header := true
	for _, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "|") {
			if len(rows) > 0 || !header {
				break // the table has ended
			}
			continue // prose before the table
		}
		cells := SplitRow(line)
		switch {
		case header:
			if strings.Join(cells, "|") != strings.Join(cols, "|") {
				return nil, fmt.Errorf("README %s: the table's columns are %q, want %q", heading, cells, cols)
			}
			header = false
			continue
		case strings.Trim(strings.Join(cells, ""), "-: ") == "":
			continue // the line under the header
		case len(cells) != len(cols):
			return nil, fmt.Errorf("README %s: a row has %d cells, want %d: %s", heading, len(cells), len(cols), line)
		}
		key := strings.Trim(cells[0], "`")
		if !keyRE.MatchString(key) {
			return nil, fmt.Errorf("README %s: %q is not a key (lower-case letters, digits and hyphens, in backquotes)", heading, cells[0])
		}
		if seen[key] {
			return nil, fmt.Errorf("README %s: key %s is used twice", heading, key)
		}
		seen[key] = true
		var r Row
		if heading == BugsHeading {
			where, err := parseWhere(cells[1])
			if err != nil {
				return nil, fmt.Errorf("README %s, row %s: %v", heading, key, err)
			}
			r = Row{Key: key, Where: where, Python: cells[2], Short: cells[3], Go: cells[4], Why: cells[5]}
		} else {
			r = Row{Key: key, Python: cells[1], Go: cells[2], Short: cells[3], Why: cells[4]}
		}
		r.Own = strings.HasPrefix(r.Go, OwnPrefix)
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("README %s: no table", heading)
	}
	return rows, nil
}

// parseWhere reads a cell of Python lines: `file.py:N` or `file.py:N-M`,
// each in backquotes, separated by commas.
func parseWhere(cell string) ([]Lines, error) {
	var ls []Lines
	for _, item := range strings.Split(cell, ",") {
		m := whereRE.FindStringSubmatch(strings.TrimSpace(item))
		if m == nil {
			return nil, fmt.Errorf("%q is not `file.py:N` or `file.py:N-M`", strings.TrimSpace(item))
		}
		first, _ := strconv.Atoi(m[2])
		last := first
		if m[3] != "" {
			last, _ = strconv.Atoi(m[3])
		}
		if last < first {
			return nil, fmt.Errorf("%s: the lines go backwards", m[0])
		}
		ls = append(ls, Lines{File: m[1], First: first, Last: last})
	}
	return ls, nil
}

// Tests returns the tests a bug row names: every name in backquotes in
// its last column, a test function (TestX), a subtest (TestX/name), or a
// subtest's name alone (a row of a table of tests, wherever it runs).
func (r Row) Tests() []string {
	var names []string
	for _, m := range codeRE.FindAllStringSubmatch(r.Why, -1) {
		names = append(names, m[1])
	}
	return names
}

// SplitRow splits a table line into its cells; a "|" between backquotes
// is no separator.
func SplitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	var cells []string
	var cell strings.Builder
	code := false
	for _, c := range line {
		switch {
		case c == '`':
			code = !code
		case c == '|' && !code:
			cells = append(cells, strings.TrimSpace(cell.String()))
			cell.Reset()
			continue
		}
		cell.WriteRune(c)
	}
	return append(cells, strings.TrimSpace(cell.String()))
}

// GoName is the name go test gives a (sub)test named name: spaces become
// underscores.
func GoName(name string) string { return strings.ReplaceAll(name, " ", "_") }

var (
	keyRE   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	whereRE = regexp.MustCompile("^`([a-z_]+\\.py):([0-9]+)(?:-([0-9]+))?`$")
	codeRE  = regexp.MustCompile("`([^`]+)`")
)
