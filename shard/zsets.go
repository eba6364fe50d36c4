package shard

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/meridiandb/meridian/core"
)

// Operations of the sorted-set family (ZADD, ZRANGE, ZPOPMIN, ZUNIONSTORE,
// ...). A member is a field of a KindZSet entry whose register holds its
// score (see core/zindex.go): ZADD writes the base, ZINCRBY adds a
// replicated increment, ZREM is an observed-remove of the field, so
// SEMANTICS.md section 4 follows from the field rules. Conditions (NX, XX,
// GT, LT) are decided on the local state and only their effect replicates.
//
// Each operation returns typed results or a Status, never RESP. Results
// that name members return core.ZItem, whose Member is the index's own
// immutable string: it stays valid after the shard is released.

// ZAddOptions are ZADD's flags after parsing; the parser refuses the
// combinations Redis refuses (NX with XX, GT or LT; GT with LT; INCR with
// several pairs).
type ZAddOptions struct {
	NX, XX, GT, LT, CH, Incr bool
}

// ZAddResult is what ZADD (and ZINCRBY) did.
type ZAddResult struct {
	Status Status // OK or WrongType
	// Added and Updated count new members and changed scores; Processed
	// counts pairs no condition refused.
	Added, Updated, Processed int
	// Score is the last processed member's new score (the INCR reply).
	Score float64
	// NaN reports that an increment produced NaN: nothing more was done.
	NaN bool
}

// ZAdd runs ZADD on key: scores[i] is the parsed score of the pair
// elems[2i], elems[2i+1] (score text, member). With Incr, scores[0] is an
// increment. A key left empty (every pair refused) is not created.
func (x *Exec) ZAdd(db int, key []byte, o ZAddOptions, scores []float64, elems [][]byte) (r ZAddResult) {
	e := x.Peek(db, key)
	if e != nil && e.Kind != core.KindZSet {
		r.Status = WrongType
		return r
	}
	if e == nil {
		if o.XX {
			return r
		}
		e = x.LookupWrite(db, key)
	}
	for i, score := range scores {
		member := elems[2*i+1]
		cur, exists := e.ZSet().Score(member)
		switch {
		case exists:
			if o.NX {
				continue
			}
			ns := score
			if o.Incr {
				ns = cur + score
				if math.IsNaN(ns) {
					r.NaN = true
					return x.zaddDone(db, key, e, r)
				}
			}
			if (o.LT && ns >= cur) || (o.GT && ns <= cur) {
				continue
			}
			r.Processed++
			r.Score = ns
			if ns != cur {
				if o.Incr {
					r.Score = x.zincr(db, key, e, member, cur, score)
				} else {
					x.zset(db, key, e, member, ns)
				}
				r.Updated++
			}
		case !o.XX:
			r.Processed++
			r.Added++
			if o.Incr {
				r.Score = x.zincr(db, key, e, member, 0, score)
			} else {
				r.Score = score
				x.zset(db, key, e, member, score)
			}
		}
	}
	return x.zaddDone(db, key, e, r)
}

func (x *Exec) zaddDone(db int, key []byte, e *core.Entry, r ZAddResult) ZAddResult {
	if !e.Live() {
		x.Abandon(db, key, e)
	}
	return r
}

// zset writes member's score as a base write of its canonical text. A
// negative zero is written as 0: Redis stores the small sorted sets of
// everyday use as listpacks, whose integer encoding of 0 drops the sign, so
// ZADD z -0 m reads back "0" there.
func (x *Exec) zset(db int, key []byte, e *core.Entry, member []byte, score float64) {
	if score == 0 {
		score = 0
	}
	buf := core.AppendScore(x.spare[:0], score)
	x.SetField(db, key, e, core.KindZSet, member, buf)
	x.spare = buf[:0]
}

