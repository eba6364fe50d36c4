package bench

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ReplReport is everything one replication benchmark session measured,
// rendered as markdown (docs/benchmarks/repl.md) and JSON (repl.json).
type ReplReport struct {
	Meta  Meta        `json:"meta"`
	Setup ReplSetup   `json:"setup"`
	Rows  []ReplRow   `json:"throughput"`
	Lag   []LagResult `json:"lag"`
	Notes []string    `json:"notes,omitempty"`
}

// ReplSetup describes the database and the single server under test.
type ReplSetup struct {
	Regions      []string `json:"regions"`
	RegionPIDs   []int    `json:"region_pids"`
	RegionMemory []Memory `json:"region_memory"` // after the last phase
	Peers        int      `json:"peers"`         // links region 1 serves
	Compression  string   `json:"compression"`   // from AA STATUS
	BacklogBytes int64    `json:"backlog_bytes"` // region 1's, from AA STATUS
	Topology     string   `json:"topology"`      // how the regions are connected, from the caller
	// ServerEnv lists Go runtime variables (GOMAXPROCS, GOGC, GOMEMLIMIT)
	// set in the environment the servers inherited; they change the
	// figures, so a report must say so.
	ServerEnv []string   `json:"server_env,omitempty"`
	Single    TargetInfo `json:"single"`
	KeySpace  int        `json:"keyspace"`
	// WarmupWrites SETs went to region 1 and to the single server before
	// the first round, in WarmupSeconds.
	WarmupWrites  int     `json:"warmup_writes"`
	WarmupSeconds float64 `json:"warmup_seconds"`
	ValueSize     int     `json:"value_size"`
	Probes        int     `json:"probes"`
	// ProbeIntervalMs is the mean gap between probes.
	ProbeIntervalMs float64 `json:"probe_interval_ms"`
	LoadFraction    float64 `json:"load_fraction"`
	LoadConns       int     `json:"load_conns"`
}

// ReplRow is one (test, pipeline) of the throughput phase.
type ReplRow struct {
	Test       string    `json:"test"`
	Pipeline   int       `json:"pipeline"`
	Replicated *ReplCell `json:"replicated"`
	Single     *ReplCell `json:"single"`
	// Ratio is replicated/single median ops/s; null when a side is missing.
	Ratio *float64 `json:"replicated_single"`
	// RESPBytes is the size of the client's command for this test (0 if
	// the test is not modelled).
	RESPBytes int         `json:"resp_bytes_per_command"`
	Wire      WireFigures `json:"wire"`
	bmTest    string      // the -t name
}

// ReplCell is one target's medians over rounds.
type ReplCell struct {
	RPS   float64 `json:"rps"`
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	// CPULeadSecPer1M is the loaded server's user+sys CPU seconds per
	// million requests (for the replicated target: region 1, including
	// serving the other regions' pulls until they caught up).
	CPULeadSecPer1M float64 `json:"cpu_lead_s_per_1m"`
	// CPUAllSecPer1M adds every region's CPU (the others applying the
	// deltas); equal to CPULeadSecPer1M for the single server.
	CPUAllSecPer1M float64      `json:"cpu_all_s_per_1m"`
	DrainMs        float64      `json:"drain_ms"`
	Rounds         []ReplSample `json:"rounds"`
	Errors         []string     `json:"errors,omitempty"`
}

// ReplSample is one run.
type ReplSample struct {
	Round           int     `json:"round"`
	RPS             float64 `json:"rps"`
	AvgMs           float64 `json:"avg_ms"`
	P50Ms           float64 `json:"p50_ms"`
	P99Ms           float64 `json:"p99_ms"`
	MaxMs           float64 `json:"max_ms"`
	CPULeadSecPer1M float64 `json:"cpu_lead_s_per_1m"`
	CPUAllSecPer1M  float64 `json:"cpu_all_s_per_1m"`
	// DrainMs is the time from the end of the run until AA WAIT said
	// every other region had all of its writes (replicated runs only).
	DrainMs float64     `json:"drain_ms,omitempty"`
	Wire    *WireSample `json:"wire,omitempty"`
}

