package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Target status values.
const (
	StatusOK      = "ok"
	StatusSkipped = "skipped"
	StatusFailed  = "failed"
)

// Report is everything one meridian-bench session measured; it is both
// rendered as markdown and written as JSON.
type Report struct {
	Meta    Meta          `json:"meta"`
	Targets []*TargetInfo `json:"targets"`
	Rows    []Row         `json:"rows"`
}

// Meta describes the machine, the toolchain and the load.
type Meta struct {
	Date                  string   `json:"date"`
	Kernel                string   `json:"kernel"`
	CPUModel              string   `json:"cpu_model"`
	NProc                 int      `json:"nproc"`
	GoVersion             string   `json:"go_version"`
	RedisVersion          string   `json:"redis_version"`
	RedisBenchmarkVersion string   `json:"redis_benchmark_version"`
	GitCommit             string   `json:"git_commit,omitempty"`
	LoadAvgStart          string   `json:"loadavg_start,omitempty"` // /proc/loadavg 1/5/15 min
	LoadAvgEnd            string   `json:"loadavg_end,omitempty"`
	Command               string   `json:"command"`
	Tests                 []string `json:"tests"`
	Pipelines             []int    `json:"pipelines"`
	Clients               int      `json:"clients"`
	Requests              int      `json:"requests"`
	Rounds                int      `json:"rounds"`
	Threads               int      `json:"threads,omitempty"`
}

// TargetInfo is one server under test.
type TargetInfo struct {
	Name   string   `json:"name"`
	Bin    string   `json:"bin"`
	Args   []string `json:"args"`
	Status string   `json:"status"`
	Note   string   `json:"note,omitempty"`
	Port   int      `json:"port,omitempty"`
	PID    int      `json:"pid,omitempty"`
	// Memory is read from /proc/PID/status after the last run.
	Memory Memory `json:"memory"`
}

// Row is one (test, pipeline) line of the table.
type Row struct {
	Test     string           `json:"test"`
	Pipeline int              `json:"pipeline"`
	Targets  map[string]*Cell `json:"targets"`
	// Ratios of median ops/s; null when a side is missing.
	MeridianRedis *float64 `json:"meridian_redis"`
	MeridianFloor *float64 `json:"meridian_floor"`
}

// Cell is one target's figures for a row: medians over Rounds.
type Cell struct {
	RPS         float64  `json:"rps"`
	P50Ms       float64  `json:"p50_ms"`
	P99Ms       float64  `json:"p99_ms"`
	CPUSecPer1M float64  `json:"cpu_s_per_1m"` // -1 if never measured
	Rounds      []Sample `json:"rounds"`
	Errors      []string `json:"errors,omitempty"`
}

