package shard

import (
	"fmt"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Tests of the HLL operations (hll.go). Helpers carry the hx prefix.

// hxT is what the helpers need of *testing.T, *testing.B and *rapid.T.
type hxT interface {
	Helper()
	Fatalf(format string, args ...any)
}

// hxDelHooked reports whether core/entry.go routes DEL to the HLL (see
// core.Entry.ApplyObjectDel): until it does, a DEL of an HLL key changes
// nothing, and the tests that need it are skipped.
func hxDelHooked(t testing.TB) bool {
	t.Helper()
	s := fxStore(t, Config{Shards: 1})
	hxAdd(t, s, "h", "a")
	fxDo(s, "h", fxNow, func(x *Exec) { x.DeleteKey(0, []byte("h")) })
	var live bool
	fxDo(s, "h", fxNow, func(x *Exec) { live = x.Peek(0, []byte("h")) != nil })
	return !live
}

func hxNeedDelHook(t *testing.T) {
	t.Helper()
	if !hxDelHooked(t) {
		t.Fatal("DEL/RENAME/COPY of this type is broken: the DEL hooks in core/entry.go (DescribeObjectDel, ApplyObjectDel)")
	}
}

func hxAdd(t hxT, s *Store, key string, els ...string) bool {
	t.Helper()
	var bs [][]byte
	for _, e := range els {
		bs = append(bs, []byte(e))
	}
	var changed bool
	fxDo(s, key, fxNow, func(x *Exec) {
		var st Status
		var err error
		changed, st, err = x.PFAdd(0, []byte(key), bs)
		if st != OK || err != nil {
			t.Fatalf("PFADD %s: %v %v", key, st, err)
		}
	})
	return changed
}

func hxCount(t hxT, s *Store, keys ...string) uint64 {
	t.Helper()
	var n uint64
	var st Status
	var err error
	if len(keys) == 1 {
		fxDo(s, keys[0], fxNow, func(x *Exec) { n, st, err = x.PFCount(0, []byte(keys[0])) })
	} else {
		m := lockKeys(s, keys...)
		var bs [][]byte
		for _, k := range keys {
			bs = append(bs, []byte(k))
		}
		n, st, err = m.PFCountUnion(0, bs)
		m.Unlock()
	}
	if st != OK || err != nil {
		t.Fatalf("PFCOUNT %v: %v %v", keys, st, err)
	}
	return n
}

func hxMerge(s *Store, dest string, srcs ...string) (Status, error) {
	m := lockKeys(s, append([]string{dest}, srcs...)...)
	defer m.Unlock()
	var bs [][]byte
	for _, k := range srcs {
		bs = append(bs, []byte(k))
	}
	return m.PFMerge(0, []byte(dest), bs)
}

func hxKind(s *Store, key string) core.Kind {
	var k core.Kind
	fxDo(s, key, fxNow, func(x *Exec) { k = x.KindOf(0, []byte(key)) })
	return k
}

func hxElems(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func TestHLL_PFAddCountMerge(t *testing.T) {
	s := fxStore(t, Config{Shards: 3})
	if !hxAdd(t, s, "h", "a", "b", "c") {
		t.Fatal("PFADD of a new key reported no change")
	}
	if hxAdd(t, s, "h", "a") {
		t.Fatal("PFADD of a counted element reported a change")
	}
	if !hxAdd(t, s, "e") || hxAdd(t, s, "e") {
		t.Fatal("PFADD with no element: 1 when it creates the key, then 0")
	}
	if n := hxCount(t, s, "h"); n != 3 {
		t.Fatalf("PFCOUNT h = %d", n)
	}
	if n := hxCount(t, s, "nosuch"); n != 0 {
		t.Fatalf("PFCOUNT of an absent key = %d", n)
	}
	hxAdd(t, s, "h2", "c", "d")
	if n := hxCount(t, s, "h", "h2", "nosuch"); n != 4 {
		t.Fatalf("PFCOUNT h h2 = %d", n)
	}
	if k := hxKind(s, "h2"); k != core.KindHLL || k.String() != "string" {
		t.Fatalf("kind %v", k)
	}
	if st, err := hxMerge(s, "m", "h", "h2"); st != OK || err != nil {
		t.Fatal(st, err)
	}
	if n := hxCount(t, s, "m"); n != 4 {
		t.Fatalf("PFMERGE result counts %d", n)
	}
	// The destination is a source too, and one with no sources is created.
	hxAdd(t, s, "m", "z")
	hxMerge(s, "m", "h")
	if n := hxCount(t, s, "m"); n != 5 {
		t.Fatalf("PFMERGE dropped the destination's own elements: %d", n)
	}
	hxMerge(s, "fresh")
	if k := hxKind(s, "fresh"); k != core.KindHLL || hxCount(t, s, "fresh") != 0 {
		t.Fatal("PFMERGE with no source did not create an empty HLL")
	}
}

func TestHLL_WrongTypes(t *testing.T) {
	s := fxStore(t, Config{Shards: 2})
	fxSet(s, "str", "not an hll", SetOptions{}, fxNow)
	fxSet(s, "other", "x", SetOptions{}, fxNow)
	fxMakeOtherKind(t, s, "other")
	hxAdd(t, s, "h", "a")
	fxDo(s, "str", fxNow, func(x *Exec) {
		if _, st, err := x.PFAdd(0, []byte("str"), [][]byte{[]byte("a")}); st != OK || err != core.ErrNotHLL {
			t.Fatalf("PFADD on a plain string: %v %v", st, err)
		}
		if _, _, err := x.PFCount(0, []byte("str")); err != core.ErrNotHLL {
			t.Fatalf("PFCOUNT on a plain string: %v", err)
		}
	})
	fxDo(s, "other", fxNow, func(x *Exec) {
		if _, st, _ := x.PFAdd(0, []byte("other"), nil); st != WrongType {
			t.Fatalf("PFADD on another type: %v", st)
		}
		if _, st, _ := x.PFCount(0, []byte("other")); st != WrongType {
			t.Fatalf("PFCOUNT on another type: %v", st)
		}
	})
	m := lockKeys(s, "h", "str", "other")
	if _, _, err := m.PFCountUnion(0, [][]byte{[]byte("h"), []byte("str")}); err != core.ErrNotHLL {
		t.Fatalf("PFCOUNT h str: %v", err)
	}
	if _, st, _ := m.PFCountUnion(0, [][]byte{[]byte("h"), []byte("other")}); st != WrongType {
		t.Fatalf("PFCOUNT h other: %v", st)
	}
	m.Unlock()
	if _, err := hxMerge(s, "str", "h"); err != core.ErrNotHLL {
		t.Fatalf("PFMERGE into a plain string: %v", err)
	}
	if st, _ := hxMerge(s, "h", "other"); st != WrongType {
		t.Fatalf("PFMERGE from another type: %v", st)
	}
	if v, _ := fxGet(s, "str", fxNow); v != "not an hll" {
		t.Fatal("a failed PFMERGE changed its destination")
	}
}

// TestHLL_FromRedisString: a string key holding a Redis HLL string (SET
// from a dump) counts as one, and becomes an HLL on its first change,
// keeping its TTL; an add that changes nothing leaves it a string.
func TestHLL_FromRedisString(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	hxAdd(t, s, "src", hxElems("e", 1000)...)
	blob, _ := fxGet(s, "src", fxNow)
	if len(blob) != 1906 || blob[:4] != "HYLL" {
		t.Fatalf("GET of an HLL: %d bytes", len(blob))
	}
	fxSet(s, "dump", blob, SetOptions{Deadline: fxNow + 60_000}, fxNow)
	if n := hxCount(t, s, "dump"); n != 1008 {
		t.Fatalf("PFCOUNT of the string: %d, Redis says 1008", n)
	}
	if hxKind(s, "dump") != core.KindString {
		t.Fatal("PFCOUNT converted the string")
	}
	if hxAdd(t, s, "dump", "e5") {
		t.Fatal("adding a counted element changed the string")
	}
	if hxKind(s, "dump") != core.KindString {
		t.Fatal("an add that changed nothing converted the string")
	}
	if !hxAdd(t, s, "dump", "new-element") {
		t.Fatal("adding a new element changed nothing")
	}
	if hxKind(s, "dump") != core.KindHLL {
		t.Fatal("the string was not converted")
	}
	if dl, _ := fxDeadline(s, "dump", fxNow); dl != fxNow+60_000 {
		t.Fatalf("the conversion changed the TTL: %d", dl)
	}
	if n := hxCount(t, s, "dump"); n != 1009 {
		t.Fatalf("PFCOUNT after the conversion: %d", n)
	}
	// A string whose header caches a count: PFCOUNT trusts it, as Redis.
	fxSet(s, "cached", "HYLL\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\x7f\xff", SetOptions{}, fxNow)
	if n := hxCount(t, s, "cached"); n != 7 {
		t.Fatalf("PFCOUNT ignored the cached count: %d", n)
	}
	// A corrupt sparse string.
	fxSet(s, "bad", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe", SetOptions{}, fxNow)
	fxDo(s, "bad", fxNow, func(x *Exec) {
		if _, _, err := x.PFCount(0, []byte("bad")); err != core.ErrCorruptHLL {
			t.Fatalf("PFCOUNT of a corrupt string: %v", err)
		}
	})
	// PFMERGE into a string HLL converts it, with its registers.
	fxSet(s, "dump2", blob, SetOptions{}, fxNow)
	hxAdd(t, s, "small", "x1", "x2")
	hxMerge(s, "dump2", "small")
	if hxKind(s, "dump2") != core.KindHLL || hxCount(t, s, "dump2") != hxCount(t, s, "src", "small") {
		t.Fatal("PFMERGE into a string HLL")
	}
}

// TestHLL_ReadsAsString: GET, and the bit commands, see an HLL as Redis's
// string; a bit write makes it a plain string holding the changed bytes.
func TestHLL_ReadsAsString(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	hxAdd(t, s, "h", "a", "b", "c")
	v, st := fxGet(s, "h", fxNow)
	if st != OK || v != "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a" {
		t.Fatalf("GET h = %q", v)
	}
	fxDo(s, "h", fxNow, func(x *Exec) {
		if n, _ := x.BitCount(0, []byte("h"), BitRange{}); n != 49 {
			t.Fatalf("BITCOUNT of the HLL string = %d", n)
		}
		if old, st := x.SetBit(0, []byte("h"), 0, true); st != OK || old != 0 {
			t.Fatalf("SETBIT on an HLL: %d %v", old, st)
		}
	})
	if k := hxKind(s, "h"); k != core.KindString {
		t.Fatalf("SETBIT left kind %v", k)
	}
	if v, _ := fxGet(s, "h", fxNow); v[0] != 'H'|0x80 || v[1:] != "YLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a" {
		t.Fatalf("GET after SETBIT = %q", v)
	}
}

// hxPair is two regions whose deltas a test carries by hand.
type hxPair struct {
	a, b   *Store
	ra, rb *recSink
}

func newHXPair(t *testing.T) *hxPair {
	p := &hxPair{ra: &recSink{}, rb: &recSink{}}
	p.a = New(Config{Shards: 2, Replica: 1, RetainTombstones: true, NewSink: func(int) Sink { return p.ra }})
	p.b = New(Config{Shards: 3, Replica: 2, RetainTombstones: true, NewSink: func(int) Sink { return p.rb }})
	p.a.Close()
	p.b.Close()
	return p
}

// TestHLL_Semantics6 runs SEMANTICS.md section 6 through two stores: adds
// merge, and a DEL wins over a concurrent PFADD in both regions.
func TestHLL_Semantics6(t *testing.T) {
	hxNeedDelHook(t)
	p := newHXPair(t)
	hxAdd(t, p.a, "h", "x")
	hxAdd(t, p.b, "h", "y")
	da, db := p.ra.take(t), p.rb.take(t)
	replay(p.a, db)
	replay(p.b, da)
	if hxCount(t, p.a, "h") != 2 || hxCount(t, p.b, "h") != 2 {
		t.Fatal("concurrent PFADDs did not merge")
	}
	hxAdd(t, p.a, "h", "e2")
	fxDo(p.b, "h", fxNow, func(x *Exec) { x.DeleteKey(0, []byte("h")) })
	da, db = p.ra.take(t), p.rb.take(t)
	replay(p.a, db)
	replay(p.b, da)
	for _, s := range []*Store{p.a, p.b} {
		if hxKind(s, "h") != core.KindNone {
			t.Fatal("the DEL did not win over the concurrent PFADD")
		}
	}
	// A PFADD after seeing the DEL lives everywhere.
	hxAdd(t, p.b, "h", "later")
	replay(p.a, p.rb.take(t))
	if hxCount(t, p.a, "h") != 1 || hxCount(t, p.b, "h") != 1 {
		t.Fatal("a PFADD after the DEL did not survive")
	}
}

// TestHLL_RenameCopy: RENAME and COPY of an HLL write the destination as a
// new HLL with the source's registers and TTL; a live HLL destination is
// replaced, not merged into.
func TestHLL_RenameCopy(t *testing.T) {
	s := fxStore(t, Config{Shards: 2})
	hxAdd(t, s, "h", hxElems("r", 100)...)
	m := lockKeys(s, "h", "c")
	m.Copy(0, []byte("h"), 0, []byte("c"), false)
	m.Unlock()
	if hxKind(s, "c") != core.KindHLL {
		t.Fatal("DEL/RENAME/COPY of this type is broken: the HLL case in shard/keyops.go WriteFrom (writeFromHLL)")
	}
	hxNeedDelHook(t)
	a, _ := fxGet(s, "h", fxNow)
	b, _ := fxGet(s, "c", fxNow)
	if a != b {
		t.Fatal("COPY changed the string form")
	}
	if hxCount(t, s, "c") != 100 {
		t.Fatal("COPY lost registers")
	}
	hxAdd(t, s, "d", hxElems("other", 50)...)
	m = lockKeys(s, "h", "d")
	m.Copy(0, []byte("h"), 0, []byte("d"), true)
	m.Unlock()
	if hxCount(t, s, "d") != 100 {
		t.Fatal("COPY REPLACE merged into the destination")
	}
	fxDo(s, "h", fxNow, func(x *Exec) { x.SetExpiry(0, []byte("h"), x.Peek(0, []byte("h")), fxNow+5000) })
	m = lockKeys(s, "h", "r")
	m.Rename(0, []byte("h"), []byte("r"), false)
	m.Unlock()
	if hxKind(s, "h") != core.KindNone || hxCount(t, s, "r") != 100 {
		t.Fatal("RENAME")
	}
	if dl, _ := fxDeadline(s, "r", fxNow); dl != fxNow+5000 {
		t.Fatalf("RENAME lost the TTL: %d", dl)
	}
}

// TestHLL_TwoStoresConverge: two regions run random PFADD, PFMERGE and (when
// hooked) DEL on a few keys; deltas travel in any interleaving with
// duplicates; at the end both show the same count and string for every key.
func TestHLL_TwoStoresConverge(t *testing.T) {
	hooked := hxDelHooked(t)
	keys := []string{"a", "b", "c"}
	rapid.Check(t, func(rt *rapid.T) {
		type region struct {
			s    *Store
			rec  *recSink
			out  []core.Delta
			next int // of out, delivered to the other region
		}
		mk := func(id core.ReplicaID) *region {
			r := &region{rec: &recSink{}}
			r.s = New(Config{Shards: rapid.IntRange(1, 3).Draw(rt, "shards"), Replica: id, RetainTombstones: true, NewSink: func(int) Sink { return r.rec }})
			r.s.Close()
			return r
		}
		rs := []*region{mk(1), mk(2)}
		apply := func(to *region, d core.Delta) { replay(to.s, []core.Delta{d}) }
		for i, n := 0, rapid.IntRange(0, 50).Draw(rt, "steps"); i < n; i++ {
			ri := rapid.IntRange(0, 1).Draw(rt, "region")
			r, other := rs[ri], rs[1-ri]
			key := rapid.SampledFrom(keys).Draw(rt, "key")
			switch op := rapid.IntRange(0, 6).Draw(rt, "op"); {
			case op <= 2:
				hxAdd(rt, r.s, key, hxElems(rapid.SampledFrom([]string{"p", "q"}).Draw(rt, "prefix"), rapid.IntRange(0, 40).Draw(rt, "n"))...)
			case op == 3:
				hxMerge(r.s, key, rapid.SampledFrom(keys).Draw(rt, "src"))
			case op == 4 && hooked:
				fxDo(r.s, key, fxNow, func(x *Exec) { x.DeleteKey(0, []byte(key)) })
			default:
				other.out = append(other.out, other.rec.take(t)...)
				if other.next < len(other.out) {
					apply(r, other.out[other.next])
					other.next++
					if rapid.IntRange(0, 3).Draw(rt, "dup") == 0 {
						apply(r, other.out[rapid.IntRange(0, other.next-1).Draw(rt, "dupidx")])
					}
				}
			}
		}
		for i, r := range rs {
			r.out = append(r.out, r.rec.take(t)...)
			for ; r.next < len(r.out); r.next++ {
				apply(rs[1-i], r.out[r.next])
			}
		}
		for _, k := range keys {
			c0, c1 := hxCount(rt, rs[0].s, k), hxCount(rt, rs[1].s, k)
			k0, k1 := hxKind(rs[0].s, k), hxKind(rs[1].s, k)
			if c0 != c1 || k0 != k1 {
				rt.Fatalf("key %s: region 1 kind %v count %d, region 2 kind %v count %d", k, k0, c0, k1, c1)
			}
		}
	})
}

func TestAllocs_ShardPFAdd(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	hxAdd(t, s, "h", hxElems("w", 5000)...)
	key := []byte("h")
	sh := s.ShardFor(key)
	els := make([][]byte, 1000)
	for i := range els {
		els[i] = []byte(fmt.Sprintf("w%d", i))
	}
	i := 0
	n := testing.AllocsPerRun(1000, func() {
		x := sh.Lock(fxNow)
		x.PFAdd(0, key, els[i%len(els):i%len(els)+1])
		i++
		sh.Unlock()
	})
	if n != 0 {
		t.Fatalf("PFADD of a counted element: %.1f allocations", n)
	}
}

// BenchmarkHLL_PFAdd is PFADD of one element: "counted", an element the
// dense HLL already counts (no register changes, nothing ships, the common
// case of a busy key); "new", an element that raises a register of a
// sparse HLL (one delta shipped), a fresh key every 1000 elements.
func BenchmarkHLL_PFAdd(b *testing.B) {
	els := make([][]byte, 1<<16)
	for i := range els {
		els[i] = []byte(fmt.Sprintf("n%d", i))
	}
	b.Run("counted", func(b *testing.B) {
		s := fxStore(b, Config{Shards: 1})
		key := []byte("h")
		hxAdd(b, s, "h", hxElems("n", 1<<16)...)
		sh := s.ShardFor(key)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			x := sh.Lock(fxNow)
			x.PFAdd(0, key, els[i&(1<<16-1):i&(1<<16-1)+1])
			i++
			sh.Unlock()
		}
	})
	b.Run("new", func(b *testing.B) {
		s := fxStore(b, Config{Shards: 1})
		keys := make([][]byte, 64)
		for i := range keys {
			keys[i] = []byte(fmt.Sprintf("h%d", i))
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			key := keys[(i/1000)%len(keys)]
			sh := s.ShardFor(key)
			x := sh.Lock(fxNow)
			if i%1000 == 0 {
				x.DeleteKey(0, key)
			}
			x.PFAdd(0, key, els[i&(1<<16-1):i&(1<<16-1)+1])
			i++
			sh.Unlock()
		}
	})
}

// BenchmarkHLL_PFAdd1M adds a million distinct elements, 100 per PFADD, to
// a fresh key: the cost per element stays flat from sparse to dense.
func BenchmarkHLL_PFAdd1M(b *testing.B) {
	els := make([][]byte, 1_000_000)
	for i := range els {
		els[i] = []byte(fmt.Sprintf("element:%d", i))
	}
	b.ReportAllocs()
	for b.Loop() {
		s := fxStore(b, Config{Shards: 1})
		key := []byte("h")
		sh := s.ShardFor(key)
		for i := 0; i < len(els); i += 100 {
			x := sh.Lock(fxNow)
			x.PFAdd(0, key, els[i:i+100])
			sh.Unlock()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/element")
}

// BenchmarkHLL_PFCount is PFCOUNT of a dense HLL with a stale cached
// count (each iteration adds an element first), and of a cached one.
func BenchmarkHLL_PFCount(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	hxAdd(b, s, "h", hxElems("w", 100000)...)
	key := []byte("h")
	sh := s.ShardFor(key)
	b.Run("stale", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x := sh.Lock(fxNow)
			x.Peek(0, key).HLL().InvalidateCache()
			x.PFCount(0, key)
			sh.Unlock()
		}
	})
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x := sh.Lock(fxNow)
			x.PFCount(0, key)
			sh.Unlock()
		}
	})
	b.Run("union3", func(b *testing.B) {
		hxAdd(b, s, "h2", hxElems("v", 100000)...)
		hxAdd(b, s, "h3", hxElems("u", 1000)...)
		keys := [][]byte{[]byte("h"), []byte("h2"), []byte("h3")}
		b.ReportAllocs()
		for b.Loop() {
			m := s.LockKeys(keys, fxNow)
			m.PFCountUnion(0, keys)
			m.Unlock()
		}
	})
}
