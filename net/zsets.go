package net

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/net/resp"
	"github.com/meridiandb/meridian/shard"
)

// The sorted-set family (src/t_zset.c): parse arguments in Redis's order
// (so the same error wins), run the shard operation, reply. Scores are
// doubles: RESP3 double replies, RESP2 bulk strings in Redis 7.2's
// formatting (resp.Writer.AppendDouble). The blocking pops (BZPOPMIN,
// BZPOPMAX, BZMPOP) live with the blocking commands and reuse
// shard.Exec.ZPop and shard.Multi.ZPopFirst.

// Errors of the sorted-set family (src/t_zset.c, src/object.c).
const (
	errZAddXXNX       = "ERR XX and NX options at the same time are not compatible"
	errZAddIncrPair   = "ERR INCR option supports a single increment-element pair"
	errZNaN           = "ERR resulting score is not a number (NaN)"
	errZMinMaxFloat   = "ERR min or max is not a float"
	errZMinMaxLex     = "ERR min or max not valid string range item"
	errZLimitRank     = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZWithScoresLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZPositive      = "ERR value is out of range, must be positive"
	errZNumKeys       = "ERR numkeys should be greater than 0"
	errZAtLeastOne    = "ERR at least 1 input key is needed for '%s' command"
	errZWeight        = "ERR weight value is not a float"
	errZLimitNeg      = "ERR LIMIT can't be negative"
	errZRandRange     = "ERR value is out of range"
	errZRandLong      = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
)

// zitemPool recycles the member lists of range replies, so ZRANGE and the
// pops do not allocate in steady state.
var zitemPool = sync.Pool{New: func() any {
	s := make([]core.ZItem, 0, 16)
	return &s
}}

func getZItems() *[]core.ZItem { return zitemPool.Get().(*[]core.ZItem) }

// putZItems returns a list to the pool, dropping its strings.
func putZItems(p *[]core.ZItem, items []core.ZItem) {
	clear(items)
	if cap(items) <= 1<<12 {
		*p = items[:0]
		zitemPool.Put(p)
	}
}

// appendZItems replies with members, and with scores when asked: one flat
// array in RESP2, an array of [member, score] pairs in RESP3 (Redis keeps
// order, so not a map).
func appendZItems(c *Client, items []core.ZItem, withScores bool) {
	switch {
	case withScores && c.W.Proto >= 3:
		appendZPairs(c, items)
	case withScores:
		appendZFlat(c, items)
	default:
		c.W.AppendArrayLen(len(items))
		for _, it := range items {
			c.W.AppendBulkString(it.Member)
		}
	}
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...],
// and ZINCRBY key increment member, which Redis runs as ZADD ... INCR with
// the same option parser (so "ZINCRBY k nx m" is a syntax error there too).
func cmdZAdd(c *Client, args [][]byte)    { zadd(c, args, false) }
func cmdZIncrBy(c *Client, args [][]byte) { zadd(c, args, true) }

func zadd(c *Client, args [][]byte, incr bool) {
	o := shard.ZAddOptions{Incr: incr}
	i := 2
opts:
	for ; i < len(args); i++ {
		switch a := args[i]; {
		case is(a, "nx"):
			o.NX = true
		case is(a, "xx"):
			o.XX = true
		case is(a, "ch"):
			o.CH = true
		case is(a, "incr"):
			o.Incr = true
		case is(a, "gt"):
			o.GT = true
		case is(a, "lt"):
			o.LT = true
		default:
			break opts
		}
	}
	elems := args[i:]
	switch n := len(elems) / 2; {
	case len(elems) == 0 || len(elems)%2 != 0:
		c.Error(ErrSyntax)
		return
	case o.NX && o.XX:
		c.Error(errZAddXXNX)
		return
	case (o.GT && o.NX) || (o.LT && o.NX) || (o.GT && o.LT):
		c.Error(ErrGTLTNX)
		return
	case o.Incr && n > 1:
		c.Error(errZAddIncrPair)
		return
	}
	var sbuf [16]float64
	scores := sbuf[:0]
	for j := 0; j < len(elems); j += 2 {
		f, ok := core.ParseScore(elems[j])
		if !ok {
			c.Error(ErrNotFloat)
			return
		}
		scores = append(scores, f)
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	r := x.ZAdd(c.DB, args[1], o, scores, elems)
	sh.Unlock()
	switch {
	case r.Status == shard.WrongType:
		c.Error(ErrWrongType)
	case r.NaN:
		c.Error(errZNaN)
	case o.Incr && r.Processed > 0:
		c.W.AppendDouble(r.Score)
	case o.Incr:
		c.W.AppendNull()
	case o.CH:
		c.W.AppendInt(int64(r.Added + r.Updated))
	default:
		c.W.AppendInt(int64(r.Added))
	}
}

func cmdZRem(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.ZRem(c.DB, args[1], args[2:])
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(int64(n))
}

func cmdZCard(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	z, st := x.ZSetRead(c.DB, args[1])
	n := z.Len()
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(int64(n))
}

func cmdZScore(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	z, st := x.ZSetRead(c.DB, args[1])
	score, ok := z.Score(args[2])
	sh.Unlock()
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case ok:
		c.W.AppendDouble(score)
	default:
		c.W.AppendNull()
	}
}