// WireSample is what one replicated run put on region 1's outgoing links:
// the differences of AA STATUS deltas_out, bytes_out and bytes_out_raw,
// summed over the peers.
type WireSample struct {
	Writes   int64 `json:"writes"` // client commands (-n)
	Peers    int   `json:"peers"`
	Deltas   int64 `json:"deltas"`
	Bytes    int64 `json:"bytes"`     // on the wire: frames as sent, compressed
	RawBytes int64 `json:"raw_bytes"` // the delta records before compression
}

// WireFigures sums a row's WireSamples and divides them out per write and
// per link.
type WireFigures struct {
	Writes            int64   `json:"writes"`
	Deltas            int64   `json:"deltas"`
	Bytes             int64   `json:"bytes"`
	RawBytes          int64   `json:"raw_bytes"`
	DeltasPerWrite    float64 `json:"deltas_per_write_per_link"`
	RawPerWrite       float64 `json:"raw_bytes_per_write_per_link"`
	WirePerWrite      float64 `json:"wire_bytes_per_write_per_link"`
	RawPerDelta       float64 `json:"raw_bytes_per_delta"`
	WirePerDelta      float64 `json:"wire_bytes_per_delta"`
	WireOverRESP      float64 `json:"wire_over_resp"`
	RawOverRESP       float64 `json:"raw_over_resp"`
	CompressionFactor float64 `json:"compression_factor"` // raw / wire
}

// replRows accumulates samples per (test row, pipeline) in order of first
// appearance.
type replRows struct {
	order []rowKey
	rows  map[rowKey]*ReplRow
}

func newReplRows() *replRows { return &replRows{rows: map[rowKey]*ReplRow{}} }

func (rs *replRows) cell(test string, pipeline int, target, bmTest string) *ReplCell {
	k := rowKey{test, pipeline}
	r, ok := rs.rows[k]
	if !ok {
		r = &ReplRow{Test: test, Pipeline: pipeline, bmTest: bmTest}
		rs.rows[k] = r
		rs.order = append(rs.order, k)
	}
	if r.bmTest == "" {
		r.bmTest = bmTest
	}
	c := &r.Single
	if target == Replicated {
		c = &r.Replicated
	}
	if *c == nil {
		*c = &ReplCell{}
	}
	return *c
}

func (rs *replRows) add(test string, pipeline int, target, bmTest string, s ReplSample) {
	c := rs.cell(test, pipeline, target, bmTest)
	c.Rounds = append(c.Rounds, s)
}

func (rs *replRows) addError(test string, pipeline int, target, msg string) {
	c := rs.cell(test, pipeline, target, strings.ToLower(test))
	c.Errors = append(c.Errors, msg)
}

func (rs *replRows) finish() []ReplRow {
	out := make([]ReplRow, 0, len(rs.order))
	for _, k := range rs.order {
		r := rs.rows[k]
		r.summarize()
		out = append(out, *r)
	}
	return out
}

func (c *ReplCell) summarize() {
	if c == nil {
		return
	}
	var rps, p50, p99, lead, all, drain []float64
	for _, s := range c.Rounds {
		rps, p50, p99 = append(rps, s.RPS), append(p50, s.P50Ms), append(p99, s.P99Ms)
		if s.CPULeadSecPer1M >= 0 {
			lead = append(lead, s.CPULeadSecPer1M)
		}
		if s.CPUAllSecPer1M >= 0 {
			all = append(all, s.CPUAllSecPer1M)
		}
		drain = append(drain, s.DrainMs)
	}
	c.RPS, c.P50Ms, c.P99Ms, c.DrainMs = Median(rps), Median(p50), Median(p99), Median(drain)
	c.CPULeadSecPer1M, c.CPUAllSecPer1M = -1, -1
	if len(lead) > 0 {
		c.CPULeadSecPer1M = Median(lead)
	}
	if len(all) > 0 {
		c.CPUAllSecPer1M = Median(all)
	}
}

