package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The replication benchmark: what active-active costs a region that takes
// writes, how far behind the other regions are, and how many bytes a write
// costs on the links. It loads region 1 of a running database with
// redis-benchmark and compares with the same server started without
// replication; see RunRepl for the phases and ReplReport for the figures.
//
// The database is started by the caller (cmd/meridian-bench-repl uses
// tools/regions) and handed over as addresses, so this package needs
// nothing of the server's but its RESP surface: AA STATUS, AA WAIT and
// INFO.

// Target names of the replication benchmark.
const (
	Replicated = "replicated" // region 1 of the running database
	Single     = "single"     // the same binary with replication off
)

// benchValueSize is redis-benchmark's default -d: SET values of 3 bytes.
const benchValueSize = 3

// ReplConfig describes one replication benchmark session.
type ReplConfig struct {
	// Regions are the RESP addresses of a running database's regions.
	// The load goes to the first; lag probes go from the first to the
	// second. At least two.
	Regions []string
	// Single is the same server with replication off; RunRepl starts and
	// stops it. Its Args may use {port}.
	Single         TargetSpec
	RedisBenchmark string
	Tests          []string // redis-benchmark -t names (write tests: set, incr, ...)
	Pipelines      []int
	Clients        int
	Requests       int // -n per run
	Rounds         int
	Threads        int // redis-benchmark --threads; 0: not passed
	// Warmup is the SETs (-P 16) written to region 1, and to the single
	// server, before the first round; -1 writes enough to fill region 1's
	// backlog (AA STATUS backlog_bytes / 80), 0 none. A region that has
	// run for a while has a full backlog, and the cost of reading it for
	// the peers can depend on how full it is: rounds measured while it
	// fills would not be comparable with each other.
	Warmup int
	// KeySpace is redis-benchmark's -r: writes spread over this many
	// keys, so they spread over partitions as real traffic does (without
	// -r every SET hits one key, one partition). 0 leaves -r out.
	KeySpace int
	// Probes per lag phase, sent about ProbeInterval apart.
	Probes        int
	ProbeInterval time.Duration
	// LoadFraction of the replicated SET -P 1 throughput is the paced
	// background load of the "load" lag phase, from LoadConns connections.
	LoadFraction float64
	LoadConns    int
	RunTimeout   time.Duration // limit for one redis-benchmark run
	DrainTimeout time.Duration // limit for the other regions to catch up after a run
	Log          *slog.Logger
}

