package net

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// INFO: the server's state as "field:value" lines in sections, with Redis
// 7.2's section and field names. Figures Meridian does not have (RDB, AOF,
// replication backlog) read as Redis's would on a server without
// persistence or replicas.

// cmdInfo serves INFO [section ...]: the selected sections as one verbatim
// text reply.
func cmdInfo(c *Client, args [][]byte) {
	c.W.AppendVerbatim("txt", infoText(c, infoSelect(args[1:])))
}

// infoOrder is the order of INFO's sections in Redis 7.2's output.
var infoOrder = []string{"server", "clients", "memory", "persistence", "stats", "replication", "crdt", "cpu", "modules", "commandstats", "cluster", "keyspace"}

// infoDefault is what INFO and INFO default print. Redis also prints
// errorstats by default; Meridian counts errors but not per error code, so
// it leaves that section out rather than show wrong counts.
var infoDefault = map[string]bool{"server": true, "clients": true, "memory": true, "persistence": true, "stats": true,
	"replication": true, "crdt": true, "cpu": true, "modules": true, "cluster": true, "keyspace": true}

// infoSelect is genInfoSectionDict: no argument means "default"; "all" is
// every section, "everything" the same plus module-generated ones (there
// are none); other names select themselves, case-insensitively; unknown
// names select nothing.
func infoSelect(args [][]byte) map[string]bool {
	if len(args) == 0 {
		return infoDefault
	}
	sel := make(map[string]bool)
	for _, a := range args {
		name := strings.ToLower(string(a))
		switch name {
		case "all", "everything":
			for _, s := range infoOrder {
				sel[s] = true
			}
		case "default":
			for s := range infoDefault {
				sel[s] = true
			}
		default:
			sel[name] = true
		}
	}
	return sel
}

// infoState is per-server state INFO keeps between calls: samples of the
// counters for the instantaneous rates, and the peak of used memory seen.
type infoState struct {
	mu      sync.Mutex
	samples []infoSample // oldest first, at most infoSamples, >= 100ms apart
	peak    uint64
}

type infoSample struct {
	at                  time.Time
	cmds, netIn, netOut uint64
}

const infoSamples = 16

var (
	runIDOnce sync.Once
	runID     string // INFO run_id: random per process, as Redis's
	replID    string // INFO master_replid
)

// infoStateOf returns s's INFO state. Any goroutine.
func infoStateOf(s *Server) *infoState { return &s.info }

func randomHex40() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ids returns INFO's run_id and master_replid, made once per process.
func ids() (string, string) {
	runIDOnce.Do(func() { runID, replID = randomHex40(), randomHex40() })
	return runID, replID
}

// rates returns the instantaneous ops/s and input/output KB/s. Redis
// samples every 100ms from its cron and averages 16 samples; Meridian has no
// cron, so it samples the counters whenever INFO runs and measures against
// the newest sample at least one second old (else the oldest one at least
// 100ms old). With no usable sample in the last minute the rates are 0.
func (st *infoState) rates(now time.Time, t Totals) (ops float64, inKbps, outKbps float64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if n := len(st.samples); n > 0 {
		last := st.samples[n-1]
		if t.Commands < last.cmds || t.NetIn < last.netIn || t.NetOut < last.netOut {
			st.samples = st.samples[:0] // counters were reset
		}
	}
	var ref *infoSample
	for i := len(st.samples) - 1; i >= 0; i-- {
		s := &st.samples[i]
		age := now.Sub(s.at)
		if age < 100*time.Millisecond || age > time.Minute {
			continue
		}
		ref = s
		if age >= time.Second {
			break
		}
	}
	if ref != nil {
		secs := now.Sub(ref.at).Seconds()
		ops = float64(t.Commands-ref.cmds) / secs
		inKbps = float64(t.NetIn-ref.netIn) / 1024 / secs
		outKbps = float64(t.NetOut-ref.netOut) / 1024 / secs
	}
	if n := len(st.samples); n == 0 || now.Sub(st.samples[n-1].at) >= 100*time.Millisecond {
		if n == infoSamples {
			copy(st.samples, st.samples[1:])
			st.samples = st.samples[:n-1]
		}
		st.samples = append(st.samples, infoSample{at: now, cmds: t.Commands, netIn: t.NetIn, netOut: t.NetOut})
	}
	return ops, inKbps, outKbps
}

