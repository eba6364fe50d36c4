package core

import (
	"math/bits"
	"slices"
)

// List is the state of a list key: a replicated growable array (RGA),
// SEMANTICS.md section 5. Owning shard only.
//
// # Model
//
// Every element has a unique id, the dot of the write that inserted it, and
// an order key, that write's HLC timestamp (ties, which only two regions can
// produce, go by replica id then sequence). An insert names the element it
// goes after (its anchor, Delta.Refs[0]) or none (the head). Its place is
// found by the RGA rule: start right after the anchor and skip every element
// whose order key is larger than the new one's. Because HLC timestamps grow
// along causality (a region stamps a write after everything it has seen),
// the elements skipped are exactly the concurrent inserts at the same place
// with a larger key and everything inserted after them, so every region
// builds the same sequence whatever the delivery order: concurrent inserts
// at one place come out larger key first. A local insert has the largest
// key the region has seen, so it lands right after its anchor, where the
// user asked.
//
// Removes (LPOP, RPOP, LREM, LTRIM) name the removed elements' ids; DEL
// names a version vector instead (Delta.Ctx): every element whose id it
// covers goes, i.e. exactly what the deleting region had received, so an
// element pushed concurrently survives (SEMANTICS.md: "[x]; A: LPUSH L y,
// B: DEL L → [y]"). The vector is kept (cleared) so an element it covers
// that arrives later is born removed. LSET is an LWW write of one element's
// value (HLC timestamp, ties to the smaller replica id); a removed element
// stays removed whatever LSET wrote concurrently.
//
// A removed element stays in the sequence as a tombstone while the key's
// Retain is set (the region has peers): a concurrent insert may name it as
// anchor, and a late remove or LSET must find it. Without peers every write
// is local, and a local write only ever names live elements or the head, so
// removed elements are dropped at once. A dropped anchor is recognised (its
// dot is covered by received) and, since that cannot happen with peers, such
// an insert goes to the head, the one place every region can agree on.
//
// # Delivery
//
// Deltas of one origin arrive in order, so received (the highest sequence of
// each origin's list writes seen) tells duplicates apart: a delta it covers
// has been applied or buffered already and is ignored. Across origins the
// order is free, which gives three cases that name an element not here yet
// (region A writes after an element made by C that this region has not
// received):
//   - an insert whose anchor is missing waits in a buffer keyed by the
//     anchor's id, and is placed, with everything waiting on it in turn, the
//     moment the anchor is placed;
//   - a remove or LSET of a missing element is remembered by the element's
//     id (early) and applied when the insert arrives (or to the waiting
//     insert, if it waits);
//   - a DEL's vector covering elements not here yet: cleared handles it.
//
// The buffer is bounded (maxListBuffered entries, maxListBufferedBytes of
// values): a peer that makes one list hold more is broken or hostile; its
// writes past the bound are dropped and counted in Overflow, and a full sync
// repairs the list. Choosing to buffer rather than ship anchors' history with
// every insert keeps the common delta small (one ref) and costs nothing
// unless deliveries actually cross.
//
// # Layout
//
// Elements live in leaves of at most leafNodes entries (a fixed 40-byte
// record: id, order key, anchor, value offset and length, flags) whose
// values share one byte arena per leaf, like Redis's quicklist of listpacks.
// Leaves sit in a slice with free room at both ends (pushes at either end
// are amortised O(1)) and a Fenwick tree over the leaves' live counts finds
// the leaf of the k-th live element in O(log n), so LINDEX, LSET and
// LRANGE start..stop never walk from the head. The id → leaf map that
// remote writes need is built the first time a remote write arrives: a
// region without peers never pays for it.
//
// Values returned by reads alias the arenas: they stay valid until the next
// write to the list (a removal leaves the bytes in place, so a popped value
// can still be replied after the pop).
type List struct {
	slots  []*leaf // leaves in order in slots[lo:hi]; nil outside
	alt    []*leaf // second slot array, reused when the slots are laid out anew
	lo, hi int
	fw     []int // Fenwick tree over slots' live counts
	live   int
	spare  *leaf  // an emptied leaf kept for reuse
	spareB []byte // a second arena, reused when a leaf is compacted

	// received holds, per origin, the highest sequence of the list writes
	// received (applied or buffered): deltas of one origin arrive in order,
	// so a delta it covers is a duplicate.
	received VV
	// cleared joins the vectors of every DEL applied: an element it covers
	// is removed, even one that arrives after the DEL.
	cleared VV
	// ids maps each element's id to its leaf; nil until a remote write
	// needs it, then kept up to date.
	ids map[Dot]*leaf
	// stamps holds the LWW stamp of values written by LSET (an element
	// without one has its insert's stamp).
	stamps map[Dot]vstamp
	// buf holds writes that name elements not received yet; nil when empty.
	buf *listBuffer
	// Overflow counts remote writes dropped because buf was full.
	Overflow uint64
}

func init() {
	objectKinds[KindList] = func() Object { return &List{} }
}

// Tuning and bounds.
const (
	leafNodes = 64       // elements (tombstones included) per leaf
	leafBytes = 4 << 10  // a leaf takes no new value past this many value bytes
	leafKeep  = 64 << 10 // arenas larger than this are not kept for reuse
	// MaxListRefs bounds the element ids one remove delta names; a larger
	// removal is shipped as several deltas (the decoder's MaxRefs is far
	// above, and a peer's batch stays small).
	MaxListRefs          = 4096
	maxListBuffered      = 1 << 16
	maxListBufferedBytes = 64 << 20
)

