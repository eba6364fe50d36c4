package core

// The packed form of an Entry (see Entry): a plain string key whose whole
// CRDT state is one base write
//
//	Kind     = KindString, type stamp (pRep, pKindTS)
//	Base     = {Ctx: {pRep: pSeq}, Elems: [{(pRep, pSeq), pTS, value, no observed increments}]}
//	Incs     = Rem = none; no Fields, Obj or dormant containers
//	Exp      = {Ctx: {pRep: pSeq}, Elems: [{(pRep, pSeq), pTS, pDeadline}]} with packedExp,
//	           else empty
//
// is held in the Entry's p* fields with no body. That is the state a SET
// (with or without EX/PX, local or arriving from its region) leaves in a
// key that only one region writes, which is most keys of a cache. Every
// other state has a body; an operation the packed form cannot express
// opens the entry (open) and continues on the body, so the rules are the
// body's, written once. A packed entry and the body open makes of it are
// the same state: every encoding, merge and read agrees.

// pFlags bits.
const (
	packedOn  uint8 = 1 << iota // the entry is packed
	packedExp                   // the packed write also wrote the expiry
)

// Packed reports whether e is held packed (MEMORY USAGE, DEBUG OBJECT,
// tests).
func (e *Entry) Packed() bool { return e.pFlags&packedOn != 0 }

// open gives e a body holding the state it has: the packed one, or none
// for a new entry. The packed value's storage moves to the body.
func (e *Entry) open() {
	if e.body != nil {
		return
	}
	b := &body{}
	if e.Packed() {
		dot := Dot{Replica: e.pRep, Seq: e.pSeq}
		b.KindRep, b.KindTS = e.pRep, e.pKindTS
		b.Base.Ctx = VV{dot}
		b.Base.Elems = []Elem[BaseValue]{{Dot: dot, TS: e.pTS, V: BaseValue{Value: e.val()}}}
		if e.pFlags&packedExp != 0 {
			b.Exp.Ctx = VV{dot}
			b.Exp.Elems = []Elem[Deadline]{{Dot: dot, TS: e.pTS, V: Deadline(e.pDeadline)}}
		}
	}
	// The body takes the value over where it is, after the key.
	e.pFlags, e.pRep, e.pSeq, e.pTS, e.pKindTS, e.pDeadline, e.vLen = 0, 0, 0, 0, 0, 0, 0
	e.body = b
}

// General returns e's state in the general form without changing e: e
// itself when it has a body, else a temporary copy opened (sharing the
// packed value's bytes). For code that reads the CRDT bookkeeping and
// changes nothing, on paths rare enough to allocate (full sync, digests,
// tombstone checks, tests).
func (e *Entry) General() *Entry {
	if e.body != nil {
		return e
	}
	c := *e
	c.open()
	return &c
}

// tryPack packs e when its body holds a state the packed form expresses
// (after a full sync merge, or a delta that changed nothing a packed entry
// could not hold).
func (e *Entry) tryPack() {
	b := e.body
	if b == nil || e.Kind != KindString || len(b.dormant) > 0 || b.Fields != nil || b.Obj != nil ||
		len(b.Incs) > 0 || len(b.Rem) > 0 || len(b.Base.Elems) != 1 {
		return
	}
	el := &b.Base.Elems[0]
	if len(el.V.Obs) > 0 || el.Dot.Seq == 0 || len(b.Base.Ctx) != 1 || b.Base.Ctx[0] != el.Dot ||
		b.KindRep != el.Dot.Replica || !e.fitsPacked(len(el.V.Value)) {
		return
	}
	flags, deadline := packedOn, int64(0)
	switch x := &b.Exp; {
	case len(x.Elems) == 0 && len(x.Ctx) == 0:
	case len(x.Elems) == 1 && x.Elems[0].Dot == el.Dot && x.Elems[0].TS == el.TS && len(x.Ctx) == 1 && x.Ctx[0] == el.Dot:
		flags |= packedExp
		deadline = int64(x.Elems[0].V)
	default:
		return
	}
	e.pFlags, e.pRep, e.pSeq, e.pTS, e.pKindTS, e.pDeadline =
		flags, el.Dot.Replica, el.Dot.Seq, el.TS, b.KindTS, deadline
	e.setVal(el.V.Value)
	e.body = nil
}

// onlyOf reports whether every pair of v is of dot's region and at most
// dot's sequence: v joined with dot is {dot}.
func onlyOf(v VV, dot Dot) bool {
	for _, d := range v {
		if d.Replica != dot.Replica || d.Seq > dot.Seq {
			return false
		}
	}
	return true
}

