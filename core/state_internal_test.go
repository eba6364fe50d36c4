package core

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Internal helpers of the state codec's tests (state_test.go): a digest
// that sees every part of an entry Merge reads, dormant containers and list
// buffers included, and the fuzz target, whose seeds are real states built
// through the public writes.

// StateDigest is stateDigest for the external tests.
var StateDigest = stateDigest

// StateDigestConverged is the digest regions that received the same writes
// in different orders must agree on: stateDigest without strict, with the
// data of the types that are not the key's (a losing type's, kept
// invisible) joined per type wherever it sits, and without their type
// stamps. Where such data sits depends on delivery order: in its type's
// own slot when that is free, else in a dormant container (Entry.target,
// Entry.claim), and a DEL of an HLL goes to a container even when the
// slot is free (Entry.Apply), so one type's data can even sit in both;
// a container made when a later type displaces the key's type starts with
// a zero stamp (claim) while one made for a late write of a losing type
// takes that write's stamp (target). None of it shows: a type that wins
// joins its data from every place (claim), and Merge never lets a dormant
// type's stamp beat the key's own.
func StateDigestConverged(e *Entry) string {
	var b strings.Builder
	if e == nil {
		return "<nil>"
	}
	e = e.General()
	fmt.Fprintf(&b, "kind=%d retain=%v live=%v deadline=%d stamp=%d@%d\n", e.Kind, e.Retain, e.Live(), e.Deadline(), e.KindRep, e.KindTS)
	digestParts(&b, e, false)
	// The other types' data, each joined into a scratch container of its
	// own, as claim would join it.
	others := map[Kind]*Entry{}
	join := func(k Kind, from *Entry) {
		c := others[k]
		if c == nil {
			c = &Entry{Kind: k, Retain: e.Retain, body: &body{}}
			others[k] = c
		}
		c.mergeSlot(k, 0, 0, from)
		if from != e {
			c.Register.merge(&from.Register)
			c.Exp.Merge(&from.Exp)
		}
	}
	if f := e.Fields; f != nil {
		if f.kind == e.Kind {
			digestFields(&b, f)
		} else {
			join(f.kind, e)
		}
	}
	if k := e.occupant(slotObj); k != KindNone && k == e.Kind {
		digestObj(&b, e.Obj, false)
	} else if k != KindNone {
		join(k, e)
	}
	for _, c := range e.dormant {
		join(c.Kind, c)
	}
	kinds := make([]Kind, 0, len(others))
	for k := range others {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		var ob strings.Builder
		c := others[k]
		digestParts(&ob, c, false)
		if ob.String() == " register: ctx=[] incs=[] rem=[]\n exp: ctx=[]\n" {
			ob.Reset()
		}
		if f := c.Fields; f != nil && len(f.M) > 0 {
			digestFields(&ob, f)
		}
		if c.Obj != nil {
			digestObj(&ob, c.Obj, false)
		}
		if ob.Len() > 0 {
			fmt.Fprintf(&b, " other type %d:\n%s", k, ob.String())
		}
	}
	return b.String()
}

// stateDigest is a canonical text of e's whole CRDT state. strict includes
// what only an exact copy shares (the list's leaf partition and per-leaf
// remove vectors, the order of dormant containers and of waiting inserts,
// the buffer's byte count); without it the digest is what two states
// reached by different merge orders of the same states must agree on. It
// also checks the derived counts (live fields, the sorted-set index, live
// list elements against the Fenwick tree) and reports a mismatch as BROKEN.
func stateDigest(e *Entry, strict bool) string {
	var b strings.Builder
	if e == nil {
		return "<nil>"
	}
	digestEntry(&b, e, strict, true)
	return b.String()
}

func digestEntry(b *strings.Builder, e *Entry, strict, stamp bool) {
	e = e.General()
	fmt.Fprintf(b, "kind=%d retain=%v live=%v deadline=%d", e.Kind, e.Retain, e.Live(), e.Deadline())
	if stamp {
		fmt.Fprintf(b, " stamp=%d@%d", e.KindRep, e.KindTS)
	}
	b.WriteString("\n")
	digestParts(b, e, strict)
	if e.Fields != nil {
		digestFields(b, e.Fields)
	}
	if e.Obj != nil {
		digestObj(b, e.Obj, strict)
	}
	ds := slices.Clone(e.dormant)
	if !strict {
		sort.Slice(ds, func(i, j int) bool { return ds[i].Kind < ds[j].Kind })
	}
	for _, c := range ds {
		b.WriteString(" dormant ")
		digestEntry(b, c, strict, stamp)
	}
}

