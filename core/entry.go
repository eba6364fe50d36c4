package core

import (
	"errors"
)

// Kind is the Redis type a key holds.
type Kind uint8

// Kinds. The numbers are part of the delta and snapshot formats: append only.
const (
	KindNone   Kind = 0
	KindString Kind = 1
)

// String is the name TYPE replies.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	}
	return "none"
}

// Typed results of operations; package net maps them to Redis's texts.
var (
	ErrNotInteger = errors.New("value is not an integer or out of range")
	ErrOverflow   = errors.New("increment or decrement would overflow")
	ErrNotFloat   = errors.New("value is not a valid float")
	ErrNaN        = errors.New("increment would produce NaN or Infinity")
)

// BaseValue is one whole-value write of a string: the bytes, and the
// increments its writer had observed (they are part of the bytes already).
type BaseValue struct {
	Value []byte
	Obs   Counters
}

// CopyFrom deep-copies src into b's storage.
func (b BaseValue) CopyFrom(src BaseValue) BaseValue {
	if src.Value == nil {
		b.Value = b.Value[:0]
	} else {
		b.Value = append(b.Value[:0], src.Value...)
	}
	b.Obs = src.Obs.AppendTo(b.Obs)
	return b
}

// Deadline is an absolute expiry time in Unix milliseconds; 0 means none.
type Deadline int64

// CopyFrom returns src.
func (Deadline) CopyFrom(src Deadline) Deadline { return src }

// Entry is the CRDT envelope of one key. Owning shard only.
//
// An Entry with no visible value is a tombstone: its contexts remember what
// was deleted until every region has seen the delete (causal stability),
// then the shard drops it.
type Entry struct {
	Kind Kind
	// Base holds the string's whole-value writes (see package doc).
	Base MVReg[BaseValue]
	// Incs holds each region's running increment sums.
	Incs Counters
	// Rem holds the increments deletes observed, per region.
	Rem Counters
	// Exp holds the expiry writes.
	Exp MVReg[Deadline]
	// Access is the LRU clock of the last access in seconds (OBJECT IDLETIME).
	Access uint32
}

// winner is the visible base write: LWW among the concurrent ones.
func (e *Entry) winner() *Elem[BaseValue] {
	var w *Elem[BaseValue]
	for i := range e.Base.Elems {
		el := &e.Base.Elems[i]
		if w == nil || LWWLater(el.TS, el.Dot.Replica, w.TS, w.Dot.Replica) {
			w = el
		}
	}
	return w
}

// pendingSum is the sum of the increments that neither the winning base
// write nor any delete observed: exact integers, double-double floats summed
// in replica order so every region computes the same bits.
type pendingSum struct {
	any      bool
	hasFloat bool
	i        i128
	f        DD
}

func (e *Entry) pending(w *Elem[BaseValue]) (p pendingSum) {
	for _, c := range e.Incs {
		b := e.Rem.Get(c.Replica)
		if w != nil {
			if o := w.V.Obs.Get(c.Replica); o.Seq > b.Seq {
				b = o
			}
		}
		if c.Seq <= b.Seq {
			continue
		}
		p.any = true
		p.i = p.i.add(c.ints().sub(b.ints()))
		if c.Float != b.Float || c.FloatLo != b.FloatLo {
			p.hasFloat = true
			p.f = p.f.Add(c.floats().Add(b.floats().Neg()))
		}
	}
	return p
}

// Live reports whether the key shows a value.
func (e *Entry) Live() bool {
	if e.Kind == KindNone {
		return false
	}
	w := e.winner()
	return w != nil || e.pending(w).any
}

// Deadline is the key's effective expiry: the longest of the concurrent
// TTL writes, none if any of them said none.
func (e *Entry) Deadline() int64 {
	var max int64
	for i := range e.Exp.Elems {
		d := int64(e.Exp.Elems[i].V)
		if d == 0 {
			return 0
		}
		if d > max {
			max = d
		}
	}
	return max
}

// Expired reports whether the key is past its deadline at nowMs (Redis
// treats the deadline millisecond itself as still alive).
func (e *Entry) Expired(nowMs int64) bool {
	d := e.Deadline()
	return d != 0 && nowMs > d
}

// number is the visible value read as a number.
type number struct {
	isInt bool // an exact integer (i), else a float (f)
	i     i128
	f     DD
}

