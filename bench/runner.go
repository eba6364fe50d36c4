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

// Target roles, in report column order.
const (
	Meridian = "meridian"
	Redis    = "redis"
	Floor    = "floor"
)

// Config describes one benchmark session.
type Config struct {
	Targets        []TargetSpec  // run in this order in round 0, rotated after
	RedisBenchmark string        // redis-benchmark binary
	Tests          []string      // redis-benchmark -t names: set, get, incr, ...
	Pipelines      []int         // -P depths
	Clients        int           // -c
	Requests       int           // -n
	Rounds         int           // repetitions; medians are reported
	Threads        int           // redis-benchmark --threads; 0 = not passed
	RunTimeout     time.Duration // limit for one redis-benchmark invocation
	ReadyTimeout   time.Duration // limit for a target to answer PING
	Log            *slog.Logger
}

// slot is one (test, pipeline) pair; a redis-benchmark invocation runs one
// -t test at one depth against one target, so CPU time is attributed to
// that test alone.
type slot struct {
	test     string
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
	if cfg.Rounds < 1 {
		cfg.Rounds = 1
	}
	if cfg.RunTimeout <= 0 {
		cfg.RunTimeout = 10 * time.Minute
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 15 * time.Second
	}
	rb, err := ResolveBinary(cfg.RedisBenchmark)
	if err != nil {
		return nil, &MissingBenchmarkError{Bin: cfg.RedisBenchmark, Err: err}
	}

	rep := &Report{}
	infos := make(map[string]*TargetInfo, len(cfg.Targets))
	var procs []*Proc
	defer func() {
		for _, p := range procs {
			p.Stop(5 * time.Second)
		}
	}()
	for _, spec := range cfg.Targets {
		ti := &TargetInfo{Name: spec.Name, Bin: spec.Bin, Args: spec.Args}
		rep.Targets = append(rep.Targets, ti)
		infos[spec.Name] = ti
		if spec.Bin == "" {
			ti.Status, ti.Note = StatusSkipped, "disabled (no binary given)"
			log.Warn("target skipped", "target", spec.Name, "reason", ti.Note)
			continue
		}
		if _, err := ResolveBinary(spec.Bin); err != nil {
			ti.Status, ti.Note = StatusSkipped, fmt.Sprintf("binary %s not found", spec.Bin)
			log.Warn("target skipped", "target", spec.Name, "reason", ti.Note)
			continue
		}
		p, err := Start(ctx, spec, cfg.ReadyTimeout)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			ti.Status, ti.Note = StatusFailed, "failed to start: "+err.Error()
			log.Error("target failed to start", "target", spec.Name, "err", err)
			continue
		}
		ti.Status, ti.Bin, ti.Args, ti.Port, ti.PID = StatusOK, p.Bin, p.Args, p.Port, p.PID()
		log.Info("target up", "target", spec.Name, "pid", p.PID(), "addr", p.Addr(), "cmd", ShellQuote(append([]string{p.Bin}, p.Args...)))
		procs = append(procs, p)
	}
	if len(procs) == 0 {
		return rep, errors.New("no target could be started")
	}

	var slots []slot
	for _, pl := range cfg.Pipelines {
		for _, t := range cfg.Tests {
			slots = append(slots, slot{test: t, pipeline: pl})
		}
	}
	rows := newRowSet()
	for round := 0; round < cfg.Rounds; round++ {
		for si, sl := range slots {
			for _, p := range Rotate(procs, round+si) {
				if exited, _ := p.Exited(); exited {
					continue // noted when it was found dead
				}
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				res, cpu, err := runOnce(ctx, rb, cfg, p, sl)
				if err != nil {
					if ctx.Err() != nil {
						return nil, ctx.Err()
					}
					ti := infos[p.Spec.Name]
					if exited, werr := p.Exited(); exited {
						ti.Status = StatusFailed
						ti.Note = fmt.Sprintf("died during %s -P %d round %d (%v)%s", sl.test, sl.pipeline, round+1, werr, p.logTail(5))
						log.Error("target died", "target", p.Spec.Name, "test", sl.test, "pipeline", sl.pipeline, "round", round+1, "err", err)
					} else {
						rows.addError(sl, p.Spec.Name, fmt.Sprintf("round %d: %v", round+1, err))
						log.Error("redis-benchmark failed", "target", p.Spec.Name, "test", sl.test, "pipeline", sl.pipeline, "round", round+1, "err", err)
					}
					continue
				}
				perRow := float64(cfg.Requests) * float64(len(res))
				for _, r := range res {
					s := Sample{Round: round + 1, RPS: r.RPS, AvgMs: r.AvgMs, P50Ms: r.P50Ms, P99Ms: r.P99Ms, MaxMs: r.MaxMs, CPUSecPer1M: -1}
					if cpu >= 0 && perRow > 0 {
						s.CPUSecPer1M = math.Round(cpu/perRow*1e6*1e4) / 1e4
					}
					rows.add(r.Test, sl.pipeline, p.Spec.Name, s)
					log.Info("run", "round", round+1, "P", sl.pipeline, "test", r.Test, "target", p.Spec.Name,
						"rps", fmt.Sprintf("%.0f", r.RPS), "p50_ms", r.P50Ms, "p99_ms", r.P99Ms,
						"cpu_s_per_1M", fmt.Sprintf("%.2f", s.CPUSecPer1M))
				}
			}
		}
	}

	for _, p := range procs {
		if exited, _ := p.Exited(); exited {
			continue
		}
		if m, err := ReadMemory(p.PID()); err == nil {
			infos[p.Spec.Name].Memory = m
		}
	}
	rep.Rows = rows.finish()
	return rep, nil
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
func BenchmarkArgs(cfg Config, port int, test string, pipeline int) []string {
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-c", strconv.Itoa(cfg.Clients), "-n", strconv.Itoa(cfg.Requests),
		"-P", strconv.Itoa(pipeline), "-t", test, "--csv"}
	if cfg.Threads > 0 {
		args = append(args, "--threads", strconv.Itoa(cfg.Threads))
	}
	return args
}

