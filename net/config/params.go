package config

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Kind says how a parameter's value is read and printed.
type Kind uint8

// Parameter kinds, mirroring Redis 7's config types.
const (
	KindString  Kind = iota + 1 // free text, sometimes with a validator
	KindInt                     // integer in a range (also octal unixsocketperm)
	KindMemory                  // byte count; accepts 1k 1kb 1m 1mb 1g 1gb; printed in bytes
	KindBool                    // yes / no
	KindEnum                    // one word out of a fixed list
	KindSpecial                 // own syntax: save, bind, client-output-buffer-limit, ...
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindInt:
		return "int"
	case KindMemory:
		return "memory"
	case KindBool:
		return "bool"
	case KindEnum:
		return "enum"
	case KindSpecial:
		return "special"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Param describes one parameter for documentation and for callers that need
// to know, e.g., which values to redact (Sensitive) from logs and SLOWLOG.
type Param struct {
	Name      string   // Redis's canonical name, lower case
	Alias     string   // Redis's alternative name ("" if none)
	Kind      Kind     // value syntax
	Default   string   // value CONFIG GET prints before any change ("dir" is filled in by New)
	Mutable   bool     // CONFIG SET may change it at run time
	Protected bool     // run-time change also needs enable-protected-configs (Redis's PROTECTED_CONFIG)
	Sensitive bool     // value is a secret
	Enum      []string // allowed words for KindEnum, in Redis's order (used in its error text)
}

type pflags uint8

const (
	fMutable pflags = 1 << iota
	fProtected
	fSensitive
	fMultiArg // the config file passes several arguments, joined with spaces
	fUnsigned // C type is unsigned: bounds compare and print unsigned
	fPercent  // also accepts "N%", stored negated (maxmemory-clients)
	fOctal    // parsed and printed in octal (unixsocketperm)
)

// param is the internal table row. norm turns a proposed value into the
// canonical text CONFIG GET prints, given the current canonical value (only
// client-output-buffer-limit needs it, since it updates classes piecemeal),
// or returns the error text Redis would print after " - ".
type param struct {
	name, alias string
	kind        Kind
	flags       pflags
	def         string
	enum        []string
	lo          int64  // numeric lower bound
	hi          uint64 // numeric upper bound (unsigned so maxmemory can reach 2^64-1)
	norm        func(p *param, old, v string) (string, error)
	num         func(p *param, canon string) int64 // value for Store.Int
}

const (
	intMax   = math.MaxInt32
	intMin   = math.MinInt32
	uintMax  = math.MaxUint32
	longMax  = math.MaxInt64
	llongMax = math.MaxInt64
	ullMax   = math.MaxUint64
)

func (p *param) public() Param {
	return Param{
		Name:      p.name,
		Alias:     p.alias,
		Kind:      p.kind,
		Default:   p.def,
		Mutable:   p.flags&fMutable != 0,
		Protected: p.flags&fProtected != 0,
		Sensitive: p.flags&fSensitive != 0,
		Enum:      append([]string(nil), p.enum...),
	}
}

// ---------------------------------------------------------------------------
// Row builders.

func boolP(name, alias string, f pflags, def bool) *param {
	d := "no"
	if def {
		d = "yes"
	}
	return &param{name: name, alias: alias, kind: KindBool, flags: f, def: d, norm: normBool, num: numBool}
}

func strP(name, alias string, f pflags, def string, valid func(string) error) *param {
	return &param{name: name, alias: alias, kind: KindString, flags: f, def: def,
		norm: func(_ *param, _, v string) (string, error) {
			if valid != nil {
				if err := valid(v); err != nil {
					return "", err
				}
			}
			return v, nil
		}}
}

func enumP(name, alias string, f pflags, def string, words ...string) *param {
	return &param{name: name, alias: alias, kind: KindEnum, flags: f, def: def, enum: words, norm: normEnum}
}

// intP is a plain integer (Redis INTEGER_CONFIG). Signed C types.
func intP(name, alias string, f pflags, lo int64, hi uint64, def int64) *param {
	p := &param{name: name, alias: alias, kind: KindInt, flags: f, lo: lo, hi: hi, norm: normNumeric, num: numNumeric}
	p.def = p.format(def)
	return p
}

// memP is a byte count (Redis MEMORY_CONFIG).
func memP(name, alias string, f pflags, lo int64, hi uint64, def int64) *param {
	p := &param{name: name, alias: alias, kind: KindMemory, flags: f, lo: lo, hi: hi, norm: normNumeric, num: numNumeric}
	p.def = p.format(def)
	return p
}

func specialP(name, alias string, f pflags, def string, norm func(p *param, old, v string) (string, error)) *param {
	return &param{name: name, alias: alias, kind: KindSpecial, flags: f, def: def, norm: norm}
}

// ---------------------------------------------------------------------------
// The table: Redis 7's parameters (src/config.c static_configs) with Redis's
// defaults, bounds, C signedness and mutability, plus Meridian's own. Defaults
// are what `redis-server` started without a config file answers to CONFIG GET
// (the shipped redis.conf overrides some, e.g. hash-max-listpack-entries 128,
// but that is a file setting, not a default).
//
// Meridian differences, on purpose: "port" and "bind" are immutable (the
// listener is not re-created at run time), and "shards" and "event-loops" are Meridian's.

const (
	rw = fMutable  // CONFIG SET may change it
	ro = pflags(0) // Redis's IMMUTABLE_CONFIG: config file and flags only
)

var table = []*param{
	// --- Meridian.
	intP("shards", "", ro, 0, 1024, 0), // 0 = four shards per event loop
	// event-loops is the number of gnet event loops (0: one per CPU core).
	// Fewer than the cores suit a machine the clients share: a loop that
	// competes with its own clients for a core adds queueing to every
	// reply (docs/benchmarks/changes.md).
	intP("event-loops", "", ro, 0, 1024, 0),
	// Active-active (see aa.go): the database this region belongs to, its
	// own replica id and name, its peers, their shared secret, the backlog
	// size and the compression of delta batches.
	strP("aa-database", "", ro, "", validAADatabase),
	strP("aa-region", "", ro, "", validAARegion),
	{name: "aa-peer", kind: KindString, flags: ro | fMultiArg, norm: normAAPeers},
	strP("aa-secret", "", ro|fSensitive, "", nil),
	memP("aa-backlog", "", ro|fUnsigned, 0, ullMax, 0), // 0: derived from maxmemory
	strP("aa-compression", "", ro, "s2", validAACompression),
	// Mutual TLS between regions (aa.go): the port peers pull from (0:
	// none, peers pull on the RESP port in clear), this region's
	// certificate and key, and the CA that signs every region's.
	intP("aa-tls-port", "", ro, 0, 65535, 0),
	strP("aa-tls-cert-file", "", ro, "", nil),
	strP("aa-tls-key-file", "", ro, "", nil),
	strP("aa-tls-ca-cert-file", "", ro, "", nil),

	// --- Bools.
	boolP("rdbchecksum", "", ro, true),
	boolP("daemonize", "", ro, false),
	boolP("io-threads-do-reads", "", ro, false),
	boolP("always-show-logo", "", ro, false),
	boolP("protected-mode", "", rw, true),
	boolP("rdbcompression", "", rw, true),
	boolP("rdb-del-sync-files", "", rw, false),
	boolP("activerehashing", "", rw, true),
	boolP("stop-writes-on-bgsave-error", "", rw, true),
	boolP("set-proc-title", "", ro, true),
	boolP("dynamic-hz", "", rw, true),
	boolP("lazyfree-lazy-eviction", "", rw, false),
	boolP("lazyfree-lazy-expire", "", rw, false),
	boolP("lazyfree-lazy-server-del", "", rw, false),
	boolP("lazyfree-lazy-user-del", "", rw, false),
	boolP("lazyfree-lazy-user-flush", "", rw, false),
	boolP("repl-disable-tcp-nodelay", "", rw, false),
	boolP("repl-diskless-sync", "", rw, true),
	boolP("aof-rewrite-incremental-fsync", "", rw, true),
	boolP("no-appendfsync-on-rewrite", "", rw, false),
	boolP("cluster-require-full-coverage", "", rw, true),
	boolP("rdb-save-incremental-fsync", "", rw, true),
	boolP("aof-load-truncated", "", rw, true),
	boolP("aof-use-rdb-preamble", "", rw, true),
	boolP("aof-timestamp-enabled", "", rw, false),
	boolP("cluster-replica-no-failover", "cluster-slave-no-failover", rw, false),
	boolP("replica-lazy-flush", "slave-lazy-flush", rw, false),
	boolP("replica-serve-stale-data", "slave-serve-stale-data", rw, true),
	boolP("replica-read-only", "slave-read-only", rw, true),
	boolP("replica-ignore-maxmemory", "slave-ignore-maxmemory", rw, true),
	boolP("jemalloc-bg-thread", "", rw, true),
	boolP("activedefrag", "", rw, false),
	boolP("syslog-enabled", "", ro, false),
	boolP("cluster-enabled", "", ro, false),
	boolP("appendonly", "", rw, false),
	boolP("cluster-allow-reads-when-down", "", rw, false),
	boolP("cluster-allow-pubsubshard-when-down", "", rw, true),
	boolP("crash-log-enabled", "", rw, true),
	boolP("crash-memcheck-enabled", "", rw, true),
	boolP("disable-thp", "", ro, true),
	boolP("cluster-allow-replica-migration", "", rw, true),
	boolP("replica-announced", "", rw, true),
	boolP("latency-tracking", "", rw, true),
	boolP("aof-disable-auto-gc", "", rw, false),
	boolP("replica-ignore-disk-write-errors", "", rw, false),

	// --- Strings.
	strP("aclfile", "", ro, "", nil),
	strP("unixsocket", "", ro, "", nil),
	strP("pidfile", "", ro, "", nil),
	strP("replica-announce-ip", "slave-announce-ip", rw, "", nil),
	strP("masteruser", "", rw|fSensitive, "", nil),
	strP("masterauth", "", rw|fSensitive, "", nil),
	strP("requirepass", "", rw|fSensitive, "", nil),
	strP("cluster-announce-ip", "", rw, "", nil),
	strP("cluster-config-file", "", ro, "nodes.conf", nil),
	strP("syslog-ident", "", ro, "redis", nil),
	strP("dbfilename", "", rw|fProtected, "dump.rdb", validDBFilename),
	strP("appendfilename", "", ro, "appendonly.aof", validAOFFilename),
	strP("appenddirname", "", ro, "appendonlydir", validAOFDirname),
	strP("ignore-warnings", "", rw, "", nil),
	strP("logfile", "", ro, "", nil),

	// --- Enums (word lists in Redis's order: it is the order of its error text).
	enumP("supervised", "", ro, "no", "upstart", "systemd", "auto", "no"),
	enumP("syslog-facility", "", ro, "local0", "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"),
	enumP("repl-diskless-load", "", rw, "disabled", "disabled", "on-empty-db", "swapdb"),
	enumP("loglevel", "", rw, "notice", "debug", "verbose", "notice", "warning", "nothing"),
	enumP("maxmemory-policy", "", rw, "noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"),
	enumP("appendfsync", "", rw, "everysec", "everysec", "always", "no"),
	enumP("oom-score-adj", "", rw, "no", "no", "yes", "relative", "absolute"),
	enumP("acl-pubsub-default", "", rw, "resetchannels", "allchannels", "resetchannels"),
	enumP("sanitize-dump-payload", "", rw, "no", "no", "yes", "clients"),
	enumP("enable-protected-configs", "", ro, "no", "no", "yes", "local"),
	enumP("enable-debug-command", "", ro, "no", "no", "yes", "local"),
	enumP("enable-module-command", "", ro, "no", "no", "yes", "local"),
	enumP("cluster-preferred-endpoint-type", "", rw, "ip", "ip", "hostname", "unknown-endpoint"),
	enumP("propagation-error-behavior", "", rw, "ignore", "ignore", "panic", "panic-on-replicas"),

	// --- Integers (C int).
	intP("databases", "", ro, 1, intMax, 16),
	intP("port", "", ro, 0, 65535, 6379),
	intP("io-threads", "", ro, 1, 128, 1),
	intP("auto-aof-rewrite-percentage", "", rw, 0, intMax, 100),
	intP("cluster-replica-validity-factor", "cluster-slave-validity-factor", rw, 0, intMax, 10),
	intP("list-max-listpack-size", "list-max-ziplist-size", rw, intMin, intMax, -2),
	intP("tcp-keepalive", "", rw, 0, intMax, 300),
	intP("cluster-migration-barrier", "", rw, 0, intMax, 1),
	intP("active-defrag-cycle-min", "", rw, 1, 99, 1),
	intP("active-defrag-cycle-max", "", rw, 1, 99, 25),
	intP("active-defrag-threshold-lower", "", rw, 0, 1000, 10),
	intP("active-defrag-threshold-upper", "", rw, 0, 1000, 100),
	intP("lfu-log-factor", "", rw, 0, intMax, 10),
	intP("lfu-decay-time", "", rw, 0, intMax, 1),
	intP("replica-priority", "slave-priority", rw, 0, intMax, 100),
	intP("repl-diskless-sync-delay", "", rw, 0, intMax, 5),
	intP("maxmemory-samples", "", rw, 1, intMax, 5),
	intP("maxmemory-eviction-tenacity", "", rw, 0, 100, 10),
	intP("timeout", "", rw, 0, intMax, 0),
	intP("replica-announce-port", "slave-announce-port", rw, 0, 65535, 0),
	intP("tcp-backlog", "", ro, 0, intMax, 511),
	intP("cluster-port", "", ro, 0, 65535, 0),
	intP("cluster-announce-bus-port", "", rw, 0, 65535, 0),
	intP("cluster-announce-port", "", rw, 0, 65535, 0),
	intP("cluster-announce-tls-port", "", rw, 0, 65535, 0),
	intP("repl-timeout", "", rw, 1, intMax, 60),
	intP("repl-ping-replica-period", "repl-ping-slave-period", rw, 1, intMax, 10),
	intP("list-compress-depth", "", rw, 0, intMax, 0),
	intP("active-expire-effort", "", rw, 1, 10, 1),
	hzP(),
	intP("min-replicas-to-write", "min-slaves-to-write", rw, 0, intMax, 0),
	intP("min-replicas-max-lag", "min-slaves-max-lag", rw, 0, intMax, 10),
	intP("shutdown-timeout", "", rw, 0, intMax, 10),
	intP("repl-diskless-sync-max-replicas", "", rw, 0, intMax, 0),
	// unsigned int
	intP("maxclients", "", rw|fUnsigned, 1, uintMax, 10000),
	octalP("unixsocketperm", "", ro|fUnsigned, 0, 0o777, 0),
	// unsigned long (bounds-checked as signed by Redis)
	intP("active-defrag-max-scan-fields", "", rw, 1, longMax, 1000),
	intP("slowlog-max-len", "", rw, 0, longMax, 128),
	intP("acllog-max-len", "", rw, 0, longMax, 128),
	// long long
	intP("busy-reply-threshold", "lua-time-limit", rw, 0, longMax, 5000),
	intP("cluster-node-timeout", "", rw, 0, llongMax, 15000),
	intP("slowlog-log-slower-than", "", rw, -1, llongMax, 10000),
	intP("latency-monitor-threshold", "", rw, 0, llongMax, 0),
	memP("proto-max-bulk-len", "", rw, 1024*1024, longMax, 512*1024*1024),
	intP("stream-node-max-entries", "", rw, 0, llongMax, 100),
	memP("repl-backlog-size", "", rw, 1, llongMax, 1024*1024),
	// unsigned long long
	memP("maxmemory", "", rw|fUnsigned, 0, ullMax, 0),
	memP("cluster-link-sendbuf-limit", "", rw|fUnsigned, 0, ullMax, 0),
	// size_t
	intP("hash-max-listpack-entries", "hash-max-ziplist-entries", rw|fUnsigned, 0, longMax, 512),
	intP("set-max-intset-entries", "", rw|fUnsigned, 0, longMax, 512),
	intP("set-max-listpack-entries", "", rw|fUnsigned, 0, longMax, 128),
	intP("set-max-listpack-value", "", rw|fUnsigned, 0, longMax, 64),
	intP("zset-max-listpack-entries", "zset-max-ziplist-entries", rw|fUnsigned, 0, longMax, 128),
	memP("active-defrag-ignore-bytes", "", rw|fUnsigned, 1, llongMax, 100<<20),
	memP("hash-max-listpack-value", "hash-max-ziplist-value", rw|fUnsigned, 0, longMax, 64),
	memP("stream-node-max-bytes", "", rw|fUnsigned, 0, longMax, 4096),
	memP("zset-max-listpack-value", "zset-max-ziplist-value", rw|fUnsigned, 0, longMax, 64),
	memP("hll-sparse-max-bytes", "", rw|fUnsigned, 0, longMax, 3000),
	intP("tracking-table-max-keys", "", rw|fUnsigned, 0, longMax, 1000000),
	memP("client-query-buffer-limit", "", rw|fUnsigned, 1024*1024, longMax, 1024*1024*1024),
	// ssize_t, memory or percent of maxmemory
	memP("maxmemory-clients", "", rw|fPercent, -100, math.MaxInt64, 0),
	// time_t / off_t
	intP("repl-backlog-ttl", "", rw, 0, longMax, 60*60),
	memP("auto-aof-rewrite-min-size", "", rw, 0, llongMax, 64*1024*1024),

	// --- Special syntax.
	specialP("dir", "", rw|fProtected, "", normDir),
	specialP("save", "", rw|fMultiArg, "3600 1 300 100 60 10000", normSave),
	specialP("client-output-buffer-limit", "", rw|fMultiArg,
		"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", normClientOutputBufferLimit),
	specialP("oom-score-adj-values", "", rw|fMultiArg, "0 200 800", normOOMScoreAdjValues),
	specialP("notify-keyspace-events", "", rw, "", normNotifyKeyspaceEvents),
	specialP("bind", "", ro|fMultiArg, "* -::*", normBind),
	specialP("replicaof", "slaveof", ro|fMultiArg, "", normReplicaOf),
	specialP("latency-tracking-info-percentiles", "", rw|fMultiArg, "50 99 99.9", normPercentiles),
}

// Lookup tables built once from table.
var (
	byName    = map[string]*param{} // canonical names and aliases
	canonical []string              // sorted canonical names
	entries   []string              // sorted names and aliases: what CONFIG GET patterns see
)

func init() {
	for _, p := range table {
		for _, n := range []string{p.name, p.alias} {
			if n == "" {
				continue
			}
			if _, dup := byName[n]; dup {
				panic("config: duplicate parameter name " + n)
			}
			byName[n] = p
			entries = append(entries, n)
		}
		canonical = append(canonical, p.name)
	}
	sort.Strings(canonical)
	sort.Strings(entries)
}

// lookup finds a parameter by canonical name or alias, case-insensitively.
func lookup(name string) *param {
	if p, ok := byName[name]; ok {
		return p
	}
	return byName[asciiLower(name)]
}

// Lookup describes a parameter (by name or alias, case-insensitive).
func Lookup(name string) (Param, bool) {
	p := lookup(name)
	if p == nil {
		return Param{}, false
	}
	return p.public(), true
}

// ---------------------------------------------------------------------------
// Normalizers: value syntax and Redis's error texts (after "... - ").

func normBool(_ *param, _, v string) (string, error) {
	switch {
	case equalFold(v, "yes"):
		return "yes", nil
	case equalFold(v, "no"):
		return "no", nil
	}
	return "", errors.New("argument must be 'yes' or 'no'")
}

func numBool(_ *param, canon string) int64 {
	if canon == "yes" {
		return 1
	}
	return 0
}

func normEnum(p *param, _, v string) (string, error) {
	for _, w := range p.enum {
		if equalFold(v, w) {
			if p.name == "oom-score-adj" && w == "relative" {
				// Redis maps both words to one value and prints the
				// first name it finds for it.
				return "yes", nil
			}
			return w, nil
		}
	}
	return "", errors.New("argument(s) must be one of the following: " + strings.Join(p.enum, ", "))
}

func octalP(name, alias string, f pflags, lo int64, hi uint64, def int64) *param {
	p := intP(name, alias, f|fOctal, lo, hi, def)
	return p
}

func hzP() *param {
	p := intP("hz", "", rw, 0, intMax, 10)
	p.norm = func(p *param, old, v string) (string, error) {
		s, err := normNumeric(p, old, v)
		if err != nil {
			return "", err
		}
		// Redis accepts any value but clamps it to [CONFIG_MIN_HZ,
		// CONFIG_MAX_HZ] when applying, and CONFIG GET shows the result.
		n, _ := strconv.ParseInt(s, 10, 64)
		return strconv.FormatInt(min(max(n, 1), 500), 10), nil
	}
	return p
}

// parseNumeric is Redis's numericParseString: memory, then percent, then
// octal, then plain integer, each only if the parameter allows it.
func (p *param) parseNumeric(v string) (int64, error) {
	memory := p.kind == KindMemory
	if memory {
		if u, ok := memtoull(v); ok {
			return int64(u), nil // C stores the unsigned result in a long long
		}
	}
	if p.flags&fPercent != 0 && len(v) > 1 && v[len(v)-1] == '%' {
		if n, ok := string2ll(v[:len(v)-1]); ok && n >= 0 {
			return -n, nil
		}
	}
	if p.flags&fOctal != 0 {
		n, end, overflow := strtoll(v, 8)
		if !overflow && end == len(v) {
			return n, nil
		}
	}
	if !memory && p.flags&(fPercent|fOctal) == 0 {
		if n, ok := string2ll(v); ok {
			return n, nil
		}
	}
	switch {
	case memory && p.flags&fPercent != 0:
		return 0, errors.New("argument must be a memory or percent value")
	case memory:
		return 0, errors.New("argument must be a memory value")
	case p.flags&fOctal != 0:
		return 0, errors.New("argument couldn't be parsed as an octal number")
	}
	return 0, errors.New("argument couldn't be parsed into an integer")
}

// checkBounds is Redis's numericBoundaryCheck.
func (p *param) checkBounds(n int64) error {
	if p.flags&fUnsigned != 0 {
		u, lo := uint64(n), uint64(p.lo)
		if u > p.hi || u < lo {
			if p.flags&fOctal != 0 {
				return fmt.Errorf("argument must be between %o and %o inclusive", lo, p.hi)
			}
			return fmt.Errorf("argument must be between %d and %d inclusive", lo, p.hi)
		}
		return nil
	}
	if p.flags&fPercent != 0 && n < 0 {
		if n < p.lo {
			return fmt.Errorf("percentage argument must be less or equal to %d", -p.lo)
		}
		return nil
	}
	if n > int64(p.hi) || n < p.lo {
		return fmt.Errorf("argument must be between %d and %d inclusive", p.lo, int64(p.hi))
	}
	return nil
}

// format is Redis's numericConfigGet.
func (p *param) format(n int64) string {
	switch {
	case p.flags&fPercent != 0 && n < 0:
		return strconv.FormatInt(-n, 10) + "%"
	case p.kind == KindMemory:
		return strconv.FormatUint(uint64(n), 10)
	case p.flags&fOctal != 0:
		return strconv.FormatUint(uint64(n), 8)
	}
	return strconv.FormatInt(n, 10)
}

func normNumeric(p *param, _, v string) (string, error) {
	n, err := p.parseNumeric(v)
	if err != nil {
		return "", err
	}
	if err := p.checkBounds(n); err != nil {
		return "", err
	}
	return p.format(n), nil
}

// numNumeric reads a canonical numeric value back. Unsigned values above
// MaxInt64 (only maxmemory-like parameters can hold them) saturate; percent
// values come back negative, as Redis stores them.
func numNumeric(p *param, canon string) int64 {
	switch {
	case p.flags&fPercent != 0 && strings.HasSuffix(canon, "%"):
		n, _ := strconv.ParseInt(canon[:len(canon)-1], 10, 64)
		return -n
	case p.flags&fOctal != 0:
		n, _ := strconv.ParseInt(canon, 8, 64)
		return n
	case p.kind == KindMemory:
		u, _ := strconv.ParseUint(canon, 10, 64)
		if u > math.MaxInt64 {
			return math.MaxInt64
		}
		return int64(u)
	}
	n, _ := strconv.ParseInt(canon, 10, 64)
	return n
}

// pathIsBaseName is Redis's check that a file name has no directory part.
func pathIsBaseName(s string) bool {
	return !strings.ContainsAny(s, "/\\")
}

func validDBFilename(v string) error {
	if !pathIsBaseName(v) {
		return errors.New("dbfilename can't be a path, just a filename")
	}
	return nil
}

func validAOFFilename(v string) error {
	if v == "" {
		return errors.New("appendfilename can't be empty")
	}
	if !pathIsBaseName(v) {
		return errors.New("appendfilename can't be a path, just a filename")
	}
	return nil
}

func validAOFDirname(v string) error {
	if v == "" {
		return errors.New("appenddirname can't be empty")
	}
	if !pathIsBaseName(v) {
		return errors.New("appenddirname can't be a path, just a dirname")
	}
	return nil
}

// splitArgsSpace is sdssplitlen(value, " "): the way CONFIG SET hands a
// multi-argument value to its parser. Every single space separates, so
// doubled spaces give empty arguments, and "" gives no argument at all.
func splitArgsSpace(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, " ")
}