// lnode is one element (live or tombstone).
type lnode struct {
	seq  uint64    // id = (rep, seq)
	ts   Timestamp // order key, with rep and seq
	aseq uint64    // anchor = (arep, aseq); aseq 0: the head
	off  uint64    // value = leaf.data[off : off+ln]
	ln   uint32
	rep  ReplicaID
	arep ReplicaID
	dead bool
}

func (n *lnode) id() Dot     { return Dot{Replica: n.rep, Seq: n.seq} }
func (n *lnode) anchor() Dot { return Dot{Replica: n.arep, Seq: n.aseq} }

// leaf is a run of consecutive elements and the arena of their values.
type leaf struct {
	slot  int // index in List.slots
	live  int
	used  int // bytes of data that live values use (the rest is garbage)
	nodes []lnode
	data  []byte
	// rm joins the dots of the removes that made this leaf's tombstones,
	// for CollectTombstones.
	rm VV
}

func (lf *leaf) value(i int) []byte {
	n := &lf.nodes[i]
	return lf.data[n.off : n.off+uint64(n.ln) : n.off+uint64(n.ln)]
}

// find returns the index of element id in lf, or -1.
func (lf *leaf) find(id Dot) int {
	for i := range lf.nodes {
		if lf.nodes[i].seq == id.Seq && lf.nodes[i].rep == id.Replica {
			return i
		}
	}
	return -1
}

// vstamp is the LWW stamp of a value.
type vstamp struct {
	ts  Timestamp
	rep ReplicaID
}

// listBuffer holds the writes that name elements not received yet.
type listBuffer struct {
	waiting map[Dot][]pendIns // inserts by their missing anchor
	where   map[Dot]Dot       // waiting insert id → its anchor
	early   map[Dot]*earlyOp  // removes and LSETs of elements not received
	n       int
	bytes   int
}

// pendIns is an insert waiting for its anchor, with what later writes did
// to it meanwhile.
type pendIns struct {
	id, anchor Dot
	ts         Timestamp
	vs         vstamp
	dead       bool
	value      []byte
}

// earlyOp is what removes and LSETs did to an element before it arrived.
type earlyOp struct {
	dead  bool
	rm    Dot
	set   bool
	vs    vstamp
	value []byte
}

// orderedBefore reports whether element a precedes element b when both were
// inserted at the same place: the larger order key first.
func orderedBefore(ta Timestamp, ra ReplicaID, sa uint64, tb Timestamp, rb ReplicaID, sb uint64) bool {
	if ta != tb {
		return ta > tb
	}
	if ra != rb {
		return ra > rb
	}
	return sa > sb
}

// ---- reads

// Len is the number of live elements.
func (l *List) Len() int { return l.live }

// Live reports whether the list shows any element.
func (l *List) Live() bool { return l.live > 0 }

// Bytes is the total size of the live values (for OBJECT ENCODING's choice
// between listpack and quicklist, and memory figures).
func (l *List) Bytes() int {
	n := 0
	for s := l.lo; s < l.hi; s++ {
		n += l.slots[s].used
	}
	return n
}

// Index returns live element k (0 ≤ k < Len).
func (l *List) Index(k int) []byte {
	lf, i := l.at(k)
	return lf.value(i)
}

// Range calls fn with n live elements from index start forward (fewer if
// the list ends), until fn returns false.
func (l *List) Range(start, n int, fn func(v []byte) bool) {
	if start < 0 || start >= l.live || n <= 0 {
		return
	}
	lf, i := l.at(start)
	for lf != nil {
		for ; i < len(lf.nodes); i++ {
			if lf.nodes[i].dead {
				continue
			}
			if !fn(lf.value(i)) {
				return
			}
			if n--; n == 0 {
				return
			}
		}
		lf, i = l.next(lf), 0
	}
}

// RangeRev calls fn with n live elements from index start backward, until
// fn returns false.
func (l *List) RangeRev(start, n int, fn func(v []byte) bool) {
	if start < 0 || start >= l.live || n <= 0 {
		return
	}
	lf, i := l.at(start)
	for lf != nil {
		for ; i >= 0; i-- {
			if lf.nodes[i].dead {
				continue
			}
			if !fn(lf.value(i)) {
				return
			}
			if n--; n == 0 {
				return
			}
		}
		if lf = l.prev(lf); lf != nil {
			i = len(lf.nodes) - 1
		}
	}
}

// Nodes calls fn for every element in sequence order, tombstones included
// (digests and tests).
func (l *List) Nodes(fn func(id Dot, v []byte, dead bool) bool) {
	for s := l.lo; s < l.hi; s++ {
		lf := l.slots[s]
		for i := range lf.nodes {
			n := &lf.nodes[i]
			if !fn(n.id(), lf.value(i), n.dead) {
				return
			}
		}
	}
}

// Pending is the number of writes buffered for elements not received yet.
func (l *List) Pending() int {
	if l.buf == nil {
		return 0
	}
	return l.buf.n
}

// ---- local writes (Entry methods: they stamp the key's kind)

// List returns the key's list, or nil.
func (e *Entry) List() *List {
	if e.body == nil {
		return nil
	}
	l, _ := e.Obj.(*List)
	return l
}

// listFor stamps d as a list write (d.Dot and d.TS set) and returns the
// list it applies to, creating it: the key's, or, when the key is not a
// list (absent, its data removed), the list data it keeps invisible, whose
// elements and vectors the write must carry on from. The caller settles
// the key's type after the write (a push on an absent key, stamped now,
// makes it a list).
func (e *Entry) listFor(d *Delta) *List {
	e.stamp(d, KindList)
	return e.listIn(e.target(KindList, d.KindRep, d.KindTS))
}

