package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Target status values.
const (
	StatusOK      = "ok"
	StatusSkipped = "skipped"
	StatusFailed  = "failed"
)

// Load tools: which client produced a row.
const (
	LoadRedisBenchmark = "redis-benchmark"
	LoadGo             = "go" // this package's generator (RunLoad)
)

// Report is everything one meridian-bench session measured; it is both
// rendered as markdown and written as JSON.
type Report struct {
	Meta    Meta          `json:"meta"`
	Targets []*TargetInfo `json:"targets"`
	Rows    []Row         `json:"rows"`
	// Goals are the performance goals, measured over the rows.
	Goals []Goal   `json:"goals"`
	Notes []string `json:"notes,omitempty"`
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
	// EventLoops is the event loops meridian (every region) and the
	// floor ran with; 0: their default, one per CPU.
	EventLoops int `json:"event_loops"`
	// Loads are the clients used: redis-benchmark, go, or both.
	Loads []string `json:"loads,omitempty"`
	// Go describes the Go generator's runs, when there were any.
	Go *GoMeta `json:"go,omitempty"`
}

// GoMeta is the Go generator's load, as configured.
type GoMeta struct {
	Workloads   []string `json:"workloads"`
	Pipelines   []int    `json:"pipelines"`
	Clients     int      `json:"clients"`
	Threads     int      `json:"threads,omitempty"`
	KeySpace    int      `json:"key_space"`
	Pattern     string   `json:"key_pattern"`
	ValueSize   int      `json:"value_size"`
	DurationSec float64  `json:"duration_s,omitempty"`
	Requests    int64    `json:"requests,omitempty"`
	Prefill     bool     `json:"prefill"`
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
	// Regions are the processes of a multi-region target, the one the
	// load goes to first.
	Regions []RegionInfo `json:"regions,omitempty"`
}

// RegionInfo is one region of a multi-region target.
type RegionInfo struct {
	Addr   string `json:"addr"`
	PID    int    `json:"pid"`
	Memory Memory `json:"memory"`
}

// Row is one (load, test, pipeline) line of the tables.
type Row struct {
	Load     string           `json:"load"`
	Test     string           `json:"test"`
	Pipeline int              `json:"pipeline"`
	Targets  map[string]*Cell `json:"targets"`
	// Ratios of median ops/s; null when a side is missing.
	MeridianRedis *float64 `json:"meridian_redis"`
	MeridianFloor *float64 `json:"meridian_floor"`
	AA3Meridian   *float64 `json:"aa3_meridian"`
	// CPUMeridianFloor divides the median CPU s/1M of meridian by the
	// floor's; null when a side is missing.
	CPUMeridianFloor *float64 `json:"cpu_meridian_floor"`
}

// Cell is one target's figures for a row: medians over Rounds.
type Cell struct {
	RPS   float64 `json:"rps"`
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	// P999Ms is known from the Go generator only (redis-benchmark's CSV
	// has no p99.9); 0 when unknown.
	P999Ms      float64 `json:"p999_ms,omitempty"`
	CPUSecPer1M float64 `json:"cpu_s_per_1m"` // -1 if never measured
	// CPUAllSecPer1M adds the other regions of a multi-region target
	// (the same as CPUSecPer1M for one process); -1 if never measured.
	CPUAllSecPer1M float64 `json:"cpu_all_s_per_1m"`
	// ClientCPUSecPer1M is the load tool's own CPU; -1 if never measured.
	ClientCPUSecPer1M float64  `json:"client_cpu_s_per_1m"`
	Rounds            []Sample `json:"rounds"`
	Errors            []string `json:"errors,omitempty"`
}

// Sample is one round's reading. CPUSecPer1M is the target's user+sys CPU
// seconds during the run per million requests (shared equally by the rows
// of a multi-row redis-benchmark test such as lrange); -1 when /proc could
// not be read. For a multi-region target the CPU readings extend to the
// end of the drain after the run, so the peers' applying is counted.
type Sample struct {
	Round             int     `json:"round"`
	RPS               float64 `json:"rps"`
	AvgMs             float64 `json:"avg_ms"`
	P50Ms             float64 `json:"p50_ms"`
	P99Ms             float64 `json:"p99_ms"`
	P999Ms            float64 `json:"p999_ms,omitempty"`
	MaxMs             float64 `json:"max_ms"`
	CPUSecPer1M       float64 `json:"cpu_s_per_1m"`
	CPUAllSecPer1M    float64 `json:"cpu_all_s_per_1m"`
	ClientCPUSecPer1M float64 `json:"client_cpu_s_per_1m"`
	// DrainMs is how long the other regions took to catch up after the
	// run (multi-region targets).
	DrainMs      float64 `json:"drain_ms,omitempty"`
	Hits         int64   `json:"hits,omitempty"`
	Misses       int64   `json:"misses,omitempty"`
	ErrorReplies int64   `json:"error_replies,omitempty"`
}

