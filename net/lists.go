package net

import (
	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// The list family (src/t_list.c): parse arguments, run the shard
// operation, reply. Arguments are checked in the order Redis checks them,
// so a bad number is reported before or after a missing key exactly as
// Redis does. The blocking commands (BLPOP, BLMOVE, ...) live in their own
// file, on top of shard.ListPop, ListMPop and ListMove.

// Error texts of the list family (src/t_list.c, object.c).
const (
	errIndexRange     = "ERR index out of range"
	errMustBePositive = "ERR value is out of range, must be positive"
	errRankZero       = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errRankRange      = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errCountNegative  = "ERR COUNT can't be negative"
	errMaxLenNegative = "ERR MAXLEN can't be negative"
	errNumKeys        = "ERR numkeys should be greater than 0"
	errCountGreater0  = "ERR count should be greater than 0"
)

// listSide parses LEFT or RIGHT (Redis's getListPositionFromObjectOrReply).
func listSide(a []byte) (left, ok bool) {
	switch {
	case is(a, "left"):
		return true, true
	case is(a, "right"):
		return false, true
	}
	return false, false
}

// pushHandler serves LPUSH, RPUSH, LPUSHX and RPUSHX.
func pushHandler(left, existing bool) Handler {
	return func(c *Client, args [][]byte) {
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		n, st := x.ListPush(c.DB, args[1], left, existing, args[2:])
		sh.Unlock()
		switch st {
		case shard.WrongType:
			c.Error(ErrWrongType)
		case shard.NotFound:
			c.W.AppendInt(0)
		default:
			c.W.AppendInt(int64(n))
		}
	}
}

// popHandler serves LPOP and RPOP key [count].
func popHandler(left bool) Handler {
	return func(c *Client, args [][]byte) {
		if len(args) > 3 {
			c.Error(wrongArgs(string(args[0])))
			return
		}
		hasCount := len(args) == 3
		count := int64(1)
		if hasCount {
			v, ok := argInt(args[2])
			if !ok || v < 0 {
				c.Error(errMustBePositive)
				return
			}
			count = v
		}
		var one [1][]byte
		dst := one[:0]
		if count > 1 {
			dst = make([][]byte, 0, min(count, 1024))
		}
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		vals, st := x.ListPop(c.DB, args[1], left, int(count), dst)
		switch {
		case st == shard.WrongType:
			c.Error(ErrWrongType)
		case st == shard.NotFound && hasCount:
			c.W.AppendNullArray()
		case st == shard.NotFound:
			c.W.AppendNull()
		case !hasCount:
			c.W.AppendBulk(vals[0])
		default:
			c.W.AppendArrayLen(len(vals))
			for _, v := range vals {
				c.W.AppendBulk(v)
			}
		}
		sh.Unlock()
	}
}

func cmdLLen(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.ListLen(c.DB, args[1])
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(int64(n))
}

// cmdLIndex serves LINDEX key index: the key is looked up before the index
// is parsed, as in Redis.
func cmdLIndex(c *Client, args [][]byte) {
	idx, ok := argInt(args[2])
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	var v []byte
	var st shard.Status
	if ok {
		v, st = x.ListIndex(c.DB, args[1], idx)
	} else {
		_, st = x.ListLen(c.DB, args[1])
	}
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case st == shard.NotFound, st == shard.NotDone:
		c.W.AppendNull()
	case !ok:
		c.Error(ErrNotInteger)
	default:
		c.W.AppendBulk(v)
	}
	sh.Unlock()
}

// cmdLSet serves LSET key index element: key first, then the index.
func cmdLSet(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	if e := x.Peek(c.DB, args[1]); e == nil {
		c.Error(ErrNoSuchKey)
		return
	} else if e.Kind != core.KindList {
		c.Error(ErrWrongType)
		return
	}
	idx, ok := argInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	switch x.ListSet(c.DB, args[1], idx, args[3]) {
	case shard.OK:
		c.W.AppendOK()
	case shard.NotDone:
		c.Error(errIndexRange)
	case shard.WrongType:
		c.Error(ErrWrongType)
	default:
		c.Error(ErrNoSuchKey)
	}
}

// rangeArgs parses LRANGE's and LTRIM's start and stop.
func rangeArgs(c *Client, args [][]byte) (start, stop int64, ok bool) {
	start, ok1 := argInt(args[2])
	stop, ok2 := argInt(args[3])
	if !ok1 || !ok2 {
		c.Error(ErrNotInteger)
		return 0, 0, false
	}
	return start, stop, true
}

