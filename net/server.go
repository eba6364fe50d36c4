package net

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	stdnet "net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/net/config"
)

// The server family: INFO, CONFIG, TIME, COMMAND, DEBUG, MEMORY and OBJECT,
// with Redis 7.2's replies and error texts. The command metadata COMMAND
// serves (flags, ACL categories, tips, argument syntax) is derived here from
// the table rows every family registers.

// Error texts of this family (Redis 7.2, src/server.c, config.c, debug.c,
// object.c).
const (
	errNoConfigFile   = "ERR The server is running without a config file"
	errInvalidCommand = "ERR Invalid command specified"
	errInvalidArity   = "ERR Invalid number of arguments specified for command"
	errNoKeyArgs      = "ERR The command has no key arguments"
	errInvalidArgs    = "ERR Invalid arguments specified for command"
	errLFUNotSelected = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errLFUSelected    = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errDebugDisabled  = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
)

// isLocalClient is Redis's islocalClient: a loopback peer (Meridian has no
// unix sockets). Redis compares the address text, so only 127.0.0.1 and ::1.
func isLocalClient(c *Client) bool {
	host, _, err := stdnet.SplitHostPort(c.Addr)
	return err == nil && (host == "127.0.0.1" || host == "::1")
}

// ---------------------------------------------------------------- INFO

// infoOrder is the order of INFO's sections in Redis 7.2's output.
var infoOrder = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "commandstats", "cluster", "keyspace"}

// infoDefault is what INFO and INFO default print. Redis also prints
// errorstats by default; Meridian counts errors but not per error code, so
// it leaves that section out rather than show wrong counts.
var infoDefault = map[string]bool{"server": true, "clients": true, "memory": true, "persistence": true, "stats": true,
	"replication": true, "cpu": true, "modules": true, "cluster": true, "keyspace": true}

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
	infoStates sync.Map // *Server -> *infoState
	runIDOnce  sync.Once
	runID      string // INFO run_id: random per process, as Redis's
	replID     string // INFO master_replid
)

func infoStateOf(s *Server) *infoState {
	if v, ok := infoStates.Load(s); ok {
		return v.(*infoState)
	}
	v, _ := infoStates.LoadOrStore(s, &infoState{})
	return v.(*infoState)
}

func randomHex40() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

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
			line("config_file:")
			line("io_threads_active:0")
			line("meridian_version:%s", MeridianVersion)
			line("go_version:%s", runtime.Version())
		case "clients":
			section("Clients")
			line("connected_clients:%d", s.Connected())
			line("cluster_connections:0")
			line("maxclients:%d", cfg.Int("maxclients"))
			line("blocked_clients:0")
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
			line("pubsub_channels:0")
			line("pubsub_patterns:0")
			line("pubsubshard_channels:0")
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

func cmdInfo(c *Client, args [][]byte) {
	c.W.AppendVerbatim("txt", infoText(c, infoSelect(args[1:])))
}

// ---------------------------------------------------------------- CONFIG

func cmdConfig(c *Client, args [][]byte) { runSub(c, args, configSubcommands) }

func cmdConfigGet(c *Client, args [][]byte) {
	pats := make([]string, len(args)-2)
	for i, a := range args[2:] {
		pats[i] = string(a)
	}
	pairs := c.srv.cfg.Match(pats...)
	c.W.AppendMapLen(len(pairs))
	for _, p := range pairs {
		c.W.AppendBulkString(p[0])
		c.W.AppendBulkString(p[1])
	}
}

// cmdConfigSet serves CONFIG SET name value [name value ...]: all the pairs
// or none, with the store's Redis error texts.
func cmdConfigSet(c *Client, args [][]byte) {
	if len(args)%2 != 0 {
		c.Error(ErrSyntax)
		return
	}
	pairs := make([][2]string, 0, (len(args)-2)/2)
	for i := 2; i+1 < len(args); i += 2 {
		pairs = append(pairs, [2]string{string(args[i]), string(args[i+1])})
	}
	if err := c.srv.cfg.SetWith(config.SetOptions{Local: isLocalClient(c)}, pairs...); err != nil {
		c.Error(err.Error())
		return
	}
	c.W.AppendOK()
}

func cmdConfigResetStat(c *Client, _ [][]byte) {
	c.srv.ResetStats()
	infoStateOf(c.srv).reset()
	c.W.AppendOK()
}

// cmdConfigRewrite: the server does not know the config file it was started
// with (Options carries none), so it answers as Redis does without one.
func cmdConfigRewrite(c *Client, _ [][]byte) { c.Error(errNoConfigFile) }

var configHelp = []string{
	"GET <pattern>",
	"    Return parameters matching the glob-like <pattern> and their values.",
	"SET <directive> <value>",
	"    Set the configuration <directive> to <value>.",
	"RESETSTAT",
	"    Reset statistics reported by the INFO command.",
	"REWRITE",
	"    Rewrite the configuration file.",
}

func cmdConfigHelp(c *Client, args [][]byte) { replyHelp(c, args, configHelp) }

// ---------------------------------------------------------------- TIME

func cmdTime(c *Client, _ [][]byte) {
	now := time.Now()
	var tmp [24]byte
	c.W.AppendArrayLen(2)
	c.W.AppendBulk(strconv.AppendInt(tmp[:0], now.Unix(), 10))
	c.W.AppendBulk(strconv.AppendInt(tmp[:0], int64(now.Nanosecond()/1000), 10))
}

// ---------------------------------------------------------------- COMMAND

func cmdCommand(c *Client, args [][]byte) {
	if len(args) == 1 {
		all := c.srv.table.All()
		c.W.AppendArrayLen(len(all))
		for _, cmd := range all {
			appendCommandInfo(c, cmd)
		}
		return
	}
	runSub(c, args, commandSubcommands)
}

func cmdCommandCount(c *Client, _ [][]byte) { c.W.AppendInt(int64(c.srv.table.Len())) }

