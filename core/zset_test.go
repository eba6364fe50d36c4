package core_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Sorted sets over the simulated regions of sim_test.go: every change of a
// member's register, local or remote, by delta or by full-state merge, must
// leave the index equal to a sort of the live members by (score, member);
// regions that received the same deltas, in any order and with duplicates,
// must hold the same members with the same scores; and each example of
// SEMANTICS.md section 4 is its own test.

// zentry returns region r's entry of key, created as a region with peers
// creates it: keeping removed members' contexts (tombstones).
func zentry(r *simRegion, key string) *core.Entry {
	e := r.keys[key]
	if e == nil {
		e = &core.Entry{Retain: true}
		r.keys[key] = e
	}
	return e
}

// newZSim is newSim whose regions hold every key the tests use as an entry
// that keeps tombstones, so a remove that arrives before the add it
// observed is remembered, as in a region with peers.
func newZSim(t tb, ids []core.ReplicaID, names []string) *sim {
	s := newSim(t, ids, names, false)
	for _, r := range s.regions {
		zretain(r)
	}
	return s
}

func zretain(r *simRegion) {
	for _, k := range append([]string{"z"}, simKeys...) {
		zentry(r, k)
	}
}

// zadd is ZADD key score member: a base write of the score's text.
func (s *sim) zadd(r *simRegion, key, member string, score float64) {
	s.logf("%s: ZADD %s %v %s", r.name, key, score, member)
	dot, p := r.nextDot(key)
	zentry(r, key).SetField(&r.delta, core.KindZSet, dot, r.clock.Now(r.wall), []byte(member), core.AppendScore(nil, score))
	s.commit(r, key, p, &event{kind: evSet})
}

// zincr is ZINCRBY key by member (by finite): a replicated increment.
func (s *sim) zincr(r *simRegion, key, member string, by float64) float64 {
	dot, p := r.nextDot(key)
	n := zentry(r, key).IncrScore(&r.delta, dot, r.clock.Now(r.wall), []byte(member), by)
	s.logf("%s: ZINCRBY %s %v %s -> %v", r.name, key, by, member, n)
	s.commit(r, key, p, &event{kind: evIncrFloat})
	return n
}

// zrem is ZREM key member: an observed-remove, only of a live member (as
// the shard does: a ZREM that removes nothing ships nothing).
func (s *sim) zrem(r *simRegion, key, member string) bool {
	e := zentry(r, key)
	if e.Kind != core.KindZSet || e.Fields == nil || e.Fields.Get([]byte(member)) == nil {
		s.logf("%s: ZREM %s %s (absent: no-op)", r.name, key, member)
		return false
	}
	s.logf("%s: ZREM %s %s", r.name, key, member)
	dot, p := r.nextDot(key)
	e.DeleteField(&r.delta, dot, r.clock.Now(r.wall), []byte(member))
	s.commit(r, key, p, &event{kind: evDel})
	return true
}

// zdel is DEL key of a sorted set: each member removed, then the key.
func (s *sim) zdel(r *simRegion, key string) {
	e := zentry(r, key)
	if !e.Live() {
		return
	}
	var names []string
	e.Fields.Each(func(n string, _ *core.Register) bool { names = append(names, n); return true })
	sort.Strings(names)
	for _, n := range names {
		s.zrem(r, key, n)
	}
	s.logf("%s: DEL %s", r.name, key)
	dot, p := r.nextDot(key)
	e.Delete(&r.delta, dot, r.clock.Now(r.wall))
	s.commit(r, key, p, &event{kind: evDel})
}

// zlive is the naive view: the live members sorted by (score, member),
// computed from the registers without the index.
func zlive(e *core.Entry) []core.ZItem {
	var out []core.ZItem
	if e == nil || e.Kind != core.KindZSet || e.Fields == nil {
		return out
	}
	e.Fields.Each(func(n string, r *core.Register) bool {
		out = append(out, core.ZItem{Score: core.ScoreOf(r), Member: n})
		return true
	})
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Score < b.Score || (a.Score == b.Score && a.Member < b.Member)
	})
	return out
}

func zitemsText(items []core.ZItem) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%s", it.Member, strconv.FormatFloat(it.Score, 'g', -1, 64))
	}
	return b.String()
}

// zindexItems reads the whole index through At.
func zindexItems(e *core.Entry) []core.ZItem {
	z := e.ZSet()
	out := make([]core.ZItem, z.Len())
	for i := range out {
		out[i] = z.At(i)
	}
	return out
}