// zincr adds by to member's score (cur, 0 when absent) and returns the new
// score. A finite result replicates as an increment, so concurrent ones add
// up; an infinite one (an operand infinite, or an overflow) is written as
// a base, since an infinity absorbs any later finite increment anyway.
func (x *Exec) zincr(db int, key []byte, e *core.Entry, member []byte, cur, by float64) float64 {
	n := cur + by
	if math.IsInf(n, 0) || math.IsInf(cur, 0) || math.IsInf(by, 0) {
		x.zset(db, key, e, member, n)
		return n
	}
	dot, ts, p := x.write(db, key)
	s := e.IncrScore(&x.delta, dot, ts, member, by)
	x.emit(db, key, p)
	x.settle(db, key, e)
	return s
}

// ZRem removes members from key and returns how many were there (ZREM).
// The key goes when its last member does.
func (x *Exec) ZRem(db int, key []byte, members [][]byte) (int, Status) {
	e := x.Peek(db, key)
	if e == nil {
		return 0, NotFound
	}
	if e.Kind != core.KindZSet {
		return 0, WrongType
	}
	n := 0
	for _, m := range members {
		if x.DeleteField(db, key, e, m) {
			n++
		}
		if !e.Live() {
			break
		}
	}
	return n, OK
}

// ZSetRead returns the sorted-set view of key for a read (counted as a
// keyspace hit or miss): NotFound when absent, WrongType for another type.
// The view is valid while the shard is held.
func (x *Exec) ZSetRead(db int, key []byte) (core.ZSet, Status) {
	e := x.Lookup(db, key)
	if e == nil {
		return core.ZSet{}, NotFound
	}
	if e.Kind != core.KindZSet {
		return core.ZSet{}, WrongType
	}
	return e.ZSet(), OK
}

// ZRangeBy says how a ZRANGE range is given.
type ZRangeBy uint8

// Kinds of range.
const (
	ZByRank ZRangeBy = iota
	ZByScore
	ZByLex
)

// ZRangeSpec is a parsed ZRANGE-family range.
type ZRangeSpec struct {
	By  ZRangeBy
	Rev bool
	// Start and Stop are ZByRank's indexes (negative: from the end).
	Start, Stop int64
	Score       core.ScoreRange // ZByScore
	Lex         core.LexRange   // ZByLex
	// Offset and Limit are LIMIT's (ZByScore, ZByLex); Limit < 0: no limit.
	Offset, Limit int64
}

// Window resolves the range on z to the rank of its first member in
// reply order and the number of members: ranks first, first+1, ... (or
// first, first-1, ... with Rev). It follows Redis's index sanitizing for
// ranks and its LIMIT rules: an offset at or past the end, or a negative
// one, selects nothing; a negative limit means no limit.
func (s *ZRangeSpec) Window(z core.ZSet) (first, n int) {
	size := int64(z.Len())
	if s.By == ZByRank {
		start, end := s.Start, s.Stop
		if start < 0 {
			start += size
		}
		if end < 0 {
			end += size
		}
		if start < 0 {
			start = 0
		}
		if start > end || start >= size {
			return 0, 0
		}
		if end >= size {
			end = size - 1
		}
		if s.Rev {
			return int(size - 1 - start), int(end - start + 1)
		}
		return int(start), int(end - start + 1)
	}
	if s.Offset < 0 || (s.Offset > 0 && s.Offset >= size) {
		return 0, 0
	}
	var lo, hi int
	if s.By == ZByScore {
		lo, hi = z.ScoreRanks(s.Score)
	} else {
		lo, hi = z.LexRanks(s.Lex)
	}
	avail := int64(hi-lo) - s.Offset
	if avail <= 0 {
		return 0, 0
	}
	if s.Limit >= 0 && s.Limit < avail {
		avail = s.Limit
	}
	if s.Rev {
		return hi - 1 - int(s.Offset), int(avail)
	}
	return lo + int(s.Offset), int(avail)
}

// zcollect appends the n members from rank first in s's direction to dst.
func zcollect(z core.ZSet, first, n int, rev bool, dst []core.ZItem) []core.ZItem {
	if n <= 0 {
		return dst
	}
	dst = slices.Grow(dst, n)
	fn := func(it core.ZItem) bool {
		dst = append(dst, it)
		n--
		return n > 0
	}
	if rev {
		z.Descend(first, fn)
	} else {
		z.Ascend(first, fn)
	}
	return dst
}

