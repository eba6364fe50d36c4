package net

import (
	"fmt"
	"math"
	"strconv"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/net/config"
	"github.com/meridiandb/meridian/shard"
)

// The generic keyspace family (DEL, EXISTS, TYPE, RENAME, COPY, KEYS, SCAN,
// EXPIRE, TTL, ...) and the whole-database commands (DBSIZE, FLUSHDB,
// FLUSHALL, SWAPDB): parse arguments, run the shard operation, reply.
//
// Commands on several keys lock every key's shard with LockKeys (ascending
// order) for the whole operation, so DEL k1 k2 or RENAME across shards is
// atomic; whole-database commands take every shard with LockAll.

// scanDefaultCount is SCAN's COUNT when none is given (Redis: 10).
const scanDefaultCount = 10

// cmdDel serves DEL and UNLINK. Meridian frees memory at once either way:
// a delete leaves a small tombstone, never a large value to reclaim later.
func cmdDel(c *Client, args [][]byte) {
	keys := args[1:]
	m := c.srv.store.LockKeys(keys, c.Now)
	n := m.Del(c.DB, keys)
	m.Unlock()
	c.W.AppendInt(int64(n))
}

func cmdExists(c *Client, args [][]byte) {
	keys := args[1:]
	m := c.srv.store.LockKeys(keys, c.Now)
	n := m.Exists(c.DB, keys)
	m.Unlock()
	c.W.AppendInt(int64(n))
}

func cmdTouch(c *Client, args [][]byte) {
	keys := args[1:]
	m := c.srv.store.LockKeys(keys, c.Now)
	n := m.Touch(c.DB, keys)
	m.Unlock()
	c.W.AppendInt(int64(n))
}

func cmdType(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	k := x.KindOf(c.DB, args[1])
	sh.Unlock()
	c.W.AppendSimple(k.String())
}

// cmdRename serves RENAME and RENAMENX.
func cmdRename(c *Client, args [][]byte) {
	nx := is(args[0], "renamenx")
	m := c.srv.store.LockKeys(args[1:3], c.Now)
	st := m.Rename(c.DB, args[1], args[2], nx)
	m.Unlock()
	switch {
	case st == shard.NotFound:
		c.Error(ErrNoSuchKey)
	case !nx:
		c.W.AppendOK()
	case st == shard.OK:
		c.W.AppendInt(1)
	default:
		c.W.AppendInt(0)
	}
}