// checkZIndex requires e's index to equal the naive sort, bit for bit, and
// every rank query, ascent and descent to agree with it.
func checkZIndex(t interface{ Fatalf(string, ...any) }, where string, e *core.Entry, thorough bool) {
	want := zlive(e)
	if e == nil || e.Kind != core.KindZSet || e.Fields == nil {
		if len(want) != 0 {
			t.Fatalf("%s: members without a sorted set", where)
		}
		return
	}
	z := e.ZSet()
	if z.Len() != len(want) || e.Fields.Len() != len(want) {
		t.Fatalf("%s: index holds %d, fields say %d, live members are %d", where, z.Len(), e.Fields.Len(), len(want))
	}
	got := zindexItems(e)
	for i := range want {
		if got[i].Member != want[i].Member || math.Float64bits(got[i].Score) != math.Float64bits(want[i].Score) {
			t.Fatalf("%s: index differs at rank %d\nindex: %s\nnaive: %s", where, i, zitemsText(got), zitemsText(want))
		}
	}
	if !thorough {
		return
	}
	for i, it := range want {
		rank, score, ok := z.Rank([]byte(it.Member))
		if !ok || rank != i || math.Float64bits(score) != math.Float64bits(it.Score) {
			t.Fatalf("%s: Rank(%s) = %d %v %v, want %d %v", where, it.Member, rank, score, ok, i, it.Score)
		}
	}
	for k := range want {
		var up, down []core.ZItem
		z.Ascend(k, func(it core.ZItem) bool { up = append(up, it); return true })
		z.Descend(k, func(it core.ZItem) bool { down = append(down, it); return true })
		if !slices.Equal(up, want[k:]) {
			t.Fatalf("%s: Ascend(%d) = %s, want %s", where, k, zitemsText(up), zitemsText(want[k:]))
		}
		rev := slices.Clone(want[:k+1])
		slices.Reverse(rev)
		if !slices.Equal(down, rev) {
			t.Fatalf("%s: Descend(%d) = %s, want %s", where, k, zitemsText(down), zitemsText(rev))
		}
	}
}

// zview is what a user sees of a sorted set, for convergence checks.
func zview(e *core.Entry) string { return zitemsText(zlive(e)) }

var zsetMembers = []string{"a", "b", "c", "d", "e", "f"}

// zsetScores include ties, zero of both signs and the infinities.
var zsetScores = []float64{0, math.Copysign(0, -1), 1, 1.5, 2, -3, 10, 4.1, math.Inf(1), math.Inf(-1)}

var zsetSteps = []float64{1, -1, 0.5, 2, 0.1, -2.5}

// zstep draws and runs one action of a random sorted-set workload.
func (s *sim) zstep(t *rapid.T) {
	r := s.regions[rapid.IntRange(0, len(s.regions)-1).Draw(t, "region")]
	r.wall += rapid.Int64Range(-3, 10).Draw(t, "tick")
	key := rapid.SampledFrom(simKeys).Draw(t, "key")
	member := rapid.SampledFrom(zsetMembers).Draw(t, "member")
	switch op := rapid.IntRange(0, 11).Draw(t, "op"); op {
	case 0, 1, 2:
		s.zadd(r, key, member, rapid.SampledFrom(zsetScores).Draw(t, "score"))
	case 3, 4:
		if cur, ok := zentry(r, key).ZSet().Score([]byte(member)); ok && math.IsInf(cur, 0) {
			break // the shard writes an infinite result as a base
		}
		s.zincr(r, key, member, rapid.SampledFrom(zsetSteps).Draw(t, "by"))
	case 5, 6:
		s.zrem(r, key, member)
	case 7:
		s.zdel(r, key)
	case 8, 9:
		from := rapid.IntRange(0, len(s.regions)-1).Draw(t, "from")
		s.deliver(r, from, rapid.IntRange(0, simParts-1).Draw(t, "part"))
	case 10:
		from := rapid.IntRange(0, len(s.regions)-1).Draw(t, "from")
		p := rapid.IntRange(0, simParts-1).Draw(t, "part")
		if n := r.next[from][p]; n > 0 {
			s.redeliver(r, from, p, rapid.IntRange(0, n-1).Draw(t, "dup"))
		}
	case 11:
		// A full-state merge (full sync) of another region's key.
		from := s.regions[rapid.IntRange(0, len(s.regions)-1).Draw(t, "from")]
		if o := from.keys[key]; o != nil && from != r {
			s.logf("merge %s<-%s %s", r.name, from.name, key)
			zentry(r, key).Merge(o)
		}
	}
	checkZIndex(t, r.name+" "+key, r.keys[key], false)
}

