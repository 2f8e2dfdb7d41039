// Command report turns the raw ApacheBench outputs of a run_all.sh run into
// RESULTS.md and the requests-per-second chart.
//
// run_all.sh writes one line per ab run to a manifest (tab-separated:
// section, target, concurrency, requests, round, file, peak RSS in KiB, up,
// and the CPU time the target used during the run, user and system, in
// clock ticks) and the machine's description to a meta file (key, tab,
// value); report reads both and the ab outputs they name.
//
// Usage: report -runs runs.tsv -meta meta.tsv -out RESULTS.md -svg dokumentasi/rps.svg [-strict]
//
//	report -cputicks PID...    prints the user and system CPU time of the processes, summed, in clock ticks
//	report -ports-free PORT... exits 1, saying which and why, if one of the ports cannot be listened on
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"progjar/internal/tcpserver"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-ports-free" {
		if err := PortsFree(os.Args[2:], 3, time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "run_all.sh:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "-cputicks" {
		user, sys, err := CPUTicks(os.Args[2:])
		if err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
		fmt.Println(user, sys)
		return
	}
	runs := flag.String("runs", "", "manifest of ab runs (required)")
	meta := flag.String("meta", "", "machine description (key<TAB>value lines)")
	out := flag.String("out", "RESULTS.md", "the Markdown file to write")
	svg := flag.String("svg", "dokumentasi/rps.svg", "the chart to write; RESULTS.md links to it by this path")
	strict := flag.Bool("strict", false, "exit 1 if a run failed requests or has no result")
	flag.Parse()
	if *runs == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: report -runs FILE [-meta FILE] [-out FILE] [-svg FILE] [-strict]")
		os.Exit(2)
	}
	if err := run(*runs, *meta, *out, *svg, *strict); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// PortsFree checks that each port can be listened on, as the programs
// will listen on it, and gives a taken one tries chances, wait apart: a
// port from 32768 up can be held for a moment by an outgoing connection. It
// returns the error of the first port that stays taken, which names it and
// says how to see who holds it on this system. It works where ss does not
// exist (macOS, Windows).
func PortsFree(ports []string, tries int, wait time.Duration) error {
	for _, p := range ports {
		port, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("%q is not a port", p)
		}
		for i := 1; ; i++ {
			ln, err := tcpserver.Listen("", port)
			if err == nil {
				ln.Close() // NOTE: only whether it could listen mattered.
				break
			}
			if i == tries {
				return err
			}
			time.Sleep(wait)
		}
	}
	return nil
}

func run(runsPath, metaPath, outPath, svgPath string, strict bool) error {
	runs, err := readRuns(runsPath)
	if err != nil {
		return err
	}
	meta := map[string]string{}
	if metaPath != "" {
		if meta, err = readMeta(metaPath); err != nil {
			return err
		}
	}
	// Files beside the manifest that go into RESULTS.md whole.
	for key, name := range map[string]string{"nginx_conf": "nginx.conf", "gobench": "gobench.txt"} {
		if b, err := os.ReadFile(filepath.Join(filepath.Dir(runsPath), name)); err == nil {
			meta[key] = benchLines(key, string(b))
		}
	}
	rel, err := filepath.Rel(filepath.Dir(outPath), svgPath)
	if err != nil {
		rel = svgPath
	}
	md := Markdown(runs, meta, filepath.ToSlash(rel))
	if err := os.WriteFile(svgPath, []byte(Chart(runs)), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(outPath, []byte(md), 0o644); err != nil {
		return err
	}
	if strict {
		return Check(runs)
	}
	return nil
}

// Result is what one ab run reported: the assignment's columns.
type Result struct {
	Concurrency  int
	Seconds      float64 // time taken for tests
	Complete     int
	Failed       int
	Transferred  int64   // bytes
	RPS          float64 // requests per second
	MsPerRequest float64 // time per request (mean)
	KBPerSecond  float64 // transfer rate
}

// ParseAB reads ab's summary. It accepts ab 2.0 to 2.3, which differ in the
// lines around the summary and the decimals of the time taken. An ab that
// stopped before its summary gives an error with ab's last line.
func ParseAB(text string) (Result, error) {
	var r Result
	seen := map[string]bool{}
	var last string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" {
			last = line
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) == 0 || seen[key] {
			continue // "Time per request" comes twice: the first is the one per client
		}
		var err error
		switch key {
		case "Concurrency Level":
			r.Concurrency, err = strconv.Atoi(fields[0])
		case "Time taken for tests":
			r.Seconds, err = strconv.ParseFloat(fields[0], 64)
		case "Complete requests":
			r.Complete, err = strconv.Atoi(fields[0])
		case "Failed requests":
			r.Failed, err = strconv.Atoi(fields[0])
		case "Total transferred":
			r.Transferred, err = strconv.ParseInt(fields[0], 10, 64)
		case "Requests per second":
			r.RPS, err = strconv.ParseFloat(fields[0], 64)
		case "Time per request":
			r.MsPerRequest, err = strconv.ParseFloat(fields[0], 64)
		case "Transfer rate":
			r.KBPerSecond, err = strconv.ParseFloat(fields[0], 64)
		default:
			continue
		}
		if err != nil {
			return r, fmt.Errorf("%s: %q: %v", key, value, err)
		}
		seen[key] = true
	}
	if len(seen) < 8 {
		return r, fmt.Errorf("ab did not finish: %s", last)
	}
	return r, nil
}

