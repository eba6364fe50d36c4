package core

import (
	"encoding/binary"
	"math"
)

// The full-state codec of a key: what replication's full sync streams so a
// region can join another's whole CRDT state into its own with Entry.Merge.
// A delta cannot carry it: multi-value registers' contexts, tombstones
// (dead fields, dead list elements), list elements' anchors and LSET
// stamps, buffered early list writes, an HLL's delete vector and the
// dormant data of types that lost a type conflict are state no single
// write describes.
//
// The encoding is exactly what Merge reads, and nothing local: not
// Entry.Access (this region's LRU clock), not caches (an HLL's cached
// cardinality, a list's id map and spare leaves, a sorted set's index:
// the decoder rebuilds what it needs). It keeps the list's leaf partition
// and each leaf's remove vector (CollectTombstones and Merge read them),
// so decode(encode(e)) holds exactly e's state, not merely an equivalent
// one; only memory layout differs (no caches yet, a compacted arena per
// leaf, an emptied list buffer dropped, HLL registers sparse while few).
//
// # Layout
//
// Integers are unsigned varints unless said otherwise; "zz" is a zigzag
// (signed) varint; u8 is one byte; bytes is a length then the bytes. Every
// timestamp (ts) is written as zz of its difference from the previous
// timestamp written in the same state (the first from 0): the stamps of one
// key are close, so most take 3-5 bytes rather than 9. A VV is n, then n ×
// (replica u8, seq), sorted by replica.
//
//	state    = version u8 (1) | entry
//	entry    = kind u8 | kindrep u8 | kindts ts | has u8 (1 fields, 2 object, 4 dormant) |
//	           register | exp | [fields] | [object] | [dormant]
//	register = base: ctx VV, n, n × (replica u8, ctx[replica]−seq zz, ts, value bytes, obs counters) |
//	           incs counters | rem counters
//	exp      = ctx VV, n, n × (replica u8, ctx[replica]−seq zz, ts, deadline zz)
//	counters = n, n × (replica u8, has u8 (1 inthi, 2 float, 4 floatlo), seq, int zz,
//	           [inthi zz], [float 8 bytes LE], [floatlo 8 bytes LE]), sorted by replica
//	fields   = kind u8 | n | n × (name bytes, register)        (tombstones included)
//	object   = kind u8 (5 list, 6 hll) | list or hll
//	list     = received VV | cleared VV | overflow | leaves n | n × leaf | buffer
//	leaf     = rm VV | nodes n (≥ 1) | n × node                (sequence order, tombstones included)
//	node     = flags u8 (1 dead, 2-4 anchor: 0 head, 2 the previous node, 4 explicit; 8 stamp) |
//	           replica u8 | seq − previous node's seq zz | ts | [anchor: replica u8, seq] |
//	           [stamp: ts, replica u8] | [value bytes, unless dead]
//	buffer   = groups n | n × (anchor: replica u8, seq | m (≥ 1) | m × waiting) |
//	           early n | n × (id: replica u8, seq | flags u8 (1 dead, 2 set) |
//	           [dead: rm replica u8, seq] | [set: ts, replica u8, value bytes])
//	waiting  = id replica u8, seq | ts | flags u8 (1 dead) | stamp ts, replica u8 | value bytes
//	hll      = del VV | live u8 (0 or 1) | registers bytes
//	dormant  = n (≥ 1) | n × entry                               (containers: no dormant of their own)
//
// The HLL's registers are an OpHLLAdd value (hll.go): empty, or a flags
// byte (1 dense hint, 2 packed) followed by (index u16 LE, value) triples or
// the packed 6-bit dense array, whichever is shorter. A dead HLL (not live)
// has none.

// stateVersion is the first byte of every state; a decoder refuses others.
const stateVersion = 1

