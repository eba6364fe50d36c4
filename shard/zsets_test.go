package shard

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Tests of the sorted-set and GEO shard operations. Helpers carry the zx
// prefix so they cannot collide with other test files of package shard.

func zxBytes(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// zxAdd runs ZADD key with options o and "score member ..." pairs.
func zxAdd(s *Store, key string, o ZAddOptions, pairs ...string) ZAddResult {
	elems := zxBytes(pairs...)
	var scores []float64
	for i := 0; i < len(pairs); i += 2 {
		f, ok := core.ParseScore(elems[i])
		if !ok {
			panic("bad score " + pairs[i])
		}
		scores = append(scores, f)
	}
	var r ZAddResult
	fxDo(s, key, fxNow, func(x *Exec) { r = x.ZAdd(0, []byte(key), o, scores, elems) })
	return r
}

// zxAll reads the whole set as "member=score ..." in order.
func zxAll(s *Store, key string) string {
	var out string
	fxDo(s, key, fxNow, func(x *Exec) {
		items, st := x.ZRange(0, []byte(key), &ZRangeSpec{By: ZByRank, Start: 0, Stop: -1, Limit: -1}, nil)
		if st != OK {
			out = fmt.Sprint("status ", st)
			return
		}
		out = zxText(items)
	})
	return out
}

func zxText(items []core.ZItem) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", it.Member, strconv.FormatFloat(it.Score, 'g', -1, 64))
	}
	return b.String()
}

func zxWant(t *testing.T, s *Store, key, want string) {
	t.Helper()
	if got := zxAll(s, key); got != want {
		t.Fatalf("%s = %q, want %q", key, got, want)
	}
}

func TestZSets_AddOptions(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	if r := zxAdd(s, "z", ZAddOptions{}, "1", "a", "2", "b"); r.Added != 2 {
		t.Fatalf("ZADD added %d", r.Added)
	}
	cases := []struct {
		o                         ZAddOptions
		pairs                     []string
		added, updated, processed int
		want                      string
	}{
		{ZAddOptions{}, []string{"1", "a"}, 0, 0, 1, "a=1 b=2"},
		{ZAddOptions{CH: true}, []string{"5", "a"}, 0, 1, 1, "b=2 a=5"},
		{ZAddOptions{NX: true}, []string{"10", "a", "3", "c"}, 1, 0, 1, "b=2 c=3 a=5"},
		{ZAddOptions{XX: true}, []string{"1", "a", "9", "d"}, 0, 1, 1, "a=1 b=2 c=3"},
		{ZAddOptions{GT: true}, []string{"0", "a", "7", "b"}, 0, 1, 1, "a=1 c=3 b=7"},
		{ZAddOptions{LT: true}, []string{"4", "b", "8", "c", "0", "e"}, 1, 1, 2, "e=0 a=1 c=3 b=4"},
		{ZAddOptions{XX: true, GT: true}, []string{"2", "a", "9", "f"}, 0, 1, 1, "e=0 a=2 c=3 b=4"},
		{ZAddOptions{Incr: true}, []string{"1.5", "a"}, 0, 1, 1, "e=0 c=3 a=3.5 b=4"},
		{ZAddOptions{Incr: true, NX: true}, []string{"1", "a"}, 0, 0, 0, "e=0 c=3 a=3.5 b=4"},
		{ZAddOptions{Incr: true, GT: true}, []string{"-1", "a"}, 0, 0, 0, "e=0 c=3 a=3.5 b=4"},
		{ZAddOptions{Incr: true}, []string{"0", "a"}, 0, 0, 1, "e=0 c=3 a=3.5 b=4"},
		{ZAddOptions{Incr: true}, []string{"-2", "n"}, 1, 0, 1, "n=-2 e=0 c=3 a=3.5 b=4"},
		{ZAddOptions{}, []string{"-0", "e"}, 0, 0, 1, "n=-2 e=0 c=3 a=3.5 b=4"},
	}
	for i, c := range cases {
		r := zxAdd(s, "z", c.o, c.pairs...)
		if r.Added != c.added || r.Updated != c.updated || r.Processed != c.processed {
			t.Fatalf("case %d: %+v", i, r)
		}
		zxWant(t, s, "z", c.want)
	}
	// XX on an absent key creates nothing.
	if r := zxAdd(s, "nokey", ZAddOptions{XX: true}, "1", "a"); r.Processed != 0 {
		t.Fatal("XX on an absent key processed")
	}
	if k := kindOf(s, "nokey"); k != core.KindNone {
		t.Fatalf("nokey is %v", k)
	}
}

