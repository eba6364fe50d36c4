package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Target roles (see also MeridianAA3 and TargetOrder).
const (
	Meridian = "meridian"
	Redis    = "redis"
	Floor    = "floor"
)

// Config describes one benchmark session.
type Config struct {
	Targets        []TargetSpec  // run in this order in round 0, rotated after
	RedisBenchmark string        // redis-benchmark binary
	Tests          []string      // redis-benchmark -t names: set, get, incr, ...; none: no redis-benchmark runs
	Pipelines      []int         // -P depths
	Clients        int           // -c
	Requests       int           // -n
	Rounds         int           // repetitions; medians are reported
	Threads        int           // redis-benchmark --threads; 0 = not passed
	Go             *GoLoad       // the Go generator's runs; nil: none
	RunTimeout     time.Duration // limit for one redis-benchmark invocation
	ReadyTimeout   time.Duration // limit for a target to answer PING
	SettleTimeout  time.Duration // limit for a multi-region target's drain after a run
	Log            *slog.Logger
}

// GoLoad is the Go generator's part of a session: one row per (workload,
// pipeline), each run with the same LoadSpec apart from the mix and the
// depth.
type GoLoad struct {
	Workloads [][2]int // SET:GET ratios
	Pipelines []int
	// Spec holds the rest: clients, threads, key space and pattern, value
	// size, duration or requests, seed.
	Spec LoadSpec
	// Prefill writes every key of the key space once to each target
	// before the first round, so GETs find values, as they would in a
	// warmed cache, rather than measuring misses.
	Prefill bool
}

// Meta describes the Go load for the report.
func (g *GoLoad) Meta() *GoMeta {
	m := &GoMeta{Pipelines: g.Pipelines, Clients: g.Spec.Clients, Threads: g.Spec.Threads, KeySpace: g.Spec.KeySpace,
		Pattern: g.Spec.Pattern, ValueSize: g.Spec.ValueSize, DurationSec: g.Spec.Duration.Seconds(),
		Requests: g.Spec.Requests, Prefill: g.Prefill}
	if m.Pattern == "" {
		m.Pattern = PatternRandom
	}
	for _, w := range g.Workloads {
		m.Workloads = append(m.Workloads, WorkloadName(w[0], w[1]))
	}
	return m
}

// slot is one row's run: a redis-benchmark test (one -t test at one depth
// against one target per invocation, so CPU time is attributed to that
// test alone) or a Go workload at one depth.
type slot struct {
	load     string
	test     string // redis-benchmark -t name, or the workload's name
	set, get int    // Go mix
	pipeline int
}