func (st *infoState) notePeak(used uint64) uint64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	if used > st.peak {
		st.peak = used
	}
	return st.peak
}

func (st *infoState) reset() {
	st.mu.Lock()
	st.samples = st.samples[:0]
	st.mu.Unlock()
}

// bytesToHuman is Redis's bytesToHuman (util.c).
func bytesToHuman(n uint64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%dB", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.2fK", float64(n)/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", float64(n)/(1024*1024))
	case n < 1024*1024*1024*1024:
		return fmt.Sprintf("%.2fG", float64(n)/(1024*1024*1024))
	case n < 1024*1024*1024*1024*1024:
		return fmt.Sprintf("%.2fT", float64(n)/(1024*1024*1024*1024))
	case n < 1024*1024*1024*1024*1024*1024:
		return fmt.Sprintf("%.2fP", float64(n)/(1024*1024*1024*1024*1024))
	}
	return fmt.Sprintf("%dB", n)
}

// memStats reads the Go heap in use (Redis's used_memory: what the
// allocator hands out), the memory mapped from the OS, the resident set
// (from /proc/self/statm; the mapped size where that is unavailable) and the
// machine's memory (/proc/meminfo; 0 where unavailable).
func memStats() (used, mapped, rss, total uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		used = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		mapped = s[1].Value.Uint64()
	}
	rss = mapped
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 2 {
			if pages, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				rss = pages * uint64(os.Getpagesize())
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseUint(f[1], 10, 64); err == nil {
					total = kb * 1024
				}
				break
			}
		}
	}
	return used, mapped, rss, total
}

// osName is INFO's os field, uname's "sysname release machine" as Redis
// prints it, read from /proc where available.
func osName() string {
	machine := map[string]string{"amd64": "x86_64", "386": "i686", "arm64": "aarch64"}[runtime.GOARCH]
	if machine == "" {
		machine = runtime.GOARCH
	}
	typ, err1 := os.ReadFile("/proc/sys/kernel/ostype")
	rel, err2 := os.ReadFile("/proc/sys/kernel/osrelease")
	if err1 != nil || err2 != nil {
		return runtime.GOOS + " " + machine
	}
	return strings.TrimSpace(string(typ)) + " " + strings.TrimSpace(string(rel)) + " " + machine
}

func multiplexingAPI() string {
	switch runtime.GOOS {
	case "linux":
		return "epoll"
	case "darwin", "freebsd", "netbsd", "openbsd", "dragonfly":
		return "kqueue"
	}
	return "unknown"
}

// keyspaceCounts sums keys and keys with a deadline per database over the
// shards, taking each shard briefly in turn (the figures are a moment's
// snapshot per shard, as INFO's are).
func keyspaceCounts(s *Server, nowMs int64) (keys, expires []int) {
	st := s.store
	keys = make([]int, st.Databases())
	expires = make([]int, st.Databases())
	for i := 0; i < st.Shards(); i++ {
		sh := st.Shard(i)
		x := sh.Lock(nowMs)
		for db := range keys {
			keys[db] += x.Len(db)
			expires[db] += x.ExpiresLen(db)
		}
		sh.Unlock()
	}
	return keys, expires
}