// Flags of the state encoding.
const (
	stFields        = 1 << 0
	stObject        = 1 << 1
	stDormant       = 1 << 2
	stEntryKnown    = stFields | stObject | stDormant
	stCtrIntHi      = 1 << 0
	stCtrFloat      = 1 << 1
	stCtrFloatLo    = 1 << 2
	stCtrKnown      = stCtrIntHi | stCtrFloat | stCtrFloatLo
	stNodeDead      = 1 << 0
	stNodeAPrev     = 1 << 1 // anchored after the previous node of the stream
	stNodeAExplicit = 1 << 2 // anchor written out
	stNodeStamp     = 1 << 3
	stNodeKnown     = stNodeDead | stNodeAPrev | stNodeAExplicit | stNodeStamp
	stEarlyDead     = 1 << 0
	stEarlySet      = 1 << 1
)

// Smallest encodings, in bytes, of the repeated items: a count is refused
// when the rest of the input cannot hold that many, so a hostile count
// cannot make the decoder allocate more than the input justifies.
const (
	stMinBaseElem = 5  // replica, seq, ts, value length, obs count
	stMinExpElem  = 4  // replica, seq, ts, deadline
	stMinField    = 5  // name length, ctx, elems, incs, rem
	stMinLeaf     = 6  // rm, count, one node
	stMinNode     = 4  // flags, replica, seq, ts
	stMinGroup    = 10 // anchor, count, one waiting insert
	stMinWaiting  = 7  // id, ts, flags, stamp, value length
	stMinEarly    = 3  // id, flags
	stMinEntry    = 10 // a container: kind … exp
)

// AppendEntryState appends the binary encoding of e's whole CRDT state
// (the layout above) to dst and returns it. A nil e encodes as an empty
// entry.
func AppendEntryState(dst []byte, e *Entry) []byte {
	w := stateEncoder{b: append(dst, stateVersion)}
	if e == nil {
		e = &Entry{}
	}
	w.entry(e.General(), false)
	return w.b
}

type stateEncoder struct {
	b  []byte
	ts Timestamp // the previous timestamp written
}

func (w *stateEncoder) uv(v uint64) { w.b = binary.AppendUvarint(w.b, v) }

func (w *stateEncoder) zz(v int64) { w.b = binary.AppendVarint(w.b, v) }

func (w *stateEncoder) stamp(t Timestamp) {
	w.zz(int64(uint64(t) - uint64(w.ts)))
	w.ts = t
}

func (w *stateEncoder) bytes(p []byte) {
	w.uv(uint64(len(p)))
	w.b = append(w.b, p...)
}

func (w *stateEncoder) dot(d Dot) {
	w.b = append(w.b, byte(d.Replica))
	w.uv(d.Seq)
}

// elemDot writes an element's dot relative to its register's context: the
// element is almost always its replica's latest write, so the difference
// is 0, one byte.
func (w *stateEncoder) elemDot(ctx VV, d Dot) {
	w.b = append(w.b, byte(d.Replica))
	w.zz(int64(ctx.Get(d.Replica) - d.Seq))
}

func (w *stateEncoder) counters(cs Counters) {
	w.uv(uint64(len(cs)))
	for _, c := range cs {
		var has byte
		if c.IntHi != 0 {
			has |= stCtrIntHi
		}
		if math.Float64bits(c.Float) != 0 {
			has |= stCtrFloat
		}
		if math.Float64bits(c.FloatLo) != 0 {
			has |= stCtrFloatLo
		}
		w.b = append(w.b, byte(c.Replica), has)
		w.uv(c.Seq)
		w.zz(c.Int)
		if has&stCtrIntHi != 0 {
			w.zz(c.IntHi)
		}
		if has&stCtrFloat != 0 {
			w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(c.Float))
		}
		if has&stCtrFloatLo != 0 {
			w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(c.FloatLo))
		}
	}
}

func (w *stateEncoder) register(r *Register) {
	w.b = appendVV(w.b, r.Base.Ctx)
	w.uv(uint64(len(r.Base.Elems)))
	for i := range r.Base.Elems {
		el := &r.Base.Elems[i]
		w.elemDot(r.Base.Ctx, el.Dot)
		w.stamp(el.TS)
		w.bytes(el.V.Value)
		w.counters(el.V.Obs)
	}
	w.counters(r.Incs)
	w.counters(r.Rem)
}

