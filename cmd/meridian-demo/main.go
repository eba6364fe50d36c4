// Command meridian-demo shows Meridian's active-active replication on one
// machine. It starts three regions of one database (tools/regions: three
// meridian-server processes, each pulling the others' writes through a
// chaos link it can cut), prints how to connect to each with redis-cli,
// and walks through a short scripted show:
//
//  1. a write in one region is read in the others within milliseconds;
//  2. increments made in three regions at once add up;
//  3. region 3 is cut off, and both sides of the cut keep taking writes;
//  4. the cut heals and the regions converge (AA DIGEST equal), the
//     concurrent writes merged by their CRDT rules;
//  5. what the catch-up cost: AA STATUS shows region 3 resumed from the
//     others' backlogs (a partial sync) and received only what it missed.
//
// Then it keeps the regions running until Ctrl-C, so you can try things
// with redis-cli, and reads a few commands on its standard input to cut,
// slow down and heal the links while you do.
//
//	meridian-demo [--meridian bin/meridian-server] [--pace 1s] [--exit]
//
// The program is also documentation: each step's code is what a client of
// an active-active database does, with go-redis, and nothing else.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/meridiandb/meridian/bench"
	"github.com/meridiandb/meridian/tools/regions"
	"github.com/redis/go-redis/v9"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run is the program with its arguments and streams as parameters, so a
// test can play the show and read what it printed.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("meridian-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("meridian", "bin/meridian-server", "meridian-server binary")
	pace := fs.Duration("pace", time.Second, "pause between the steps of the show (0: none)")
	exit := fs.Bool("exit", false, "exit after the show instead of running until Ctrl-C")
	logDir := fs.String("logs", "", "directory for the regions' logs (empty: a temporary one)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	server, err := bench.ResolveBinary(*bin)
	if err != nil {
		fmt.Fprintf(stderr, "meridian-demo: meridian-server %s: %v (run make build)\n", *bin, err)
		return 1
	}
	dir := *logDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "meridian-demo-"); err != nil {
			fmt.Fprintln(stderr, "meridian-demo:", err)
			return 1
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "meridian-demo:", err)
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	fmt.Fprintln(stdout, "Starting three regions of one active-active database...")
	db, err := regions.Start(regions.Options{Binary: server, N: 3, Database: "demo", Secret: "demo", Dir: dir})
	if err != nil {
		fmt.Fprintf(stderr, "meridian-demo: starting the regions: %v\n(their logs are in %s)\n", err, dir)
		return 1
	}
	// Stopped explicitly below; this covers a panic on the way.
	defer db.Stop()
	s := &show{ctx: ctx, db: db, in: stdin, out: stdout, errOut: stderr, pace: *pace}
	for _, r := range db.Regions {
		s.c = append(s.c, redis.NewClient(&redis.Options{Addr: r.Addr(), Protocol: 2, DisableIdentity: true, MaxRetries: -1}))
	}
	rc := s.run(dir, *exit)
	for _, c := range s.c {
		c.Close()
	}
	db.Stop()
	if rc != 1 && *logDir == "" {
		_ = os.RemoveAll(dir) // a temporary directory, and nothing went wrong
	}
	return rc
}

// run plays the show and, unless exit, waits for Ctrl-C. It returns the
// exit code: 1 when a step failed (the logs are kept), 130 when
// interrupted during the show.
func (s *show) run(logs string, exit bool) int {
	if err := s.waitLinksUp(15 * time.Second); err != nil {
		fmt.Fprintf(s.errOut, "meridian-demo: %v\n(the regions' logs are in %s)\n", err, logs)
		return 1
	}
	s.connectInfo(logs)
	for _, step := range []func() error{s.converge, s.counters, s.partition, s.heal, s.catchUp} {
		if err := step(); err != nil {
			if s.ctx.Err() != nil {
				return 130
			}
			fmt.Fprintf(s.errOut, "\nmeridian-demo: %v\n(the regions' logs are in %s)\n", err, logs)
			return 1
		}
		s.pause()
	}
	if exit {
		return 0
	}
	s.playground()
	<-s.ctx.Done()
	s.printf("\nStopping the regions.\n")
	return 0
}

// show is the running demo: the database, a client per region (r1 is
// s.c[0]) and where the narration goes.
type show struct {
	ctx  context.Context
	db   *regions.DB
	c    []*redis.Client
	pace time.Duration

	in          io.Reader // the playground's commands
	out, errOut io.Writer

	// r3 before the cut, for the catch-up figures.
	before bench.AAStatus
	keys   int
}

