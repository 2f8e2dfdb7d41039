package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"progjar/internal/readme"
)

var markerRE = regexp.MustCompile(`\b(Fix|Differs) \(([a-z0-9-]+)\):`)

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
func checkLinks(bugs, diffs []readme.Row, ms []Marker) error {
	fixes := map[string][]Marker{}
	var problems []string
	known := func(rows []readme.Row, key string) *readme.Row {
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
			problems = append(problems, fmt.Sprintf("%v: no row of README's table %q has the key %s", m, readme.BugsHeading[3:], m.Key))
		case !m.Fix && known(diffs, m.Key) == nil:
			problems = append(problems, fmt.Sprintf("%v: no row of README's table %q has the key %s", m, readme.DiffsHeading[3:], m.Key))
		case m.Fix:
			fixes[m.Key] = append(fixes[m.Key], m)
		}
	}
	for _, r := range bugs {
		switch {
		case r.Own && len(fixes[r.Key]) > 0:
			problems = append(problems, fmt.Sprintf("README's bug row %s says %q, but %v is a fix of its own", r.Key, readme.OwnPrefix, fixes[r.Key][0]))
		case !r.Own && len(fixes[r.Key]) == 0:
			problems = append(problems, fmt.Sprintf("README's bug row %s has no comment \"Fix (%s):\" where the fix is made (or, if Go makes it with no code of ours, its fix should start %q)", r.Key, r.Key, readme.OwnPrefix))
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