// ZMSCORE key member [member ...]: a missing key reads as an empty set.
func cmdZMScore(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	z, st := x.ZSetRead(c.DB, args[1])
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendArrayLen(len(args) - 2)
	for _, m := range args[2:] {
		if s, ok := z.Score(m); ok {
			c.W.AppendDouble(s)
		} else {
			c.W.AppendNull()
		}
	}
}

// ZRANK and ZREVRANK key member [WITHSCORE] (WITHSCORE is Redis 7.2's).
func zrankHandler(rev bool) Handler {
	return func(c *Client, args [][]byte) {
		if len(args) > 4 {
			c.Error(wrongArgs(string(args[0])))
			return
		}
		withScore := false
		if len(args) == 4 {
			if !is(args[3], "withscore") {
				c.Error(ErrSyntax)
				return
			}
			withScore = true
		}
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		z, st := x.ZSetRead(c.DB, args[1])
		rank, score, ok := z.Rank(args[2])
		n := z.Len()
		sh.Unlock()
		switch {
		case st == shard.WrongType:
			c.Error(ErrWrongType)
		case !ok && withScore:
			c.W.AppendNullArray()
		case !ok:
			c.W.AppendNull()
		default:
			if rev {
				rank = n - 1 - rank
			}
			if withScore {
				c.W.AppendArrayLen(2)
			}
			c.W.AppendInt(int64(rank))
			if withScore {
				c.W.AppendDouble(score)
			}
		}
	}
}

// ZCOUNT key min max and ZLEXCOUNT key min max.
func zcountHandler(by shard.ZRangeBy) Handler {
	return func(c *Client, args [][]byte) {
		s := shard.ZRangeSpec{By: by}
		if !parseZBounds(c, &s, args[2], args[3]) {
			return
		}
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		n, st := x.ZCount(c.DB, args[1], &s)
		sh.Unlock()
		if st == shard.WrongType {
			c.Error(ErrWrongType)
			return
		}
		c.W.AppendInt(int64(n))
	}
}

// parseZBounds parses a range's two ends for s.By, writing Redis's error.
func parseZBounds(c *Client, s *shard.ZRangeSpec, min, max []byte) bool {
	var ok bool
	switch s.By {
	case shard.ZByRank:
		var ok2 bool
		s.Start, ok = argInt(min)
		s.Stop, ok2 = argInt(max)
		if !ok || !ok2 {
			c.Error(ErrNotInteger)
			return false
		}
		return true
	case shard.ZByScore:
		if s.Score, ok = core.ParseScoreRange(min, max); !ok {
			c.Error(errZMinMaxFloat)
		}
	default:
		if s.Lex, ok = core.ParseLexRange(min, max); !ok {
			c.Error(errZMinMaxLex)
		}
	}
	return ok
}

// zrangeAuto marks what ZRANGE's own options decide (BYSCORE/BYLEX, REV).
const zrangeAuto = 0xff

