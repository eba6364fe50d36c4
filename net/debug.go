package net

import (
	"bytes"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// DEBUG POPULATE's errors: Redis's getPositiveLongFromObjectOrReply text,
// and its answer when the dict cannot be sized for the count.
const (
	errPopulateRange = "ERR value is out of range, must be positive"
	errPopulateOOM   = "ERR OOM in dictTryExpand"
)

// DEBUG, OBJECT and MEMORY: introspection of the server and of single keys.
// Meridian keeps no Redis encodings, LRU/LFU fields or allocator of its
// own, so OBJECT and MEMORY answer what Redis would report for the same
// value (see stringEncoding and memoryUsage).

// cmdDebug serves DEBUG SLEEP, DEBUG OBJECT, DEBUG POPULATE and DEBUG HELP.
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
	case is(args[1], "populate") && len(args) >= 3 && len(args) <= 5:
		debugPopulate(c, args)
	default:
		subSyntaxError(c, args)
	}
}

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
	"POPULATE <count> [<prefix>] [<size>]",
	"    Create <count> string keys named key:<num>. If <prefix> is specified then",
	"    it is used instead of the 'key' prefix. Like any write, they replicate to",
	"    the other regions.",
	"SLEEP <seconds>",
	"    Stop the server for <seconds>. Decimals allowed.",
}

// debugObject serves DEBUG OBJECT key: Redis's one status line, with the
// figures OBJECT and MEMORY derive for the value.
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

// populateMaxKeys bounds DEBUG POPULATE's count. Redis sizes its dict for
// the count first and answers "OOM in dictTryExpand" when that allocation
// fails; Go has no allocation that fails softly, so the same answer is
// given for a count beyond Redis's documented 2^32 keys per instance, which
// no machine running this could hold anyway.
const populateMaxKeys = 1 << 32

// populateKeyMax is the longest key DEBUG POPULATE makes: Redis formats
// "<prefix>:<n>" into a 128-byte buffer with snprintf, so longer names are
// cut to 127 bytes (and cut names that collide count as existing keys).
const populateKeyMax = 127