// Run starts the targets, runs every slot for every round against each
// running target in rotating order, stops the targets and returns the
// report. Targets whose binary is missing or that fail to start are skipped
// and noted. The children are stopped on every return path, including
// cancellation of ctx.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	cfg.Rounds = max(cfg.Rounds, 1)
	if cfg.RunTimeout <= 0 {
		cfg.RunTimeout = 10 * time.Minute
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 15 * time.Second
	}
	if cfg.SettleTimeout <= 0 {
		cfg.SettleTimeout = 2 * time.Minute
	}
	rb := ""
	if len(cfg.Tests) > 0 || cfg.Go == nil {
		var err error
		if rb, err = ResolveBinary(cfg.RedisBenchmark); err != nil {
			return nil, &MissingBenchmarkError{Bin: cfg.RedisBenchmark, Err: err}
		}
	}

	servers, infos, err := launchAll(ctx, cfg.Targets, cfg.ReadyTimeout, log)
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	rep := &Report{Targets: infos}
	if err != nil {
		return nil, err
	}
	if len(servers) == 0 {
		return rep, errors.New("no target could be started")
	}

	var slots []slot
	for _, pl := range cfg.Pipelines {
		for _, t := range cfg.Tests {
			slots = append(slots, slot{load: LoadRedisBenchmark, test: t, pipeline: pl})
		}
	}
	if g := cfg.Go; g != nil {
		for _, pl := range g.Pipelines {
			for _, w := range g.Workloads {
				slots = append(slots, slot{load: LoadGo, test: WorkloadName(w[0], w[1]), set: w[0], get: w[1], pipeline: pl})
			}
		}
		if g.Prefill {
			for _, s := range servers {
				if err := prefill(ctx, s, g.Spec, cfg.SettleTimeout, log); err != nil {
					if ctx.Err() != nil {
						return nil, ctx.Err()
					}
					rep.Notes = append(rep.Notes, fmt.Sprintf("%s: prefill failed: %v", s.name, err))
					log.Error("prefill failed", "target", s.name, "err", err)
				}
			}
		}
	}

	rows := newRowSet()
	for round := 0; round < cfg.Rounds; round++ {
		for si, sl := range slots {
			for _, s := range Rotate(servers, round+si) {
				if gone, _ := s.exited(); gone {
					continue // noted when it was found dead
				}
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				err := runSlot(ctx, rb, cfg, s, sl, round, rows, log)
				if err == nil {
					continue
				}
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				if gone, why := s.exited(); gone {
					ti := s.info
					ti.Status = StatusFailed
					ti.Note = fmt.Sprintf("died during %s %s -P %d round %d %s", sl.load, sl.test, sl.pipeline, round+1, why)
					log.Error("target died", "target", s.name, "load", sl.load, "test", sl.test, "pipeline", sl.pipeline, "round", round+1, "err", err)
					continue
				}
				rows.addError(sl, s.name, fmt.Sprintf("round %d: %v", round+1, err))
				log.Error("run failed", "target", s.name, "load", sl.load, "test", sl.test, "pipeline", sl.pipeline, "round", round+1, "err", err)
			}
		}
	}

	for _, s := range servers {
		if gone, _ := s.exited(); !gone {
			s.memory()
		}
	}
	rep.Rows = rows.finish()
	rep.Goals = measureGoals(rep.Rows)
	return rep, nil
}

// runSlot runs one slot against s, waits for a multi-region target to
// settle, and files the samples.
func runSlot(ctx context.Context, rb string, cfg Config, s *server, sl slot, round int, rows *rowSet, log *slog.Logger) error {
	if sl.load == LoadGo {
		spec := cfg.Go.Spec
		spec.Pipeline, spec.SetRatio, spec.GetRatio = sl.pipeline, sl.set, sl.get
		smp, res, err := goRun(ctx, s, spec, round, cfg.SettleTimeout)
		if smp == nil {
			return err
		}
		rows.add(sl.load, sl.test, sl.pipeline, s.name, *smp)
		if res.ErrorReplies > 0 {
			rows.addError(sl, s.name, fmt.Sprintf("round %d: %d error replies, first: %s", round+1, res.ErrorReplies, res.FirstError))
		}
		logGoRun(log, s.name, sl.test, spec, round, smp)
		return err
	}
	cfg.Requests = RequestsAt(cfg.Requests, sl.pipeline)
	lead0, all0 := s.cpu()
	res, clientCPU, err := runOnce(ctx, rb, cfg, s.port, sl)
	if err != nil {
		return err
	}
	drained, derr := s.settle(ctx, cfg.SettleTimeout)
	lead1, all1 := s.cpu()
	base := cpuSample(s, round, float64(cfg.Requests)*float64(len(res)), diffCPU(lead0, lead1), diffCPU(all0, all1), clientCPU, drained)
	// A multi-row test (lrange) shares its invocation's CPU equally.
	for _, r := range res {
		smp := base
		smp.RPS, smp.AvgMs, smp.P50Ms, smp.P99Ms, smp.MaxMs = r.RPS, r.AvgMs, r.P50Ms, r.P99Ms, r.MaxMs
		rows.add(sl.load, r.Test, sl.pipeline, s.name, smp)
		log.Info("run", "round", round+1, "load", sl.load, "P", sl.pipeline, "test", r.Test, "target", s.name,
			"rps", fmt.Sprintf("%.0f", r.RPS), "p50_ms", r.P50Ms, "p99_ms", r.P99Ms,
			"cpu_s_per_1M", fmt.Sprintf("%.2f", smp.CPUSecPer1M))
	}
	if derr != nil {
		return fmt.Errorf("drain: %w", derr)
	}
	return nil
}

