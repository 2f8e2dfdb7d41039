package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRunAllPlan runs ./run_all.sh --dry-run in each mode and checks the
// ab commands it would run: how many, and that none asks for a concurrency
// above its number of requests, which ab refuses (--quick --python once
// gave the Python thread server -n 20 at -c 50). It runs with this
// system's bash, and with the bash that BASH32 names, if any: macOS's
// bash is 3.2, which has no associative arrays and refuses an empty
// array under set -u.
func TestRunAllPlan(t *testing.T) {
	shells := []string{"bash"}
	if b := os.Getenv("BASH32"); b != "" {
		shells = append(shells, b)
	} else {
		t.Log("BASH32 names no bash 3.2: run_all.sh is checked with this system's bash only")
	}
	for _, sh := range shells {
		if _, err := exec.LookPath(sh); err != nil {
			t.Errorf("%s: %v", sh, err)
			continue
		}
		t.Run(filepath.Base(sh), func(t *testing.T) { runAllPlan(t, sh) })
	}
}

func runAllPlan(t *testing.T, shell string) {
	abLine := regexp.MustCompile(`^ab -n (\d+) -c (\d+) `)
	for _, tc := range []struct {
		args []string
		runs int
	}{
		{nil, 18},                              // the assignment's 12, and C10K
		{[]string{"--quick"}, 12},              // no C10K
		{[]string{"--python", "DIR"}, 18 + 12}, // the Python programs too
		{[]string{"--quick", "--python", "DIR"}, 24},
		{[]string{"compare"}, 8 * (4 + 1) * 3}, // 8 targets, 4 levels and the CPU run, 3 rounds
	} {
		t.Run(strings.Join(append([]string{"run_all.sh"}, tc.args...), " "), func(t *testing.T) {
			cmd := exec.Command(shell, append([]string{"../../run_all.sh", "--dry-run"}, tc.args...)...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			runs := 0
			for _, line := range strings.Split(string(out), "\n") {
				m := abLine.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				runs++
				n, _ := strconv.Atoi(m[1])
				c, _ := strconv.Atoi(m[2])
				if c > n {
					t.Errorf("ab would refuse: %s", line)
				}
			}
			if runs != tc.runs {
				t.Errorf("%d ab runs, want %d:\n%s", runs, tc.runs, out)
			}
		})
	}
}

// TestRunAllStudy runs ./run_all.sh study with the checkout of the course
// that PROGJAR_COURSE names, and checks that it prints the index and the
// four pages, and leaves git's view of this repository unchanged: the
// pages go to study/, which git ignores. The course is not in this
// repository, so without PROGJAR_COURSE the test is skipped.
func TestRunAllStudy(t *testing.T) {
	course := os.Getenv("PROGJAR_COURSE")
	if course == "" {
		t.Skip("PROGJAR_COURSE names no checkout of the course (git clone https://github.com/rm77/progjar): run_all.sh study is not run")
	}
	status := func() string {
		out, err := exec.Command("git", "-C", "../..", "status", "--porcelain").Output()
		if err != nil {
			t.Skipf("git status: %v", err)
		}
		return string(out)
	}
	before := status()
	out, err := exec.Command("bash", "../../run_all.sh", "study", course).Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "study/index.html\nstudy/lb.html\nstudy/async_server.html\nstudy/server_thread_http.html\nstudy/http.html\n"
	if string(out) != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	if after := status(); after != before {
		t.Errorf("git status changed:\n%s\nwas:\n%s", after, before)
	}
}