// debugPopulate serves DEBUG POPULATE count [prefix] [size] as Redis's
// debug.c does, for benchmarks and tests that need many keys fast: keys
// prefix:0 .. prefix:count-1 (prefix "key"), values "value:<n>", or with a
// size, that text cut or padded with zero bytes to size bytes. A key that
// exists (of any type) is left alone. Each key is its own write under its
// own shard lock (SET NX), so the other event loops keep serving while a
// large count runs, and the keys replicate like any SET.
func debugPopulate(c *Client, args [][]byte) {
	count, ok := argInt(args[2])
	if !ok || count < 0 {
		c.Error(errPopulateRange)
		return
	}
	if count > populateMaxKeys {
		c.Error(errPopulateOOM)
		return
	}
	size := int64(0)
	if len(args) == 5 {
		if size, ok = argInt(args[4]); !ok || size < 0 {
			c.Error(errPopulateRange)
			return
		}
		if size > c.srv.cfg.Int("proto-max-bulk-len") {
			c.Error(ErrStringTooLong)
			return
		}
	}
	prefix := []byte("key")
	if len(args) >= 4 {
		prefix = args[3]
		// Redis reads the prefix as a C string: it ends at a zero byte.
		if i := bytes.IndexByte(prefix, 0); i >= 0 {
			prefix = prefix[:i]
		}
	}
	store := c.srv.store
	var key, val []byte
	for j := int64(0); j < count; j++ {
		key = strconv.AppendInt(append(append(key[:0], prefix...), ':'), j, 10)
		key = key[:min(len(key), populateKeyMax)]
		val = strconv.AppendInt(append(val[:0], "value:"...), j, 10)
		if size > 0 {
			n := len(val)
			if int(size) > n {
				val = slices.Grow(val, int(size)-n)
			}
			val = val[:size]
			clear(val[min(n, int(size)):])
		}
		sh := store.ShardFor(key)
		x := sh.Lock(c.Now)
		x.Set(c.DB, key, val, shard.SetOptions{NX: true}, nil)
		sh.Unlock()
	}
	c.W.AppendOK()
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

// OBJECT.

// cmdObject is the OBJECT container.
func cmdObject(c *Client, args [][]byte) { runSub(c, args, objectSubcommands) }

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

// stringEncoding is the encoding Redis would give a string with this value
// (tryObjectEncoding): "int" when it reads back as the same int64, "embstr"
// up to 44 bytes, else "raw". Meridian keeps no encodings, so a value Redis
// would hold as raw after APPEND or SETRANGE still reports by its content.
func stringEncoding(e *core.Entry, v []byte) string {
	if e.Kind != core.KindString {
		return "raw" // a HyperLogLog is a raw string in Redis
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

func cmdObjectEncoding(c *Client, args [][]byte) {
	objectSub(c, args[2], func(e *core.Entry) {
		if enc := collectionEncoding(c, e); enc != "" {
			c.W.AppendBulkString(enc)
			return
		}
		v, _ := e.Value(c.Buf())
		c.W.AppendBulkString(stringEncoding(e, v))
	})
}

// collectionEncoding names the encoding Redis 7.2 would use for a list,
// hash, set or sorted set of this size under the *-max-listpack-* and
// set-max-intset-entries parameters ("" for strings). Meridian keeps one
// representation per type; the name tells clients and tools what Redis
// would do with the same data.
func collectionEncoding(c *Client, e *core.Entry) string {
	cfg := c.srv.cfg
	small := func(maxEntries, maxValue string, also func(name string) bool) bool {
		if e.Fields == nil || int64(e.Fields.Len()) > cfg.Int(maxEntries) {
			return false
		}
		fits := true
		limit := int(cfg.Int(maxValue))
		e.Fields.Each(func(name string, r *core.Register) bool {
			v, _ := r.Value(nil)
			fits = len(name) <= limit && (also == nil || also(string(v)))
			return fits
		})
		return fits
	}
	switch e.Kind {
	case core.KindList:
		l := e.List()
		if l != nil && l.Bytes()+2*l.Len() <= 8192 && l.Len() <= 128 {
			return "listpack"
		}
		return "quicklist"
	case core.KindHash:
		limit := int(cfg.Int("hash-max-listpack-value"))
		if small("hash-max-listpack-entries", "hash-max-listpack-value", func(v string) bool { return len(v) <= limit }) {
			return "listpack"
		}
		return "hashtable"
	case core.KindSet:
		ints := e.Fields != nil && int64(e.Fields.Len()) <= cfg.Int("set-max-intset-entries")
		if ints {
			e.Fields.Each(func(name string, _ *core.Register) bool {
				_, ok := core.ParseInt([]byte(name))
				ints = ok
				return ok
			})
		}
		switch {
		case ints:
			return "intset"
		case small("set-max-listpack-entries", "set-max-listpack-value", nil):
			return "listpack"
		}
		return "hashtable"
	case core.KindZSet:
		if small("zset-max-listpack-entries", "zset-max-listpack-value", nil) {
			return "listpack"
		}
		return "skiplist"
	}
	return ""
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

// MEMORY.

// cmdMemory is the MEMORY container.
func cmdMemory(c *Client, args [][]byte) { runSub(c, args, memorySubcommands) }

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

// cmdMemoryPurge returns freed memory to the OS, Go's nearest equivalent of
// jemalloc's purge. A first collection empties the buffer pools (sync.Pool
// keeps what one collection frees for one more cycle: the network layer's
// buffers that drained after a burst sit there), then FreeOSMemory
// collects again and hands the free pages back.
func cmdMemoryPurge(c *Client, _ [][]byte) {
	runtime.GC()
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

var objectSubcommands = []*Command{
	{Name: "object|encoding", Arity: 3, Flags: FlagReadonly, First: 2, Last: 2, Step: 1, Group: "generic", Since: "2.2.3", Summary: "Returns the internal encoding of a Redis object.", Syntax: "key", Handler: cmdObjectEncoding},
	{Name: "object|freq", Arity: 3, Flags: FlagReadonly, First: 2, Last: 2, Step: 1, Group: "generic", Since: "4.0.0", Summary: "Returns the logarithmic access frequency counter of a Redis object.", Syntax: "key", Tips: []string{"nondeterministic_output"}, Handler: cmdObjectFreq},
	{Name: "object|idletime", Arity: 3, Flags: FlagReadonly, First: 2, Last: 2, Step: 1, Group: "generic", Since: "2.2.3", Summary: "Returns the time since the last access to a Redis object.", Syntax: "key", Tips: []string{"nondeterministic_output"}, Handler: cmdObjectIdleTime},
	{Name: "object|refcount", Arity: 3, Flags: FlagReadonly, First: 2, Last: 2, Step: 1, Group: "generic", Since: "2.2.3", Summary: "Returns the reference count of a value of a key.", Syntax: "key", Handler: cmdObjectRefCount},
	{Name: "object|help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "generic", Since: "6.2.0", Summary: "Returns helpful text about the different subcommands.", Handler: cmdObjectHelp},
}

var memorySubcommands = []*Command{
	{Name: "memory|usage", Arity: -3, Flags: FlagReadonly, First: 2, Last: 2, Step: 1, Group: "server", Since: "4.0.0", Summary: "Estimates the memory usage of a key.", Syntax: "key [SAMPLES count:int]", Handler: cmdMemoryUsage},
	{Name: "memory|purge", Arity: 2, Group: "server", Since: "4.0.0", Summary: "Asks the allocator to release memory.", Handler: cmdMemoryPurge},
	{Name: "memory|help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "server", Since: "4.0.0", Summary: "Returns helpful text about the different subcommands.", Handler: cmdMemoryHelp},
}

var debugCommands = []*Command{
	{Name: "debug", Arity: -2, Flags: flagsAdmin, Group: "server", Since: "1.0.0", Summary: "A container for debugging commands.", Handler: cmdDebug},
	{Name: "memory", Arity: -2, Group: "server", Since: "4.0.0", Summary: "A container for memory diagnostics commands.", Subcommands: memorySubcommands, Handler: cmdMemory},
	{Name: "object", Arity: -2, Group: "generic", Since: "2.2.3", Summary: "A container for object introspection commands.", Subcommands: objectSubcommands, Handler: cmdObject},
}