// digestParts is the register and expiry parts.
func digestParts(b *strings.Builder, e *Entry, strict bool) {
	b.WriteString(" register: ")
	digestRegister(b, &e.Register)
	fmt.Fprintf(b, "\n exp: ctx=%v", []Dot(e.Exp.Ctx))
	xs := slices.Clone(e.Exp.Elems)
	sort.Slice(xs, func(i, j int) bool { return stDotLess(xs[i].Dot, xs[j].Dot) })
	for _, x := range xs {
		fmt.Fprintf(b, " %v@%d=%d", x.Dot, x.TS, x.V)
	}
	b.WriteString("\n")
}

func digestFields(b *strings.Builder, f *Fields) {
	fmt.Fprintf(b, " fields kind=%d len=%d:", f.kind, f.Len())
	names := make([]string, 0, len(f.M))
	live := 0
	for n, r := range f.M {
		names = append(names, n)
		if r.Live() {
			live++
		}
	}
	if live != f.live {
		fmt.Fprintf(b, " BROKEN live=%d counted=%d", f.live, live)
	}
	// (A sorted set may lack its index: Entry.ZSet builds it on demand.)
	if f.z != nil && f.z.len() != live {
		b.WriteString(" BROKEN zindex")
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(b, "\n  %q: ", n)
		digestRegister(b, f.M[n])
	}
	b.WriteString("\n")
}

func digestObj(b *strings.Builder, obj Object, strict bool) {
	switch o := obj.(type) {
	case *List:
		digestList(b, o, strict)
	case *HLL:
		// The registers as the number of non-zero ones and a hash of all.
		var regs HLLRegs
		o.MaxInto(&regs)
		n, sum := 0, fnv.New64a()
		for _, v := range regs {
			if v != 0 {
				n++
			}
		}
		sum.Write(regs[:])
		fmt.Fprintf(b, " hll del=%v live=%v densehint=%v regs=%d/%x", []Dot(o.del), o.live, o.denseHint, n, sum.Sum64())
		if (o.sparse != nil && o.dense != nil) || (!o.live && (o.sparse != nil || o.dense != nil)) {
			b.WriteString(" BROKEN registers")
		}
		b.WriteString("\n")
	default:
		fmt.Fprintf(b, " obj %T\n", o)
	}
}

func stDotLess(a, b Dot) bool {
	if a.Replica != b.Replica {
		return a.Replica < b.Replica
	}
	return a.Seq < b.Seq
}

func digestRegister(b *strings.Builder, r *Register) {
	fmt.Fprintf(b, "ctx=%v", []Dot(r.Base.Ctx))
	els := slices.Clone(r.Base.Elems)
	sort.Slice(els, func(i, j int) bool {
		if els[i].Dot != els[j].Dot {
			return stDotLess(els[i].Dot, els[j].Dot)
		}
		return els[i].TS < els[j].TS
	})
	for _, el := range els {
		fmt.Fprintf(b, " %v@%d=%q obs=%v", el.Dot, el.TS, el.V.Value, el.V.Obs)
	}
	fmt.Fprintf(b, " incs=%v rem=%v", r.Incs, r.Rem)
}