// cmdCopy serves COPY source destination [DB n] [REPLACE]. Options are
// checked in order as Redis does, so a bad DB index is reported before a
// later syntax error.
func cmdCopy(c *Client, args [][]byte) {
	dstDB, replace := c.DB, false
	for j := 3; j < len(args); j++ {
		switch a := args[j]; {
		case is(a, "replace"):
			replace = true
		case is(a, "db") && j+1 < len(args):
			v, ok := argInt(args[j+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if v < math.MinInt32 || v > math.MaxInt32 {
				c.Error(errIntRange) // getIntFromObjectOrReply's own text
				return
			}
			if v < 0 || v >= int64(c.srv.store.Databases()) {
				c.Error(ErrDBIndex)
				return
			}
			dstDB = int(v)
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if dstDB == c.DB && string(args[1]) == string(args[2]) {
		c.Error(ErrSameObject)
		return
	}
	m := c.srv.store.LockKeys(args[1:3], c.Now)
	st := m.Copy(c.DB, args[1], dstDB, args[2], replace)
	m.Unlock()
	if st == shard.OK {
		c.W.AppendInt(1)
	} else {
		c.W.AppendInt(0)
	}
}

// cmdKeys serves KEYS pattern. It holds every shard while it collects, so
// the answer is one consistent view of the database, as in Redis (and, as
// in Redis, it stalls everything else meanwhile: SCAN is the gentle way).
func cmdKeys(c *Client, args [][]byte) {
	pat := string(args[1])
	all := pat == "*"
	var out []string
	m := c.srv.store.LockAll(c.Now)
	m.Each(func(x *shard.Exec) {
		x.EachKey(c.DB, func(k string, _ *core.Entry) bool {
			if all || config.GlobMatch(pat, k, false) {
				out = append(out, k) // map keys are immutable: safe after Unlock
			}
			return true
		})
	})
	m.Unlock()
	c.W.AppendArrayLen(len(out))
	for _, k := range out {
		c.W.AppendBulkString(k)
	}
}

// parseCursor reads a SCAN cursor as Redis 7.2 does (strtoul in base 10,
// then refusing a leading space, trailing bytes and overflow): an optional
// sign, digits; "-n" wraps to 2^64-n like strtoul, and the empty string is
// cursor 0. Meridian's cursors are key hashes, so the whole unsigned 64-bit
// range is meaningful.
func parseCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	i, neg := 0, false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	if i == len(b) {
		return 0, false // a sign without digits converts nothing
	}
	var v uint64
	for ; i < len(b); i++ {
		ch := b[i]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// cmdScan serves SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
//
// The cursor is the hash of the next key to return (0: start, and 0 again
// when done). Each shard returns up to COUNT keys at or after it in hash
// order (ScanFrom, one shard held at a time, so a scan never stalls the
// whole server), and MergeScan cuts the union into one page and the next
// cursor. MATCH and TYPE filter the page afterwards, so a page may be short
// or empty while the cursor is not 0, as in Redis. Every key present for
// the whole iteration is returned; keys are never skipped when the keyspace
// changes between calls, because the cursor is a hash, not a table slot.
// An unknown TYPE name matches nothing (Redis 7.2 does not refuse it yet).
func cmdScan(c *Client, args [][]byte) {
	cursor, ok := parseCursor(args[1])
	if !ok {
		c.Error(errInvalidCursor)
		return
	}
	count := int64(scanDefaultCount)
	var pat string
	var typ []byte
	usePat, useType := false, false
	for i := 2; i < len(args); i += 2 {
		more := i+1 < len(args)
		switch a := args[i]; {
		case is(a, "count") && more:
			v, ok := argInt(args[i+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if v < 1 {
				c.Error(ErrSyntax)
				return
			}
			count = v
		case is(a, "match") && more:
			pat = string(args[i+1])
			usePat = pat != "*"
		case is(a, "type") && more:
			typ = args[i+1]
			useType = true
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	st := c.srv.store
	n := st.Shards()
	parts := make([][]shard.ScanItem, n)
	mores := make([]bool, n)
	for i := 0; i < n; i++ {
		sh := st.Shard(i)
		x := sh.Lock(c.Now)
		parts[i], mores[i] = x.ScanFrom(nil, c.DB, cursor, int(count))
		sh.Unlock()
	}
	page, next := shard.MergeScan(parts, mores, int(count))
	kept := page[:0]
	for _, it := range page {
		if useType && !is(typ, it.Kind.String()) {
			continue
		}
		if usePat && !config.GlobMatch(pat, it.Key, false) {
			continue
		}
		kept = append(kept, it)
	}
	c.W.AppendArrayLen(2)
	buf := strconv.AppendUint(c.Buf(), next, 10)
	c.W.AppendBulk(buf)
	c.KeepBuf(buf)
	c.W.AppendArrayLen(len(kept))
	for _, it := range kept {
		c.W.AppendBulkString(it.Key)
	}
}

func cmdRandomKey(c *Client, args [][]byte) {
	m := c.srv.store.LockAll(c.Now)
	k, ok := m.RandomKey(c.DB)
	m.Unlock()
	if !ok {
		c.W.AppendNull()
		return
	}
	c.W.AppendBulkString(k)
}

// expireWhen turns EXPIRE's argument into an absolute deadline (Unix ms)
// with Redis 7.2's overflow checks (expireGenericCommand): the seconds to
// milliseconds conversion and the addition of the base time must both fit
// in 64 bits. Negative values are allowed: they lie in the past and delete
// the key.
func expireWhen(now, v int64, unit int, absolute bool) (int64, bool) {
	if unit == unitSeconds {
		if v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
			return 0, false
		}
		v *= 1000
	}
	var base int64
	if !absolute {
		base = now
	}
	if v > math.MaxInt64-base {
		return 0, false
	}
	return v + base, true
}

// expireHandler builds the handler of EXPIRE (seconds, relative), PEXPIRE,
// EXPIREAT and PEXPIREAT: key value [NX | XX] [GT | LT]. As in Redis the
// options are checked before the value.
func expireHandler(unit int, absolute bool) Handler {
	return func(c *Client, args [][]byte) {
		var cond shard.ExpireCond
		for _, a := range args[3:] {
			switch {
			case is(a, "nx"):
				cond.NX = true
			case is(a, "xx"):
				cond.XX = true
			case is(a, "gt"):
				cond.GT = true
			case is(a, "lt"):
				cond.LT = true
			default:
				c.Error(fmt.Sprintf(errUnsupportedOption, a))
				return
			}
		}
		if cond.NX && (cond.XX || cond.GT || cond.LT) {
			c.Error(ErrNXXXGTLT)
			return
		}
		if cond.GT && cond.LT {
			c.Error(errGTAndLT)
			return
		}
		v, ok := argInt(args[2])
		if !ok {
			c.Error(ErrNotInteger)
			return
		}
		when, ok := expireWhen(c.Now, v, unit, absolute)
		if !ok {
			c.Error(invalidExpire(args[0]))
			return
		}
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		st := x.Expire(c.DB, args[1], when, cond)
		sh.Unlock()
		if st == shard.OK {
			c.W.AppendInt(1)
		} else {
			c.W.AppendInt(0)
		}
	}
}

// ttlHandler builds the handler of TTL (ms=false, abs=false), PTTL,
// EXPIRETIME and PEXPIRETIME: -2 for a missing key, -1 for no TTL, else
// the time left (never below 0) or the deadline; seconds are rounded to
// the nearest, as Redis's ttlGenericCommand does.
func ttlHandler(ms, abs bool) Handler {
	return func(c *Client, args [][]byte) {
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		dl, st := x.Expiry(c.DB, args[1])
		sh.Unlock()
		switch {
		case st == shard.NotFound:
			c.W.AppendInt(-2)
		case dl == 0:
			c.W.AppendInt(-1)
		default:
			t := dl
			if !abs {
				t = max(dl-c.Now, 0)
			}
			if !ms {
				// Redis's (t+500)/1000, without its overflow when the
				// deadline is near the top of the range.
				t = t/1000 + (t%1000)/500
			}
			c.W.AppendInt(t)
		}
	}
}

func cmdPersist(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	done := x.Persist(c.DB, args[1])
	sh.Unlock()
	if done {
		c.W.AppendInt(1)
	} else {
		c.W.AppendInt(0)
	}
}

func cmdDBSize(c *Client, args [][]byte) {
	m := c.srv.store.LockAll(c.Now)
	n := m.Len(c.DB)
	m.Unlock()
	c.W.AppendInt(int64(n))
}

// flushMode checks FLUSHDB's and FLUSHALL's optional ASYNC or SYNC (both
// mean the same here: the flush replicates key by key either way).
func flushMode(c *Client, args [][]byte) bool {
	if len(args) > 2 || (len(args) == 2 && !is(args[1], "async") && !is(args[1], "sync")) {
		c.Error(ErrSyntax)
		return false
	}
	return true
}

func cmdFlushDB(c *Client, args [][]byte) {
	if !flushMode(c, args) {
		return
	}
	m := c.srv.store.LockAll(c.Now)
	m.Flush(c.DB)
	m.Unlock()
	c.W.AppendOK()
}

func cmdFlushAll(c *Client, args [][]byte) {
	if !flushMode(c, args) {
		return
	}
	m := c.srv.store.LockAll(c.Now)
	for db := 0; db < c.srv.store.Databases(); db++ {
		m.Flush(db)
	}
	m.Unlock()
	c.W.AppendOK()
}

// cmdSwapDB serves SWAPDB index1 index2. Each index must be a 32-bit
// integer (else Redis's "invalid first/second DB index") and in range.
func cmdSwapDB(c *Client, args [][]byte) {
	if c.srv.repl != nil {
		// Swapping whole databases has no observed-remove meaning: a
		// concurrent write in another region would land in whichever
		// database its index names there. Refused, as Redis Enterprise's
		// Active-Active databases refuse it.
		c.Error(errSwapDBActiveActive)
		return
	}
	a, ok := argInt(args[1])
	if !ok || a < math.MinInt32 || a > math.MaxInt32 {
		c.Error(errFirstDBIndex)
		return
	}
	b, ok := argInt(args[2])
	if !ok || b < math.MinInt32 || b > math.MaxInt32 {
		c.Error(errSecondDBIndex)
		return
	}
	n := int64(c.srv.store.Databases())
	if a < 0 || a >= n || b < 0 || b >= n {
		c.Error(ErrDBIndex)
		return
	}
	m := c.srv.store.LockAll(c.Now)
	m.SwapDB(int(a), int(b))
	m.Unlock()
	c.W.AppendOK()
}

var keyCommands = []*Command{
	{Name: "del", Arity: -2, Flags: FlagWrite, First: 1, Last: -1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Deletes one or more keys.", Syntax: "key [key ...]", Tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, Handler: cmdDel},
	{Name: "unlink", Arity: -2, Flags: FlagWrite | FlagFast, First: 1, Last: -1, Step: 1, Group: "generic", Since: "4.0.0", Summary: "Asynchronously deletes one or more keys.", Syntax: "key [key ...]", Tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, Handler: cmdDel},
	{Name: "exists", Arity: -2, Flags: FlagReadonly | FlagFast, First: 1, Last: -1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Determines whether one or more keys exist.", Syntax: "key [key ...]", Tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, Handler: cmdExists},
	{Name: "type", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Determines the type of value stored at a key.", Syntax: "key", Handler: cmdType},
	{Name: "rename", Arity: 3, Flags: FlagWrite, First: 1, Last: 2, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Renames a key and overwrites the destination.", Syntax: "key newkey:key", Handler: cmdRename},
	{Name: "renamenx", Arity: 3, Flags: FlagWrite | FlagFast, First: 1, Last: 2, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Renames a key only when the target key name doesn't exist.", Syntax: "key newkey:key", Handler: cmdRename},
	{Name: "copy", Arity: -3, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 2, Step: 1, Group: "generic", Since: "6.2.0", Summary: "Copies the value of a key to a new key.", Syntax: "source:key destination:key [DB destination-db:int] [REPLACE]", Handler: cmdCopy},
	{Name: "keys", Arity: 2, Flags: FlagReadonly, Group: "generic", Since: "1.0.0", Summary: "Returns all key names that match a pattern.", Syntax: "pattern:pattern", Tips: []string{"request_policy:all_shards", "nondeterministic_output_order"}, ExtraCategories: []string{"dangerous"}, Handler: cmdKeys},
	{Name: "scan", Arity: -2, Flags: FlagReadonly, Group: "generic", Since: "2.8.0", Summary: "Iterates over the key names in the database.", Syntax: "cursor:int [MATCH pattern:pattern] [COUNT count:int] [TYPE type]", Tips: []string{"nondeterministic_output", "request_policy:special", "response_policy:special"}, Handler: cmdScan},
	{Name: "randomkey", Arity: 1, Flags: FlagReadonly, Group: "generic", Since: "1.0.0", Summary: "Returns a random key name from the database.", Tips: []string{"request_policy:all_shards", "response_policy:special", "nondeterministic_output"}, ExtraCategories: []string{"keyspace"}, Handler: cmdRandomKey},
	{Name: "touch", Arity: -2, Flags: FlagReadonly | FlagFast, First: 1, Last: -1, Step: 1, Group: "generic", Since: "3.2.1", Summary: "Returns the number of existing keys out of those specified after updating the time they were last accessed.", Syntax: "key [key ...]", Tips: []string{"request_policy:multi_shard", "response_policy:agg_sum"}, Handler: cmdTouch},
	{Name: "expire", Arity: -3, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Sets the expiration time of a key in seconds.", Syntax: "key seconds:int [condition:(NX | XX | GT | LT)]", Handler: expireHandler(unitSeconds, false)},
	{Name: "pexpire", Arity: -3, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "generic", Since: "2.6.0", Summary: "Sets the expiration time of a key in milliseconds.", Syntax: "key milliseconds:int [condition:(NX | XX | GT | LT)]", Handler: expireHandler(unitMillis, false)},
	{Name: "expireat", Arity: -3, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "generic", Since: "1.2.0", Summary: "Sets the expiration time of a key to a Unix timestamp.", Syntax: "key unix-time-seconds:unix [condition:(NX | XX | GT | LT)]", Handler: expireHandler(unitSeconds, true)},
	{Name: "pexpireat", Arity: -3, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "generic", Since: "2.6.0", Summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", Syntax: "key unix-time-milliseconds:unix [condition:(NX | XX | GT | LT)]", Handler: expireHandler(unitMillis, true)},
	{Name: "ttl", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Returns the expiration time in seconds of a key.", Syntax: "key", Handler: ttlHandler(false, false)},
	{Name: "pttl", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "generic", Since: "2.6.0", Summary: "Returns the expiration time in milliseconds of a key.", Syntax: "key", Handler: ttlHandler(true, false)},
	{Name: "expiretime", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "generic", Since: "7.0.0", Summary: "Returns the expiration time of a key as a Unix timestamp.", Syntax: "key", Handler: ttlHandler(false, true)},
	{Name: "pexpiretime", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "generic", Since: "7.0.0", Summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.", Syntax: "key", Handler: ttlHandler(true, true)},
	{Name: "persist", Arity: 2, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "generic", Since: "2.2.0", Summary: "Removes the expiration time of a key.", Syntax: "key", Handler: cmdPersist},
	{Name: "dbsize", Arity: 1, Flags: FlagReadonly | FlagFast, Group: "server", Since: "1.0.0", Summary: "Returns the number of keys in the database.", Tips: []string{"request_policy:all_shards", "response_policy:agg_sum"}, ExtraCategories: []string{"keyspace"}, Handler: cmdDBSize},
	{Name: "flushdb", Arity: -1, Flags: FlagWrite, Group: "server", Since: "1.0.0", Summary: "Remove all keys from the current database.", Syntax: "[flush-type:(ASYNC | SYNC)]", Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}, ExtraCategories: []string{"keyspace", "dangerous"}, Handler: cmdFlushDB},
	{Name: "flushall", Arity: -1, Flags: FlagWrite, Group: "server", Since: "1.0.0", Summary: "Removes all keys from all databases.", Syntax: "[flush-type:(ASYNC | SYNC)]", Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}, ExtraCategories: []string{"keyspace", "dangerous"}, Handler: cmdFlushAll},
	{Name: "swapdb", Arity: 3, Flags: FlagWrite | FlagFast, Group: "server", Since: "4.0.0", Summary: "Swaps two Redis databases.", Syntax: "index1:int index2:int", ExtraCategories: []string{"keyspace", "dangerous"}, Handler: cmdSwapDB},
}
