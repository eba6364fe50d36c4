package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestShow plays the whole show against freshly built servers and checks
// the outcomes it narrates: the demo is documentation, and documentation
// that drifts from the server is worse than none.
func TestShow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three servers")
	}
	server := filepath.Join(t.TempDir(), "meridian-server")
	build := exec.Command("go", "build", "-o", server, "../meridian-server")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building meridian-server: %v\n%s", err, out)
	}
	var stdout, stderr strings.Builder
	rc := run([]string{"--meridian", server, "--pace", "0", "--exit", "--logs", t.TempDir()}, strings.NewReader(""), &stdout, &stderr)
	out := stdout.String()
	if rc != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s\nstdout:\n%s", rc, stderr.String(), out)
	}
	for _, want := range []string{
		`r2> GET greeting                       "hello from r1"`,
		`r3> GET visits                         "111000"`,
		`r2> GET color                          "blue"`, // during the cut
		`r3> GET color                          "green"`,
		`r1> GET color                          "green"`, // after the heal
		`kept 3/r3: green, dropped 1/r1: blue`,
		`r3> GET visits                         "111012"`,
		`1) "from-r2" 2) "from-r3"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The three digests printed after the heal are equal.
	d := regexp.MustCompile(`r\d> AA DIGEST\s+"([0-9a-f]{16}:\d+)"`).FindAllStringSubmatch(out, -1)
	if len(d) != 3 || d[0][1] != d[1][1] || d[1][1] != d[2][1] {
		t.Errorf("digests %v", d)
	}
	// r3 caught up by partial sync: one more partial sync per link, no full one.
	if !regexp.MustCompile(`partial syncs \(partial_syncs\)\s+1\s+1\n`).MatchString(out) ||
		!regexp.MustCompile(`full syncs \(full_syncs\)\s+0\s+0\n`).MatchString(out) {
		t.Errorf("catch-up was not a partial sync:\n%s", out[strings.Index(out, "== 5."):])
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", out, stderr.String())
	}
}