func digestList(b *strings.Builder, l *List, strict bool) {
	fmt.Fprintf(b, " list received=%v cleared=%v overflow=%d len=%d\n  ", []Dot(l.received), []Dot(l.cleared), l.Overflow, l.live)
	live, k := 0, 0
	for s := l.lo; s < l.hi; s++ {
		lf := l.slots[s]
		if lf.slot != s {
			b.WriteString(" BROKEN slot")
		}
		if strict {
			fmt.Fprintf(b, "| rm=%v ", []Dot(lf.rm))
		}
		ll := 0
		for i := range lf.nodes {
			n := &lf.nodes[i]
			fmt.Fprintf(b, "%d.%d@%d<%d.%d", n.rep, n.seq, n.ts, n.arep, n.aseq)
			if vs, ok := l.stamps[n.id()]; ok {
				fmt.Fprintf(b, "[%d/%d]", vs.ts, vs.rep)
			}
			if n.dead {
				b.WriteString("† ")
				continue
			}
			fmt.Fprintf(b, "=%q ", lf.value(i))
			if got := l.Index(k); string(got) != string(lf.value(i)) {
				fmt.Fprintf(b, "BROKEN Index(%d)=%q ", k, got)
			}
			k++
			ll++
		}
		if ll != lf.live {
			fmt.Fprintf(b, " BROKEN leaf live %d counted %d", lf.live, ll)
		}
		live += ll
	}
	if live != l.live {
		fmt.Fprintf(b, " BROKEN live %d counted %d", l.live, live)
	}
	// (An emptied buffer may stay allocated: the same as none.)
	if buf := l.buf; buf != nil && (buf.n != 0 || len(buf.waiting) != 0 || len(buf.early) != 0) {
		if strict {
			fmt.Fprintf(b, "\n  buffer n=%d bytes=%d", buf.n, buf.bytes)
		} else {
			fmt.Fprintf(b, "\n  buffer n=%d", buf.n)
		}
		anchors := make([]Dot, 0, len(buf.waiting))
		for a := range buf.waiting {
			anchors = append(anchors, a)
		}
		sort.Slice(anchors, func(i, j int) bool { return stDotLess(anchors[i], anchors[j]) })
		for _, a := range anchors {
			ws := slices.Clone(buf.waiting[a])
			if !strict {
				sort.Slice(ws, func(i, j int) bool { return stDotLess(ws[i].id, ws[j].id) })
			}
			fmt.Fprintf(b, "\n  after %v:", a)
			for _, w := range ws {
				fmt.Fprintf(b, " %v@%d[%d/%d] dead=%v", w.id, w.ts, w.vs.ts, w.vs.rep, w.dead)
				if !w.dead {
					fmt.Fprintf(b, "=%q", w.value)
				}
				if buf.where[w.id] != a {
					b.WriteString(" BROKEN where")
				}
			}
		}
		ids := make([]Dot, 0, len(buf.early))
		for id := range buf.early {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return stDotLess(ids[i], ids[j]) })
		for _, id := range ids {
			eo := buf.early[id]
			fmt.Fprintf(b, "\n  early %v dead=%v rm=%v set=%v", id, eo.dead, eo.rm, eo.set)
			if eo.set {
				fmt.Fprintf(b, "[%d/%d]=%q", eo.vs.ts, eo.vs.rep, eo.value)
			}
		}
	}
	b.WriteString("\n")
}