// Sample is one round's reading. CPUSecPer1M is the target's user+sys CPU
// seconds during the redis-benchmark invocation per million requests
// (shared equally by the rows of a multi-row test such as lrange); -1 when
// /proc could not be read.
type Sample struct {
	Round       int     `json:"round"`
	RPS         float64 `json:"rps"`
	AvgMs       float64 `json:"avg_ms"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	CPUSecPer1M float64 `json:"cpu_s_per_1m"`
}

func (c *Cell) summarize() {
	var rps, p50, p99, cpu []float64
	for _, s := range c.Rounds {
		rps = append(rps, s.RPS)
		p50 = append(p50, s.P50Ms)
		p99 = append(p99, s.P99Ms)
		if s.CPUSecPer1M >= 0 {
			cpu = append(cpu, s.CPUSecPer1M)
		}
	}
	c.RPS, c.P50Ms, c.P99Ms = Median(rps), Median(p50), Median(p99)
	c.CPUSecPer1M = -1
	if len(cpu) > 0 {
		c.CPUSecPer1M = Median(cpu)
	}
}

func (r *Row) summarize() {
	ratio := func(a, b string) *float64 {
		ca, cb := r.Targets[a], r.Targets[b]
		if ca == nil || cb == nil {
			return nil
		}
		v := Ratio(ca.RPS, cb.RPS)
		if v == 0 {
			return nil
		}
		return &v
	}
	r.MeridianRedis = ratio(Meridian, Redis)
	r.MeridianFloor = ratio(Meridian, Floor)
}

// Summarize recomputes medians and ratios from the per-round samples (Run
// does this already; it is exported for reports built by hand).
func (r *Report) Summarize() {
	for i := range r.Rows {
		for _, c := range r.Rows[i].Targets {
			c.summarize()
		}
		r.Rows[i].summarize()
	}
}

// Markdown renders the report: a header describing the machine and the
// load, the targets, and one table row per (test, pipeline).
func (r *Report) Markdown() string {
	var b strings.Builder
	m := r.Meta
	b.WriteString("# Meridian benchmark: redis-benchmark side by side\n\n")
	fmt.Fprintf(&b, "- date: %s\n", m.Date)
	fmt.Fprintf(&b, "- kernel: %s\n", orNA(m.Kernel))
	fmt.Fprintf(&b, "- CPU: %s, nproc %d\n", orNA(m.CPUModel), m.NProc)
	fmt.Fprintf(&b, "- Go: %s\n", orNA(m.GoVersion))
	fmt.Fprintf(&b, "- redis-server: %s; redis-benchmark: %s\n", orNA(m.RedisVersion), orNA(m.RedisBenchmarkVersion))
	if m.GitCommit != "" {
		fmt.Fprintf(&b, "- commit: %s\n", m.GitCommit)
	}
	load := fmt.Sprintf("redis-benchmark -c %d -n %d, tests %s, pipelines %s, %d round(s), targets in rotating order",
		m.Clients, m.Requests, strings.Join(m.Tests, ","), joinInts(m.Pipelines), m.Rounds)
	if m.Threads > 0 {
		load += fmt.Sprintf(", --threads %d", m.Threads)
	}
	fmt.Fprintf(&b, "- load: %s\n", load)
	if m.LoadAvgStart != "" || m.LoadAvgEnd != "" {
		fmt.Fprintf(&b, "- load average (1/5/15 min) at start: %s, at end: %s\n", orNA(m.LoadAvgStart), orNA(m.LoadAvgEnd))
	}
	fmt.Fprintf(&b, "- command: `%s`\n\n", m.Command)

	b.WriteString("| target | status | command | RSS after runs | peak RSS |\n")
	b.WriteString("|---|---|---|---:|---:|\n")
	for _, t := range r.Targets {
		cmd := ShellQuote(append([]string{t.Bin}, t.Args...))
		status := t.Status
		if t.Note != "" {
			status += ": " + firstLine(t.Note)
		}
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %s |\n", t.Name, mdEscape(status), cmd, mib(t.Memory.RSS), mib(t.Memory.PeakRSS))
	}
	b.WriteString("\n")

	b.WriteString("| test | P | meridian ops/s | redis ops/s | floor ops/s | meridian/redis | meridian/floor | meridian p50/p99 ms | redis p99 ms | meridian CPU s/1M req | redis CPU s/1M req |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Rows {
		mer, red, flo := row.Targets[Meridian], row.Targets[Redis], row.Targets[Floor]
		merLat := "n/a"
		if has(mer) {
			merLat = ms(mer.P50Ms) + " / " + ms(mer.P99Ms)
		}
		redP99 := "n/a"
		if has(red) {
			redP99 = ms(red.P99Ms)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			mdEscape(row.Test), row.Pipeline, ops(mer), ops(red), ops(flo),
			ratio(row.MeridianRedis), ratio(row.MeridianFloor), merLat, redP99, cpu(mer), cpu(red))
	}
	b.WriteString("\n")

	b.WriteString("ops/s, latencies and CPU are medians over rounds; ratios divide median ops/s. ")
	b.WriteString("With P > 1 redis-benchmark times whole pipelined batches. ")
	b.WriteString("CPU s/1M req is the server's user+sys CPU time (/proc/PID/stat) during the run per million requests.\n")
	var notes []string
	for _, t := range r.Targets {
		if t.Status != StatusOK {
			notes = append(notes, fmt.Sprintf("%s %s: %s", t.Name, t.Status, t.Note))
		}
	}
	for _, row := range r.Rows {
		for _, name := range []string{Meridian, Redis, Floor} {
			if c := row.Targets[name]; c != nil {
				for _, e := range c.Errors {
					notes = append(notes, fmt.Sprintf("%s %s P=%d: %s", name, row.Test, row.Pipeline, e))
				}
			}
		}
	}
	if len(notes) > 0 {
		b.WriteString("\nNotes:\n\n")
		for _, n := range notes {
			b.WriteString("- " + strings.ReplaceAll(strings.TrimSpace(n), "\n", "\n  ") + "\n")
		}
	}
	return b.String()
}

// WriteFiles writes the markdown and JSON renderings; an empty path skips
// that file. Parent directories are created.
func (r *Report) WriteFiles(mdPath, jsonPath string) error {
	if mdPath != "" {
		if err := writeFile(mdPath, []byte(r.Markdown())); err != nil {
			return err
		}
	}
	if jsonPath != "" {
		if err := writeFile(jsonPath, r.JSON()); err != nil {
			return err
		}
	}
	return nil
}

// JSON renders the report as indented JSON.
func (r *Report) JSON() []byte {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic(err) // only plain data: cannot fail
	}
	return append(b, '\n')
}

// WriteJSON writes the JSON rendering to w.
func (r *Report) WriteJSON(w io.Writer) error {
	_, err := w.Write(r.JSON())
	return err
}

func writeFile(path string, data []byte) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(path, data, 0o644)
}

func has(c *Cell) bool { return c != nil && len(c.Rounds) > 0 }

func ops(c *Cell) string {
	if !has(c) {
		return "n/a"
	}
	return thousands(int64(math.Round(c.RPS)))
}

func ms(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func cpu(c *Cell) string {
	if !has(c) || c.CPUSecPer1M < 0 {
		return "n/a"
	}
	return strconv.FormatFloat(c.CPUSecPer1M, 'f', 2, 64)
}

func ratio(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

func mib(n int64) string {
	if n <= 0 {
		return "n/a"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
