// Command meridian-bench-repl measures what active-active replication
// costs: it starts a local database of --regions regions (tools/regions:
// meridian-server processes pulling from each other through chaos links
// that are left healed), loads region 1 with redis-benchmark, and compares
// with the same binary started without replication. It reports throughput
// with and without replication, end-to-end replication lag idle and under
// a paced load, and bytes on the links per write.
//
//	meridian-bench-repl [--meridian bin/meridian-server] [--regions 3] [--tests set,incr] [--pipelines 1,16]
//	                    [--clients 50] [--requests 200000] [--rounds 3] [--keyspace 100000]
//	                    [--probes 300] [--probe-interval 10ms] [--load-fraction 0.5]
//	                    [--out docs/benchmarks/repl.md] [--json docs/benchmarks/repl.json]
//
// Progress goes to stderr, the markdown report to stdout and --out, the
// full data to --json. The regions' logs go to --logs (by default a
// temporary directory, kept only when something failed).
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/meridiandb/meridian/bench"
	"github.com/meridiandb/meridian/tools/regions"
)

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("meridian-bench-repl", flag.ContinueOnError)
	var (
		bin          = fs.String("meridian", "bin/meridian-server", "meridian-server binary")
		nRegions     = fs.Int("regions", 3, "regions in the database (at least 2)")
		compression  = fs.String("compression", "", "--aa-compression for the regions (empty: the server's default)")
		regionArgs   = fs.String("region-args", "", "extra meridian-server arguments for every region and for the single server")
		rbBin        = fs.String("redis-benchmark", "redis-benchmark", "redis-benchmark binary")
		tests        = fs.String("tests", "set,incr", "comma-separated redis-benchmark -t write tests")
		pipelines    = fs.String("pipelines", "1,16", "comma-separated pipeline depths (-P)")
		clients      = fs.Int("clients", 50, "parallel connections (-c)")
		requests     = fs.Int("requests", 200000, "requests per run (-n)")
		rounds       = fs.Int("rounds", 3, "rounds; medians across rounds are reported")
		threads      = fs.Int("threads", 0, "redis-benchmark --threads (0: not passed)")
		keyspace     = fs.Int("keyspace", 100000, "redis-benchmark -r: keys the writes spread over (0: one key)")
		warmup       = fs.Int("warmup", -1, "SETs written before round 1 (-1: enough to fill region 1's replication backlog, 0: none)")
		probes       = fs.Int("probes", 300, "lag probes per phase (0: no lag phases)")
		probeEvery   = fs.Duration("probe-interval", 10*time.Millisecond, "mean gap between lag probes")
		loadFraction = fs.Float64("load-fraction", 0.5, "background load of the loaded lag phase, as a fraction of replicated SET -P 1 ops/s")
		loadConns    = fs.Int("load-conns", 8, "connections of the paced background load")
		runTimeout   = fs.Duration("timeout", 5*time.Minute, "limit for one redis-benchmark run")
		drainTimeout = fs.Duration("drain-timeout", time.Minute, "limit for the other regions to catch up after a run")
		logDir       = fs.String("logs", "", "directory for the regions' logs (empty: a temporary one)")
		out          = fs.String("out", "docs/benchmarks/repl.md", "markdown report path (empty: stdout only)")
		jsonOut      = fs.String("json", "docs/benchmarks/repl.json", "JSON report path (empty: none)")
	)
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "meridian-bench-repl: unexpected arguments %q\n", fs.Args())
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	testList := bench.SplitList(*tests)
	pl, err := bench.ParseCounts(*pipelines)
	if err != nil || len(testList) == 0 || len(pl) == 0 || *nRegions < 2 || *clients < 1 || *requests < 1 || *rounds < 1 || *keyspace < 0 {
		fmt.Fprintln(os.Stderr, "meridian-bench-repl: need --regions >= 2, non-empty --tests and --pipelines, --clients, --requests, --rounds >= 1")
		return 2
	}
	extra, err := bench.SplitArgs(*regionArgs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "meridian-bench-repl: --region-args: %v\n", err)
		return 2
	}
	serverBin, err := bench.ResolveBinary(*bin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "meridian-bench-repl: meridian-server %s: %v (run make build)\n", *bin, err)
		return 1
	}
	if _, err := bench.ResolveBinary(*rbBin); err != nil {
		fmt.Fprintf(os.Stderr, "meridian-bench-repl: %v\n", &bench.MissingBenchmarkError{Bin: *rbBin, Err: err})
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	meta := bench.HostMeta("", *rbBin)
	meta.Command = "meridian-bench-repl"
	if len(os.Args) > 1 {
		meta.Command += " " + bench.ShellQuote(os.Args[1:])
	}
	meta.Tests, meta.Pipelines, meta.Clients, meta.Requests, meta.Rounds, meta.Threads =
		testList, pl, *clients, *requests, *rounds, *threads
	if _, one := bench.LoadAvg(); one > float64(meta.NProc)/4 {
		log.Warn("machine is busy before the benchmark; figures will be noisy", "loadavg", meta.LoadAvgStart, "nproc", meta.NProc)
	}

	dir, keepLogs := *logDir, *logDir != ""
	if dir == "" {
		if dir, err = os.MkdirTemp("", "meridian-bench-repl-"); err != nil {
			log.Error("log directory", "err", err)
			return 1
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Error("log directory", "err", err)
		return 1
	}
	regionExtra := append([]string(nil), extra...)
	if *compression != "" {
		regionExtra = append(regionExtra, "--aa-compression", *compression)
	}
	start := time.Now()
	db, err := regions.Start(regions.Options{Binary: serverBin, N: *nRegions, Database: "bench", Secret: "bench", Dir: dir, Args: regionExtra})
	if err != nil {
		log.Error("starting the regions", "err", err, "logs", dir)
		return 1
	}
	defer db.Stop() // on a panic too; a second Stop is a no-op
	var addrs []string
	for _, r := range db.Regions {
		addrs = append(addrs, r.Addr())
		log.Info("region up", "region", r.Name, "addr", r.Addr())
	}
	rep, err := bench.RunRepl(ctx, bench.ReplConfig{
		Regions:        addrs,
		Single:         bench.TargetSpec{Name: bench.Single, Bin: serverBin, Args: append([]string{"--port", "{port}", "--bind", "127.0.0.1"}, extra...)},
		RedisBenchmark: *rbBin,
		Tests:          testList,
		Pipelines:      pl,
		Clients:        *clients,
		Requests:       *requests,
		Rounds:         *rounds,
		Threads:        *threads,
		KeySpace:       *keyspace,
		Warmup:         *warmup,
		Probes:         *probes,
		ProbeInterval:  *probeEvery,
		LoadFraction:   *loadFraction,
		LoadConns:      *loadConns,
		RunTimeout:     *runTimeout,
		DrainTimeout:   *drainTimeout,
		Log:            log,
	})
	db.Stop() // before reading the logs, so they are complete
	failed := err != nil || !healthyLogs(dir, db, log)
	if failed || keepLogs {
		log.Info("region logs kept", "dir", dir)
	} else {
		_ = os.RemoveAll(dir)
	}
	if ctx.Err() != nil {
		log.Error("interrupted; servers stopped, no report written")
		return 130
	}
	if err != nil {
		log.Error("benchmark failed", "err", err)
		return 1
	}
	meta.LoadAvgEnd, _ = bench.LoadAvg()
	rep.Meta = meta
	if busy(meta.LoadAvgStart, meta.NProc) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("other work was keeping the %d CPUs busy when the run began (load average %s): the figures are noisy",
			meta.NProc, meta.LoadAvgStart))
	}
	rep.Setup.Topology = "each region pulls from every other through its own chaos link (tools/regions) in the harness process, healed: no cut, delay or cap"
	for _, k := range []string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			rep.Setup.ServerEnv = append(rep.Setup.ServerEnv, k+"="+v)
		}
	}
	fmt.Print(rep.Markdown())
	if err := rep.WriteFiles(*out, *jsonOut); err != nil {
		log.Error("writing report", "err", err)
		return 1
	}
	for _, p := range []string{*out, *jsonOut} {
		if p != "" {
			abs, _ := filepath.Abs(p)
			log.Info("wrote", "path", abs)
		}
	}
	log.Info("done", "elapsed", time.Since(start).Round(time.Second))
	if failed {
		return 1
	}
	return 0
}

// busy reports whether a "1 5 15" load average line, read before the
// benchmark's own processes add theirs (two to three CPUs' worth at the
// end), says other work holds most of the CPUs.
func busy(loadavg string, nproc int) bool {
	f := strings.Fields(loadavg)
	if len(f) == 0 {
		return false
	}
	one, err := strconv.ParseFloat(f[0], 64)
	return err == nil && one > float64(nproc)*0.75
}

// healthyLogs reports whether no region logged a panic or a fatal error:
// a benchmark whose servers crashed and were not noticed would report
// figures of the wrong thing.
func healthyLogs(dir string, db *regions.DB, log *slog.Logger) bool {
	ok := true
	for _, r := range db.Regions {
		b, err := os.ReadFile(filepath.Join(dir, r.Name+".log"))
		if err != nil {
			continue
		}
		for _, bad := range []string{"panic:", "fatal error:", "DATA RACE"} {
			if strings.Contains(string(b), bad) {
				log.Error("region log shows a crash", "region", r.Name, "found", bad)
				ok = false
			}
		}
	}
	return ok
}
