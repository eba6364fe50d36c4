// Package bench runs Meridian side by side with redis-server and the floor
// server (and Meridian as one region of a running multi-region database)
// and renders the comparison: throughput, latency and CPU from
// redis-benchmark and from its own Go load generator (RunLoad), curves
// against pipeline depth and connections with an SVG chart (RunCurve),
// and memory per dataset (RunMemory). It holds the reusable pieces (child
// processes on free ports, redis-benchmark CSV parsing, medians, /proc
// readings, report rendering); cmd/meridian-bench is a thin main around
// Run, RunCurve and RunMemory, and cmd/meridian-bench-repl around RunRepl.
package bench

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Result is one row of `redis-benchmark --csv` output. redis-benchmark 7.0
// prints the header
//
//	"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
//
// Latencies are in milliseconds; with -P > 1 they are per pipeline batch.
type Result struct {
	Test  string  `json:"test"`
	RPS   float64 `json:"rps"`
	AvgMs float64 `json:"avg_ms"`
	MinMs float64 `json:"min_ms"`
	P50Ms float64 `json:"p50_ms"`
	P95Ms float64 `json:"p95_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// ParseCSV parses redis-benchmark --csv output. Columns are located by their
// header names, so older versions that print only "test","rps" still parse
// (latencies are then zero); "test" and "rps" are required. Lines before the
// header are ignored.
func ParseCSV(r io.Reader) ([]Result, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var (
		col     map[string]int
		results []Result
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("redis-benchmark csv: %w", err)
		}
		if col == nil {
			if !isHeader(rec) {
				continue // progress noise before the header
			}
			col = make(map[string]int, len(rec))
			for i, name := range rec {
				col[strings.TrimSpace(name)] = i
			}
			if _, ok := col["rps"]; !ok {
				return nil, fmt.Errorf("redis-benchmark csv: header %q has no rps column", rec)
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		res := Result{Test: field(rec, col, "test")}
		if res.Test == "" {
			return nil, fmt.Errorf("redis-benchmark csv: row %q has no test name", rec)
		}
		for _, f := range []struct {
			name string
			dst  *float64
		}{
			{"rps", &res.RPS},
			{"avg_latency_ms", &res.AvgMs},
			{"min_latency_ms", &res.MinMs},
			{"p50_latency_ms", &res.P50Ms},
			{"p95_latency_ms", &res.P95Ms},
			{"p99_latency_ms", &res.P99Ms},
			{"max_latency_ms", &res.MaxMs},
		} {
			s := field(rec, col, f.name)
			if s == "" {
				if f.name == "rps" {
					return nil, fmt.Errorf("redis-benchmark csv: row %q has no rps", rec)
				}
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("redis-benchmark csv: %s of %s: %w", f.name, res.Test, err)
			}
			*f.dst = v
		}
		results = append(results, res)
	}
	if col == nil {
		return nil, errors.New("redis-benchmark csv: no header line found")
	}
	return results, nil
}

func field(rec []string, col map[string]int, name string) string {
	i, ok := col[name]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func isHeader(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) == "test" {
			return true
		}
	}
	return false
}
