package shard

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Tests of the set family's shard operations (sets.go). Helpers carry the
// sx prefix so they cannot collide with other test files of package shard.

// sxTB is what the helpers need of *testing.T, *testing.B and *rapid.T.
type sxTB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// sxRegion is one region's store with a recording sink: what its writes
// replicate can be handed to another region.
type sxRegion struct {
	s   *Store
	rec *recSink
}

// sxRegions builds n regions (replica ids 1..n) that keep tombstones, as
// regions with peers do.
func sxRegions(t sxTB, n int) []*sxRegion {
	t.Helper()
	var rs []*sxRegion
	for i := 0; i < n; i++ {
		rec := &recSink{}
		s := New(Config{Shards: 2, Replica: core.ReplicaID(i + 1), RetainTombstones: true,
			NewSink: func(int) Sink { return rec }})
		s.Close()
		rs = append(rs, &sxRegion{s: s, rec: rec})
	}
	return rs
}

// sxDeltas returns and forgets what a region replicated so far, encoded.
func (r *sxRegion) sxDeltas() [][]byte {
	r.rec.mu.Lock()
	defer r.rec.mu.Unlock()
	out := r.rec.deltas
	r.rec.deltas = nil
	return out
}

// sxApply merges encoded deltas into region r, as replication does.
func (r *sxRegion) sxApply(t sxTB, ds [][]byte) {
	t.Helper()
	for _, b := range ds {
		var d core.Delta
		if _, err := core.DecodeDelta(b, &d, core.DefaultDecodeLimits); err != nil {
			t.Fatal(err)
		}
		sh := r.s.ShardFor(d.Key)
		x := sh.Lock(now)
		x.Apply(&d)
		sh.Unlock()
	}
}

// sxExchange delivers everything pending between the regions, both ways.
func sxExchange(t sxTB, rs ...*sxRegion) {
	t.Helper()
	pending := make([][][]byte, len(rs))
	for i, r := range rs {
		pending[i] = r.sxDeltas()
	}
	for i, r := range rs {
		for j := range rs {
			if i != j {
				r.sxApply(t, pending[j])
			}
		}
		if extra := r.sxDeltas(); len(extra) != 0 {
			t.Fatalf("applying remote deltas replicated %d deltas", len(extra))
		}
	}
}