// lookupCommandName is lookupCommandBySds: "name" or "container|sub",
// case-insensitively.
func lookupCommandName(t *Table, name []byte) *Command {
	base, sub, hasSub := strings.Cut(string(name), "|")
	cmd := t.Lookup([]byte(base))
	if cmd == nil || !hasSub {
		return cmd
	}
	if strings.Contains(sub, "|") {
		return nil
	}
	return findSub(cmd.Subcommands, []byte(sub))
}

// lookupCommandArgs is lookupCommand on a command line: a container's
// subcommand when there is one; nil for an unknown subcommand.
func lookupCommandArgs(t *Table, args [][]byte) *Command {
	cmd := t.Lookup(args[0])
	if cmd == nil || len(args) == 1 || len(cmd.Subcommands) == 0 {
		return cmd
	}
	return findSub(cmd.Subcommands, args[1])
}

func cmdCommandInfo(c *Client, args [][]byte) {
	if len(args) == 2 {
		all := c.srv.table.All()
		c.W.AppendArrayLen(len(all))
		for _, cmd := range all {
			appendCommandInfo(c, cmd)
		}
		return
	}
	c.W.AppendArrayLen(len(args) - 2)
	for _, name := range args[2:] {
		if cmd := lookupCommandName(c.srv.table, name); cmd != nil {
			appendCommandInfo(c, cmd)
		} else {
			c.W.AppendNullArray()
		}
	}
}