// numeric computes the visible number. ok is false when the value is not
// numeric; plain is true when the value is just the base bytes (no pending
// increments), which callers print without formatting.
func (e *Entry) numeric() (n number, base *Elem[BaseValue], p pendingSum, ok bool) {
	w := e.winner()
	p = e.pending(w)
	n.isInt = true
	if w != nil {
		if v, isInt := ParseInt(w.V.Value); isInt {
			n.i = i128Of(v)
		} else if f, isFloat := ParseDD(w.V.Value); isFloat {
			n.isInt, n.f = false, f
		} else {
			return n, w, p, false
		}
	}
	if n.isInt && !p.hasFloat {
		n.i = n.i.add(p.i)
		return n, w, p, true
	}
	if n.isInt {
		n.isInt, n.f = false, n.i.dd()
	}
	if !p.i.isZero() {
		n.f = n.f.Add(p.i.dd())
	}
	n.f = n.f.Add(p.f)
	return n, w, p, true
}

// Value returns the visible string. When it is exactly the stored base it
// is returned without copying (valid until the entry changes); a value that
// adds increments is formatted into scratch. ok is false for a tombstone.
func (e *Entry) Value(scratch []byte) (v []byte, ok bool) {
	w := e.winner()
	if w != nil && len(e.Incs) == 0 {
		return w.V.Value, true // the common case: a plain string
	}
	n, w, p, isNum := e.numeric()
	if !p.any {
		if w == nil {
			return nil, false
		}
		return w.V.Value, true
	}
	if !isNum {
		// A non-numeric base hides concurrent increments (a conflict).
		return w.V.Value, true
	}
	if n.isInt {
		return n.i.appendDecimal(scratch[:0]), true
	}
	return n.f.AppendHuman(scratch[:0]), true
}

