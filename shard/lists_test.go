package shard

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/meridiandb/meridian/core"
)

// Tests of the list operations: each op against Redis's rules, what they
// replicate (replayed into a second region), and the benchmarks of the hot
// commands. Helpers carry the ls prefix.

func lsDo(s *Store, key string, fn func(x *Exec)) { fxDo(s, key, fxNow, fn) }

func lsPush(t testing.TB, s *Store, key string, left bool, vals ...string) int {
	t.Helper()
	var n int
	var st Status
	lsDo(s, key, func(x *Exec) {
		bs := make([][]byte, len(vals))
		for i, v := range vals {
			bs[i] = []byte(v)
		}
		n, st = x.ListPush(0, []byte(key), left, false, bs)
	})
	if st != OK {
		t.Fatalf("push %s: %v", key, st)
	}
	return n
}

// lsRange reads the whole list as strings ("" entries; nil when absent).
func lsRange(s *Store, key string) []string {
	var out []string
	lsDo(s, key, func(x *Exec) {
		x.ListRange(0, []byte(key), 0, -1, func(int) {}, func(v []byte) { out = append(out, string(v)) })
	})
	return out
}

func lsWant(t *testing.T, s *Store, key string, want ...string) {
	t.Helper()
	if got := lsRange(s, key); !slices.Equal(got, want) {
		t.Fatalf("%s = %q, want %q", key, got, want)
	}
}

func lsPop(s *Store, key string, left bool, count int) ([]string, Status) {
	var out []string
	var st Status
	lsDo(s, key, func(x *Exec) {
		var vs [][]byte
		vs, st = x.ListPop(0, []byte(key), left, count, nil)
		for _, v := range vs {
			out = append(out, string(v))
		}
	})
	return out, st
}

func TestLists_PushPopRange(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	if n := lsPush(t, s, "L", false, "a", "b", "c"); n != 3 {
		t.Fatalf("RPUSH = %d", n)
	}
	if n := lsPush(t, s, "L", true, "x", "y"); n != 5 {
		t.Fatalf("LPUSH = %d", n)
	}
	lsWant(t, s, "L", "y", "x", "a", "b", "c")
	got, _ := lsPop(s, "L", false, 2)
	if !slices.Equal(got, []string{"c", "b"}) {
		t.Fatalf("RPOP 2 = %q", got)
	}
	got, _ = lsPop(s, "L", true, 10)
	if !slices.Equal(got, []string{"y", "x", "a"}) {
		t.Fatalf("LPOP 10 = %q", got)
	}
	if _, st := lsPop(s, "L", true, 1); st != NotFound {
		t.Fatalf("pop of an emptied list: %v", st)
	}
	lsDo(s, "L", func(x *Exec) {
		if x.Peek(0, []byte("L")) != nil {
			t.Fatal("emptied list still exists")
		}
		if _, st := x.ListPush(0, []byte("L"), true, true, [][]byte{[]byte("v")}); st != NotFound {
			t.Fatalf("LPUSHX on absent key: %v", st)
		}
	})
	fxSet(s, "str", "v", SetOptions{}, fxNow)
	lsDo(s, "str", func(x *Exec) {
		if _, st := x.ListPush(0, []byte("str"), true, false, [][]byte{[]byte("v")}); st != WrongType {
			t.Fatalf("LPUSH on a string: %v", st)
		}
		if _, st := x.ListPop(0, []byte("str"), true, 1, nil); st != WrongType {
			t.Fatalf("LPOP on a string: %v", st)
		}
	})
}