func cmdCommandDocs(c *Client, args [][]byte) {
	var cmds []*Command
	if len(args) == 2 {
		cmds = c.srv.table.All()
	} else {
		for _, name := range args[2:] {
			if cmd := lookupCommandName(c.srv.table, name); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.W.AppendMapLen(len(cmds))
	for _, cmd := range cmds {
		c.W.AppendBulkString(cmd.Name)
		appendCommandDocs(c, cmd)
	}
}

// cmdCommandGetKeys serves COMMAND GETKEYS command [arg ...], checking in
// Redis's order: known command, has keys, argument count.
func cmdCommandGetKeys(c *Client, args [][]byte) {
	line := args[2:]
	cmd := lookupCommandArgs(c.srv.table, line)
	switch {
	case cmd == nil:
		c.Error(errInvalidCommand)
		return
	case cmd.First <= 0:
		c.Error(errNoKeyArgs)
		return
	case !checkArity(cmd.Arity, len(line)):
		c.Error(errInvalidArity)
		return
	}
	pos := cmd.KeyPositions(line)
	if len(pos) == 0 {
		c.Error(errInvalidArgs)
		return
	}
	c.W.AppendArrayLen(len(pos))
	for _, p := range pos {
		c.W.AppendBulk(line[p])
	}
}

// cmdCommandList serves COMMAND LIST [FILTERBY MODULE name | ACLCAT cat |
// PATTERN pattern]: every command and subcommand name.
func cmdCommandList(c *Client, args [][]byte) {
	var match func(cmd *Command) bool
	switch {
	case len(args) == 2:
		match = func(*Command) bool { return true }
	case len(args) == 5 && is(args[2], "filterby"):
		arg := string(args[4])
		switch {
		case is(args[3], "module"):
			match = func(*Command) bool { return false } // no modules
		case is(args[3], "aclcat"):
			match = func(cmd *Command) bool {
				for _, cat := range commandCategories(cmd) {
					if strings.EqualFold(cat[1:], arg) {
						return true
					}
				}
				return false
			}
		case is(args[3], "pattern"):
			match = func(cmd *Command) bool { return config.GlobMatch(arg, cmd.Name, true) }
		default:
			c.Error(ErrSyntax)
			return
		}
	default:
		c.Error(ErrSyntax)
		return
	}
	var names []string
	for _, cmd := range c.srv.table.All() {
		if match(cmd) {
			names = append(names, cmd.Name)
		}
		for _, sub := range cmd.Subcommands {
			if match(sub) {
				names = append(names, sub.Name)
			}
		}
	}
	c.W.AppendArrayLen(len(names))
	for _, n := range names {
		c.W.AppendBulkString(n)
	}
}

var commandHelp = []string{
	"(no subcommand)",
	"    Return details about all Redis commands.",
	"COUNT",
	"    Return the total number of commands in this Redis server.",
	"LIST",
	"    Return a list of all commands in this Redis server.",
	"INFO [<command-name> ...]",
	"    Return details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"DOCS [<command-name> ...]",
	"    Return documentation details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"GETKEYS <full-command>",
	"    Return the keys from a full Redis command.",
}

func cmdCommandHelp(c *Client, args [][]byte) { replyHelp(c, args, commandHelp) }

// flagOrder lists the command flags in the order COMMAND INFO prints them
// (Redis's replyFlagNames table).
var flagOrder = []struct {
	f    Flags
	name string
}{
	{FlagWrite, "write"}, {FlagReadonly, "readonly"}, {FlagDenyOOM, "denyoom"}, {FlagAdmin, "admin"},
	{FlagPubSub, "pubsub"}, {FlagNoScript, "noscript"}, {FlagBlocking, "blocking"}, {FlagLoading, "loading"},
	{FlagStale, "stale"}, {FlagSkipMonitor, "skip_monitor"}, {FlagFast, "fast"}, {FlagNoAuth, "no_auth"},
}

// groupCategory is the ACL category each command group's commands carry.
var groupCategory = map[string]string{
	"generic": "keyspace", "string": "string", "list": "list", "set": "set", "sorted-set": "sortedset",
	"hash": "hash", "pubsub": "pubsub", "transactions": "transaction", "connection": "connection",
	"scripting": "scripting", "hyperloglog": "hyperloglog", "geo": "geo", "stream": "stream", "bitmap": "bitmap",
}

// extraCategories are the categories Redis's command JSON lists beyond what
// the group and flags imply.
var extraCategories = map[string][]string{
	"info": {"dangerous"}, "keys": {"dangerous"}, "dbsize": {"keyspace"}, "randomkey": {"keyspace"},
	"flushdb": {"keyspace", "dangerous"}, "flushall": {"keyspace", "dangerous"}, "swapdb": {"keyspace", "dangerous"},
	"command": {"connection"}, "command|count": {"connection"}, "command|info": {"connection"}, "command|docs": {"connection"},
	"command|getkeys": {"connection"}, "command|list": {"connection"}, "command|help": {"connection"},
}

// categoryOrder is Redis's ACLCommandCategories order.
var categoryOrder = []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
	"transaction", "scripting"}

// commandCategories derives a command's ACL categories as Redis does: the
// group's category (not for containers), those implied by the flags
// (setImplicitACLCategories), and the extras its JSON names.
func commandCategories(cmd *Command) []string {
	has := make(map[string]bool)
	if len(cmd.Subcommands) == 0 {
		if g := groupCategory[cmd.Group]; g != "" {
			has[g] = true
		}
	}
	f := cmd.Flags
	has["write"] = f&FlagWrite != 0
	has["read"] = f&FlagReadonly != 0
	if f&FlagAdmin != 0 {
		has["admin"], has["dangerous"] = true, true
	}
	if f&FlagPubSub != 0 {
		has["pubsub"] = true
	}
	has["fast"] = f&FlagFast != 0
	has["slow"] = f&FlagFast == 0
	if f&FlagBlocking != 0 {
		has["blocking"] = true
	}
	for _, e := range extraCategories[cmd.Name] {
		has[e] = true
	}
	var out []string
	for _, c := range categoryOrder {
		if has[c] {
			out = append(out, "@"+c)
		}
	}
	return out
}

// commandTips are the request/response hints of Redis's command JSON for
// the commands Meridian serves.
var commandTips = map[string][]string{
	"info":             {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
	"time":             {"nondeterministic_output"},
	"client|list":      {"nondeterministic_output"},
	"client|info":      {"nondeterministic_output"},
	"command":          {"nondeterministic_output_order"},
	"command|docs":     {"nondeterministic_output_order"},
	"command|info":     {"nondeterministic_output_order"},
	"command|list":     {"nondeterministic_output_order"},
	"config|set":       {"request_policy:all_nodes", "response_policy:all_succeeded"},
	"config|resetstat": {"request_policy:all_nodes", "response_policy:all_succeeded"},
	"config|rewrite":   {"request_policy:all_nodes", "response_policy:all_succeeded"},
	"object|freq":      {"nondeterministic_output"},
	"object|idletime":  {"nondeterministic_output"},
	"randomkey":        {"request_policy:all_shards", "response_policy:special", "nondeterministic_output"},
	"keys":             {"request_policy:all_shards", "nondeterministic_output_order"},
	"scan":             {"nondeterministic_output", "request_policy:special", "response_policy:special"},
	"dbsize":           {"request_policy:all_shards", "response_policy:agg_sum"},
	"flushdb":          {"request_policy:all_shards", "response_policy:all_succeeded"},
	"flushall":         {"request_policy:all_shards", "response_policy:all_succeeded"},
	"mget":             {"request_policy:multi_shard"},
	"mset":             {"request_policy:multi_shard", "response_policy:all_succeeded"},
	"del":              {"request_policy:multi_shard", "response_policy:agg_sum"},
	"unlink":           {"request_policy:multi_shard", "response_policy:agg_sum"},
	"exists":           {"request_policy:multi_shard", "response_policy:agg_sum"},
	"touch":            {"request_policy:multi_shard", "response_policy:agg_sum"},
	"ping":             {"request_policy:all_shards", "response_policy:all_succeeded"},
}

// appendCommandInfo appends Redis 7's 10-element COMMAND INFO entry: name,
// arity, flags, first/last/step, ACL categories, tips, key specs (none:
// Meridian describes keys by the legacy triple only) and subcommands.
func appendCommandInfo(c *Client, cmd *Command) {
	w := &c.W
	w.AppendArrayLen(10)
	w.AppendBulkString(cmd.Name)
	w.AppendInt(int64(cmd.Arity))
	n := 0
	for _, fo := range flagOrder {
		if cmd.Flags&fo.f != 0 {
			n++
		}
	}
	w.AppendSetLen(n)
	for _, fo := range flagOrder {
		if cmd.Flags&fo.f != 0 {
			w.AppendSimple(fo.name)
		}
	}
	first, last, step := cmd.First, cmd.Last, cmd.Step
	if first <= 0 {
		first, last, step = 0, 0, 0
	}
	w.AppendInt(int64(first))
	w.AppendInt(int64(last))
	w.AppendInt(int64(step))
	cats := commandCategories(cmd)
	w.AppendSetLen(len(cats))
	for _, cat := range cats {
		w.AppendSimple(cat)
	}
	tips := commandTips[cmd.Name]
	w.AppendSetLen(len(tips))
	for _, t := range tips {
		w.AppendBulkString(t)
	}
	w.AppendSetLen(0) // key specs
	if len(cmd.Subcommands) == 0 {
		w.AppendSetLen(0)
		return
	}
	w.AppendArrayLen(len(cmd.Subcommands))
	for _, sub := range cmd.Subcommands {
		appendCommandInfo(c, sub)
	}
}

// appendCommandDocs appends a COMMAND DOCS entry: summary, since, group,
// arguments (when the syntax is known) and subcommands, keyed as Redis 7.2
// does. redis-cli builds its hints from "arguments" and asserts on the
// types, so their shapes follow Redis exactly.
func appendCommandDocs(c *Client, cmd *Command) {
	w := &c.W
	args := commandArgs(cmd.Name)
	n := 1
	if cmd.Summary != "" {
		n++
	}
	if cmd.Since != "" {
		n++
	}
	if args != nil {
		n++
	}
	if len(cmd.Subcommands) > 0 {
		n++
	}
	w.AppendMapLen(n)
	if cmd.Summary != "" {
		w.AppendBulkString("summary")
		w.AppendBulkString(cmd.Summary)
	}
	if cmd.Since != "" {
		w.AppendBulkString("since")
		w.AppendBulkString(cmd.Since)
	}
	w.AppendBulkString("group")
	if cmd.Group != "" {
		w.AppendBulkString(cmd.Group)
	} else {
		w.AppendBulkString("server")
	}
	if args != nil {
		w.AppendBulkString("arguments")
		appendDocArgs(c, args)
	}
	if len(cmd.Subcommands) > 0 {
		w.AppendBulkString("subcommands")
		w.AppendMapLen(len(cmd.Subcommands))
		for _, sub := range cmd.Subcommands {
			w.AppendBulkString(sub.Name)
			appendCommandDocs(c, sub)
		}
	}
}

// docArg is one argument of COMMAND DOCS (Redis's redisCommandArg).
type docArg struct {
	name, typ, token   string
	optional, multiple bool
	args               []*docArg // oneof and block
}

func appendDocArgs(c *Client, args []*docArg) {
	w := &c.W
	w.AppendArrayLen(len(args))
	for _, a := range args {
		n := 2
		if a.token != "" {
			n++
		}
		if a.optional || a.multiple {
			n++
		}
		if a.typ == "oneof" || a.typ == "block" {
			n++
		}
		w.AppendMapLen(n)
		w.AppendBulkString("name")
		w.AppendBulkString(a.name)
		w.AppendBulkString("type")
		w.AppendBulkString(a.typ)
		if a.token != "" {
			w.AppendBulkString("token")
			w.AppendBulkString(a.token)
		}
		if a.optional || a.multiple {
			w.AppendBulkString("flags")
			k := 0
			if a.optional {
				k++
			}
			if a.multiple {
				k++
			}
			w.AppendSetLen(k)
			if a.optional {
				w.AppendSimple("optional")
			}
			if a.multiple {
				w.AppendSimple("multiple")
			}
		}
		if a.typ == "oneof" || a.typ == "block" {
			w.AppendBulkString("arguments")
			appendDocArgs(c, a.args)
		}
	}
}

// commandSyntax is each command's argument syntax in the notation of
// Redis's documentation, from which COMMAND DOCS builds its "arguments"
// (and so redis-cli its hints). UPPER-CASE words are tokens; a lower-case
// word is a value, typed by an optional suffix (:key :int :double :pattern
// :unix; "key" alone is a key); [x] is optional, (a | b) one of, "x [x ...]"
// repeats; "label:(" or "label:[" names a group.
var commandSyntax = map[string]string{
	// connection
	"ping":            "[message]",
	"echo":            "message",
	"quit":            "",
	"reset":           "",
	"hello":           "[arguments:(protover:int [AUTH username password] [SETNAME clientname])]",
	"select":          "index:int",
	"client|id":       "",
	"client|setname":  "connection-name",
	"client|getname":  "",
	"client|list":     "[TYPE client-type:(NORMAL | MASTER | REPLICA | PUBSUB)] [ID client-id:int [client-id:int ...]]",
	"client|info":     "",
	"client|kill":     "filter:(ip:port | new-format:([ID client-id:int] [TYPE client-type:(NORMAL | MASTER | SLAVE | REPLICA | PUBSUB)] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME skipme:(YES | NO)] [MAXAGE maxage:int]))",
	"client|setinfo":  "attr:(LIB-NAME libname | LIB-VER libver)",
	"client|reply":    "action:(ON | OFF | SKIP)",
	"client|unblock":  "client-id:int [unblock-type:(TIMEOUT | ERROR)]",
	"client|no-evict": "enabled:(ON | OFF)",
	"client|no-touch": "enabled:(ON | OFF)",
	"client|help":     "",
	// server
	"info":             "[section [section ...]]",
	"config|get":       "parameter [parameter ...]",
	"config|set":       "parameter value [parameter value ...]",
	"config|resetstat": "",
	"config|rewrite":   "",
	"config|help":      "",
	"time":             "",
	"command|count":    "",
	"command|info":     "[command-name [command-name ...]]",
	"command|docs":     "[command-name [command-name ...]]",
	"command|getkeys":  "command [arg [arg ...]]",
	"command|list":     "[FILTERBY filterby:(MODULE module-name | ACLCAT category | PATTERN pattern:pattern)]",
	"command|help":     "",
	"memory|usage":     "key [SAMPLES count:int]",
	"memory|purge":     "",
	"memory|help":      "",
	"object|encoding":  "key",
	"object|freq":      "key",
	"object|idletime":  "key",
	"object|refcount":  "key",
	"object|help":      "",
	"dbsize":           "",
	"flushdb":          "[flush-type:(ASYNC | SYNC)]",
	"flushall":         "[flush-type:(ASYNC | SYNC)]",
	"swapdb":           "index1:int index2:int",
	// string
	"get":         "key",
	"set":         "key value [condition:(NX | XX)] [GET] [expiration:(EX seconds:int | PX milliseconds:int | EXAT unix-time-seconds:unix | PXAT unix-time-milliseconds:unix | KEEPTTL)]",
	"setnx":       "key value",
	"setex":       "key seconds:int value",
	"psetex":      "key milliseconds:int value",
	"getset":      "key value",
	"getdel":      "key",
	"getex":       "key [expiration:(EX seconds:int | PX milliseconds:int | EXAT unix-time-seconds:unix | PXAT unix-time-milliseconds:unix | PERSIST)]",
	"mget":        "key [key ...]",
	"mset":        "key value [key value ...]",
	"msetnx":      "key value [key value ...]",
	"append":      "key value",
	"strlen":      "key",
	"getrange":    "key start:int end:int",
	"substr":      "key start:int end:int",
	"setrange":    "key offset:int value",
	"incr":        "key",
	"decr":        "key",
	"incrby":      "key increment:int",
	"decrby":      "key decrement:int",
	"incrbyfloat": "key increment:double",
	"lcs":         "key1:key key2:key [LEN] [IDX] [MINMATCHLEN min-match-len:int] [WITHMATCHLEN]",
	// generic
	"del":         "key [key ...]",
	"unlink":      "key [key ...]",
	"exists":      "key [key ...]",
	"touch":       "key [key ...]",
	"type":        "key",
	"ttl":         "key",
	"pttl":        "key",
	"expiretime":  "key",
	"pexpiretime": "key",
	"persist":     "key",
	"expire":      "key seconds:int [condition:(NX | XX | GT | LT)]",
	"pexpire":     "key milliseconds:int [condition:(NX | XX | GT | LT)]",
	"expireat":    "key unix-time-seconds:unix [condition:(NX | XX | GT | LT)]",
	"pexpireat":   "key unix-time-milliseconds:unix [condition:(NX | XX | GT | LT)]",
	"keys":        "pattern:pattern",
	"scan":        "cursor:int [MATCH pattern:pattern] [COUNT count:int] [TYPE type]",
	"randomkey":   "",
	"rename":      "key newkey:key",
	"renamenx":    "key newkey:key",
	"copy":        "source:key destination:key [DB destination-db:int] [REPLACE]",
	"move":        "key db:int",
}

var (
	syntaxOnce   sync.Once
	syntaxParsed map[string][]*docArg
)

// commandArgs returns a command's parsed arguments; nil when it takes none
// or its syntax is not known (COMMAND DOCS then omits "arguments", as Redis
// does for commands without arguments).
func commandArgs(name string) []*docArg {
	syntaxOnce.Do(func() {
		syntaxParsed = make(map[string][]*docArg, len(commandSyntax))
		for n, s := range commandSyntax {
			syntaxParsed[n] = parseSyntax(s)
		}
	})
	return syntaxParsed[name]
}

// syntaxTokens splits a syntax string into words and the marks [ ] ( ) |
// and "...".
func syntaxTokens(s string) []string {
	var out []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case ' ':
			flush()
		case '[', ']', '(', ')', '|':
			flush()
			out = append(out, string(ch))
		default:
			cur.WriteByte(ch)
		}
	}
	flush()
	return out
}