func sxBytes(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// sxAdd runs SADD and returns its reply (-1 for WRONGTYPE).
func sxAdd(s *Store, key string, members ...string) int {
	var n int
	fxDo(s, key, now, func(x *Exec) {
		var st Status
		n, st = x.SAdd(0, []byte(key), sxBytes(members...))
		if st != OK {
			n = -1
		}
	})
	return n
}

func sxRem(s *Store, key string, members ...string) int {
	var n int
	fxDo(s, key, now, func(x *Exec) { n, _ = x.SRem(0, []byte(key), sxBytes(members...)) })
	return n
}

// sxMembers is the sorted membership of key ("<wrongtype>" for another type).
func sxMembers(s *Store, key string) []string {
	var out []string
	fxDo(s, key, now, func(x *Exec) {
		e, st := x.LookupSet(0, []byte(key))
		if st == WrongType {
			out = []string{"<wrongtype>"}
			return
		}
		out = SetNames(e, nil)
	})
	sort.Strings(out)
	return out
}

func sxWant(t *testing.T, s *Store, key string, want ...string) {
	t.Helper()
	got := sxMembers(s, key)
	if len(want) == 0 {
		want = nil
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %v, want %v", key, got, want)
	}
}

func sxMulti(s *Store, keys ...string) Multi { return lockKeys(s, keys...) }

func TestSets_AddRemove(t *testing.T) {
	s, rec := newTestStore(t, 1)
	if n := sxAdd(s, "s", "a", "b", "c"); n != 3 {
		t.Fatalf("SADD = %d", n)
	}
	if n := sxAdd(s, "s", "a", "d", "d", "e"); n != 2 {
		t.Fatalf("SADD with a repeat and an old member = %d, want 2", n)
	}
	sxWant(t, s, "s", "a", "b", "c", "d", "e")
	if n := sxRem(s, "s", "e", "zz", "e"); n != 1 {
		t.Fatalf("SREM = %d", n)
	}
	fxDo(s, "s", now, func(x *Exec) {
		if n, st := x.SCard(0, []byte("s")); n != 4 || st != OK {
			t.Fatalf("SCARD = %d %v", n, st)
		}
		if in, _ := x.SIsMember(0, []byte("s"), []byte("a")); !in {
			t.Fatal("a not a member")
		}
		if in, _ := x.SIsMember(0, []byte("s"), []byte("e")); in {
			t.Fatal("e still a member")
		}
		if _, st := x.SIsMember(0, []byte("nosuch"), []byte("a")); st != NotFound {
			t.Fatalf("SISMEMBER of a missing key: %v", st)
		}
	})
	if n := sxRem(s, "s", "a", "b", "c", "d", "x"); n != 4 {
		t.Fatalf("SREM of everything = %d", n)
	}
	fxDo(s, "s", now, func(x *Exec) {
		if x.Peek(0, []byte("s")) != nil {
			t.Fatal("an emptied set must be deleted")
		}
	})
	if n := sxRem(s, "s", "a"); n != 0 {
		t.Fatalf("SREM of a missing key = %d", n)
	}
	// Every write replicated: field deltas of kind set, and the key's
	// delete when it emptied.
	var ops []core.Op
	for _, d := range rec.take(t) {
		if d.Kind != core.KindSet {
			t.Fatalf("delta of kind %v", d.Kind)
		}
		ops = append(ops, d.Op)
	}
	want := []core.Op{core.OpFieldSet, core.OpFieldSet, core.OpFieldSet, // a b c
		core.OpFieldSet, core.OpFieldSet, core.OpFieldSet, // a (again), d, e
		core.OpFieldDel,                                                    // e
		core.OpFieldDel, core.OpFieldDel, core.OpFieldDel, core.OpFieldDel, // a b c d
		core.OpDel}
	if !slices.Equal(ops, want) {
		t.Fatalf("ops = %v, want %v", ops, want)
	}
}

func TestSets_WrongType(t *testing.T) {
	s, rec := newTestStore(t, 1)
	set(s, 0, "str", "x", 0)
	rec.take(t)
	if n := sxAdd(s, "str", "a"); n != -1 {
		t.Fatalf("SADD on a string = %d", n)
	}
	fxDo(s, "str", now, func(x *Exec) {
		k := []byte("str")
		_, st1 := x.SRem(0, k, sxBytes("a"))
		_, st2 := x.SCard(0, k)
		_, st3 := x.SIsMember(0, k, []byte("a"))
		_, st4 := x.SPopOne(0, k)
		_, st5 := x.SPop(0, k, 0, nil)
		_, st6 := x.LookupSet(0, k)
		for i, st := range []Status{st1, st2, st3, st4, st5, st6} {
			if st != WrongType {
				t.Errorf("operation %d on a string: %v", i+1, st)
			}
		}
	})
	m := sxMulti(s, "str", "nosuch")
	if _, st := m.SetCombine(0, SetInter, sxBytes("nosuch", "str"), nil); st != WrongType {
		t.Error("SINTER must check every key, even after a missing one")
	}
	if _, st := m.SMove(0, []byte("nosuch"), []byte("str"), []byte("a")); st != OK {
		t.Error("SMOVE from a missing key answers 0 before looking at the destination")
	}
	m.Unlock()
	if ds := rec.take(t); len(ds) != 0 {
		t.Fatalf("refused writes replicated %d deltas", len(ds))
	}
}

// SADD of a member already present replicates a new add, so an SREM of it
// made concurrently in another region does not win (add-wins).
func TestSets_ReAddWinsOverConcurrentRemove(t *testing.T) {
	rs := sxRegions(t, 2)
	a, b := rs[0], rs[1]
	sxAdd(a.s, "s", "x", "y")
	sxExchange(t, a, b)
	if n := sxAdd(a.s, "s", "x"); n != 0 {
		t.Fatalf("SADD of a member = %d, want 0", n)
	}
	if n := sxRem(b.s, "s", "x"); n != 1 {
		t.Fatalf("SREM = %d", n)
	}
	sxExchange(t, a, b)
	sxWant(t, a.s, "s", "x", "y")
	sxWant(t, b.s, "s", "x", "y")
}

func TestSets_RepeatedMemberWrittenOnce(t *testing.T) {
	s, rec := newTestStore(t, 1)
	sxAdd(s, "s", "a", "a", "b", "a")
	if ds := rec.take(t); len(ds) != 2 {
		t.Fatalf("SADD s a a b a replicated %d deltas, want 2", len(ds))
	}
	sxAdd(s, "s", "a", "a")
	if ds := rec.take(t); len(ds) != 1 {
		t.Fatalf("SADD s a a (a present) replicated %d deltas, want 1", len(ds))
	}
}

func TestSets_SPop(t *testing.T) {
	s, rec := newTestStore(t, 1)
	var all []string
	for i := 0; i < 10; i++ {
		all = append(all, strconv.Itoa(i))
	}
	sxAdd(s, "s", all...)
	rec.take(t)
	var popped []string
	fxDo(s, "s", now, func(x *Exec) {
		name, st := x.SPopOne(0, []byte("s"))
		if st != OK {
			t.Fatal(st)
		}
		popped = append(popped, name)
		out, st := x.SPop(0, []byte("s"), 0, nil)
		if st != OK || len(out) != 0 {
			t.Fatalf("SPOP s 0 = %v %v", out, st)
		}
		out, _ = x.SPop(0, []byte("s"), 3, nil)
		popped = append(popped, out...)
	})
	if len(popped) != 4 || len(sxUniq(popped)) != 4 {
		t.Fatalf("popped %v", popped)
	}
	ds := rec.take(t)
	if len(ds) != 4 {
		t.Fatalf("%d deltas for 4 pops", len(ds))
	}
	for i, d := range ds {
		if d.Op != core.OpFieldDel || string(d.Field) != popped[i] {
			t.Fatalf("delta %d = %v %q, want the removal of %q", i, d.Op, d.Field, popped[i])
		}
	}
	left := sxMembers(s, "s")
	got := append(slices.Clone(left), popped...)
	sort.Strings(got)
	sort.Strings(all)
	if !slices.Equal(got, all) {
		t.Fatalf("left %v + popped %v != %v", left, popped, all)
	}
	// A count reaching the size pops everything and deletes the key.
	fxDo(s, "s", now, func(x *Exec) {
		out, _ := x.SPop(0, []byte("s"), 100, nil)
		if len(out) != 6 {
			t.Fatalf("SPOP s 100 = %v", out)
		}
		if x.Peek(0, []byte("s")) != nil {
			t.Fatal("the set must be gone")
		}
		if _, st := x.SPopOne(0, []byte("s")); st != NotFound {
			t.Fatal(st)
		}
		if _, st := x.SPop(0, []byte("s"), 1, nil); st != NotFound {
			t.Fatal(st)
		}
	})
	// A large set, few and many pops: distinct members, all accounted for.
	for _, k := range []int64{5, 300, 999} {
		key := fmt.Sprintf("big%d", k)
		var members []string
		for i := 0; i < 1000; i++ {
			members = append(members, "m"+strconv.Itoa(i))
		}
		sxAdd(s, key, members...)
		fxDo(s, key, now, func(x *Exec) {
			out, _ := x.SPop(0, []byte(key), k, nil)
			e := x.Peek(0, []byte(key))
			for _, n := range out {
				if SetContains(e, n) {
					t.Fatalf("%q popped but still a member", n)
				}
			}
			if len(out) != int(k) || len(sxUniq(out)) != int(k) || SetLen(e) != 1000-int(k) {
				t.Fatalf("SPOP %d: %d popped (%d distinct), %d left", k, len(out), len(sxUniq(out)), SetLen(e))
			}
		})
	}
}

// SEMANTICS.md section 3: two regions may pop the same member concurrently;
// both get it, and it is gone everywhere.
func TestSets_ConcurrentSPopOfOneMember(t *testing.T) {
	rs := sxRegions(t, 2)
	a, b := rs[0], rs[1]
	sxAdd(a.s, "s", "only")
	sxExchange(t, a, b)
	for _, r := range rs {
		fxDo(r.s, "s", now, func(x *Exec) {
			if name, st := x.SPopOne(0, []byte("s")); name != "only" || st != OK {
				t.Fatalf("SPOP = %q %v", name, st)
			}
		})
	}
	sxExchange(t, a, b)
	for _, r := range rs {
		sxWant(t, r.s, "s")
	}
	// A pop concurrent with a re-add of the popped member: the add wins.
	sxAdd(a.s, "s", "x")
	sxExchange(t, a, b)
	fxDo(a.s, "s", now, func(x *Exec) { x.SPopOne(0, []byte("s")) })
	sxAdd(b.s, "s", "x")
	sxExchange(t, a, b)
	for _, r := range rs {
		sxWant(t, r.s, "s", "x")
	}
}

func sxUniq(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// Random picks reach every member, and small sets are drawn uniformly.
func TestSets_RandomPicks(t *testing.T) {
	s, _ := newTestStore(t, 1)
	small := []string{"a", "b", "c", "d", "e"}
	sxAdd(s, "small", small...)
	var big []string
	for i := 0; i < 1000; i++ {
		big = append(big, "m"+strconv.Itoa(i))
	}
	sxAdd(s, "big", big...)
	fxDo(s, "small", now, func(x *Exec) {
		e, _ := x.LookupSet(0, []byte("small"))
		counts := map[string]int{}
		const draws = 50_000
		for i := 0; i < draws; i++ {
			counts[SetRandomMember(e)]++
		}
		for _, m := range small {
			if c := counts[m]; c < draws/5*9/10 || c > draws/5*11/10 {
				t.Fatalf("member %s drawn %d times of %d: not uniform (%v)", m, c, draws, counts)
			}
		}
		if got := SetRandomDistinct(e, 3, nil); len(got) != 3 || len(sxUniq(got)) != 3 {
			t.Fatalf("3 distinct = %v", got)
		}
		if got := SetRandomDistinct(e, 10, nil); len(got) != 5 || len(sxUniq(got)) != 5 {
			t.Fatalf("10 distinct of 5 = %v", got)
		}
		n := 0
		SetRandomDraws(e, 20, func(name string) bool {
			if !SetContains(e, name) {
				t.Fatalf("drew %q", name)
			}
			n++
			return true
		})
		if n != 20 {
			t.Fatalf("%d draws", n)
		}
	})
	fxDo(s, "big", now, func(x *Exec) {
		e, _ := x.LookupSet(0, []byte("big"))
		seen := map[string]bool{}
		for i := 0; i < 100_000 && len(seen) < 1000; i++ {
			seen[SetRandomMember(e)] = true
		}
		if len(seen) != 1000 {
			t.Fatalf("100000 draws reached %d of 1000 members", len(seen))
		}
		for _, k := range []int64{10, 400, 999, 1000, 5000} {
			got := SetRandomDistinct(e, k, nil)
			if len(got) != int(min(k, 1000)) || len(sxUniq(got)) != len(got) {
				t.Fatalf("SRANDMEMBER %d: %d picks, %d distinct", k, len(got), len(sxUniq(got)))
			}
		}
		for _, k := range []uint64{10, 5000} {
			n := 0
			SetRandomDraws(e, k, func(string) bool { n++; return true })
			if n != int(k) {
				t.Fatalf("%d draws, want %d", n, k)
			}
		}
		n := 0
		SetRandomDraws(e, 5000, func(string) bool { n++; return n < 100 })
		if n != 100 {
			t.Fatalf("draws went on after fn said stop: %d", n)
		}
	})
}

func TestSets_SMove(t *testing.T) {
	s, rec := newTestStore(t, 1)
	src, dst := keysOnShards(t, s)
	sxAdd(s, string(src), "a", "b")
	sxAdd(s, string(dst), "b")
	rec.take(t)
	move := func(from, to []byte, member string) (bool, Status) {
		m := s.LockKeys([][]byte{from, to}, now)
		defer m.Unlock()
		return m.SMove(0, from, to, []byte(member))
	}
	if ok, st := move(src, dst, "zz"); ok || st != OK {
		t.Fatal("moved a non-member")
	}
	if ok, _ := move(src, dst, "a"); !ok {
		t.Fatal("SMOVE a failed")
	}
	sxWant(t, s, string(src), "b")
	sxWant(t, s, string(dst), "a", "b")
	ds := rec.take(t)
	if len(ds) != 2 || ds[0].Op != core.OpFieldDel || string(ds[0].Key) != string(src) ||
		ds[1].Op != core.OpFieldSet || string(ds[1].Key) != string(dst) || string(ds[1].Field) != "a" {
		t.Fatalf("deltas %+v: want the removal from src, then the add to dst", ds)
	}
	// Moving a member dst already holds removes it from src; the last
	// member leaving deletes src.
	if ok, _ := move(src, dst, "b"); !ok {
		t.Fatal("SMOVE b failed")
	}
	sxWant(t, s, string(src))
	sxWant(t, s, string(dst), "a", "b")
	if ok, st := move(dst, dst, "a"); !ok || st != OK {
		t.Fatal("SMOVE to itself of a member answers 1")
	}
	if ok, _ := move(dst, dst, "zz"); ok {
		t.Fatal("SMOVE to itself of a non-member answers 0")
	}
	if ok, st := move(src, dst, "a"); ok || st != OK {
		t.Fatal("SMOVE from a missing key answers 0")
	}
	set(s, 0, "str", "x", 0)
	if _, st := move(dst, []byte("str"), "a"); st != WrongType {
		t.Fatal("SMOVE to a string must be WRONGTYPE")
	}
	sxWant(t, s, string(dst), "a", "b")
}

func TestSets_Combine(t *testing.T) {
	s, _ := newTestStore(t, 1)
	sxAdd(s, "x1", "a", "b", "c", "d")
	sxAdd(s, "x2", "c", "d", "e")
	sxAdd(s, "x3", "d", "e", "f")
	m := sxMulti(s, "x1", "x2", "x3", "nosuch")
	defer m.Unlock()
	cases := []struct {
		op   SetOp
		keys []string
		want []string
	}{
		{SetInter, []string{"x1", "x2"}, []string{"c", "d"}},
		{SetInter, []string{"x1", "x2", "x3"}, []string{"d"}},
		{SetInter, []string{"x1", "x1"}, []string{"a", "b", "c", "d"}},
		{SetInter, []string{"x1", "nosuch"}, nil},
		{SetUnion, []string{"x1", "x2"}, []string{"a", "b", "c", "d", "e"}},
		{SetUnion, []string{"x1", "x2", "x3", "nosuch"}, []string{"a", "b", "c", "d", "e", "f"}},
		{SetUnion, []string{"x1", "x1", "nosuch"}, []string{"a", "b", "c", "d"}},
		{SetUnion, []string{"nosuch"}, nil},
		{SetDiff, []string{"x1", "x2"}, []string{"a", "b"}},
		{SetDiff, []string{"x1", "x2", "x3"}, []string{"a", "b"}},
		{SetDiff, []string{"x1", "nosuch"}, []string{"a", "b", "c", "d"}},
		{SetDiff, []string{"x1", "x2", "x1"}, nil},
		{SetDiff, []string{"nosuch", "x1"}, nil},
	}
	for _, tc := range cases {
		got, st := m.SetCombine(0, tc.op, sxBytes(tc.keys...), nil)
		sort.Strings(got)
		if st != OK || !slices.Equal(got, tc.want) {
			t.Errorf("op %d %v = %v %v, want %v", tc.op, tc.keys, got, st, tc.want)
		}
	}
	for _, tc := range []struct {
		keys  []string
		limit int
		want  int
	}{
		{[]string{"x1", "x2"}, 0, 2}, {[]string{"x1", "x2"}, 1, 1}, {[]string{"x1", "x2"}, 5, 2},
		{[]string{"x1"}, 3, 3}, {[]string{"x1", "nosuch"}, 0, 0},
	} {
		if n, st := m.SetInterCard(0, sxBytes(tc.keys...), tc.limit); n != tc.want || st != OK {
			t.Errorf("SINTERCARD %v LIMIT %d = %d, want %d", tc.keys, tc.limit, n, tc.want)
		}
	}
}

// sxStore runs a *STORE command and returns its reply (-1 for WRONGTYPE).
func sxStore(s *Store, op SetOp, dst string, keys ...string) int {
	m := sxMulti(s, append([]string{dst}, keys...)...)
	defer m.Unlock()
	n, st := m.SetStore(0, op, []byte(dst), sxBytes(keys...))
	if st != OK {
		return -1
	}
	return n
}

func TestSets_Store(t *testing.T) {
	s, rec := newTestStore(t, 1)
	sxAdd(s, "x1", "a", "b", "c", "d")
	sxAdd(s, "x2", "c", "d", "e")
	if n := sxStore(s, SetInter, "d", "x1", "x2"); n != 2 {
		t.Fatalf("SINTERSTORE = %d", n)
	}
	sxWant(t, s, "d", "c", "d")
	rec.take(t)
	// Replacing a set: the result's members are (re-)added, the others
	// removed; nothing else is written.
	if n := sxStore(s, SetDiff, "d", "x1", "x2"); n != 2 {
		t.Fatal(n)
	}
	sxWant(t, s, "d", "a", "b")
	var adds, dels int
	for _, d := range rec.take(t) {
		switch d.Op {
		case core.OpFieldSet:
			adds++
		case core.OpFieldDel:
			dels++
		default:
			t.Fatalf("unexpected delta %v", d.Op)
		}
	}
	if adds != 2 || dels != 2 {
		t.Fatalf("%d adds and %d removals, want 2 and 2", adds, dels)
	}
	// The destination as one of the sources.
	if n := sxStore(s, SetUnion, "x1", "x1", "x2"); n != 5 {
		t.Fatal(n)
	}
	sxWant(t, s, "x1", "a", "b", "c", "d", "e")
	if n := sxStore(s, SetDiff, "x1", "x1", "x2"); n != 2 {
		t.Fatal(n)
	}
	sxWant(t, s, "x1", "a", "b")
	// An empty result deletes the destination, whatever it held.
	if n := sxStore(s, SetInter, "d", "x1", "nosuch"); n != 0 {
		t.Fatal(n)
	}
	sxWant(t, s, "d")
	// A string destination is replaced; a TTL on the destination goes.
	set(s, 0, "str", "v", 0)
	if n := sxStore(s, SetUnion, "str", "x1"); n != 2 {
		t.Fatal(n)
	}
	sxWant(t, s, "str", "a", "b")
	sxAdd(s, "ttl", "old", "a")
	fxDo(s, "ttl", now, func(x *Exec) { x.Expire(0, []byte("ttl"), now+100_000, ExpireCond{}) })
	if n := sxStore(s, SetUnion, "ttl", "x1"); n != 2 {
		t.Fatal(n)
	}
	sxWant(t, s, "ttl", "a", "b")
	if dl, ok := fxDeadline(s, "ttl", now); !ok || dl != 0 {
		t.Fatalf("deadline %d after a store, want none", dl)
	}
	// A source of another type refuses, and writes nothing.
	set(s, 0, "str", "v", 0)
	rec.take(t)
	if n := sxStore(s, SetUnion, "d3", "x1", "str"); n != -1 {
		t.Fatal("WRONGTYPE expected")
	}
	if ds := rec.take(t); len(ds) != 0 {
		t.Fatalf("a refused store replicated %d deltas", len(ds))
	}
}

// SEMANTICS.md section 3: a *STORE deletes what it observed of the
// destination, then adds the result, so a member added to the destination
// concurrently in another region survives, and the ones it had observed go.
func TestSets_StoreKeepsConcurrentAdds(t *testing.T) {
	rs := sxRegions(t, 2)
	a, b := rs[0], rs[1]
	sxAdd(a.s, "src", "x", "y")
	sxAdd(a.s, "dst", "old")
	sxExchange(t, a, b)
	if n := sxStore(a.s, SetUnion, "dst", "src"); n != 2 {
		t.Fatal(n)
	}
	sxAdd(b.s, "dst", "new")
	sxExchange(t, a, b)
	for _, r := range rs {
		sxWant(t, r.s, "dst", "new", "x", "y")
	}
	// The same with a destination that has a TTL (deleted whole first).
	fxDo(a.s, "dst", now, func(x *Exec) { x.Expire(0, []byte("dst"), now+100_000, ExpireCond{}) })
	sxExchange(t, a, b)
	sxStore(a.s, SetInter, "dst", "src", "src")
	sxAdd(b.s, "dst", "late")
	sxExchange(t, a, b)
	for _, r := range rs {
		sxWant(t, r.s, "dst", "late", "x", "y")
	}
}

func TestSets_SScanFullIteration(t *testing.T) {
	s, _ := newTestStore(t, 1)
	var members []string
	for i := 0; i < 3000; i++ {
		members = append(members, "m"+strconv.Itoa(i))
	}
	sxAdd(s, "s", members...)
	got := map[string]int{}
	cursor := uint64(0)
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("SSCAN does not end")
		}
		fxDo(s, "s", now, func(x *Exec) {
			e, _ := x.LookupSet(0, []byte("s"))
			var page []string
			page, cursor = SScan(e, cursor, 10, nil)
			for _, n := range page {
				got[n]++
			}
		})
		if cursor == 0 {
			break
		}
	}
	if len(got) != len(members) {
		t.Fatalf("SSCAN returned %d of %d members", len(got), len(members))
	}
	for n, c := range got {
		if c != 1 {
			t.Fatalf("member %q returned %d times", n, c)
		}
	}
}

