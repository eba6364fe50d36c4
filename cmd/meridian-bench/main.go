// Command meridian-bench runs Meridian side by side with redis-server and
// the do-nothing floor server and reports how they compare. The targets
// (--targets) are meridian (one meridian-server), meridian-aa3 (region 1
// of a 3-region database whose other two regions are running, started
// through tools/regions), redis and floor.
//
// It has three modes:
//
//   - the default: throughput, latency and CPU per test and pipeline
//     depth, from redis-benchmark, from our Go load generator (--load go),
//     or both (--load redis-benchmark,go); writes docs/benchmarks/latest.md
//     and latest.json.
//
//   - --curve: throughput and p99 against pipeline depth and against the
//     number of connections, from the Go generator; writes
//     docs/benchmarks/curve.md, curve.json and the chart curve.svg.
//
//   - --memory: RSS and INFO used_memory for 1M small string keys and for
//     1M-element sets, sorted sets, hashes and lists; writes
//     docs/benchmarks/memory.md and memory.json.
//
// Usage:
//
//	meridian-bench [--targets meridian,meridian-aa3,redis,floor] [--load redis-benchmark,go]
//	               [--tests set,get,incr] [--pipelines 1,16] [--clients 50] [--requests 200000] [--rounds 3]
//	               [--workloads 1:10] [--duration 5s] [--key-space 100000] [--key-pattern random] [--value-size 32]
//	meridian-bench --curve [--curve-pipelines 1,4,16,64] [--curve-clients 10,50,200] [--duration 2s]
//	meridian-bench --memory [--mem-keys 1000000] [--mem-elements 1000000] [--datasets strings,set,zset,hash,list]
//
// Each target's arguments are a template where {port} is the free port
// chosen (see --meridian-args, --redis-args, --floor-args; --aa3-args are
// added to every region's). Pass an empty binary (--floor "") or leave a
// name out of --targets to leave a target out. Progress goes to stderr,
// the markdown report to stdout and --out, the full data to --json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/meridiandb/meridian/bench"
)

func main() { os.Exit(run()) }

// opts is the parsed command line.
type opts struct {
	fs *flag.FlagSet

	meridianBin, meridianArgs string
	aa3Args                   string
	loops                     int
	redisBin, redisArgs       string
	floorBin, floorArgs       string
	targets                   []string
	logDir                    string

	rbBin      string
	loads      []string
	tests      []string
	pipelines  []int
	clients    int
	requests   int
	rounds     int
	threads    int
	runTimeout time.Duration
	drain      time.Duration

	workloads   [][2]int
	goPipelines []int
	goClients   int
	goThreads   int
	keySpace    int
	pattern     string
	valueSize   int
	duration    time.Duration
	goRequests  int64
	prefill     bool
	seed        uint64

	curve          bool
	curvePipelines []int
	curveClients   []int
	curveWorkload  [2]int

	memory      bool
	memKeys     int
	memElements int
	datasets    []string

	out, jsonOut, svgOut string
}