func TestLists_IndexSetInsertRemTrimPos(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	lsPush(t, s, "L", false, "a", "b", "a", "c", "a")
	lsDo(s, "L", func(x *Exec) {
		k := []byte("L")
		if v, st := x.ListIndex(0, k, -1); st != OK || string(v) != "a" {
			t.Fatalf("LINDEX -1 = %q %v", v, st)
		}
		if _, st := x.ListIndex(0, k, 5); st != NotDone {
			t.Fatalf("LINDEX 5: %v", st)
		}
		if st := x.ListSet(0, k, 1, []byte("B")); st != OK {
			t.Fatalf("LSET: %v", st)
		}
		if st := x.ListSet(0, k, -6, []byte("B")); st != NotDone {
			t.Fatalf("LSET out of range: %v", st)
		}
		if n, st := x.ListInsertAt(0, k, true, []byte("c"), []byte("C")); st != OK || n != 6 {
			t.Fatalf("LINSERT AFTER = %d %v", n, st)
		}
		if n, st := x.ListInsertAt(0, k, false, []byte("zz"), []byte("C")); st != NotDone || n != -1 {
			t.Fatalf("LINSERT no pivot = %d %v", n, st)
		}
		pos, _ := x.ListPos(0, k, []byte("a"), PosOptions{Rank: -1, Count: 0}, nil)
		if !slices.Equal(pos, []int64{5, 2, 0}) {
			t.Fatalf("LPOS RANK -1 COUNT 0 = %v", pos)
		}
		pos, _ = x.ListPos(0, k, []byte("a"), PosOptions{Rank: 2, Count: -1, MaxLen: 2}, nil)
		if len(pos) != 0 {
			t.Fatalf("LPOS RANK 2 MAXLEN 2 = %v", pos)
		}
		if n, _ := x.ListRem(0, k, -2, []byte("a")); n != 2 {
			t.Fatalf("LREM -2 = %d", n)
		}
	})
	lsWant(t, s, "L", "a", "B", "c", "C")
	lsDo(s, "L", func(x *Exec) { x.ListTrim(0, []byte("L"), 1, -2) })
	lsWant(t, s, "L", "B", "c")
	lsDo(s, "L", func(x *Exec) { x.ListTrim(0, []byte("L"), 5, 10) })
	lsDo(s, "L", func(x *Exec) {
		if x.Peek(0, []byte("L")) != nil {
			t.Fatal("LTRIM to nothing left the key")
		}
	})
}

func TestLists_MoveAndMPop(t *testing.T) {
	s := fxStore(t, Config{Shards: 4})
	lsPush(t, s, "src", false, "a", "b")
	for _, c := range []struct{ src, dst string }{{"src", "dst"}, {"src", "src"}, {"src", "dst"}} {
		m := s.LockKeys([][]byte{[]byte(c.src), []byte(c.dst)}, fxNow)
		v, st := m.ListMove(0, []byte(c.src), []byte(c.dst), false, true, nil)
		m.Unlock()
		if st != OK || len(v) != 1 {
			t.Fatalf("LMOVE %s %s = %q %v", c.src, c.dst, v, st)
		}
	}
	lsWant(t, s, "dst", "a", "b")
	if lsRange(s, "src") != nil {
		t.Fatal("source not deleted")
	}
	keys := [][]byte{[]byte("nokey"), []byte("dst")}
	m := s.LockKeys(keys, fxNow)
	i, vals, st := m.ListMPop(0, keys, true, 5, nil)
	m.Unlock()
	if st != OK || i != 1 || len(vals) != 2 {
		t.Fatalf("LMPOP = %d %q %v", i, vals, st)
	}
}

// lsPair is two regions; sync replays every delta of one into the other.
type lsPair struct {
	a, b     *Store
	ra, rb   *recSink
	lastA    int
	maxRefs  int
	nDeltasA int
}

func newLsPair(t *testing.T) *lsPair {
	p := &lsPair{ra: &recSink{}, rb: &recSink{}}
	p.a = New(Config{Shards: 2, Replica: 1, RetainTombstones: true, NewSink: func(int) Sink { return p.ra }})
	p.b = New(Config{Shards: 2, Replica: 2, RetainTombstones: true, NewSink: func(int) Sink { return p.rb }})
	t.Cleanup(p.a.Close)
	t.Cleanup(p.b.Close)
	return p
}

func (p *lsPair) sync(t *testing.T) {
	t.Helper()
	for _, d := range p.ra.take(t) {
		p.maxRefs = max(p.maxRefs, len(d.Refs))
		fxApply(p.b, &d, fxNow)
	}
	for _, d := range p.rb.take(t) {
		p.maxRefs = max(p.maxRefs, len(d.Refs))
		fxApply(p.a, &d, fxNow)
	}
}

func TestLists_Replicate(t *testing.T) {
	p := newLsPair(t)
	var vals []string
	for i := 0; i < 3*core.MaxListRefs; i++ {
		vals = append(vals, strconv.Itoa(i%7))
	}
	lsPush(t, p.a, "L", false, vals...)
	p.sync(t)
	lsDo(p.a, "L", func(x *Exec) {
		x.ListSet(0, []byte("L"), 3, []byte("set"))
		x.ListInsertAt(0, []byte("L"), false, []byte("set"), []byte("ins"))
		x.ListRem(0, []byte("L"), 0, []byte("3"))
		x.ListTrim(0, []byte("L"), 2, -core.MaxListRefs-3)
	})
	lsDo(p.b, "L", func(x *Exec) { x.ListPop(0, []byte("L"), false, core.MaxListRefs+5, nil) })
	p.sync(t)
	ga, gb := lsRange(p.a, "L"), lsRange(p.b, "L")
	if !slices.Equal(ga, gb) || len(ga) == 0 {
		t.Fatalf("regions differ: %d vs %d elements", len(ga), len(gb))
	}
	if p.maxRefs > core.MaxListRefs {
		t.Fatalf("a delta named %d elements", p.maxRefs)
	}
	// The list part of DEL: an observed-remove by vector.
	lsPush(t, p.b, "L", true, "concurrent")
	lsDo(p.a, "L", func(x *Exec) {
		e := x.Peek(0, []byte("L"))
		x.deleteList(0, []byte("L"), e)
		x.Delete(0, []byte("L"), e)
	})
	p.sync(t)
	lsWant(t, p.a, "L", "concurrent")
	lsWant(t, p.b, "L", "concurrent")
}