// RunRepl runs the phases and returns the report (without Meta, which the
// caller fills):
//
//  1. Throughput. For every round and every (test, pipeline) it runs
//     redis-benchmark once against region 1 and once against the single
//     server, in alternating order (A B, then B A: drift cancels). After a
//     region 1 run it waits, with AA WAIT, until every other region has
//     all of its writes (the drain), so the next run starts level and the
//     CPU figures include the other regions' applying. The AA STATUS
//     counters of region 1 before and after give the deltas and bytes the
//     run put on each link.
//  2. Lag, idle: probes from region 1 to region 2 with nothing else going.
//  3. Lag under load: the same while region 1 takes a paced SET load at
//     LoadFraction of its measured SET -P 1 throughput.
//
// The single server is stopped on every return path, including
// cancellation of ctx.
func RunRepl(ctx context.Context, cfg ReplConfig) (*ReplReport, error) {
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	if len(cfg.Regions) < 2 {
		return nil, errors.New("repl: need at least two regions")
	}
	cfg.Rounds = max(cfg.Rounds, 1)
	if cfg.RunTimeout <= 0 {
		cfg.RunTimeout = 10 * time.Minute
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = time.Minute
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = 10 * time.Millisecond
	}
	rb, err := ResolveBinary(cfg.RedisBenchmark)
	if err != nil {
		return nil, &MissingBenchmarkError{Bin: cfg.RedisBenchmark, Err: err}
	}

	regions := make([]*regionConn, len(cfg.Regions))
	for i, addr := range cfg.Regions {
		rc, err := dialRegion(ctx, addr)
		if err != nil {
			return nil, fmt.Errorf("region %d: %w", i+1, err)
		}
		defer rc.c.Close()
		regions[i] = rc
	}
	lead := regions[0]
	if err := waitLinksUp(ctx, regions, 30*time.Second); err != nil {
		return nil, err
	}
	st, err := ReadAAStatus(ctx, lead.c)
	if err != nil {
		return nil, err
	}
	rep := &ReplReport{Setup: ReplSetup{Regions: cfg.Regions, Compression: st.Compression, Peers: len(st.Peers),
		KeySpace: cfg.KeySpace, ValueSize: benchValueSize, Probes: cfg.Probes,
		ProbeIntervalMs: float64(cfg.ProbeInterval) / 1e6, LoadFraction: cfg.LoadFraction, LoadConns: cfg.LoadConns}}
	for _, r := range regions {
		rep.Setup.RegionPIDs = append(rep.Setup.RegionPIDs, r.pid)
	}

	if cfg.Warmup < 0 {
		cfg.Warmup = int(st.BacklogBytes / 80)
	}
	rep.Setup.BacklogBytes = st.BacklogBytes

	single, err := Start(ctx, cfg.Single, 15*time.Second)
	if err != nil {
		return nil, fmt.Errorf("single server: %w", err)
	}
	defer single.Stop(5 * time.Second)
	rep.Setup.Single = TargetInfo{Name: Single, Bin: single.Bin, Args: single.Args, Status: StatusOK, Port: single.Port, PID: single.PID()}
	log.Info("single server up", "pid", single.PID(), "addr", single.Addr())

	if cfg.Warmup > 0 {
		took, err := warmUp(ctx, rb, cfg, lead, single)
		if err != nil {
			return nil, err
		}
		rep.Setup.WarmupWrites, rep.Setup.WarmupSeconds = cfg.Warmup, math.Round(took.Seconds()*10)/10
	}

	rows := newReplRows()
	for round := 0; round < cfg.Rounds; round++ {
		si := 0
		for _, pl := range cfg.Pipelines {
			for _, test := range cfg.Tests {
				for _, which := range Rotate([]string{Replicated, Single}, round+si) {
					if err := ctx.Err(); err != nil {
						return nil, err
					}
					if which == Replicated {
						err = runReplicated(ctx, rb, cfg, regions, test, pl, round, rows, log)
					} else {
						err = runSingle(ctx, rb, cfg, single, test, pl, round, rows, log)
					}
					if ctx.Err() != nil {
						return nil, ctx.Err()
					}
					if err != nil {
						rows.addError(strings.ToUpper(test), pl, which, fmt.Sprintf("round %d: %v", round+1, err))
						log.Error("run failed", "target", which, "test", test, "P", pl, "round", round+1, "err", err)
						if exited, werr := single.Exited(); which == Single && exited {
							return nil, fmt.Errorf("single server died (%v)%s", werr, single.logTail(5))
						}
					}
				}
				si++
			}
		}
	}
	rep.Rows = rows.finish()

	if cfg.Probes > 0 {
		log.Info("lag: idle", "probes", cfg.Probes, "interval", cfg.ProbeInterval)
		idle, err := MeasureLag(ctx, cfg.Regions[0], cfg.Regions[1], cfg.Probes, cfg.ProbeInterval, 5*time.Second)
		idle.Phase = "idle"
		if err != nil {
			idle.Error = err.Error()
		}
		rep.Lag = append(rep.Lag, idle)
		log.Info("lag: idle", "received", idle.Received, "p50_ms", idle.P50Ms, "p99_ms", idle.P99Ms)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if peak := rep.peakSetRPS(); peak > 0 && cfg.LoadFraction > 0 {
			loaded := lagUnderLoad(ctx, cfg, lead, peak*cfg.LoadFraction, log)
			rep.Lag = append(rep.Lag, loaded)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		} else {
			rep.Notes = append(rep.Notes, "lag under load skipped: no replicated SET -P 1 throughput to pace the load from")
		}
	}

	for _, r := range regions {
		m, _ := ReadMemory(r.pid)
		rep.Setup.RegionMemory = append(rep.Setup.RegionMemory, m)
	}
	rep.Setup.Single.Memory, _ = ReadMemory(single.PID())
	return rep, nil
}

// warmUp writes cfg.Warmup pipelined SETs to region 1, waits until the
// other regions have them, and writes as many to the single server, so
// both keyspaces hold the same keys and region 1's backlog is in its
// steady state (full, evicting) when the rounds begin.
func warmUp(ctx context.Context, rb string, cfg ReplConfig, lead *regionConn, single *Proc) (time.Duration, error) {
	start := time.Now()
	wc := cfg
	wc.Requests = cfg.Warmup
	if cfg.Log != nil {
		cfg.Log.Info("warm-up", "sets", cfg.Warmup)
	}
	if _, err := runBenchmark(ctx, rb, benchArgs(wc, lead.port, "set", 16), cfg.RunTimeout); err != nil {
		return 0, fmt.Errorf("warm-up of region 1: %w", err)
	}
	if _, err := drain(ctx, lead, len(cfg.Regions)-1, cfg.DrainTimeout); err != nil {
		return 0, fmt.Errorf("warm-up of region 1: %w", err)
	}
	if _, err := runBenchmark(ctx, rb, benchArgs(wc, single.Port, "set", 16), cfg.RunTimeout); err != nil {
		return 0, fmt.Errorf("warm-up of the single server: %w", err)
	}
	return time.Since(start), nil
}

