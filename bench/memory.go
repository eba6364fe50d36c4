package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The memory report: what the same data costs in each target. Every
// (dataset, target) pair gets a fresh server (a fresh database for a
// multi-region target), so one dataset's garbage and allocator state do
// not leak into the next reading. A multi-region target is loaded through
// region 1 and read once the other regions have every write: each region
// then holds the same data, and every region is measured.

// MemoryDatasets are the datasets the memory report knows, in order.
var MemoryDatasets = []string{"strings", "set", "zset", "hash", "list"}

// MemoryConfig describes a memory session.
type MemoryConfig struct {
	Targets  []TargetSpec // targets that hold data (the floor keeps none)
	Keys     int          // string keys (DEBUG POPULATE)
	Elements int          // elements of the one set, zset, hash and list
	Datasets []string     // a subset of MemoryDatasets; empty: all
	// Batch is the elements per SADD, ZADD, HSET or RPUSH, and Window the
	// commands in flight (defaults 1000 and 16).
	Batch, Window int
	// Settle is how long to wait after loading before the first reading,
	// so a collector or allocator that runs behind has run (default 2 s).
	Settle        time.Duration
	ReadyTimeout  time.Duration
	SettleTimeout time.Duration // limit for the other regions to catch up
	Log           *slog.Logger
}

// MemoryReport is a memory session's figures.
type MemoryReport struct {
	Meta    Meta          `json:"meta"`
	Targets []*TargetInfo `json:"targets"`
	Rows    []MemoryRow   `json:"rows"`
	Goals   []Goal        `json:"goals"`
	Notes   []string      `json:"notes,omitempty"`
}

// MemoryRow is one dataset in every target.
type MemoryRow struct {
	Dataset     string                 `json:"dataset"`
	Description string                 `json:"description"`
	Items       int                    `json:"items"`
	Targets     map[string]*MemoryCell `json:"targets"`
	// RSS ratios against redis-server: meridian, meridian-aa3's region 1,
	// and its largest region; null when a side is missing.
	MeridianRedis   *float64 `json:"meridian_redis_rss"`
	AA3Redis        *float64 `json:"aa3_region1_redis_rss"`
	AA3LargestRedis *float64 `json:"aa3_largest_redis_rss"`
	// The same after MEMORY PURGE in every process.
	PurgedMeridianRedis *float64 `json:"purged_meridian_redis_rss"`
	PurgedAA3Redis      *float64 `json:"purged_aa3_region1_redis_rss"`
}

// MemoryCell is one target's readings for a dataset: one per process
// (the region loaded first).
type MemoryCell struct {
	Regions     []MemoryReading `json:"regions"`
	LoadSeconds float64         `json:"load_s"`
	// DrainSeconds is how long the other regions took to catch up.
	DrainSeconds float64 `json:"drain_s,omitempty"`
	// DrainError says the other regions did not catch up: region 1's
	// readings stand, the others' are of part of the data.
	DrainError string `json:"drain_error,omitempty"`
	Error      string `json:"error,omitempty"`
}

// MemoryReading is one process: before loading (baseline), after loading
// and settling, and after MEMORY PURGE (Go: a forced collection that
// returns free memory to the OS; jemalloc: a purge of dirty pages).
// used_memory is INFO memory's: the allocator's count (Meridian: the Go
// heap's live and not yet collected objects).
type MemoryReading struct {
	Addr         string `json:"addr"`
	PID          int    `json:"pid"`
	BaselineRSS  int64  `json:"baseline_rss_bytes"`
	BaselineUsed int64  `json:"baseline_used_memory"`
	RSS          int64  `json:"rss_bytes"`
	PeakRSS      int64  `json:"peak_rss_bytes"`
	Used         int64  `json:"used_memory"`
	PurgedRSS    int64  `json:"purged_rss_bytes"`
	PurgedUsed   int64  `json:"purged_used_memory"`
	// Items is the count read back (DBSIZE, or the collection's length),
	// which proves the region holds the whole dataset.
	Items int64 `json:"items"`
}

// dataset is how one dataset is loaded and counted.
type dataset struct {
	name, key string
	describe  func(n int) string
	// command returns the batch's command for elements [from, to).
	command func(from, to int) []any
	count   string // the command that reads the size back
}