// summarize computes medians, the ratio and the wire figures.
func (r *ReplRow) summarize() {
	r.Replicated.summarize()
	r.Single.summarize()
	r.Ratio = nil
	if r.Replicated != nil && r.Single != nil {
		if v := Ratio(r.Replicated.RPS, r.Single.RPS); v > 0 {
			r.Ratio = &v
		}
	}
	if cmd := BenchmarkCommand(r.bmTest, benchValueSize); cmd != nil {
		r.RESPBytes = RESPSize(cmd...)
	}
	w := WireFigures{}
	links := int64(0)
	if r.Replicated != nil {
		for _, s := range r.Replicated.Rounds {
			if s.Wire == nil {
				continue
			}
			w.Writes += s.Wire.Writes
			w.Deltas += s.Wire.Deltas
			w.Bytes += s.Wire.Bytes
			w.RawBytes += s.Wire.RawBytes
			links += s.Wire.Writes * int64(s.Wire.Peers)
		}
	}
	div := func(a, b float64) float64 {
		if b <= 0 {
			return 0
		}
		return a / b
	}
	w.DeltasPerWrite = div(float64(w.Deltas), float64(links))
	w.RawPerWrite = div(float64(w.RawBytes), float64(links))
	w.WirePerWrite = div(float64(w.Bytes), float64(links))
	w.RawPerDelta = div(float64(w.RawBytes), float64(w.Deltas))
	w.WirePerDelta = div(float64(w.Bytes), float64(w.Deltas))
	w.WireOverRESP = div(w.WirePerWrite, float64(r.RESPBytes))
	w.RawOverRESP = div(w.RawPerWrite, float64(r.RESPBytes))
	w.CompressionFactor = div(float64(w.RawBytes), float64(w.Bytes))
	r.Wire = w
}

// Summarize recomputes medians, ratios and wire figures from the samples
// (RunRepl does this already; it is exported for reports built by hand).
func (r *ReplReport) Summarize() {
	for i := range r.Rows {
		if r.Rows[i].bmTest == "" {
			r.Rows[i].bmTest = strings.ToLower(r.Rows[i].Test)
		}
		r.Rows[i].summarize()
	}
}

// peakSetRPS is the replicated SET -P 1 median: the load the "load" lag
// phase takes a fraction of. Unpipelined, because the paced loader's
// small batches are closer to that than to 16-deep pipelines.
func (r *ReplReport) peakSetRPS() float64 {
	for _, row := range r.Rows {
		if row.Test == "SET" && row.Pipeline == 1 && row.Replicated != nil {
			return row.Replicated.RPS
		}
	}
	return 0
}

// JSON renders the report as indented JSON.
func (r *ReplReport) JSON() []byte {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		// Only plain data and finite floats (medians of parsed numbers):
		// this cannot fail; an empty object keeps the file valid if it does.
		return []byte("{}\n")
	}
	return append(b, '\n')
}

// WriteFiles writes the markdown and JSON renderings; an empty path skips
// that file.
func (r *ReplReport) WriteFiles(mdPath, jsonPath string) error {
	if mdPath != "" {
		if err := writeFile(mdPath, []byte(r.Markdown())); err != nil {
			return err
		}
	}
	if jsonPath != "" {
		return writeFile(jsonPath, r.JSON())
	}
	return nil
}