// regionConn is a client of one region and the region's process id (from
// INFO server), for CPU readings.
type regionConn struct {
	addr string
	port int
	c    *redis.Client
	pid  int
}

func dialRegion(ctx context.Context, addr string) (*regionConn, error) {
	_, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil {
		return nil, fmt.Errorf("port of %s: %w", addr, err)
	}
	c := newClient(addr)
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("INFO server on %s: %w", addr, err)
	}
	pid := 0
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			pid, _ = strconv.Atoi(v)
		}
	}
	if pid == 0 {
		c.Close()
		return nil, fmt.Errorf("INFO server on %s has no process_id", addr)
	}
	return &regionConn{addr: addr, port: port, c: c, pid: pid}, nil
}

// waitLinksUp waits until every region reports every peer link up, so
// the first run does not include the initial syncs.
func waitLinksUp(ctx context.Context, regions []*regionConn, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		down := ""
		for i, r := range regions {
			st, err := ReadAAStatus(ctx, r.c)
			if err != nil {
				return fmt.Errorf("region %d: %w", i+1, err)
			}
			for _, p := range st.Peers {
				if p.State != "up" && down == "" {
					down = fmt.Sprintf("region %d's link from %s is %s", i+1, p.Name, p.State)
				}
			}
		}
		if down == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("links not up after %v: %s", timeout, down)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// drain waits until every other region has every write region r has
// taken so far (AA WAIT in bites the client's read timeout allows) and
// returns how long that took.
func drain(ctx context.Context, r *regionConn, peers int, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		n, err := r.c.Do(ctx, "AA", "WAIT", peers, 2000).Int()
		if err != nil {
			return time.Since(start), fmt.Errorf("AA WAIT: %w", err)
		}
		if n >= peers {
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			return time.Since(start), fmt.Errorf("only %d of %d regions caught up within %v", n, peers, timeout)
		}
	}
}

func benchArgs(cfg ReplConfig, port int, test string, pipeline int) []string {
	args := BenchmarkArgs(Config{Clients: cfg.Clients, Requests: cfg.Requests, Threads: cfg.Threads}, port, test, pipeline)
	if cfg.KeySpace > 0 {
		args = append(args, "-r", strconv.Itoa(cfg.KeySpace))
	}
	return args
}

// runBenchmark runs one redis-benchmark invocation and parses its CSV.
func runBenchmark(ctx context.Context, rb string, args []string, timeout time.Duration) ([]Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, rb, args...)
	cmd.SysProcAttr = childAttr()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %v", timeout)
		}
		return nil, fmt.Errorf("%w: %s", err, lastLine(stderr.String()+stdout.String()))
	}
	res, err := ParseCSV(&stdout)
	if err != nil {
		return nil, fmt.Errorf("%w (stderr: %s)", err, lastLine(stderr.String()))
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no results %s", lastLine(stderr.String()))
	}
	return res, nil
}

// cpuOf sums the CPU seconds of pids; -1 if any is unreadable.
func cpuOf(pids ...int) float64 {
	sum := 0.0
	for _, p := range pids {
		s, err := ReadCPUSeconds(p)
		if err != nil {
			return -1
		}
		sum += s
	}
	return sum
}

// perMillion turns CPU seconds over requests into seconds per million
// requests, rounded to 4 decimals; -1 stays -1.
func perMillion(cpu float64, requests int) float64 {
	if cpu < 0 || requests <= 0 {
		return -1
	}
	return math.Round(cpu/float64(requests)*1e6*1e4) / 1e4
}