var datasets = map[string]dataset{
	"strings": {name: "strings", describe: func(n int) string {
		return fmt.Sprintf("%s string keys key:N = \"value:N\" (DEBUG POPULATE)", thousands(int64(n)))
	}, count: "DBSIZE"},
	"set": {name: "set", key: "set", describe: func(n int) string {
		return fmt.Sprintf("one set of %s members element:N (SADD)", thousands(int64(n)))
	}, command: func(from, to int) []any {
		args := []any{"SADD", "set"}
		for i := from; i < to; i++ {
			args = append(args, "element:"+strconv.Itoa(i))
		}
		return args
	}, count: "SCARD"},
	"zset": {name: "zset", key: "zset", describe: func(n int) string {
		return fmt.Sprintf("one sorted set of %s members element:N, score N (ZADD)", thousands(int64(n)))
	}, command: func(from, to int) []any {
		args := []any{"ZADD", "zset"}
		for i := from; i < to; i++ {
			args = append(args, strconv.Itoa(i), "element:"+strconv.Itoa(i))
		}
		return args
	}, count: "ZCARD"},
	"hash": {name: "hash", key: "hash", describe: func(n int) string {
		return fmt.Sprintf("one hash of %s fields field:N = value:N (HSET)", thousands(int64(n)))
	}, command: func(from, to int) []any {
		args := []any{"HSET", "hash"}
		for i := from; i < to; i++ {
			args = append(args, "field:"+strconv.Itoa(i), "value:"+strconv.Itoa(i))
		}
		return args
	}, count: "HLEN"},
	"list": {name: "list", key: "list", describe: func(n int) string {
		return fmt.Sprintf("one list of %s elements element:N (RPUSH)", thousands(int64(n)))
	}, command: func(from, to int) []any {
		args := []any{"RPUSH", "list"}
		for i := from; i < to; i++ {
			args = append(args, "element:"+strconv.Itoa(i))
		}
		return args
	}, count: "LLEN"},
}

// RunMemory measures every dataset in every target and returns the report
// (without Meta).
func RunMemory(ctx context.Context, cfg MemoryConfig) (*MemoryReport, error) {
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	if len(cfg.Datasets) == 0 {
		cfg.Datasets = MemoryDatasets
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 1000
	}
	if cfg.Window <= 0 {
		cfg.Window = 16
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 2 * time.Second
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 15 * time.Second
	}
	if cfg.SettleTimeout <= 0 {
		cfg.SettleTimeout = 5 * time.Minute
	}
	if cfg.Keys < 1 || cfg.Elements < 1 {
		return nil, errors.New("memory: need keys and elements")
	}
	rep := &MemoryReport{}
	infos := map[string]*TargetInfo{}
	for _, name := range cfg.Datasets {
		ds, ok := datasets[name]
		if !ok {
			return nil, fmt.Errorf("memory: unknown dataset %q", name)
		}
		n := cfg.Elements
		if name == "strings" {
			n = cfg.Keys
		}
		row := MemoryRow{Dataset: name, Description: ds.describe(n), Items: n, Targets: map[string]*MemoryCell{}}
		for _, spec := range cfg.Targets {
			servers, ti, err := launchAll(ctx, []TargetSpec{spec}, cfg.ReadyTimeout, log)
			if err != nil {
				return nil, err
			}
			if infos[spec.Name] == nil || (infos[spec.Name].Status == StatusOK && ti[0].Status != StatusOK) {
				infos[spec.Name] = ti[0]
			}
			if len(servers) == 0 {
				continue
			}
			s := servers[0]
			cell, err := measureDataset(ctx, s, ds, n, cfg, log)
			if gone, why := s.exited(); gone {
				ti[0].Status, ti[0].Note = StatusFailed, fmt.Sprintf("died during the %s dataset %s", name, why)
				infos[spec.Name] = ti[0]
			}
			s.stop()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err != nil {
				cell.Error = err.Error()
				log.Error("memory run failed", "target", spec.Name, "dataset", name, "err", err)
			}
			row.Targets[spec.Name] = cell
		}
		row.summarize()
		rep.Rows = append(rep.Rows, row)
	}
	for _, spec := range cfg.Targets {
		if ti := infos[spec.Name]; ti != nil {
			rep.Targets = append(rep.Targets, ti)
		}
	}
	rep.Goals = memoryGoals(rep.Rows)
	return rep, nil
}