// Goal is one of the performance goals measured over the rows of one load
// tool: how many rows meet it, the median and the worst row.
type Goal struct {
	Load     string  `json:"load"`
	Name     string  `json:"name"`
	Target   string  `json:"target"` // e.g. ">= 0.95"
	Rows     int     `json:"rows"`
	Met      int     `json:"met"`
	Median   float64 `json:"median"`
	Worst    float64 `json:"worst"`
	WorstRow string  `json:"worst_row"`
	Note     string  `json:"note,omitempty"`
}

// goalDef is a performance goal: a ratio of every row
// that has it, and the bound it must meet.
type goalDef struct {
	name    string
	bound   float64
	atLeast bool
	value   func(r *Row) *float64
	include func(r *Row) bool
	note    string
}

// vsFloor leaves out the rows where the floor does not do the work the
// servers do: it answers LRANGE with an empty array, so the ratio would
// measure 100 elements against none.
func vsFloor(r *Row) bool { return !strings.HasPrefix(strings.ToUpper(r.Test), "LRANGE") }

var goalDefs = []goalDef{
	{name: "ops/s at P=1, meridian / floor", bound: 0.95, atLeast: true,
		value:   func(r *Row) *float64 { return r.MeridianFloor },
		include: func(r *Row) bool { return r.Pipeline == 1 && vsFloor(r) }, note: "LRANGE rows left out: the floor answers them with an empty array"},
	{name: "p99 ms at P=1, meridian", bound: 1.0,
		value: func(r *Row) *float64 {
			if c := r.Targets[Meridian]; has(c) {
				return &c.P99Ms
			}
			return nil
		},
		include: func(r *Row) bool { return r.Pipeline == 1 && r.Load == LoadRedisBenchmark },
		note:    "redis-benchmark rows only: the Go generator shares the server's cores with 50 goroutines and its p99 is its own scheduling as much as the server's"},
	{name: "ops/s at P=16, meridian / floor", bound: 0.85, atLeast: true,
		value:   func(r *Row) *float64 { return r.MeridianFloor },
		include: func(r *Row) bool { return r.Pipeline == 16 && vsFloor(r) }, note: "LRANGE rows left out"},
	{name: "CPU s/1M, meridian / floor", bound: 1.15,
		value:   func(r *Row) *float64 { return r.CPUMeridianFloor },
		include: vsFloor, note: "every pipeline depth; LRANGE rows left out"},
	{name: "ops/s, meridian-aa3 region / meridian single", bound: 0.90, atLeast: true,
		value:   func(r *Row) *float64 { return r.AA3Meridian },
		include: func(*Row) bool { return true }, note: "every row"},
}

func (c *Cell) summarize() {
	var rps, p50, p99, p999, cpu, cpuAll, client []float64
	for _, s := range c.Rounds {
		rps = append(rps, s.RPS)
		p50 = append(p50, s.P50Ms)
		p99 = append(p99, s.P99Ms)
		if s.P999Ms > 0 {
			p999 = append(p999, s.P999Ms)
		}
		if s.CPUSecPer1M >= 0 {
			cpu = append(cpu, s.CPUSecPer1M)
		}
		if s.CPUAllSecPer1M >= 0 {
			cpuAll = append(cpuAll, s.CPUAllSecPer1M)
		}
		if s.ClientCPUSecPer1M >= 0 {
			client = append(client, s.ClientCPUSecPer1M)
		}
	}
	c.RPS, c.P50Ms, c.P99Ms, c.P999Ms = Median(rps), Median(p50), Median(p99), Median(p999)
	med := func(xs []float64) float64 {
		if len(xs) == 0 {
			return -1
		}
		return Median(xs)
	}
	c.CPUSecPer1M, c.CPUAllSecPer1M, c.ClientCPUSecPer1M = med(cpu), med(cpuAll), med(client)
}

