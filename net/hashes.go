package net

import (
	"math"
	"strconv"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// The hash family: parse arguments, run the shard operation, reply. The
// replication rules are the shard's (SEMANTICS.md section 2): every field
// is a string-like register, so concurrent HSETs of different fields
// union, HDEL and DEL remove only what they observed, and HINCRBY is a
// counter increment.
//
// Values read from a shard alias its memory: every reply that carries them
// is written before the shard is released.

// Texts of the hash family (src/t_hash.c), in this file because errors.go
// belongs to the shared table.
const (
	errHashNotInteger = "ERR hash value is not an integer"
	errHashNotFloat   = "ERR hash value is not a float"
	errHashIncrNaN    = "ERR value is NaN or Infinity"
	// HRANDFIELD's count: getRangeLongFromObjectOrReply's own text, and the
	// bound WITHVALUES puts on it (so count*2 cannot overflow).
	errHashRandRange       = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errHashRandValuesRange = "ERR value is out of range"
)

// hashRandMax bounds a negative HRANDFIELD count. Redis has no bound but
// memory: HRANDFIELD h -1000000000 builds a reply of gigabytes and the
// server runs out of memory. Meridian refuses such a count with Redis's
// out-of-range text instead of taking the process down.
const hashRandMax = 1 << 24

// cmdHSet serves HSET and HMSET: fields and values come in pairs.
func cmdHSet(c *Client, args [][]byte) {
	if len(args)%2 == 1 {
		c.Error(wrongArgs(string(args[0])))
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.HSet(c.DB, args[1], args[2:])
	sh.Unlock()
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case is(args[0], "hmset"):
		c.W.AppendOK()
	default:
		c.W.AppendInt(int64(n))
	}
}

func cmdHSetNX(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	st := x.HSetNX(c.DB, args[1], args[2], args[3])
	sh.Unlock()
	switch st {
	case shard.WrongType:
		c.Error(ErrWrongType)
	case shard.OK:
		c.W.AppendInt(1)
	default:
		c.W.AppendInt(0)
	}
}

func cmdHGet(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	v, st := x.HGet(c.DB, args[1], args[2])
	replyValue(c, v, st)
	sh.Unlock()
}

func cmdHMGet(c *Client, args [][]byte) {
	fields := args[2:]
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	started := false
	st := x.HMGet(c.DB, args[1], fields, func(v []byte, ok bool) {
		if !started {
			c.W.AppendArrayLen(len(fields))
			started = true
		}
		if ok {
			c.W.AppendBulk(v)
		} else {
			c.W.AppendNull()
		}
	})
	if st == shard.WrongType {
		c.Error(ErrWrongType)
	}
	sh.Unlock()
}

// Which parts of each field HGETALL, HKEYS and HVALS reply with.
const (
	hashNames = 1 << iota
	hashValues
)

// hashGetAll serves HGETALL (a map in RESP3, a flat array in RESP2), HKEYS
// and HVALS (arrays).
func hashGetAll(c *Client, key []byte, parts int) {
	both := parts == hashNames|hashValues
	sh := c.srv.store.ShardFor(key)
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	e, st := x.Hash(c.DB, key)
	n := 0
	switch st {
	case shard.WrongType:
		c.Error(ErrWrongType)
		return
	case shard.OK:
		n = shard.HashLen(e)
	}
	if both {
		c.W.AppendMapLen(n)
	} else {
		c.W.AppendArrayLen(n)
	}
	if n == 0 {
		return
	}
	x.HashEach(e, func(name string, v []byte) bool {
		if parts&hashNames != 0 {
			c.W.AppendBulkString(name)
		}
		if parts&hashValues != 0 {
			c.W.AppendBulk(v)
		}
		return true
	})
}

func cmdHGetAll(c *Client, args [][]byte) { hashGetAll(c, args[1], hashNames|hashValues) }
func cmdHKeys(c *Client, args [][]byte)   { hashGetAll(c, args[1], hashNames) }
func cmdHVals(c *Client, args [][]byte)   { hashGetAll(c, args[1], hashValues) }

func cmdHDel(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.HDel(c.DB, args[1], args[2:])
	sh.Unlock()
	replyHashInt(c, int64(n), st)
}

// replyHashInt writes an integer reply, or WRONGTYPE.
func replyHashInt(c *Client, n int64, st shard.Status) {
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(n)
}

func cmdHLen(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.HLen(c.DB, args[1])
	sh.Unlock()
	replyHashInt(c, int64(n), st)
}

func cmdHExists(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	ok, st := x.HExists(c.DB, args[1], args[2])
	sh.Unlock()
	var n int64
	if ok {
		n = 1
	}
	replyHashInt(c, n, st)
}

func cmdHStrLen(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.HStrLen(c.DB, args[1], args[2])
	sh.Unlock()
	replyHashInt(c, int64(n), st)
}

// hashIncrError maps core's increment errors to the hash family's texts.
func hashIncrError(err error) string {
	switch err {
	case core.ErrNotInteger:
		return errHashNotInteger
	case core.ErrNotFloat:
		return errHashNotFloat
	}
	return coreError(err)
}

// cmdHIncrBy parses the increment before looking at the key, as Redis
// does, so a bad increment is reported even against a key of another type.
func cmdHIncrBy(c *Client, args [][]byte) {
	by, ok := argInt(args[3])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st, err := x.HIncrBy(c.DB, args[1], args[2], by)
	sh.Unlock()
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case err != nil:
		c.Error(hashIncrError(err))
	default:
		c.W.AppendInt(n)
	}
}