// syntaxParser turns syntax tokens into docArgs.
type syntaxParser struct {
	toks []string
	i    int
}

func parseSyntax(s string) []*docArg {
	p := &syntaxParser{toks: syntaxTokens(s)}
	return p.seq()
}

func (p *syntaxParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func isMark(t string) bool {
	return t == "[" || t == "]" || t == "(" || t == ")" || t == "|" || t == "..." || t == ""
}

// isToken reports whether a word is a literal token: letters, all upper case.
func isToken(t string) bool {
	return strings.ToUpper(t) == t && strings.ToLower(t) != t
}

// label reports whether the current word names the group that follows it.
func (p *syntaxParser) label() (string, bool) {
	t := p.peek()
	if strings.HasSuffix(t, ":") && p.i+1 < len(p.toks) && (p.toks[p.i+1] == "[" || p.toks[p.i+1] == "(") {
		return strings.TrimSuffix(t, ":"), true
	}
	return "", false
}

var syntaxTypes = map[string]string{"key": "key", "int": "integer", "double": "double", "pattern": "pattern", "unix": "unix-time", "string": "string"}

func valueArg(word string) *docArg {
	if i := strings.LastIndexByte(word, ':'); i > 0 {
		if typ, ok := syntaxTypes[word[i+1:]]; ok {
			return &docArg{name: word[:i], typ: typ}
		}
	}
	if word == "key" {
		return &docArg{name: word, typ: "key"}
	}
	return &docArg{name: word, typ: "string"}
}

// seq parses items up to a closing mark or '|'. "x [x ...]" and
// "k v [k v ...]" mark the preceding item(s) as repeating.
func (p *syntaxParser) seq() []*docArg {
	var items []*docArg
	var spans [][]string // tokens each item came from, for repetitions
	for {
		t := p.peek()
		if t == "" || t == "]" || t == ")" || t == "|" {
			return items
		}
		start := p.i
		if rep, ok := p.repetition(); ok {
			if k := tailMatch(spans, rep); k == 1 {
				items[len(items)-1].multiple = true
				continue
			} else if k > 1 {
				blk := &docArg{name: "data", typ: "block", multiple: true, args: append([]*docArg(nil), items[len(items)-k:]...)}
				items = append(items[:len(items)-k], blk)
				spans = append(spans[:len(spans)-k], rep)
				continue
			}
			// "TOKEN value [value ...]": the value repeats, the token once.
			if n := len(items); n > 0 && items[n-1].token != "" && len(rep) == 1 && len(spans[n-1]) == 2 && spans[n-1][1] == rep[0] {
				items[n-1].multiple = true
				continue
			}
		}
		a := p.item()
		if a == nil {
			return items
		}
		items = append(items, a)
		spans = append(spans, p.toks[start:p.i])
	}
}

// repetition consumes "[ ... ...]" and returns the repeated tokens.
func (p *syntaxParser) repetition() ([]string, bool) {
	if p.peek() != "[" {
		return nil, false
	}
	depth := 0
	for j := p.i; j < len(p.toks); j++ {
		switch p.toks[j] {
		case "[", "(":
			depth++
		case "]", ")":
			depth--
			if depth == 0 {
				inner := p.toks[p.i+1 : j]
				if len(inner) >= 2 && inner[len(inner)-1] == "..." {
					p.i = j + 1
					return inner[:len(inner)-1], true
				}
				return nil, false
			}
		}
	}
	return nil, false
}

// tailMatch returns k when the last k spans spell rep, else 0.
func tailMatch(spans [][]string, rep []string) int {
	for k := 1; k <= len(spans); k++ {
		var joined []string
		for _, s := range spans[len(spans)-k:] {
			joined = append(joined, s...)
		}
		if len(joined) > len(rep) {
			return 0
		}
		if len(joined) == len(rep) {
			for i := range joined {
				if joined[i] != rep[i] {
					return 0
				}
			}
			return k
		}
	}
	return 0
}

// item parses one argument: a group, a token with its values, or a value.
func (p *syntaxParser) item() *docArg {
	if name, ok := p.label(); ok {
		p.i++
		a := p.group()
		if a != nil && name != "" {
			a.name = name
		}
		return a
	}
	t := p.peek()
	switch {
	case t == "[" || t == "(":
		return p.group()
	case isMark(t):
		p.i++ // a stray mark: skip it
		return nil
	case isToken(t):
		p.i++
		var vals []*docArg
		for {
			if name, ok := p.label(); ok {
				p.i++
				g := p.group()
				if g != nil {
					g.name = name
					vals = append(vals, g)
				}
				continue
			}
			if n := p.peek(); n == "(" {
				if g := p.group(); g != nil {
					vals = append(vals, g)
				}
				continue
			} else if isMark(n) || isToken(n) {
				break
			}
			vals = append(vals, valueArg(p.peek()))
			p.i++
		}
		switch len(vals) {
		case 0:
			return &docArg{name: strings.ToLower(t), typ: "pure-token", token: t}
		case 1:
			vals[0].token = t
			return vals[0]
		}
		return &docArg{name: strings.ToLower(t), typ: "block", token: t, args: vals}
	default:
		p.i++
		return valueArg(t)
	}
}

// group parses "[ alternatives ]" (optional) or "( alternatives )".
func (p *syntaxParser) group() *docArg {
	open := p.peek()
	p.i++
	var alts [][]*docArg
	for {
		alts = append(alts, p.seq())
		if p.peek() != "|" {
			break
		}
		p.i++
	}
	if t := p.peek(); t == "]" || t == ")" {
		p.i++
	}
	var a *docArg
	if len(alts) == 1 {
		seq := alts[0]
		switch len(seq) {
		case 0:
			return nil
		case 1:
			a = seq[0]
		default:
			a = &docArg{name: joinNames(seq), typ: "block", args: seq}
		}
	} else {
		opts := make([]*docArg, 0, len(alts))
		for _, alt := range alts {
			switch len(alt) {
			case 0:
			case 1:
				opts = append(opts, alt[0])
			default:
				opts = append(opts, &docArg{name: joinNames(alt), typ: "block", args: alt})
			}
		}
		a = &docArg{name: joinNames(opts), typ: "oneof", args: opts}
	}
	if open == "[" {
		a.optional = true
	}
	return a
}

func joinNames(args []*docArg) string {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a.name
	}
	return strings.Join(names, "-")
}