// goRun runs the Go generator once against s, lets a multi-region target
// settle, and returns the sample. The sample is nil when the run itself
// failed; a failed drain returns the sample and the error.
func goRun(ctx context.Context, s *server, spec LoadSpec, round int, settle time.Duration) (*Sample, LoadResult, error) {
	lead0, all0 := s.cpu()
	res, err := RunLoad(ctx, s.addr, spec)
	if err != nil {
		return nil, res, err
	}
	drained, derr := s.settle(ctx, settle)
	lead1, all1 := s.cpu()
	smp := cpuSample(s, round, float64(res.Requests), diffCPU(lead0, lead1), diffCPU(all0, all1), res.ClientCPUSec, drained)
	smp.RPS, smp.AvgMs, smp.P50Ms, smp.P99Ms, smp.P999Ms, smp.MaxMs = res.RPS, res.AvgMs, res.P50Ms, res.P99Ms, res.P999Ms, res.MaxMs
	smp.Hits, smp.Misses, smp.ErrorReplies = res.Hits, res.Misses, res.ErrorReplies
	if derr != nil {
		derr = fmt.Errorf("drain: %w", derr)
	}
	return &smp, res, derr
}

func logGoRun(log *slog.Logger, target, test string, spec LoadSpec, round int, smp *Sample) {
	log.Info("run", "round", round+1, "load", LoadGo, "P", spec.Pipeline, "clients", spec.Clients, "test", test, "target", target,
		"rps", fmt.Sprintf("%.0f", smp.RPS), "p50_ms", smp.P50Ms, "p99_ms", smp.P99Ms, "p999_ms", smp.P999Ms,
		"cpu_s_per_1M", fmt.Sprintf("%.2f", smp.CPUSecPer1M), "client_cpu_s_per_1M", fmt.Sprintf("%.2f", smp.ClientCPUSecPer1M))
}

// cpuSample is a sample's CPU part: the CPU seconds of the process the
// load went to, of all the target's processes and of the load tool, per
// million requests (-1 where a reading failed).
func cpuSample(s *server, round int, requests, lead, all, client float64, drained time.Duration) Sample {
	perM := func(v float64) float64 {
		if v < 0 || requests <= 0 {
			return -1
		}
		return math.Round(v/requests*1e6*1e4) / 1e4
	}
	smp := Sample{Round: round + 1, CPUSecPer1M: perM(lead), CPUAllSecPer1M: perM(all), ClientCPUSecPer1M: perM(client)}
	if len(s.peers) > 0 {
		smp.DrainMs = float64(drained.Microseconds()) / 1000
	}
	return smp
}