// listIn returns the list held by part c, creating it.
func (e *Entry) listIn(c *Entry) *List {
	l, _ := c.Obj.(*List)
	if l == nil {
		l = &List{}
		c.Obj = l
	}
	return l
}

// ListInsert inserts value so that it becomes live element at
// (0 ≤ at ≤ Len): LPUSH is at 0, RPUSH at Len, LINSERT BEFORE at the
// pivot's index, AFTER one past it. The anchor is the live element before
// (or the head).
func (e *Entry) ListInsert(d *Delta, dot Dot, ts Timestamp, at int, value []byte) {
	e.open()
	d.reset(OpListInsert, dot, ts)
	l := e.listFor(d)
	d.Value = value
	l.received.Add(dot)
	var lf *leaf
	i := 0
	if at > 0 && l.live > 0 {
		if at > l.live {
			at = l.live
		}
		lf, i = l.at(at - 1)
		d.Refs = append(d.Refs, lf.nodes[i].id())
		i++
	} else {
		lf = l.first()
	}
	lf, i = l.skip(lf, i, ts, dot.Replica, dot.Seq)
	a := Dot{}
	if len(d.Refs) > 0 {
		a = d.Refs[0]
	}
	l.put(lf, i, lnode{seq: dot.Seq, rep: dot.Replica, ts: ts, aseq: a.Seq, arep: a.Replica}, value)
	e.settle()
}

// ListRemove removes the n live elements from index at (n ≤ MaxListRefs;
// the caller ships larger removals as several deltas). Their values stay
// readable until the next write to the list.
func (e *Entry) ListRemove(d *Delta, dot Dot, ts Timestamp, at, n int) {
	e.open()
	d.reset(OpListRemove, dot, ts)
	l := e.listFor(d)
	l.received.Add(dot)
	if at < 0 {
		n, at = n+at, 0
	}
	if at+n > l.live {
		n = l.live - at
	}
	// From the end backward: a removal then moves nothing it has not passed.
	for k := at + n - 1; k >= at; k-- {
		lf, i := l.at(k)
		d.Refs = append(d.Refs, lf.nodes[i].id())
		l.kill(lf, i, e.Retain, dot)
	}
	slices.Reverse(d.Refs)
	e.settle()
}

// ListRemoveAt removes the live elements at the given indexes (ascending,
// distinct, at most MaxListRefs).
func (e *Entry) ListRemoveAt(d *Delta, dot Dot, ts Timestamp, idx []int) {
	e.open()
	d.reset(OpListRemove, dot, ts)
	l := e.listFor(d)
	l.received.Add(dot)
	for j := len(idx) - 1; j >= 0; j-- {
		if k := idx[j]; k >= 0 && k < l.live {
			lf, i := l.at(k)
			d.Refs = append(d.Refs, lf.nodes[i].id())
			l.kill(lf, i, e.Retain, dot)
		}
	}
	slices.Reverse(d.Refs)
	e.settle()
}

// ListSet writes value into live element at (LSET): an LWW write.
func (e *Entry) ListSet(d *Delta, dot Dot, ts Timestamp, at int, value []byte) {
	e.open()
	d.reset(OpListSet, dot, ts)
	l := e.listFor(d)
	l.received.Add(dot)
	lf, i := l.at(at)
	d.Refs = append(d.Refs, lf.nodes[i].id())
	d.Value = value
	l.setValue(lf, i, vstamp{ts, dot.Replica}, value)
	e.settle()
}

// ListClear removes every element this region has received (DEL, and
// LTRIM down to nothing): an observed-remove by version vector. It clears
// the key's list whether or not the key shows it (a key delete removes a
// list that lost a type conflict too), and carries the list's own type
// stamp, so it changes no region's idea of the key's type.
func (e *Entry) ListClear(d *Delta, dot Dot, ts Timestamp) {
	e.open()
	d.reset(OpListRemove, dot, ts)
	c := e.part(KindList, true)
	d.Kind, d.KindRep, d.KindTS = KindList, c.KindRep, c.KindTS
	l := e.listIn(c)
	l.received.Add(dot)
	d.Ctx = l.received.AppendTo(d.Ctx)
	l.clear(d.Ctx, e.Retain, dot)
	e.settle()
}

// ---- merging deltas

// Apply merges one list delta, local or remote (Object).
func (l *List) Apply(d *Delta, retain bool) {
	if d.Dot.Seq == 0 || l.received.Covers(d.Dot) {
		return // a duplicate: this origin's deltas arrive in order
	}
	l.received.Add(d.Dot)
	l.index()
	switch d.Op {
	case OpListInsert:
		p := pendIns{id: d.Dot, ts: d.TS, vs: vstamp{d.TS, d.Dot.Replica}, value: d.Value}
		if len(d.Refs) > 0 {
			p.anchor = d.Refs[0]
		}
		l.arrive(&p, retain)
	case OpListRemove:
		for _, r := range d.Refs {
			l.removeID(r, retain, d.Dot)
		}
		if len(d.Ctx) > 0 {
			l.clear(d.Ctx, retain, d.Dot)
		}
	case OpListSet:
		if len(d.Refs) > 0 {
			l.setID(d.Refs[0], vstamp{d.TS, d.Dot.Replica}, d.Value)
		}
	}
}