// TestSets_RegionsConverge: three regions run random set commands (SADD,
// SREM, SPOP, SMOVE, SINTERSTORE/SUNIONSTORE/SDIFFSTORE, DEL) through the
// shard operations, and exchange their deltas at random moments, each
// origin's in order; once everything is delivered every region holds the
// same members for every key.
func TestSets_RegionsConverge(t *testing.T) {
	keys := []string{"k0", "k1", "k2"}
	members := []string{"a", "b", "c", "d", "e"}
	rapid.Check(t, func(rt *rapid.T) {
		rs := sxRegions(rt, 3)
		sent := make([][][]byte, len(rs))
		// delivered[i][j]: how many of region j's deltas region i applied.
		delivered := make([][]int, len(rs))
		for i := range delivered {
			delivered[i] = make([]int, len(rs))
		}
		collect := func() {
			for j, r := range rs {
				sent[j] = append(sent[j], r.sxDeltas()...)
			}
		}
		deliver := func(i, j, n int) {
			for ; n > 0 && delivered[i][j] < len(sent[j]); n-- {
				k := delivered[i][j]
				rs[i].sxApply(rt, sent[j][k:k+1])
				delivered[i][j]++
			}
		}
		steps := rapid.IntRange(1, 60).Draw(rt, "steps")
		for step := 0; step < steps; step++ {
			r := rs[rapid.IntRange(0, len(rs)-1).Draw(rt, "region")]
			k := rapid.SampledFrom(keys).Draw(rt, "key")
			k2 := rapid.SampledFrom(keys).Draw(rt, "key2")
			mem := rapid.SampledFrom(members).Draw(rt, "member")
			switch rapid.IntRange(0, 8).Draw(rt, "op") {
			case 0, 1:
				sxAdd(r.s, k, mem, rapid.SampledFrom(members).Draw(rt, "member2"))
			case 2:
				sxRem(r.s, k, mem)
			case 3:
				count := int64(rapid.IntRange(0, 3).Draw(rt, "count"))
				fxDo(r.s, k, now, func(x *Exec) { x.SPop(0, []byte(k), count, nil) })
			case 4:
				m := sxMulti(r.s, k, k2)
				m.SMove(0, []byte(k), []byte(k2), []byte(mem))
				m.Unlock()
			case 5:
				op := SetOp(rapid.IntRange(0, 2).Draw(rt, "setop"))
				sxStore(r.s, op, k, k2, rapid.SampledFrom(keys).Draw(rt, "key3"))
			case 6:
				fxDo(r.s, k, now, func(x *Exec) { x.DeleteKey(0, []byte(k)) })
			case 7, 8:
				collect()
				i := rapid.IntRange(0, len(rs)-1).Draw(rt, "to")
				j := rapid.IntRange(0, len(rs)-1).Draw(rt, "from")
				if i != j {
					deliver(i, j, rapid.IntRange(1, 10).Draw(rt, "n"))
				}
			}
		}
		collect()
		for i := range rs {
			for j := range rs {
				if i != j {
					deliver(i, j, math.MaxInt)
				}
			}
		}
		for _, k := range keys {
			want := sxMembers(rs[0].s, k)
			for i, r := range rs[1:] {
				if got := sxMembers(r.s, k); !slices.Equal(got, want) {
					rt.Fatalf("key %s: region 1 holds %v, region %d holds %v", k, want, i+2, got)
				}
			}
		}
	})
}