// entry writes e; a dormant container (inner) has no containers of its own.
func (w *stateEncoder) entry(e *Entry, inner bool) {
	var has byte
	if e.Fields != nil {
		has |= stFields
	}
	// Lists and HLLs are the only Objects; a new kind must add its
	// encoding here and to the decoder.
	l, _ := e.Obj.(*List)
	h, _ := e.Obj.(*HLL)
	if l != nil || h != nil {
		has |= stObject
	}
	if len(e.dormant) > 0 && !inner {
		has |= stDormant
	}
	w.b = append(w.b, byte(e.Kind), byte(e.KindRep))
	w.stamp(e.KindTS)
	w.b = append(w.b, has)
	w.register(&e.Register)
	w.b = appendVV(w.b, e.Exp.Ctx)
	w.uv(uint64(len(e.Exp.Elems)))
	for i := range e.Exp.Elems {
		el := &e.Exp.Elems[i]
		w.elemDot(e.Exp.Ctx, el.Dot)
		w.stamp(el.TS)
		w.zz(int64(el.V))
	}
	if has&stFields != 0 {
		f := e.Fields
		w.b = append(w.b, byte(f.kind))
		w.uv(uint64(len(f.M)))
		for name, r := range f.M {
			w.uv(uint64(len(name)))
			w.b = append(w.b, name...)
			w.register(r)
		}
	}
	switch {
	case l != nil:
		w.b = append(w.b, byte(KindList))
		w.list(l)
	case h != nil:
		w.b = append(w.b, byte(KindHLL))
		w.hll(h)
	}
	if has&stDormant != 0 {
		w.uv(uint64(len(e.dormant)))
		for _, c := range e.dormant {
			w.entry(c, true)
		}
	}
}

func (w *stateEncoder) list(l *List) {
	w.b = appendVV(w.b, l.received)
	w.b = appendVV(w.b, l.cleared)
	w.uv(l.Overflow)
	leaves := 0
	for s := l.lo; s < l.hi; s++ {
		if len(l.slots[s].nodes) > 0 {
			leaves++
		}
	}
	w.uv(uint64(leaves))
	var prev Dot // the previous node written (Seq 0: none yet)
	for s := l.lo; s < l.hi; s++ {
		lf := l.slots[s]
		if len(lf.nodes) == 0 {
			continue
		}
		w.b = appendVV(w.b, lf.rm)
		w.uv(uint64(len(lf.nodes)))
		for i := range lf.nodes {
			n := &lf.nodes[i]
			id, a := n.id(), n.anchor()
			var flags byte
			if n.dead {
				flags |= stNodeDead
			}
			switch {
			case a == Dot{}:
			case prev.Seq != 0 && a == prev:
				flags |= stNodeAPrev
			default:
				flags |= stNodeAExplicit
			}
			vs, stamped := l.stamps[id]
			if stamped {
				flags |= stNodeStamp
			}
			w.b = append(w.b, flags, byte(n.rep))
			w.zz(int64(n.seq - prev.Seq))
			w.stamp(n.ts)
			if flags&stNodeAExplicit != 0 {
				w.dot(a)
			}
			if stamped {
				w.stamp(vs.ts)
				w.b = append(w.b, byte(vs.rep))
			}
			if !n.dead {
				w.bytes(lf.value(i))
			}
			prev = id
		}
	}
	b := l.buf
	if b == nil {
		w.uv(0)
		w.uv(0)
		return
	}
	w.uv(uint64(len(b.waiting)))
	for a, ws := range b.waiting {
		w.dot(a)
		w.uv(uint64(len(ws)))
		for k := range ws {
			p := &ws[k]
			w.dot(p.id)
			w.stamp(p.ts)
			var flags byte
			if p.dead {
				flags |= stEarlyDead
			}
			w.b = append(w.b, flags)
			w.stamp(p.vs.ts)
			w.b = append(w.b, byte(p.vs.rep))
			w.bytes(p.value)
		}
	}
	w.uv(uint64(len(b.early)))
	for id, eo := range b.early {
		w.dot(id)
		var flags byte
		if eo.dead {
			flags |= stEarlyDead
		}
		if eo.set {
			flags |= stEarlySet
		}
		w.b = append(w.b, flags)
		if eo.dead {
			w.dot(eo.rm)
		}
		if eo.set {
			w.stamp(eo.vs.ts)
			w.b = append(w.b, byte(eo.vs.rep))
			w.bytes(eo.value)
		}
	}
}