// stateSeedEntries are real states of every kind, built through the
// public writes and deltas: the fuzz target's seeds and the truncation
// test's inputs.
func stateSeedEntries() []*Entry {
	var d Delta
	ts := MakeTimestamp(1_700_000_000_000, 0)
	next := func() Timestamp { ts += 1 << 16; return ts }
	var out []*Entry

	// A string with concurrent base writes, increments, a delete's
	// observed counters and two expiries.
	s := &Entry{Retain: true}
	s.SetString(&d, Dot{1, 1}, next(), []byte("10"), false, 5_000_000)
	s.IncrBy(&d, Dot{1, 2}, next(), 7)
	var o Entry
	o.SetString(&d, Dot{2, 1}, next(), []byte("abc"), false, 0)
	s.Apply(&d)
	o.IncrByFloat(&d, Dot{2, 2}, next(), DD{Hi: 0.5}, nil)
	s.Apply(&d)
	out = append(out, s)

	// A hash with a tombstone, a set, a sorted set.
	h := &Entry{Retain: true}
	for i, f := range []string{"a", "b", "c", ""} {
		h.SetField(&d, KindHash, Dot{3, uint64(i + 1)}, next(), []byte(f), []byte("v"+f))
	}
	h.IncrField(&d, KindHash, Dot{3, 5}, next(), []byte("n"), -9)
	h.DeleteField(&d, Dot{3, 6}, next(), []byte("b"))
	h.SetExpiry(&d, Dot{3, 7}, next(), 9_000_000)
	out = append(out, h)
	st := &Entry{}
	st.SetField(&d, KindSet, Dot{4, 1}, next(), []byte("m"), nil)
	out = append(out, st)
	z := &Entry{Retain: true}
	z.SetField(&d, KindZSet, Dot{5, 1}, next(), []byte("x"), []byte("1.5"))
	z.IncrScore(&d, Dot{5, 2}, next(), []byte("y"), 2.25)
	z.DeleteField(&d, Dot{5, 3}, next(), []byte("x"))
	out = append(out, z)

	// A list with tombstones, an LSET, and, at a second region, writes
	// that name an element it has not received (waiting and early).
	l := &Entry{Retain: true}
	for i := 0; i < 70; i++ {
		l.ListInsert(&d, Dot{1, uint64(i + 1)}, next(), i/2, []byte(fmt.Sprint("e", i)))
	}
	l.ListRemove(&d, Dot{1, 71}, next(), 3, 2)
	l.ListSet(&d, Dot{1, 72}, next(), 0, []byte("lset"))
	out = append(out, l)
	var x Delta
	var a, c Entry
	a.ListInsert(&x, Dot{3, 1}, next(), 0, []byte("x")) // x by region 3
	c.Apply(&x)
	c.ListInsert(&d, Dot{1, 1}, next(), 1, []byte("y")) // y after x by region 1
	b := &Entry{Retain: true}
	b.Apply(&d) // y, x not received: waits
	a.ListInsert(&x, Dot{3, 2}, next(), 1, []byte("z"))
	c.Apply(&x)
	a.ListSet(&x, Dot{3, 3}, next(), 1, []byte("Z"))
	c.Apply(&x)
	c.ListSet(&d, Dot{1, 2}, next(), 1, []byte("ZZ"))
	b.Apply(&d) // LSET of z, not received: early
	c.ListRemove(&d, Dot{1, 3}, next(), 0, 1)
	b.Apply(&d) // remove of x, not received: early
	b.ListInsert(&d, Dot{2, 1}, next(), 0, []byte("w"))
	out = append(out, b)

	// HLLs: sparse, dense, deleted.
	var p HLLPatch
	hl := &Entry{Retain: true}
	for i := 0; i < 50; i++ {
		p.AddElement([]byte(fmt.Sprint("el", i)))
	}
	hl.HLLWrite(&d, Dot{1, 1}, next(), &p)
	p.Reset()
	out = append(out, hl)
	dense := &Entry{}
	for i := 0; i < 5000; i++ {
		p.AddElement([]byte(fmt.Sprint("el", i)))
	}
	dense.HLLWrite(&d, Dot{1, 1}, next(), &p)
	p.Reset()
	out = append(out, dense)
	dead := hl.Clone()
	dead.Delete(&d, Dot{1, 2}, next())
	out = append(out, dead)

	// Type conflicts: a hash that lost to a later set (a dormant
	// container), and an HLL that lost to a later list.
	tc := &Entry{Retain: true}
	tc.SetField(&d, KindSet, Dot{1, 1}, MakeTimestamp(2000, 0), []byte("m"), nil)
	var other Entry
	other.SetField(&d, KindHash, Dot{2, 1}, MakeTimestamp(1000, 0), []byte("f"), []byte("v"))
	tc.Apply(&d)
	var lst Entry
	lst.ListInsert(&d, Dot{3, 1}, MakeTimestamp(500, 0), 0, []byte("q"))
	tc.Apply(&d)
	p.AddElement([]byte("h"))
	var hh Entry
	hh.HLLWrite(&d, Dot{4, 1}, MakeTimestamp(400, 0), &p)
	tc.Apply(&d)
	out = append(out, tc)
	return out
}

// TestStateSeeds_RoundTripExactly: every seed decodes to exactly itself,
// and its seeds are what they claim (buffers, dormant containers).
func TestStateSeeds_RoundTripExactly(t *testing.T) {
	seeds := stateSeedEntries()
	var buffered, dormant bool
	for i, e := range seeds {
		enc := AppendEntryState(nil, e)
		got, n, err := DecodeEntryState(enc, DefaultDecodeLimits, e.Retain)
		if err != nil || n != len(enc) {
			t.Fatalf("seed %d: n=%d of %d, err=%v", i, n, len(enc), err)
		}
		if g, w := stateDigest(got, true), stateDigest(e, true); g != w || strings.Contains(w, "BROKEN") {
			t.Fatalf("seed %d decodes to\n%s\nwant\n%s", i, g, w)
		}
		if l := e.List(); l != nil && l.buf != nil && len(l.buf.waiting) > 0 && len(l.buf.early) > 0 {
			buffered = true
		}
		if len(e.dormant) > 0 {
			dormant = true
		}
	}
	if !buffered || !dormant {
		t.Fatalf("seeds lack a list buffer (%v) or a dormant container (%v)", buffered, dormant)
	}
}

