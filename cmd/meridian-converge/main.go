// Command meridian-converge is Meridian's convergence checker: it runs
// randomized fault schedules against a local active-active database of
// real meridian-server processes and checks that every region ends with
// the same data and that no acknowledged write was lost, no removed
// element came back and every tombstone was collected (tools/converge
// says how). It exits 1 when any schedule finds a problem, 2 on a usage
// error.
//
//	go build -o bin/meridian-server ./cmd/meridian-server
//	go run ./cmd/meridian-converge --schedules 200 --regions 5 --kill
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/meridiandb/meridian/tools/converge"
	"github.com/redis/go-redis/v9"
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		o         converge.Options
		schedules = flag.Int("schedules", 10, "how many schedules to run")
		seconds   = flag.Float64("seconds", 3, "workload and faults per schedule, in seconds")
		seed      = flag.Int64("seed", 0, "first schedule's seed (schedule i uses seed+i); 0: from the clock")
		build     = flag.Bool("build", false, "build --server from ./cmd/meridian-server first")
		quiet     = flag.Float64("quiet-timeout", 30, "seconds to wait for convergence after healing")
		tombs     = flag.Float64("tombstone-timeout", 10, "seconds to wait for tombstones to be collected")
		only      = flag.String("only", "", "comma-separated families and classes to run, to narrow a failure down: "+strings.Join(converge.Kinds(), ","))
	)
	flag.StringVar(&o.Server, "server", "bin/meridian-server", "meridian-server binary")
	flag.IntVar(&o.Regions, "regions", 3, "regions")
	flag.IntVar(&o.Clients, "clients", 2, "clients per region")
	flag.IntVar(&o.Keys, "keys", 4, "keys per data type and per judged class (small: more conflicts)")
	flag.IntVar(&o.Rate, "rate", 0, "commands per second per client (0: as fast as replies come)")
	flag.BoolVar(&o.Kill, "kill", false, "let about half of the schedules kill and restart regions")
	flag.StringVar(&o.LogDir, "log-dir", "", "keep every schedule's logs under this directory (default: temporary, kept only on failure)")
	flag.Parse()
	if flag.NArg() > 0 || *schedules < 1 || *seconds <= 0 || o.Regions < 2 || o.Clients < 1 {
		fmt.Fprintln(os.Stderr, "usage: meridian-converge [--schedules K] [--regions N>=2] [--seconds S] [--seed X] [--clients C] [--kill] [--server PATH] [--log-dir DIR]")
		flag.PrintDefaults()
		return 2
	}
	if *only != "" {
		o.Only = strings.Split(*only, ",")
		for _, k := range o.Only {
			if !slices.Contains(converge.Kinds(), k) {
				fmt.Fprintf(os.Stderr, "meridian-converge: --only: unknown %q (known: %s)\n", k, strings.Join(converge.Kinds(), ","))
				return 2
			}
		}
	}
	o.Duration = time.Duration(*seconds * float64(time.Second))
	o.QuietTimeout = time.Duration(*quiet * float64(time.Second))
	o.TombstoneTimeout = time.Duration(*tombs * float64(time.Second))
	if *seed == 0 {
		*seed = time.Now().UnixNano() % 1_000_000_000
	}
	if *build {
		cmd := exec.Command("go", "build", "-o", o.Server, "./cmd/meridian-server")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "meridian-converge: cannot build the server:", err)
			return 2
		}
	}
	if _, err := os.Stat(o.Server); err != nil {
		fmt.Fprintf(os.Stderr, "meridian-converge: no server binary: %v (build it: go build -o bin/meridian-server ./cmd/meridian-server, or pass --build)\n", err)
		return 2
	}
	if abs, err := filepath.Abs(o.Server); err == nil {
		o.Server = abs
	}
	// go-redis logs dial failures of its pools; regions going down is the
	// point here, so its logger stays quiet and outcomes are counted.
	redis.SetLogger(quietLogger{})

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	began := time.Now()
	fmt.Printf("meridian-converge: %d schedules, seeds %d..%d\n", *schedules, *seed, *seed+int64(*schedules)-1)
	rep := converge.RunAll(ctx, o, *seed, *schedules, func(i int, r *converge.Result) {
		fmt.Printf("[%d/%d] %s (%v)\n", i+1, *schedules, r.Line(), r.Elapsed.Round(time.Millisecond))
	})
	rep.Write(os.Stdout)
	fmt.Printf("  %-22s %v\n", "elapsed:", time.Since(began).Round(time.Millisecond))
	if ctx.Err() != nil {
		fmt.Println("interrupted")
		return 1
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}