// hll writes an HLL's D, liveness and registers, the registers as an
// OpHLLAdd value (pairs or packed, whichever is shorter).
func (w *stateEncoder) hll(h *HLL) {
	w.b = appendVV(w.b, h.del)
	if !h.live {
		w.b = append(w.b, 0, 0) // dead: no registers
		return
	}
	w.b = append(w.b, 1)
	n := 0
	h.each(func(int, uint8) { n++ })
	var flags byte
	if h.denseHint {
		flags |= hllFlagDenseHint
	}
	switch {
	case n == 0 && flags == 0:
		w.uv(0)
	case 3*n > hllDenseSize:
		w.uv(1 + hllDenseSize)
		w.b = append(w.b, flags|hllFlagPacked)
		if h.dense != nil {
			w.b = append(w.b, h.dense[hllHdrSize:hllHdrSize+hllDenseSize]...)
			return
		}
		start := len(w.b)
		w.b = append(w.b, make([]byte, hllDenseSize)...)
		r := w.b[start:]
		h.each(func(i int, v uint8) { denseSet(r, i, v) })
	default:
		w.uv(uint64(1 + 3*n))
		w.b = append(w.b, flags)
		h.each(func(i int, v uint8) { w.b = append(w.b, byte(i), byte(i>>8), v) })
	}
}

// DecodeEntryState decodes one state written by AppendEntryState from the
// start of b and returns the entry (new, with Retain set to retain, sharing
// no memory with b: ready to be merged into another or installed as is)
// and the number of bytes it used. It checks every length against lim
// (values and field names against MaxValue) and every count against what
// the rest of b can hold before allocating, refuses what no reachable
// state holds where keeping it could break an invariant later code relies
// on (unknown kinds and flags, unsorted vectors and counters, replica ids
// past MaxReplicas, list element id 0, duplicate list elements, waiting
// inserts or fields, a dormant container without a type or two of one
// type), never panics, and wraps ErrCorrupt in every error. Anything else
// is taken as it is: a full sync must not fail on a state the origin
// holds.
func DecodeEntryState(b []byte, lim DecodeLimits, retain bool) (*Entry, int, error) {
	r := stateDecoder{decoder: decoder{b: b}, lim: lim, retain: retain}
	if v := r.byte1("state version"); r.err == nil && v != stateVersion {
		r.fail("state version")
	}
	e := r.entry(false)
	if r.err != nil {
		return nil, 0, r.err
	}
	return e, r.off, nil
}

type stateDecoder struct {
	decoder
	lim    DecodeLimits
	retain bool
	ts     Timestamp // the previous timestamp read
}

// count reads a count of items of at least min bytes each.
func (r *stateDecoder) count(min int, what string) int {
	n := r.uvarint(what)
	if r.err != nil {
		return 0
	}
	if n > uint64(len(r.b)-r.off)/uint64(min) {
		r.fail(what)
		return 0
	}
	return int(n)
}

func (r *stateDecoder) stamp(what string) Timestamp {
	d := r.varint(what)
	r.ts = Timestamp(uint64(r.ts) + uint64(d))
	return r.ts
}

// value reads bytes into memory of their own (nil when empty).
func (r *stateDecoder) value(what string) []byte {
	v := r.bytes(r.lim.MaxValue, what)
	if r.err != nil || len(v) == 0 {
		return nil
	}
	return append([]byte(nil), v...)
}

func (r *stateDecoder) dot(what string) Dot {
	return Dot{Replica: r.replica(what), Seq: r.uvarint(what)}
}

func (r *stateDecoder) elemDot(ctx VV, what string) Dot {
	rep := r.replica(what)
	d := r.varint(what)
	return Dot{Replica: rep, Seq: ctx.Get(rep) - uint64(d)}
}

func (r *stateDecoder) f64(what string) float64 {
	if r.err != nil {
		return 0
	}
	if len(r.b)-r.off < 8 {
		r.fail(what)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.off:]))
	r.off += 8
	return v
}