// normDir stands in for Redis's chdir(): Meridian does not change its working
// directory from a config library, but keeps the one error every platform
// gives for an empty path. The server applies the directory via OnChange.
func normDir(_ *param, _, v string) (string, error) {
	if v == "" {
		return "", errors.New("No such file or directory")
	}
	return v, nil
}

// normSave is setConfigSaveOption: pairs of "seconds changes", seconds >= 1,
// changes >= 0; "" means no save points. Printed as Redis prints it.
func normSave(_ *param, _, v string) (string, error) {
	args := splitArgsSpace(v)
	if len(args)%2 != 0 {
		return "", errors.New("Invalid save parameters")
	}
	var b strings.Builder
	for j := 0; j < len(args); j += 2 {
		secs, ok1 := strtollFull(args[j])
		changes, ok2 := strtollFull(args[j+1])
		if !ok1 || !ok2 || secs < 1 || changes < 0 {
			return "", errors.New("Invalid save parameters")
		}
		if j > 0 {
			b.WriteByte(' ')
		}
		// seconds is a time_t; changes is stored in a C int.
		fmt.Fprintf(&b, "%d %d", secs, int32(changes))
	}
	return b.String(), nil
}

// normBind is setConfigBindOption: at most CONFIG_BINDADDR_MAX (16)
// addresses; a single empty argument means none.
func normBind(_ *param, _, v string) (string, error) {
	args := splitArgsSpace(v)
	if len(args) > 16 {
		return "", errors.New("Too many bind addresses specified.")
	}
	return strings.Join(args, " "), nil
}