// arrive handles an insert received now: it picks up what early removes
// and LSETs did to it, then is placed or waits for its anchor.
func (l *List) arrive(p *pendIns, retain bool) {
	if b := l.buf; b != nil {
		if eo := b.early[p.id]; eo != nil {
			delete(b.early, p.id)
			b.n--
			b.bytes -= len(eo.value)
			if eo.dead {
				p.dead = true
			}
			if eo.set && !p.dead && lwwLater(eo.vs, p.vs) {
				p.vs, p.value = eo.vs, eo.value
			}
			l.dropBufIfEmpty()
		}
	}
	if l.cleared.Covers(p.id) {
		p.dead = true
	}
	if a := p.anchor; a.Seq != 0 && l.ids[a] == nil {
		if l.isWaiting(a) || !l.received.Covers(a) {
			l.wait(p)
			return
		}
		p.anchor = Dot{} // dropped: only without peers (see List)
	}
	l.place(p)
}

// place inserts p after its anchor by the RGA rule, then everything that
// was waiting for it.
func (l *List) place(p *pendIns) {
	work := []pendIns{*p}
	for len(work) > 0 {
		q := work[len(work)-1]
		work = work[:len(work)-1]
		var lf *leaf
		i := 0
		if q.anchor.Seq != 0 {
			if alf := l.ids[q.anchor]; alf != nil {
				lf, i = alf, alf.find(q.anchor)+1
			} else {
				q.anchor = Dot{}
			}
		}
		if lf == nil {
			lf = l.first()
		}
		if l.cleared.Covers(q.id) {
			q.dead = true // a DEL that arrived while it waited
		}
		lf, i = l.skip(lf, i, q.ts, q.id.Replica, q.id.Seq)
		n := lnode{seq: q.id.Seq, rep: q.id.Replica, ts: q.ts, aseq: q.anchor.Seq, arep: q.anchor.Replica, dead: q.dead}
		plf := l.put(lf, i, n, q.value)
		if q.dead {
			// Born removed: the remove's dot is not kept, so wait for
			// everything received to be stable before collecting it.
			plf.rm.Merge(l.received)
		} else if q.vs != (vstamp{q.ts, q.id.Replica}) {
			l.stamp(q.id, q.vs)
		}
		if b := l.buf; b != nil {
			if ws, ok := b.waiting[q.id]; ok {
				delete(b.waiting, q.id)
				for _, w := range ws {
					delete(b.where, w.id)
					b.n--
					b.bytes -= len(w.value)
					work = append(work, w)
				}
				l.dropBufIfEmpty()
			}
		}
	}
}

func (l *List) stamp(id Dot, vs vstamp) {
	if l.stamps == nil {
		l.stamps = make(map[Dot]vstamp)
	}
	l.stamps[id] = vs
}

func lwwLater(a, b vstamp) bool { return LWWLater(a.ts, a.rep, b.ts, b.rep) }

func (l *List) buffer() *listBuffer {
	if l.buf == nil {
		l.buf = &listBuffer{waiting: map[Dot][]pendIns{}, where: map[Dot]Dot{}, early: map[Dot]*earlyOp{}}
	}
	return l.buf
}

func (l *List) dropBufIfEmpty() {
	if l.buf != nil && l.buf.n == 0 {
		l.buf = nil
	}
}

// full reports whether the buffer can take no more (and counts the drop).
func (l *List) full(size int) bool {
	if b := l.buf; b != nil && (b.n >= maxListBuffered || b.bytes+size > maxListBufferedBytes) {
		l.Overflow++
		return true
	}
	return false
}

func (l *List) isWaiting(id Dot) bool {
	if l.buf == nil {
		return false
	}
	_, ok := l.buf.where[id]
	return ok
}

// waitingIns returns the waiting insert id, or nil.
func (l *List) waitingIns(id Dot) *pendIns {
	if l.buf == nil {
		return nil
	}
	a, ok := l.buf.where[id]
	if !ok {
		return nil
	}
	ws := l.buf.waiting[a]
	for i := range ws {
		if ws[i].id == id {
			return &ws[i]
		}
	}
	return nil
}

// wait buffers p until its anchor is placed.
func (l *List) wait(p *pendIns) {
	if l.full(len(p.value)) {
		return
	}
	b := l.buffer()
	q := *p
	q.value = append([]byte(nil), p.value...)
	b.waiting[q.anchor] = append(b.waiting[q.anchor], q)
	b.where[q.id] = q.anchor
	b.n++
	b.bytes += len(q.value)
}

// early returns the early record of id, creating it (nil when full).
func (l *List) early(id Dot) *earlyOp {
	if l.buf != nil {
		if eo := l.buf.early[id]; eo != nil {
			return eo
		}
	}
	if l.full(0) {
		return nil
	}
	b := l.buffer()
	eo := &earlyOp{}
	b.early[id] = eo
	b.n++
	return eo
}

// removeID removes element id, wherever it is.
func (l *List) removeID(id Dot, retain bool, by Dot) {
	if lf := l.ids[id]; lf != nil {
		l.kill(lf, lf.find(id), retain, by)
		return
	}
	if w := l.waitingIns(id); w != nil {
		w.dead = true
		return
	}
	if l.received.Covers(id) {
		return // received and dropped already
	}
	if eo := l.early(id); eo != nil {
		eo.dead, eo.rm = true, by
	}
}