// prefill writes every key of the Go load's key space once to s (SETs of
// the run's value size, sequential, pipelined) and lets a multi-region
// target settle.
func prefill(ctx context.Context, s *server, spec LoadSpec, settle time.Duration, log *slog.Logger) error {
	if spec.KeySpace < 1 {
		return nil
	}
	start := time.Now()
	spec.SetRatio, spec.GetRatio, spec.Pattern = 1, 0, PatternSequential
	spec.Pipeline, spec.Clients, spec.Requests, spec.Duration = 64, min(max(spec.Clients, 1), 8), int64(spec.KeySpace), 0
	res, err := RunLoad(ctx, s.addr, spec)
	if err != nil {
		return err
	}
	if res.ErrorReplies > 0 {
		return fmt.Errorf("%d error replies, first: %s", res.ErrorReplies, res.FirstError)
	}
	if _, err := s.settle(ctx, settle); err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	log.Info("prefilled", "target", s.name, "keys", spec.KeySpace, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// MissingBenchmarkError reports that redis-benchmark is not installed.
type MissingBenchmarkError struct {
	Bin string
	Err error
}

func (e *MissingBenchmarkError) Error() string {
	return fmt.Sprintf("redis-benchmark (%s) not found: %v; install it with: apt-get install -y redis-tools", e.Bin, e.Err)
}

func (e *MissingBenchmarkError) Unwrap() error { return e.Err }

// BenchmarkArgs builds the redis-benchmark command line for one run.
// RequestsAt is redis-benchmark's -n for a run at pipeline depth p: n,
// times p/2 when p > 2. A pipelined run of n requests would last a tenth
// of a second, and CPU time is read in 10 ms ticks: the longer run makes
// the CPU per request resolve to a few percent.
func RequestsAt(n, p int) int {
	if p > 2 {
		return n * (p / 2)
	}
	return n
}

func BenchmarkArgs(cfg Config, port int, test string, pipeline int) []string {
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-c", strconv.Itoa(cfg.Clients), "-n", strconv.Itoa(cfg.Requests),
		"-P", strconv.Itoa(pipeline), "-t", test, "--csv"}
	if cfg.Threads > 0 {
		args = append(args, "--threads", strconv.Itoa(cfg.Threads))
	}
	return args
}

// runOnce runs redis-benchmark for one slot against the target on port
// and returns the CSV rows and redis-benchmark's own CPU seconds (-1 if
// unknown).
func runOnce(ctx context.Context, rb string, cfg Config, port int, sl slot) ([]Result, float64, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, rb, BenchmarkArgs(cfg, port, sl.test, sl.pipeline)...)
	cmd.SysProcAttr = childAttr()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %v", cfg.RunTimeout)
		}
		return nil, 0, fmt.Errorf("%w: %s", err, lastLine(stderr.String()+stdout.String()))
	}
	client := -1.0
	if ps := cmd.ProcessState; ps != nil {
		client = (ps.UserTime() + ps.SystemTime()).Seconds()
	}
	res, err := ParseCSV(&stdout)
	if err != nil {
		return nil, 0, fmt.Errorf("%w (stderr: %s)", err, lastLine(stderr.String()))
	}
	if len(res) == 0 {
		return nil, 0, fmt.Errorf("no results (unknown test %q?) %s", sl.test, lastLine(stderr.String()))
	}
	return res, client, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, "\r\n"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// rowSet accumulates samples per (load, test name, pipeline) in order of
// first appearance.
type rowSet struct {
	order []rowID
	rows  map[rowID]*Row
}

// rowKey keys the replication report's rows (repl_report.go).
type rowKey struct {
	test     string
	pipeline int
}

type rowID struct {
	load, test string
	pipeline   int
}

func newRowSet() *rowSet { return &rowSet{rows: map[rowID]*Row{}} }

func (rs *rowSet) cell(load, test string, pipeline int, target string) *Cell {
	k := rowID{load, test, pipeline}
	r, ok := rs.rows[k]
	if !ok {
		r = &Row{Load: load, Test: test, Pipeline: pipeline, Targets: map[string]*Cell{}}
		rs.rows[k] = r
		rs.order = append(rs.order, k)
	}
	c, ok := r.Targets[target]
	if !ok {
		c = &Cell{}
		r.Targets[target] = c
	}
	return c
}

func (rs *rowSet) add(load, test string, pipeline int, target string, s Sample) {
	c := rs.cell(load, test, pipeline, target)
	c.Rounds = append(c.Rounds, s)
}

// addError files a failed run under the slot's name (a redis-benchmark -t
// name upper-cased, which is what it prints for single-row tests).
func (rs *rowSet) addError(sl slot, target, msg string) {
	test := sl.test
	if sl.load == LoadRedisBenchmark {
		test = strings.ToUpper(test)
	}
	c := rs.cell(sl.load, test, sl.pipeline, target)
	c.Errors = append(c.Errors, msg)
}

func (rs *rowSet) finish() []Row {
	out := make([]Row, 0, len(rs.order))
	for _, k := range rs.order {
		r := rs.rows[k]
		for _, c := range r.Targets {
			c.summarize()
		}
		r.summarize()
		out = append(out, *r)
	}
	return out
}