func cmdHIncrByFloat(c *Client, args [][]byte) {
	by, ok := core.ParseDD(args[3])
	if !ok {
		c.Error(ErrNotFloat)
		return
	}
	if !by.Finite() {
		c.Error(errHashIncrNaN)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	v, st, err := x.HIncrByFloat(c.DB, args[1], args[2], by, c.Buf())
	sh.Unlock()
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case err != nil:
		c.Error(hashIncrError(err))
	default:
		c.W.AppendBulk(v) // formatted into the client's buffer: safe after Unlock
	}
	c.KeepBuf(v)
}

// cmdHRandField serves HRANDFIELD key [count [WITHVALUES]] with Redis's
// order of checks: the count, the syntax, the WITHVALUES range, then the
// key. Without a count the reply is one field or a null; with one, an
// array (empty when the key is absent): count > 0 gives distinct fields,
// at most the hash's size; count < 0 gives -count fields that may repeat.
// WITHVALUES adds each value: after its field in RESP2, as a [field,
// value] pair in RESP3.
func cmdHRandField(c *Client, args [][]byte) {
	if len(args) == 2 {
		hashRandOne(c, args[1])
		return
	}
	count, ok := argInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if count < -math.MaxInt64 {
		c.Error(errHashRandRange)
		return
	}
	if len(args) > 4 || (len(args) == 4 && !is(args[3], "withvalues")) {
		c.Error(ErrSyntax)
		return
	}
	withValues := len(args) == 4
	if withValues && (count < -math.MaxInt64/2 || count > math.MaxInt64/2) {
		c.Error(errHashRandValuesRange)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	e, st := x.Hash(c.DB, args[1])
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
		return
	case st == shard.NotFound || count == 0:
		c.W.AppendArrayLen(0)
		return
	case count < -hashRandMax:
		c.Error(errHashRandValuesRange)
		return
	}
	n := -count
	if count > 0 {
		n = min(count, int64(shard.HashLen(e)))
	}
	pairs := withValues && c.W.Proto >= 3
	if withValues && !pairs {
		c.W.AppendArrayLen(int(2 * n))
	} else {
		c.W.AppendArrayLen(int(n))
	}
	x.RandomFields(e, count, func(name string, v []byte) {
		if pairs {
			c.W.AppendArrayLen(2)
		}
		c.W.AppendBulkString(name)
		if withValues {
			c.W.AppendBulk(v)
		}
	})
}

// hashRandOne serves HRANDFIELD key: one random field, or a null.
func hashRandOne(c *Client, key []byte) {
	sh := c.srv.store.ShardFor(key)
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	e, st := x.Hash(c.DB, key)
	switch st {
	case shard.WrongType:
		c.Error(ErrWrongType)
		return
	case shard.NotFound:
		c.W.AppendNull()
		return
	}
	x.RandomFields(e, -1, func(name string, _ []byte) { c.W.AppendBulkString(name) })
}