// ---------------------------------------------------------------- DEBUG

// debugAllowed is Redis's allowProtectedAction for enable-debug-command.
func debugAllowed(c *Client) bool {
	switch v, _ := c.srv.cfg.Get("enable-debug-command"); v {
	case "yes":
		return true
	case "local":
		return isLocalClient(c)
	}
	return false
}

// strtod parses the longest prefix of b that is a number, 0 when none, as
// C's strtod which DEBUG SLEEP uses.
func strtod(b []byte) float64 {
	s := strings.TrimLeft(string(b), " \t\n\r\f\v")
	for n := len(s); n > 0; n-- {
		if f, err := strconv.ParseFloat(s[:n], 64); err == nil {
			return f
		}
	}
	return 0
}

var debugHelp = []string{
	"OBJECT <key>",
	"    Show low level info about the `key` and associated value.",
	"SLEEP <seconds>",
	"    Stop the server for <seconds>. Decimals allowed.",
}

// cmdDebug serves DEBUG SLEEP, DEBUG OBJECT and DEBUG HELP.
func cmdDebug(c *Client, args [][]byte) {
	if !debugAllowed(c) {
		c.Error(errDebugDisabled)
		return
	}
	switch {
	case is(args[1], "help") && len(args) == 2:
		replyHelp(c, args, debugHelp)
	case is(args[1], "sleep") && len(args) == 3:
		// Like Redis, this stops the loop serving this connection (Meridian
		// has several; the others keep serving).
		if us := strtod(args[2]) * 1e6; us > 0 {
			time.Sleep(time.Duration(math.Min(us, float64(math.MaxInt64/1000))) * time.Microsecond)
		}
		c.W.AppendOK()
	case is(args[1], "object") && (len(args) == 3 || len(args) == 4):
		debugObject(c, args[2])
	default:
		subSyntaxError(c, args)
	}
}