func TestLists_WriteListFrom(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	lsPush(t, s, "src", false, "a", "b", "c")
	lsPush(t, s, "dst", false, "old")
	lsDo(s, "src", func(x *Exec) {
		src := x.Peek(0, []byte("src"))
		x.SetExpiry(0, []byte("src"), src, fxNow+5000)
		x.writeListFrom(0, []byte("dst"), x.LookupWrite(0, []byte("dst")), src)
	})
	lsWant(t, s, "dst", "a", "b", "c")
	if dl, _ := fxDeadline(s, "dst", fxNow); dl != fxNow+5000 {
		t.Fatalf("deadline %d", dl)
	}
}

// TestLists_PushPopAllocs: a push and a pop on a list in steady state
// allocate nothing.
func TestLists_PushPopAllocs(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	key, val := []byte("queue"), [][]byte{[]byte("value-0001")}
	sh := s.ShardFor(key)
	for i := 0; i < 1000; i++ {
		lsPush(t, s, "queue", true, "seed")
	}
	var one [1][]byte
	run := func() {
		x := sh.Lock(fxNow)
		x.ListPush(0, key, true, false, val)
		x.ListPop(0, key, false, 1, one[:0])
		sh.Unlock()
	}
	for i := 0; i < 5000; i++ {
		run()
	}
	if n := testing.AllocsPerRun(2000, run); n != 0 {
		t.Fatalf("LPUSH+RPOP allocates %v times", n)
	}
}

func lsFill(b *testing.B, s *Store, key string, n int) {
	sh := s.ShardFor([]byte(key))
	x := sh.Lock(fxNow)
	batch := make([][]byte, 0, 1000)
	for i := 0; i < n; i += len(batch) {
		batch = batch[:0]
		for j := i; j < i+1000 && j < n; j++ {
			batch = append(batch, []byte("element:"+strconv.Itoa(j)))
		}
		x.ListPush(0, []byte(key), false, false, batch)
	}
	sh.Unlock()
}

func BenchmarkLists_LPushRPop(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	key, val := []byte("queue"), [][]byte{[]byte("value-0001")}
	lsFill(b, s, "queue", 1000)
	sh := s.ShardFor(key)
	var one [1][]byte
	b.ReportAllocs()
	for b.Loop() {
		x := sh.Lock(fxNow)
		x.ListPush(0, key, true, false, val)
		x.ListPop(0, key, false, 1, one[:0])
		sh.Unlock()
	}
}

func BenchmarkLists_LIndexMiddle1M(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	lsFill(b, s, "big", 1_000_000)
	key := []byte("big")
	sh := s.ShardFor(key)
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		x := sh.Lock(fxNow)
		x.ListIndex(0, key, 500_000+i%1000)
		sh.Unlock()
		i++
	}
}

func BenchmarkLists_LRange100Of1M(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	lsFill(b, s, "big", 1_000_000)
	key := []byte("big")
	sh := s.ShardFor(key)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		x := sh.Lock(fxNow)
		x.ListRange(0, key, 0, 99, func(int) {}, func(v []byte) { n += len(v) })
		sh.Unlock()
	}
}

// BenchmarkLists_LPush1M pushes a million elements one command each: the
// time per push stays flat (no quadratic behaviour).
func BenchmarkLists_LPush1M(b *testing.B) {
	for _, left := range []bool{true, false} {
		b.Run(fmt.Sprintf("left=%v", left), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := fxStore(b, Config{Shards: 1})
				key := []byte("big")
				sh := s.ShardFor(key)
				val := [][]byte{[]byte("element-value")}
				x := sh.Lock(fxNow)
				for i := 0; i < 1_000_000; i++ {
					x.ListPush(0, key, left, false, val)
				}
				sh.Unlock()
			}
		})
	}
}
