// Command meridian-bench runs redis-benchmark against meridian-server,
// redis-server and meridian-floor side by side and reports a ratio table.
//
//	meridian-bench [--meridian bin/meridian-server] [--redis /usr/bin/redis-server] [--floor bin/meridian-floor]
//	               [--tests set,get,incr] [--pipelines 1,16] [--clients 50] [--requests 200000] [--rounds 3]
//	               [--out docs/benchmarks/latest.md] [--json docs/benchmarks/latest.json]
//
// Each target's arguments are a template where {port} is the free port
// chosen (see --meridian-args, --redis-args, --floor-args). Pass an empty
// binary (--floor "") to leave a target out. Progress goes to stderr, the
// markdown table to stdout and --out, the full data to --json.
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
)

func main() { os.Exit(run()) }

func run() int {
	fs := flag.NewFlagSet("meridian-bench", flag.ContinueOnError)
	var (
		meridianBin  = fs.String("meridian", "bin/meridian-server", "meridian-server binary (empty: leave out)")
		meridianArgs = fs.String("meridian-args", "--port {port} --bind 127.0.0.1", "meridian-server arguments; {port} is replaced")
		redisBin     = fs.String("redis", "/usr/bin/redis-server", "redis-server binary (empty: leave out)")
		redisArgs    = fs.String("redis-args", `--port {port} --bind 127.0.0.1 --save "" --appendonly no`, "redis-server arguments; {port} is replaced")
		floorBin     = fs.String("floor", "bin/meridian-floor", "meridian-floor binary (empty: leave out)")
		floorArgs    = fs.String("floor-args", "--port {port} --bind 127.0.0.1", "meridian-floor arguments; {port} is replaced")
		rbBin        = fs.String("redis-benchmark", "redis-benchmark", "redis-benchmark binary")
		tests        = fs.String("tests", "set,get,incr", "comma-separated redis-benchmark -t tests")
		pipelines    = fs.String("pipelines", "1,16", "comma-separated pipeline depths (-P)")
		clients      = fs.Int("clients", 50, "parallel connections (-c)")
		requests     = fs.Int("requests", 200000, "requests per run (-n)")
		rounds       = fs.Int("rounds", 3, "rounds; medians across rounds are reported")
		threads      = fs.Int("threads", 0, "redis-benchmark --threads (0: not passed, single-threaded client)")
		runTimeout   = fs.Duration("timeout", 10*time.Minute, "limit for one redis-benchmark run")
		out          = fs.String("out", "docs/benchmarks/latest.md", "markdown report path (empty: stdout only)")
		jsonOut      = fs.String("json", "docs/benchmarks/latest.json", "JSON report path (empty: none)")
	)
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "meridian-bench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	testList := splitList(*tests)
	pl, err := parseInts(*pipelines)
	if err != nil || len(testList) == 0 || len(pl) == 0 || *clients < 1 || *requests < 1 || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "meridian-bench: need non-empty --tests, --pipelines >= 1, --clients, --requests and --rounds >= 1")
		return 2
	}
	if _, err := bench.ResolveBinary(*rbBin); err != nil {
		fmt.Fprintf(os.Stderr, "meridian-bench: %v\n", &bench.MissingBenchmarkError{Bin: *rbBin, Err: err})
		return 1
	}

	var specs []bench.TargetSpec
	for _, t := range []struct{ name, bin, args string }{
		{bench.Meridian, *meridianBin, *meridianArgs},
		{bench.Redis, *redisBin, *redisArgs},
		{bench.Floor, *floorBin, *floorArgs},
	} {
		args, err := bench.SplitArgs(t.args)
		if err != nil {
			fmt.Fprintf(os.Stderr, "meridian-bench: --%s-args: %v\n", t.name, err)
			return 2
		}
		specs = append(specs, bench.TargetSpec{Name: t.name, Bin: t.bin, Args: args})
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	redisForVersion := ""
	if p, err := bench.ResolveBinary(*redisBin); err == nil {
		redisForVersion = p
	}
	meta := bench.HostMeta(redisForVersion, *rbBin)
	meta.Command = "meridian-bench"
	if len(os.Args) > 1 {
		meta.Command += " " + bench.ShellQuote(os.Args[1:])
	}
	meta.Tests, meta.Pipelines, meta.Clients, meta.Requests, meta.Rounds, meta.Threads =
		testList, pl, *clients, *requests, *rounds, *threads

	if _, one := bench.LoadAvg(); one > float64(meta.NProc)/4 {
		log.Warn("machine is busy before the benchmark; figures will be noisy", "loadavg", meta.LoadAvgStart, "nproc", meta.NProc)
	}
	start := time.Now()
	log.Info("starting", "tests", *tests, "pipelines", *pipelines, "clients", *clients,
		"requests", *requests, "rounds", *rounds)
	rep, err := bench.Run(ctx, bench.Config{
		Targets:        specs,
		RedisBenchmark: *rbBin,
		Tests:          testList,
		Pipelines:      pl,
		Clients:        *clients,
		Requests:       *requests,
		Rounds:         *rounds,
		Threads:        *threads,
		RunTimeout:     *runTimeout,
		Log:            log,
	})
	if ctx.Err() != nil {
		log.Error("interrupted; targets stopped, no report written")
		return 130
	}
	var missing *bench.MissingBenchmarkError
	if errors.As(err, &missing) {
		fmt.Fprintf(os.Stderr, "meridian-bench: %v\n", err)
		return 1
	}
	if rep == nil {
		log.Error("benchmark failed", "err", err)
		return 1
	}
	meta.LoadAvgEnd, _ = bench.LoadAvg()
	rep.Meta = meta
	md := rep.Markdown()
	fmt.Print(md)
	if werr := rep.WriteFiles(*out, *jsonOut); werr != nil {
		log.Error("writing report", "err", werr)
		return 1
	}
	for _, p := range []string{*out, *jsonOut} {
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

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
