// Command bugs puts each bug of the course's Python back into the Go, one
// at a time, and runs the tests that must then fail: README's bug table
// made a command, and a lab. ./run_all.sh bugs runs it; so does
// go run ./internal/bugs, where there is no bash (Windows).
//
// Usage:
//
//	bugs [KEY...]     for each bug row (or the ones named): copy this checkout to a
//	                  temporary folder, apply KEY.patch, run its test; one line per row
//	bugs --list       one line per row: KEY, the patch, the test command (tab-separated)
//	bugs --keep KEY   apply KEY.patch to a copy, leave it there, and say how to run
//	                  the program with the bug back
//
// Each patch, in this folder, starts with two lines: "# KEY: what it puts
// back" and "# test: the go test command that must fail with it". Every
// test that README's row names must fail, and the command must fail; the
// checkout itself is never touched. It exits 1 if a row's tests pass with
// its bug back, or a patch no longer applies.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"progjar/internal/readme"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := 1
	if top, err := findTop(); err != nil {
		fmt.Fprintln(os.Stderr, "bugs:", err)
	} else {
		code = run(ctx, top, os.Args[1:], os.Stdout, os.Stderr)
	}
	stop()
	os.Exit(code)
}

// row is a bug row of README with its patch.
type row struct {
	key   string
	what  string         // what the patch puts back (its first line)
	patch string         // the patch's path, from the top of the repository
	cmd   string         // the go test command that must fail with it
	tests []string       // the tests README's row names: each must fail
	where []readme.Lines // the lines of the Python that README's row names
	files []string       // the files the patch changes
}

// run does what args ask, in the repository at top, and returns the exit
// code: 0 when every row failed as it should, 1 otherwise (or for bad
// input, with one line that says why), 130 when interrupted.
func run(ctx context.Context, top string, args []string, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "bugs: "+format+"\n", a...)
		return 1
	}
	rows, err := readRows(top)
	if err != nil {
		return fail("%v", err)
	}
	switch {
	case len(args) == 1 && args[0] == "--list":
		for _, r := range rows {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", r.key, r.patch, r.cmd)
		}
		return 0
	case len(args) > 0 && (args[0] == "-h" || args[0] == "--help"):
		fmt.Fprintln(stdout, usage)
		return 0
	case len(args) > 0 && args[0] == "--keep" && len(args) != 2:
		return fail("--keep needs one KEY (--list shows them)")
	}
	keep := len(args) == 2 && args[0] == "--keep"
	if keep {
		args = args[1:]
	}
	chosen, err := choose(rows, args)
	if err != nil {
		return fail("%v", err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		return fail("git is needed to apply the patches (git apply) and was not found on PATH: install it from https://git-scm.com/downloads")
	}
	if _, err := exec.LookPath("go"); err != nil {
		return fail("go is needed to run the tests and was not found on PATH: install Go 1.26 or later from https://go.dev/dl/")
	}
	if keep {
		return keepOne(ctx, top, chosen[0], stdout, stderr)
	}
	failed := 0
	for _, r := range chosen {
		line, ok := check(ctx, top, r)
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "bugs: interrupted; the temporary copies are removed, the checkout is as it was")
			return 130
		}
		fmt.Fprintf(stdout, "%-17s %s: %s\n", r.key, r.what, line)
		if !ok {
			failed++
		}
	}
	if failed > 0 {
		return fail("%d of %d rows did not fail as they should", failed, len(chosen))
	}
	return 0
}

const usage = `usage: bugs [KEY...]     put each bug of the Python back (or those named) and run the tests that must fail
       bugs --list       KEY, patch and test command of each row
       bugs --keep KEY   leave a copy with KEY's bug back, and say how to run it`

// findTop returns the top of this repository: the folder, from the
// current one up, whose go.mod is this module's.
func findTop() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module progjar\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run it from this repository (its go.mod says module progjar)")
		}
		dir = parent
	}
}

// readRows reads README's bug rows and their patches: a row with code of
// its own has a patch, and a row without ("No code of its own") has none.
func readRows(top string) ([]row, error) {
	text, err := os.ReadFile(filepath.Join(top, "README.md"))
	if err != nil {
		return nil, err
	}
	bugs, _, err := readme.Tables(string(text))
	if err != nil {
		return nil, err
	}
	var rows []row
	for _, b := range bugs {
		rel := "internal/bugs/" + b.Key + ".patch"
		p, err := os.ReadFile(filepath.Join(top, filepath.FromSlash(rel)))
		switch {
		case b.Own && err == nil:
			return nil, fmt.Errorf("%s: README's row says %q, yet there is a patch", rel, readme.OwnPrefix)
		case b.Own:
			continue
		case err != nil:
			return nil, fmt.Errorf("bug row %s has no patch: %v", b.Key, err)
		}
		r, err := parsePatch(b.Key, string(p))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", rel, err)
		}
		r.patch, r.tests, r.where = rel, b.Tests(), b.Where
		rows = append(rows, r)
	}
	return rows, nil
}

