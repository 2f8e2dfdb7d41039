package readme

import (
	"strings"
	"testing"
)

// TestWhere: the Python's lines of a bug row, as README writes them.
func TestWhere(t *testing.T) {
	for _, tc := range []struct {
		cell, want, err string
	}{
		{"`lb.py:39`", "lb.py:39", ""},
		{"`async_server.py:18`, `server_thread_http.py:28`", "async_server.py:18 server_thread_http.py:28", ""},
		{"`http.py:64`, `http.py:68-70`", "http.py:64 http.py:68-70", ""},
		{"lb.py:39", "", "is not `file.py:N`"},
		{"`lb.py:39-30`", "", "the lines go backwards"},
		{"`lb.go:3`", "", "is not `file.py:N`"},
	} {
		ls, err := parseWhere(tc.cell)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want an error that says %q", tc.cell, err, tc.err)
			}
			continue
		}
		var got []string
		for _, l := range ls {
			got = append(got, l.String())
		}
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.cell, got, err, tc.want)
		}
	}
}

// TestTables: a README's two tables, and the tests a bug row names.
func TestTables(t *testing.T) {
	readme := "# R\n\n" + BugsHeading + "\n\nProse.\n\n| key | where in the Python | bug in the original | singkatnya | the fix | the tests that fail when it is put back |\n|---|---|---|---|---|---|\n" +
		"| `a-b` | `x.py:1-2` | it `|` broke | rusak | fixed | `TestA`, `Python: b` (and more prose) |\n" +
		"| `own` | `x.py:3` | slow | lambat | " + OwnPrefix + ": Go | nothing |\n\n" +
		DiffsHeading + "\n\n| key | the Python | the Go | singkatnya | why |\n|---|---|---|---|---|\n| `d` | p | g | s | w |\n"
	bugs, diffs, err := Tables(readme)
	if err != nil {
		t.Fatal(err)
	}
	if len(bugs) != 2 || len(diffs) != 1 || bugs[0].Python != "it `|` broke" || !bugs[1].Own || bugs[0].Own || diffs[0].Go != "g" || diffs[0].Short != "s" {
		t.Errorf("read %+v and %+v", bugs, diffs)
	}
	if got := strings.Join(bugs[0].Tests(), "|"); got != "TestA|Python: b" {
		t.Errorf("the tests of a-b: %q", got)
	}
	bad := strings.Replace(readme, "`a-b`", "`A B`", 1)
	if _, _, err := Tables(bad); err == nil || !strings.Contains(err.Error(), "is not a key") {
		t.Errorf("a bad key: %v", err)
	}
}