// Run is one line of the manifest, with its parsed ab output.
type Run struct {
	Section, Target string
	Concurrency     int
	Requests        int
	Round           int
	File            string
	RSSKiB          int64  // peak memory of the server, 0 if not measured
	Up              string // "yes"/"no" if checked after the run
	CPU             *CPUTime
	Result          Result
	Err             error // the ab output could not be read or parsed
}

// CPUTime is the CPU time a target's processes used during a run, in clock
// ticks (1/CLK_TCK of a second, 100 on Linux).
type CPUTime struct{ User, Sys int64 }

// PerRequest returns the user and system CPU time per complete request, in
// microseconds, for clock ticks of 1/clkTck second.
func (c CPUTime) PerRequest(requests int, clkTck float64) (user, sys float64) {
	if requests <= 0 || clkTck <= 0 {
		return 0, 0
	}
	per := 1e6 / clkTck / float64(requests)
	return float64(c.User) * per, float64(c.Sys) * per
}

// ParseStat reads utime and stime, fields 14 and 15 of /proc/PID/stat. The
// second field, the command name, is in parentheses and may hold spaces
// and parentheses itself: the fields are counted from the last ")".
func ParseStat(stat string) (utime, stime int64, err error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("no command name in %q", stat)
	}
	f := strings.Fields(stat[i+1:]) // from field 3, the state
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("too few fields in %q", stat)
	}
	if utime, err = strconv.ParseInt(f[11], 10, 64); err == nil {
		stime, err = strconv.ParseInt(f[12], 10, 64)
	}
	return utime, stime, err
}

// CPUTicks returns the user and system CPU time of the processes pids,
// summed, in clock ticks, from /proc.
func CPUTicks(pids []string) (user, sys int64, err error) {
	for _, pid := range pids {
		b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
		if err != nil {
			return 0, 0, err
		}
		u, s, err := ParseStat(string(b))
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%s/stat: %v", pid, err)
		}
		user, sys = user+u, sys+s
	}
	return user, sys, nil
}

func readRuns(path string) ([]Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseRuns(f, filepath.Dir(path))
}

// ParseRuns reads a manifest; file names in it are relative to dir.
func ParseRuns(r io.Reader, dir string) ([]Run, error) {
	var runs []Run
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 6 {
			return nil, fmt.Errorf("manifest line %d: want at least 6 tab-separated fields, got %q", n, line)
		}
		run := Run{Section: f[0], Target: f[1], File: f[5]}
		var errs []error
		run.Concurrency, errs = atoi(f[2], errs)
		run.Requests, errs = atoi(f[3], errs)
		run.Round, errs = atoi(f[4], errs)
		if len(f) > 6 && f[6] != "" {
			var kib int
			kib, errs = atoi(f[6], errs)
			run.RSSKiB = int64(kib)
		}
		if len(f) > 7 {
			run.Up = f[7]
		}
		if len(f) > 9 && f[8] != "" && f[9] != "" {
			var u, s int
			u, errs = atoi(f[8], errs)
			s, errs = atoi(f[9], errs)
			run.CPU = &CPUTime{int64(u), int64(s)}
		}
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("manifest line %d: %v", n, err)
		}
		text, err := os.ReadFile(filepath.Join(dir, run.File))
		if err == nil {
			run.Result, err = ParseAB(string(text))
		}
		run.Err = err
		runs = append(runs, run)
	}
	return runs, sc.Err()
}

func atoi(s string, errs []error) (int, []error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		errs = append(errs, err)
	}
	return n, errs
}

// benchLines keeps, of go test -bench output, the lines of results.
func benchLines(key, text string) string {
	if key != "gobench" {
		return text
	}
	var out strings.Builder
	seen := map[string]bool{}
	for _, line := range strings.SplitAfter(text, "\n") {
		switch {
		case strings.HasPrefix(line, "Benchmark"):
			out.WriteString(line)
		case (strings.HasPrefix(line, "cpu:") || strings.HasPrefix(line, "goos:")) && !seen[line]:
			seen[line] = true // once, not once per package
			out.WriteString(line)
		}
	}
	return out.String()
}

func readMeta(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "\t"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// Check reports every run of our programs that failed requests or has no
// result. The course's Python programs are left out: their failures are
// what the tables show.
func Check(runs []Run) error {
	var errs []error
	for _, r := range runs {
		switch {
		case r.Section == "python":
		case r.Err != nil:
			errs = append(errs, fmt.Errorf("%s c=%d: %v", r.Target, r.Concurrency, r.Err))
		case r.Result.Failed > 0:
			errs = append(errs, fmt.Errorf("%s c=%d: %d failed requests (%s)", r.Target, r.Concurrency, r.Result.Failed, r.File))
		}
	}
	return errors.Join(errs...)
}

// median returns the run of runs (the rounds of one target and
// concurrency) with the median requests per second; the lower middle one
// for an even count.
func median(runs []Run) Run {
	s := append([]Run(nil), runs...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].Result.RPS < s[j].Result.RPS })
	return s[(len(s)-1)/2]
}

// group returns the median run of each concurrency of target in section,
// ordered by concurrency.
func group(runs []Run, section, target string) []Run {
	by := map[int][]Run{}
	for _, r := range runs {
		if r.Section == section && r.Target == target && r.Err == nil {
			by[r.Concurrency] = append(by[r.Concurrency], r)
		}
	}
	var out []Run
	for _, rs := range by {
		out = append(out, median(rs))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Concurrency < out[j].Concurrency })
	return out
}

// broken returns the runs of a section that have no result.
func broken(runs []Run, section string) []Run {
	var out []Run
	for _, r := range runs {
		if r.Section == section && r.Err != nil {
			out = append(out, r)
		}
	}
	return out
}