// ZRange appends the members of key in s to dst, in reply order (ZRANGE
// and its older forms). NotFound when the key is absent.
func (x *Exec) ZRange(db int, key []byte, s *ZRangeSpec, dst []core.ZItem) ([]core.ZItem, Status) {
	z, st := x.ZSetRead(db, key)
	if st != OK {
		return dst, st
	}
	first, n := s.Window(z)
	return zcollect(z, first, n, s.Rev, dst), OK
}

// ZCount counts the members of key in a score or lex range (ZCOUNT,
// ZLEXCOUNT; s.By says which) in O(log n).
func (x *Exec) ZCount(db int, key []byte, s *ZRangeSpec) (int, Status) {
	z, st := x.ZSetRead(db, key)
	if st != OK {
		return 0, st
	}
	var lo, hi int
	if s.By == ZByLex {
		lo, hi = z.LexRanks(s.Lex)
	} else {
		lo, hi = z.ScoreRanks(s.Score)
	}
	return hi - lo, OK
}

// ZRemRange removes the members of key in s (ZREMRANGEBYRANK, BYSCORE,
// BYLEX) and returns how many went; each removal is an observed-remove of
// its own.
func (x *Exec) ZRemRange(db int, key []byte, s *ZRangeSpec) (int, Status) {
	e := x.Peek(db, key)
	if e == nil {
		return 0, NotFound
	}
	if e.Kind != core.KindZSet {
		return 0, WrongType
	}
	z := e.ZSet()
	first, n := s.Window(z)
	items := zcollect(z, first, n, s.Rev, nil)
	for _, it := range items {
		x.zdel(db, key, e, it.Member)
	}
	return len(items), OK
}

// zdel removes member (a string) without allocating its bytes.
func (x *Exec) zdel(db int, key []byte, e *core.Entry, member string) {
	buf := append(x.scratch[:0], member...)
	x.DeleteField(db, key, e, buf)
	x.scratch = buf[:0]
}

// ZPop removes and appends to dst up to count members of key with the
// lowest scores (max: the highest), in pop order (ZPOPMIN, ZPOPMAX, and the
// blocking pops once a key has data). NotFound when the key is absent,
// which a blocking pop takes as "wait". Pops are removes of what this
// region chose: two regions may pop the same member concurrently.
func (x *Exec) ZPop(db int, key []byte, max bool, count int, dst []core.ZItem) ([]core.ZItem, Status) {
	e := x.Peek(db, key)
	if e == nil {
		return dst, NotFound
	}
	if e.Kind != core.KindZSet {
		return dst, WrongType
	}
	return x.zpop(db, key, e, max, count, dst), OK
}

func (x *Exec) zpop(db int, key []byte, e *core.Entry, max bool, count int, dst []core.ZItem) []core.ZItem {
	for ; count > 0; count-- {
		z := e.ZSet()
		n := z.Len()
		if n == 0 {
			break
		}
		var it core.ZItem
		if max {
			it = z.At(n - 1)
		} else {
			it = z.At(0)
		}
		dst = append(dst, it)
		x.zdel(db, key, e, it.Member)
		if !e.Live() {
			break
		}
	}
	return dst
}

// ZPopFirst pops from the first of keys that exists, as ZMPOP (and
// BZMPOP once data is there): a key of another type there is WrongType;
// NotFound when none exists. It returns the index of the key popped from.
func (m Multi) ZPopFirst(db int, keys [][]byte, max bool, count int, dst []core.ZItem) (int, []core.ZItem, Status) {
	for i, k := range keys {
		x := m.For(k)
		e := x.Peek(db, k)
		if e == nil {
			continue
		}
		if e.Kind != core.KindZSet {
			return i, dst, WrongType
		}
		return i, x.zpop(db, k, e, max, count, dst), OK
	}
	return -1, dst, NotFound
}

