package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Row is one row of README's table of bugs ("What the Python got wrong")
// or of deliberate differences ("Where the Go differs on purpose"). Its
// key is the one the code's comments name where the fix, or the
// difference, is made: "Fix (key):" or "Differs (key):".
type Row struct {
	Key    string
	Python string // the bug in the original; for a difference, what the Python did
	Short  string // singkatnya: the row in Indonesian
	Go     string // the fix; for a difference, what the Go does
	Why    string // the test that pins the fix; for a difference, why
	Own    bool   // a fix with no code of its own ("No code of its own: ...")
}

// Bugs and Diffs are the two tables' headings in README.
const (
	bugsHeading  = "## What the Python got wrong"
	diffsHeading = "## Where the Go differs on purpose"
	ownPrefix    = "No code of its own"
)

// readmeTables parses README's two tables.
func readmeTables(readme string) (bugs, diffs []Row, err error) {
	if bugs, err = table(readme, bugsHeading, []string{"key", "bug in the original", "singkatnya", "the fix", "the test that pins it"}); err != nil {
		return nil, nil, err
	}
	if diffs, err = table(readme, diffsHeading, []string{"key", "the Python", "the Go", "singkatnya", "why"}); err != nil {
		return nil, nil, err
	}
	return bugs, diffs, nil
}

// table parses the first table after heading, whose columns must be cols
// (the difference table has the Go before singkatnya).
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
		cells := splitRow(line)
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
		r := Row{Key: key, Python: cells[1], Short: cells[2], Go: cells[3], Why: cells[4]}
		if heading == diffsHeading {
			r.Go, r.Short = cells[2], cells[3]
		}
		r.Own = strings.HasPrefix(r.Go, ownPrefix)
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("README %s: no table", heading)
	}
	return rows, nil
}

// splitRow splits a table line into its cells; a "|" between backquotes
// is no separator.
func splitRow(line string) []string {
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

var (
	keyRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	markerRE = regexp.MustCompile(`\b(Fix|Differs) \(([a-z0-9-]+)\):`)
)

// Marker is a comment that names a row: "Fix (key):" for a bug's fix,
// "Differs (key):" for a deliberate difference.
type Marker struct {
	Fix  bool // a fix; else a difference
	Key  string
	File string // slash-separated, from the top of the repository
	Line int    // 1-based
}

func (m Marker) String() string {
	word := "Differs"
	if m.Fix {
		word = "Fix"
	}
	return fmt.Sprintf("%s:%d: %s (%s)", m.File, m.Line, word, m.Key)
}

// markers returns the markers in a file's text, with their lines.
func markers(file, text string) []Marker {
	var ms []Marker
	for i, line := range strings.Split(text, "\n") {
		for _, m := range markerRE.FindAllStringSubmatch(line, -1) {
			ms = append(ms, Marker{Fix: m[1] == "Fix", Key: m[2], File: file, Line: i + 1})
		}
	}
	return ms
}

// checkLinks ties the tables to the markers: every marker names a row of
// its table, every bug row has at least one Fix marker (but a fix with no
// code of its own has none), and a difference's markers name its row. It
// returns every problem it finds, one per line.
func checkLinks(bugs, diffs []Row, ms []Marker) error {
	fixes := map[string][]Marker{}
	var problems []string
	known := func(rows []Row, key string) *Row {
		for i := range rows {
			if rows[i].Key == key {
				return &rows[i]
			}
		}
		return nil
	}
	for _, m := range ms {
		switch {
		case m.Fix && known(bugs, m.Key) == nil:
			problems = append(problems, fmt.Sprintf("%v: no row of README's table %q has the key %s", m, bugsHeading[3:], m.Key))
		case !m.Fix && known(diffs, m.Key) == nil:
			problems = append(problems, fmt.Sprintf("%v: no row of README's table %q has the key %s", m, diffsHeading[3:], m.Key))
		case m.Fix:
			fixes[m.Key] = append(fixes[m.Key], m)
		}
	}
	for _, r := range bugs {
		switch {
		case r.Own && len(fixes[r.Key]) > 0:
			problems = append(problems, fmt.Sprintf("README's bug row %s says %q, but %v is a fix of its own", r.Key, ownPrefix, fixes[r.Key][0]))
		case !r.Own && len(fixes[r.Key]) == 0:
			problems = append(problems, fmt.Sprintf("README's bug row %s has no comment \"Fix (%s):\" where the fix is made (or, if Go makes it with no code of ours, its fix should start %q)", r.Key, r.Key, ownPrefix))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return nil
}

// repoMarkers reads the markers of every Go file of the repository at
// root, but the tests' and this package's own.
func repoMarkers(root string) ([]Marker, error) {
	var ms []Marker
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || rel == "internal/study" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		ms = append(ms, markers(rel, string(b))...)
		return nil
	})
	sort.Slice(ms, func(i, j int) bool {
		return ms[i].File < ms[j].File || ms[i].File == ms[j].File && ms[i].Line < ms[j].Line
	})
	return ms, err
}