// Markdown renders the report: the machine, the setup, then one section
// per question (throughput, lag, bytes) with a paragraph saying what the
// figures are.
func (r *ReplReport) Markdown() string {
	var b strings.Builder
	m, s := r.Meta, r.Setup
	b.WriteString("# Meridian replication benchmark: what active-active costs\n\n")
	fmt.Fprintf(&b, "- date: %s\n", m.Date)
	fmt.Fprintf(&b, "- kernel: %s\n", orNA(m.Kernel))
	fmt.Fprintf(&b, "- CPU: %s, nproc %d\n", orNA(m.CPUModel), m.NProc)
	fmt.Fprintf(&b, "- Go: %s; redis-benchmark: %s\n", orNA(m.GoVersion), orNA(m.RedisBenchmarkVersion))
	if m.GitCommit != "" {
		fmt.Fprintf(&b, "- commit: %s\n", m.GitCommit)
	}
	fmt.Fprintf(&b, "- database: %d regions on loopback, replication compression %s", len(s.Regions), orNA(s.Compression))
	if s.Topology != "" {
		fmt.Fprintf(&b, "; %s", s.Topology)
	}
	if len(s.ServerEnv) > 0 {
		fmt.Fprintf(&b, "; servers started with %s", strings.Join(s.ServerEnv, " "))
	}
	b.WriteString("\n")
	keys := "one key per test (no -r)"
	if s.KeySpace > 0 {
		keys = fmt.Sprintf("-r %d", s.KeySpace)
	}
	load := fmt.Sprintf("redis-benchmark -c %d -n %d %s, tests %s, pipelines %s, %d round(s) in alternating order",
		m.Clients, m.Requests, keys, strings.Join(m.Tests, ","), joinInts(m.Pipelines), m.Rounds)
	if m.Threads > 0 {
		load += fmt.Sprintf(", --threads %d", m.Threads)
	}
	fmt.Fprintf(&b, "- load: %s\n", load)
	if s.WarmupWrites > 0 {
		fmt.Fprintf(&b, "- warm-up: %s SETs (-P 16) to region 1 and to the single server before round 1 (%s s), so region 1's %s backlog is full as in a region that has run a while\n",
			thousands(int64(s.WarmupWrites)), strconv.FormatFloat(s.WarmupSeconds, 'f', -1, 64), mib(s.BacklogBytes))
	}
	if m.LoadAvgStart != "" || m.LoadAvgEnd != "" {
		fmt.Fprintf(&b, "- load average (1/5/15 min) at start: %s, at end: %s\n", orNA(m.LoadAvgStart), orNA(m.LoadAvgEnd))
	}
	fmt.Fprintf(&b, "- command: `%s`\n\n", m.Command)

	b.WriteString("## Throughput: replication on against off\n\n")
	b.WriteString("`replicated` is region 1 of the database, every write it takes shipped to the other regions; ")
	b.WriteString("`single` is the same binary started without `--aa-*`. ")
	b.WriteString("Drain is the time from the end of a run until `AA WAIT` said every other region had all of its writes. ")
	b.WriteString("CPU is user+sys seconds per million requests (/proc/PID/stat) from the start of the run to the end of the drain: ")
	b.WriteString("region 1 alone, and all regions together (the others decoding and applying).\n\n")
	b.WriteString("| test | P | replicated ops/s | single ops/s | replicated/single | replicated p50/p99 ms | single p50/p99 ms | drain ms | CPU s/1M region 1 | CPU s/1M all regions | CPU s/1M single |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Rows {
		rep, sgl := row.Replicated, row.Single
		drain := "n/a"
		if hasRepl(rep) {
			drain = strconv.FormatFloat(rep.DrainMs, 'f', 1, 64)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			mdEscape(row.Test), row.Pipeline, replOps(rep), replOps(sgl), ratio(row.Ratio),
			replLat(rep), replLat(sgl), drain, replCPU(rep, false), replCPU(rep, true), replCPU(sgl, false))
	}
	b.WriteString("\nops/s and latencies are redis-benchmark's, medians over rounds; the ratio divides median ops/s. ")
	b.WriteString("With P > 1 redis-benchmark times whole pipelined batches.\n\n")

	b.WriteString("## Replication lag, end to end\n\n")
	b.WriteString("A probe client RPUSHes its send time in nanoseconds to a list on region 1; a client of region 2 waits in BLPOP on that list ")
	b.WriteString("and records arrival minus send time (one clock: both clients are in the harness). ")
	b.WriteString("The figure is the whole path: region 1 takes the write, its syncer ships it, region 2 applies it and wakes the BLPOP. ")
	fmt.Fprintf(&b, "Probes are about %s ms apart (uniformly 0.5x to 1.5x, so they do not sample a fixed phase of the servers' timers); ",
		strconv.FormatFloat(s.ProbeIntervalMs, 'f', -1, 64))
	fmt.Fprintf(&b, "under load, region 1 also takes paced SETs at %s of its replicated SET -P 1 throughput from %d connections. ",
		strconv.FormatFloat(s.LoadFraction, 'f', -1, 64), s.LoadConns)
	b.WriteString("Percentiles come from an HDR histogram (1 us resolution, 3 significant digits).\n\n")
	b.WriteString("| phase | background SETs/s (target / achieved) | probes received / sent | min ms | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | mean ms |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, l := range r.Lag {
		load := "none"
		if l.LoadTargetOps > 0 {
			load = thousands(int64(l.LoadTargetOps)) + " / " + thousands(int64(l.LoadAchievedOps))
		}
		fmt.Fprintf(&b, "| %s | %s | %d / %d | %s | %s | %s | %s | %s | %s | %s |\n", l.Phase, load, l.Received, l.Sent,
			ms(l.MinMs), ms(l.P50Ms), ms(l.P90Ms), ms(l.P99Ms), ms(l.P999Ms), ms(l.MaxMs), ms(l.MeanMs))
	}
	if len(r.Lag) == 0 {
		b.WriteString("| (not measured) | | | | | | | | | |\n")
	}
	b.WriteString("\n")

	b.WriteString("## Bytes per replicated write, per link\n\n")
	fmt.Fprintf(&b, "From region 1's `AA STATUS` before and after each replicated run: deltas_out, bytes_out_raw (the delta records) and bytes_out "+
		"(the frames as sent, compressed with %s), summed over its %d links and divided by the writes and the links: ", orNA(s.Compression), s.Peers)
	fmt.Fprintf(&b, "every write crosses each of the %d links once, so the total is that many times the figure. ", s.Peers)
	b.WriteString("Beats and TCP/IP headers are not counted. The client's command is its RESP encoding as redis-benchmark sends it.\n\n")
	fmt.Fprintf(&b, "| test | P | client command bytes | deltas per write | raw bytes per write | wire bytes per write (%s) | raw/command | wire/command | compression |\n", orNA(s.Compression))
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Rows {
		w := row.Wire
		if w.Writes == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(row.Test), row.Pipeline,
			intOrNA(row.RESPBytes), f2(w.DeltasPerWrite), f1(w.RawPerWrite), f1(w.WirePerWrite),
			f2(w.RawOverRESP), f2(w.WireOverRESP), fx(w.CompressionFactor))
	}
	b.WriteString("\n")

	b.WriteString("## Processes\n\n| process | pid | RSS at end | peak RSS |\n|---|---:|---:|---:|\n")
	for i, addr := range s.Regions {
		var mem Memory
		if i < len(s.RegionMemory) {
			mem = s.RegionMemory[i]
		}
		pid := 0
		if i < len(s.RegionPIDs) {
			pid = s.RegionPIDs[i]
		}
		fmt.Fprintf(&b, "| region %d (%s) | %d | %s | %s |\n", i+1, addr, pid, mib(mem.RSS), mib(mem.PeakRSS))
	}
	fmt.Fprintf(&b, "| single (`%s`) | %d | %s | %s |\n", ShellQuote(append([]string{s.Single.Bin}, s.Single.Args...)),
		s.Single.PID, mib(s.Single.Memory.RSS), mib(s.Single.Memory.PeakRSS))

	notes := append([]string(nil), r.Notes...)
	for _, row := range r.Rows {
		for _, t := range []struct {
			name string
			c    *ReplCell
		}{{Replicated, row.Replicated}, {Single, row.Single}} {
			if t.c == nil {
				continue
			}
			for _, e := range t.c.Errors {
				notes = append(notes, fmt.Sprintf("%s %s P=%d: %s", t.name, row.Test, row.Pipeline, e))
			}
		}
	}
	for _, l := range r.Lag {
		if l.Error != "" {
			notes = append(notes, fmt.Sprintf("lag %s: %s", l.Phase, l.Error))
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

func hasRepl(c *ReplCell) bool { return c != nil && len(c.Rounds) > 0 }

func replOps(c *ReplCell) string {
	if !hasRepl(c) {
		return "n/a"
	}
	return thousands(int64(c.RPS + 0.5))
}

func replLat(c *ReplCell) string {
	if !hasRepl(c) {
		return "n/a"
	}
	return ms(c.P50Ms) + " / " + ms(c.P99Ms)
}

func replCPU(c *ReplCell, all bool) string {
	if !hasRepl(c) {
		return "n/a"
	}
	v := c.CPULeadSecPer1M
	if all {
		v = c.CPUAllSecPer1M
	}
	if v < 0 {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func intOrNA(n int) string {
	if n <= 0 {
		return "n/a"
	}
	return strconv.Itoa(n)
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func fx(v float64) string {
	if v <= 0 {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "x"
}