// setID writes element id's value (LWW), wherever it is.
func (l *List) setID(id Dot, vs vstamp, v []byte) {
	if lf := l.ids[id]; lf != nil {
		l.setValue(lf, lf.find(id), vs, v)
		return
	}
	if w := l.waitingIns(id); w != nil {
		if !w.dead && lwwLater(vs, w.vs) {
			l.buf.bytes += len(v) - len(w.value)
			w.vs, w.value = vs, append(w.value[:0], v...)
		}
		return
	}
	if l.received.Covers(id) {
		return
	}
	if l.buf != nil {
		if eo := l.buf.early[id]; eo != nil && eo.set && !lwwLater(vs, eo.vs) {
			return
		}
	}
	if l.full(len(v)) {
		return
	}
	if eo := l.early(id); eo != nil {
		l.buf.bytes += len(v) - len(eo.value)
		eo.set, eo.vs, eo.value = true, vs, append(eo.value[:0], v...)
	}
}

// setValue is the LWW write of element (lf, i)'s value.
func (l *List) setValue(lf *leaf, i int, vs vstamp, v []byte) {
	n := &lf.nodes[i]
	if n.dead {
		return // removed wins over a concurrent LSET
	}
	id := n.id()
	cur, ok := l.stamps[id]
	if !ok {
		cur = vstamp{n.ts, n.rep}
	}
	if !lwwLater(vs, cur) {
		return
	}
	lf.used -= int(n.ln)
	l.reserve(lf, len(v))
	n = &lf.nodes[i]
	n.off, n.ln = uint64(len(lf.data)), uint32(len(v))
	lf.data = append(lf.data, v...)
	lf.used += len(v)
	l.stamp(id, vs)
}

// clear removes every element ctx covers.
func (l *List) clear(ctx VV, retain bool, by Dot) {
	l.cleared.Merge(ctx)
	if l.live == 0 {
		return
	}
	if !retain && l.buf == nil && l.received.LessEq(ctx) {
		l.reset() // everything goes, and no one needs tombstones
		return
	}
	for s := l.hi - 1; s >= l.lo; s-- {
		if s >= l.hi {
			continue
		}
		lf := l.slots[s]
		for i := len(lf.nodes) - 1; i >= 0; i-- {
			if i < len(lf.nodes) && !lf.nodes[i].dead && ctx.Covers(lf.nodes[i].id()) {
				l.kill(lf, i, retain, by)
			}
		}
	}
}

// reset drops every element (received, cleared and buffers stay).
func (l *List) reset() {
	for s := l.lo; s < l.hi; s++ {
		lf := l.slots[s]
		l.slots[s] = nil
		l.recycle(lf)
	}
	c := len(l.slots)
	l.lo, l.hi = c/2, c/2
	clear(l.fw)
	l.live = 0
	l.ids = nil
	l.stamps = nil
}

// index builds the id → leaf map if it is not there.
func (l *List) index() {
	if l.ids != nil {
		return
	}
	n := 0
	for s := l.lo; s < l.hi; s++ {
		n += len(l.slots[s].nodes)
	}
	l.ids = make(map[Dot]*leaf, n)
	for s := l.lo; s < l.hi; s++ {
		lf := l.slots[s]
		for i := range lf.nodes {
			l.ids[lf.nodes[i].id()] = lf
		}
	}
}

// ---- the sequence: leaves, slots, Fenwick tree

func (l *List) first() *leaf {
	if l.lo == l.hi {
		return nil
	}
	return l.slots[l.lo]
}

func (l *List) next(lf *leaf) *leaf {
	if s := lf.slot + 1; s < l.hi {
		return l.slots[s]
	}
	return nil
}

func (l *List) prev(lf *leaf) *leaf {
	if s := lf.slot - 1; s >= l.lo {
		return l.slots[s]
	}
	return nil
}

// at returns the leaf and index of live element k (0 ≤ k < live).
func (l *List) at(k int) (*leaf, int) {
	s, r := l.fwFind(k)
	lf := l.slots[s]
	if lf.live == len(lf.nodes) {
		return lf, r
	}
	for i := range lf.nodes {
		if !lf.nodes[i].dead {
			if r == 0 {
				return lf, i
			}
			r--
		}
	}
	panic("BUG: core.List: live counts out of step")
}

// skip applies the RGA rule from position (lf, i): past every element
// ordered before the new one (a larger order key).
func (l *List) skip(lf *leaf, i int, ts Timestamp, rep ReplicaID, seq uint64) (*leaf, int) {
	for lf != nil {
		for ; i < len(lf.nodes); i++ {
			n := &lf.nodes[i]
			if !orderedBefore(n.ts, n.rep, n.seq, ts, rep, seq) {
				return lf, i
			}
		}
		nx := l.next(lf)
		if nx == nil {
			return lf, i
		}
		lf, i = nx, 0
	}
	return nil, 0
}

func (l *List) fits(lf *leaf, size int) bool {
	return len(lf.nodes) < leafNodes && (lf.used+size <= leafBytes || len(lf.nodes) == 0)
}