// setPacked is SetString on an entry without a body: it describes the
// write from the packed state (as describeSet and stamp would from the
// body) and applies it.
func (e *Entry) setPacked(d *Delta, dot Dot, ts Timestamp, value []byte, keepTTL bool, deadline int64) {
	packed := e.Packed()
	d.reset(OpStrSet, dot, ts)
	d.Kind = KindString
	if packed {
		d.KindRep, d.KindTS = e.pRep, e.pKindTS
		d.Ctx = append(d.Ctx, Dot{Replica: e.pRep, Seq: e.pSeq})
	} else {
		d.KindRep, d.KindTS = dot.Replica, ts
	}
	d.Value = value
	d.Ctx.Add(dot)
	if !keepTTL {
		d.Flags |= FlagExpiry
		if packed && e.pFlags&packedExp != 0 {
			d.ExpCtx = append(d.ExpCtx, Dot{Replica: e.pRep, Seq: e.pSeq})
		}
		d.ExpCtx.Add(dot)
		d.Deadline = deadline
	}
	e.Apply(d)
}

// applyPacked applies d to an entry without a body when the result is
// packed too, and reports whether it did; otherwise e is unchanged. That is
// a whole-value string write that replaces the packed write (or fills a new
// entry), observes no increments, and whose contexts name only its own
// region: the same region writing the key again.
func (e *Entry) applyPacked(d *Delta) bool {
	if d.Op != OpStrSet || len(d.Counters) != 0 || d.Dot.Seq == 0 || !onlyOf(d.Ctx, d.Dot) ||
		!e.fitsPacked(len(d.Value)) {
		return false
	}
	packed := e.Packed()
	if !packed && e.Kind != KindNone {
		return false
	}
	r := d.Dot.Replica
	var kr ReplicaID
	var kt Timestamp
	if packed {
		// The new write must replace the packed one: same region, later,
		// and its context covering it (onlyOf bounds it by the new dot).
		if r != e.pRep || d.Dot.Seq <= e.pSeq || d.Ctx.Get(r) < e.pSeq {
			return false
		}
		kr, kt = e.pRep, e.pKindTS
	}
	if LWWLater(d.KindTS, d.KindRep, kt, kr) {
		kr, kt = d.KindRep, d.KindTS
	}
	if kr != r {
		return false
	}
	flags, deadline := packedOn, int64(0)
	hadExp := packed && e.pFlags&packedExp != 0
	if d.Flags&FlagExpiry != 0 {
		if !onlyOf(d.ExpCtx, d.Dot) || (hadExp && d.ExpCtx.Get(r) < e.pSeq) {
			return false
		}
		flags |= packedExp
		deadline = d.Deadline
	} else if hadExp {
		return false // the expiry write stays, with the old write's dot
	}
	e.Kind = KindString
	e.pFlags, e.pRep, e.pSeq, e.pTS, e.pKindTS, e.pDeadline = flags, r, d.Dot.Seq, d.TS, kt, deadline
	e.setVal(d.Value)
	return true
}

// Value returns the key's visible string (see Register.Value).
func (e *Entry) Value(scratch []byte) (v []byte, ok bool) {
	if e.body == nil {
		return e.val(), e.Packed()
	}
	return e.Register.Value(scratch)
}

// IntValue is the value as a 64-bit integer (see Register.IntValue).
func (e *Entry) IntValue() (int64, error) {
	if e.body == nil {
		if !e.Packed() {
			return 0, nil
		}
		if n, ok := ParseInt(e.val()); ok {
			return n, nil
		}
		return 0, ErrNotInteger
	}
	return e.Register.IntValue()
}

// FloatValue is the value as a float (see Register.FloatValue).
func (e *Entry) FloatValue() (DD, error) {
	if e.body == nil {
		if !e.Packed() {
			return DD{}, nil
		}
		if n, ok := ParseInt(e.val()); ok {
			return i128Of(n).dd(), nil
		}
		if f, ok := ParseDD(e.val()); ok {
			return f, nil
		}
		return DD{}, ErrNotFloat
	}
	return e.Register.FloatValue()
}

// KindStamp is the stamp of the write that created the key's type (see
// target).
func (e *Entry) KindStamp() (ReplicaID, Timestamp) {
	if e.body == nil {
		return e.pRep, e.pKindTS
	}
	return e.KindRep, e.KindTS
}

// ExpiryOwner is the region whose expiry write decided the key's deadline:
// it owns the expiry (SEMANTICS.md section 7). ok is false when no expiry
// write decides it.
func (e *Entry) ExpiryOwner() (ReplicaID, bool) {
	if e.body == nil {
		if e.pFlags&packedExp == 0 {
			return 0, false
		}
		return e.pRep, true
	}
	dl := e.Deadline()
	for i := range e.Exp.Elems {
		if int64(e.Exp.Elems[i].V) == dl {
			return e.Exp.Elems[i].Dot.Replica, true
		}
	}
	return 0, false
}
