package shard

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// tableModel checks a table against a plain map, after every action of a
// rapid state machine.
type tableModel struct {
	t     *table
	model map[string]*core.Entry
	fresh int // names of bulk-inserted keys
}

// sortedKeys is the model's keys in (hash, key) order: what Ascend owes.
func (m *tableModel) sortedKeys() []string {
	ks := make([]string, 0, len(m.model))
	for k := range m.model {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		hi, hj := m.t.hashString(ks[i]), m.t.hashString(ks[j])
		if hi != hj {
			return hi < hj
		}
		return ks[i] < ks[j]
	})
	return ks
}

// check verifies the table's layout (every key in the bucket its hash
// and the rehash boundary say), its count, and every model key's entry.
func (m *tableModel) check(rt *rapid.T) {
	t := m.t
	if t.Len() != len(m.model) {
		rt.Fatalf("Len = %d, model %d", t.Len(), len(m.model))
	}
	n := 0
	for i, b := range t.buckets {
		for nd := b; nd != nil; nd = nd.Next() {
			if i < t.moved {
				rt.Fatalf("key %q in moved bucket %d", nd.Key(), i)
			}
			if h := t.hashString(nd.Key()); h>>(64-t.bits) != uint64(i) {
				rt.Fatalf("key %q in bucket %d of %d bits, hash %x", nd.Key(), i, t.bits, h)
			}
			n++
		}
	}
	if t.target != nil {
		boundary := uint64(t.moved) << (64 - t.bits)
		for i, b := range t.target {
			for nd := b; nd != nil; nd = nd.Next() {
				h := t.hashString(nd.Key())
				if h>>(64-t.tbits) != uint64(i) || h >= boundary {
					rt.Fatalf("key %q in target bucket %d of %d bits, hash %x, boundary %x", nd.Key(), i, t.tbits, h, boundary)
				}
				n++
			}
		}
	}
	if n != t.n {
		rt.Fatalf("%d entries, n = %d", n, t.n)
	}
	for k, e := range m.model {
		if got := t.Get([]byte(k)); got != e {
			rt.Fatalf("Get(%q) = %p, want %p", k, got, e)
		}
	}
}

// key draws a key from a small pool (so actions meet existing keys),
// some with forced hashes drawn from a few values, to make hash ties.
func (m *tableModel) key(rt *rapid.T) string {
	k := "k" + strconv.Itoa(rapid.IntRange(0, 300).Draw(rt, "key"))
	if _, ok := m.t.forced[k]; !ok && rapid.IntRange(0, 7).Draw(rt, "tie") == 0 {
		if _, live := m.model[k]; !live { // a key's hash never changes while held
			m.t.forced[k] = tieHashes[rapid.IntRange(0, len(tieHashes)-1).Draw(rt, "tieHash")]
		}
	}
	return k
}

// tieHashes are shared by keys that draw a forced hash: equal hashes in
// the first, last and middle buckets, and 1 (scanHash's stand-in for 0).
var tieHashes = []uint64{1, 2, 1 << 63, 1<<63 + 1, ^uint64(0), 0x5555_5555_5555_5555}