// put stores element n with value v at position (lf, i); lf nil means the
// list holds no element yet. It returns the leaf that holds n.
func (l *List) put(lf *leaf, i int, n lnode, v []byte) *leaf {
	size := len(v)
	if n.dead {
		size = 0
	}
	switch {
	case lf == nil:
		lf, i = l.newLeaf(), 0
		l.insertLeaf(l.hi, lf)
	case l.fits(lf, size):
	case i == 0:
		if p := l.prev(lf); p != nil && l.fits(p, size) {
			lf, i = p, len(p.nodes)
		} else {
			nl := l.newLeaf()
			l.insertLeaf(lf.slot, nl)
			lf = nl
		}
	case i == len(lf.nodes):
		if nx := l.next(lf); nx != nil && l.fits(nx, size) {
			lf, i = nx, 0
		} else {
			nl := l.newLeaf()
			l.insertLeaf(lf.slot+1, nl)
			lf, i = nl, 0
		}
	default:
		nl := l.split(lf)
		if i > len(lf.nodes) {
			lf, i = nl, i-len(lf.nodes)
		}
	}
	if !n.dead {
		l.reserve(lf, len(v))
		n.off, n.ln = uint64(len(lf.data)), uint32(len(v))
		lf.data = append(lf.data, v...)
		lf.used += len(v)
		lf.live++
		l.live++
		l.fwAdd(lf.slot, 1)
	}
	lf.nodes = slices.Insert(lf.nodes, i, n)
	if l.ids != nil {
		l.ids[n.id()] = lf
	}
	return lf
}

// split moves the second half of lf into a new leaf after it.
func (l *List) split(lf *leaf) *leaf {
	nl := l.newLeaf()
	mid := len(lf.nodes) / 2
	moved := 0
	for i := mid; i < len(lf.nodes); i++ {
		n := lf.nodes[i]
		if !n.dead {
			v := lf.value(i)
			n.off = uint64(len(nl.data))
			nl.data = append(nl.data, v...)
			nl.used += len(v)
			lf.used -= len(v)
			moved++
		}
		nl.nodes = append(nl.nodes, n)
		if l.ids != nil {
			l.ids[n.id()] = nl
		}
	}
	nl.live = moved
	nl.rm = lf.rm.AppendTo(nl.rm)
	clear(lf.nodes[mid:])
	lf.nodes = lf.nodes[:mid]
	lf.live -= moved
	l.fwAdd(lf.slot, -moved)
	l.insertLeaf(lf.slot+1, nl)
	return nl
}

// reserve makes room for size more bytes in lf's arena, compacting it
// when at least half of it is garbage rather than growing it.
func (l *List) reserve(lf *leaf, size int) {
	if len(lf.data)+size <= cap(lf.data) || len(lf.data)-lf.used < len(lf.data)/2 {
		return
	}
	nd := l.spareB[:0]
	if cap(nd) < lf.used+size {
		nd = make([]byte, 0, 2*(lf.used+size))
	}
	for i := range lf.nodes {
		n := &lf.nodes[i]
		if n.dead || n.ln == 0 {
			n.off, n.ln = 0, 0
			continue
		}
		off := len(nd)
		nd = append(nd, lf.data[n.off:n.off+uint64(n.ln)]...)
		n.off = uint64(off)
	}
	old := lf.data
	lf.data = nd
	if cap(old) <= leafKeep {
		l.spareB = old[:0]
	} else {
		l.spareB = nil
	}
}

// kill removes element (lf, i): a tombstone when retain (or when inserts
// wait for it), else gone. by is the removing write's dot.
func (l *List) kill(lf *leaf, i int, retain bool, by Dot) {
	n := &lf.nodes[i]
	if n.dead {
		return
	}
	id := n.id()
	lf.used -= int(n.ln)
	lf.live--
	l.live--
	l.fwAdd(lf.slot, -1)
	if l.stamps != nil {
		delete(l.stamps, id)
	}
	if retain || l.hasWaiters(id) {
		n.dead = true
		lf.rm.Add(by)
		return
	}
	lf.nodes = slices.Delete(lf.nodes, i, i+1)
	if l.ids != nil {
		delete(l.ids, id)
	}
	if len(lf.nodes) == 0 {
		l.removeLeaf(lf)
	}
}

func (l *List) hasWaiters(id Dot) bool {
	if l.buf == nil {
		return false
	}
	_, ok := l.buf.waiting[id]
	return ok
}

// newLeaf returns an empty leaf. Once the list has a leaf, a new one is
// made at full size: it is there because a neighbour filled up.
func (l *List) newLeaf() *leaf {
	if lf := l.spare; lf != nil {
		l.spare = nil
		return lf
	}
	if l.lo == l.hi {
		return &leaf{}
	}
	return &leaf{nodes: make([]lnode, 0, leafNodes), data: make([]byte, 0, 1024)}
}

// recycle keeps an emptied leaf for reuse. Its arena's bytes stay as they
// are until the leaf is filled again, so popped values remain readable
// until the next insert.
func (l *List) recycle(lf *leaf) {
	clear(lf.nodes)
	lf.nodes = lf.nodes[:0]
	lf.data = lf.data[:0]
	lf.live, lf.used = 0, 0
	lf.rm = lf.rm[:0]
	if cap(lf.data) <= leafKeep && cap(lf.nodes) <= 2*leafNodes {
		l.spare = lf
	}
}

// insertLeaf puts lf before slots[at] (at == hi: after the last leaf).
func (l *List) insertLeaf(at int, lf *leaf) {
	switch {
	case at == l.lo && l.lo > 0:
		l.lo--
		l.slots[l.lo] = lf
		lf.slot = l.lo
		l.fwAdd(lf.slot, lf.live)
		return
	case at == l.hi && l.hi < len(l.slots):
		l.slots[l.hi] = lf
		lf.slot = l.hi
		l.hi++
		l.fwAdd(lf.slot, lf.live)
		return
	case at != l.lo && at != l.hi && l.hi < len(l.slots):
		copy(l.slots[at+1:l.hi+1], l.slots[at:l.hi])
		l.slots[at] = lf
		l.hi++
		for s := at; s < l.hi; s++ {
			l.slots[s].slot = s
		}
	case at != l.lo && at != l.hi && l.lo > 0:
		copy(l.slots[l.lo-1:at-1], l.slots[l.lo:at])
		l.lo--
		l.slots[at-1] = lf
		for s := l.lo; s < at; s++ {
			l.slots[s].slot = s
		}
	default:
		l.relayout(at, lf)
		return
	}
	l.fwBuild()
}