func (r *stateDecoder) counters(what string) Counters {
	n := r.uvarint(what)
	if n > MaxReplicas {
		r.fail(what)
	}
	var cs Counters
	for i := uint64(0); i < n && r.err == nil; i++ {
		c := Counter{Replica: r.replica(what)}
		has := r.byte1(what)
		if has&^stCtrKnown != 0 {
			r.fail(what)
		}
		c.Seq = r.uvarint(what)
		c.Int = r.varint(what)
		if has&stCtrIntHi != 0 {
			c.IntHi = r.varint(what)
		}
		if has&stCtrFloat != 0 {
			c.Float = r.f64(what)
		}
		if has&stCtrFloatLo != 0 {
			c.FloatLo = r.f64(what)
		}
		if len(cs) > 0 && cs[len(cs)-1].Replica >= c.Replica {
			r.fail(what + " order")
		}
		cs = append(cs, c)
	}
	return cs
}

func (r *stateDecoder) register(reg *Register) {
	reg.Base.Ctx = r.vv(nil, "base ctx")
	n := r.count(stMinBaseElem, "base elems")
	if n > 0 {
		reg.Base.Elems = make([]Elem[BaseValue], 0, n)
	}
	for i := 0; i < n && r.err == nil; i++ {
		el := Elem[BaseValue]{Dot: r.elemDot(reg.Base.Ctx, "base dot"), TS: r.stamp("base ts")}
		el.V.Value = r.value("base value")
		el.V.Obs = r.counters("obs")
		reg.Base.Elems = append(reg.Base.Elems, el)
	}
	reg.Incs = r.counters("incs")
	reg.Rem = r.counters("rem")
}

func (r *stateDecoder) entry(inner bool) *Entry {
	e := &Entry{Retain: r.retain, body: &body{}}
	e.Kind = Kind(r.byte1("kind"))
	if e.Kind > kindLast {
		r.fail("kind")
	}
	e.KindRep = r.replica("kindrep")
	e.KindTS = r.stamp("kindts")
	has := r.byte1("entry flags")
	if has&^stEntryKnown != 0 || (inner && has&stDormant != 0) {
		r.fail("entry flags")
	}
	r.register(&e.Register)
	e.Exp.Ctx = r.vv(nil, "exp ctx")
	n := r.count(stMinExpElem, "exp elems")
	if n > 0 {
		e.Exp.Elems = make([]Elem[Deadline], 0, n)
	}
	for i := 0; i < n && r.err == nil; i++ {
		el := Elem[Deadline]{Dot: r.elemDot(e.Exp.Ctx, "exp dot"), TS: r.stamp("exp ts")}
		el.V = Deadline(r.varint("deadline"))
		e.Exp.Elems = append(e.Exp.Elems, el)
	}
	if has&stFields != 0 {
		e.Fields = r.fields()
	}
	if has&stObject != 0 {
		e.Obj = r.object()
	}
	if has&stDormant != 0 {
		n := r.count(stMinEntry, "dormant")
		if n == 0 || n > int(kindLast) {
			r.fail("dormant")
		}
		for i := 0; i < n && r.err == nil; i++ {
			c := r.entry(true)
			if r.err != nil {
				break
			}
			if c.Kind == KindNone {
				r.fail("dormant kind")
			}
			for _, x := range e.dormant {
				if x.Kind == c.Kind {
					r.fail("dormant kind")
				}
			}
			e.dormant = append(e.dormant, c)
		}
	}
	return e
}

func (r *stateDecoder) fields() *Fields {
	k := Kind(r.byte1("fields kind"))
	if !k.HasFields() {
		r.fail("fields kind")
	}
	n := r.count(stMinField, "fields")
	f := &Fields{M: make(map[string]*Register, n), kind: k}
	for i := 0; i < n && r.err == nil; i++ {
		name := r.bytes(r.lim.MaxValue, "field name")
		reg := &Register{}
		r.register(reg)
		if r.err != nil {
			break
		}
		if _, dup := f.M[string(name)]; dup {
			r.fail("duplicate field")
			break
		}
		f.M[string(name)] = reg
		if reg.Live() {
			f.live++
		}
	}
	if r.err == nil && k == KindZSet {
		f.zbuild()
	}
	return f
}