func (r *Row) summarize() {
	ratioOf := func(a, b string, get func(*Cell) float64) *float64 {
		ca, cb := r.Targets[a], r.Targets[b]
		if !has(ca) || !has(cb) {
			return nil
		}
		v := Ratio(get(ca), get(cb))
		if v == 0 {
			return nil
		}
		return &v
	}
	rps := func(c *Cell) float64 { return c.RPS }
	r.MeridianRedis = ratioOf(Meridian, Redis, rps)
	r.MeridianFloor = ratioOf(Meridian, Floor, rps)
	r.AA3Meridian = ratioOf(MeridianAA3, Meridian, rps)
	r.CPUMeridianFloor = ratioOf(Meridian, Floor, func(c *Cell) float64 { return c.CPUSecPer1M })
}

// perCore is a cell's thousands of requests per CPU-second, "n/a" when
// its CPU was not measured.
func perCore(c *Cell) string {
	if !has(c) || c.CPUSecPer1M <= 0 {
		return "n/a"
	}
	return strconv.FormatFloat(1000/c.CPUSecPer1M, 'f', 0, 64)
}

// Summarize recomputes medians, ratios and goals from the per-round
// samples (Run does this already; it is exported for reports built by
// hand).
func (r *Report) Summarize() {
	for i := range r.Rows {
		for _, c := range r.Rows[i].Targets {
			c.summarize()
		}
		r.Rows[i].summarize()
	}
	r.Goals = measureGoals(r.Rows)
}

// measureGoals evaluates every goal over the rows of each load tool.
func measureGoals(rows []Row) []Goal {
	var goals []Goal
	for _, load := range []string{LoadRedisBenchmark, LoadGo} {
		for _, d := range goalDefs {
			g := Goal{Load: load, Name: d.name, Note: d.note}
			if d.atLeast {
				g.Target = ">= " + strconv.FormatFloat(d.bound, 'f', 2, 64)
			} else {
				g.Target = "<= " + strconv.FormatFloat(d.bound, 'f', 2, 64)
			}
			var vals []float64
			for i := range rows {
				row := &rows[i]
				v := d.value(row)
				if row.Load != load || v == nil || !d.include(row) {
					continue
				}
				vals = append(vals, *v)
				worse := *v < g.Worst
				if !d.atLeast {
					worse = *v > g.Worst
				}
				if g.Rows == 0 || worse {
					g.Worst, g.WorstRow = *v, fmt.Sprintf("%s P=%d", row.Test, row.Pipeline)
				}
				g.Rows++
				if (d.atLeast && *v >= d.bound) || (!d.atLeast && *v <= d.bound) {
					g.Met++
				}
			}
			if g.Rows > 0 {
				g.Median = Median(vals)
				goals = append(goals, g)
			}
		}
	}
	return goals
}

// present lists the targets that appear in the report, in column order.
func (r *Report) present() []string {
	var out []string
	for _, name := range TargetOrder {
		for _, t := range r.Targets {
			if t.Name == name {
				out = append(out, name)
				break
			}
		}
	}
	for _, t := range r.Targets {
		if !slices.Contains(out, t.Name) {
			out = append(out, t.Name)
		}
	}
	return out
}