// measureDataset loads ds into s and reads every process's memory.
func measureDataset(ctx context.Context, s *server, ds dataset, n int, cfg MemoryConfig, log *slog.Logger) (*MemoryCell, error) {
	cell := &MemoryCell{}
	addrs := []string{s.addr}
	for _, p := range s.peers {
		addrs = append(addrs, p.addr)
	}
	clients := make([]*redis.Client, len(addrs))
	for i, a := range addrs {
		// Long timeouts: DEBUG POPULATE of a million keys is one command.
		clients[i] = redis.NewClient(&redis.Options{Addr: a, Protocol: 2, DisableIdentity: true, MaxRetries: -1,
			PoolSize: 2, ReadTimeout: 5 * time.Minute, WriteTimeout: time.Minute})
		defer clients[i].Close()
	}
	pids := s.pids()
	for i := range addrs {
		cell.Regions = append(cell.Regions, MemoryReading{Addr: addrs[i], PID: pids[i]})
	}
	read := func(stage string) error {
		for i := range cell.Regions {
			r := &cell.Regions[i]
			m, err := ReadMemory(r.PID)
			if err != nil {
				return err
			}
			used, err := usedMemory(ctx, clients[i])
			if err != nil {
				return err
			}
			switch stage {
			case "baseline":
				r.BaselineRSS, r.BaselineUsed = m.RSS, used
			case "loaded":
				r.RSS, r.PeakRSS, r.Used = m.RSS, m.PeakRSS, used
			case "purged":
				r.PurgedRSS, r.PurgedUsed = m.RSS, used
			}
		}
		return nil
	}
	if err := read("baseline"); err != nil {
		return cell, fmt.Errorf("baseline: %w", err)
	}
	start := time.Now()
	if err := loadDataset(ctx, clients[0], ds, n, cfg.Batch, cfg.Window); err != nil {
		return cell, err
	}
	cell.LoadSeconds = round1(time.Since(start).Seconds())
	if len(s.peers) > 0 {
		d, err := s.settle(ctx, cfg.SettleTimeout)
		cell.DrainSeconds = round1(d.Seconds())
		if err != nil {
			if ctx.Err() != nil {
				return cell, ctx.Err()
			}
			cell.DrainError = err.Error()
			log.Error("the other regions did not catch up; reading them as they are", "target", s.name, "dataset", ds.name, "err", err)
		}
	}
	for i, c := range clients {
		args := []any{ds.count}
		if ds.key != "" {
			args = append(args, ds.key)
		}
		v, err := c.Do(ctx, args...).Int64()
		if err != nil {
			return cell, fmt.Errorf("%s on %s: %w", ds.count, addrs[i], err)
		}
		cell.Regions[i].Items = v
	}
	sleepCtx(ctx, cfg.Settle)
	if err := read("loaded"); err != nil {
		return cell, err
	}
	for _, c := range clients {
		if err := c.Do(ctx, "MEMORY", "PURGE").Err(); err != nil {
			return cell, fmt.Errorf("MEMORY PURGE: %w", err)
		}
	}
	sleepCtx(ctx, time.Second)
	if err := read("purged"); err != nil {
		return cell, err
	}
	r0 := cell.Regions[0]
	log.Info("memory", "dataset", ds.name, "target", s.name, "items", r0.Items, "rss_mib", mibOf(r0.RSS),
		"used_mib", mibOf(r0.Used), "purged_rss_mib", mibOf(r0.PurgedRSS), "load_s", cell.LoadSeconds, "drain_s", cell.DrainSeconds)
	if cell.Regions[0].Items != int64(n) {
		return cell, fmt.Errorf("%s holds %d of %d items", addrs[0], cell.Regions[0].Items, n)
	}
	for i := range cell.Regions[1:] {
		if cell.Regions[i+1].Items != int64(n) && cell.DrainError == "" {
			return cell, fmt.Errorf("%s holds %d of %d items", addrs[i+1], cell.Regions[i+1].Items, n)
		}
	}
	return cell, nil
}

// loadDataset writes the dataset through c: DEBUG POPULATE for strings,
// else commands of batch elements, window of them pipelined per round
// trip.
func loadDataset(ctx context.Context, c *redis.Client, ds dataset, n, batch, window int) error {
	if ds.command == nil {
		return c.Do(ctx, "DEBUG", "POPULATE", n).Err()
	}
	for from := 0; from < n; {
		pipe := c.Pipeline()
		for i := 0; i < window && from < n; i++ {
			to := min(from+batch, n)
			pipe.Do(ctx, ds.command(from, to)...)
			from = to
		}
		cmds, err := pipe.Exec(ctx)
		if err != nil {
			return fmt.Errorf("loading %s: %w", ds.name, err)
		}
		for _, cmd := range cmds {
			if err := cmd.Err(); err != nil {
				return fmt.Errorf("loading %s: %w", ds.name, err)
			}
		}
	}
	return nil
}