// relayout lays the leaves out anew, centred in a slot array twice their
// number (so both ends have room again), with lf inserted before at.
func (l *List) relayout(at int, lf *leaf) {
	n := l.hi - l.lo + 1
	c := len(l.slots)
	if 2*n > c || 8*n < c {
		c = max(8, 2*n)
	}
	ns := l.alt
	if cap(ns) < c {
		ns = make([]*leaf, c)
	} else {
		ns = ns[:c]
		clear(ns)
	}
	lo := (c - n) / 2
	j := lo
	for s := l.lo; s < l.hi; s++ {
		if s == at {
			ns[j] = lf
			j++
		}
		ns[j] = l.slots[s]
		j++
	}
	if at == l.hi {
		ns[j] = lf
		j++
	}
	old := l.slots
	clear(old)
	l.slots, l.alt = ns, old[:0]
	l.lo, l.hi = lo, j
	for s := lo; s < j; s++ {
		ns[s].slot = s
	}
	if cap(l.fw) < c {
		l.fw = make([]int, c)
	}
	l.fw = l.fw[:c]
	l.fwBuild()
}

// removeLeaf takes an emptied leaf out of the slots.
func (l *List) removeLeaf(lf *leaf) {
	s := lf.slot
	switch {
	case s == l.lo:
		l.slots[s] = nil
		l.lo++
	case s == l.hi-1:
		l.hi--
		l.slots[l.hi] = nil
	default:
		copy(l.slots[s:], l.slots[s+1:l.hi])
		l.hi--
		l.slots[l.hi] = nil
		for i := s; i < l.hi; i++ {
			l.slots[i].slot = i
		}
		l.fwBuild()
	}
	if l.lo == l.hi {
		l.lo, l.hi = len(l.slots)/2, len(l.slots)/2
	}
	l.recycle(lf)
}

func (l *List) fwAdd(s, d int) {
	if d == 0 {
		return
	}
	for i := s + 1; i <= len(l.fw); i += i & -i {
		l.fw[i-1] += d
	}
}

func (l *List) fwBuild() {
	fw := l.fw
	for i := range fw {
		fw[i] = 0
		if lf := l.slots[i]; lf != nil {
			fw[i] = lf.live
		}
	}
	for i := 1; i <= len(fw); i++ {
		if j := i + i&-i; j <= len(fw) {
			fw[j-1] += fw[i-1]
		}
	}
}

// fwFind returns the slot holding live element k and k's rank inside it.
func (l *List) fwFind(k int) (slot, rank int) {
	pos := 0
	if len(l.fw) == 0 {
		return 0, k
	}
	for step := 1 << (bits.Len(uint(len(l.fw))) - 1); step > 0; step >>= 1 {
		if pos+step <= len(l.fw) && l.fw[pos+step-1] <= k {
			pos += step
			k -= l.fw[pos-1]
		}
	}
	return pos, k
}

// ---- full state