func debugObject(c *Client, key []byte) {
	sh := c.srv.store.ShardFor(key)
	x := sh.Lock(c.Now)
	e := x.Peek(c.DB, key)
	if e == nil {
		sh.Unlock()
		c.Error(ErrNoSuchKey)
		return
	}
	v, _ := e.Value(c.Buf())
	enc := stringEncoding(e, v)
	ser := serializedLength(v, enc)
	refs := refCount(c, enc, v)
	access := e.Access
	idle := idleSeconds(c, e)
	ptr := fmt.Sprintf("%p", e)
	sh.Unlock()
	c.W.AppendSimple(fmt.Sprintf("Value at:%s refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
		ptr, refs, enc, ser, access&(1<<24-1), idle))
}

// serializedLength estimates the RDB length of a string value: an integer
// that fits 8, 16 or 32 bits is stored in 2, 3 or 5 bytes; anything else is
// a length prefix and the bytes (without LZF compression).
func serializedLength(v []byte, enc string) int {
	if enc == "int" {
		if n, ok := core.ParseInt(v); ok {
			switch {
			case n >= math.MinInt8 && n <= math.MaxInt8:
				return 2
			case n >= math.MinInt16 && n <= math.MaxInt16:
				return 3
			case n >= math.MinInt32 && n <= math.MaxInt32:
				return 5
			}
		}
	}
	switch n := len(v); {
	case n < 1<<6:
		return 1 + n
	case n < 1<<14:
		return 2 + n
	default:
		return 5 + n
	}
}

// ---------------------------------------------------------------- OBJECT

func cmdObject(c *Client, args [][]byte) { runSub(c, args, objectSubcommands) }