// TestZSetIndexFollowsEveryChange: under any interleaving of local writes,
// in-order deliveries, duplicates and full-state merges, every region's
// index equals the sorted live members after every step, and once
// everything is delivered the regions agree.
func TestZSetIndexFollowsEveryChange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 4).Draw(t, "regions")
		ids := rapid.Permutation(replicaIDs()).Draw(t, "ids")[:n]
		s := newZSim(t, ids, nil)
		for i := range s.regions {
			s.regions[i].wall += rapid.Int64Range(-50, 50).Draw(t, "skew")
		}
		steps := rapid.IntRange(0, 120).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			s.zstep(t)
		}
		s.syncAll()
		for _, k := range s.keysSeen() {
			want := zview(s.regions[0].keys[k])
			for _, r := range s.regions {
				checkZIndex(t, r.name+" "+k, r.keys[k], true)
				if got := zview(r.keys[k]); got != want {
					s.fatalf("key %s diverged: %s has %q, %s has %q", k, s.regions[0].name, want, r.name, got)
				}
			}
		}
	})
}

// TestZSetConvergesByFullStateMerge: merging every region's state into a
// fresh entry, in two different orders, gives the same sorted set as the
// regions converge to by deltas, and the merged index is right.
func TestZSetConvergesByFullStateMerge(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ids := rapid.Permutation(replicaIDs()).Draw(t, "ids")[:3]
		s := newZSim(t, ids, nil)
		steps := rapid.IntRange(0, 60).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			s.zstep(t)
		}
		for _, k := range simKeys {
			a, b := &core.Entry{Retain: true}, &core.Entry{Retain: true}
			for i := range s.regions {
				if e := s.regions[i].keys[k]; e != nil {
					a.Merge(e)
				}
				if e := s.regions[len(s.regions)-1-i].keys[k]; e != nil {
					b.Merge(e)
					b.Merge(e) // idempotent
				}
			}
			checkZIndex(t, "merged "+k, a, true)
			checkZIndex(t, "merged "+k, b, true)
			if zview(a) != zview(b) {
				s.fatalf("merge order changed %s: %q vs %q", k, zview(a), zview(b))
			}
		}
		s.syncAll()
		for _, k := range simKeys {
			m := &core.Entry{Retain: true}
			for _, r := range s.regions {
				if e := r.keys[k]; e != nil {
					m.Merge(e)
				}
			}
			if e := s.regions[0].keys[k]; zview(m) != zview(e) {
				s.fatalf("full-state merge of %s = %q, deltas gave %q", k, zview(m), zview(e))
			}
		}
	})
}

// TestZSetSingleRegionMatchesModel: without concurrency a sorted set is a
// plain map from member to score; the index must agree with a naive model
// after every write (dyadic amounts keep float sums exact).
func TestZSetSingleRegionMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := newSim(t, []core.ReplicaID{3}, nil, false)
		r := s.regions[0]
		model := map[string]float64{}
		steps := rapid.IntRange(0, 300).Draw(t, "steps")
		members := make([]string, 40)
		for i := range members {
			members[i] = fmt.Sprintf("m%02d", i)
		}
		for i := 0; i < steps; i++ {
			m := rapid.SampledFrom(members).Draw(t, "member")
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0, 1:
				sc := float64(rapid.IntRange(-20, 20).Draw(t, "score")) / 4
				s.zadd(r, "k0", m, sc)
				model[m] = sc
			case 2:
				by := float64(rapid.IntRange(-8, 8).Draw(t, "by")) / 2
				got := s.zincr(r, "k0", m, by)
				model[m] += by
				if got != model[m] {
					t.Fatalf("ZINCRBY %s %v = %v, model %v", m, by, got, model[m])
				}
			case 3:
				_, had := model[m]
				if s.zrem(r, "k0", m) != had {
					t.Fatalf("ZREM %s: presence disagrees with the model", m)
				}
				delete(model, m)
			}
			var want []core.ZItem
			for k, v := range model {
				want = append(want, core.ZItem{Score: v, Member: k})
			}
			sort.Slice(want, func(i, j int) bool {
				return want[i].Score < want[j].Score || (want[i].Score == want[j].Score && want[i].Member < want[j].Member)
			})
			e := r.keys["k0"]
			if got := zindexItems(e); zitemsText(got) != zitemsText(want) {
				t.Fatalf("index %s\nmodel %s", zitemsText(got), zitemsText(want))
			}
		}
		checkZIndex(t, "k0", r.keys["k0"], true)
	})
}