// waitLinksUp waits until every region's links to the others are up (the
// regions start at the same time, so some first dials fail and retry), so
// that the first step times replication, not start-up.
func (s *show) waitLinksUp(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		up := true
		for _, c := range s.c {
			st, err := bench.ReadAAStatus(s.ctx, c)
			if err != nil {
				return err
			}
			for _, p := range st.Peers {
				up = up && p.State == "up"
			}
		}
		if up {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the regions' links are not up after %v", timeout)
		}
		select {
		case <-s.ctx.Done():
			return s.ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *show) connectInfo(logs string) {
	s.printf("\nThe database \"demo\" has three regions, each a meridian-server on this machine:\n\n")
	for _, r := range s.db.Regions {
		s.printf("  %s  %-16s  redis-cli -p %d\n", r.Name, r.Addr(), r.Port)
	}
	s.printf("\nEach region pulls the others' writes through a chaos link (a proxy this\n"+
		"program can cut, slow down and heal). Their logs: %s\n", logs)
}

func (s *show) printf(format string, args ...any) { fmt.Fprintf(s.out, format, args...) }

// title starts a step of the show.
func (s *show) title(n int, text string) {
	s.printf("\n== %d. %s ==\n\n", n, text)
}

// say prints an explanation, indented.
func (s *show) say(lines ...string) {
	for _, l := range lines {
		if l == "" {
			s.printf("\n")
			continue
		}
		s.printf("   %s\n", l)
	}
}

func (s *show) pause() {
	if s.pace <= 0 {
		return
	}
	select {
	case <-s.ctx.Done():
	case <-time.After(s.pace):
	}
}

// do runs a command on region i (0-based) and prints it the way redis-cli
// would show it, with a note after the reply.
func (s *show) do(i int, note string, args ...any) (any, error) {
	v, err := s.c[i].Do(s.ctx, args...).Result()
	if errors.Is(err, redis.Nil) {
		v, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("r%d> %s: %w", i+1, cmdline(args), err)
	}
	s.echo(i, cmdline(args), reply(v), note)
	return v, nil
}

// echo prints one command and its reply.
func (s *show) echo(i int, cmd, reply, note string) {
	line := fmt.Sprintf("   r%d> %-34s %s", i+1, cmd, reply)
	if note != "" {
		line = fmt.Sprintf("%-72s %s", line, note)
	}
	s.printf("%s\n", line)
}

func cmdline(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		p := fmt.Sprint(a)
		if strings.ContainsAny(p, " \"") || p == "" {
			p = strconv.Quote(p)
		}
		parts[i] = p
	}
	return strings.Join(parts, " ")
}

// reply renders a reply on one line, in redis-cli's words.
func reply(v any) string {
	switch t := v.(type) {
	case nil:
		return "(nil)"
	case string:
		if t == "OK" {
			return "OK"
		}
		return strconv.Quote(t)
	case int64:
		return fmt.Sprintf("(integer) %d", t)
	case []any:
		if len(t) == 0 {
			return "(empty array)"
		}
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = fmt.Sprintf("%d) %s", i+1, reply(x))
		}
		return strings.Join(parts, " ")
	}
	return fmt.Sprint(v)
}

// settle waits until every region has every other region's writes: AA
// WAIT in each region blocks until the writes it has taken so far have
// reached the other two.
func (s *show) settle() error {
	for i, c := range s.c {
		n, err := c.Do(s.ctx, "AA", "WAIT", len(s.c)-1, 10000).Int()
		if err != nil {
			return fmt.Errorf("r%d> AA WAIT: %w", i+1, err)
		}
		if n < len(s.c)-1 {
			return fmt.Errorf("r%d: only %d regions had its writes after 10 s", i+1, n)
		}
	}
	return nil
}