// usedMemory reads INFO memory's used_memory.
func usedMemory(ctx context.Context, c *redis.Client) (int64, error) {
	info, err := c.Info(ctx, "memory").Result()
	if err != nil {
		return 0, fmt.Errorf("INFO memory: %w", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, errors.New("INFO memory has no used_memory")
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

func mibOf(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) }

func (r *MemoryRow) summarize() {
	ok := func(name string) *MemoryCell {
		c := r.Targets[name]
		if c == nil || c.Error != "" || len(c.Regions) == 0 || c.Regions[0].RSS <= 0 {
			return nil
		}
		return c
	}
	div := func(a, b int64) *float64 {
		v := Ratio(float64(a), float64(b))
		if v == 0 {
			return nil
		}
		return &v
	}
	red := ok(Redis)
	if red == nil {
		return
	}
	if m := ok(Meridian); m != nil {
		r.MeridianRedis = div(m.Regions[0].RSS, red.Regions[0].RSS)
		r.PurgedMeridianRedis = div(m.Regions[0].PurgedRSS, red.Regions[0].PurgedRSS)
	}
	if a := ok(MeridianAA3); a != nil {
		r.AA3Redis = div(a.Regions[0].RSS, red.Regions[0].RSS)
		r.PurgedAA3Redis = div(a.Regions[0].PurgedRSS, red.Regions[0].PurgedRSS)
		if a.DrainError == "" { // else the other regions hold part of the data
			largest := int64(0)
			for _, reg := range a.Regions {
				largest = max(largest, reg.RSS)
			}
			r.AA3LargestRedis = div(largest, red.Regions[0].RSS)
		}
	}
}

// memoryGoals is the memory goal: 1M small string keys in a
// 3-region database within 1.5x of redis-server's RSS, read for region 1
// and for the largest region, as loaded and after MEMORY PURGE.
func memoryGoals(rows []MemoryRow) []Goal {
	var goals []Goal
	for _, row := range rows {
		if row.Dataset != "strings" {
			continue
		}
		for _, g := range []struct {
			name string
			v    *float64
		}{
			{"RSS, meridian-aa3 region 1 / redis", row.AA3Redis},
			{"RSS, largest meridian-aa3 region / redis", row.AA3LargestRedis},
			{"RSS after MEMORY PURGE, meridian-aa3 region 1 / redis", row.PurgedAA3Redis},
		} {
			if g.v == nil {
				continue
			}
			goal := Goal{Load: "memory", Name: g.name + " (" + row.Description + ")", Target: "<= 1.50", Rows: 1,
				Median: *g.v, Worst: *g.v, WorstRow: row.Dataset}
			if *g.v <= 1.5 {
				goal.Met = 1
			}
			goals = append(goals, goal)
		}
	}
	return goals
}

// Markdown renders the memory report.
func (r *MemoryReport) Markdown() string {
	var b strings.Builder
	m := r.Meta
	b.WriteString("# Meridian benchmark: memory\n\n")
	writeHostMeta(&b, m)
	b.WriteString("- method: each dataset is loaded into a fresh server (a fresh database for meridian-aa3, loaded through region 1 ")
	b.WriteString("and read once regions 2 and 3 have every write); RSS is VmRSS from /proc/PID/status, used_memory is INFO memory's, ")
	b.WriteString("read after loading and a pause, then again after MEMORY PURGE\n")
	if m.LoadAvgStart != "" || m.LoadAvgEnd != "" {
		fmt.Fprintf(&b, "- load average (1/5/15 min) at start: %s, at end: %s\n", orNA(m.LoadAvgStart), orNA(m.LoadAvgEnd))
	}
	fmt.Fprintf(&b, "- command: `%s`\n\n", m.Command)

	if len(r.Goals) > 0 {
		b.WriteString("## Memory goal\n\n| goal | target | measured | met |\n|---|---:|---:|---|\n")
		for _, g := range r.Goals {
			met := "no"
			if g.Met == 1 {
				met = "yes"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdEscape(g.Name), g.Target, f2(g.Median), met)
		}
		b.WriteString("\n")
	}

	b.WriteString("## Targets\n\n| target | status | command |\n|---|---|---|\n")
	for _, t := range r.Targets {
		cmd := "`" + ShellQuote(append([]string{t.Bin}, t.Args...)) + "`"
		if len(t.Regions) > 0 {
			cmd = mdEscape(t.Note)
		}
		status := t.Status
		if t.Note != "" && t.Status != StatusOK {
			status += ": " + firstLine(t.Note)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.Name, mdEscape(status), cmd)
	}
	b.WriteString("\n")

	b.WriteString("## RSS and used_memory\n\n")
	b.WriteString("| dataset | target | process | RSS | used_memory | RSS − baseline per item | RSS after PURGE | used_memory after PURGE | baseline RSS | load s | drain s |\n")
	b.WriteString("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Rows {
		for _, name := range TargetOrder {
			c := row.Targets[name]
			if c == nil {
				continue
			}
			if c.Error != "" && len(c.Regions) == 0 {
				fmt.Fprintf(&b, "| %s | %s | failed: %s | | | | | | | | |\n", row.Dataset, name, mdEscape(firstLine(c.Error)))
				continue
			}
			for i, reg := range c.Regions {
				proc := "server"
				if len(c.Regions) > 1 {
					proc = fmt.Sprintf("region %d", i+1)
				}
				switch {
				case c.Error != "":
					proc += " (failed: see the notes)"
				case c.DrainError != "" && i > 0:
					proc += fmt.Sprintf(" (holds %s of %s: see the notes)", thousands(reg.Items), thousands(int64(row.Items)))
				}
				per := "n/a"
				if reg.RSS > 0 && row.Items > 0 {
					per = strconv.FormatFloat(float64(reg.RSS-reg.BaselineRSS)/float64(row.Items), 'f', 1, 64) + " B"
				}
				load, drain := "", ""
				if i == 0 {
					load = strconv.FormatFloat(c.LoadSeconds, 'f', 1, 64)
					if len(c.Regions) > 1 {
						drain = strconv.FormatFloat(c.DrainSeconds, 'f', 1, 64)
					}
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", row.Dataset, name, proc,
					mib(reg.RSS), mib(reg.Used), per, mib(reg.PurgedRSS), mib(reg.PurgedUsed), mib(reg.BaselineRSS), load, drain)
			}
		}
	}
	b.WriteString("\n## Ratios to redis-server's RSS\n\n")
	b.WriteString("| dataset | meridian / redis | aa3 region 1 / redis | aa3 largest region / redis | after PURGE: meridian / redis | after PURGE: aa3 region 1 / redis |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", mdEscape(row.Description), ratio(row.MeridianRedis), ratio(row.AA3Redis),
			ratio(row.AA3LargestRedis), ratio(row.PurgedMeridianRedis), ratio(row.PurgedAA3Redis))
	}
	b.WriteString("\nThe baseline is the process right after it started (for a region: with its links up and its replication backlog allocated). ")
	b.WriteString("Meridian's used_memory is the Go heap's objects, live and not yet collected; after MEMORY PURGE (a forced collection) it is the live heap. ")
	b.WriteString("A region also keeps its replication backlog (by default a tenth of the live heap, 1 MB per shard to 64 MB) and the CRDT metadata of every key and element. ")
	b.WriteString("Meridian creates the string keys with DEBUG POPULATE like redis-server, but in Meridian they are ordinary writes that replicate to the other regions.\n")
	var notes []string
	notes = append(notes, r.Notes...)
	for _, t := range r.Targets {
		if t.Status != StatusOK {
			notes = append(notes, fmt.Sprintf("%s %s: %s", t.Name, t.Status, t.Note))
		}
	}
	for _, row := range r.Rows {
		for _, name := range TargetOrder {
			if c := row.Targets[name]; c != nil && c.Error != "" {
				notes = append(notes, fmt.Sprintf("%s %s: %s", name, row.Dataset, c.Error))
			}
			if c := row.Targets[name]; c != nil && c.DrainError != "" {
				notes = append(notes, fmt.Sprintf("%s %s: the other regions did not catch up, so their readings are of part of the data and there is no largest-region ratio: %s",
					name, row.Dataset, c.DrainError))
			}
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

// WriteFiles writes the markdown and JSON renderings; an empty path skips
// that file.
func (r *MemoryReport) WriteFiles(mdPath, jsonPath string) error {
	if mdPath != "" {
		if err := writeFile(mdPath, []byte(r.Markdown())); err != nil {
			return err
		}
	}
	if jsonPath != "" {
		return writeFile(jsonPath, indentJSON(r))
	}
	return nil
}