func TestZSets_IncrInfinityAndNaN(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	zxAdd(s, "z", ZAddOptions{}, "inf", "i", "1e308", "b")
	if r := zxAdd(s, "z", ZAddOptions{Incr: true}, "-inf", "i"); !r.NaN {
		t.Fatalf("inf + -inf: %+v", r)
	}
	if r := zxAdd(s, "z", ZAddOptions{Incr: true}, "5", "i"); r.NaN || !math.IsInf(r.Score, 1) {
		t.Fatalf("inf + 5: %+v", r)
	}
	if r := zxAdd(s, "z", ZAddOptions{Incr: true}, "1.7976931348623157e308", "b"); !math.IsInf(r.Score, 1) {
		t.Fatalf("overflow: %+v", r)
	}
	if r := zxAdd(s, "z", ZAddOptions{Incr: true}, "-inf", "b"); !r.NaN {
		t.Fatalf("an overflowed score plus -inf: %+v", r)
	}
	zxWant(t, s, "z", "b=+Inf i=+Inf")
}

func TestZSets_WrongTypeAndMissing(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	fxSet(s, "str", "v", SetOptions{}, fxNow)
	fxDo(s, "str", fxNow, func(x *Exec) {
		k := []byte("str")
		if r := x.ZAdd(0, k, ZAddOptions{}, []float64{1}, zxBytes("1", "a")); r.Status != WrongType {
			t.Error("ZADD on a string")
		}
		if _, st := x.ZRem(0, k, zxBytes("a")); st != WrongType {
			t.Error("ZREM on a string")
		}
		if _, st := x.ZRange(0, k, &ZRangeSpec{Stop: -1}, nil); st != WrongType {
			t.Error("ZRANGE on a string")
		}
		if _, st := x.ZPop(0, k, false, 1, nil); st != WrongType {
			t.Error("ZPOPMIN on a string")
		}
		if _, st := x.ZRemRange(0, k, &ZRangeSpec{Stop: -1}); st != WrongType {
			t.Error("ZREMRANGEBYRANK on a string")
		}
		if _, st := x.ZRandMember(0, k, 1, nil); st != WrongType {
			t.Error("ZRANDMEMBER on a string")
		}
		n := []byte("nokey")
		if _, st := x.ZPop(0, n, false, 1, nil); st != NotFound {
			t.Error("ZPOPMIN of an absent key is not NotFound")
		}
		if _, st := x.ZSetRead(0, n); st != NotFound {
			t.Error("ZSetRead of an absent key")
		}
	})
}

func TestZSets_PopAndRemoveDeleteTheKey(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	zxAdd(s, "z", ZAddOptions{}, "1", "a", "2", "b", "3", "c", "4", "d")
	fxDo(s, "z", fxNow, func(x *Exec) {
		k := []byte("z")
		items, _ := x.ZPop(0, k, false, 1, nil)
		if zxText(items) != "a=1" {
			t.Fatalf("ZPOPMIN = %s", zxText(items))
		}
		items, _ = x.ZPop(0, k, true, 2, nil)
		if zxText(items) != "d=4 c=3" {
			t.Fatalf("ZPOPMAX 2 = %s", zxText(items))
		}
		items, _ = x.ZPop(0, k, true, 10, nil)
		if zxText(items) != "b=2" {
			t.Fatalf("ZPOPMAX 10 = %s", zxText(items))
		}
	})
	if k := kindOf(s, "z"); k != core.KindNone {
		t.Fatal("the key outlived its last member")
	}
	zxAdd(s, "z", ZAddOptions{}, "1", "a", "2", "b")
	fxDo(s, "z", fxNow, func(x *Exec) {
		if n, _ := x.ZRem(0, []byte("z"), zxBytes("a", "x", "b", "a")); n != 2 {
			t.Fatalf("ZREM removed %d", n)
		}
	})
	if k := kindOf(s, "z"); k != core.KindNone {
		t.Fatal("the key outlived ZREM of its last member")
	}
	zxAdd(s, "z", ZAddOptions{}, "1", "a", "2", "b", "3", "c")
	fxDo(s, "z", fxNow, func(x *Exec) {
		n, _ := x.ZRemRange(0, []byte("z"), &ZRangeSpec{By: ZByScore, Score: core.ScoreRange{Min: 2, Max: math.Inf(1)}, Limit: -1})
		if n != 2 {
			t.Fatalf("ZREMRANGEBYSCORE removed %d", n)
		}
	})
	zxWant(t, s, "z", "a=1")
}

