package converge

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/meridiandb/meridian/tools/regions"
	"github.com/redis/go-redis/v9"
)

// Options configure the checker; the zero value of a field means its
// default.
type Options struct {
	Server   string        // meridian-server binary (required)
	Regions  int           // default 3
	Clients  int           // per region; default 2
	Duration time.Duration // workload and faults per schedule; default 3s
	Kill     bool          // let about half of the schedules kill and restart regions
	Keys     int           // keys per family and per judged class; default 4
	Rate     int           // commands per second per client; 0: as fast as replies come
	// Only restricts the workload to these families and classes (names
	// from Kinds), to narrow a failure down; empty: all of them.
	Only []string
	// LogDir keeps every schedule's directory (region logs, plan.txt,
	// events.log, report.txt on failure) under LogDir/seed-<seed>. Empty:
	// a temporary directory, removed when the schedule passes.
	LogDir string
	// QuietTimeout bounds the wait, after healing, for AA WAIT and equal
	// digests; default 30s (a cut link's reconnect backoff alone can be
	// 2s, a restarted region's gate 10s).
	QuietTimeout time.Duration
	// TombstoneTimeout bounds the wait for crdt_tombstones_pending to
	// reach 0 on every region once converged; default 10s.
	TombstoneTimeout time.Duration
}

func (o *Options) defaults() {
	if o.Regions <= 0 {
		o.Regions = 3
	}
	if o.Clients <= 0 {
		o.Clients = 2
	}
	if o.Duration <= 0 {
		o.Duration = 3 * time.Second
	}
	if o.Keys <= 0 {
		o.Keys = 4
	}
	if o.QuietTimeout <= 0 {
		o.QuietTimeout = 30 * time.Second
	}
	if o.TombstoneTimeout <= 0 {
		o.TombstoneTimeout = 10 * time.Second
	}
}

// Plan is the schedule that seed gives under these options.
func (o Options) Plan(seed int64) *Plan {
	o.defaults()
	return NewPlan(seed, o.Regions, o.Clients, o.Duration, o.Kill)
}

// Result is the outcome of one schedule.
type Result struct {
	Plan           *Plan
	Dir            string // region logs, plan and events; "" once removed
	Ops            OpCounts
	Judged         Counts
	Faults         map[FaultKind]int
	Converged      bool
	ConvergeTime   time.Duration // from healing every link to equal digests everywhere
	Digests        []string      // the last AA DIGEST of every region
	Divergent      []KeyDiff     // up to maxDiffs of them
	DivergentTotal int
	Violations     []Violation
	TombstoneTime  time.Duration // from convergence to no tombstone pending anywhere
	Links          []string      // on failure: every region's INFO crdt peer lines
	Err            error         // the schedule could not be carried out (start, restart, reads)
	Elapsed        time.Duration
}

// Failed reports whether the schedule found a problem (or could not run).
func (r *Result) Failed() bool {
	return r.Err != nil || !r.Converged || len(r.Violations) > 0
}

// Count returns how many violations of kind the schedule found.
func (r *Result) Count(kind string) int {
	n := 0
	for _, v := range r.Violations {
		if v.Kind == kind {
			n++
		}
	}
	return n
}