// ZRandMember appends random members of key to dst (ZRANDMEMBER key
// count): count > 0 asks for distinct members (all of them, in order, when
// count reaches the size), count < 0 for -count members that may repeat.
func (x *Exec) ZRandMember(db int, key []byte, count int64, dst []core.ZItem) ([]core.ZItem, Status) {
	z, st := x.ZSetRead(db, key)
	if st != OK {
		return dst, st
	}
	size := int64(z.Len())
	switch {
	case size == 0 || count == 0:
	case count < 0:
		for i := int64(0); i < -count; i++ {
			dst = append(dst, z.At(rand.IntN(int(size))))
		}
	case count >= size:
		// The whole set, highest first: Redis walks a sorted set from
		// its tail here.
		dst = zcollect(z, int(size)-1, int(size), true, dst)
	case count*3 > size:
		// Most of the set: shuffle the ranks partially.
		ranks := make([]int, size)
		for i := range ranks {
			ranks[i] = i
		}
		for i := 0; i < int(count); i++ {
			j := i + rand.IntN(len(ranks)-i)
			ranks[i], ranks[j] = ranks[j], ranks[i]
			dst = append(dst, z.At(ranks[i]))
		}
	default:
		seen := make(map[int]struct{}, count)
		for int64(len(seen)) < count {
			k := rand.IntN(int(size))
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
			dst = append(dst, z.At(k))
		}
	}
	return dst, OK
}

// ZSource is one input of ZUNION, ZINTER, ZDIFF and their STORE forms: a
// sorted set, a set (each member scores 1, as in Redis), or nothing.
type ZSource struct {
	Weight float64
	z      core.ZSet
	set    *core.Fields
	n      int
}

// Len is the source's number of members.
func (s *ZSource) Len() int { return s.n }

func (s *ZSource) each(fn func(member string, score float64) bool) {
	switch {
	case s.set != nil:
		s.set.Each(func(name string, _ *core.Register) bool { return fn(name, 1) })
	case s.n > 0:
		s.z.Ascend(0, func(it core.ZItem) bool { return fn(it.Member, it.Score) })
	}
}

func (s *ZSource) find(member string) (float64, bool) {
	switch {
	case s.set != nil:
		return 1, s.set.Get([]byte(member)) != nil
	case s.n > 0:
		return s.z.ScoreString(member)
	}
	return 0, false
}

// ZSources reads the inputs of a set operation, every weight 1: sorted
// sets and sets; any other type is WrongType. forWrite looks the keys up
// as a write does (the STORE forms), without counting hits.
func (m Multi) ZSources(db int, keys [][]byte, forWrite bool, dst []ZSource) ([]ZSource, Status) {
	for _, k := range keys {
		x := m.For(k)
		var e *core.Entry
		if forWrite {
			e = x.Peek(db, k)
		} else {
			e = x.Lookup(db, k)
		}
		s := ZSource{Weight: 1}
		switch {
		case e == nil:
		case e.Kind == core.KindZSet:
			s.z = e.ZSet()
			s.n = s.z.Len()
		case e.Kind == core.KindSet && e.Fields != nil:
			s.set = e.Fields
			s.n = e.Fields.Len()
		default:
			return dst, WrongType
		}
		dst = append(dst, s)
	}
	return dst, OK
}

// ZSetOp is a set operation between sorted sets.
type ZSetOp uint8

// Set operations.
const (
	ZUnion ZSetOp = iota
	ZInter
	ZDiff
)

// ZAggregate is how ZUNION and ZINTER combine a member's weighted scores.
type ZAggregate uint8

// Aggregates.
const (
	ZAggSum ZAggregate = iota
	ZAggMin
	ZAggMax
)

// zaggregate is Redis's zunionInterAggregate: a sum that is NaN (+inf plus
// -inf) is 0, and MIN/MAX ignore a NaN value.
func zaggregate(target, v float64, agg ZAggregate) float64 {
	switch agg {
	case ZAggMin:
		if v < target {
			return v
		}
	case ZAggMax:
		if v > target {
			return v
		}
	default:
		target += v
		if math.IsNaN(target) {
			return 0
		}
	}
	return target
}