// TestZSets_WindowMatchesNaive checks every kind of range, in both
// directions and with LIMIT, against a filter over the sorted members.
func TestZSets_WindowMatchesNaive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := New(Config{Shards: 1})
		s.Close()
		n := rapid.IntRange(0, 300).Draw(t, "n")
		lex := rapid.Bool().Draw(t, "lex")
		var naive []core.ZItem
		seen := map[string]bool{}
		for i := 0; i < n; i++ {
			m := fmt.Sprintf("m%03d", rapid.IntRange(0, 400).Draw(t, "m"))
			sc := float64(rapid.IntRange(-5, 5).Draw(t, "s"))
			if lex {
				sc = 0
			}
			if seen[m] {
				continue
			}
			seen[m] = true
			zxAdd(s, "z", ZAddOptions{}, strconv.FormatFloat(sc, 'g', -1, 64), m)
			naive = append(naive, core.ZItem{Score: sc, Member: m})
		}
		sort.Slice(naive, func(i, j int) bool {
			a, b := naive[i], naive[j]
			return a.Score < b.Score || (a.Score == b.Score && a.Member < b.Member)
		})
		spec := ZRangeSpec{Rev: rapid.Bool().Draw(t, "rev"), Limit: -1}
		var in func(it core.ZItem) bool
		by := rapid.IntRange(0, 1).Draw(t, "by")
		if lex && by == 1 {
			by = 2 // lex ranges are defined when every score is equal
		}
		switch by {
		case 0:
			spec.By = ZByRank
			spec.Start = int64(rapid.IntRange(-350, 350).Draw(t, "start"))
			spec.Stop = int64(rapid.IntRange(-350, 350).Draw(t, "stop"))
		case 1:
			spec.By = ZByScore
			spec.Score = core.ScoreRange{Min: float64(rapid.IntRange(-6, 6).Draw(t, "min")), Max: float64(rapid.IntRange(-6, 6).Draw(t, "max")),
				MinEx: rapid.Bool().Draw(t, "minex"), MaxEx: rapid.Bool().Draw(t, "maxex")}
			r := spec.Score
			in = func(it core.ZItem) bool {
				return (it.Score > r.Min || (!r.MinEx && it.Score == r.Min)) && (it.Score < r.Max || (!r.MaxEx && it.Score == r.Max))
			}
		case 2:
			spec.By = ZByLex
			lo := fmt.Sprintf("m%03d", rapid.IntRange(0, 400).Draw(t, "lo"))
			hi := fmt.Sprintf("m%03d", rapid.IntRange(0, 400).Draw(t, "hi"))
			minEx, maxEx := rapid.Bool().Draw(t, "lminex"), rapid.Bool().Draw(t, "lmaxex")
			spec.Lex = core.LexRange{Min: []byte(lo), Max: []byte(hi), MinEx: minEx, MaxEx: maxEx}
			in = func(it core.ZItem) bool {
				return (it.Member > lo || (!minEx && it.Member == lo)) && (it.Member < hi || (!maxEx && it.Member == hi))
			}
		}
		if spec.By != ZByRank && rapid.Bool().Draw(t, "limit") {
			spec.Offset = int64(rapid.IntRange(-1, 20).Draw(t, "offset"))
			spec.Limit = int64(rapid.IntRange(-1, 20).Draw(t, "count"))
		}
		var want []core.ZItem
		if spec.By == ZByRank {
			size := int64(len(naive))
			start, end := spec.Start, spec.Stop
			if start < 0 {
				start += size
			}
			if end < 0 {
				end += size
			}
			start = max(start, 0)
			end = min(end, size-1)
			if spec.Rev {
				rev := make([]core.ZItem, len(naive))
				for i := range naive {
					rev[i] = naive[len(naive)-1-i]
				}
				naive = rev
			}
			for i := start; i <= end && i < size; i++ {
				want = append(want, naive[i])
			}
		} else {
			var all []core.ZItem
			for _, it := range naive {
				if in(it) {
					all = append(all, it)
				}
			}
			if spec.Rev {
				for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
					all[i], all[j] = all[j], all[i]
				}
			}
			if spec.Offset >= 0 && !(spec.Offset > 0 && spec.Offset >= int64(len(naive))) && spec.Offset < int64(len(all)) {
				all = all[spec.Offset:]
				if spec.Limit >= 0 && spec.Limit < int64(len(all)) {
					all = all[:spec.Limit]
				}
				want = all
			}
		}
		var got []core.ZItem
		var count int
		fxDo(s, "z", fxNow, func(x *Exec) {
			got, _ = x.ZRange(0, []byte("z"), &spec, nil)
			if spec.By != ZByRank {
				count, _ = x.ZCount(0, []byte("z"), &spec)
			}
		})
		if zxText(got) != zxText(want) {
			t.Fatalf("%+v\ngot  %s\nwant %s", spec, zxText(got), zxText(want))
		}
		if spec.By != ZByRank && in != nil {
			n := 0
			for _, it := range naive {
				if in(it) {
					n++
				}
			}
			if count != n {
				t.Fatalf("count %d, want %d", count, n)
			}
		}
	})
}