// 1. A write anywhere is read everywhere.
func (s *show) converge() error {
	s.title(1, "A write in one region is read in the others")
	s.say("Every region accepts writes and answers at once; replication happens",
		"behind the reply. Here r1 takes a SET while r2 and r3 poll with GET",
		"until they see it.", "")
	const value = "hello from r1"
	start := time.Now()
	if _, err := s.do(0, "", "SET", "greeting", value); err != nil {
		return err
	}
	seen := make([]time.Duration, len(s.c))
	var wg sync.WaitGroup
	for i := 1; i < len(s.c); i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for s.ctx.Err() == nil && time.Since(start) < 10*time.Second {
				if v, _ := s.c[i].Get(s.ctx, "greeting").Result(); v == value {
					seen[i] = time.Since(start)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	for i := 1; i < len(s.c); i++ {
		if seen[i] == 0 {
			return fmt.Errorf("r%d never saw the write", i+1)
		}
		if _, err := s.do(i, fmt.Sprintf("(there %.2f ms after the SET began)", float64(seen[i].Microseconds())/1000), "GET", "greeting"); err != nil {
			return err
		}
	}
	return nil
}

// 2. Counters: increments in different regions add up.
func (s *show) counters() error {
	s.title(2, "Increments made at the same time in three regions add up")
	s.say("With plain last-writer-wins, two regions incrementing one key at once",
		"would lose increments. Meridian keeps, per key, each region's own sum",
		"and reads their total. Now 1,000 INCRBYs run at once in each region:",
		"+1 in r1, +10 in r2, +100 in r3, which must read 111,000 everywhere.", "")
	var wg sync.WaitGroup
	errs := make([]error, len(s.c))
	for i, by := range []int64{1, 10, 100} {
		wg.Add(1)
		go func(i int, by int64) {
			defer wg.Done()
			for batch := 0; batch < 10; batch++ { // 10 pipelines of 100
				_, errs[i] = s.c[i].Pipelined(s.ctx, func(p redis.Pipeliner) error {
					for k := 0; k < 100; k++ {
						p.IncrBy(s.ctx, "visits", by)
					}
					return nil
				})
				if errs[i] != nil {
					return
				}
			}
		}(i, by)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := s.settle(); err != nil {
		return err
	}
	for i := range s.c {
		if _, err := s.do(i, "", "GET", "visits"); err != nil {
			return err
		}
	}
	return nil
}

// commas writes n with thousands separators.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// 3. A partition: region 3 is cut off; both sides keep writing.
func (s *show) partition() error {
	s.title(3, "A partition: r3 is cut off, and both sides keep taking writes")
	s.keys = 10000
	s.say(fmt.Sprintf("First some data, so there is something not to resend: %s keys in r1.", commas(int64(s.keys))))
	pipe := s.c[0].Pipeline()
	for k := 0; k < s.keys; k++ {
		pipe.Set(s.ctx, fmt.Sprintf("item:%05d", k), "some value", 0)
	}
	if _, err := pipe.Exec(s.ctx); err != nil {
		return err
	}
	if err := s.settle(); err != nil {
		return err
	}
	st, err := bench.ReadAAStatus(s.ctx, s.c[2])
	if err != nil {
		return err
	}
	s.before = st

	// Cut holds bytes (the network goes silent); resetting the connections
	// too is what a long outage does: the links drop and must reconnect.
	s.db.Isolate(2)
	for j := 0; j < 2; j++ {
		s.db.Link(2, j).ResetAll()
		s.db.Link(j, 2).ResetAll()
	}
	s.say("", "Cut: every link between r3 and the others is down. Clients of every",
		"region still read and write; nothing waits for the other side.", "")

	if _, err := s.do(0, "(r1 writes first...)", "SET", "color", "blue"); err != nil {
		return err
	}
	time.Sleep(5 * time.Millisecond) // r3's write is later, so the outcome is predictable
	if _, err := s.do(2, "(...and r3 a little later)", "SET", "color", "green"); err != nil {
		return err
	}
	if _, err := s.do(0, "", "INCRBY", "visits", 5); err != nil {
		return err
	}
	if _, err := s.do(2, "", "INCRBY", "visits", 7); err != nil {
		return err
	}
	if _, err := s.do(1, "", "SADD", "tags", "from-r2"); err != nil {
		return err
	}
	if _, err := s.do(2, "", "SADD", "tags", "from-r3"); err != nil {
		return err
	}
	s.say("", "r1 keeps taking ordinary traffic too: 1,000 more SETs.")
	pipe = s.c[0].Pipeline()
	for k := 0; k < 1000; k++ {
		pipe.Set(s.ctx, fmt.Sprintf("item:%05d", k), "changed during the cut", 0)
	}
	if _, err := pipe.Exec(s.ctx); err != nil {
		return err
	}
	// AA WAIT 1: until r1's writes have reached one other region (r2:
	// r3 cannot have them).
	if n, err := s.c[0].Do(s.ctx, "AA", "WAIT", 1, 10000).Int(); err != nil || n < 1 {
		return fmt.Errorf("r1> AA WAIT 1 10000: %d, %v", n, err)
	}
	s.say("", "Each side reads its own writes and those of the regions it can reach:", "")
	for _, i := range []int{1, 2} {
		if _, err := s.do(i, "", "GET", "color"); err != nil {
			return err
		}
	}
	for _, i := range []int{1, 2} {
		if _, err := s.do(i, "", "GET", "visits"); err != nil {
			return err
		}
	}
	time.Sleep(time.Second) // let r1 notice: its link to r3 drops and retries
	st, err = bench.ReadAAStatus(s.ctx, s.c[0])
	if err != nil {
		return err
	}
	if p := st.Peer("r3"); p != nil {
		s.say("", fmt.Sprintf("r1's AA STATUS for r3: state %s, lag_ops_out %d (r1's writes r3 has not acknowledged).",
			p.State, p.LagOpsOut))
	}
	return nil
}

// 4. Heal: the regions converge, the concurrent writes merged.
func (s *show) heal() error {
	s.title(4, "Heal: the regions converge")
	s.say("The links come back; each region reconnects and pulls what it missed.",
		"Converged means every region computes the same AA DIGEST of its data.", "")
	start := time.Now()
	s.db.HealAll()
	var digests []string
	for {
		digests = digests[:0]
		for _, c := range s.c {
			d, err := c.Do(s.ctx, "AA", "DIGEST").Text()
			if err != nil {
				return err
			}
			digests = append(digests, d)
		}
		if digests[0] == digests[1] && digests[1] == digests[2] {
			break
		}
		if time.Since(start) > 30*time.Second {
			return fmt.Errorf("no convergence after 30 s: digests %v", digests)
		}
		select {
		case <-s.ctx.Done():
			return s.ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	took := time.Since(start)
	for i := range s.c {
		if _, err := s.do(i, "", "AA", "DIGEST"); err != nil {
			return err
		}
	}
	s.say("", fmt.Sprintf("Converged %.0f ms after the heal, reconnecting included. The digest", float64(took.Microseconds())/1000),
		"is a hash of the visible data, then the number of keys.", "")
	for i := range s.c {
		if _, err := s.do(i, "", "GET", "color"); err != nil {
			return err
		}
	}
	s.say("", "Two SETs of one key with neither seeing the other: the later one by the",
		"hybrid logical clock wins in every region, and the loser is logged:", "")
	v, err := s.c[0].Do(s.ctx, "AA", "CONFLICTS", 1).Slice()
	if err != nil {
		return err
	}
	for _, c := range v {
		m, err := fieldMap(c)
		if err == nil {
			s.echo(0, "AA CONFLICTS 1", fmt.Sprintf("key %v: kept %v, dropped %v", m["key"], m["winner"], m["loser"]), "")
		}
	}
	s.say("", "Increments on both sides are all kept (111,000 + 5 + 7):", "")
	if _, err := s.do(2, "", "GET", "visits"); err != nil {
		return err
	}
	s.say("", "Elements added on both sides of a set are all kept:", "")
	if _, err := s.do(0, "", "SORT", "tags", "ALPHA"); err != nil {
		return err
	}
	return nil
}

// fieldMap reads a RESP2 flat key/value array.
func fieldMap(v any) (map[string]any, error) {
	a, ok := v.([]any)
	if !ok || len(a)%2 != 0 {
		return nil, fmt.Errorf("not a field list: %T", v)
	}
	m := make(map[string]any, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		m[fmt.Sprint(a[i])] = a[i+1]
	}
	return m, nil
}

// 5. What the catch-up cost.
func (s *show) catchUp() error {
	s.title(5, "What the catch-up cost: a partial sync")
	after, err := bench.ReadAAStatus(s.ctx, s.c[2])
	if err != nil {
		return err
	}
	s.say("On reconnecting, r3 told each peer the last write it held from it, per",
		"partition; each peer still had everything after that in its backlog (a",
		"ring of recent writes), so it sent just those writes: a partial sync.",
		"A region away for longer than the backlog covers gets a full sync of",
		"the partitions concerned instead. r3's AA STATUS, change since just",
		"before the cut:", "")
	s.printf("   %-44s %10s %10s\n", "", "from r1", "from r2")
	row := func(label string, f func(now, then *bench.PeerCounters) string) {
		s.printf("   %-44s", label)
		for _, name := range []string{"r1", "r2"} {
			now, then := after.Peer(name), s.before.Peer(name)
			if now == nil || then == nil {
				s.printf(" %10s", "n/a")
				continue
			}
			s.printf(" %10s", f(now, then))
		}
		s.printf("\n")
	}
	diff := func(get func(p *bench.PeerCounters) int64) func(now, then *bench.PeerCounters) string {
		return func(now, then *bench.PeerCounters) string { return commas(get(now) - get(then)) }
	}
	row("state now", func(now, _ *bench.PeerCounters) string { return now.State })
	row("partial syncs (partial_syncs)", diff(func(p *bench.PeerCounters) int64 { return p.PartialSyncs }))
	row("full syncs (full_syncs)", diff(func(p *bench.PeerCounters) int64 { return p.FullSyncs }))
	row("writes received (deltas_in)", diff(func(p *bench.PeerCounters) int64 { return p.DeltasIn }))
	row("their bytes, uncompressed (bytes_in_raw)", diff(func(p *bench.PeerCounters) int64 { return p.BytesInRaw }))
	row("bytes on the link (bytes_in)", diff(func(p *bench.PeerCounters) int64 { return p.BytesIn }))
	s.say("", fmt.Sprintf("r1 holds over %s keys; r3 received the writes it missed and nothing", commas(int64(s.keys))),
		"else. bytes_in counts every message on the link, compressed ("+orDefault(after.Compression)+"),",
		"the regions' acknowledgements (beats) included: most of r2's figure.")
	return nil
}

func orDefault(s string) string {
	if s == "" {
		return "server default"
	}
	return s
}

// playground prints what to try and serves a few commands on stdin.
func (s *show) playground() {
	p := func(i int) int { return s.db.Regions[i].Port }
	s.printf("\n== Your turn ==\n\n")
	s.say("The regions keep running until Ctrl-C. In another terminal, try:", "",
		fmt.Sprintf("redis-cli -p %d SET city Lisbon", p(0)),
		fmt.Sprintf("redis-cli -p %d GET city", p(2)),
		fmt.Sprintf("redis-cli -p %d INCRBY hits 10; redis-cli -p %d INCRBY hits 5; redis-cli -p %d GET hits", p(0), p(1), p(2)),
		fmt.Sprintf("redis-cli -p %d AA STATUS", p(0)),
		fmt.Sprintf("redis-cli -p %d INFO crdt", p(1)),
		fmt.Sprintf("redis-cli -p %d AA DIGEST", p(2)), "",
		"Here, type (then Enter):",
		"  cut N       cut region N off from the others (N = 1, 2 or 3)",
		"  delay MS    add MS milliseconds of latency to every link (a WAN)",
		"  heal        heal every link, remove delays",
		"  status      every region's links, from AA STATUS")
	go func() {
		sc := bufio.NewScanner(s.in)
		for sc.Scan() {
			s.command(strings.Fields(sc.Text()))
		}
	}()
}

func (s *show) command(f []string) {
	if len(f) == 0 {
		return
	}
	switch strings.ToLower(f[0]) {
	case "cut":
		n, err := strconv.Atoi(strings.TrimPrefix(strings.Join(f[1:], ""), "r"))
		if err != nil || n < 1 || n > len(s.db.Regions) {
			s.printf("usage: cut N (1..%d)\n", len(s.db.Regions))
			return
		}
		s.db.Isolate(n - 1)
		s.printf("r%d is cut off. Writes on either side stay there until you type heal.\n", n)
	case "delay":
		ms, err := strconv.Atoi(strings.Join(f[1:], ""))
		if err != nil || ms < 0 {
			s.printf("usage: delay MS\n")
			return
		}
		for i := range s.db.Regions {
			for j := range s.db.Regions {
				if i != j {
					s.db.Link(i, j).SetDelay(time.Duration(ms)*time.Millisecond, 0)
				}
			}
		}
		s.printf("every link now adds %d ms each way.\n", ms)
	case "heal":
		s.db.HealAll()
		s.printf("every link healed.\n")
	case "status":
		for i, c := range s.c {
			st, err := bench.ReadAAStatus(s.ctx, c)
			if err != nil {
				s.printf("r%d: %v\n", i+1, err)
				continue
			}
			for _, p := range st.Peers {
				s.printf("r%d from %s: %-10s lag_ops_in %-6d lag_ms %-5d deltas_in %-8d partial_syncs %d full_syncs %d\n",
					i+1, p.Name, p.State, p.LagOpsIn, p.LagMs, p.DeltasIn, p.PartialSyncs, p.FullSyncs)
			}
		}
	default:
		s.printf("commands: cut N, delay MS, heal, status (Ctrl-C stops the regions)\n")
	}
}