// zrangeHandler serves the ZRANGE family as Redis's zrangeGenericCommand:
// the source key is args[src] (ZRANGESTORE has the destination before it);
// by and rev are fixed by the older commands, zrangeAuto for ZRANGE and
// ZRANGESTORE, whose options set them (each at most once).
func zrangeHandler(src int, store bool, by shard.ZRangeBy, dir uint8) Handler {
	return func(c *Client, args [][]byte) {
		s := shard.ZRangeSpec{By: by, Limit: -1}
		rev := dir
		withScores := false
		for j := src + 3; j < len(args); j++ {
			left := len(args) - j - 1
			switch a := args[j]; {
			case !store && is(a, "withscores"):
				withScores = true
			case is(a, "limit") && left >= 2:
				off, ok1 := argInt(args[j+1])
				lim, ok2 := argInt(args[j+2])
				if !ok1 || !ok2 {
					c.Error(ErrNotInteger)
					return
				}
				s.Offset, s.Limit = off, lim
				j += 2
			case rev == zrangeAuto && is(a, "rev"):
				rev = 1
			case s.By == zrangeAuto && is(a, "bylex"):
				s.By = shard.ZByLex
			case s.By == zrangeAuto && is(a, "byscore"):
				s.By = shard.ZByScore
			default:
				c.Error(ErrSyntax)
				return
			}
		}
		if s.By == zrangeAuto {
			s.By = shard.ZByRank
		}
		s.Rev = rev == 1
		if s.Limit != -1 && s.By == shard.ZByRank {
			c.Error(errZLimitRank)
			return
		}
		if withScores && s.By == shard.ZByLex {
			c.Error(errZWithScoresLex)
			return
		}
		min, max := args[src+1], args[src+2]
		if s.Rev && s.By != shard.ZByRank {
			min, max = max, min // given as max min
		}
		if !parseZBounds(c, &s, min, max) {
			return
		}
		key := args[src]
		if store {
			dst := args[1]
			m := c.srv.store.LockKeys(c.keysOf(args, 1, 1)[:2], c.Now)
			n, st := m.ZRangeStore(c.DB, dst, key, &s)
			m.Unlock()
			if st == shard.WrongType {
				c.Error(ErrWrongType)
				return
			}
			c.W.AppendInt(int64(n))
			return
		}
		p := getZItems()
		sh := c.srv.store.ShardFor(key)
		x := sh.Lock(c.Now)
		items, st := x.ZRange(c.DB, key, &s, *p)
		sh.Unlock()
		if st == shard.WrongType {
			c.Error(ErrWrongType)
		} else {
			appendZItems(c, items, withScores)
		}
		putZItems(p, items)
	}
}

// ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX key min max.
func zremRangeHandler(by shard.ZRangeBy) Handler {
	return func(c *Client, args [][]byte) {
		s := shard.ZRangeSpec{By: by, Limit: -1}
		if !parseZBounds(c, &s, args[2], args[3]) {
			return
		}
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		n, st := x.ZRemRange(c.DB, args[1], &s)
		sh.Unlock()
		if st == shard.WrongType {
			c.Error(ErrWrongType)
			return
		}
		c.W.AppendInt(int64(n))
	}
}

// ZPOPMIN and ZPOPMAX key [count]. Without count the reply is [member,
// score] in both protocols; with one, RESP3 nests pairs. More arguments
// are a syntax error (Redis 7.0.15 answers so; see the report if 7.2
// differs).
func zpopHandler(max bool) Handler {
	return func(c *Client, args [][]byte) {
		if len(args) > 3 {
			c.Error(ErrSyntax)
			return
		}
		count := int64(-1)
		if len(args) == 3 {
			v, ok := argInt(args[2])
			if !ok || v < 0 {
				c.Error(errZPositive)
				return
			}
			count = v
		}
		n := count
		if n < 0 {
			n = 1
		}
		if n > math.MaxInt32 {
			n = math.MaxInt32 // more than any set holds
		}
		p := getZItems()
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		var items []core.ZItem
		var st shard.Status
		if count == 0 {
			_, st = x.ZSetRead(c.DB, args[1])
		} else {
			items, st = x.ZPop(c.DB, args[1], max, int(n), *p)
		}
		sh.Unlock()
		switch {
		case st == shard.WrongType:
			c.Error(ErrWrongType)
		case c.W.Proto >= 3 && count != -1:
			appendZPairs(c, items)
		default:
			appendZFlat(c, items)
		}
		putZItems(p, items)
	}
}