// TestStateDecode_TruncatedFails: every proper prefix of every seed's
// encoding is refused with ErrCorrupt, never a panic.
func TestStateDecode_TruncatedFails(t *testing.T) {
	for i, e := range stateSeedEntries() {
		enc := AppendEntryState(nil, e)
		for k := 0; k < len(enc); k++ {
			cut := slices.Clone(enc[:k])
			if _, _, err := DecodeEntryState(cut, DefaultDecodeLimits, true); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("seed %d cut at %d of %d: err=%v", i, k, len(enc), err)
			}
		}
	}
}

// FuzzDecodeEntryState: DecodeEntryState never panics and never claims more
// bytes than it got; whatever it accepts re-encodes to a state that
// decodes again to the same digest, is internally consistent, and can be
// merged both ways with real states and read without panicking.
func FuzzDecodeEntryState(f *testing.F) {
	seeds := stateSeedEntries()
	for _, e := range seeds {
		f.Add(AppendEntryState(nil, e), e.Retain)
	}
	f.Add([]byte{}, false)
	f.Add([]byte{stateVersion}, true)
	f.Add([]byte{stateVersion, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, true)
	f.Fuzz(func(t *testing.T, b []byte, retain bool) {
		b = b[:len(b):len(b)]
		e, n, err := DecodeEntryState(b, DefaultDecodeLimits, retain)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("decode used %d of %d bytes", n, len(b))
		}
		want := stateDigest(e, true)
		if strings.Contains(want, "BROKEN") {
			t.Fatalf("accepted an inconsistent state:\n%s", want)
		}
		enc := AppendEntryState(nil, e)
		e2, n2, err := DecodeEntryState(enc, DefaultDecodeLimits, retain)
		if err != nil || n2 != len(enc) {
			t.Fatalf("re-encoding of an accepted state: n=%d of %d, err=%v\n%s", n2, len(enc), err, want)
		}
		if got := stateDigest(e2, true); got != want {
			t.Fatalf("re-encoding changed the state:\n%s\n%s", want, got)
		}
		// Usable as is: merged into an empty entry and into a real one,
		// and a real one merged into it, then read.
		m := &Entry{Retain: retain}
		m.Merge(e)
		seed := seeds[len(b)%len(seeds)].Clone()
		seed.Merge(e)
		e2.Merge(seeds[(len(b)+1)%len(seeds)])
		for _, x := range []*Entry{m, seed, e2} {
			if d := stateDigest(x, false); strings.Contains(d, "BROKEN") {
				t.Fatalf("merge made an inconsistent state:\n%s", d)
			}
			x.Value(nil)
			x.ZSet().Len()
			if h := x.HLL(); h != nil {
				h.Count()
			}
		}
		// Installed as is: local writes of its type, then a delete.
		var d Delta
		dot, ts := Dot{Replica: 63, Seq: 1 << 40}, tsAfter(e)
		next := func() { dot.Seq++; ts++ }
		switch e.Kind {
		case KindList:
			e.ListInsert(&d, dot, ts, 0, []byte("w"))
			next()
			if l := e.List(); l != nil && l.Len() > 1 {
				e.ListSet(&d, dot, ts, l.Len()-1, []byte("s"))
				next()
				e.ListRemove(&d, dot, ts, 0, 2)
				next()
			}
		case KindHash, KindSet, KindZSet:
			e.SetField(&d, e.Kind, dot, ts, []byte("f"), []byte("1"))
			next()
			e.IncrFieldFloat(&d, e.Kind, dot, ts, []byte("f"), DD{Hi: 1}, nil)
			next()
		case KindHLL:
			var p HLLPatch
			p.AddElement([]byte("w"))
			e.HLLWrite(&d, dot, ts, &p)
			next()
		default:
			e.SetString(&d, dot, ts, []byte("v"), false, 0)
			next()
		}
		e.Delete(&d, dot, ts)
		if dg := stateDigest(e, false); strings.Contains(dg, "BROKEN") {
			t.Fatalf("local writes made an inconsistent state:\n%s", dg)
		}
	})
}

// tsAfter is a timestamp after every one e holds, as the region's clock
// would give after observing the state.
func tsAfter(e *Entry) Timestamp { return e.MaxTimestamp() + 1 }
