package core

import (
	"bytes"
	"testing"
	"unsafe"

	"pgregory.net/rapid"
)

// TestPackedMatchesGeneral drives two entries through the same writes:
// one may be packed, the other is always held in the general form. They
// must describe the same deltas, read the same and hold the same state
// after every step, whether the write is local or arrives from another
// region (whose concurrent writes leave contexts the packed form cannot
// hold).
func TestPackedMatchesGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var packed, general, other Entry
		general.open()
		other.open()
		seqs := map[ReplicaID]uint64{}
		var ts Timestamp
		next := func(r ReplicaID) (Dot, Timestamp) {
			seqs[r]++
			ts += Timestamp(rapid.IntRange(0, 2).Draw(t, "tick"))
			return Dot{Replica: r, Seq: seqs[r]}, ts
		}
		var pending [][]byte // deltas of the other region, not yet delivered
		var dp, dg Delta
		for step := rapid.IntRange(1, 40).Draw(t, "steps"); step > 0; step-- {
			if general.body == nil {
				t.Fatalf("the general entry was packed: the comparison would be of one form")
			}
			op := rapid.IntRange(0, 9).Draw(t, "op")
			r := ReplicaID(rapid.IntRange(1, 2).Draw(t, "region"))
			switch {
			case op <= 4: // SET, the packed form's write
				keep := rapid.Bool().Draw(t, "keepttl")
				dl := int64(rapid.SampledFrom([]int{0, 0, 5000, 9000}).Draw(t, "deadline"))
				v := []byte(rapid.SampledFrom([]string{"", "a", "12", "value:1"}).Draw(t, "value"))
				dot, at := next(r)
				packed.SetString(&dp, dot, at, v, keep, dl)
				general.SetString(&dg, dot, at, v, keep, dl)
			case op == 5:
				dot, at := next(r)
				_, e1 := packed.IncrBy(&dp, dot, at, 1)
				_, e2 := general.IncrBy(&dg, dot, at, 1)
				if (e1 == nil) != (e2 == nil) {
					t.Fatalf("INCR: packed %v, general %v", e1, e2)
				}
				if e1 != nil {
					continue
				}
			case op == 6:
				dot, at := next(r)
				packed.SetExpiry(&dp, dot, at, 7000)
				general.SetExpiry(&dg, dot, at, 7000)
			case op == 7:
				dot, at := next(r)
				packed.Delete(&dp, dot, at)
				general.Delete(&dg, dot, at)
			case op == 8: // region 3 writes concurrently; its delta waits
				var d Delta
				dot, at := next(3)
				other.SetString(&d, dot, at, []byte("other"), rapid.Bool().Draw(t, "okeep"), 0)
				pending = append(pending, AppendDelta(nil, &d))
				continue
			default: // deliver region 3's oldest delta to both
				if len(pending) == 0 {
					continue
				}
				var d Delta
				if _, err := DecodeDelta(pending[0], &d, DefaultDecodeLimits); err != nil {
					t.Fatal(err)
				}
				pending = pending[1:]
				packed.Apply(&d)
				general.Apply(&d)
				sameEntries(t, &packed, &general)
				continue
			}
			if p, g := AppendDelta(nil, &dp), AppendDelta(nil, &dg); !bytes.Equal(p, g) {
				t.Fatalf("step op %d: deltas differ:\npacked  %x\ngeneral %x", op, p, g)
			}
			sameEntries(t, &packed, &general)
		}
		// A full-sync merge of either into a new entry gives the same state.
		a, b := &Entry{}, &Entry{}
		a.Merge(&packed)
		b.Merge(&general)
		sameEntries(t, a, b)
	})
}

func sameEntries(t *rapid.T, p, g *Entry) {
	t.Helper()
	if sp, sg := stateDigest(p, false), stateDigest(g, false); sp != sg {
		t.Fatalf("states differ (packed=%v):\npacked  %s\ngeneral %s", p.Packed(), sp, sg)
	}
	pv, pok := p.Value(nil)
	gv, gok := g.Value(nil)
	if pok != gok || !bytes.Equal(pv, gv) || p.Live() != g.Live() || p.Deadline() != g.Deadline() || p.Kind != g.Kind {
		t.Fatalf("reads differ: %q %v %v %d / %q %v %v %d", pv, pok, p.Live(), p.Deadline(), gv, gok, g.Live(), g.Deadline())
	}
	pr, pt := p.KindStamp()
	gr, gt := g.KindStamp()
	po, pk := p.ExpiryOwner()
	gO, gk := g.ExpiryOwner()
	if pr != gr || pt != gt || po != gO || pk != gk || p.MaxTimestamp() != g.MaxTimestamp() {
		t.Fatalf("stamps differ: %d@%d owner %d,%v / %d@%d owner %d,%v", pr, pt, po, pk, gr, gt, gO, gk)
	}
	pi, pe := p.IntValue()
	gi, ge := g.IntValue()
	if pi != gi || (pe == nil) != (ge == nil) {
		t.Fatalf("IntValue differs: %d %v / %d %v", pi, pe, gi, ge)
	}
	pf, pfe := p.FloatValue()
	gf, gfe := g.FloatValue()
	if pf != gf || (pfe == nil) != (gfe == nil) {
		t.Fatalf("FloatValue differs: %v %v / %v %v", pf, pfe, gf, gfe)
	}
	if !bytes.Equal(AppendEntryState(nil, p), AppendEntryState(nil, g)) && p.Packed() {
		t.Fatalf("encoded states differ")
	}
}

