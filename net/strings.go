package net

import (
	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// The string family: parse arguments, run the shard operation, reply.

func cmdGet(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	v, st := x.GetString(c.DB, args[1])
	replyValue(c, v, st)
	sh.Unlock()
}

// replyValue writes a string read's reply.
func replyValue(c *Client, v []byte, st shard.Status) {
	switch st {
	case shard.OK:
		c.W.AppendBulk(v)
	case shard.WrongType:
		c.Error(ErrWrongType)
	default:
		c.W.AppendNull()
	}
}

// Expiry options of SET and GETEX.
const (
	expNone = iota
	expEX
	expPX
	expEXAT
	expPXAT
	expKeepTTL
	expPersist
)

// extendedArgs are SET's and GETEX's options after Redis's
// parseExtendedStringArgumentsOrReply: conditions, GET, and one expiry form
// (repeating the same form is allowed, the last value counts; mixing forms
// is a syntax error). The expiry value is parsed after all options, so a
// syntax error wins over a bad number, as in Redis.
type extendedArgs struct {
	nx, xx, get bool
	exp         int
	val         []byte
}

func parseExtended(args [][]byte, from int, isSet bool) (o extendedArgs, ok bool) {
	for i := from; i < len(args); i++ {
		a := args[i]
		hasNext := i+1 < len(args)
		switch {
		case isSet && is(a, "nx") && !o.xx:
			o.nx = true
		case isSet && is(a, "xx") && !o.nx:
			o.xx = true
		case isSet && is(a, "get"):
			o.get = true
		case isSet && is(a, "keepttl") && (o.exp == expNone || o.exp == expKeepTTL):
			o.exp = expKeepTTL
		case !isSet && is(a, "persist") && (o.exp == expNone || o.exp == expPersist):
			o.exp = expPersist
		case hasNext && expiryWord(a) != expNone && (o.exp == expNone || o.exp == expiryWord(a)):
			o.exp, o.val = expiryWord(a), args[i+1]
			i++
		default:
			return o, false
		}
	}
	return o, true
}

func expiryWord(a []byte) int {
	switch {
	case is(a, "ex"):
		return expEX
	case is(a, "px"):
		return expPX
	case is(a, "exat"):
		return expEXAT
	case is(a, "pxat"):
		return expPXAT
	}
	return expNone
}

// deadline turns the parsed expiry into an absolute deadline; it writes the
// error reply and returns ok=false when the value is bad.
func (o extendedArgs) deadline(c *Client, cmd []byte) (d int64, expired, ok bool) {
	if o.val == nil {
		return 0, false, true
	}
	v, ok := argInt(o.val)
	if !ok {
		c.Error(ErrNotInteger)
		return 0, false, false
	}
	unit, abs := unitSeconds, o.exp == expEXAT || o.exp == expPXAT
	if o.exp == expPX || o.exp == expPXAT {
		unit = unitMillis
	}
	d, ok = deadlineFrom(c.Now, v, unit, abs)
	if !ok {
		c.Error(invalidExpire(cmd))
		return 0, false, false
	}
	return d, abs && d <= c.Now, true
}

// parseSet parses SET's options (args[3:]).
func parseSet(c *Client, args [][]byte) (o shard.SetOptions, ok bool) {
	x, ok := parseExtended(args, 3, true)
	if !ok {
		c.Error(ErrSyntax)
		return o, false
	}
	o.NX, o.XX, o.Get, o.KeepTTL = x.nx, x.xx, x.get, x.exp == expKeepTTL
	o.Deadline, o.Expired, ok = x.deadline(c, args[0])
	return o, ok
}

func cmdSet(c *Client, args [][]byte) {
	o, ok := parseSet(c, args)
	if !ok {
		return
	}
	doSet(c, args[1], args[2], o)
}

func doSet(c *Client, key, value []byte, o shard.SetOptions) {
	sh := c.srv.store.ShardFor(key)
	x := sh.Lock(c.Now)
	r := x.Set(c.DB, key, value, o, c.Buf())
	switch {
	case r.Status == shard.WrongType:
		c.Error(ErrWrongType)
	case o.Get && r.HadOld:
		c.W.AppendBulk(r.Old)
	case o.Get, r.Status == shard.NotDone:
		c.W.AppendNull()
	default:
		c.W.AppendOK()
	}
	sh.Unlock()
	c.KeepBuf(r.Old)
}

func cmdSetNX(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	r := x.Set(c.DB, args[1], args[2], shard.SetOptions{NX: true}, nil)
	sh.Unlock()
	if r.Status == shard.OK {
		c.W.AppendInt(1)
	} else {
		c.W.AppendInt(0)
	}
}

// cmdSetEx serves SETEX (seconds) and PSETEX (milliseconds).
func cmdSetEx(c *Client, args [][]byte) {
	v, ok := argInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	unit := unitSeconds
	if is(args[0], "psetex") {
		unit = unitMillis
	}
	d, ok := deadlineFrom(c.Now, v, unit, false)
	if !ok {
		c.Error(invalidExpire(args[0]))
		return
	}
	doSet(c, args[1], args[3], shard.SetOptions{Deadline: d})
}

func cmdGetSet(c *Client, args [][]byte) {
	doSet(c, args[1], args[2], shard.SetOptions{Get: true})
}

func cmdGetDel(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	v, st := x.GetDel(c.DB, args[1], c.Buf())
	sh.Unlock()
	replyValue(c, v, st)
	c.KeepBuf(v)
}

func cmdGetEx(c *Client, args [][]byte) {
	opts, ok := parseExtended(args, 2, false)
	if !ok {
		c.Error(ErrSyntax)
		return
	}
	ch := shard.ExpiryChange{Set: opts.exp != expNone}
	if ch.Deadline, ch.Expired, ok = opts.deadline(c, args[0]); !ok {
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	v, st := x.GetEx(c.DB, args[1], ch, c.Buf())
	sh.Unlock()
	replyValue(c, v, st)
	c.KeepBuf(v)
}

func cmdMGet(c *Client, args [][]byte) {
	keys := args[1:]
	m := c.srv.store.LockKeys(keys, c.Now)
	c.W.AppendArrayLen(len(keys))
	for _, k := range keys {
		v, st := m.For(k).GetString(c.DB, k)
		if st == shard.OK {
			c.W.AppendBulk(v)
		} else {
			c.W.AppendNull() // MGET answers nil for other types too
		}
	}
	m.Unlock()
}

// cmdMSet serves MSET and MSETNX, atomically across shards.
func cmdMSet(c *Client, args [][]byte) {
	if len(args)%2 == 0 {
		c.Error(wrongArgs(string(args[0])))
		return
	}
	nx := is(args[0], "msetnx")
	keys := c.keysOf(args, 1, 2)
	m := c.srv.store.LockKeys(keys, c.Now)
	defer m.Unlock()
	if nx {
		for _, k := range keys {
			if m.For(k).Peek(c.DB, k) != nil {
				c.W.AppendInt(0)
				return
			}
		}
	}
	for i := 1; i < len(args); i += 2 {
		x := m.For(args[i])
		e := x.LookupWrite(c.DB, args[i])
		x.SetString(c.DB, args[i], e, args[i+1], false, 0)
	}
	if nx {
		c.W.AppendInt(1)
	} else {
		c.W.AppendOK()
	}
}

// keysOf collects args[first], args[first+step], ... into the client's
// reusable key slice.
func (c *Client) keysOf(args [][]byte, first, step int) [][]byte {
	c.keys = c.keys[:0]
	for i := first; i < len(args); i += step {
		c.keys = append(c.keys, args[i])
	}
	return c.keys
}

func cmdAppend(c *Client, args [][]byte) {
	limit := c.srv.cfg.Int("proto-max-bulk-len")
	var n int
	tooLong := false
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	st := x.Modify(c.DB, args[1], func(cur []byte, _ bool, buf []byte) ([]byte, bool) {
		if int64(len(cur)+len(args[2])) > limit {
			tooLong = true
			return buf, false
		}
		buf = append(append(buf, cur...), args[2]...)
		n = len(buf)
		return buf, true
	})
	sh.Unlock()
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case tooLong:
		c.Error(ErrStringTooLong)
	default:
		c.W.AppendInt(int64(n))
	}
}

func cmdStrLen(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	v, st := x.GetString(c.DB, args[1])
	sh.Unlock()
	switch st {
	case shard.WrongType:
		c.Error(ErrWrongType)
	default:
		c.W.AppendInt(int64(len(v)))
	}
}

// cmdGetRange serves GETRANGE and SUBSTR.
func cmdGetRange(c *Client, args [][]byte) {
	start, ok1 := argInt(args[2])
	end, ok2 := argInt(args[3])
	if !ok1 || !ok2 {
		c.Error(ErrNotInteger)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	v, st := x.GetString(c.DB, args[1])
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendBulk(substr(v, start, end))
}

// substr applies Redis's GETRANGE index rules.
func substr(v []byte, start, end int64) []byte {
	n := int64(len(v))
	if start < 0 && end < 0 && start > end {
		return v[:0]
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if n == 0 || start > end {
		return v[:0]
	}
	return v[start : end+1]
}

func cmdSetRange(c *Client, args [][]byte) {
	off, ok := argInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if off < 0 {
		c.Error(ErrOffsetRange)
		return
	}
	val := args[3]
	if off+int64(len(val)) > c.srv.cfg.Int("proto-max-bulk-len") {
		c.Error(ErrStringTooLong)
		return
	}
	var n int
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	st := x.Modify(c.DB, args[1], func(cur []byte, exists bool, buf []byte) ([]byte, bool) {
		n = len(cur)
		if len(val) == 0 {
			return buf, false // nothing to write: the key stays as it is
		}
		need := int(off) + len(val)
		if need < len(cur) {
			need = len(cur)
		}
		buf = append(buf, cur...)
		for len(buf) < need {
			buf = append(buf, 0)
		}
		copy(buf[off:], val)
		n = len(buf)
		return buf, true
	})
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(int64(n))
}

// cmdIncr serves INCR, DECR, INCRBY and DECRBY.
func cmdIncr(c *Client, args [][]byte) {
	by := int64(1)
	switch {
	case is(args[0], "decr"):
		by = -1
	case len(args) == 3:
		v, ok := argInt(args[2])
		if !ok {
			c.Error(ErrNotInteger)
			return
		}
		by = v
		if is(args[0], "decrby") {
			if v == -1<<63 {
				c.Error(errDecrOverflow)
				return
			}
			by = -v
		}
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st, err := x.Incr(c.DB, args[1], by)
	sh.Unlock()
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case err != nil:
		c.Error(coreError(err))
	default:
		c.W.AppendInt(n)
	}
}

func cmdIncrByFloat(c *Client, args [][]byte) {
	by, ok := core.ParseDD(args[2])
	if !ok {
		c.Error(ErrNotFloat)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	v, st, err := x.IncrFloat(c.DB, args[1], by, c.Buf())
	sh.Unlock()
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case err != nil:
		c.Error(coreError(err))
	default:
		c.W.AppendBulk(v)
	}
	c.KeepBuf(v)
}

// coreError maps core's typed errors to Redis's texts.
func coreError(err error) string {
	switch err {
	case core.ErrNotInteger:
		return ErrNotInteger
	case core.ErrOverflow:
		return ErrOverflow
	case core.ErrNotFloat:
		return ErrNotFloat
	case core.ErrNaN:
		return ErrNaN
	}
	return "ERR " + err.Error()
}

var stringCommands = []*Command{
	{Name: "get", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Returns the string value of a key.", Syntax: "key", Handler: cmdGet},
	{Name: "set", Arity: -3, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", Syntax: "key value [condition:(NX | XX)] [GET] [expiration:(EX seconds:int | PX milliseconds:int | EXAT unix-time-seconds:unix | PXAT unix-time-milliseconds:unix | KEEPTTL)]", Handler: cmdSet},
	{Name: "setnx", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Set the string value of a key only when the key doesn't exist.", Syntax: "key value", Handler: cmdSetNX},
	{Name: "setex", Arity: 4, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 1, Step: 1, Group: "string", Since: "2.0.0", Summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", Syntax: "key seconds:int value", Handler: cmdSetEx},
	{Name: "psetex", Arity: 4, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 1, Step: 1, Group: "string", Since: "2.6.0", Summary: "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", Syntax: "key milliseconds:int value", Handler: cmdSetEx},
	{Name: "getset", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Returns the previous string value of a key after setting it to a new value.", Syntax: "key value", Handler: cmdGetSet},
	{Name: "getdel", Arity: 2, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "6.2.0", Summary: "Returns the string value of a key after deleting the key.", Syntax: "key", Handler: cmdGetDel},
	{Name: "getex", Arity: -2, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "6.2.0", Summary: "Returns the string value of a key after setting its expiration time.", Syntax: "key [expiration:(EX seconds:int | PX milliseconds:int | EXAT unix-time-seconds:unix | PXAT unix-time-milliseconds:unix | PERSIST)]", Handler: cmdGetEx},
	{Name: "mget", Arity: -2, Flags: FlagReadonly | FlagFast, First: 1, Last: -1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Atomically returns the string values of one or more keys.", Syntax: "key [key ...]", Tips: []string{"request_policy:multi_shard"}, Handler: cmdMGet},
	{Name: "mset", Arity: -3, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: -1, Step: 2, Group: "string", Since: "1.0.1", Summary: "Atomically creates or modifies the string values of one or more keys.", Syntax: "key value [key value ...]", Tips: []string{"request_policy:multi_shard", "response_policy:all_succeeded"}, Handler: cmdMSet},
	{Name: "msetnx", Arity: -3, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: -1, Step: 2, Group: "string", Since: "1.0.1", Summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.", Syntax: "key value [key value ...]", Handler: cmdMSet},
	{Name: "append", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "2.0.0", Summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.", Syntax: "key value", Handler: cmdAppend},
	{Name: "strlen", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "2.2.0", Summary: "Returns the length of a string value.", Syntax: "key", Handler: cmdStrLen},
	{Name: "getrange", Arity: 4, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "string", Since: "2.4.0", Summary: "Returns a substring of the string stored at a key.", Syntax: "key start:int end:int", Handler: cmdGetRange},
	{Name: "substr", Arity: 4, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Returns a substring from a string value.", Syntax: "key start:int end:int", Handler: cmdGetRange},
	{Name: "setrange", Arity: 4, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 1, Step: 1, Group: "string", Since: "2.2.0", Summary: "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", Syntax: "key offset:int value", Handler: cmdSetRange},
	{Name: "incr", Arity: 2, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Syntax: "key", Handler: cmdIncr},
	{Name: "decr", Arity: 2, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Syntax: "key", Handler: cmdIncr},
	{Name: "incrby", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", Syntax: "key increment:int", Handler: cmdIncr},
	{Name: "decrby", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "1.0.0", Summary: "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", Syntax: "key decrement:int", Handler: cmdIncr},
	{Name: "incrbyfloat", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "string", Since: "2.6.0", Summary: "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", Syntax: "key increment:double", Handler: cmdIncrByFloat},
	{Name: "lcs", Arity: -3, Flags: FlagReadonly, First: 1, Last: 2, Step: 1, Group: "string", Since: "7.0.0", Summary: "Finds the longest common substring.", Syntax: "key1:key key2:key [LEN] [IDX] [MINMATCHLEN min-match-len:int] [WITHMATCHLEN]", Handler: cmdLCS},
}

// cmdLCS serves LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN],
// with Redis's dynamic-programming algorithm and reply shapes.
func cmdLCS(c *Client, args [][]byte) {
	var getLen, getIdx, withLen bool
	var minLen int64
	for i := 3; i < len(args); i++ {
		switch a := args[i]; {
		case is(a, "idx"):
			getIdx = true
		case is(a, "len"):
			getLen = true
		case is(a, "withmatchlen"):
			withLen = true
		case is(a, "minmatchlen") && i+1 < len(args):
			v, ok := argInt(args[i+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if v < 0 {
				v = 0
			}
			minLen = v
			i++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	keys := c.keysOf(args, 1, 1)[:2]
	m := c.srv.store.LockKeys(keys, c.Now)
	va, sta := m.For(args[1]).GetString(c.DB, args[1])
	a := append([]byte(nil), va...)
	vb, stb := m.For(args[2]).GetString(c.DB, args[2])
	b := append([]byte(nil), vb...)
	m.Unlock()
	if sta == shard.WrongType || stb == shard.WrongType {
		c.Error(errLCSNotString)
		return
	}
	if getIdx && getLen {
		c.Error(errLCSLenAndIdx)
		return
	}
	alen, blen := len(a), len(b)
	if uint64(alen+1)*uint64(blen+1) > uint64(c.srv.cfg.Int("proto-max-bulk-len"))/4 {
		c.Error(errLCSMemory)
		return
	}
	w := blen + 1
	dp := make([]uint32, (alen+1)*w)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				dp[i*w+j] = dp[(i-1)*w+j-1] + 1
			} else if x, y := dp[(i-1)*w+j], dp[i*w+j-1]; x > y {
				dp[i*w+j] = x
			} else {
				dp[i*w+j] = y
			}
		}
	}
	total := dp[alen*w+blen]
	if getLen {
		c.W.AppendInt(int64(total))
		return
	}
	result := make([]byte, total)
	type match struct{ as, ae, bs, be int }
	var matches []match
	idx := int(total)
	i, j := alen, blen
	as, ae, bs, be := alen, 0, 0, 0
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if as == alen {
				as, ae, bs, be = i-1, i-1, j-1, j-1
			} else if as == i && bs == j {
				as--
				bs--
			} else {
				emit = true
			}
			if as == 0 || bs == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if dp[(i-1)*w+j] > dp[i*w+j-1] {
				i--
			} else {
				j--
			}
			if as != alen {
				emit = true
			}
		}
		if emit {
			if minLen == 0 || int64(ae-as+1) >= minLen {
				matches = append(matches, match{as, ae, bs, be})
			}
			as = alen
		}
	}
	if !getIdx {
		c.W.AppendBulk(result)
		return
	}
	c.W.AppendMapLen(2)
	c.W.AppendBulkString("matches")
	c.W.AppendArrayLen(len(matches))
	for _, mt := range matches {
		if withLen {
			c.W.AppendArrayLen(3)
		} else {
			c.W.AppendArrayLen(2)
		}
		c.W.AppendArrayLen(2)
		c.W.AppendInt(int64(mt.as))
		c.W.AppendInt(int64(mt.ae))
		c.W.AppendArrayLen(2)
		c.W.AppendInt(int64(mt.bs))
		c.W.AppendInt(int64(mt.be))
		if withLen {
			c.W.AppendInt(int64(mt.ae - mt.as + 1))
		}
	}
	c.W.AppendBulkString("len")
	c.W.AppendInt(int64(total))
}