// stringEncoding is the encoding Redis would give a string with this value
// (tryObjectEncoding): "int" when it reads back as the same int64, "embstr"
// up to 44 bytes, else "raw". Meridian keeps no encodings, so a value Redis
// would hold as raw after APPEND or SETRANGE still reports by its content.
func stringEncoding(e *core.Entry, v []byte) string {
	if e.Kind != core.KindString {
		return "unknown"
	}
	if len(v) <= 20 {
		if _, ok := core.ParseInt(v); ok {
			return "int"
		}
	}
	if len(v) <= 44 {
		return "embstr"
	}
	return "raw"
}

// refCount is OBJECT REFCOUNT: small integers (0..9999) are Redis's shared
// objects, reported with the shared refcount INT_MAX, unless maxmemory with
// an LRU or LFU policy disables sharing; anything else has one reference.
func refCount(c *Client, enc string, v []byte) int64 {
	if enc == "int" {
		if n, ok := core.ParseInt(v); ok && n >= 0 && n < 10000 {
			policy, _ := c.srv.cfg.Get("maxmemory-policy")
			lrulfu := strings.HasSuffix(policy, "lru") || strings.HasSuffix(policy, "lfu")
			if c.srv.cfg.Int("maxmemory") == 0 || !lrulfu {
				return math.MaxInt32
			}
		}
	}
	return 1
}

// idleSeconds is the time since the key's last access, in seconds, on the
// store's LRU clock (seconds since the store started). The clock is
// computed from the server's start, which follows the store's by a moment,
// so it may read up to a second low.
func idleSeconds(c *Client, e *core.Entry) int64 {
	lru := (c.Now - c.srv.StartTime().UnixMilli()) / 1000
	if idle := lru - int64(e.Access); idle > 0 {
		return idle
	}
	return 0
}

func lfuPolicy(c *Client) bool {
	policy, _ := c.srv.cfg.Get("maxmemory-policy")
	return strings.HasSuffix(policy, "lfu")
}

// objectSub runs one OBJECT subcommand on its key, with the key's shard
// held; a missing key replies null.
func objectSub(c *Client, key []byte, fn func(e *core.Entry)) {
	sh := c.srv.store.ShardFor(key)
	x := sh.Lock(c.Now)
	e := x.Peek(c.DB, key)
	if e == nil {
		c.W.AppendNull()
	} else {
		fn(e)
	}
	sh.Unlock()
}

func cmdObjectEncoding(c *Client, args [][]byte) {
	objectSub(c, args[2], func(e *core.Entry) {
		v, _ := e.Value(c.Buf())
		c.W.AppendBulkString(stringEncoding(e, v))
	})
}

func cmdObjectRefCount(c *Client, args [][]byte) {
	objectSub(c, args[2], func(e *core.Entry) {
		v, _ := e.Value(c.Buf())
		c.W.AppendInt(refCount(c, stringEncoding(e, v), v))
	})
}

func cmdObjectIdleTime(c *Client, args [][]byte) {
	objectSub(c, args[2], func(e *core.Entry) {
		if lfuPolicy(c) {
			c.Error(errLFUSelected)
			return
		}
		c.W.AppendInt(idleSeconds(c, e))
	})
}

// cmdObjectFreq: Meridian keeps no LFU counters; under an LFU policy it
// reports 0.
func cmdObjectFreq(c *Client, args [][]byte) {
	objectSub(c, args[2], func(*core.Entry) {
		if !lfuPolicy(c) {
			c.Error(errLFUNotSelected)
			return
		}
		c.W.AppendInt(0)
	})
}

var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
}

func cmdObjectHelp(c *Client, args [][]byte) { replyHelp(c, args, objectHelp) }

// ---------------------------------------------------------------- MEMORY

func cmdMemory(c *Client, args [][]byte) { runSub(c, args, memorySubcommands) }

// allocSize rounds a request up to a jemalloc size class (8-byte steps to
// 64, then four classes per doubling), as Redis's zmalloc_size reports.
func allocSize(n int) int {
	if n <= 8 {
		return 8
	}
	if n <= 64 {
		return (n + 7) &^ 7
	}
	step := 16
	for lim := 128; n > lim; lim *= 2 {
		step *= 2
	}
	return (n + step - 1) / step * step
}

// sdsHeader is the sds header size for a string of length n.
func sdsHeader(n int) int {
	switch {
	case n < 1<<8:
		return 3
	case n < 1<<16:
		return 5
	case n < 1<<32:
		return 9
	}
	return 17
}

// memoryUsage estimates a string key's footprint the way Redis's MEMORY
// USAGE adds it up: the dict entry, the key's sds, and the value object
// (an int fits the object itself; embstr shares one allocation with it;
// raw is the object plus an sds). Meridian's CRDT metadata is not counted:
// the figure answers "what would this cost in Redis".
func memoryUsage(key, v []byte, enc string) int {
	const robj, dictEntry = 16, 24
	size := allocSize(dictEntry) + allocSize(sdsHeader(len(key))+len(key)+1)
	switch enc {
	case "int":
		size += allocSize(robj)
	case "embstr":
		size += allocSize(robj + 3 + len(v) + 1)
	default:
		size += allocSize(robj) + allocSize(sdsHeader(len(v))+len(v)+1)
	}
	return size
}