// TestEntrySize pins an Entry to 80 bytes, a Go size class: one more
// field costs 16 MB per million keys.
func TestEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(Entry{}); n != 80 {
		t.Fatalf("Entry is %d bytes, want 80", n)
	}
}

// TestKeyAndValueShareABuffer checks the key stays put while the value
// after it changes size, and that SetKey carries the value along.
func TestKeyAndValueShareABuffer(t *testing.T) {
	e := NewEntry([]byte("key:1"), 0, false)
	var d Delta
	k := e.Key()
	for i, v := range []string{"", "short", "a value longer than the room left after the key", "x"} {
		e.SetString(&d, Dot{Replica: 1, Seq: uint64(i + 1)}, Timestamp(i+1), []byte(v), false, 0)
		if got, _ := e.Value(nil); string(got) != v || e.Key() != "key:1" || k != "key:1" {
			t.Fatalf("after %q: key %q (first read %q), value %q", v, e.Key(), k, got)
		}
	}
	e.SetKey([]byte("renamed"))
	if got, _ := e.Value(nil); string(got) != "x" || e.Key() != "renamed" || !e.Packed() {
		t.Fatalf("after SetKey: key %q value %q packed %v", e.Key(), got, e.Packed())
	}
	// Opened, the body grows the value in place or elsewhere: the key
	// must not change.
	e.IncrBy(&d, Dot{Replica: 2, Seq: 1}, 9, 1) // not an integer: refused, but opens
	e.SetString(&d, Dot{Replica: 2, Seq: 2}, 10, []byte("a much longer value than before, past the buffer"), false, 0)
	if e.Key() != "renamed" {
		t.Fatalf("key changed to %q", e.Key())
	}
}

// TestPackedSetIsCompact checks that the writes the packed form exists
// for keep a key packed, and that an overwrite reuses its storage.
func TestPackedSetIsCompact(t *testing.T) {
	var e Entry
	var d Delta
	e.SetString(&d, Dot{Replica: 1, Seq: 1}, 10, []byte("value:1"), false, 0)
	if !e.Packed() {
		t.Fatal("a new key's SET is not packed")
	}
	e.SetString(&d, Dot{Replica: 1, Seq: 2}, 11, []byte("value:2"), false, 5000)
	if !e.Packed() || e.Deadline() != 5000 {
		t.Fatalf("SET EX: packed %v deadline %d", e.Packed(), e.Deadline())
	}
	// KEEPTTL leaves the expiry write of an earlier write: general form.
	e.SetString(&d, Dot{Replica: 1, Seq: 3}, 12, []byte("value:3"), true, 0)
	if e.Packed() || e.Deadline() != 5000 {
		t.Fatalf("SET KEEPTTL: packed %v deadline %d", e.Packed(), e.Deadline())
	}
	e = Entry{}
	e.SetString(&d, Dot{Replica: 1, Seq: 1}, 10, []byte("value:1"), true, 0)
	e.SetString(&d, Dot{Replica: 1, Seq: 2}, 11, []byte("value:2"), true, 0)
	if !e.Packed() || e.Deadline() != 0 {
		t.Fatalf("SET KEEPTTL without a TTL: packed %v deadline %d", e.Packed(), e.Deadline())
	}
	// The same writes arriving from their region pack too.
	var r, w Entry
	for seq := uint64(1); seq <= 3; seq++ {
		w.SetString(&d, Dot{Replica: 2, Seq: seq}, Timestamp(seq), []byte("x"), false, 0)
		r.Apply(&d)
	}
	if !r.Packed() {
		t.Fatal("a replicated SET is not packed")
	}
	// Another region's overwrite needs the general form.
	e.SetString(&d, Dot{Replica: 2, Seq: 1}, 13, []byte("v"), false, 0)
	if e.Packed() {
		t.Fatal("a two-region context was packed")
	}
	var p Entry
	p.SetString(&d, Dot{Replica: 1, Seq: 1}, 10, []byte("value:1"), false, 0)
	v := []byte("value:2")
	allocs := testing.AllocsPerRun(100, func() {
		p.SetString(&d, Dot{Replica: 1, Seq: p.pSeq + 1}, 10, v, false, 0)
	})
	if allocs != 0 {
		t.Fatalf("a packed overwrite allocates %.1f times", allocs)
	}
}