// parsePatch reads a patch's two header lines and the files it changes.
func parsePatch(key, text string) (row, error) {
	lines := strings.SplitN(text, "\n", 3)
	if len(lines) < 3 {
		return row{}, errors.New("too short for a patch")
	}
	what, ok := strings.CutPrefix(lines[0], "# "+key+": ")
	if !ok {
		return row{}, fmt.Errorf("its first line is %q, want \"# %s: what it puts back\"", lines[0], key)
	}
	cmd, ok := strings.CutPrefix(lines[1], "# test: ")
	if !ok || !strings.HasPrefix(cmd, "go test ") {
		return row{}, fmt.Errorf("its second line is %q, want \"# test: go test ...\"", lines[1])
	}
	r := row{key: key, what: what, cmd: cmd}
	for _, l := range strings.Split(lines[2], "\n") {
		if f, ok := strings.CutPrefix(l, "+++ b/"); ok {
			r.files = append(r.files, f)
		}
	}
	if len(r.files) == 0 {
		return row{}, errors.New("it changes no file")
	}
	return r, nil
}

// choose returns the rows that keys name (all of them, when none).
func choose(rows []row, keys []string) ([]row, error) {
	if len(keys) == 0 {
		return rows, nil
	}
	var out []row
	for _, k := range keys {
		i := slices.IndexFunc(rows, func(r row) bool { return r.key == k })
		if i < 0 {
			var all []string
			for _, r := range rows {
				all = append(all, r.key)
			}
			return nil, fmt.Errorf("no bug row has a patch for %q; the keys are: %s", k, strings.Join(all, " "))
		}
		out = append(out, rows[i])
	}
	return out, nil
}

// check runs r's test on a copy of the checkout, first as it is (it must
// pass) and then with r's bug put back (it must fail, and every test
// README's row names with it). It returns the verdict, and whether it is
// the one wanted.
func check(ctx context.Context, top string, r row) (string, bool) {
	start := time.Now()
	dir, err := copyCheckout(ctx, top, r.key)
	if dir != "" {
		defer os.RemoveAll(dir)
	}
	if err != nil {
		return err.Error(), false
	}
	if res := goTest(ctx, dir, r.cmd); res.err != nil || res.build != "" || !res.passed {
		switch {
		case res.err != nil:
			return res.err.Error(), false
		case res.build != "":
			return "the checkout itself does not build: " + res.build, false
		}
		return fmt.Sprintf("FAILS WITHOUT ITS BUG: %q fail on this checkout; fix them first", res.failed), false
	}
	if err := apply(ctx, top, dir, r); err != nil {
		return err.Error(), false
	}
	res := goTest(ctx, dir, r.cmd)
	took := time.Since(start).Round(100 * time.Millisecond)
	switch {
	case res.err != nil:
		return res.err.Error(), false
	case res.build != "":
		return fmt.Sprintf("the code no longer builds with it: update %s (%s)", r.patch, res.build), false
	case res.passed:
		return "PASSES: the test does not pin this bug", false
	}
	var missing []string
	for _, t := range r.tests {
		if !slices.ContainsFunc(res.failed, func(f string) bool { return matches(f, t) }) {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("PASSES: README names %q, which passes with the bug back", missing), false
	}
	return fmt.Sprintf("fails as it should (%v)", took), true
}

// result is what a go test run said.
type result struct {
	passed bool     // it exited 0
	failed []string // the tests that failed
	build  string   // why a package did not build, if one did not
	err    error    // it could not be run
}

// goTest runs cmd, a go test command, in dir, with -json (to see which
// tests fail) and -trimpath (so that the build cache serves every copy).
func goTest(ctx context.Context, dir, cmdLine string) result {
	args, err := words(cmdLine)
	if err != nil {
		return result{err: fmt.Errorf("its test command: %v", err)}
	}
	args = slices.Insert(args, 2, "-json", "-trimpath") // go test -json -trimpath ...
	cmd := command(ctx, dir, args)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return result{err: err}
	}
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		return result{err: err}
	}
	var res result
	var buildFailed bool
	res.failed, buildFailed = readEvents(out)
	err = cmd.Wait()
	res.passed = err == nil
	if e := errOut.String(); buildFailed || strings.Contains(e, "[build failed]") || strings.Contains(e, "setup failed") {
		res.build = firstLine(e)
	}
	return res
}

// copyCheckout copies the checkout's files into a new temporary folder,
// and returns it (to remove, also after an error).
func copyCheckout(ctx context.Context, top, key string) (string, error) {
	dir, err := os.MkdirTemp("", "bugs-"+key+"-")
	if err != nil {
		return "", err
	}
	files, err := exec.CommandContext(ctx, "git", "-C", top, "ls-files", "-z").Output()
	if err != nil {
		return dir, fmt.Errorf("git ls-files: %v (is %s a git checkout?)", err, top)
	}
	for _, f := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		if strings.HasPrefix(f, "dokumentasi/") {
			continue // outputs of runs: no test reads them
		}
		if err := copyFile(filepath.Join(top, filepath.FromSlash(f)), filepath.Join(dir, filepath.FromSlash(f))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return dir, err
		}
	}
	return dir, nil
}

