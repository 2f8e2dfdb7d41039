// Command study writes pages that put each Python file of the course
// beside the Go that ports it, piece by piece, and each bug of the Python
// beside its fix: one page per program, and an index.
//
// Usage: study [-out DIR] [-repo DIR] COURSE
//
// COURSE is a checkout of the course (git clone
// https://github.com/rm77/progjar); its files are read as they were at the
// commit this port follows. Nothing of the course is kept: the pages are
// written to -out (default study, which git ignores), and their paths are
// printed, the index first. ./run_all.sh study COURSE runs it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"progjar/internal/readme"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "study:", err)
		}
		os.Exit(2)
	}
}

// run writes the pages, saying on stdout where they are and on stderr how
// the course was read.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("study", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "study", "the folder to write the pages to")
	repo := fs.String("repo", ".", "the top of this repository")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: study [-out DIR] [-repo DIR] COURSE, where COURSE is a checkout of the course (%s)", cloneHint)
	}
	c, err := openCourse(fs.Arg(0))
	if err != nil {
		return err
	}
	text, err := os.ReadFile(filepath.Join(*repo, "README.md"))
	if err != nil {
		return fmt.Errorf("%s is not the top of this repository (run it there): %w", *repo, err)
	}
	bugs, diffs, err := readme.Tables(string(text))
	if err != nil {
		return err
	}
	ms, err := repoMarkers(*repo)
	if err != nil {
		return err
	}
	if err := checkLinks(bugs, diffs, ms); err != nil {
		return err
	}
	if c.note != "" {
		fmt.Fprintln(stderr, c.note)
	}
	var pages []*page
	for _, p := range programs {
		pg, err := build(p, c, *repo, bugs, diffs)
		if err != nil {
			return err
		}
		pages = append(pages, pg)
	}
	return write(*out, pages, c, stdout)
}

// write writes the index and the pages into dir, and prints their paths.
func write(dir string, pages []*page, c *course, stdout io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	index := filepath.Join(dir, "index.html")
	var ps []program
	for _, pg := range pages {
		ps = append(ps, pg.program)
	}
	if err := render(index, indexTemplate, map[string]any{"Pages": ps, "Commit": commit, "NoteID": c.noteID, "NoteEN": c.note}); err != nil {
		return err
	}
	fmt.Fprintln(stdout, index)
	for _, pg := range pages {
		path := filepath.Join(dir, pg.Page+".html")
		if err := render(path, pageTemplate, pg); err != nil {
			return err
		}
		fmt.Fprintln(stdout, path)
	}
	return nil
}