// Merge joins another list's full state (full sync; Object). It is the
// union of both: elements of either (placed by the same RGA rule, each
// after its anchor), removed if either removed them or dropped them after
// receiving them, values LWW, and both buffers.
func (l *List) Merge(other Object, retain bool) {
	o, ok := other.(*List)
	if !ok || o == l {
		return
	}
	l.index()
	oids := o.ids
	if oids == nil {
		oids = make(map[Dot]*leaf)
		for s := o.lo; s < o.hi; s++ {
			for i := range o.slots[s].nodes {
				oids[o.slots[s].nodes[i].id()] = o.slots[s]
			}
		}
	}
	// Elements o dropped after receiving them are removed here too.
	var gone []Dot
	for s := l.lo; s < l.hi; s++ {
		lf := l.slots[s]
		for i := range lf.nodes {
			id := lf.nodes[i].id()
			if !lf.nodes[i].dead && o.received.Covers(id) && oids[id] == nil && !o.isWaiting(id) {
				gone = append(gone, id)
			}
		}
	}
	for _, id := range gone {
		l.removeID(id, retain, Dot{})
		if lf := l.ids[id]; lf != nil {
			lf.rm.Merge(o.received)
		}
	}
	// o's elements, in o's order (an anchor always comes before).
	var prev, last Dot // o's previous element; the last of o's elements placed here
	for s := o.lo; s < o.hi; s++ {
		olf := o.slots[s]
		for i := range olf.nodes {
			n := &olf.nodes[i]
			id := n.id()
			if prev.Seq != 0 && l.ids[prev] != nil {
				last = prev
			}
			prev = id
			vs, has := o.stamps[id]
			if !has {
				vs = vstamp{n.ts, n.rep}
			}
			if lf := l.ids[id]; lf != nil {
				j := lf.find(id)
				if n.dead {
					l.kill(lf, j, retain, Dot{})
					if lf = l.ids[id]; lf != nil {
						lf.rm.Merge(olf.rm)
					}
				} else {
					l.setValue(lf, j, vs, olf.value(i))
				}
				continue
			}
			p := pendIns{id: id, anchor: n.anchor(), ts: n.ts, vs: vs, dead: n.dead, value: olf.value(i)}
			anchor, dropped := p.anchor, false
			if a := p.anchor; a.Seq != 0 && oids[a] == nil && !o.isWaiting(a) && o.received.Covers(a) &&
				l.ids[a] == nil && !l.isWaiting(a) {
				// o dropped the anchor (removed without peers, or a
				// collected tombstone) and this list does not hold it
				// either: o's order is all that is left of the place, so
				// the element goes right after the last of o's elements
				// before it that is here (the head if none). Waiting for
				// the anchor would lose the element, and the head (the
				// rule for a delta) would move it. The element keeps its
				// true anchor, for lists that still hold it.
				p.anchor, dropped = last, true
			}
			if w := l.waitingIns(id); w != nil {
				// Waiting here, placed there: o has its anchor, which this
				// loop placed already; take the waiting one out and merge.
				p.dead = p.dead || w.dead
				if lwwLater(w.vs, p.vs) {
					p.vs, p.value = w.vs, append([]byte(nil), w.value...)
				}
				l.unwait(id)
			} else if l.received.Covers(id) {
				continue // received here and dropped
			}
			l.arrive(&p, retain)
			if lf := l.ids[id]; dropped && lf != nil {
				nd := &lf.nodes[lf.find(id)]
				nd.arep, nd.aseq = anchor.Replica, anchor.Seq
			}
		}
	}
	// o's buffer.
	if b := o.buf; b != nil {
		for _, ws := range b.waiting {
			for k := range ws {
				w := ws[k]
				switch {
				case l.ids[w.id] != nil:
					lf := l.ids[w.id]
					if w.dead {
						l.kill(lf, lf.find(w.id), retain, Dot{})
					} else {
						l.setValue(lf, lf.find(w.id), w.vs, w.value)
					}
				case l.isWaiting(w.id):
					lw := l.waitingIns(w.id)
					lw.dead = lw.dead || w.dead
					if lwwLater(w.vs, lw.vs) {
						l.buf.bytes += len(w.value) - len(lw.value)
						lw.vs, lw.value = w.vs, append(lw.value[:0], w.value...)
					}
				case l.received.Covers(w.id):
				default:
					// received is not raised here: a vector raised to a
					// later insert of w's origin would take an earlier one
					// still to come in this loop (w's own anchor, say) for
					// received and dropped. o.received joins it below.
					l.arrive(&w, retain)
				}
			}
		}
		for id, eo := range b.early {
			if eo.dead {
				l.removeID(id, retain, eo.rm)
			}
			if eo.set {
				l.setID(id, eo.vs, eo.value)
			}
		}
	}
	l.dropOrphans(o, oids)
	// received first: clear takes a list whose received vector its
	// context covers for one that holds nothing else, and o's elements
	// are here now.
	l.received.Merge(o.received)
	if len(o.cleared) > 0 {
		l.clear(o.cleared, retain, Dot{})
	}
	l.Overflow += o.Overflow
}

// unwait takes a waiting insert out of the buffer.
// dropOrphans forgets buffered writes about elements o received and no
// longer holds: o removed them and collected their tombstones, so they are
// gone everywhere, and their inserts will never arrive here as deltas (a
// full sync from o covered their sequences). A removal or LSET waiting for
// such an element, or an insert of one waiting for its anchor, would wait
// forever and keep the key's tombstone from ever being collected.
func (l *List) dropOrphans(o *List, oids map[Dot]*leaf) {
	if l.buf == nil {
		return
	}
	gone := func(id Dot) bool { return o.received.Covers(id) && oids[id] == nil && !o.isWaiting(id) }
	for id, eo := range l.buf.early {
		if gone(id) {
			delete(l.buf.early, id)
			l.buf.n--
			l.buf.bytes -= len(eo.value) // an early LSET's value counts
		}
	}
	var drop []Dot
	for id := range l.buf.where {
		if gone(id) {
			drop = append(drop, id)
		}
	}
	for _, id := range drop {
		l.unwait(id)
		if l.buf == nil {
			break
		}
	}
	l.dropBufIfEmpty()
}

func (l *List) unwait(id Dot) {
	b := l.buf
	a := b.where[id]
	ws := b.waiting[a]
	for i := range ws {
		if ws[i].id == id {
			b.bytes -= len(ws[i].value)
			ws = slices.Delete(ws, i, i+1)
			break
		}
	}
	if len(ws) == 0 {
		delete(b.waiting, a)
	} else {
		b.waiting[a] = ws
	}
	delete(b.where, id)
	b.n--
	l.dropBufIfEmpty()
}

// CollectTombstones drops the tombstones whose removes stable covers and
// returns how many went. stable must cover a dot only once every region has
// received it and everything each region wrote before receiving it has
// arrived here: then no write still on its way can name the tombstone.
// Tombstones that waiting inserts name stay.
func (l *List) CollectTombstones(stable VV) int {
	n := 0
	for s := l.hi - 1; s >= l.lo; s-- {
		if s >= l.hi {
			continue
		}
		lf := l.slots[s]
		if lf.live == len(lf.nodes) || !lf.rm.LessEq(stable) {
			continue
		}
		kept := 0
		for i := range lf.nodes {
			nd := lf.nodes[i]
			if nd.dead && !l.hasWaiters(nd.id()) {
				if l.ids != nil {
					delete(l.ids, nd.id())
				}
				n++
				continue
			}
			lf.nodes[kept] = nd
			kept++
		}
		clear(lf.nodes[kept:])
		lf.nodes = lf.nodes[:kept]
		if lf.live == kept {
			lf.rm = lf.rm[:0]
		}
		if len(lf.nodes) == 0 {
			l.removeLeaf(lf)
		}
	}
	return n
}