// TestZSetLargeRandomAgainstSort drives one large set through many random
// inserts, moves and removals (deep trees, splits, borrows and merges) and
// compares the index with a sort, ranks and range ranks included.
func TestZSetLargeRandomAgainstSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := newSim(t, []core.ReplicaID{1}, nil, false)
	r := s.regions[0]
	const n = 20000
	for i := 0; i < 3*n; i++ {
		m := "m" + strconv.Itoa(rng.IntN(n))
		switch rng.IntN(4) {
		case 0, 1:
			s.zadd(r, "k0", m, float64(rng.IntN(1000)))
		case 2:
			s.zincr(r, "k0", m, float64(rng.IntN(7)-3))
		case 3:
			s.zrem(r, "k0", m)
		}
		s.log = s.log[:0]
	}
	e := r.keys["k0"]
	want := zlive(e)
	got := zindexItems(e)
	if zitemsText(got) != zitemsText(want) {
		t.Fatal("index differs from the sort")
	}
	z := e.ZSet()
	for i := 0; i < 2000; i++ {
		k := rng.IntN(len(want))
		if rank, _, ok := z.Rank([]byte(want[k].Member)); !ok || rank != k {
			t.Fatalf("Rank of %v = %d, want %d", want[k], rank, k)
		}
		lo, hi := float64(rng.IntN(1000)), float64(rng.IntN(1000))
		sr := core.ScoreRange{Min: lo, Max: hi, MinEx: rng.IntN(2) == 0, MaxEx: rng.IntN(2) == 0}
		a, b := z.ScoreRanks(sr)
		wa, wb := 0, 0
		for _, it := range want {
			in := (it.Score > lo || (!sr.MinEx && it.Score == lo)) && (it.Score < hi || (!sr.MaxEx && it.Score == hi))
			if in {
				if wb == 0 {
					wa = wb
				}
				wb++
			}
		}
		if got, wantN := b-a, wb; got != wantN {
			t.Fatalf("ScoreRanks(%+v) count %d, want %d", sr, got, wantN)
		}
		for j := a; j < b; j++ {
			sc := want[j].Score
			if !((sc > lo || (!sr.MinEx && sc == lo)) && (sc < hi || (!sr.MaxEx && sc == hi))) {
				t.Fatalf("ScoreRanks(%+v) = [%d,%d) includes %v", sr, a, b, want[j])
			}
		}
		_ = wa
	}
	// Empty it member by member: every rebalance path runs.
	for _, it := range want {
		s.zrem(r, "k0", it.Member)
		s.log = s.log[:0]
	}
	if e.ZSet().Len() != 0 || e.Live() {
		t.Fatal("set not empty after removing every member")
	}
}