// appendZFlat replies with one flat array of members and scores.
func appendZFlat(c *Client, items []core.ZItem) {
	c.W.AppendArrayLen(2 * len(items))
	for _, it := range items {
		c.W.AppendBulkString(it.Member)
		c.W.AppendDouble(it.Score)
	}
}

// appendZPairs replies with an array of [member, score] pairs.
func appendZPairs(c *Client, items []core.ZItem) {
	c.W.AppendArrayLen(len(items))
	for _, it := range items {
		c.W.AppendArrayLen(2)
		c.W.AppendBulkString(it.Member)
		c.W.AppendDouble(it.Score)
	}
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: pops from the first
// key that exists; [key, [[member, score], ...]], or a null array.
func cmdZMPop(c *Client, args [][]byte) {
	keys, max, count, ok := parseZMPop(c, args, 1)
	if !ok {
		return
	}
	p := getZItems()
	m := c.srv.store.LockKeys(keys, c.Now)
	i, items, st := m.ZPopFirst(c.DB, keys, max, count, *p)
	m.Unlock()
	switch st {
	case shard.WrongType:
		c.Error(ErrWrongType)
	case shard.NotFound:
		c.W.AppendNullArray()
	default:
		c.W.AppendArrayLen(2)
		c.W.AppendBulk(keys[i])
		appendZPairs(c, items)
	}
	putZItems(p, items)
}

// parseZMPop parses ZMPOP's (and BZMPOP's) arguments from numkeys at
// args[at]: the keys, the side, and COUNT (1 by default), writing Redis's
// error when they are wrong.
func parseZMPop(c *Client, args [][]byte, at int) (keys [][]byte, max bool, count int, ok bool) {
	n, ok := argInt(args[at])
	if !ok || n < 1 {
		c.Error(errZNumKeys)
		return nil, false, 0, false
	}
	where := at + 1 + int(min(n, int64(len(args))))
	if where >= len(args) {
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	switch {
	case is(args[where], "min"):
	case is(args[where], "max"):
		max = true
	default:
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	cnt := int64(-1)
	for j := where + 1; j < len(args); j++ {
		if cnt == -1 && is(args[j], "count") && j+1 < len(args) {
			j++
			v, ok := argInt(args[j])
			if !ok || v < 1 {
				c.Error(ErrCountPositive)
				return nil, false, 0, false
			}
			cnt = v
			continue
		}
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	if cnt == -1 {
		cnt = 1
	}
	if cnt > math.MaxInt32 {
		cnt = math.MaxInt32
	}
	return args[at+1 : where], max, int(cnt), true
}

// ZRANDMEMBER key [count [WITHSCORES]].
func cmdZRandMember(c *Client, args [][]byte) {
	if len(args) == 2 {
		p := getZItems()
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		items, st := x.ZRandMember(c.DB, args[1], 1, *p)
		sh.Unlock()
		switch {
		case st == shard.WrongType:
			c.Error(ErrWrongType)
		case len(items) == 0:
			c.W.AppendNull()
		default:
			c.W.AppendBulkString(items[0].Member)
		}
		putZItems(p, items)
		return
	}
	count, ok := argInt(args[2])
	switch {
	case !ok:
		c.Error(ErrNotInteger)
		return
	case count == math.MinInt64:
		c.Error(errZRandLong)
		return
	case len(args) > 4 || (len(args) == 4 && !is(args[3], "withscores")):
		c.Error(ErrSyntax)
		return
	}
	withScores := len(args) == 4
	if withScores && (count < -math.MaxInt64/2 || count > math.MaxInt64/2) {
		c.Error(errZRandRange)
		return
	}
	p := getZItems()
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	items, st := x.ZRandMember(c.DB, args[1], count, *p)
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
	} else {
		appendZItems(c, items, withScores)
	}
	putZItems(p, items)
}

// zsetOpHandler serves ZUNION, ZINTER, ZDIFF, ZINTERCARD and the STORE
// forms, as Redis's zunionInterDiffGenericCommand: numkeys, then the keys'
// types (sorted sets and sets; a set's members score 1), then the options
// (WEIGHTS, AGGREGATE, WITHSCORES, LIMIT, each where it belongs).
func zsetOpHandler(op shard.ZSetOp, store, cardOnly bool) Handler {
	return func(c *Client, args [][]byte) {
		at := 1
		if store {
			at = 2
		}
		n, ok := argInt(args[at])
		if !ok {
			c.Error(ErrNotInteger)
			return
		}
		if n < 1 {
			c.Error(fmt.Sprintf(errZAtLeastOne, strings.ToLower(string(args[0]))))
			return
		}
		if n > int64(len(args)-(at+1)) {
			c.Error(ErrSyntax)
			return
		}
		srcKeys := args[at+1 : at+1+int(n)]
		keys := append(c.keys[:0], srcKeys...)
		if store {
			keys = append(keys, args[1])
		}
		c.keys = keys
		m := c.srv.store.LockKeys(keys, c.Now)
		defer m.Unlock()
		srcs, st := m.ZSources(c.DB, srcKeys, store, nil)
		if st == shard.WrongType {
			c.Error(ErrWrongType)
			return
		}
		agg := shard.ZAggSum
		withScores := false
		limit := int64(0)
		for j := at + 1 + int(n); j < len(args); {
			remaining := len(args) - j
			switch a := args[j]; {
			case op != shard.ZDiff && !cardOnly && remaining >= len(srcs)+1 && is(a, "weights"):
				j++
				for i := range srcs {
					w, ok := core.ParseScore(args[j])
					if !ok {
						c.Error(errZWeight)
						return
					}
					srcs[i].Weight = w
					j++
				}
			case op != shard.ZDiff && !cardOnly && remaining >= 2 && is(a, "aggregate"):
				switch v := args[j+1]; {
				case is(v, "sum"):
					agg = shard.ZAggSum
				case is(v, "min"):
					agg = shard.ZAggMin
				case is(v, "max"):
					agg = shard.ZAggMax
				default:
					c.Error(ErrSyntax)
					return
				}
				j += 2
			case !store && !cardOnly && is(a, "withscores"):
				withScores = true
				j++
			case cardOnly && remaining >= 2 && is(a, "limit"):
				v, ok := argInt(args[j+1])
				if !ok || v < 0 {
					c.Error(errZLimitNeg)
					return
				}
				limit = v
				j += 2
			default:
				c.Error(ErrSyntax)
				return
			}
		}
		if limit > math.MaxInt32 {
			limit = 0 // no intersection is that large: unlimited
		}
		items, count := shard.ZCombine(srcs, op, agg, cardOnly, int(limit), nil)
		switch {
		case cardOnly:
			c.W.AppendInt(int64(count))
		case store:
			dst := args[1]
			c.W.AppendInt(int64(m.For(dst).ZStore(c.DB, dst, items)))
		default:
			appendZItems(c, items, withScores)
		}
	}
}

// zscanSmall is the size up to which Redis keeps a sorted set as a
// listpack (zset-max-listpack-entries), which ZSCAN returns whole.
const zscanSmall = 128

// ZSCAN key cursor [MATCH pattern] [COUNT count]: the cursor first, then
// the key (absent: an empty page), then the options, as Redis checks them.
// Scores are bulk strings in the formatting of ZSCORE.
func cmdZScan(c *Client, args [][]byte) {
	sc, ok := parseCollectionScan(c, args)
	if !ok {
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	defer sh.Unlock()
	z, st := x.ZSetRead(c.DB, args[1])
	if !sc.proceed(c, st) {
		return
	}
	p := getZItems()
	page := *p
	var next uint64
	if z.Len() <= zscanSmall {
		// A small set in one page, in score order, as Redis serves its
		// listpack encoding.
		z.Ascend(0, func(it core.ZItem) bool {
			if sc.matches(it.Member) {
				page = append(page, it)
			}
			return true
		})
	} else {
		e := x.Peek(c.DB, args[1])
		next = shard.ScanFields(e, sc.cursor, sc.count, func(name string, r *core.Register) {
			if sc.matches(name) {
				page = append(page, core.ZItem{Score: core.ScoreOf(r), Member: name})
			}
		})
	}
	c.W.AppendArrayLen(2)
	var nb [20]byte
	c.W.AppendBulk(strconv.AppendUint(nb[:0], next, 10))
	c.W.AppendArrayLen(2 * len(page))
	var sb [32]byte
	for _, it := range page {
		c.W.AppendBulkString(it.Member)
		c.W.AppendBulk(resp.AppendDoubleText(sb[:0], it.Score))
	}
	putZItems(p, page)
}

// cmdBZPop serves BZPOPMIN and BZPOPMAX key [key ...] timeout: the first
// non-empty sorted set's extreme member, or wait (see blocking.go).
func cmdBZPop(c *Client, args [][]byte) {
	max := is(args[0], "bzpopmax")
	deadline, ok := c.BlockDeadline(args[len(args)-1])
	if !ok {
		return
	}
	keys := args[1 : len(args)-1]
	p := getZItems()
	m := c.srv.store.LockKeys(keys, c.Now)
	defer m.Unlock()
	i, items, st := m.ZPopFirst(c.DB, keys, max, 1, *p)
	defer putZItems(p, items)
	switch {
	case st == shard.WrongType:
		c.Unpark(&m)
		c.Error(ErrWrongType)
	case st == shard.OK && len(items) > 0:
		c.Unpark(&m)
		c.W.AppendArrayLen(3)
		c.W.AppendBulk(keys[i])
		c.W.AppendBulkString(items[0].Member)
		c.W.AppendDouble(items[0].Score)
	case c.BlockGiveUp(deadline, c.W.AppendNullArray):
		c.Unpark(&m)
	default:
		for _, k := range keys {
			m.For(k).Block(c.DB, k, c.Waiter())
		}
		c.Park(keys, deadline)
	}
}

// cmdBZMPop serves BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT n].
func cmdBZMPop(c *Client, args [][]byte) {
	deadline, ok := c.BlockDeadline(args[1])
	if !ok {
		return
	}
	keys, max, count, ok := parseZMPop(c, args, 2)
	if !ok {
		return
	}
	p := getZItems()
	m := c.srv.store.LockKeys(keys, c.Now)
	defer m.Unlock()
	i, items, st := m.ZPopFirst(c.DB, keys, max, count, *p)
	defer putZItems(p, items)
	switch {
	case st == shard.WrongType:
		c.Unpark(&m)
		c.Error(ErrWrongType)
	case st == shard.OK && len(items) > 0:
		c.Unpark(&m)
		c.W.AppendArrayLen(2)
		c.W.AppendBulk(keys[i])
		appendZPairs(c, items)
	case c.BlockGiveUp(deadline, c.W.AppendNullArray):
		c.Unpark(&m)
	default:
		for _, k := range keys {
			m.For(k).Block(c.DB, k, c.Waiter())
		}
		c.Park(keys, deadline)
	}
}

var zsetCommands = []*Command{
	{Name: "zadd", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "1.2.0", Summary: "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", Syntax: "key [condition:(NX | XX)] [comparison:(GT | LT)] [CH] [INCR] data:(score:double member [score:double member ...])", Handler: cmdZAdd},
	{Name: "zincrby", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "1.2.0", Summary: "Increments the score of a member in a sorted set.", Syntax: "key increment:int member", Handler: cmdZIncrBy},
	{Name: "zrem", Arity: -3, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "1.2.0", Summary: "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", Syntax: "key member [member ...]", Handler: cmdZRem},
	{Name: "zcard", Arity: 2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "1.2.0", Summary: "Returns the number of members in a sorted set.", Syntax: "key", Handler: cmdZCard},
	{Name: "zscore", Arity: 3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "1.2.0", Summary: "Returns the score of a member in a sorted set.", Syntax: "key member", Handler: cmdZScore},
	{Name: "zmscore", Arity: -3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "6.2.0", Summary: "Returns the score of one or more members in a sorted set.", Syntax: "key member [member ...]", Handler: cmdZMScore},
	{Name: "zrank", Arity: -3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.0.0", Summary: "Returns the index of a member in a sorted set ordered by ascending scores.", Syntax: "key member [WITHSCORE]", Handler: zrankHandler(false)},
	{Name: "zrevrank", Arity: -3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.0.0", Summary: "Returns the index of a member in a sorted set ordered by descending scores.", Syntax: "key member [WITHSCORE]", Handler: zrankHandler(true)},
	{Name: "zcount", Arity: 4, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.0.0", Summary: "Returns the count of members in a sorted set that have scores within a range.", Syntax: "key min:double max:double", Handler: zcountHandler(shard.ZByScore)},
	{Name: "zlexcount", Arity: 4, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.8.9", Summary: "Returns the number of members in a sorted set within a lexicographical range.", Syntax: "key min max", Handler: zcountHandler(shard.ZByLex)},
	{Name: "zrange", Arity: -4, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "1.2.0", Summary: "Returns members in a sorted set within a range of indexes.", Syntax: "key start stop [sortby:(BYSCORE | BYLEX)] [REV] [limit:(LIMIT offset:int count:int)] [WITHSCORES]", Handler: zrangeHandler(1, false, zrangeAuto, zrangeAuto)},
	{Name: "zrangestore", Arity: -5, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 2, Step: 1, Group: "sorted-set", Since: "6.2.0", Summary: "Stores a range of members from sorted set in a key.", Syntax: "dst:key src:key min max [sortby:(BYSCORE | BYLEX)] [REV] [limit:(LIMIT offset:int count:int)]", Handler: zrangeHandler(2, true, zrangeAuto, zrangeAuto)},
	{Name: "zrangebyscore", Arity: -4, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "1.0.5", Summary: "Returns members in a sorted set within a range of scores.", Syntax: "key min:double max:double [WITHSCORES] [limit:(LIMIT offset:int count:int)]", Handler: zrangeHandler(1, false, shard.ZByScore, 0)},
	{Name: "zrevrangebyscore", Arity: -4, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.2.0", Summary: "Returns members in a sorted set within a range of scores in reverse order.", Syntax: "key max:double min:double [WITHSCORES] [limit:(LIMIT offset:int count:int)]", Handler: zrangeHandler(1, false, shard.ZByScore, 1)},
	{Name: "zrangebylex", Arity: -4, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.8.9", Summary: "Returns members in a sorted set within a lexicographical range.", Syntax: "key min max [limit:(LIMIT offset:int count:int)]", Handler: zrangeHandler(1, false, shard.ZByLex, 0)},
	{Name: "zrevrangebylex", Arity: -4, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.8.9", Summary: "Returns members in a sorted set within a lexicographical range in reverse order.", Syntax: "key max min [limit:(LIMIT offset:int count:int)]", Handler: zrangeHandler(1, false, shard.ZByLex, 1)},
	{Name: "zrevrange", Arity: -4, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "1.2.0", Summary: "Returns members in a sorted set within a range of indexes in reverse order.", Syntax: "key start:int stop:int [WITHSCORES]", Handler: zrangeHandler(1, false, shard.ZByRank, 1)},
	{Name: "zremrangebyrank", Arity: 4, Flags: FlagWrite, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.0.0", Summary: "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", Syntax: "key start:int stop:int", Handler: zremRangeHandler(shard.ZByRank)},
	{Name: "zremrangebyscore", Arity: 4, Flags: FlagWrite, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "1.2.0", Summary: "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", Syntax: "key min:double max:double", Handler: zremRangeHandler(shard.ZByScore)},
	{Name: "zremrangebylex", Arity: 4, Flags: FlagWrite, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.8.9", Summary: "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", Syntax: "key min max", Handler: zremRangeHandler(shard.ZByLex)},
	{Name: "zpopmin", Arity: -2, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "5.0.0", Summary: "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", Syntax: "key [count:int]", Handler: zpopHandler(false)},
	{Name: "zpopmax", Arity: -2, Flags: FlagWrite | FlagFast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "5.0.0", Summary: "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", Syntax: "key [count:int]", Handler: zpopHandler(true)},
	{Name: "bzpopmin", Arity: -3, Flags: FlagWrite | FlagFast | FlagBlocking, First: 1, Last: -2, Step: 1, Group: "sorted-set", Since: "5.0.0", Summary: "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", Syntax: "key [key ...] timeout:double", Handler: cmdBZPop},
	{Name: "bzpopmax", Arity: -3, Flags: FlagWrite | FlagFast | FlagBlocking, First: 1, Last: -2, Step: 1, Group: "sorted-set", Since: "5.0.0", Summary: "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.", Syntax: "key [key ...] timeout:double", Handler: cmdBZPop},
	{Name: "bzmpop", Arity: -5, Flags: FlagWrite | FlagBlocking | FlagMovableKeys, NumKeysAt: 2, Group: "sorted-set", Since: "7.0.0", Summary: "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", Syntax: "timeout:double numkeys:int key [key ...] where:(MIN | MAX) [COUNT count:int]", Handler: cmdBZMPop},
	{Name: "zmpop", Arity: -4, Flags: FlagWrite | FlagMovableKeys, NumKeysAt: 1, Group: "sorted-set", Since: "7.0.0", Summary: "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", Syntax: "numkeys:int key [key ...] where:(MIN | MAX) [COUNT count:int]", Handler: cmdZMPop},
	{Name: "zrandmember", Arity: -2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "6.2.0", Summary: "Returns one or more random members from a sorted set.", Syntax: "key [options:(count:int [WITHSCORES])]", Tips: []string{"nondeterministic_output"}, Handler: cmdZRandMember},
	{Name: "zunion", Arity: -3, Flags: FlagReadonly | FlagMovableKeys, NumKeysAt: 1, Group: "sorted-set", Since: "6.2.0", Summary: "Returns the union of multiple sorted sets.", Syntax: "numkeys:int key [key ...] [WEIGHTS weight:int [weight:int ...]] [AGGREGATE aggregate:(SUM | MIN | MAX)] [WITHSCORES]", Handler: zsetOpHandler(shard.ZUnion, false, false)},
	{Name: "zunionstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, NumKeysAt: 2, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.0.0", Summary: "Stores the union of multiple sorted sets in a key.", Syntax: "destination:key numkeys:int key [key ...] [WEIGHTS weight:int [weight:int ...]] [AGGREGATE aggregate:(SUM | MIN | MAX)]", Handler: zsetOpHandler(shard.ZUnion, true, false)},
	{Name: "zinter", Arity: -3, Flags: FlagReadonly | FlagMovableKeys, NumKeysAt: 1, Group: "sorted-set", Since: "6.2.0", Summary: "Returns the intersect of multiple sorted sets.", Syntax: "numkeys:int key [key ...] [WEIGHTS weight:int [weight:int ...]] [AGGREGATE aggregate:(SUM | MIN | MAX)] [WITHSCORES]", Handler: zsetOpHandler(shard.ZInter, false, false)},
	{Name: "zinterstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, NumKeysAt: 2, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.0.0", Summary: "Stores the intersect of multiple sorted sets in a key.", Syntax: "destination:key numkeys:int key [key ...] [WEIGHTS weight:int [weight:int ...]] [AGGREGATE aggregate:(SUM | MIN | MAX)]", Handler: zsetOpHandler(shard.ZInter, true, false)},
	{Name: "zintercard", Arity: -3, Flags: FlagReadonly | FlagMovableKeys, NumKeysAt: 1, Group: "sorted-set", Since: "7.0.0", Summary: "Returns the number of members of the intersect of multiple sorted sets.", Syntax: "numkeys:int key [key ...] [LIMIT limit:int]", Handler: zsetOpHandler(shard.ZInter, false, true)},
	{Name: "zdiff", Arity: -3, Flags: FlagReadonly | FlagMovableKeys, NumKeysAt: 1, Group: "sorted-set", Since: "6.2.0", Summary: "Returns the difference between multiple sorted sets.", Syntax: "numkeys:int key [key ...] [WITHSCORES]", Handler: zsetOpHandler(shard.ZDiff, false, false)},
	{Name: "zdiffstore", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, NumKeysAt: 2, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "6.2.0", Summary: "Stores the difference of multiple sorted sets in a key.", Syntax: "destination:key numkeys:int key [key ...]", Handler: zsetOpHandler(shard.ZDiff, true, false)},
	{Name: "zscan", Arity: -3, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Since: "2.8.0", Summary: "Iterates over members and scores of a sorted set.", Syntax: "key cursor:int [MATCH pattern:pattern] [COUNT count:int]", Tips: []string{"nondeterministic_output"}, Handler: cmdZScan},
}