// apply applies r's patch to the copy in dir; its error says what to do.
func apply(ctx context.Context, top, dir string, r row) error {
	cmd := exec.CommandContext(ctx, "git", "apply", "--whitespace=nowarn", filepath.Join(top, filepath.FromSlash(r.patch)))
	cmd.Dir = dir
	// git applies a patch to the repository it is in: none, for the copy.
	cmd.Env = append(os.Environ(), "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("the code moved: update %s (git apply: %s)", r.patch, firstLine(string(out)))
	}
	return nil
}

// copyFile copies the file src to dst, making dst's folder.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// command makes cmd, run in dir, end with an interrupt when ctx is done
// (a go test run then ends its test binary), and be killed 10 s later.
func command(ctx context.Context, dir string, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Cancel = func() error { return interrupt(cmd.Process) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// event is a line of go test -json.
type event struct {
	Action, Package, Test string
}

// readEvents reads go test -json's output and returns the tests that
// failed, and whether a package did not build.
func readEvents(r io.Reader) (failed []string, buildFailed bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch {
		case e.Action == "build-fail":
			buildFailed = true
		case e.Action == "fail" && e.Test != "":
			failed = append(failed, e.Test)
		}
	}
	return failed, buildFailed
}

// matches reports whether the go test name got (TestHTTP/Python:_folder)
// is the test README names: a test function (TestHTTP), a subtest with its
// parent (TestHTTP/Python: folder), or a subtest's name alone (Python:
// folder), wherever it runs.
func matches(got, name string) bool {
	name = readme.GoName(name)
	if got == name || strings.HasPrefix(name, "Test") && strings.HasSuffix(got, "/"+name) {
		return true
	}
	return slices.Contains(strings.Split(got, "/")[1:], name)
}

// words splits a command line into its words: spaces separate them, and
// single quotes keep spaces and everything else as it is, as both a Unix
// shell and PowerShell read the commands of the patches.
func words(s string) ([]string, error) {
	var out []string
	var w strings.Builder
	in, quoted := false, false
	for _, c := range s {
		switch {
		case c == '\'':
			quoted, in = !quoted, true
		case c == ' ' && !quoted:
			if in {
				out = append(out, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(c)
			in = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("a quote is not closed: %s", s)
	}
	if in {
		out = append(out, w.String())
	}
	if len(out) < 2 || out[0] != "go" || out[1] != "test" {
		return nil, fmt.Errorf("not a go test command: %s", s)
	}
	return out, nil
}

// keepOne puts r's bug back in a copy that it leaves, and says how to run
// the program with it and the test that fails.
func keepOne(ctx context.Context, top string, r row, stdout, stderr io.Writer) int {
	dir, err := copyCheckout(ctx, top, r.key)
	if err == nil {
		err = apply(ctx, top, dir, r)
	}
	if err != nil {
		if dir != "" {
			os.RemoveAll(dir)
		}
		fmt.Fprintln(stderr, "bugs:", err)
		return 1
	}
	fmt.Fprintf(stdout, "The Python's bug %s is back in a copy of this repository (%s):\n  %s\n\n", r.key, r.what, dir)
	fmt.Fprintf(stdout, "Run the program with it, from there:\n  cd %s\n", dir)
	for _, line := range programs(r.files) {
		fmt.Fprintf(stdout, "  %s\n", line)
	}
	fmt.Fprintf(stdout, "\nThe test that fails with it:\n  %s\n\nThe patch: %s. Remove the copy when you are done.\n", r.cmd, r.patch)
	return 0
}

// programs says how to run the programs that the changed files are part of.
func programs(files []string) []string {
	var lines []string
	add := func(s string) {
		if !slices.Contains(lines, s) {
			lines = append(lines, s)
		}
	}
	for _, f := range files {
		switch dir, _, _ := strings.Cut(f, "/"); dir {
		case "async_server":
			add("go run ./async_server 9002")
		case "server_thread_http":
			add("go run ./server_thread_http")
		case "lb":
			add("go run ./async_server 9002   (and 9003, 9004, 9005, each in a terminal of its own)")
			add("go run ./lb")
		default: // httpserver, internal/tcpserver: every server
			add("go run ./async_server 9002")
			add("go run ./server_thread_http")
			if strings.HasPrefix(f, "internal/") {
				add("go run ./lb   (with four async_servers, 9002 to 9005)")
			}
		}
	}
	return lines
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// interrupt asks p to stop, as Ctrl-C would; where a process cannot be
// sent that (Windows), it is killed.
func interrupt(p *os.Process) error {
	if err := p.Signal(os.Interrupt); err != nil {
		return p.Kill()
	}
	return nil
}