// TestZSetLexRanks checks ZRANGEBYLEX bounds against a filter.
func TestZSetLexRanks(t *testing.T) {
	s := newSim(t, []core.ReplicaID{1}, nil, false)
	r := s.regions[0]
	for _, m := range []string{"a", "b", "c", "d", "e", "f", "g", "aa", "ab"} {
		s.zadd(r, "k0", m, 0)
	}
	z := r.keys["k0"].ZSet()
	cases := []struct{ min, max, want string }{
		{"-", "+", "a aa ab b c d e f g"},
		{"[a", "[c", "a aa ab b c"},
		{"(a", "(c", "aa ab b"},
		{"[aa", "(b", "aa ab"},
		{"+", "-", ""},
		{"-", "-", ""},
		{"+", "+", ""},
		{"[c", "[a", ""},
		{"[c", "(c", ""},
		{"[c", "[c", "c"},
		{"(g", "+", ""},
		{"-", "[a", "a"},
		{"[", "(b", "a aa ab"},
	}
	for _, c := range cases {
		lr, ok := core.ParseLexRange([]byte(c.min), []byte(c.max))
		if !ok {
			t.Fatalf("ParseLexRange(%q, %q) refused", c.min, c.max)
		}
		lo, hi := z.LexRanks(lr)
		var got []string
		for i := lo; i < hi; i++ {
			got = append(got, z.At(i).Member)
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("[%s %s]: got %q, want %q", c.min, c.max, g, c.want)
		}
	}
	for _, bad := range [][2]string{{"a", "+"}, {"-", "b"}, {"+x", "+"}, {"", "+"}, {"-", "--"}} {
		if _, ok := core.ParseLexRange([]byte(bad[0]), []byte(bad[1])); ok {
			t.Errorf("ParseLexRange(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// TestParseScoreAsRedis covers string2d's rules (ZADD scores) and strtod's
// (ZRANGEBYSCORE bounds).
func TestParseScoreAsRedis(t *testing.T) {
	for _, c := range []struct {
		in   string
		ok   bool
		want float64
	}{
		{"1", true, 1}, {"-1.5", true, -1.5}, {"+2", true, 2}, {".5", true, .5}, {"5.", true, 5},
		{"1e3", true, 1000}, {"inf", true, math.Inf(1)}, {"-inf", true, math.Inf(-1)}, {"+inf", true, math.Inf(1)},
		{"Infinity", true, math.Inf(1)}, {"0x10", true, 16}, {"0x1p-2", true, 0.25}, {"4.9e-324", true, 5e-324},
		{"", false, 0}, {" 1", false, 0}, {"1 ", false, 0}, {"nan", false, 0}, {"abc", false, 0},
		{"1e400", false, 0}, {"-1e400", false, 0}, {"1e-400", false, 0}, {"1_0", false, 0}, {"0x", false, 0},
		{"0e-400", true, 0},
	} {
		got, ok := core.ParseScore([]byte(c.in))
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseScore(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	for _, c := range []struct {
		min, max string
		ok       bool
		want     core.ScoreRange
	}{
		{"1", "2", true, core.ScoreRange{Min: 1, Max: 2}},
		{"(1", "(2", true, core.ScoreRange{Min: 1, Max: 2, MinEx: true, MaxEx: true}},
		{"-inf", "+inf", true, core.ScoreRange{Min: math.Inf(-1), Max: math.Inf(1)}},
		{"", "(", true, core.ScoreRange{MaxEx: true}},
		{" 1", "1e400", true, core.ScoreRange{Min: 1, Max: math.Inf(1)}},
		{"a", "1", false, core.ScoreRange{}},
		{"1", "nan", false, core.ScoreRange{}},
		{"1 ", "2", false, core.ScoreRange{}},
		{"((1", "2", false, core.ScoreRange{}},
	} {
		got, ok := core.ParseScoreRange([]byte(c.min), []byte(c.max))
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseScoreRange(%q, %q) = %+v, %v; want %+v, %v", c.min, c.max, got, ok, c.want, c.ok)
		}
	}
}

// zscript is a two-region script for the SEMANTICS.md examples.
type zscript struct {
	t    *testing.T
	s    *sim
	a, b *simRegion
}

func newZScript(t *testing.T) *zscript {
	s := newZSim(t, []core.ReplicaID{1, 2}, []string{"A", "B"})
	return &zscript{t: t, s: s, a: s.regions[0], b: s.regions[1]}
}

// expect requires every region to show the sorted set want
// ("member=score ..." in order).
func (z *zscript) expect(key, want string) {
	z.t.Helper()
	for _, r := range z.s.regions {
		e := r.keys[key]
		checkZIndex(z.t, r.name, e, true)
		if got := zview(e); got != want {
			z.s.fatalf("%s: %s is %q, want %q", r.name, key, got, want)
		}
	}
}

// Section 4: "Concurrent ZINCRBY: they add up. x=1.1; A: ZINCRBY z 1 x,
// B: ZINCRBY z 1 x → 3.1."
func TestSemantics4_ConcurrentZIncrByAddUp(t *testing.T) {
	z := newZScript(t)
	z.s.zadd(z.a, "z", "x", 1.1)
	z.s.syncAll()
	z.s.zincr(z.a, "z", "x", 1)
	z.s.zincr(z.b, "z", "x", 1)
	z.s.syncAll()
	z.expect("z", "x=3.1")
}

// Section 4: "ZREM concurrent with ZINCRBY: ZREM removes the base and
// increments it observed; the unobserved increment survives. x=4.1;
// A: ZREM z x, B: ZINCRBY z 2 x → both: x with score 2."
func TestSemantics4_ZRemConcurrentWithZIncrBy(t *testing.T) {
	z := newZScript(t)
	z.s.zadd(z.a, "z", "x", 4.1)
	z.s.syncAll()
	z.s.zrem(z.a, "z", "x")
	if got := z.s.zincr(z.b, "z", "x", 2); got != 6.1 {
		t.Fatalf("B's ZINCRBY replied %v, want 6.1", got)
	}
	z.s.syncAll()
	z.expect("z", "x=2")
}

// Section 4: the same with increments B made before A's ZREM had seen
// them: ZREM removes what it observed, nothing more.
func TestSemantics4_ZRemRemovesObservedIncrements(t *testing.T) {
	z := newZScript(t)
	z.s.zadd(z.a, "z", "x", 4.1)
	z.s.zincr(z.b, "z", "x", 1)
	z.s.syncAll()
	z.s.zrem(z.a, "z", "x") // observed the base and B's first increment
	z.s.zincr(z.b, "z", "x", 2)
	z.s.syncAll()
	z.expect("z", "x=2")
}

// Section 4: "Concurrent ZADD of one member with different scores: LWW."
func TestSemantics4_ConcurrentZAddLWW(t *testing.T) {
	z := newZScript(t)
	z.s.zadd(z.a, "z", "x", 1)
	z.a.wall += 100 // A's write is the later one
	z.s.zadd(z.b, "z", "x", 2)
	z.s.zadd(z.a, "z", "x", 3)
	z.s.syncAll()
	z.expect("z", "x=3")
}

// Section 4: a ZADD replaces the increments it observed, and an increment
// it had not observed lands on top (the string rule, as for SET + INCR).
func TestSemantics4_ZAddConcurrentWithZIncrBy(t *testing.T) {
	z := newZScript(t)
	z.s.zadd(z.a, "z", "x", 3)
	z.s.syncAll()
	z.s.zadd(z.a, "z", "x", 10)
	z.s.zincr(z.b, "z", "x", 5)
	z.s.syncAll()
	z.expect("z", "x=15")
}

// Section 4: "Membership: add-wins observed-remove." A ZREM and a
// concurrent ZADD of the same member: the add wins. Concurrent adds of
// different members union.
func TestSemantics4_MembershipAddWins(t *testing.T) {
	z := newZScript(t)
	z.s.zadd(z.a, "z", "x", 1)
	z.s.syncAll()
	z.s.zrem(z.a, "z", "x")
	z.s.zadd(z.b, "z", "x", 5)
	z.s.zadd(z.b, "z", "y", 7)
	z.s.zadd(z.a, "z", "w", 0)
	z.s.syncAll()
	z.expect("z", "w=0 x=5 y=7")
}

// Section 4 with section 3's DEL rule: DEL of the sorted set removes the
// members it observed; a concurrent add survives.
func TestSemantics4_DelConcurrentWithZAdd(t *testing.T) {
	z := newZScript(t)
	z.s.zadd(z.a, "z", "e1", 1)
	z.s.syncAll()
	z.s.zadd(z.a, "z", "e2", 2)
	z.s.zdel(z.b, "z")
	z.s.syncAll()
	z.expect("z", "e2=2")
}

// Section 4: "ZADD NX/XX/GT/LT/CH/INCR are decided on the local state;
// what replicates is the resulting base write or increment." Two regions
// run ZADD INCR (an increment) on a member they both hold: both apply.
func TestSemantics4_ZAddIncrReplicatesAsIncrement(t *testing.T) {
	z := newZScript(t)
	z.s.zadd(z.a, "z", "x", 1)
	z.s.syncAll()
	z.s.zincr(z.a, "z", "x", 10) // ZADD z INCR 10 x
	z.s.zincr(z.b, "z", "x", 20) // ZADD z INCR 20 x
	z.s.syncAll()
	z.expect("z", "x=31")
}

// Deliveries in any order, with duplicates, give the same sorted set
// (section 0's rule, for section 4).
func TestSemantics4_DeliveryOrderAndDuplicates(t *testing.T) {
	z := newZScript(t)
	s := z.s
	c := &simRegion{idx: 2, name: "C", id: 3, wall: 1_000_000, keys: map[string]*core.Entry{},
		next: make([][simParts]int, 3), applied: map[string]map[int]bool{}}
	zretain(c)
	s.regions = append(s.regions, c)
	for _, r := range s.regions {
		for len(r.next) < 3 {
			r.next = append(r.next, [simParts]int{})
		}
	}
	s.zadd(z.a, "z", "x", 4.1)
	s.deliverFrom(z.b, 0)
	s.zrem(z.b, "z", "x")
	s.zincr(z.a, "z", "x", 2)
	// C hears B's ZREM before A's ZADD, twice.
	s.deliverFrom(c, 1)
	s.redeliver(c, 1, simPart("z"), 0)
	s.deliverFrom(c, 0)
	s.redeliver(c, 0, simPart("z"), 0)
	s.syncAll()
	z.expect("z", "x=2")
}