func runReplicated(ctx context.Context, rb string, cfg ReplConfig, regions []*regionConn, test string, pl, round int, rows *replRows, log *slog.Logger) error {
	lead := regions[0]
	pids := make([]int, len(regions))
	for i, r := range regions {
		pids[i] = r.pid
	}
	before, err := ReadAAStatus(ctx, lead.c)
	if err != nil {
		return err
	}
	cpuLead0, cpuAll0 := cpuOf(lead.pid), cpuOf(pids...)
	res, err := runBenchmark(ctx, rb, benchArgs(cfg, lead.port, test, pl), cfg.RunTimeout)
	if err != nil {
		return err
	}
	dur, derr := drain(ctx, lead, len(before.Peers), cfg.DrainTimeout)
	cpuLead1, cpuAll1 := cpuOf(lead.pid), cpuOf(pids...)
	after, err := ReadAAStatus(ctx, lead.c)
	if err != nil {
		return err
	}
	w := WireSample{Writes: int64(cfg.Requests), Peers: len(before.Peers)}
	for _, p := range after.Peers {
		b := before.Peer(p.Name)
		if b == nil {
			continue
		}
		w.Deltas += p.DeltasOut - b.DeltasOut
		w.Bytes += p.BytesOut - b.BytesOut
		w.RawBytes += p.BytesOutRaw - b.BytesOutRaw
	}
	s := ReplSample{Round: round + 1, DrainMs: float64(dur.Microseconds()) / 1000, Wire: &w}
	s.CPULeadSecPer1M = perMillion(diffCPU(cpuLead0, cpuLead1), cfg.Requests)
	s.CPUAllSecPer1M = perMillion(diffCPU(cpuAll0, cpuAll1), cfg.Requests)
	for _, r := range res {
		s.RPS, s.AvgMs, s.P50Ms, s.P99Ms, s.MaxMs = r.RPS, r.AvgMs, r.P50Ms, r.P99Ms, r.MaxMs
		rows.add(r.Test, pl, Replicated, test, s)
		log.Info("run", "round", round+1, "P", pl, "test", r.Test, "target", Replicated,
			"rps", fmt.Sprintf("%.0f", r.RPS), "p99_ms", r.P99Ms, "drain_ms", fmt.Sprintf("%.1f", s.DrainMs),
			"deltas", w.Deltas, "wire_bytes", w.Bytes, "raw_bytes", w.RawBytes)
	}
	if derr != nil {
		return fmt.Errorf("drain: %w", derr)
	}
	return nil
}

func runSingle(ctx context.Context, rb string, cfg ReplConfig, p *Proc, test string, pl, round int, rows *replRows, log *slog.Logger) error {
	cpu0 := cpuOf(p.PID())
	res, err := runBenchmark(ctx, rb, benchArgs(cfg, p.Port, test, pl), cfg.RunTimeout)
	if err != nil {
		return err
	}
	cpu1 := cpuOf(p.PID())
	s := ReplSample{Round: round + 1, CPULeadSecPer1M: perMillion(diffCPU(cpu0, cpu1), cfg.Requests)}
	s.CPUAllSecPer1M = s.CPULeadSecPer1M
	for _, r := range res {
		s.RPS, s.AvgMs, s.P50Ms, s.P99Ms, s.MaxMs = r.RPS, r.AvgMs, r.P50Ms, r.P99Ms, r.MaxMs
		rows.add(r.Test, pl, Single, test, s)
		log.Info("run", "round", round+1, "P", pl, "test", r.Test, "target", Single,
			"rps", fmt.Sprintf("%.0f", r.RPS), "p99_ms", r.P99Ms)
	}
	return nil
}

func diffCPU(a, b float64) float64 {
	if a < 0 || b < 0 {
		return -1
	}
	return b - a
}

// lagUnderLoad runs the lag probes while region 1 takes a paced SET load
// of rate ops/s, then lets the other regions catch up.
func lagUnderLoad(ctx context.Context, cfg ReplConfig, lead *regionConn, rate float64, log *slog.Logger) LagResult {
	res := LagResult{Phase: "load", From: cfg.Regions[0], To: cfg.Regions[1], LoadTargetOps: math.Round(rate)}
	conns := max(cfg.LoadConns, 1)
	keyspace := max(cfg.KeySpace, 1)
	log.Info("lag: under load", "probes", cfg.Probes, "target_ops", res.LoadTargetOps, "conns", conns)
	load, err := StartPacedLoad(ctx, cfg.Regions[0], rate, conns, keyspace, benchValueSize)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	// Let the load settle before the first probe.
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
	lag, lagErr := MeasureLag(ctx, cfg.Regions[0], cfg.Regions[1], cfg.Probes, cfg.ProbeInterval, 5*time.Second)
	achieved, errReplies, loadErr := load.Stop()
	lag.Phase, lag.LoadTargetOps = res.Phase, res.LoadTargetOps
	lag.LoadAchievedOps, lag.LoadErrors = math.Round(achieved), errReplies
	if err := errors.Join(lagErr, loadErr); err != nil {
		lag.Error = err.Error()
	}
	if _, err := drain(ctx, lead, len(cfg.Regions)-1, cfg.DrainTimeout); err != nil && lag.Error == "" {
		lag.Error = "drain after load: " + err.Error()
	}
	log.Info("lag: under load", "received", lag.Received, "p50_ms", lag.P50Ms, "p99_ms", lag.P99Ms,
		"load_ops", lag.LoadAchievedOps)
	return lag
}