// cmdHScan serves HSCAN key cursor [MATCH pattern] [COUNT count]. Redis
// checks the cursor, then the key (absent: an empty page with cursor 0;
// another type: WRONGTYPE), and only then the options, so their errors
// come last. MATCH applies to field names; a page is a flat array of
// field, value, ... in both protocols. Pages come from shard.ScanFields:
// small hashes in one page, larger ones by ranges of field hashes.
func cmdHScan(c *Client, args [][]byte) {
	sc, ok := parseCollectionScan(c, args)
	if !ok {
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	e, st := x.Hash(c.DB, args[1])
	if !sc.proceed(c, st) {
		return
	}
	// The page's length must precede it: collect the kept fields first,
	// values copied into one buffer, then reply.
	type kept struct {
		name     string
		from, to int
	}
	var page []kept
	buf := c.Buf()
	next := x.HScan(e, sc.cursor, sc.count, func(name string, v []byte) {
		if !sc.matches(name) {
			return
		}
		from := len(buf)
		buf = append(buf, v...)
		page = append(page, kept{name: name, from: from, to: len(buf)})
	})
	c.W.AppendArrayLen(2)
	var num [20]byte
	c.W.AppendBulk(strconv.AppendUint(num[:0], next, 10))
	c.W.AppendArrayLen(2 * len(page))
	for _, k := range page {
		c.W.AppendBulkString(k.name)
		c.W.AppendBulk(buf[k.from:k.to])
	}
	c.KeepBuf(buf)
}

var hashCommands = []*Command{
	{Name: "hset", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Creates or modifies the value of a field in a hash.", Syntax: "key field value [field value ...]", Handler: cmdHSet},
	{Name: "hsetnx", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Sets the value of a field in a hash only when the field doesn't exist.", Syntax: "key field value", Handler: cmdHSetNX},
	{Name: "hmset", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Sets the values of multiple fields.", Syntax: "key field value [field value ...]", Handler: cmdHSet},
	{Name: "hget", Arity: 3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Returns the value of a field in a hash.", Syntax: "key field", Handler: cmdHGet},
	{Name: "hmget", Arity: -3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Returns the values of all fields in a hash.", Syntax: "key field [field ...]", Handler: cmdHMGet},
	{Name: "hgetall", Arity: 2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Returns all fields and values in a hash.", Syntax: "key", Tips: []string{"nondeterministic_output_order"}, Handler: cmdHGetAll},
	{Name: "hdel", Arity: -3, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", Syntax: "key field [field ...]", Handler: cmdHDel},
	{Name: "hexists", Arity: 3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Determines whether a field exists in a hash.", Syntax: "key field", Handler: cmdHExists},
	{Name: "hlen", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Returns the number of fields in a hash.", Syntax: "key", Handler: cmdHLen},
	{Name: "hstrlen", Arity: 3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "3.2.0", Summary: "Returns the length of the value of a field.", Syntax: "key field", Handler: cmdHStrLen},
	{Name: "hkeys", Arity: 2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Returns all fields in a hash.", Syntax: "key", Tips: []string{"nondeterministic_output_order"}, Handler: cmdHKeys},
	{Name: "hvals", Arity: 2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Returns all values in a hash.", Syntax: "key", Tips: []string{"nondeterministic_output_order"}, Handler: cmdHVals},
	{Name: "hincrby", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.0.0", Summary: "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", Syntax: "key field increment:int", Handler: cmdHIncrBy},
	{Name: "hincrbyfloat", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.6.0", Summary: "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", Syntax: "key field increment:double", Handler: cmdHIncrByFloat},
	{Name: "hrandfield", Arity: -2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "hash", Since: "6.2.0", Summary: "Returns one or more random fields from a hash.", Syntax: "key [options:(count:int [WITHVALUES])]", Tips: []string{"nondeterministic_output"}, Handler: cmdHRandField},
	{Name: "hscan", Arity: -3, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "hash", Since: "2.8.0", Summary: "Iterates over fields and values of a hash.", Syntax: "key cursor:int [MATCH pattern:pattern] [COUNT count:int]", Tips: []string{"nondeterministic_output"}, Handler: cmdHScan},
}