func TestTable_Model(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		m := &tableModel{t: &table{forced: map[string]uint64{}}, model: map[string]*core.Entry{}}
		rt.Repeat(map[string]func(*rapid.T){
			"": m.check,
			"put": func(rt *rapid.T) {
				k := m.key(rt)
				if m.model[k] != nil {
					return // Put takes absent keys only
				}
				e := core.NewEntry([]byte(k), 0, false)
				m.t.Put(e)
				m.model[k] = e
			},
			"get": func(rt *rapid.T) {
				k := m.key(rt)
				if got := m.t.Get([]byte(k)); got != m.model[k] {
					rt.Fatalf("Get(%q) = %p, want %p", k, got, m.model[k])
				}
			},
			"delete": func(rt *rapid.T) {
				k := m.key(rt)
				_, want := m.model[k]
				if got := m.t.Delete([]byte(k)); got != want {
					rt.Fatalf("Delete(%q) = %v, want %v", k, got, want)
				}
				delete(m.model, k)
			},
			"putMany": func(rt *rapid.T) {
				// Enough to cross several grows, often stopping mid-rehash.
				for n := rapid.IntRange(1, 700).Draw(rt, "n"); n > 0; n-- {
					m.fresh++
					k := "b" + strconv.Itoa(m.fresh)
					e := core.NewEntry([]byte(k), 0, false)
					m.t.Put(e)
					m.model[k] = e
				}
			},
			"deleteMany": func(rt *rapid.T) {
				// Most keys, to cross shrinks.
				keep := rapid.IntRange(0, 10).Draw(rt, "keepOneIn")
				for i, k := range m.sortedKeys() {
					if keep == 0 || i%keep != 0 {
						if !m.t.Delete([]byte(k)) {
							rt.Fatalf("Delete(%q) of a held key = false", k)
						}
						delete(m.model, k)
					}
				}
			},
			"ascend": func(rt *rapid.T) {
				ks := m.sortedKeys()
				var from uint64
				switch rapid.IntRange(0, 3).Draw(rt, "cursorKind") {
				case 0:
					from = rapid.Uint64().Draw(rt, "cursor")
				case 1, 2:
					if len(ks) > 0 {
						from = m.t.hashString(ks[rapid.IntRange(0, len(ks)-1).Draw(rt, "at")])
					}
				case 3:
					from = tieHashes[rapid.IntRange(0, len(tieHashes)-1).Draw(rt, "tieCursor")]
				}
				if rapid.Bool().Draw(rt, "plusOne") && from != ^uint64(0) {
					from++
				}
				var want []string
				for _, k := range ks {
					if m.t.hashString(k) >= from {
						want = append(want, k)
					}
				}
				stop := rapid.IntRange(0, len(want)+1).Draw(rt, "stopAfter")
				var got []string
				m.t.Ascend(from, func(h uint64, k string, e *core.Entry) bool {
					if h != m.t.hashString(k) || e != m.model[k] {
						rt.Fatalf("Ascend gave %q hash %x entry %p", k, h, e)
					}
					got = append(got, k)
					return len(got) < stop
				})
				want = want[:min(max(stop, 1), len(want))] // fn's false ends the walk
				if fmt.Sprint(got) != fmt.Sprint(want) {
					rt.Fatalf("Ascend(%x) = %v, want %v", from, got, want)
				}
			},
			"eachDelete": func(rt *rapid.T) {
				mod := rapid.IntRange(1, 4).Draw(rt, "mod")
				seen := map[string]int{}
				m.t.Each(func(k string, e *core.Entry) bool {
					seen[k]++
					if e != m.model[k] {
						rt.Fatalf("Each gave %q entry %p, want %p", k, e, m.model[k])
					}
					if m.t.Get([]byte(k)) != e {
						rt.Fatalf("Get inside Each lost %q", k)
					}
					if len(k)%mod == 0 {
						m.t.Delete([]byte(k))
						delete(m.model, k)
					}
					return true
				})
				for k, c := range seen {
					if c != 1 {
						rt.Fatalf("Each gave %q %d times", k, c)
					}
				}
				for k := range m.model {
					if seen[k] != 1 {
						rt.Fatalf("Each missed %q", k)
					}
				}
			},
			"random": func(rt *rapid.T) {
				seed := rapid.Uint64().Draw(rt, "seed")
				r := rand.New(rand.NewPCG(seed, 1))
				k, e, ok := m.t.Random(r.IntN)
				if ok != (len(m.model) > 0) || (ok && m.model[k] != e) {
					rt.Fatalf("Random = %q, %p, %v with %d keys", k, e, ok, len(m.model))
				}
			},
		})
	})
}

// fxTable fills a table with n keys "key:i", each its own entry.
func fxTable(n int) *table {
	t := &table{}
	for i := 0; i < n; i++ {
		t.Put(fxEntry("key:" + strconv.Itoa(i)))
	}
	return t
}

// fxEntry is an empty entry holding key.
func fxEntry(key string) *core.Entry { return core.NewEntry([]byte(key), 0, false) }

