package net

import (
	"math"
	"strconv"

	"github.com/meridiandb/meridian/shard"
)

// The set family: parse arguments, run the shard operation, reply. The
// replication rules are the shard's (SEMANTICS.md section 3, see
// shard/sets.go): an add-wins observed-remove set; SPOP and SMOVE remove
// the member this region chose; the *STORE commands replace their
// destination by an observed delete plus adds.
//
// Commands on several keys (SMOVE, SINTER, SUNION, SDIFF, SINTERCARD and
// the *STORE forms) hold every key's shard, taken together in ascending
// order by Store.LockKeys, so each runs atomically. Member names handed out
// by the shard are immutable strings; replies are still written before the
// shards are released, which keeps a read and its reply one atomic step.

// Texts of the set family (src/t_set.c and server.c's range helpers), in
// this file because errors.go belongs to the shared table.
const (
	// SPOP's count: getPositiveLongFromObjectOrReply's own text, for a
	// negative count and for one that is not an integer at all.
	errSetPopCount = "ERR value is out of range, must be positive"
	// SRANDMEMBER's count: getRangeLongFromObjectOrReply's text for the
	// one 64-bit value outside [-LONG_MAX, LONG_MAX].
	errSetRandRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	// SRANDMEMBER's refusal of a negative count past setRandMax.
	errSetRandTooMany = "ERR value is out of range"
	// SINTERCARD's numkeys and LIMIT: the texts Redis passes to its range
	// helpers, which they also reply for an argument that is not a number.
	errSetNumkeys     = "ERR numkeys should be greater than 0"
	errSetNumkeysArgs = "ERR Number of keys can't be greater than number of args"
	errSetLimit       = "ERR LIMIT can't be negative"
)

// setRandMax bounds a negative SRANDMEMBER count. Redis has no bound but
// memory: SRANDMEMBER s -1000000000 builds a reply of gigabytes and the
// server runs out of memory. Meridian refuses such a count with Redis's
// out-of-range text instead (the hash family's HRANDFIELD does the same).
const setRandMax = 1 << 24

// replySetInt writes an integer reply, or WRONGTYPE.
func replySetInt(c *Client, n int, st shard.Status) {
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(int64(n))
}

func cmdSAdd(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.SAdd(c.DB, args[1], args[2:])
	sh.Unlock()
	replySetInt(c, n, st)
}

func cmdSRem(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.SRem(c.DB, args[1], args[2:])
	sh.Unlock()
	replySetInt(c, n, st)
}

func cmdSIsMember(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	in, st := x.SIsMember(c.DB, args[1], args[2])
	sh.Unlock()
	n := 0
	if in {
		n = 1
	}
	replySetInt(c, n, st)
}

// cmdSMIsMember serves SMISMEMBER: an array of 0/1, all 0 for a missing key.
func cmdSMIsMember(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	e, st := x.LookupSet(c.DB, args[1])
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendArrayLen(len(args) - 2)
	for _, m := range args[2:] {
		if e != nil && e.Fields.Get(m) != nil {
			c.W.AppendInt(1)
		} else {
			c.W.AppendInt(0)
		}
	}
}

func cmdSCard(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.SCard(c.DB, args[1])
	sh.Unlock()
	replySetInt(c, n, st)
}

// replySetNames writes names as a set reply (RESP3 '~', RESP2 array).
func replySetNames(c *Client, names []string) {
	c.W.AppendSetLen(len(names))
	for _, n := range names {
		c.W.AppendBulkString(n)
	}
}

// cmdSMembers serves SMEMBERS: a set reply, empty for a missing key.
func cmdSMembers(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	e, st := x.LookupSet(c.DB, args[1])
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendSetLen(shard.SetLen(e))
	if e == nil {
		return
	}
	for name, r := range e.Fields.M {
		if r.Live() {
			c.W.AppendBulkString(name)
		}
	}
}