func cmdLRange(c *Client, args [][]byte) {
	start, stop, ok := rangeArgs(c, args)
	if !ok {
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	st := x.ListRange(c.DB, args[1], start, stop,
		func(n int) { c.W.AppendArrayLen(n) },
		func(v []byte) { c.W.AppendBulk(v) })
	switch st {
	case shard.WrongType:
		c.Error(ErrWrongType)
	case shard.NotFound:
		c.W.AppendArrayLen(0)
	}
	sh.Unlock()
}

// cmdLInsert serves LINSERT key BEFORE|AFTER pivot element.
func cmdLInsert(c *Client, args [][]byte) {
	var after bool
	switch {
	case is(args[2], "after"):
		after = true
	case is(args[2], "before"):
	default:
		c.Error(ErrSyntax)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.ListInsertAt(c.DB, args[1], after, args[3], args[4])
	sh.Unlock()
	switch st {
	case shard.WrongType:
		c.Error(ErrWrongType)
	case shard.NotFound:
		c.W.AppendInt(0)
	case shard.NotDone:
		c.W.AppendInt(-1)
	default:
		c.W.AppendInt(int64(n))
	}
}

func cmdLRem(c *Client, args [][]byte) {
	count, ok := argInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.ListRem(c.DB, args[1], count, args[3])
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(int64(n))
}

func cmdLTrim(c *Client, args [][]byte) {
	start, stop, ok := rangeArgs(c, args)
	if !ok {
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	st := x.ListTrim(c.DB, args[1], start, stop)
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendOK()
}

// cmdLPos serves LPOS key element [RANK rank] [COUNT n] [MAXLEN len].
func cmdLPos(c *Client, args [][]byte) {
	o := shard.PosOptions{Rank: 1, Count: -1}
	for j := 3; j < len(args); j++ {
		a, more := args[j], j+1 < len(args)
		switch {
		case is(a, "rank") && more:
			j++
			v, ok := argInt(args[j])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if v == -1<<63 {
				c.Error(errRankRange)
				return
			}
			if v == 0 {
				c.Error(errRankZero)
				return
			}
			o.Rank = v
		case is(a, "count") && more:
			j++
			v, ok := argInt(args[j])
			if !ok || v < 0 {
				c.Error(errCountNegative)
				return
			}
			o.Count = v
		case is(a, "maxlen") && more:
			j++
			v, ok := argInt(args[j])
			if !ok || v < 0 {
				c.Error(errMaxLenNegative)
				return
			}
			o.MaxLen = v
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	var small [8]int64
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	pos, st := x.ListPos(c.DB, args[1], args[2], o, small[:0])
	sh.Unlock()
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case o.Count >= 0:
		c.W.AppendArrayLen(len(pos))
		for _, p := range pos {
			c.W.AppendInt(p)
		}
	case len(pos) > 0:
		c.W.AppendInt(pos[0])
	default:
		c.W.AppendNull()
	}
}

// cmdLMove serves LMOVE source destination LEFT|RIGHT LEFT|RIGHT.
func cmdLMove(c *Client, args [][]byte) {
	from, ok1 := listSide(args[3])
	to, ok2 := listSide(args[4])
	if !ok1 || !ok2 {
		c.Error(ErrSyntax)
		return
	}
	doMove(c, args[1], args[2], from, to)
}

// cmdRPopLPush serves RPOPLPUSH source destination (LMOVE ... RIGHT LEFT).
func cmdRPopLPush(c *Client, args [][]byte) { doMove(c, args[1], args[2], false, true) }

func doMove(c *Client, src, dst []byte, fromLeft, toLeft bool) {
	keys := [2][]byte{src, dst}
	m := c.srv.store.LockKeys(keys[:], c.Now)
	v, st := m.ListMove(c.DB, src, dst, fromLeft, toLeft, c.Buf())
	m.Unlock()
	switch st {
	case shard.WrongType:
		c.Error(ErrWrongType)
	case shard.NotFound:
		c.W.AppendNull()
	default:
		c.W.AppendBulk(v)
	}
	c.KeepBuf(v)
}

// cmdLMPop serves LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count].
func cmdLMPop(c *Client, args [][]byte) {
	keys, left, count, ok := parseMPop(c, args, 1)
	if !ok {
		return
	}
	m := c.srv.store.LockKeys(keys, c.Now)
	i, vals, st := m.ListMPop(c.DB, keys, left, int(count), nil)
	switch st {
	case shard.WrongType:
		c.Error(ErrWrongType)
	case shard.NotFound:
		c.W.AppendNullArray()
	default:
		c.W.AppendArrayLen(2)
		c.W.AppendBulk(keys[i])
		c.W.AppendArrayLen(len(vals))
		for _, v := range vals {
			c.W.AppendBulk(v)
		}
	}
	m.Unlock()
}

// parseMPop parses "numkeys key [key ...] LEFT|RIGHT [COUNT count]" from
// args[at] (LMPOP; BLMPOP after its timeout), as Redis's
// lmpopGenericCommand: it writes the error reply and returns ok=false.
func parseMPop(c *Client, args [][]byte, at int) (keys [][]byte, left bool, count int64, ok bool) {
	nk, isInt := argInt(args[at])
	if !isInt || nk <= 0 {
		c.Error(errNumKeys)
		return nil, false, 0, false
	}
	if nk >= int64(len(args)) {
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	where := int64(at) + nk + 1
	if where >= int64(len(args)) {
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	left, ok = listSide(args[where])
	if !ok {
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := int(where) + 1; j < len(args); j++ {
		if count == -1 && is(args[j], "count") && j+1 < len(args) {
			j++
			v, isInt := argInt(args[j])
			if !isInt || v <= 0 {
				c.Error(errCountGreater0)
				return nil, false, 0, false
			}
			count = v
			continue
		}
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return args[at+1 : where], left, count, true
}

// The blocking pops (see blocking.go): each tries the non-blocking
// operation under the keys' shards; when every key is empty it waits on
// them, and a retry after a wake-up runs the same code again.

// cmdBPop serves BLPOP and BRPOP key [key ...] timeout.
func cmdBPop(c *Client, args [][]byte) {
	left := is(args[0], "blpop")
	deadline, ok := c.BlockDeadline(args[len(args)-1])
	if !ok {
		return
	}
	keys := args[1 : len(args)-1]
	m := c.srv.store.LockKeys(keys, c.Now)
	defer m.Unlock()
	for _, k := range keys {
		vals, st := m.For(k).ListPop(c.DB, k, left, 1, nil)
		switch {
		case st == shard.WrongType:
			c.Unpark(&m)
			c.Error(ErrWrongType)
			return
		case st == shard.OK && len(vals) > 0:
			c.Unpark(&m)
			c.W.AppendArrayLen(2)
			c.W.AppendBulk(k)
			c.W.AppendBulk(vals[0])
			return
		}
	}
	if c.BlockGiveUp(deadline, c.W.AppendNullArray) {
		c.Unpark(&m)
		return
	}
	for _, k := range keys {
		m.For(k).Block(c.DB, k, c.Waiter())
	}
	c.Park(keys, deadline)
}

// cmdBLMove serves BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
// and BRPOPLPUSH source destination timeout.
func cmdBLMove(c *Client, args [][]byte) {
	fromLeft, toLeft := false, true
	if is(args[0], "blmove") {
		var ok1, ok2 bool
		fromLeft, ok1 = listSide(args[3])
		toLeft, ok2 = listSide(args[4])
		if !ok1 || !ok2 {
			c.Error(ErrSyntax)
			return
		}
	}
	deadline, ok := c.BlockDeadline(args[len(args)-1])
	if !ok {
		return
	}
	keys := [2][]byte{args[1], args[2]}
	m := c.srv.store.LockKeys(keys[:], c.Now)
	defer m.Unlock()
	v, st := m.ListMove(c.DB, args[1], args[2], fromLeft, toLeft, c.Buf())
	switch {
	case st == shard.WrongType:
		c.Unpark(&m)
		c.Error(ErrWrongType)
	case st == shard.OK:
		c.Unpark(&m)
		c.W.AppendBulk(v)
		c.KeepBuf(v)
	case c.BlockGiveUp(deadline, c.W.AppendNull):
		c.Unpark(&m)
	default:
		m.For(args[1]).Block(c.DB, args[1], c.Waiter())
		c.Park(keys[:1], deadline)
	}
}

// cmdBLMPop serves BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT n].
func cmdBLMPop(c *Client, args [][]byte) {
	deadline, ok := c.BlockDeadline(args[1])
	if !ok {
		return
	}
	keys, left, count, ok := parseMPop(c, args, 2)
	if !ok {
		return
	}
	m := c.srv.store.LockKeys(keys, c.Now)
	defer m.Unlock()
	i, vals, st := m.ListMPop(c.DB, keys, left, int(count), nil)
	switch {
	case st == shard.WrongType:
		c.Unpark(&m)
		c.Error(ErrWrongType)
	case st == shard.OK:
		c.Unpark(&m)
		c.W.AppendArrayLen(2)
		c.W.AppendBulk(keys[i])
		c.W.AppendArrayLen(len(vals))
		for _, v := range vals {
			c.W.AppendBulk(v)
		}
	case c.BlockGiveUp(deadline, c.W.AppendNullArray):
		c.Unpark(&m)
	default:
		for _, k := range keys {
			m.For(k).Block(c.DB, k, c.Waiter())
		}
		c.Park(keys, deadline)
	}
}

var listCommands = []*Command{
	{Name: "lpush", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.", Syntax: "key element [element ...]", Handler: pushHandler(true, false)},
	{Name: "rpush", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.", Syntax: "key element [element ...]", Handler: pushHandler(false, false)},
	{Name: "lpushx", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "list", Since: "2.2.0", Summary: "Prepends one or more elements to a list only when the list exists.", Syntax: "key element [element ...]", Handler: pushHandler(true, true)},
	{Name: "rpushx", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "list", Since: "2.2.0", Summary: "Appends an element to a list only when the list exists.", Syntax: "key element [element ...]", Handler: pushHandler(false, true)},
	{Name: "lpop", Arity: -2, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", Syntax: "key [count:int]", Handler: popHandler(true)},
	{Name: "rpop", Arity: -2, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Returns and removes the last elements of the list. Deletes the list if the last element was popped.", Syntax: "key [count:int]", Handler: popHandler(false)},
	{Name: "llen", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Returns the length of a list.", Syntax: "key", Handler: cmdLLen},
	{Name: "lindex", Arity: 3, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Returns an element from a list by its index.", Syntax: "key index:int", Handler: cmdLIndex},
	{Name: "lset", Arity: 4, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Sets the value of an element in a list by its index.", Syntax: "key index:int element", Handler: cmdLSet},
	{Name: "lrange", Arity: 4, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Returns a range of elements from a list.", Syntax: "key start:int stop:int", Handler: cmdLRange},
	{Name: "linsert", Arity: 5, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 1, Step: 1, Group: "list", Since: "2.2.0", Summary: "Inserts an element before or after another element in a list.", Syntax: "key where:(BEFORE | AFTER) pivot element", Handler: cmdLInsert},
	{Name: "lrem", Arity: 4, Flags: FlagWrite, First: 1, Last: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Removes elements from a list. Deletes the list if the last element was removed.", Syntax: "key count:int element", Handler: cmdLRem},
	{Name: "ltrim", Arity: 4, Flags: FlagWrite, First: 1, Last: 1, Step: 1, Group: "list", Since: "1.0.0", Summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.", Syntax: "key start:int stop:int", Handler: cmdLTrim},
	{Name: "lpos", Arity: -3, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "list", Since: "6.0.6", Summary: "Returns the index of matching elements in a list.", Syntax: "key element [RANK rank:int] [COUNT num-matches:int] [MAXLEN len:int]", Handler: cmdLPos},
	{Name: "lmove", Arity: 5, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 2, Step: 1, Group: "list", Since: "6.2.0", Summary: "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", Syntax: "source:key destination:key wherefrom:(LEFT | RIGHT) whereto:(LEFT | RIGHT)", Handler: cmdLMove},
	{Name: "rpoplpush", Arity: 3, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 2, Step: 1, Group: "list", Since: "1.2.0", Summary: "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", Syntax: "source:key destination:key", Handler: cmdRPopLPush},
	{Name: "blpop", Arity: -3, Flags: FlagWrite | FlagBlocking, First: 1, Last: -2, Step: 1, Group: "list", Since: "2.0.0", Summary: "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", Syntax: "key [key ...] timeout:double", Handler: cmdBPop},
	{Name: "brpop", Arity: -3, Flags: FlagWrite | FlagBlocking, First: 1, Last: -2, Step: 1, Group: "list", Since: "2.0.0", Summary: "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", Syntax: "key [key ...] timeout:double", Handler: cmdBPop},
	{Name: "blmove", Arity: 6, Flags: FlagWrite | FlagDenyOOM | FlagBlocking, First: 1, Last: 2, Step: 1, Group: "list", Since: "6.2.0", Summary: "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", Syntax: "source:key destination:key wherefrom:(LEFT | RIGHT) whereto:(LEFT | RIGHT) timeout:double", Handler: cmdBLMove},
	{Name: "brpoplpush", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagBlocking, First: 1, Last: 2, Step: 1, Group: "list", Since: "2.2.0", Summary: "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", Syntax: "source:key destination:key timeout:double", Handler: cmdBLMove},
	{Name: "blmpop", Arity: -5, Flags: FlagWrite | FlagBlocking | FlagMovableKeys, NumKeysAt: 2, Group: "list", Since: "7.0.0", Summary: "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", Syntax: "timeout:double numkeys:int key [key ...] where:(LEFT | RIGHT) [COUNT count:int]", Handler: cmdBLMPop},
	{Name: "lmpop", Arity: -4, Flags: FlagWrite | FlagMovableKeys, NumKeysAt: 1, Group: "list", Since: "7.0.0", Summary: "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", Syntax: "numkeys:int key [key ...] where:(LEFT | RIGHT) [COUNT count:int]", Handler: cmdLMPop},
}