// The zero-allocation promise of SADD of an existing member (a re-add that
// replicates) and of SISMEMBER, through the shard.
func TestSets_SAddExistingAllocatesNothing(t *testing.T) {
	for _, retain := range []bool{false, true} {
		s := fxStore(t, Config{Shards: 1, RetainTombstones: retain})
		key, member := []byte("s"), sxBytes("member:42")
		sh := s.ShardFor(key)
		x := sh.Lock(now)
		x.SAdd(0, key, member)
		x.SAdd(0, key, member)
		if a := testing.AllocsPerRun(1000, func() { x.SAdd(0, key, member) }); a != 0 {
			t.Errorf("retain=%v: SADD of a member: %.1f allocations, want 0", retain, a)
		}
		if a := testing.AllocsPerRun(1000, func() { x.SIsMember(0, key, member[0]) }); a != 0 {
			t.Errorf("retain=%v: SISMEMBER: %.1f allocations, want 0", retain, a)
		}
		sh.Unlock()
	}
}

// sxBench holds the only shard of a fresh store for a benchmark, with a
// set "s" of n members "member:<i>".
func sxBench(b *testing.B, n int) *Exec {
	s := New(Config{Shards: 1})
	b.Cleanup(s.Close)
	sh := s.Shard(0)
	x := sh.Lock(time.Now().UnixMilli())
	b.Cleanup(sh.Unlock)
	batch := make([][]byte, 0, 1024)
	for i := 0; i < n; i++ {
		batch = append(batch, []byte("member:"+strconv.Itoa(i)))
		if len(batch) == cap(batch) || i == n-1 {
			x.SAdd(0, []byte("s"), batch)
			batch = batch[:0]
		}
	}
	return x
}