// finishRehash runs lookups until no rehash is under way.
func finishRehash(t *table) {
	for t.target != nil {
		t.Get([]byte("absent"))
	}
}

// TestTable_AscendDuringRehash: a full ascent, in one call and paged by
// cursor with writes between pages that move the rehash on, sees every
// key held throughout exactly once, in hash order, in a grow and in a
// shrink.
func TestTable_AscendDuringRehash(t *testing.T) {
	grow := fxTable(1 << 12)
	finishRehash(grow)
	grow.Put(fxEntry("one more")) // starts doubling
	shrink := fxTable(1 << 12)
	finishRehash(shrink)
	for i := 100; i < 1<<12; i++ {
		shrink.Delete([]byte("key:" + strconv.Itoa(i)))
		if shrink.target != nil {
			break
		}
	}
	for name, tb := range map[string]*table{"grow": grow, "shrink": shrink} {
		if tb.target == nil {
			t.Fatalf("%s: no rehash under way", name)
		}
		for i := 0; i < 20; i++ {
			tb.Get([]byte("absent")) // part way
		}
		if tb.target == nil || tb.moved == 0 {
			t.Fatalf("%s: rehash not part way (moved %d)", name, tb.moved)
		}
		held := map[string]bool{}
		tb.Each(func(k string, _ *core.Entry) bool { held[k] = true; return true })
		seen := map[string]int{}
		last := uint64(0)
		tb.Ascend(0, func(h uint64, k string, _ *core.Entry) bool {
			if h < last {
				t.Fatalf("%s: hash %x after %x", name, h, last)
			}
			last = h
			seen[k]++
			return true
		})
		for k := range held {
			if seen[k] != 1 {
				t.Fatalf("%s: one ascent saw %q %d times", name, k, seen[k])
			}
		}
		if len(seen) != len(held) {
			t.Fatalf("%s: ascent saw %d keys of %d", name, len(seen), len(held))
		}
		// Paged, as SCAN does, with churn of other keys between pages.
		seen = map[string]int{}
		cursor, churn := uint64(0), 0
		for {
			n, next := 0, uint64(0)
			tb.Ascend(cursor, func(h uint64, k string, _ *core.Entry) bool {
				if n >= 7 {
					next = h
					return false
				}
				if h < cursor {
					t.Fatalf("%s: hash %x below cursor %x", name, h, cursor)
				}
				seen[k]++
				n++
				return true
			})
			if next == 0 {
				break
			}
			// Equal hashes do not occur here, so next is past the page.
			cursor = next
			for j := 0; j < 5; j++ {
				churn++
				c := "churn:" + strconv.Itoa(churn)
				tb.Put(fxEntry(c))
				if churn%3 != 0 {
					tb.Delete([]byte(c))
				}
			}
		}
		for k := range held {
			if seen[k] != 1 {
				t.Fatalf("%s: paged ascent saw %q %d times", name, k, seen[k])
			}
		}
	}
}

// TestTable_EachDeletesAll: deleting every key during Each (FLUSHDB)
// visits each once and leaves a small, empty, usable table.
func TestTable_EachDeletesAll(t *testing.T) {
	tb := fxTable(5000)
	n := 0
	tb.Each(func(k string, _ *core.Entry) bool {
		n++
		if !tb.Delete([]byte(k)) {
			t.Fatalf("Delete(%q) in Each = false", k)
		}
		return true
	})
	if n != 5000 || tb.Len() != 0 || tb.target != nil || len(tb.buckets) > 1<<tableMinBits {
		t.Fatalf("visited %d, Len %d, rehashing %v, %d buckets", n, tb.Len(), tb.target != nil, len(tb.buckets))
	}
	e := fxEntry("again")
	tb.Put(e)
	if tb.Get([]byte("again")) != e {
		t.Fatal("table unusable after emptying")
	}
}