// cmdMemoryUsage serves MEMORY USAGE key [SAMPLES count].
func cmdMemoryUsage(c *Client, args [][]byte) {
	for j := 3; j < len(args); j++ {
		if is(args[j], "samples") && j+1 < len(args) {
			n, ok := argInt(args[j+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if n < 0 {
				c.Error(ErrSyntax)
				return
			}
			j++
			continue
		}
		c.Error(ErrSyntax)
		return
	}
	objectSub(c, args[2], func(e *core.Entry) {
		v, _ := e.Value(c.Buf())
		c.W.AppendInt(int64(memoryUsage(args[2], v, stringEncoding(e, v))))
	})
}

// cmdMemoryPurge returns freed memory to the OS, Go's nearest equivalent of
// jemalloc's purge.
func cmdMemoryPurge(c *Client, _ [][]byte) {
	debug.FreeOSMemory()
	c.W.AppendOK()
}

var memoryHelp = []string{
	"PURGE",
	"    Attempt to purge dirty pages for reclamation by the allocator.",
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value. Nested values are",
	"    sampled up to <count> times (default: 5, 0 means sample all).",
}

func cmdMemoryHelp(c *Client, args [][]byte) { replyHelp(c, args, memoryHelp) }

// ---------------------------------------------------------------- table

const flagsAdmin = FlagAdmin | FlagNoScript | FlagLoading | FlagStale

var configSubcommands = []*Command{
	{Name: "config|get", Arity: -3, Flags: flagsAdmin, Group: "server", Since: "2.0.0", Summary: "Returns the effective values of configuration parameters.", Handler: cmdConfigGet},
	{Name: "config|set", Arity: -4, Flags: flagsAdmin, Group: "server", Since: "2.0.0", Summary: "Sets configuration parameters in-flight.", Handler: cmdConfigSet},
	{Name: "config|resetstat", Arity: 2, Flags: flagsAdmin, Group: "server", Since: "2.0.0", Summary: "Resets the server's statistics.", Handler: cmdConfigResetStat},
	{Name: "config|rewrite", Arity: 2, Flags: flagsAdmin, Group: "server", Since: "2.8.0", Summary: "Persists the effective configuration to file.", Handler: cmdConfigRewrite},
	{Name: "config|help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "server", Since: "5.0.0", Summary: "Returns helpful text about the different subcommands.", Handler: cmdConfigHelp},
}

var commandSubcommands = []*Command{
	{Name: "command|count", Arity: 2, Flags: FlagLoading | FlagStale, Group: "server", Since: "2.8.13", Summary: "Returns a count of commands.", Handler: cmdCommandCount},
	{Name: "command|info", Arity: -2, Flags: FlagLoading | FlagStale, Group: "server", Since: "2.8.13", Summary: "Returns information about one, multiple or all commands.", Handler: cmdCommandInfo},
	{Name: "command|docs", Arity: -2, Flags: FlagLoading | FlagStale, Group: "server", Since: "7.0.0", Summary: "Returns documentary information about one, multiple or all commands.", Handler: cmdCommandDocs},
	{Name: "command|getkeys", Arity: -3, Flags: FlagLoading | FlagStale, Group: "server", Since: "2.8.13", Summary: "Extracts the key names from an arbitrary command.", Handler: cmdCommandGetKeys},
	{Name: "command|list", Arity: -2, Flags: FlagLoading | FlagStale, Group: "server", Since: "7.0.0", Summary: "Returns a list of command names.", Handler: cmdCommandList},
	{Name: "command|help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "server", Since: "5.0.0", Summary: "Returns helpful text about the different subcommands.", Handler: cmdCommandHelp},
}

var objectSubcommands = []*Command{
	{Name: "object|encoding", Arity: 3, Flags: FlagReadonly, First: 2, Last: 2, Step: 1, Group: "generic", Since: "2.2.3", Summary: "Returns the internal encoding of a Redis object.", Handler: cmdObjectEncoding},
	{Name: "object|freq", Arity: 3, Flags: FlagReadonly, First: 2, Last: 2, Step: 1, Group: "generic", Since: "4.0.0", Summary: "Returns the logarithmic access frequency counter of a Redis object.", Handler: cmdObjectFreq},
	{Name: "object|idletime", Arity: 3, Flags: FlagReadonly, First: 2, Last: 2, Step: 1, Group: "generic", Since: "2.2.3", Summary: "Returns the time since the last access to a Redis object.", Handler: cmdObjectIdleTime},
	{Name: "object|refcount", Arity: 3, Flags: FlagReadonly, First: 2, Last: 2, Step: 1, Group: "generic", Since: "2.2.3", Summary: "Returns the reference count of a value of a key.", Handler: cmdObjectRefCount},
	{Name: "object|help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "generic", Since: "6.2.0", Summary: "Returns helpful text about the different subcommands.", Handler: cmdObjectHelp},
}

var memorySubcommands = []*Command{
	{Name: "memory|usage", Arity: -3, Flags: FlagReadonly, First: 2, Last: 2, Step: 1, Group: "server", Since: "4.0.0", Summary: "Estimates the memory usage of a key.", Handler: cmdMemoryUsage},
	{Name: "memory|purge", Arity: 2, Group: "server", Since: "4.0.0", Summary: "Asks the allocator to release memory.", Handler: cmdMemoryPurge},
	{Name: "memory|help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "server", Since: "4.0.0", Summary: "Returns helpful text about the different subcommands.", Handler: cmdMemoryHelp},
}

var serverCommands = []*Command{
	{Name: "info", Arity: -1, Flags: FlagLoading | FlagStale, Group: "server", Since: "1.0.0", Summary: "Returns information and statistics about the server.", Handler: cmdInfo},
	{Name: "config", Arity: -2, Group: "server", Since: "2.0.0", Summary: "A container for server configuration commands.", Subcommands: configSubcommands, Handler: cmdConfig},
	{Name: "time", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Group: "server", Since: "2.6.0", Summary: "Returns the server time.", Handler: cmdTime},
	{Name: "command", Arity: -1, Flags: FlagLoading | FlagStale, Group: "server", Since: "2.8.13", Summary: "Returns detailed information about all commands.", Subcommands: commandSubcommands, Handler: cmdCommand},
	{Name: "debug", Arity: -2, Flags: flagsAdmin, Group: "server", Since: "1.0.0", Summary: "A container for debugging commands.", Handler: cmdDebug},
	{Name: "memory", Arity: -2, Group: "server", Since: "4.0.0", Summary: "A container for memory diagnostics commands.", Subcommands: memorySubcommands, Handler: cmdMemory},
	{Name: "object", Arity: -2, Group: "generic", Since: "2.2.3", Summary: "A container for object introspection commands.", Subcommands: objectSubcommands, Handler: cmdObject},
}