func (r *stateDecoder) object() Object {
	switch Kind(r.byte1("object kind")) {
	case KindList:
		return r.list()
	case KindHLL:
		return r.hll()
	}
	r.fail("object kind")
	return nil
}

func (r *stateDecoder) list() *List {
	l := &List{}
	l.received = r.vv(nil, "received")
	l.cleared = r.vv(nil, "cleared")
	l.Overflow = r.uvarint("overflow")
	nleaves := r.count(stMinLeaf, "leaves")
	if nleaves > 0 {
		// Laid out as relayout does: centred, room at both ends.
		c := max(8, 2*nleaves)
		l.slots = make([]*leaf, c)
		l.fw = make([]int, c)
		l.lo = (c - nleaves) / 2
		l.hi = l.lo
		l.ids = make(map[Dot]*leaf)
	}
	var prev Dot
	for i := 0; i < nleaves && r.err == nil; i++ {
		lf := &leaf{slot: l.hi}
		lf.rm = r.vv(nil, "leaf rm")
		n := r.count(stMinNode, "leaf nodes")
		if n == 0 {
			r.fail("leaf nodes")
		}
		lf.nodes = make([]lnode, 0, n)
		for j := 0; j < n && r.err == nil; j++ {
			flags := r.byte1("node flags")
			if flags&^stNodeKnown != 0 || flags&(stNodeAPrev|stNodeAExplicit) == stNodeAPrev|stNodeAExplicit ||
				(flags&stNodeAPrev != 0 && prev.Seq == 0) {
				r.fail("node flags")
			}
			nd := lnode{rep: r.replica("node id")}
			nd.seq = prev.Seq + uint64(r.varint("node id"))
			nd.ts = r.stamp("node ts")
			switch {
			case flags&stNodeAPrev != 0:
				nd.arep, nd.aseq = prev.Replica, prev.Seq
			case flags&stNodeAExplicit != 0:
				a := r.dot("node anchor")
				nd.arep, nd.aseq = a.Replica, a.Seq
			}
			var vs vstamp
			if flags&stNodeStamp != 0 {
				vs.ts = r.stamp("node stamp")
				vs.rep = r.replica("node stamp")
			}
			id := nd.id()
			if r.err == nil && (id.Seq == 0 || l.ids[id] != nil) {
				r.fail("node id")
			}
			if flags&stNodeDead != 0 {
				nd.dead = true
			} else {
				v := r.bytes(r.lim.MaxValue, "node value")
				if uint64(len(v)) > math.MaxUint32 {
					r.fail("node value")
				}
				nd.off, nd.ln = uint64(len(lf.data)), uint32(len(v))
				lf.data = append(lf.data, v...)
				lf.used += len(v)
				lf.live++
			}
			if r.err != nil {
				break
			}
			l.ids[id] = lf
			if flags&stNodeStamp != 0 {
				l.stamp(id, vs)
			}
			lf.nodes = append(lf.nodes, nd)
			prev = id
		}
		l.slots[l.hi] = lf
		l.hi++
		l.live += lf.live
	}
	if r.err == nil && nleaves > 0 {
		l.fwBuild()
	}
	r.listBuffer(l)
	return l
}