// Run carries out one schedule end to end: start the regions, run the
// workload under the plan's faults, heal, wait for quiet, check. It
// never returns nil; problems are in the Result.
func Run(ctx context.Context, o Options, plan *Plan) *Result {
	o.defaults()
	res := &Result{Plan: plan, Faults: map[FaultKind]int{}}
	began := time.Now()
	defer func() { res.Elapsed = time.Since(began) }()
	kinds, err := kindIndexes(o.Only)
	if err != nil {
		res.Err = err
		return res
	}

	dir, temp, err := scheduleDir(o.LogDir, plan.Seed)
	if err != nil {
		res.Err = err
		return res
	}
	res.Dir = dir
	_ = os.WriteFile(filepath.Join(dir, "plan.txt"), []byte(plan.String()), 0o644)
	ev, err := os.Create(filepath.Join(dir, "events.log"))
	if err != nil {
		res.Err = err
		return res
	}
	defer ev.Close()

	db, err := regions.Start(regions.Options{Binary: o.Server, N: plan.Regions, Database: "converge",
		Secret: "converge", Dir: dir, Args: plan.ServerArgs()})
	if err != nil {
		res.Err = fmt.Errorf("cannot start regions: %w", err)
		return res
	}
	stopped := false
	defer func() {
		if !stopped {
			db.Stop()
		}
	}()
	addrs := make([]string, len(db.Regions))
	for i, r := range db.Regions {
		addrs[i] = r.Addr()
	}

	model := NewModel(plan.Regions)
	wctx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	type loadResult struct {
		counts *OpCounts
		trace  *Trace
	}
	loadCh := make(chan loadResult, 1)
	start := time.Now()
	lc := &loadConfig{seed: plan.Seed, addrs: addrs, clients: plan.Clients, keys: o.Keys, rate: o.Rate,
		kinds: kinds, model: model, start: start}
	go func() {
		c, t := runWorkload(wctx, lc)
		loadCh <- loadResult{c, t}
	}()

	logEvent := func(format string, args ...any) {
		fmt.Fprintf(ev, "+%.3fs %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	logEvent("workload started: %d regions x %d clients", plan.Regions, plan.Clients)
	dead := map[int]bool{}
	for _, s := range plan.Steps {
		sleepCtx(ctx, time.Until(start.Add(s.At)))
		if ctx.Err() != nil {
			break
		}
		if err := apply(db, model, s, dead); err != nil {
			logEvent("%s: %v", s.What(), err)
			res.Err = err
			break
		}
		res.Faults[s.Kind]++
		logEvent("%s", s.What())
	}
	sleepCtx(ctx, time.Until(start.Add(plan.Duration)))
	stopLoad()
	load := <-loadCh
	res.Ops = *load.counts
	res.Judged = model.Counts()
	logEvent("workload stopped: %d commands, %d acknowledged", res.Ops.Sent, res.Ops.Acked)
	if ctx.Err() != nil && res.Err == nil {
		res.Err = ctx.Err()
	}
	if res.Err != nil {
		return res
	}

	for i := range dead {
		if err := db.Restart(i); err != nil {
			res.Err = fmt.Errorf("cannot restart r%d: %w", i+1, err)
			return res
		}
		logEvent("restart r%d (still down at the end)", i+1)
	}
	db.HealAll()
	healed := time.Now()
	logEvent("heal-all: waiting for quiet")

	cs := make([]*redis.Client, len(addrs))
	for i, a := range addrs {
		cs[i] = newClient(a, 5*time.Second, 2)
		defer cs[i].Close()
	}
	deadline := healed.Add(o.QuietTimeout)
	if err := waitReplicated(ctx, cs, deadline); err != nil {
		res.Violations = append(res.Violations, Violation{Kind: ViolationStuck, Region: -1, Detail: err.Error()})
	}
	res.Converged, res.Digests, err = waitConverged(ctx, cs, deadline)
	res.ConvergeTime = time.Since(healed)
	if err != nil {
		res.Err = err
	}
	logEvent("converged %v after %v: %v", res.Converged, res.ConvergeTime, res.Digests)
	if !res.Converged {
		res.Divergent, res.DivergentTotal, err = divergentKeys(ctx, cs)
		if err != nil && res.Err == nil {
			res.Err = err
		}
		res.Violations = append(res.Violations, Violation{Kind: ViolationDivergence, Region: -1,
			Detail: fmt.Sprintf("%d keys differ; digests %v", res.DivergentTotal, res.Digests)})
	}

	exp := model.Expectations()
	for i, c := range cs {
		obs, bad, err := readObserved(ctx, c, i, exp.Targets())
		if err != nil {
			if res.Err == nil {
				res.Err = err
			}
			continue
		}
		res.Violations = append(res.Violations, bad...)
		res.Violations = append(res.Violations, exp.Check(obs)...)
	}

	// Collection needs every region to have seen every delete; regions
	// that do not agree may never get there, and that is reported above.
	tsStart := time.Now()
	tsDeadline := tsStart.Add(o.TombstoneTimeout)
	if !res.Converged {
		tsDeadline = tsStart
	}
	pending, err := waitTombstones(ctx, cs, tsDeadline)
	res.TombstoneTime = time.Since(tsStart)
	if err != nil && res.Err == nil {
		res.Err = err
	}
	for i, p := range pending {
		if p > 0 && res.Converged {
			// AA TOMBSTONES says what holds each one back.
			why, _ := cs[i].Do(ctx, "aa", "tombstones", 5).Result()
			res.Violations = append(res.Violations, Violation{Kind: ViolationTombstones, Region: i,
				Detail: fmt.Sprintf("%d tombstones still pending %v after quiet: %v", p, o.TombstoneTimeout, why)})
		}
	}
	logEvent("tombstones %v after %v", pending, res.TombstoneTime)

	if res.Failed() {
		res.Links = linkLines(ctx, cs)
	}
	for i, a := range addrs {
		if err := regions.WaitPing(a, 2*time.Second); err != nil {
			res.Violations = append(res.Violations, Violation{Kind: ViolationCrash, Region: i, Detail: "does not answer PING at the end: " + err.Error()})
		}
	}
	db.Stop()
	stopped = true
	for i, r := range db.Regions {
		if line := badLogLine(filepath.Join(dir, r.Name+".log")); line != "" {
			res.Violations = append(res.Violations, Violation{Kind: ViolationCrash, Region: i, Detail: "log: " + line})
		}
	}

	if res.Failed() {
		writeFailure(dir, res, o, load.trace)
	} else if temp {
		os.RemoveAll(dir)
		res.Dir = ""
	}
	return res
}

// writeFailure leaves what a failed schedule needs for its study in its
// directory: report.txt (the detail the report prints), violations.txt
// (all of them), divergent.txt (whole values of the divergent keys) and
// history.txt (every command sent to a divergent or violated key, in
// order, with its reply).
func writeFailure(dir string, res *Result, o Options, trace *Trace) {
	var b strings.Builder
	res.WriteDetail(&b, o)
	_ = os.WriteFile(filepath.Join(dir, "report.txt"), []byte(b.String()), 0o644)
	b.Reset()
	for _, v := range res.Violations {
		b.WriteString(v.String() + "\n")
	}
	_ = os.WriteFile(filepath.Join(dir, "violations.txt"), []byte(b.String()), 0o644)
	b.Reset()
	for _, d := range res.Divergent {
		fmt.Fprintf(&b, "%s\n", d.Key)
		for i, st := range d.Regions {
			fmt.Fprintf(&b, "  r%d digest %s type %s pttl %d:\n    %s\n", i+1, st.Digest, st.Type, st.PTTL, st.Full)
		}
	}
	_ = os.WriteFile(filepath.Join(dir, "divergent.txt"), []byte(b.String()), 0o644)
	b.Reset()
	keys := map[string]bool{}
	for _, d := range res.Divergent {
		keys[d.Key] = true
	}
	for _, v := range res.Violations {
		if v.Key != "" {
			keys[v.Key] = true
		}
	}
	for _, k := range sortedKeys(keys) {
		fmt.Fprintf(&b, "%s\n", k)
		for _, rec := range trace.Key(k) {
			fmt.Fprintf(&b, "  %s\n", rec)
		}
	}
	_ = os.WriteFile(filepath.Join(dir, "history.txt"), []byte(b.String()), 0o644)
}

// scheduleDir makes the directory a schedule's logs go to.
func scheduleDir(logDir string, seed int64) (dir string, temp bool, err error) {
	if logDir == "" {
		dir, err = os.MkdirTemp("", fmt.Sprintf("meridian-converge-%d-", seed))
		return dir, true, err
	}
	dir = filepath.Join(logDir, fmt.Sprintf("seed-%d", seed))
	// A rerun of a seed starts with fresh logs (region logs are appended to).
	if err := os.RemoveAll(dir); err != nil {
		return "", false, err
	}
	return dir, false, os.MkdirAll(dir, 0o755)
}

// apply carries out one step.
func apply(db *regions.DB, m *Model, s Step, dead map[int]bool) error {
	switch s.Kind {
	case FaultCutLink:
		db.Link(s.I, s.J).Cut(s.Dir)
	case FaultCutPair:
		db.Cut(s.I, s.J)
	case FaultIsolate:
		db.Isolate(s.I)
	case FaultDelay:
		if s.I >= 0 {
			db.Link(s.I, s.J).SetDelay(s.Delay, s.Jitter)
			break
		}
		for i := range db.Regions {
			for j := range db.Regions {
				if i != j {
					db.Link(i, j).SetDelay(s.Delay, s.Jitter)
				}
			}
		}
	case FaultBandwidth:
		db.Link(s.I, s.J).SetBandwidth(s.BPS)
	case FaultReset:
		db.Link(s.I, s.J).ResetAll()
	case FaultHealLink:
		l := db.Link(s.I, s.J)
		l.Heal()
		l.SetDelay(0, 0)
		l.SetBandwidth(0)
	case FaultHealAll:
		db.HealAll()
	case FaultKill:
		// The process must be dead before the model's epoch moves on:
		// see Model.Killed.
		db.Kill(s.I)
		m.Killed(s.I)
		dead[s.I] = true
	case FaultRestart:
		if err := db.Restart(s.I); err != nil {
			return fmt.Errorf("cannot restart r%d: %w", s.I+1, err)
		}
		delete(dead, s.I)
	default:
		return fmt.Errorf("unknown step %q", s.Kind)
	}
	return nil
}

// badLines are what a healthy server never logs.
var badLines = []string{"panic:", "fatal error:", "DATA RACE", "BUG:"}

// badLogLine returns the first line of a region's log that shows a crash
// or a race, or "".
func badLogLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		for _, bad := range badLines {
			if strings.Contains(sc.Text(), bad) {
				return sc.Text()
			}
		}
	}
	return ""
}

// RunAll runs count schedules with seeds seed, seed+1, ... one after the
// other, calling each (if not nil) after every schedule. It stops early
// when ctx ends.
func RunAll(ctx context.Context, o Options, seed int64, count int, each func(i int, r *Result)) *Report {
	o.defaults()
	rep := &Report{Options: o, Seed: seed}
	for i := 0; i < count && ctx.Err() == nil; i++ {
		r := Run(ctx, o, o.Plan(seed+int64(i)))
		rep.Results = append(rep.Results, r)
		if each != nil {
			each(i, r)
		}
	}
	return rep
}