func TestZSets_Combine(t *testing.T) {
	s := fxStore(t, Config{Shards: 2})
	zxAdd(s, "a", ZAddOptions{}, "1", "x", "2", "y", "3", "z")
	zxAdd(s, "b", ZAddOptions{}, "10", "y", "20", "z", "30", "w")
	fxDo(s, "s", fxNow, func(x *Exec) {
		e := x.LookupWrite(0, []byte("s"))
		x.SetField(0, []byte("s"), e, core.KindSet, []byte("y"), nil)
	})
	run := func(op ZSetOp, agg ZAggregate, weights []float64, keys ...string) string {
		m := s.LockKeys(zxBytes(keys...), fxNow)
		defer m.Unlock()
		srcs, st := m.ZSources(0, zxBytes(keys...), false, nil)
		if st != OK {
			return fmt.Sprint("status ", st)
		}
		for i := range weights {
			srcs[i].Weight = weights[i]
		}
		items, _ := ZCombine(srcs, op, agg, false, 0, nil)
		return zxText(items)
	}
	for _, c := range []struct {
		got, want string
	}{
		{run(ZUnion, ZAggSum, nil, "a", "b"), "x=1 y=12 z=23 w=30"},
		{run(ZUnion, ZAggMax, []float64{2, 1}, "a", "b"), "x=2 y=10 z=20 w=30"},
		{run(ZUnion, ZAggMin, nil, "a", "b", "s"), "x=1 y=1 z=3 w=30"},
		{run(ZInter, ZAggSum, nil, "a", "b"), "y=12 z=23"},
		{run(ZInter, ZAggSum, []float64{1, 1, 100}, "a", "b", "s"), "y=112"},
		{run(ZInter, ZAggSum, nil, "a", "nokey"), ""},
		{run(ZDiff, ZAggSum, nil, "a", "b"), "x=1"},
		{run(ZDiff, ZAggSum, nil, "a", "s"), "x=1 z=3"},
		{run(ZDiff, ZAggSum, nil, "a", "a"), ""},
		{run(ZUnion, ZAggSum, []float64{math.Inf(1), math.Inf(-1)}, "a", "b"), "w=-Inf y=0 z=0 x=+Inf"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// ZINTERCARD with a limit.
	m := s.LockKeys(zxBytes("a", "b"), fxNow)
	srcs, _ := m.ZSources(0, zxBytes("a", "b"), false, nil)
	if _, n := ZCombine(srcs, ZInter, ZAggSum, true, 1, nil); n != 1 {
		t.Errorf("ZINTERCARD LIMIT 1 = %d", n)
	}
	if _, n := ZCombine(srcs, ZInter, ZAggSum, true, 0, nil); n != 2 {
		t.Errorf("ZINTERCARD = %d", n)
	}
	// The STORE forms replace the destination, whatever it held.
	items, _ := ZCombine(srcs, ZUnion, ZAggSum, false, 0, nil)
	m.Unlock()
	fxSet(s, "dst", "string", SetOptions{}, fxNow)
	fxDo(s, "dst", fxNow, func(x *Exec) { x.ZStore(0, []byte("dst"), items) })
	zxWant(t, s, "dst", "x=1 y=12 z=23 w=30")
	fxDo(s, "dst", fxNow, func(x *Exec) { x.ZStore(0, []byte("dst"), nil) })
	if kindOf(s, "dst") != core.KindNone {
		t.Fatal("an empty result left the destination")
	}
}

func TestZSets_RandMember(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	for i := 0; i < 50; i++ {
		zxAdd(s, "z", ZAddOptions{}, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	fxDo(s, "z", fxNow, func(x *Exec) {
		for _, count := range []int64{1, 5, 20, 40, 49, 50, 100} {
			items, _ := x.ZRandMember(0, []byte("z"), count, nil)
			want := min(count, 50)
			if int64(len(items)) != want {
				t.Fatalf("count %d gave %d", count, len(items))
			}
			seen := map[string]bool{}
			for _, it := range items {
				if seen[it.Member] {
					t.Fatalf("count %d repeated %s", count, it.Member)
				}
				seen[it.Member] = true
				if it.Member != "m"+strconv.Itoa(int(it.Score)) {
					t.Fatalf("member %v has the wrong score", it)
				}
			}
		}
		items, _ := x.ZRandMember(0, []byte("z"), -200, nil)
		if len(items) != 200 {
			t.Fatalf("count -200 gave %d", len(items))
		}
	})
}

// zxPair is two regions whose deltas are recorded, so a test decides what
// each has received.
type zxPair struct {
	a, b       *Store
	recA, recB *recSink
}

func newZxPair(t *testing.T) *zxPair {
	a, ra := newTestStore(t, 1)
	b, rb := newTestStore(t, 2)
	for _, s := range []*Store{a, b} {
		for i := 0; i < s.Shards(); i++ {
			s.Shard(i).x.retain = true
		}
	}
	return &zxPair{a: a, b: b, recA: ra, recB: rb}
}

func (p *zxPair) sync(t *testing.T) {
	da, db := p.recA.take(t), p.recB.take(t)
	replay(p.b, da)
	replay(p.a, db)
	replay(p.b, da) // duplicates change nothing
	replay(p.a, db)
}

func (p *zxPair) want(t *testing.T, key, want string) {
	t.Helper()
	zxWant(t, p.a, key, want)
	zxWant(t, p.b, key, want)
}

// SEMANTICS.md section 4 through the shards and the delta codec:
// "x=1.1; A: ZINCRBY z 1 x, B: ZINCRBY z 1 x → 3.1".
func TestZSets_Semantics4_ConcurrentZIncrByAddUp(t *testing.T) {
	p := newZxPair(t)
	zxAdd(p.a, "z", ZAddOptions{}, "1.1", "x")
	p.sync(t)
	zxAdd(p.a, "z", ZAddOptions{Incr: true}, "1", "x")
	zxAdd(p.b, "z", ZAddOptions{Incr: true}, "1", "x")
	p.sync(t)
	p.want(t, "z", "x=3.1")
}

// SEMANTICS.md section 4: "x=4.1; A: ZREM z x, B: ZINCRBY z 2 x → both:
// x with score 2."
func TestZSets_Semantics4_ZRemConcurrentWithZIncrBy(t *testing.T) {
	p := newZxPair(t)
	zxAdd(p.a, "z", ZAddOptions{}, "4.1", "x")
	p.sync(t)
	fxDo(p.a, "z", fxNow, func(x *Exec) { x.ZRem(0, []byte("z"), zxBytes("x")) })
	zxAdd(p.b, "z", ZAddOptions{Incr: true}, "2", "x")
	p.sync(t)
	p.want(t, "z", "x=2")
}

// SEMANTICS.md section 4: options decide on the local state and only the
// effect replicates: A's ZADD GT is refused locally (no delta), B's plain
// ZADD wins; concurrent pops may pop the same member.
func TestZSets_Semantics4_ConditionsDecidedLocally(t *testing.T) {
	p := newZxPair(t)
	zxAdd(p.a, "z", ZAddOptions{}, "5", "x", "1", "y")
	p.sync(t)
	if r := zxAdd(p.a, "z", ZAddOptions{GT: true}, "3", "x"); r.Processed != 0 {
		t.Fatal("GT with a lower score processed")
	}
	zxAdd(p.b, "z", ZAddOptions{}, "3", "x")
	var popA, popB []core.ZItem
	fxDo(p.a, "z", fxNow, func(x *Exec) { popA, _ = x.ZPop(0, []byte("z"), false, 1, nil) })
	fxDo(p.b, "z", fxNow, func(x *Exec) { popB, _ = x.ZPop(0, []byte("z"), false, 1, nil) })
	if zxText(popA) != "y=1" || zxText(popB) != "y=1" {
		t.Fatalf("pops %s / %s", zxText(popA), zxText(popB))
	}
	p.sync(t)
	p.want(t, "z", "x=3")
}

// Remote deltas keep the index right: a random workload on two stores,
// exchanged with duplicates, must leave both with identical, sorted sets.
func TestZSets_TwoStoresConverge(t *testing.T) {
	p := newZxPair(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 20; round++ {
		for i := 0; i < 50; i++ {
			s := p.a
			if rng.IntN(2) == 1 {
				s = p.b
			}
			m := "m" + strconv.Itoa(rng.IntN(30))
			switch rng.IntN(4) {
			case 0:
				zxAdd(s, "z", ZAddOptions{}, strconv.Itoa(rng.IntN(20)), m)
			case 1:
				zxAdd(s, "z", ZAddOptions{Incr: true}, strconv.Itoa(rng.IntN(5)-2), m)
			case 2:
				fxDo(s, "z", fxNow, func(x *Exec) { x.ZRem(0, []byte("z"), zxBytes(m)) })
			case 3:
				fxDo(s, "z", fxNow, func(x *Exec) { x.ZPop(0, []byte("z"), rng.IntN(2) == 0, 2, nil) })
			}
		}
		p.sync(t)
		if a, b := zxAll(p.a, "z"), zxAll(p.b, "z"); a != b {
			t.Fatalf("round %d diverged:\n%s\n%s", round, a, b)
		}
	}
}

// The Sicily example of Redis's documentation, checked against the values
// redis-server returns.
func TestZSets_GeoSicily(t *testing.T) {
	pal, ok1 := GeoScore(13.361389, 38.115556)
	cat, ok2 := GeoScore(15.087269, 37.502669)
	if !ok1 || !ok2 || pal != 3479099956230698 || cat != 3479447370796909 {
		t.Fatalf("scores %v %v", pal, cat)
	}
	lon, lat := GeoDecode(pal)
	if h := string(core.DD{Hi: lon}.AppendHuman(nil)) + "," + string(core.DD{Hi: lat}.AppendHuman(nil)); h != "13.36138933897018433,38.11555639549629859" {
		t.Fatalf("GEOPOS Palermo = %s", h)
	}
	if h := string(AppendGeoHash(nil, pal)) + " " + string(AppendGeoHash(nil, cat)); h != "sqc8b49rny0 sqdtr74hyu0" {
		t.Fatalf("GEOHASH = %s", h)
	}
	lon2, lat2 := GeoDecode(cat)
	if d := strconv.FormatFloat(GeoDistance(lon, lat, lon2, lat2), 'f', 4, 64); d != "166274.1516" {
		t.Fatalf("GEODIST = %s", d)
	}
	if _, ok := GeoScore(200, 0); ok {
		t.Fatal("longitude 200 accepted")
	}
	s := fxStore(t, Config{Shards: 1})
	zxAdd(s, "Sicily", ZAddOptions{}, "3479099956230698", "Palermo", "3479447370796909", "Catania")
	fxDo(s, "Sicily", fxNow, func(x *Exec) {
		z, _ := x.ZSetRead(0, []byte("Sicily"))
		for _, c := range []struct {
			km   float64
			want string
		}{{100, "Catania"}, {200, "Palermo Catania"}} {
			pts := GeoSearch(z, &GeoShape{Lon: 15, Lat: 37, Radius: c.km, Conversion: 1000}, 0, nil)
			var names []string
			for _, p := range pts {
				names = append(names, p.Member)
			}
			if got := strings.Join(names, " "); got != c.want {
				t.Errorf("GEORADIUS 15 37 %v km = %q, want %q", c.km, got, c.want)
			}
		}
	})
}

// Steady-state writes and reads of the hot commands allocate nothing.
func TestAllocs_ShardZSets(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	for i := 0; i < 100; i++ {
		zxAdd(s, "z", ZAddOptions{}, strconv.Itoa(i), "member:"+strconv.Itoa(i))
	}
	key := []byte("z")
	elems := zxBytes("", "member:50")
	scores := []float64{0}
	sh := s.ShardFor(key)
	spec := ZRangeSpec{By: ZByRank, Start: 0, Stop: 9, Limit: -1}
	buf := make([]core.ZItem, 0, 16)
	i := 0
	if n := testing.AllocsPerRun(200, func() {
		i++
		scores[0] = float64(i % 1000)
		x := sh.Lock(fxNow)
		x.ZAdd(0, key, ZAddOptions{}, scores, elems)
		sh.Unlock()
	}); n != 0 {
		t.Errorf("ZADD score update: %v allocs", n)
	}
	if n := testing.AllocsPerRun(200, func() {
		x := sh.Lock(fxNow)
		buf, _ = x.ZRange(0, key, &spec, buf[:0])
		sh.Unlock()
	}); n != 0 {
		t.Errorf("ZRANGE 0 9: %v allocs", n)
	}
	if n := testing.AllocsPerRun(200, func() {
		x := sh.Lock(fxNow)
		x.ZSetRead(0, key)
		z, _ := x.ZSetRead(0, key)
		z.Score(elems[1])
		z.Rank(elems[1])
		sh.Unlock()
	}); n != 0 {
		t.Errorf("ZSCORE/ZRANK: %v allocs", n)
	}
}

func zxFill(b *testing.B, s *Store, key string, n int) {
	b.Helper()
	sh := s.ShardFor([]byte(key))
	x := sh.Lock(fxNow)
	defer sh.Unlock()
	elems := [][]byte{nil, nil}
	scores := []float64{0}
	for i := 0; i < n; i++ {
		elems[1] = []byte("member:" + strconv.Itoa(i))
		scores[0] = float64(i)
		x.ZAdd(0, []byte(key), ZAddOptions{}, scores, elems)
	}
}

func BenchmarkZSets_ZAddScoreUpdate(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	zxFill(b, s, "z", 1000)
	key := []byte("z")
	elems := [][]byte{nil, []byte("member:500")}
	scores := []float64{0}
	sh := s.ShardFor(key)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		scores[0] = float64(i % 2000)
		x := sh.Lock(fxNow)
		x.ZAdd(0, key, ZAddOptions{}, scores, elems)
		sh.Unlock()
	}
}

func BenchmarkZSets_ZAddNew(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	key := []byte("z")
	names := make([][]byte, b.N)
	for i := range names {
		names[i] = []byte("member:" + strconv.Itoa(i))
	}
	elems := [][]byte{nil, nil}
	scores := []float64{0}
	sh := s.ShardFor(key)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		elems[1] = names[i]
		scores[0] = float64(i * 7 % 1000)
		x := sh.Lock(fxNow)
		x.ZAdd(0, key, ZAddOptions{}, scores, elems)
		sh.Unlock()
	}
}

func BenchmarkZSets_ZRange0to9(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	zxFill(b, s, "z", 10000)
	key := []byte("z")
	spec := ZRangeSpec{By: ZByRank, Start: 0, Stop: 9, Limit: -1}
	buf := make([]core.ZItem, 0, 16)
	sh := s.ShardFor(key)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x := sh.Lock(fxNow)
		buf, _ = x.ZRange(0, key, &spec, buf[:0])
		sh.Unlock()
	}
}

func BenchmarkZSets_ZPopMin(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	zxFill(b, s, "z", b.N+1)
	key := []byte("z")
	buf := make([]core.ZItem, 0, 4)
	sh := s.ShardFor(key)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x := sh.Lock(fxNow)
		buf, _ = x.ZPop(0, key, false, 1, buf[:0])
		sh.Unlock()
	}
}

// BenchmarkZSets_ZAddInto1M adds to a sorted set of a million members:
// the cost per ZADD must stay logarithmic (compare with ZAddNew).
func BenchmarkZSets_ZAddInto1M(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	zxFill(b, s, "z", 1_000_000)
	key := []byte("z")
	names := make([][]byte, b.N)
	for i := range names {
		names[i] = []byte("new:" + strconv.Itoa(i))
	}
	elems := [][]byte{nil, nil}
	scores := []float64{0}
	sh := s.ShardFor(key)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		elems[1] = names[i]
		scores[0] = float64(i * 7919 % 1_000_000)
		x := sh.Lock(fxNow)
		x.ZAdd(0, key, ZAddOptions{}, scores, elems)
		sh.Unlock()
	}
	b.StopTimer()
	fxDo(s, "z", fxNow, func(x *Exec) {
		z, _ := x.ZSetRead(0, key)
		if z.Len() != 1_000_000+b.N {
			b.Fatalf("size %d", z.Len())
		}
	})
}