func (r *stateDecoder) listBuffer(l *List) {
	b := &listBuffer{waiting: map[Dot][]pendIns{}, where: map[Dot]Dot{}, early: map[Dot]*earlyOp{}}
	groups := r.count(stMinGroup, "waiting")
	for g := 0; g < groups && r.err == nil; g++ {
		a := r.dot("waiting anchor")
		m := r.count(stMinWaiting, "waiting")
		if _, dup := b.waiting[a]; dup || m == 0 {
			r.fail("waiting")
		}
		ws := make([]pendIns, 0, m)
		for k := 0; k < m && r.err == nil; k++ {
			p := pendIns{anchor: a, id: r.dot("waiting id")}
			p.ts = r.stamp("waiting ts")
			flags := r.byte1("waiting flags")
			if flags&^stEarlyDead != 0 {
				r.fail("waiting flags")
			}
			p.dead = flags&stEarlyDead != 0
			p.vs.ts = r.stamp("waiting stamp")
			p.vs.rep = r.replica("waiting stamp")
			p.value = r.value("waiting value")
			if r.err != nil {
				break
			}
			if _, dup := b.where[p.id]; dup || l.ids[p.id] != nil {
				r.fail("waiting id")
				break
			}
			b.where[p.id] = a
			b.n++
			b.bytes += len(p.value)
			ws = append(ws, p)
		}
		b.waiting[a] = ws
	}
	early := r.count(stMinEarly, "early")
	for k := 0; k < early && r.err == nil; k++ {
		id := r.dot("early id")
		flags := r.byte1("early flags")
		if flags&^(stEarlyDead|stEarlySet) != 0 {
			r.fail("early flags")
		}
		eo := &earlyOp{dead: flags&stEarlyDead != 0, set: flags&stEarlySet != 0}
		if eo.dead {
			eo.rm = r.dot("early rm")
		}
		if eo.set {
			eo.vs.ts = r.stamp("early stamp")
			eo.vs.rep = r.replica("early stamp")
			eo.value = r.value("early value")
		}
		if _, dup := b.early[id]; dup {
			r.fail("early id")
		}
		b.early[id] = eo
		b.n++
		b.bytes += len(eo.value)
	}
	if r.err == nil && b.n > 0 {
		l.buf = b
	}
}

func (r *stateDecoder) hll() *HLL {
	h := &HLL{}
	h.del = r.vv(nil, "hll del")
	live := r.byte1("hll live")
	if live > 1 {
		r.fail("hll live")
	}
	h.live = live == 1
	v := r.bytes(1+hllDenseSize, "hll registers")
	if r.err != nil {
		return h
	}
	flags, payload, ok := parseHLLValue(v)
	if !ok || (!h.live && len(v) > 0) {
		r.fail("hll registers")
		return h
	}
	h.denseHint = flags&hllFlagDenseHint != 0
	if flags&hllFlagPacked != 0 {
		h.dense = make([]byte, hllHdrSize+hllDenseSize)
		copy(h.dense, "HYLL")
		copy(h.dense[hllHdrSize:], payload)
	} else {
		hllEachValue(flags, payload, func(i int, v uint8) bool { return h.raise(i, v) })
	}
	if h.live {
		h.invalidate() // the cached cardinality is local: recomputed on demand
	}
	return h
}

// MaxTimestamp is the largest HLC timestamp e's state holds: type stamps,
// base and expiry writes (its fields' too), list elements, their LSET
// stamps and buffered writes, and the same in dormant containers. A region
// that merges or installs a state received by full sync must have its
// clock observe it (Clock.Observe), as it observes a delta's timestamp, so
// its later local writes order after every write the state holds. (The
// key's type stamp alone is not enough: an LPUSH stamped before the list's
// elements would be placed after them, as the RGA rule skips elements with
// later keys, and a local write of a type stamped before the key's type
// would not win it.)
func (e *Entry) MaxTimestamp() Timestamp {
	if e.body == nil {
		return max(e.pTS, e.pKindTS)
	}
	m := e.KindTS
	up := func(t Timestamp) {
		if t > m {
			m = t
		}
	}
	reg := func(r *Register) {
		for i := range r.Base.Elems {
			up(r.Base.Elems[i].TS)
		}
	}
	reg(&e.Register)
	for i := range e.Exp.Elems {
		up(e.Exp.Elems[i].TS)
	}
	if e.Fields != nil {
		for _, r := range e.Fields.M {
			reg(r)
		}
	}
	if l, _ := e.Obj.(*List); l != nil {
		for s := l.lo; s < l.hi; s++ {
			for i := range l.slots[s].nodes {
				up(l.slots[s].nodes[i].ts)
			}
		}
		for _, vs := range l.stamps {
			up(vs.ts)
		}
		if b := l.buf; b != nil {
			for _, ws := range b.waiting {
				for k := range ws {
					up(ws[k].ts)
					up(ws[k].vs.ts)
				}
			}
			for _, eo := range b.early {
				up(eo.vs.ts)
			}
		}
	}
	for _, c := range e.dormant {
		up(c.MaxTimestamp())
	}
	return m
}