func run() int {
	o, code := parseFlags(os.Args[1:])
	if o == nil {
		return code
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	needRB := !o.curve && !o.memory && slices.Contains(o.loads, bench.LoadRedisBenchmark)
	if needRB {
		if _, err := bench.ResolveBinary(o.rbBin); err != nil {
			fmt.Fprintf(os.Stderr, "meridian-bench: %v\n", &bench.MissingBenchmarkError{Bin: o.rbBin, Err: err})
			return 1
		}
	}
	rbForVersion := ""
	if needRB {
		rbForVersion = o.rbBin
	}
	redisForVersion := ""
	if p, err := bench.ResolveBinary(o.redisBin); err == nil && o.redisBin != "" {
		redisForVersion = p
	}
	meta := bench.HostMeta(redisForVersion, rbForVersion)
	if o.loops < 0 {
		// The load generator runs on this machine and needs a core: a
		// server loop that competes with it for one queues every reply
		// (docs/benchmarks/changes.md). Redis runs one thread here too.
		o.loops = max(1, meta.NProc-1)
	}
	meta.EventLoops = o.loops
	meta.Command = "meridian-bench"
	if len(os.Args) > 1 {
		meta.Command += " " + bench.ShellQuote(os.Args[1:])
	}
	if _, one := bench.LoadAvg(); one > float64(meta.NProc)/4 {
		log.Warn("machine is busy before the benchmark; figures will be noisy", "loadavg", meta.LoadAvgStart, "nproc", meta.NProc)
	}

	aa3Extra, _ := bench.SplitArgs(o.aa3Args)
	if o.loops > 0 {
		aa3Extra = append(aa3Extra, "--event-loops", strconv.Itoa(o.loops))
	}
	if o.memory {
		// DEBUG POPULATE fills the string keys.
		aa3Extra = append(aa3Extra, "--enable-debug-command", "local")
	}
	launcher, err := newRegionLauncher(o.meridianBin, aa3Extra, o.logDir)
	if err != nil {
		log.Error("region log directory", "err", err)
		return 1
	}
	specs, err := o.specs(launcher)
	if err != nil {
		fmt.Fprintf(os.Stderr, "meridian-bench: %v\n", err)
		return 2
	}

	start := time.Now()
	var (
		write func() error
		md    string
		paths []string
	)
	switch {
	case o.curve:
		rep, rerr := bench.RunCurve(ctx, bench.CurveConfig{
			Targets: specs, Pipelines: o.curvePipelines, ClientCounts: o.curveClients, Workload: o.curveWorkload,
			Spec: o.loadSpec(), BaseClients: o.goClients, Rounds: o.rounds, Prefill: o.prefill, SettleTimeout: o.drain, Log: log,
		})
		err = rerr
		if rep != nil {
			rep.Meta = o.finishMeta(meta)
			rep.Notes = append(rep.Notes, launcher.finish(log)...)
			addBusyNote(&rep.Notes, meta)
			link := svgLink(o.out, o.svgOut)
			md = rep.Markdown(link)
			write = func() error { return rep.WriteFiles(o.out, o.jsonOut, o.svgOut, link) }
			paths = []string{o.out, o.jsonOut, o.svgOut}
		}
	case o.memory:
		rep, rerr := bench.RunMemory(ctx, bench.MemoryConfig{
			Targets: specs, Keys: o.memKeys, Elements: o.memElements, Datasets: o.datasets, SettleTimeout: o.drain, Log: log,
		})
		err = rerr
		if rep != nil {
			rep.Meta = o.finishMeta(meta)
			rep.Notes = append(rep.Notes, launcher.finish(log)...)
			addBusyNote(&rep.Notes, meta)
			md = rep.Markdown()
			write = func() error { return rep.WriteFiles(o.out, o.jsonOut) }
			paths = []string{o.out, o.jsonOut}
		}
	default:
		cfg := bench.Config{
			Targets: specs, RedisBenchmark: o.rbBin, Pipelines: o.pipelines, Clients: o.clients,
			Requests: o.requests, Rounds: o.rounds, Threads: o.threads, RunTimeout: o.runTimeout, SettleTimeout: o.drain, Log: log,
		}
		if slices.Contains(o.loads, bench.LoadRedisBenchmark) {
			cfg.Tests = o.tests
		}
		if slices.Contains(o.loads, bench.LoadGo) {
			cfg.Go = &bench.GoLoad{Workloads: o.workloads, Pipelines: o.goPipelines, Spec: o.loadSpec(), Prefill: o.prefill}
		}
		rep, rerr := bench.Run(ctx, cfg)
		err = rerr
		var missing *bench.MissingBenchmarkError
		if errors.As(err, &missing) {
			fmt.Fprintf(os.Stderr, "meridian-bench: %v\n", err)
			return 1
		}
		if rep != nil {
			meta.Tests, meta.Pipelines, meta.Clients, meta.Requests, meta.Rounds, meta.Threads =
				cfg.Tests, o.pipelines, o.clients, o.requests, o.rounds, o.threads
			meta.Loads = o.loads
			if cfg.Go != nil {
				meta.Go = cfg.Go.Meta()
			}
			if len(cfg.Tests) == 0 {
				meta.Tests, meta.Pipelines, meta.Requests = nil, nil, 0
			}
			meta.LoadAvgEnd, _ = bench.LoadAvg()
			rep.Meta = meta
			rep.Notes = append(rep.Notes, launcher.finish(log)...)
			addBusyNote(&rep.Notes, meta)
			md = rep.Markdown()
			write = func() error { return rep.WriteFiles(o.out, o.jsonOut) }
			paths = []string{o.out, o.jsonOut}
		}
	}
	if ctx.Err() != nil {
		launcher.finish(log)
		log.Error("interrupted; targets stopped, no report written")
		return 130
	}
	if write == nil {
		launcher.finish(log)
		log.Error("benchmark failed", "err", err)
		return 1
	}
	fmt.Print(md)
	if werr := write(); werr != nil {
		log.Error("writing report", "err", werr)
		return 1
	}
	for _, p := range paths {
		if p != "" {
			abs, _ := filepath.Abs(p)
			log.Info("wrote", "path", abs)
		}
	}
	log.Info("done", "elapsed", time.Since(start).Round(time.Second))
	if err != nil {
		log.Error("benchmark failed", "err", err)
		return 1
	}
	return 0
}

// svgLink is the chart's path as the markdown at mdPath links it:
// relative to the markdown's directory, or as given without a markdown.
func svgLink(mdPath, svgPath string) string {
	if svgPath == "" {
		return ""
	}
	if mdPath == "" {
		return svgPath
	}
	a, err1 := filepath.Abs(filepath.Dir(mdPath))
	b, err2 := filepath.Abs(svgPath)
	if err1 != nil || err2 != nil {
		return svgPath
	}
	rel, err := filepath.Rel(a, b)
	if err != nil {
		return svgPath
	}
	return filepath.ToSlash(rel)
}

// addBusyNote notes a machine that was busy before the first run: the
// figures are then the servers' share of a contended machine.
func addBusyNote(notes *[]string, m bench.Meta) {
	f := strings.Fields(m.LoadAvgStart)
	if len(f) == 0 {
		return
	}
	if one, err := strconv.ParseFloat(f[0], 64); err == nil && one > float64(m.NProc)/4 {
		*notes = append(*notes, fmt.Sprintf("the machine was busy when the run began (load average %s on %d CPUs): the figures are noisy, read them as indicative",
			m.LoadAvgStart, m.NProc))
	}
}

// finishMeta completes the session description of the curve and memory
// reports.
func (o *opts) finishMeta(m bench.Meta) bench.Meta {
	m.Rounds = o.rounds
	m.LoadAvgEnd, _ = bench.LoadAvg()
	if o.curve {
		m.Loads = []string{bench.LoadGo}
		m.Go = (&bench.GoLoad{Workloads: [][2]int{o.curveWorkload}, Pipelines: o.curvePipelines, Spec: o.loadSpec(), Prefill: o.prefill}).Meta()
		m.Go.Clients = o.goClients
	}
	return m
}

// loadSpec is the Go generator's load apart from the mix and the depth.
func (o *opts) loadSpec() bench.LoadSpec {
	return bench.LoadSpec{Clients: o.goClients, Threads: o.goThreads, KeySpace: o.keySpace, Pattern: o.pattern,
		ValueSize: o.valueSize, Duration: o.duration, Requests: o.goRequests, Seed: o.seed}
}

// specs builds the targets named by --targets, in report order.
func (o *opts) specs(launcher *regionLauncher) ([]bench.TargetSpec, error) {
	debug := []string{}
	if o.memory {
		debug = []string{"--enable-debug-command", "local"}
	}
	var specs []bench.TargetSpec
	for _, name := range bench.TargetOrder {
		if !slices.Contains(o.targets, name) {
			continue
		}
		var bin, args string
		switch name {
		case bench.Meridian:
			bin, args = o.meridianBin, o.meridianArgs
		case bench.MeridianAA3:
			specs = append(specs, bench.TargetSpec{Name: name, Bin: o.meridianBin, Launch: launcher.launch})
			continue
		case bench.Redis:
			bin, args = o.redisBin, o.redisArgs
		case bench.Floor:
			if o.memory {
				continue // the floor keeps nothing: no memory to compare
			}
			bin, args = o.floorBin, o.floorArgs
		}
		a, err := bench.SplitArgs(args)
		if err != nil {
			return nil, fmt.Errorf("--%s-args: %v", name, err)
		}
		if name != bench.Floor {
			a = append(a, debug...)
		}
		if o.loops > 0 {
			switch name {
			case bench.Meridian:
				a = append(a, "--event-loops", strconv.Itoa(o.loops))
			case bench.Floor:
				a = append(a, "--loops", strconv.Itoa(o.loops))
			}
		}
		specs = append(specs, bench.TargetSpec{Name: name, Bin: bin, Args: a})
	}
	return specs, nil
}

func parseFlags(argv []string) (*opts, int) {
	fs := flag.NewFlagSet("meridian-bench", flag.ContinueOnError)
	o := &opts{fs: fs}
	var (
		targets, loads, tests, pipelines, workloads, goPipelines, pattern string
		curvePipelines, curveClients, curveWorkload, datasets             string
	)
	fs.StringVar(&o.meridianBin, "meridian", "bin/meridian-server", "meridian-server binary, for meridian and meridian-aa3 (empty: leave both out)")
	fs.StringVar(&o.meridianArgs, "meridian-args", "--port {port} --bind 127.0.0.1", "meridian-server arguments; {port} is replaced")
	fs.StringVar(&o.aa3Args, "aa3-args", "", "extra meridian-server arguments for every region of meridian-aa3")
	fs.IntVar(&o.loops, "loops", -1, "event loops of meridian (every region) and the floor; 0: their default (one per CPU); -1: one per CPU but one, left to the load generator on this machine")
	fs.StringVar(&o.redisBin, "redis", "/usr/bin/redis-server", "redis-server binary (empty: leave out)")
	fs.StringVar(&o.redisArgs, "redis-args", `--port {port} --bind 127.0.0.1 --save "" --appendonly no`, "redis-server arguments; {port} is replaced")
	fs.StringVar(&o.floorBin, "floor", "bin/meridian-floor", "meridian-floor binary (empty: leave out)")
	fs.StringVar(&o.floorArgs, "floor-args", "--port {port} --bind 127.0.0.1", "meridian-floor arguments; {port} is replaced")
	fs.StringVar(&targets, "targets", strings.Join(bench.TargetOrder, ","), "comma-separated targets: meridian, meridian-aa3, redis, floor")
	fs.StringVar(&o.logDir, "logs", "", "directory for meridian-aa3's region logs (empty: a temporary one, kept only when a region crashed)")

	fs.StringVar(&o.rbBin, "redis-benchmark", "redis-benchmark", "redis-benchmark binary")
	fs.StringVar(&loads, "load", bench.LoadRedisBenchmark, "load tools, comma-separated: redis-benchmark, go")
	fs.StringVar(&tests, "tests", "set,get,incr", "comma-separated redis-benchmark -t tests")
	fs.StringVar(&pipelines, "pipelines", "1,16", "comma-separated pipeline depths (-P)")
	fs.IntVar(&o.clients, "clients", 50, "parallel connections (-c; also the Go generator's default)")
	fs.IntVar(&o.requests, "requests", 200000, "redis-benchmark requests per run (-n)")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds; medians across rounds are reported")
	fs.IntVar(&o.threads, "threads", 0, "redis-benchmark --threads (0: not passed, single-threaded client)")
	fs.DurationVar(&o.runTimeout, "timeout", 10*time.Minute, "limit for one redis-benchmark run")
	fs.DurationVar(&o.drain, "drain-timeout", 2*time.Minute, "limit for meridian-aa3's other regions to catch up after a run or a load (a drain without progress for 30s fails sooner)")

	fs.StringVar(&workloads, "workloads", "1:10", "Go generator: comma-separated SET:GET ratios, one row each (1:0 is SET only, 0:1 GET only)")
	fs.StringVar(&goPipelines, "go-pipelines", "", "Go generator: pipeline depths (empty: --pipelines)")
	fs.IntVar(&o.goClients, "go-clients", 0, "Go generator: connections (0: --clients)")
	fs.IntVar(&o.goThreads, "go-threads", 0, "Go generator: GOMAXPROCS during its runs (0: unchanged)")
	fs.IntVar(&o.keySpace, "key-space", 100000, "Go generator: keys key:000000000000 .. N-1")
	fs.StringVar(&pattern, "key-pattern", bench.PatternRandom, "Go generator: random, sequential or gaussian (memtier's R, S, G)")
	fs.IntVar(&o.valueSize, "value-size", 32, "Go generator: SET value bytes")
	fs.DurationVar(&o.duration, "duration", 0, "Go generator: time per run (default 5s; 2s with --curve)")
	fs.Int64Var(&o.goRequests, "go-requests", 0, "Go generator: requests per run instead of --duration (0: use the duration)")
	fs.BoolVar(&o.prefill, "prefill", true, "Go generator: write every key once before the first round")
	fs.Uint64Var(&o.seed, "seed", 1, "Go generator: seed of the key sequences (the same for every target)")

	fs.BoolVar(&o.curve, "curve", false, "curve mode: throughput and p99 against pipeline depth and client count (Go generator)")
	fs.StringVar(&curvePipelines, "curve-pipelines", "1,4,16,64", "curve: pipeline depths, at --go-clients connections")
	fs.StringVar(&curveClients, "curve-clients", "10,50,200", "curve: connection counts, at pipeline depth 1")
	fs.StringVar(&curveWorkload, "curve-workload", "1:10", "curve: the SET:GET ratio")
	fs.StringVar(&o.svgOut, "svg", "docs/benchmarks/curve.svg", "curve: chart path (empty: none)")

	fs.BoolVar(&o.memory, "memory", false, "memory mode: RSS and used_memory for 1M keys and 1M-element collections")
	fs.IntVar(&o.memKeys, "mem-keys", 1000000, "memory: string keys (DEBUG POPULATE)")
	fs.IntVar(&o.memElements, "mem-elements", 1000000, "memory: elements of the set, zset, hash and list")
	fs.StringVar(&datasets, "datasets", strings.Join(bench.MemoryDatasets, ","), "memory: comma-separated datasets")

	fs.StringVar(&o.out, "out", "docs/benchmarks/latest.md", "markdown report path (empty: stdout only; curve.md / memory.md in those modes)")
	fs.StringVar(&o.jsonOut, "json", "docs/benchmarks/latest.json", "JSON report path (empty: none; curve.json / memory.json in those modes)")
	if err := fs.Parse(argv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return nil, 2
	}
	bad := func(format string, a ...any) (*opts, int) {
		fmt.Fprintf(os.Stderr, "meridian-bench: "+format+"\n", a...)
		return nil, 2
	}
	if fs.NArg() > 0 {
		return bad("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.curve && o.memory {
		return bad("--curve and --memory are separate runs")
	}
	mode := ""
	switch {
	case o.curve:
		mode = "curve"
	case o.memory:
		mode = "memory"
	}
	if mode != "" {
		if !set["out"] {
			o.out = "docs/benchmarks/" + mode + ".md"
		}
		if !set["json"] {
			o.jsonOut = "docs/benchmarks/" + mode + ".json"
		}
	}
	if o.duration <= 0 {
		o.duration = 5 * time.Second
		if o.curve {
			o.duration = 2 * time.Second
		}
	}

	o.targets = bench.SplitList(targets)
	for _, t := range o.targets {
		if !slices.Contains(bench.TargetOrder, t) {
			return bad("unknown target %q (want %s)", t, strings.Join(bench.TargetOrder, ", "))
		}
	}
	if len(o.targets) == 0 {
		return bad("--targets is empty")
	}
	o.loads = bench.SplitList(loads)
	for _, l := range o.loads {
		if l != bench.LoadRedisBenchmark && l != bench.LoadGo {
			return bad("unknown load %q (want redis-benchmark, go)", l)
		}
	}
	if len(o.loads) == 0 {
		return bad("--load is empty")
	}
	o.tests = bench.SplitList(tests)
	var err error
	if o.pipelines, err = bench.ParseCounts(pipelines); err != nil || len(o.pipelines) == 0 {
		return bad("--pipelines: want positive numbers")
	}
	o.goPipelines = o.pipelines
	if goPipelines != "" {
		if o.goPipelines, err = bench.ParseCounts(goPipelines); err != nil || len(o.goPipelines) == 0 {
			return bad("--go-pipelines: want positive numbers")
		}
	}
	if o.curvePipelines, err = bench.ParseCounts(curvePipelines); err != nil || len(o.curvePipelines) == 0 {
		return bad("--curve-pipelines: want positive numbers")
	}
	if o.curveClients, err = bench.ParseCounts(curveClients); err != nil || len(o.curveClients) == 0 {
		return bad("--curve-clients: want positive numbers")
	}
	for _, w := range bench.SplitList(workloads) {
		s, g, err := bench.ParseRatio(w)
		if err != nil {
			return bad("--workloads: %v", err)
		}
		o.workloads = append(o.workloads, [2]int{s, g})
	}
	if len(o.workloads) == 0 {
		return bad("--workloads is empty")
	}
	if s, g, err := bench.ParseRatio(curveWorkload); err != nil {
		return bad("--curve-workload: %v", err)
	} else {
		o.curveWorkload = [2]int{s, g}
	}
	if o.pattern, err = bench.ParsePattern(pattern); err != nil {
		return bad("--key-pattern: %v", err)
	}
	o.datasets = bench.SplitList(datasets)
	for _, d := range o.datasets {
		if !slices.Contains(bench.MemoryDatasets, d) {
			return bad("unknown dataset %q (want %s)", d, strings.Join(bench.MemoryDatasets, ", "))
		}
	}
	if o.goClients == 0 {
		o.goClients = o.clients
	}
	if o.clients < 1 || o.requests < 1 || o.rounds < 1 || o.goClients < 1 || o.keySpace < 1 || o.valueSize < 0 ||
		o.memKeys < 1 || o.memElements < 1 || o.goRequests < 0 || o.goThreads < 0 {
		return bad("need --clients, --go-clients, --requests, --rounds, --key-space, --mem-keys, --mem-elements >= 1")
	}
	if slices.Contains(o.loads, bench.LoadRedisBenchmark) && len(o.tests) == 0 && mode == "" {
		return bad("--tests is empty")
	}
	return o, 0
}
