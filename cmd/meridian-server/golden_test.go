package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Golden transcripts recorded from Debian's redis-server 7.0.15 with
// redis-cli: each command line, then "=> " and redis-cli's output with
// newlines shown as '|'. Replaying one against Meridian must print the same.
func replayGolden(t *testing.T, file string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := startServer(t)
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		cmd := sc.Text()
		if !sc.Scan() {
			t.Fatalf("%s: command %q has no recorded output", file, cmd)
		}
		want := strings.TrimPrefix(sc.Text(), "=> ")
		// The line is split as the recording's shell did: words, with
		// 'single quotes' around any that hold spaces or shell characters.
		out, err := exec.Command("redis-cli", append([]string{"-p", fmt.Sprint(p.Port)}, splitQuoted(cmd)...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %q: %v", file, cmd, err)
		}
		got := strings.ReplaceAll(strings.TrimRight(string(out), "\n"), "\n", "|")
		if strings.TrimRight(got, "|") != strings.TrimRight(want, "|") {
			t.Errorf("%s: %s\n got: %s\nwant: %s", file, cmd, got, want)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("%s: empty transcript", file)
	}
}

// splitQuoted splits a transcript line into words; 'single quotes' group.
func splitQuoted(line string) []string {
	var out []string
	var w strings.Builder
	in, have := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			in, have = !in, true
		case r == ' ' && !in:
			if have {
				out = append(out, w.String())
				w.Reset()
				have = false
			}
		default:
			w.WriteRune(r)
			have = true
		}
	}
	if have {
		out = append(out, w.String())
	}
	return out
}

func TestSortMatchesRedis(t *testing.T) { replayGolden(t, "testdata/sort.golden") }