// zweighted is a source score times its weight, 0 for NaN (0 × inf).
func zweighted(score, weight float64) float64 {
	v := score * weight
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// ZCombine computes op over srcs and appends the result to dst sorted by
// (score, member), as Redis's zunionInterDiffGenericCommand: inputs in
// increasing size for union and intersection, NaN products and sums read
// as 0. With cardOnly (ZINTERCARD) nothing is appended and the count of
// the intersection, stopped at limit when limit > 0, is returned.
func ZCombine(srcs []ZSource, op ZSetOp, agg ZAggregate, cardOnly bool, limit int, dst []core.ZItem) ([]core.ZItem, int) {
	if len(srcs) == 0 {
		return dst, 0
	}
	if op != ZDiff {
		sort.SliceStable(srcs, func(i, j int) bool { return srcs[i].n < srcs[j].n })
	}
	start := len(dst)
	count := 0
	switch op {
	case ZUnion:
		acc := make(map[string]float64, srcs[len(srcs)-1].n)
		for i := range srcs {
			s := &srcs[i]
			s.each(func(m string, sc float64) bool {
				v := zweighted(sc, s.Weight)
				if cur, ok := acc[m]; ok {
					acc[m] = zaggregate(cur, v, agg)
				} else {
					acc[m] = v
				}
				return true
			})
		}
		for m, v := range acc {
			dst = append(dst, core.ZItem{Score: v, Member: m})
		}
	case ZInter:
		if srcs[0].n == 0 {
			break
		}
		srcs[0].each(func(m string, sc float64) bool {
			score := zweighted(sc, srcs[0].Weight)
			for j := 1; j < len(srcs); j++ {
				v, ok := srcs[j].find(m)
				if !ok {
					return true
				}
				score = zaggregate(score, v*srcs[j].Weight, agg)
			}
			count++
			if cardOnly {
				return limit <= 0 || count < limit
			}
			dst = append(dst, core.ZItem{Score: score, Member: m})
			return true
		})
	case ZDiff:
		if srcs[0].n == 0 {
			break
		}
		srcs[0].each(func(m string, sc float64) bool {
			for j := 1; j < len(srcs); j++ {
				if _, ok := srcs[j].find(m); ok {
					return true
				}
			}
			dst = append(dst, core.ZItem{Score: sc, Member: m})
			return true
		})
	}
	res := dst[start:]
	sort.Slice(res, func(i, j int) bool {
		a, b := res[i], res[j]
		return a.Score < b.Score || (a.Score == b.Score && a.Member < b.Member)
	})
	if !cardOnly {
		count = len(res)
	}
	return dst, count
}

// ZStore replaces key with a sorted set of items (the STORE commands):
// an observed delete of whatever key held, of any type, then a write of
// each member (SEMANTICS.md 3 and 4); no items leaves the key deleted.
// It returns the number of members written.
func (x *Exec) ZStore(db int, key []byte, items []core.ZItem) int {
	if e := x.Peek(db, key); e != nil {
		x.Delete(db, key, e)
	}
	if len(items) == 0 {
		return 0
	}
	e := x.LookupWrite(db, key)
	for _, it := range items {
		buf := append(x.scratch[:0], it.Member...)
		x.zset(db, key, e, buf, it.Score)
		x.scratch = buf[:0]
	}
	return len(items)
}

// ZRangeStore writes the range s of src into dst (ZRANGESTORE) and returns
// the number of members stored; an absent or empty range deletes dst.
// WrongType when src holds another type.
func (m Multi) ZRangeStore(db int, dst, src []byte, s *ZRangeSpec) (int, Status) {
	items, st := m.For(src).ZRange(db, src, s, nil)
	if st == WrongType {
		return 0, st
	}
	return m.For(dst).ZStore(db, dst, items), OK
}
