package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// SplitList splits a comma-separated flag value into its lower-case,
// trimmed, non-empty items (--tests, --targets, --load).
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// ParseCounts parses a comma-separated list of positive integers
// (--pipelines, --curve-clients).
func ParseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range SplitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