// normReplicaOf is setConfigReplicaOfOption: "host port" or "no one".
func normReplicaOf(_ *param, _, v string) (string, error) {
	args := splitArgsSpace(v)
	if len(args) != 2 {
		return "", errors.New("wrong number of arguments")
	}
	if equalFold(args[0], "no") && equalFold(args[1], "one") {
		return "", nil
	}
	port, end, _ := strtoll(args[1], 10)
	if port < 0 || port > 65535 || end != len(args[1]) {
		return "", errors.New("Invalid master port")
	}
	return args[0] + " " + strconv.FormatInt(port, 10), nil
}

// Client classes of client-output-buffer-limit, in Redis's print order.
var obufClasses = [3]string{"normal", "slave", "pubsub"}

func obufClass(name string) int {
	switch {
	case equalFold(name, "normal"):
		return 0
	case equalFold(name, "slave"), equalFold(name, "replica"):
		return 1
	case equalFold(name, "pubsub"):
		return 2
	}
	return -1 // includes "master", which Redis refuses here
}

// normClientOutputBufferLimit is updateClientOutputBufferLimit: groups of
// "<class> <hard> <soft> <soft-seconds>" update only the classes named, so
// the result depends on the current value (old).
func normClientOutputBufferLimit(_ *param, old, v string) (string, error) {
	var cur [3][3]string
	if f := strings.Fields(old); len(f) == 12 {
		for c := 0; c < 3; c++ {
			copy(cur[c][:], f[c*4+1:c*4+4])
		}
	}
	args := splitArgsSpace(v)
	if len(args)%4 != 0 {
		return "", errors.New("Wrong number of arguments in buffer limit configuration.")
	}
	for j := 0; j < len(args); j += 4 {
		c := obufClass(args[j])
		if c < 0 {
			return "", errors.New("Invalid client class specified in buffer limit configuration.")
		}
		hard, okh := memtoull(args[j+1])
		soft, oks := memtoull(args[j+2])
		secs, oksec := strtollFull(args[j+3])
		secs = int64(int32(secs)) // stored through a C int first
		if !okh || !oks || !oksec || secs < 0 {
			return "", errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		cur[c] = [3]string{strconv.FormatUint(hard, 10), strconv.FormatUint(soft, 10), strconv.FormatInt(secs, 10)}
	}
	parts := make([]string, 0, 12)
	for c := 0; c < 3; c++ {
		parts = append(parts, obufClasses[c], cur[c][0], cur[c][1], cur[c][2])
	}
	return strings.Join(parts, " "), nil
}

// normOOMScoreAdjValues is setConfigOOMScoreAdjValuesOption.
func normOOMScoreAdjValues(_ *param, _, v string) (string, error) {
	args := splitArgsSpace(v)
	if len(args) != 3 {
		return "", errors.New("wrong number of arguments")
	}
	out := make([]string, 3)
	for i, a := range args {
		n, ok := strtollFull(a)
		if !ok || n < -2000 || n > 2000 {
			return "", errors.New("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
		}
		out[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(out, " "), nil
}

// Keyspace notification classes (Redis's NOTIFY_* bits).
const (
	nKeyspace = 1 << iota
	nKeyevent
	nGeneric
	nString
	nList
	nSet
	nHash
	nZset
	nExpired
	nEvicted
	nStream
	nKeyMiss
	nModule
	nNew
	nAll = nGeneric | nString | nList | nSet | nHash | nZset | nExpired | nEvicted | nStream | nModule
)

// normNotifyKeyspaceEvents parses like keyspaceEventsStringToFlags and
// prints like keyspaceEventsFlagsToString ("KEA" -> "AKE"). As in Redis,
// 'n' is not part of 'A' and is not printed when 'A' is.
func normNotifyKeyspaceEvents(_ *param, _, v string) (string, error) {
	flags := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case 'A':
			flags |= nAll
		case 'g':
			flags |= nGeneric
		case '$':
			flags |= nString
		case 'l':
			flags |= nList
		case 's':
			flags |= nSet
		case 'h':
			flags |= nHash
		case 'z':
			flags |= nZset
		case 'x':
			flags |= nExpired
		case 'e':
			flags |= nEvicted
		case 'K':
			flags |= nKeyspace
		case 'E':
			flags |= nKeyevent
		case 't':
			flags |= nStream
		case 'm':
			flags |= nKeyMiss
		case 'd':
			flags |= nModule
		case 'n':
			flags |= nNew
		default:
			return "", errors.New("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
		}
	}
	var b strings.Builder
	if flags&nAll == nAll {
		b.WriteByte('A')
	} else {
		for _, f := range []struct {
			bit int
			c   byte
		}{{nGeneric, 'g'}, {nString, '$'}, {nList, 'l'}, {nSet, 's'}, {nHash, 'h'}, {nZset, 'z'},
			{nExpired, 'x'}, {nEvicted, 'e'}, {nStream, 't'}, {nModule, 'd'}, {nNew, 'n'}} {
			if flags&f.bit != 0 {
				b.WriteByte(f.c)
			}
		}
	}
	if flags&nKeyspace != 0 {
		b.WriteByte('K')
	}
	if flags&nKeyevent != 0 {
		b.WriteByte('E')
	}
	if flags&nKeyMiss != 0 {
		b.WriteByte('m')
	}
	return b.String(), nil
}

// normPercentiles is setConfigLatencyTrackingInfoPercentilesOutputOption.
func normPercentiles(_ *param, _, v string) (string, error) {
	args := splitArgsSpace(v)
	out := make([]string, len(args))
	for i, a := range args {
		f, ok := string2d(a)
		if !ok {
			return "", errors.New("Invalid latency-tracking-info-percentiles parameters")
		}
		if f > 100 || f < 0 {
			return "", errors.New("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
		}
		out[i] = formatPercentile(f)
	}
	return strings.Join(out, " "), nil
}