func appendInt(dst []byte, n int64) []byte {
	var buf [20]byte
	i := len(buf)
	u := uint64(n)
	if n < 0 {
		u = uint64(-n)
	}
	for u >= 10 {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	i--
	buf[i] = byte('0' + u)
	if n < 0 {
		dst = append(dst, '-')
	}
	return append(dst, buf[i:]...)
}

// IntValue is the value as a 64-bit integer, for INCR and friends.
func (e *Entry) IntValue() (int64, error) {
	n, _, p, ok := e.numeric()
	if !ok {
		return 0, ErrNotInteger
	}
	if !n.isInt {
		// A float total that prints as an integer ("3") is one, as in
		// Redis, where the value is the string.
		var scratch [64]byte
		v, _ := e.Value(scratch[:0])
		if x, ok := ParseInt(v); ok && p.any {
			return x, nil
		}
		return 0, ErrNotInteger
	}
	x, fits := n.i.int64()
	if !fits {
		return 0, ErrNotInteger
	}
	return x, nil
}

// FloatValue is the value as a float, for INCRBYFLOAT.
func (e *Entry) FloatValue() (DD, error) {
	n, w, p, ok := e.numeric()
	if w == nil && !p.any {
		return DD{}, nil
	}
	if !ok {
		return DD{}, ErrNotFloat
	}
	if n.isInt {
		return n.i.dd(), nil
	}
	if !n.f.Finite() {
		return DD{}, ErrNotFloat
	}
	return n.f, nil
}

// The local writes below describe themselves into d (a scratch delta the
// caller reuses and ships), then apply d: a local write and a remote one go
// through the same Apply, so they cannot disagree.

// SetString is a whole-value write (SET, APPEND, SETRANGE, ...). With
// keepTTL the expiry is untouched; otherwise deadline (0: none) replaces it.
func (e *Entry) SetString(d *Delta, dot Dot, ts Timestamp, value []byte, keepTTL bool, deadline int64) {
	d.reset(OpStrSet, dot, ts)
	d.Value = value
	d.Counters = e.Incs.AppendTo(d.Counters)
	d.Ctx = e.Base.Ctx.AppendTo(d.Ctx)
	d.Ctx.Add(dot)
	if !keepTTL {
		d.Flags |= FlagExpiry
		d.ExpCtx = e.Exp.Ctx.AppendTo(d.ExpCtx)
		d.ExpCtx.Add(dot)
		d.Deadline = deadline
	}
	e.Apply(d)
}

// IncrBy adds by to the integer value and returns the new value.
func (e *Entry) IncrBy(d *Delta, dot Dot, ts Timestamp, by int64) (int64, error) {
	cur, err := e.IntValue()
	if err != nil {
		return 0, err
	}
	n := cur + by
	if (by > 0 && n < cur) || (by < 0 && n > cur) {
		return 0, ErrOverflow
	}
	c := e.Incs.Get(dot.Replica)
	c.Seq = dot.Seq
	c.setInts(c.ints().add(i128Of(by)))
	d.reset(OpStrIncr, dot, ts)
	d.Counters = append(d.Counters[:0], c)
	e.Apply(d)
	return n, nil
}

// IncrByFloat adds by to the value as a float and returns the new visible
// value formatted into scratch (the reply, computed exactly as a read will).
func (e *Entry) IncrByFloat(d *Delta, dot Dot, ts Timestamp, by DD, scratch []byte) ([]byte, error) {
	cur, err := e.FloatValue()
	if err != nil {
		return nil, err
	}
	if n := cur.Add(by); !n.Finite() || !by.Finite() {
		return nil, ErrNaN
	}
	c := e.Incs.Get(dot.Replica)
	c.Seq = dot.Seq
	c.setFloats(c.floats().Add(by))
	d.reset(OpStrIncr, dot, ts)
	d.Counters = append(d.Counters[:0], c)
	e.Apply(d)
	v, _ := e.Value(scratch)
	return v, nil
}

// Delete is an observed-remove of the whole key: every write and increment
// this entry has seen goes; concurrent unseen ones will survive it.
func (e *Entry) Delete(d *Delta, dot Dot, ts Timestamp) {
	d.reset(OpDel, dot, ts)
	d.Counters = e.Incs.AppendTo(d.Counters)
	d.Ctx = e.Base.Ctx.AppendTo(d.Ctx)
	d.Ctx.Add(dot)
	d.ExpCtx = e.Exp.Ctx.AppendTo(d.ExpCtx)
	d.ExpCtx.Add(dot)
	e.Apply(d)
}

// SetExpiry replaces the key's TTL with deadline (Unix ms; 0 removes it).
func (e *Entry) SetExpiry(d *Delta, dot Dot, ts Timestamp, deadline int64) {
	d.reset(OpExpire, dot, ts)
	d.ExpCtx = e.Exp.Ctx.AppendTo(d.ExpCtx)
	d.ExpCtx.Add(dot)
	d.Deadline = deadline
	e.Apply(d)
}

// Apply merges a delta, local or remote, into the entry. Applying the same
// delta twice, or deltas of different origins in any order, gives the same
// state (deltas of one origin arrive in order).
func (e *Entry) Apply(d *Delta) {
	switch d.Op {
	case OpStrSet:
		e.Kind = KindString
		e.Base.Apply(d.Ctx, Elem[BaseValue]{Dot: d.Dot, TS: d.TS, V: BaseValue{Value: d.Value, Obs: d.Counters}}, true)
		if d.Flags&FlagExpiry != 0 {
			e.Exp.Apply(d.ExpCtx, Elem[Deadline]{Dot: d.Dot, TS: d.TS, V: Deadline(d.Deadline)}, true)
		}
	case OpStrIncr:
		e.Kind = KindString
		e.Incs.MergeAll(d.Counters)
	case OpDel:
		e.Base.Apply(d.Ctx, Elem[BaseValue]{}, false)
		e.Exp.Apply(d.ExpCtx, Elem[Deadline]{}, false)
		e.Rem.MergeAll(d.Counters)
	case OpExpire:
		e.Exp.Apply(d.ExpCtx, Elem[Deadline]{Dot: d.Dot, TS: d.TS, V: Deadline(d.Deadline)}, true)
	}
}

// Merge joins another entry's full state into e (full sync).
func (e *Entry) Merge(o *Entry) {
	if o.Kind > e.Kind {
		e.Kind = o.Kind
	}
	e.Base.Merge(&o.Base)
	e.Exp.Merge(&o.Exp)
	e.Incs.MergeAll(o.Incs)
	e.Rem.MergeAll(o.Rem)
}

// Clone returns a deep copy (COPY, and tests).
func (e *Entry) Clone() *Entry {
	c := &Entry{Kind: e.Kind, Access: e.Access}
	c.Merge(e)
	return c
}