// BenchmarkSAddExisting: SADD of a member already present (a replicated
// re-add), the steady state of a set that is written often: 0 allocs.
func BenchmarkSAddExisting(b *testing.B) {
	x := sxBench(b, 1000)
	key, m := []byte("s"), [][]byte{[]byte("member:500")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.SAdd(0, key, m)
	}
}

// sxAddNew adds b.N new members to x's set "s".
func sxAddNew(b *testing.B, x *Exec) {
	names := make([][]byte, b.N)
	for i := range names {
		names[i] = []byte("new:" + strconv.Itoa(i))
	}
	key := []byte("s")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.SAdd(0, key, names[i:i+1])
	}
}

func BenchmarkSAddNew(b *testing.B) { sxAddNew(b, sxBench(b, 0)) }

// BenchmarkSAddInto1M adds new members to a set that already holds a
// million: the cost per add matches BenchmarkSAddNew's, nothing grows with
// the set's size.
func BenchmarkSAddInto1M(b *testing.B) { sxAddNew(b, sxBench(b, 1_000_000)) }

func BenchmarkSIsMember(b *testing.B) {
	x := sxBench(b, 1000)
	key, m := []byte("s"), []byte("member:500")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.SIsMember(0, key, m)
	}
}

// BenchmarkSPop pops a random member and adds it back, so the set keeps its
// size: 100 members (drawn by an exact walk), 1000 and a million (drawn
// from a random window).
func BenchmarkSPop(b *testing.B) {
	for _, n := range []int{100, 1000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			x := sxBench(b, n)
			key, buf := []byte("s"), make([][]byte, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				name, _ := x.SPopOne(0, key)
				buf[0] = append(buf[0][:0], name...)
				x.SAdd(0, key, buf)
			}
		})
	}
}