// Markdown renders the report: a header describing the machine and the
// load, the performance goals, the targets, and tables of throughput, latency
// and CPU with one row per (load, test, pipeline).
func (r *Report) Markdown() string {
	var b strings.Builder
	m := r.Meta
	b.WriteString("# Meridian benchmark: side by side\n\n")
	writeHostMeta(&b, m)
	if slices.Contains(m.Loads, LoadRedisBenchmark) || len(m.Loads) == 0 {
		load := fmt.Sprintf("redis-benchmark -c %d -n %d (times P/2 at a pipeline depth P above 2, so CPU time resolves), tests %s, pipelines %s",
			m.Clients, m.Requests, strings.Join(m.Tests, ","), joinInts(m.Pipelines))
		if m.Threads > 0 {
			load += fmt.Sprintf(", --threads %d", m.Threads)
		}
		fmt.Fprintf(&b, "- load (redis-benchmark): %s\n", load)
	}
	if g := m.Go; g != nil {
		fmt.Fprintf(&b, "- load (go): %s\n", g.describe())
	}
	fmt.Fprintf(&b, "- %d round(s), targets in rotating order; figures are medians over rounds\n", m.Rounds)
	if m.LoadAvgStart != "" || m.LoadAvgEnd != "" {
		fmt.Fprintf(&b, "- load average (1/5/15 min) at start: %s, at end: %s\n", orNA(m.LoadAvgStart), orNA(m.LoadAvgEnd))
	}
	fmt.Fprintf(&b, "- command: `%s`\n\n", m.Command)

	if len(r.Goals) > 0 {
		b.WriteString("## Performance goals\n\n")
		b.WriteString("| load | goal | target | median | worst (row) | rows meeting it |\n")
		b.WriteString("|---|---|---:|---:|---|---:|\n")
		for _, g := range r.Goals {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s (%s) | %d of %d |\n", g.Load, g.Name, g.Target,
				f2(g.Median), f2(g.Worst), mdEscape(g.WorstRow), g.Met, g.Rows)
		}
		b.WriteString("\nThe memory target (1M small string keys in a 3-region database <= 1.5x redis-server's RSS) is in memory.md.\n\n")
	}

	b.WriteString("## Targets\n\n")
	b.WriteString("| target | status | command | RSS after runs | peak RSS |\n")
	b.WriteString("|---|---|---|---:|---:|\n")
	for _, t := range r.Targets {
		cmd := "`" + ShellQuote(append([]string{t.Bin}, t.Args...)) + "`"
		status := t.Status
		if t.Note != "" && t.Status != StatusOK {
			status += ": " + firstLine(t.Note)
		}
		rss, peak := mib(t.Memory.RSS), mib(t.Memory.PeakRSS)
		if len(t.Regions) > 0 {
			cmd = mdEscape(t.Note)
			var rs, ps []string
			for _, reg := range t.Regions {
				rs, ps = append(rs, mib(reg.Memory.RSS)), append(ps, mib(reg.Memory.PeakRSS))
			}
			rss, peak = strings.Join(rs, " / "), strings.Join(ps, " / ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", t.Name, mdEscape(status), cmd, rss, peak)
	}
	b.WriteString("\n")

	names := r.present()
	cols := func(title func(string) string) string {
		var s strings.Builder
		for _, n := range names {
			s.WriteString(" " + title(n) + " |")
		}
		return s.String()
	}
	align := func(extra int) string { return strings.Repeat("---:|", len(names)+extra) }

	b.WriteString("## Throughput\n\n")
	fmt.Fprintf(&b, "| load | test | P |%s meridian/redis | meridian/floor | aa3/meridian |\n", cols(func(n string) string { return n + " ops/s" }))
	b.WriteString("|---|---|---:|" + align(3) + "\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %d |", row.Load, mdEscape(row.Test), row.Pipeline)
		for _, n := range names {
			b.WriteString(" " + ops(row.Targets[n]) + " |")
		}
		fmt.Fprintf(&b, " %s | %s | %s |\n", ratio(row.MeridianRedis), ratio(row.MeridianFloor), ratio(row.AA3Meridian))
	}
	b.WriteString("\n")

	b.WriteString("## Latency\n\n")
	fmt.Fprintf(&b, "| load | test | P |%s\n", cols(func(n string) string { return n + " p50 / p99 / p99.9 ms" }))
	b.WriteString("|---|---|---:|" + align(0) + "\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %d |", row.Load, mdEscape(row.Test), row.Pipeline)
		for _, n := range names {
			b.WriteString(" " + latencies(row.Targets[n]) + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")

	b.WriteString("## CPU\n\n")
	fmt.Fprintf(&b, "| load | test | P |%s meridian/floor | meridian kops/core-s | redis kops/core-s | client s/1M |\n", cols(func(n string) string {
		if n == MeridianAA3 {
			return n + " s/1M (region 1 / all)"
		}
		return n + " s/1M"
	}))
	b.WriteString("|---|---|---:|" + align(4) + "\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %d |", row.Load, mdEscape(row.Test), row.Pipeline)
		var client []float64
		for _, n := range names {
			c := row.Targets[n]
			v := cpu(c)
			if n == MeridianAA3 && has(c) && c.CPUAllSecPer1M >= 0 {
				v += " / " + strconv.FormatFloat(c.CPUAllSecPer1M, 'f', 2, 64)
			}
			if has(c) && c.ClientCPUSecPer1M >= 0 {
				client = append(client, c.ClientCPUSecPer1M)
			}
			b.WriteString(" " + v + " |")
		}
		cl := "n/a"
		if len(client) > 0 {
			cl = f2(Median(client))
		}
		fmt.Fprintf(&b, " %s | %s | %s | %s |\n", ratio(row.CPUMeridianFloor), perCore(row.Targets[Meridian]), perCore(row.Targets[Redis]), cl)
	}
	b.WriteString("\n")

	b.WriteString("ops/s, latencies and CPU are medians over rounds; ratios divide medians. ")
	b.WriteString("With P > 1 latencies are of whole pipelined batches. ")
	b.WriteString("redis-benchmark's CSV has no p99.9, so that figure comes from the Go generator only (n/a elsewhere). ")
	b.WriteString("CPU s/1M is the server's user+sys CPU time (/proc/PID/stat) during the run per million requests; ")
	b.WriteString("for meridian-aa3 it runs to the end of the drain after each run (until the other regions have every write), ")
	b.WriteString("region 1 alone and then all three regions (the chaos links between them run in the harness process and are in neither). ")
	b.WriteString("kops/core-s is thousands of requests per CPU-second of the server (10^6 / CPU s/1M): what one core serves, the figure that carries to a machine with more cores, where Meridian runs an event loop per core (and four shards per loop) and redis-server stays on one thread. ")
	b.WriteString("client s/1M is the load tool's own CPU (median over the row's targets; for the Go generator the whole harness process). ")
	b.WriteString("Both load tools run on the same machine as the servers and compete with them for its CPUs.\n")
	notes := append([]string(nil), r.Notes...)
	for _, t := range r.Targets {
		if t.Status != StatusOK {
			notes = append(notes, fmt.Sprintf("%s %s: %s", t.Name, t.Status, t.Note))
		}
	}
	for _, row := range r.Rows {
		for _, name := range names {
			if c := row.Targets[name]; c != nil {
				for _, e := range c.Errors {
					notes = append(notes, fmt.Sprintf("%s %s %s P=%d: %s", name, row.Load, row.Test, row.Pipeline, e))
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

// writeHostMeta writes the machine and toolchain lines shared by every
// report of this package.
func writeHostMeta(b *strings.Builder, m Meta) {
	fmt.Fprintf(b, "- date: %s\n", m.Date)
	fmt.Fprintf(b, "- kernel: %s\n", orNA(m.Kernel))
	fmt.Fprintf(b, "- CPU: %s, nproc %d\n", orNA(m.CPUModel), m.NProc)
	fmt.Fprintf(b, "- Go: %s\n", orNA(m.GoVersion))
	fmt.Fprintf(b, "- redis-server: %s; redis-benchmark: %s\n", orNA(m.RedisVersion), orNA(m.RedisBenchmarkVersion))
	if m.GitCommit != "" {
		fmt.Fprintf(b, "- commit: %s\n", m.GitCommit)
	}
	if m.EventLoops > 0 {
		fmt.Fprintf(b, "- event loops of meridian (each region) and of the floor: %d\n", m.EventLoops)
	} else {
		fmt.Fprintf(b, "- event loops of meridian (each region) and of the floor: one per CPU\n")
	}
}

// describe is the Go load in one line.
func (g *GoMeta) describe() string {
	s := fmt.Sprintf("the Go generator, %d connections", g.Clients)
	if g.Threads > 0 {
		s += fmt.Sprintf(" on %d threads (GOMAXPROCS)", g.Threads)
	}
	s += fmt.Sprintf(", workloads %s, pipelines %s, key space %d (%s), values of %d bytes",
		strings.Join(g.Workloads, ", "), joinInts(g.Pipelines), g.KeySpace, g.Pattern, g.ValueSize)
	if g.Requests > 0 {
		s += fmt.Sprintf(", %d requests per run", g.Requests)
	} else {
		s += fmt.Sprintf(", %gs per run", g.DurationSec)
	}
	if g.Prefill {
		s += ", every key written once before the first round"
	}
	return s
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
func (r *Report) JSON() []byte { return indentJSON(r) }

// indentJSON renders a report value as indented JSON with a final newline.
func indentJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
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

// latencies is "p50 / p99 / p99.9" in ms, p99.9 n/a where unknown.
func latencies(c *Cell) string {
	if !has(c) {
		return "n/a"
	}
	p999 := "n/a"
	if c.P999Ms > 0 {
		p999 = ms(c.P999Ms)
	}
	return ms(c.P50Ms) + " / " + ms(c.P99Ms) + " / " + p999
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