// runOnce runs redis-benchmark for one slot against p and returns the CSV
// rows plus the CPU seconds the target burnt meanwhile (-1 if unreadable).
func runOnce(ctx context.Context, rb string, cfg Config, p *Proc, sl slot) ([]Result, float64, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.RunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, rb, BenchmarkArgs(cfg, p.Port, sl.test, sl.pipeline)...)
	cmd.SysProcAttr = childAttr()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second

	cpu0, err0 := ReadCPUSeconds(p.PID())
	err := cmd.Run()
	cpu1, err1 := ReadCPUSeconds(p.PID())
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %v", cfg.RunTimeout)
		}
		return nil, 0, fmt.Errorf("%w: %s", err, lastLine(stderr.String()+stdout.String()))
	}
	res, err := ParseCSV(&stdout)
	if err != nil {
		return nil, 0, fmt.Errorf("%w (stderr: %s)", err, lastLine(stderr.String()))
	}
	if len(res) == 0 {
		return nil, 0, fmt.Errorf("no results (unknown test %q?) %s", sl.test, lastLine(stderr.String()))
	}
	cpu := -1.0
	if err0 == nil && err1 == nil {
		cpu = cpu1 - cpu0
	}
	return res, cpu, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, "\r\n"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// rowSet accumulates samples per (redis-benchmark test name, pipeline) in
// order of first appearance.
type rowSet struct {
	order []rowKey
	rows  map[rowKey]*Row
}

type rowKey struct {
	test     string
	pipeline int
}

func newRowSet() *rowSet { return &rowSet{rows: map[rowKey]*Row{}} }

func (rs *rowSet) row(test string, pipeline int) *Row {
	k := rowKey{test, pipeline}
	r, ok := rs.rows[k]
	if !ok {
		r = &Row{Test: test, Pipeline: pipeline, Targets: map[string]*Cell{}}
		rs.rows[k] = r
		rs.order = append(rs.order, k)
	}
	return r
}

func (rs *rowSet) cell(test string, pipeline int, target string) *Cell {
	r := rs.row(test, pipeline)
	c, ok := r.Targets[target]
	if !ok {
		c = &Cell{}
		r.Targets[target] = c
	}
	return c
}

func (rs *rowSet) add(test string, pipeline int, target string, s Sample) {
	c := rs.cell(test, pipeline, target)
	c.Rounds = append(c.Rounds, s)
}

// addError files a failed run under the slot's -t name (upper-cased, which
// is what redis-benchmark prints for single-row tests).
func (rs *rowSet) addError(sl slot, target, msg string) {
	c := rs.cell(strings.ToUpper(sl.test), sl.pipeline, target)
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