// infoText builds INFO's text for the selected sections: "# Section"
// headers, "field:value" lines ending in CRLF, a blank line between
// sections, field names exactly Redis's.
func infoText(c *Client, sel map[string]bool) []byte {
	s := c.srv
	cfg := s.cfg
	now := time.Now()
	var b []byte
	section := func(title string) {
		if len(b) > 0 {
			b = append(b, "\r\n"...)
		}
		b = append(b, "# "...)
		b = append(b, title...)
		b = append(b, "\r\n"...)
	}
	line := func(format string, a ...any) {
		b = fmt.Appendf(b, format, a...)
		b = append(b, "\r\n"...)
	}
	run, repl := ids()
	st := infoStateOf(s)
	var totals Totals
	var storeStats = s.store.SnapshotStats()
	if sel["stats"] || sel["persistence"] {
		totals = s.Totals()
	}
	for _, name := range infoOrder {
		if !sel[name] {
			continue
		}
		switch name {
		case "crdt":
			if s.repl != nil {
				section("CRDT")
				b = s.repl.Info(b)
			}
		case "server":
			section("Server")
			exe, _ := os.Executable()
			up := int64(s.Uptime().Seconds())
			line("redis_version:%s", Version)
			line("redis_git_sha1:00000000")
			line("redis_git_dirty:0")
			line("redis_build_id:0")
			line("redis_mode:standalone")
			line("os:%s", osName())
			line("arch_bits:%d", strconv.IntSize)
			line("multiplexing_api:%s", multiplexingAPI())
			line("process_id:%d", os.Getpid())
			line("process_supervised:no")
			line("run_id:%s", run)
			line("tcp_port:%d", cfg.Int("port"))
			line("server_time_usec:%d", now.UnixMicro())
			line("uptime_in_seconds:%d", up)
			line("uptime_in_days:%d", up/86400)
			line("hz:%d", cfg.Int("hz"))
			line("configured_hz:%d", cfg.Int("hz"))
			line("lru_clock:%d", now.Unix()&(1<<24-1))
			line("executable:%s", exe)
			line("config_file:%s", s.ConfigFile())
			line("io_threads_active:0")
			line("meridian_version:%s", MeridianVersion)
			line("go_version:%s", runtime.Version())
		case "clients":
			section("Clients")
			line("connected_clients:%d", s.Connected())
			line("cluster_connections:0")
			line("maxclients:%d", cfg.Int("maxclients"))
			line("blocked_clients:%d", s.BlockedClients())
			line("tracking_clients:0")
			line("clients_in_timeout_table:0")
			line("total_blocking_keys:0")
			line("total_blocking_keys_on_nokey:0")
		case "memory":
			section("Memory")
			used, _, rss, total := memStats()
			peak := st.notePeak(used)
			maxmem := uint64(cfg.Int("maxmemory"))
			policy, _ := cfg.Get("maxmemory-policy")
			line("used_memory:%d", used)
			line("used_memory_human:%s", bytesToHuman(used))
			line("used_memory_rss:%d", rss)
			line("used_memory_rss_human:%s", bytesToHuman(rss))
			line("used_memory_peak:%d", peak)
			line("used_memory_peak_human:%s", bytesToHuman(peak))
			line("used_memory_peak_perc:%.2f%%", 100*float64(used)/float64(max(peak, 1)))
			line("total_system_memory:%d", total)
			line("total_system_memory_human:%s", bytesToHuman(total))
			line("maxmemory:%d", maxmem)
			line("maxmemory_human:%s", bytesToHuman(maxmem))
			line("maxmemory_policy:%s", policy)
			line("mem_fragmentation_ratio:%.2f", float64(rss)/float64(max(used, 1)))
			line("mem_fragmentation_bytes:%d", int64(rss)-int64(used))
			line("mem_allocator:go-%s", runtime.Version())
			line("lazyfree_pending_objects:0")
			line("lazyfreed_objects:0")
		case "persistence":
			section("Persistence")
			line("loading:0")
			line("async_loading:0")
			line("rdb_changes_since_last_save:%d", storeStats.Deltas)
			line("rdb_bgsave_in_progress:0")
			line("rdb_last_save_time:%d", s.StartTime().Unix())
			line("rdb_last_bgsave_status:ok")
			line("rdb_last_bgsave_time_sec:-1")
			line("rdb_current_bgsave_time_sec:-1")
			line("rdb_saves:0")
			line("aof_enabled:0")
			line("aof_rewrite_in_progress:0")
			line("aof_rewrite_scheduled:0")
			line("aof_last_rewrite_time_sec:-1")
			line("aof_current_rewrite_time_sec:-1")
			line("aof_last_bgrewrite_status:ok")
			line("aof_rewrites:0")
			line("aof_last_write_status:ok")
			line("module_fork_in_progress:0")
		case "stats":
			section("Stats")
			ops, inK, outK := st.rates(now, totals)
			line("total_connections_received:%d", totals.Connections)
			line("total_commands_processed:%d", totals.Commands)
			line("instantaneous_ops_per_sec:%d", int64(ops))
			line("total_net_input_bytes:%d", totals.NetIn)
			line("total_net_output_bytes:%d", totals.NetOut)
			line("total_net_repl_input_bytes:0")
			line("total_net_repl_output_bytes:0")
			line("instantaneous_input_kbps:%.2f", inK)
			line("instantaneous_output_kbps:%.2f", outK)
			line("instantaneous_input_repl_kbps:0.00")
			line("instantaneous_output_repl_kbps:0.00")
			line("rejected_connections:%d", totals.Rejected)
			line("sync_full:0")
			line("sync_partial_ok:0")
			line("sync_partial_err:0")
			line("expired_keys:%d", storeStats.ExpiredKeys)
			line("expired_stale_perc:0.00")
			line("evicted_keys:0")
			line("evicted_clients:0")
			line("keyspace_hits:%d", storeStats.Hits)
			line("keyspace_misses:%d", storeStats.Misses)
			channels, patterns, shardChannels := s.pubsubCounts()
			line("pubsub_channels:%d", channels)
			line("pubsub_patterns:%d", patterns)
			line("pubsubshard_channels:%d", shardChannels)
			line("total_forks:0")
			line("tracking_total_keys:0")
			line("tracking_total_items:0")
			line("tracking_total_prefixes:0")
			line("unexpected_error_replies:0")
			line("total_error_replies:%d", totals.Errors)
			line("dump_payload_sanitizations:0")
			line("acl_access_denied_auth:0")
			line("acl_access_denied_cmd:0")
			line("acl_access_denied_key:0")
			line("acl_access_denied_channel:0")
		case "replication":
			section("Replication")
			line("role:master")
			line("connected_slaves:0")
			line("master_failover_state:no-failover")
			line("master_replid:%s", repl)
			line("master_replid2:0000000000000000000000000000000000000000")
			line("master_repl_offset:0")
			line("second_repl_offset:-1")
			line("repl_backlog_active:0")
			line("repl_backlog_size:%d", cfg.Int("repl-backlog-size"))
			line("repl_backlog_first_byte_offset:0")
			line("repl_backlog_histlen:0")
		case "cpu":
			section("CPU")
			var self, children syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
			_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
			line("used_cpu_sys:%d.%06d", self.Stime.Sec, self.Stime.Usec)
			line("used_cpu_user:%d.%06d", self.Utime.Sec, self.Utime.Usec)
			line("used_cpu_sys_children:%d.%06d", children.Stime.Sec, children.Stime.Usec)
			line("used_cpu_user_children:%d.%06d", children.Utime.Sec, children.Utime.Usec)
		case "modules":
			section("Modules")
		case "commandstats":
			section("Commandstats")
			for _, cs := range s.CommandStats() {
				if cs.Calls == 0 && cs.Failed == 0 {
					continue
				}
				per := 0.0
				if cs.Calls > 0 {
					per = float64(cs.Usec) / float64(cs.Calls)
				}
				line("cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=0,failed_calls=%d",
					cs.Cmd.Name, cs.Calls, cs.Usec, per, cs.Failed)
			}
		case "cluster":
			section("Cluster")
			line("cluster_enabled:0")
		case "keyspace":
			section("Keyspace")
			keys, expires := keyspaceCounts(s, c.Now)
			for db, n := range keys {
				if n > 0 {
					line("db%d:keys=%d,expires=%d,avg_ttl=0", db, n, expires[db])
				}
			}
		}
	}
	return b
}

var infoCommands = []*Command{
	{Name: "info", Arity: -1, Flags: FlagLoading | FlagStale, Group: "server", Since: "1.0.0", Summary: "Returns information and statistics about the server.", Syntax: "[section [section ...]]", Tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}, ExtraCategories: []string{"dangerous"}, Handler: cmdInfo},
}