// TestTable_RandomCoversKeys: Random reaches every key of a small table.
func TestTable_RandomCoversKeys(t *testing.T) {
	tb := fxTable(50)
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		k, _, ok := tb.Random(r.IntN)
		if !ok {
			t.Fatal("Random found nothing")
		}
		seen[k] = true
	}
	if len(seen) != 50 {
		t.Fatalf("Random saw %d of 50 keys", len(seen))
	}
}

// TestTable_NoAllocs: in steady state (no resize due) lookups, a delete
// and re-insert of an entry, and ascents allocate nothing.
func TestTable_NoAllocs(t *testing.T) {
	tb := fxTable(1000) // 1024 buckets: neither grow nor shrink is near
	finishRehash(tb)
	key := []byte("key:500")
	e := tb.Get(key)
	miss := []byte("missing")
	if a := testing.AllocsPerRun(1000, func() {
		tb.Get(key)
		tb.Get(miss)
	}); a != 0 {
		t.Fatalf("Get: %v allocs", a)
	}
	if a := testing.AllocsPerRun(1000, func() {
		tb.Delete(key)
		tb.Put(e)
	}); a != 0 {
		t.Fatalf("Delete+Put: %v allocs", a)
	}
	n := 0
	fn := func(uint64, string, *core.Entry) bool { n++; return n%16 != 0 }
	if a := testing.AllocsPerRun(1000, func() { tb.Ascend(uint64(n)*7919<<40, fn) }); a != 0 {
		t.Fatalf("Ascend: %v allocs", a)
	}
}

// BenchmarkTable compares the table with a Go map (string → *Entry) on
// 1M keys.
func BenchmarkTable(b *testing.B) {
	const n = 1 << 20
	keys := make([]string, n)
	bkeys := make([][]byte, n)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
		bkeys[i] = []byte(keys[i])
	}
	tb := &table{}
	m := make(map[string]*core.Entry)
	ents := make([]*core.Entry, n)
	for i, k := range keys {
		ents[i] = fxEntry(k)
		tb.Put(ents[i])
		m[k] = ents[i]
	}
	e := ents[0]
	finishRehash(tb)
	b.Run("table/get", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			tb.Get(bkeys[i&(n-1)])
		}
	})
	b.Run("map/get", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = m[string(bkeys[i&(n-1)])]
		}
	})
	b.Run("map/put", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			m[keys[i&(n-1)]] = e
		}
	})
	b.Run("table/delete+put", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			tb.Delete(bkeys[i&(n-1)])
			tb.Put(ents[i&(n-1)])
		}
	})
	b.Run("map/delete+put", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			delete(m, string(bkeys[i&(n-1)]))
			m[keys[i&(n-1)]] = e
		}
	})
	b.Run("table/ascend10", func(b *testing.B) {
		b.ReportAllocs()
		c := 0
		fn := func(uint64, string, *core.Entry) bool { c++; return c%10 != 0 }
		for i := 0; b.Loop(); i++ {
			tb.Ascend(uint64(i)*0x9E3779B97F4A7C15, fn)
		}
	})
}

// BenchmarkTableMemory reports the heap the table and a Go map take per
// key for 1M keys: the table's bucket array (its entries hold the keys and
// the links), against the map's slots (key strings and entries excluded).
func BenchmarkTableMemory(b *testing.B) {
	const n = 1_000_000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	ents := make([]*core.Entry, n)
	for i, k := range keys {
		ents[i] = fxEntry(k)
	}
	e := ents[0]
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for b.Loop() {
		before := heap()
		tb := &table{}
		for _, en := range ents {
			en.SetNext(nil)
			tb.Put(en)
		}
		finishRehash(tb)
		tableBytes := heap() - before
		runtime.KeepAlive(tb)
		tb = nil
		before = heap()
		m := make(map[string]*core.Entry)
		for _, k := range keys {
			m[k] = e
		}
		mapBytes := heap() - before
		runtime.KeepAlive(m)
		b.ReportMetric(float64(tableBytes)/n, "table-B/key")
		b.ReportMetric(float64(mapBytes)/n, "map-B/key")
	}
	runtime.KeepAlive(keys) // freed early, they would offset the figures
	runtime.KeepAlive(ents)
}