// cmdSPop serves SPOP key [count]. The count is checked before the key,
// as in Redis: any non-negative integer, else "must be positive". With a
// count the reply is a set (empty for a missing key or count 0).
func cmdSPop(c *Client, args [][]byte) {
	if len(args) > 3 {
		c.Error(ErrSyntax)
		return
	}
	if len(args) == 2 {
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		name, st := x.SPopOne(c.DB, args[1])
		sh.Unlock()
		switch st {
		case shard.WrongType:
			c.Error(ErrWrongType)
		case shard.NotFound:
			c.W.AppendNull()
		default:
			c.W.AppendBulkString(name)
		}
		return
	}
	count, ok := argInt(args[2])
	if !ok || count < 0 {
		c.Error(errSetPopCount)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	names, st := x.SPop(c.DB, args[1], count, nil)
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	replySetNames(c, names)
}

// cmdSRandMember serves SRANDMEMBER key [count]: one member (or a null)
// without a count; with one, an array (empty for a missing key): count > 0
// gives distinct members, at most the set's size; count < 0 gives -count
// members that may repeat.
func cmdSRandMember(c *Client, args [][]byte) {
	if len(args) > 3 {
		c.Error(ErrSyntax)
		return
	}
	var count int64
	if len(args) == 3 {
		var ok bool
		if count, ok = argInt(args[2]); !ok {
			c.Error(ErrNotInteger)
			return
		}
		if count < -math.MaxInt64 {
			c.Error(errSetRandRange)
			return
		}
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	e, st := x.LookupSet(c.DB, args[1])
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case len(args) == 2 && st == shard.NotFound:
		c.W.AppendNull()
	case len(args) == 2:
		c.W.AppendBulkString(shard.SetRandomMember(e))
	case st == shard.NotFound || count == 0:
		c.W.AppendArrayLen(0)
	case count < -setRandMax:
		c.Error(errSetRandTooMany)
	case count > 0:
		names := shard.SetRandomDistinct(e, count, nil)
		c.W.AppendArrayLen(len(names))
		for _, n := range names {
			c.W.AppendBulkString(n)
		}
	default:
		c.W.AppendArrayLen(int(-count))
		shard.SetRandomDraws(e, uint64(-count), func(name string) bool {
			c.W.AppendBulkString(name)
			return true
		})
	}
}

// cmdSMove serves SMOVE source destination member, holding both shards.
func cmdSMove(c *Client, args [][]byte) {
	m := c.srv.store.LockKeys(args[1:3], c.Now)
	moved, st := m.SMove(c.DB, args[1], args[2], args[3])
	m.Unlock()
	n := 0
	if moved {
		n = 1
	}
	replySetInt(c, n, st)
}

// setOpHandler builds the handler of SINTER, SUNION and SDIFF: a set
// reply over every key (a missing key is an empty set).
func setOpHandler(op shard.SetOp) Handler {
	return func(c *Client, args [][]byte) {
		keys := args[1:]
		m := c.srv.store.LockKeys(keys, c.Now)
		defer m.Unlock()
		names, st := m.SetCombine(c.DB, op, keys, nil)
		if st == shard.WrongType {
			c.Error(ErrWrongType)
			return
		}
		replySetNames(c, names)
	}
}

// setStoreHandler builds the handler of SINTERSTORE, SUNIONSTORE and
// SDIFFSTORE destination key [key ...]: the size of the stored result.
func setStoreHandler(op shard.SetOp) Handler {
	return func(c *Client, args [][]byte) {
		m := c.srv.store.LockKeys(args[1:], c.Now)
		n, st := m.SetStore(c.DB, op, args[1], args[2:])
		m.Unlock()
		replySetInt(c, n, st)
	}
}

// cmdSInterCard serves SINTERCARD numkeys key [key ...] [LIMIT limit],
// checking numkeys, then the options, then the keys, as Redis does.
func cmdSInterCard(c *Client, args [][]byte) {
	numkeys, ok := argInt(args[1])
	if !ok || numkeys < 1 {
		c.Error(errSetNumkeys)
		return
	}
	if numkeys > int64(len(args)-2) {
		c.Error(errSetNumkeysArgs)
		return
	}
	limit := int64(0)
	for i := 2 + int(numkeys); i < len(args); i++ {
		if !is(args[i], "limit") || i+1 >= len(args) {
			c.Error(ErrSyntax)
			return
		}
		i++
		if limit, ok = argInt(args[i]); !ok || limit < 0 {
			c.Error(errSetLimit)
			return
		}
	}
	keys := args[2 : 2+numkeys]
	m := c.srv.store.LockKeys(keys, c.Now)
	n, st := m.SetInterCard(c.DB, keys, int(limit))
	m.Unlock()
	replySetInt(c, n, st)
}

// cmdSScan serves SSCAN key cursor [MATCH pattern] [COUNT count]. Redis
// checks the cursor, then the key (absent: an empty page with cursor 0;
// another type: WRONGTYPE), and only then the options, so their errors
// come last. Pages come from shard.ScanFields: small sets in one page,
// larger ones by ranges of member hashes.
func cmdSScan(c *Client, args [][]byte) {
	sc, ok := parseCollectionScan(c, args)
	if !ok {
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	e, st := x.LookupSet(c.DB, args[1])
	if !sc.proceed(c, st) {
		return
	}
	page, next := shard.SScan(e, sc.cursor, sc.count, nil)
	kept := page[:0]
	for _, name := range page {
		if sc.matches(name) {
			kept = append(kept, name)
		}
	}
	c.W.AppendArrayLen(2)
	var num [20]byte
	c.W.AppendBulk(strconv.AppendUint(num[:0], next, 10))
	c.W.AppendArrayLen(len(kept))
	for _, name := range kept {
		c.W.AppendBulkString(name)
	}
}

var setCommands = []*Command{
	{Name: "sadd", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Adds one or more members to a set. Creates the key if it doesn't exist.", Syntax: "key member [member ...]", Handler: cmdSAdd},
	{Name: "srem", Arity: -3, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Removes one or more members from a set. Deletes the set if the last member was removed.", Syntax: "key member [member ...]", Handler: cmdSRem},
	{Name: "smove", Arity: 4, Flags: FlagWrite | FlagFast, First: 1, Last: 2, Step: 1, Group: "set", Since: "1.0.0", Summary: "Moves a member from one set to another.", Syntax: "source:key destination:key member", Handler: cmdSMove},
	{Name: "sismember", Arity: 3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Determines whether a member belongs to a set.", Syntax: "key member", Handler: cmdSIsMember},
	{Name: "smismember", Arity: -3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "set", Since: "6.2.0", Summary: "Determines whether multiple members belong to a set.", Syntax: "key member [member ...]", Handler: cmdSMIsMember},
	{Name: "scard", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Returns the number of members in a set.", Syntax: "key", Handler: cmdSCard},
	{Name: "spop", Arity: -2, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", Syntax: "key [count:int]", Tips: []string{"nondeterministic_output"}, Handler: cmdSPop},
	{Name: "srandmember", Arity: -2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Get one or multiple random members from a set", Syntax: "key [count:int]", Tips: []string{"nondeterministic_output"}, Handler: cmdSRandMember},
	{Name: "sinter", Arity: -2, Flags: FlagReadonly, First: 1, Last: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Returns the intersect of multiple sets.", Syntax: "key [key ...]", Tips: []string{"nondeterministic_output_order"}, Handler: setOpHandler(shard.SetInter)},
	{Name: "sintercard", Arity: -3, Flags: FlagReadonly | FlagMovableKeys, NumKeysAt: 1, Group: "set", Since: "7.0.0", Summary: "Returns the number of members of the intersect of multiple sets.", Syntax: "numkeys:int key [key ...] [LIMIT limit:int]", Handler: cmdSInterCard},
	{Name: "sinterstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Stores the intersect of multiple sets in a key.", Syntax: "destination:key key [key ...]", Handler: setStoreHandler(shard.SetInter)},
	{Name: "sunion", Arity: -2, Flags: FlagReadonly, First: 1, Last: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Returns the union of multiple sets.", Syntax: "key [key ...]", Tips: []string{"nondeterministic_output_order"}, Handler: setOpHandler(shard.SetUnion)},
	{Name: "sunionstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Stores the union of multiple sets in a key.", Syntax: "destination:key key [key ...]", Handler: setStoreHandler(shard.SetUnion)},
	{Name: "sdiff", Arity: -2, Flags: FlagReadonly, First: 1, Last: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Returns the difference of multiple sets.", Syntax: "key [key ...]", Tips: []string{"nondeterministic_output_order"}, Handler: setOpHandler(shard.SetDiff)},
	{Name: "sdiffstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: -1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Stores the difference of multiple sets in a key.", Syntax: "destination:key key [key ...]", Handler: setStoreHandler(shard.SetDiff)},
	{Name: "smembers", Arity: 2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "set", Since: "1.0.0", Summary: "Returns all members of a set.", Syntax: "key", Tips: []string{"nondeterministic_output_order"}, Handler: cmdSMembers},
	{Name: "sscan", Arity: -3, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "set", Since: "2.8.0", Summary: "Iterates over members of a set.", Syntax: "key cursor:int [MATCH pattern:pattern] [COUNT count:int]", Tips: []string{"nondeterministic_output"}, Handler: cmdSScan},
}
