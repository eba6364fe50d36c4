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
	KindHash   Kind = 2
	KindSet    Kind = 3
	KindZSet   Kind = 4
	KindList   Kind = 5
	KindHLL    Kind = 6 // Redis shows a HyperLogLog as a string
)

// kindLast is the highest known Kind (decoders refuse anything above).
const kindLast = KindHLL

// String is the name TYPE replies.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindHash:
		return "hash"
	case KindSet:
		return "set"
	case KindZSet:
		return "zset"
	case KindList:
		return "list"
	case KindHLL:
		return "string"
	}
	return "none"
}

// HasFields reports whether the kind keeps its data in Entry.Fields.
func (k Kind) HasFields() bool { return k == KindHash || k == KindSet || k == KindZSet }

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
//
// Most keys of a cache are plain strings written by one region: one base
// write whose context is its own dot, no increments, and either no expiry
// write or one made by that same write (SET ... [EX]). Such a key is held
// packed, in the p* fields, with no body (see packed.go): about a fifth of
// the memory of the general form, and no pointers but the value's for the
// collector to follow. Any other state lives in the body; the exported
// methods open a packed entry (or read it as it is) before touching it.
type Entry struct {
	Kind Kind
	// Retain keeps removed fields' contexts (tombstones) inside Fields until
	// the shard collects them; without peers nothing needs them.
	Retain bool
	// pFlags says whether the entry is packed, and whether its expiry
	// write is there (packedExp).
	pFlags uint8
	// pRep is the packed write's region (and its type stamp's).
	pRep ReplicaID
	// Access is the LRU clock of the last access in seconds (OBJECT IDLETIME).
	Access uint32
	// The packed write: its dot's sequence, its timestamp, the type
	// stamp's timestamp and the deadline its expiry write set (0: none);
	// its value is in buf, after the key.
	pSeq      uint64
	pTS       Timestamp
	pKindTS   Timestamp
	pDeadline int64
	// body holds every state that is not packed; nil while packed, and in
	// a new entry no write has reached yet.
	*body
	// next links the entries of one bucket of the keyspace that holds e
	// (shard's table, through Next and SetNext); core never follows it.
	// Chaining the entries themselves, rather than nodes that point at
	// them, saves a 32-byte node and a cache miss per key looked up.
	next *Entry
	// buf holds the key (kLen bytes, never changed once written: Key
	// aliases them) and, while packed, the value right after it (vLen
	// bytes), in one allocation of bufCap bytes: a lookup that compares
	// the key has then brought the value into the cache too, and a small
	// key and value share one size class. See key.go.
	buf                *byte
	kLen, vLen, bufCap uint32
}

// body is the general form of an Entry's state.
type body struct {
	// KindRep and KindTS stamp the write that created the current type:
	// when two regions create the key with different types concurrently,
	// the later creating write's type wins everywhere (SEMANTICS.md 8; see
	// target and settle for the whole rule).
	KindRep ReplicaID
	KindTS  Timestamp
	// Register is the value of a string key (see package doc).
	Register
	// Fields holds the members of a hash, set or sorted set (nil otherwise).
	Fields *Fields
	// Obj holds the state of the other kinds (lists, HyperLogLogs): see
	// Object.
	Obj Object
	// Exp holds the expiry writes.
	Exp MVReg[Deadline]
	// dormant holds, per type other than Kind that the key has held, a
	// container with that type's stamp and (but for a string, whose data
	// is always in Register) its data, kept invisible (see target); nil
	// almost always.
	dormant []*Entry
}

// Register is a string-valued CRDT: whole-value writes (Base) plus
// per-region increments (Incs) minus those deletes observed (Rem). A string
// key is one Register; so will be each field of a hash and each member's
// score of a sorted set (SEMANTICS.md sections 1, 2 and 4 give them the same
// rules). Owning shard only.
type Register struct {
	// Base holds the whole-value writes (see package doc).
	Base MVReg[BaseValue]
	// Incs holds each region's running increment sums.
	Incs Counters
	// Rem holds the increments deletes observed, per region.
	Rem Counters
}

// winner is the visible base write: LWW among the concurrent ones.
func (e *Register) winner() *Elem[BaseValue] {
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

func (e *Register) pending(w *Elem[BaseValue]) (p pendingSum) {
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
	switch {
	case e.body == nil:
		return e.Packed()
	case e.Kind == KindNone:
		return false
	case e.Kind.HasFields():
		return e.Fields != nil && e.Fields.Len() > 0
	case e.Kind != KindString:
		return e.Obj != nil && e.Obj.Live()
	}
	return e.Register.Live()
}

// Live reports whether the register shows a value.
func (e *Register) Live() bool {
	w := e.winner()
	return w != nil || e.pending(w).any
}

// Deadline is the key's effective expiry: the longest of the concurrent
// TTL writes, none if any of them said none.
func (e *Entry) Deadline() int64 {
	if e.body == nil {
		return e.pDeadline
	}
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
func (e *Register) numeric() (n number, base *Elem[BaseValue], p pendingSum, ok bool) {
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
func (e *Register) Value(scratch []byte) (v []byte, ok bool) {
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
func (e *Register) IntValue() (int64, error) {
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
func (e *Register) FloatValue() (DD, error) {
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
	return n.f, nil // "inf" is a float: adding to it fails as NaN or Infinity, as in Redis
}

// The local writes below describe themselves into d (a scratch delta the
// caller reuses and ships), then apply d: a local write and a remote one go
// through the same Apply, so they cannot disagree.

// stamp fills d's kind fields for a local write of kind k: a write that
// (re)creates the key stamps the kind with itself, later writes carry the
// creating write's stamp.
func (e *Entry) stamp(d *Delta, k Kind) {
	d.Kind = k
	if e.Kind == k && e.Live() {
		d.KindRep, d.KindTS = e.KindRep, e.KindTS
	} else {
		d.KindRep, d.KindTS = d.Dot.Replica, d.TS
	}
}

// SetString is a whole-value write (SET, APPEND, SETRANGE, ...). With
// keepTTL the expiry is untouched; otherwise deadline (0: none) replaces it.
func (e *Entry) SetString(d *Delta, dot Dot, ts Timestamp, value []byte, keepTTL bool, deadline int64) {
	if e.body == nil {
		e.setPacked(d, dot, ts, value, keepTTL, deadline)
		return
	}
	d.reset(OpStrSet, dot, ts)
	e.stamp(d, KindString)
	e.Register.describeSet(d, value)
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
	e.open()
	d.reset(OpStrIncr, dot, ts)
	e.stamp(d, KindString)
	n, err := e.Register.describeIncr(d, by)
	if err != nil {
		return 0, err
	}
	e.Apply(d)
	return n, nil
}

// IncrByFloat adds by to the value as a float and returns the new visible
// value formatted into scratch (the reply, computed exactly as a read will).
func (e *Entry) IncrByFloat(d *Delta, dot Dot, ts Timestamp, by DD, scratch []byte) ([]byte, error) {
	e.open()
	d.reset(OpStrIncr, dot, ts)
	e.stamp(d, KindString)
	if err := e.Register.describeIncrFloat(d, by); err != nil {
		return nil, err
	}
	e.Apply(d)
	v, _ := e.Value(scratch)
	return v, nil
}

// Delete is the key-level part of an observed-remove of the key: its
// string value and increments, its HLL (delete-wins: see
// DescribeObjectDel) and its expiry, whether or not they are of the key's
// visible type; every write and increment this entry has seen goes,
// concurrent unseen ones will survive it. The fields of every hash, set or
// sorted set the key holds are removed one by one before (DeleteFieldOf),
// and its list cleared (ListClear), each its own delta: a key delete
// removes everything its region observed, of every type (shard.Exec.Delete
// composes them).
func (e *Entry) Delete(d *Delta, dot Dot, ts Timestamp) {
	e.open()
	d.reset(OpDel, dot, ts)
	d.Kind = e.Kind
	e.Register.describeDel(d)
	e.DescribeObjectDel(d)
	d.ExpCtx = e.Exp.Ctx.AppendTo(d.ExpCtx)
	d.ExpCtx.Add(dot)
	e.Apply(d)
}

// SetExpiry replaces the key's TTL with deadline (Unix ms; 0 removes it).
func (e *Entry) SetExpiry(d *Delta, dot Dot, ts Timestamp, deadline int64) {
	e.open()
	d.reset(OpExpire, dot, ts)
	d.Kind = e.Kind
	d.ExpCtx = e.Exp.Ctx.AppendTo(d.ExpCtx)
	d.ExpCtx.Add(dot)
	d.Deadline = deadline
	e.Apply(d)
}

// SetField writes a whole value into one field of a hash, set or sorted set
// (HSET, SADD with an empty value, ZADD with the score's text). It reports
// whether the field was absent before.
func (e *Entry) SetField(d *Delta, k Kind, dot Dot, ts Timestamp, field, value []byte) (created bool) {
	e.open()
	d.reset(OpFieldSet, dot, ts)
	e.stamp(d, k)
	d.Field = field
	r := e.field(k, field)
	created = r == nil || !r.Live()
	if r == nil {
		r = &Register{}
	}
	r.describeSet(d, value)
	e.Apply(d)
	return created
}

// IncrField adds by to a field's integer value (HINCRBY).
func (e *Entry) IncrField(d *Delta, k Kind, dot Dot, ts Timestamp, field []byte, by int64) (int64, error) {
	e.open()
	d.reset(OpFieldIncr, dot, ts)
	e.stamp(d, k)
	d.Field = field
	r := e.field(k, field)
	if r == nil {
		r = &Register{}
	}
	n, err := r.describeIncr(d, by)
	if err != nil {
		return 0, err
	}
	e.Apply(d)
	return n, nil
}

// IncrFieldFloat adds by to a field's value as a float (HINCRBYFLOAT,
// ZINCRBY) and returns the new value formatted into scratch.
func (e *Entry) IncrFieldFloat(d *Delta, k Kind, dot Dot, ts Timestamp, field []byte, by DD, scratch []byte) ([]byte, error) {
	e.open()
	d.reset(OpFieldIncr, dot, ts)
	e.stamp(d, k)
	d.Field = field
	r := e.field(k, field)
	if r == nil {
		r = &Register{}
	}
	if err := r.describeIncrFloat(d, by); err != nil {
		return nil, err
	}
	e.Apply(d)
	if r = e.field(k, field); r == nil {
		return nil, nil // only a foreign state installed as is gets here
	}
	v, _ := r.Value(scratch)
	return v, nil
}

// DeleteField is an observed-remove of one field (HDEL, SREM, ZREM) of the
// key's visible collection. It reports whether the field was present.
func (e *Entry) DeleteField(d *Delta, dot Dot, ts Timestamp, field []byte) bool {
	return e.DeleteFieldOf(d, e.Kind, dot, ts, field)
}

// DeleteFieldOf is an observed-remove of one field of the key's collection
// of kind k, wherever it is kept: the visible one, or one of a type that
// lost a type conflict (a key delete removes those too, as it removes
// everything its region observed). The delta carries k and k's own type
// stamp, so it changes no region's idea of the key's type. It reports
// whether the field was present.
func (e *Entry) DeleteFieldOf(d *Delta, k Kind, dot Dot, ts Timestamp, field []byte) bool {
	e.open()
	p := e.part(k, false)
	r := e.field(k, field)
	if r == nil || !r.Live() {
		return false
	}
	d.reset(OpFieldDel, dot, ts)
	d.Kind, d.KindRep, d.KindTS = k, p.KindRep, p.KindTS
	d.Field = field
	r.describeDel(d)
	e.Apply(d)
	return true
}

// FieldsOf returns the key's collection of kind k (hash, set or sorted
// set), visible or kept invisible after losing a type conflict, or nil.
func (e *Entry) FieldsOf(k Kind) *Fields {
	if e.body == nil {
		return nil
	}
	if e.Kind == k {
		if e.Fields != nil && e.Fields.kind == k {
			return e.Fields
		}
		return nil
	}
	if p := e.part(k, false); p != nil && p.Fields != nil && p.Fields.kind == k {
		return p.Fields
	}
	return nil
}

// field returns the register of a field of the key's collection of kind k,
// wherever it is kept. A local write describes itself from it even when k
// is not the key's visible type (the key is absent, its data removed): the
// register still holds the contexts and running increment sums that the
// new write must carry on from (an increment restarting its region's sum
// below what a delete removed would read negative everywhere).
func (e *Entry) field(k Kind, name []byte) *Register {
	if f := e.FieldsOf(k); f != nil {
		return f.M[string(name)]
	}
	return nil
}

// HasDormant reports whether the key holds another type than its own
// (data or a type stamp kept after a type conflict): only then need a key
// delete look past the visible type's data.
func (e *Entry) HasDormant() bool { return e.body != nil && len(e.dormant) > 0 }

// ListData returns the key's list, visible or kept invisible after losing
// a type conflict, or nil (a key delete clears it either way).
func (e *Entry) ListData() *List {
	if e.body == nil {
		return nil
	}
	if p := e.part(KindList, false); p != nil {
		l, _ := p.Obj.(*List)
		return l
	}
	return nil
}

// kindOf is the type whose data a delta changes. The operation decides it
// for every type but the field collections; a delta that contradicts its
// operation (no encoder writes one) changes nothing.
func kindOf(d *Delta) Kind {
	switch d.Op {
	case OpStrSet, OpStrIncr:
		return KindString
	case OpFieldSet, OpFieldIncr, OpFieldDel:
		if d.Kind.HasFields() {
			return d.Kind
		}
	case OpListInsert, OpListRemove, OpListSet:
		return KindList
	case OpHLLAdd:
		return KindHLL
	}
	return KindNone
}

// Apply merges a delta, local or remote, into the entry. Applying the same
// delta twice, or deltas of different origins in any order, gives the same
// state (deltas of one origin arrive in order). It reports false only for a
// kind this build does not know.
func (e *Entry) Apply(d *Delta) bool {
	if e.body == nil {
		if e.applyPacked(d) {
			return true
		}
		was := e.Packed()
		e.open()
		ok := e.apply(d)
		if was {
			e.tryPack() // a duplicate, say: no reason to stay open
		}
		return ok
	}
	return e.apply(d)
}

func (e *Entry) apply(d *Delta) bool {
	switch d.Op {
	case OpExpire:
		e.Exp.Apply(d.ExpCtx, Elem[Deadline]{Dot: d.Dot, TS: d.TS, V: Deadline(d.Deadline)}, true)
		return true
	case OpDel:
		// The string's data always lives in e.Register, so the register
		// part applies there whatever the key's type; an HLL's
		// delete-wins part goes to the HLL, wherever it is kept.
		e.Register.applyDel(d)
		e.Exp.Apply(d.ExpCtx, Elem[Deadline]{}, false)
		if d.Kind == KindHLL {
			e.ApplyObjectDel(d)
		}
		e.settle()
		return true
	}
	k := kindOf(d)
	if k == KindNone {
		return d.Op <= opLast
	}
	t := e.target(k, d.KindRep, d.KindTS)
	switch d.Op {
	case OpStrSet:
		t.Register.applySet(d)
		if d.Flags&FlagExpiry != 0 {
			e.Exp.Apply(d.ExpCtx, Elem[Deadline]{Dot: d.Dot, TS: d.TS, V: Deadline(d.Deadline)}, true)
		}
	case OpStrIncr:
		t.Register.applyIncr(d)
	case OpFieldSet, OpFieldIncr, OpFieldDel:
		if t.Fields == nil {
			t.Fields = &Fields{M: make(map[string]*Register), kind: k}
		}
		t.Fields.apply(d, e.Retain)
	default:
		if t.Obj == nil {
			t.Obj = newObject(k)
			if t.Obj == nil {
				return false // a kind this build does not know: refused by the decoder already
			}
		}
		t.Obj.Apply(d, e.Retain)
	}
	e.settle()
	return true
}

// The slots of an Entry: each type keeps its data in one. The string's
// data always lives in e.Register; the other types' data is in the
// entry's own Fields or Obj only while that type is the key's type (Kind),
// and otherwise in a dormant container of its own.
const (
	slotNone = iota
	slotRegister
	slotFields
	slotObj
)

func slotOf(k Kind) int {
	switch {
	case k == KindString:
		return slotRegister
	case k.HasFields():
		return slotFields
	case k == KindList || k == KindHLL:
		return slotObj
	}
	return slotNone
}

// occupant is the type whose data fills a slot now (KindNone: empty).
func (e *Entry) occupant(slot int) Kind {
	switch slot {
	case slotRegister:
		return KindString
	case slotFields:
		if e.Fields != nil {
			return e.Fields.kind
		}
	case slotObj:
		return objectKind(e.Obj)
	}
	return KindNone
}

func objectKind(o Object) Kind {
	switch o.(type) {
	case *List:
		return KindList
	case *HLL:
		return KindHLL
	}
	return KindNone
}

// Type conflicts (SEMANTICS.md 8). Every type a key has held keeps its own
// data and its own type stamp: the stamp of its creating write, the
// LWW-latest of the stamps its writes carried. The key's type (Kind) is
// the type with data to show whose stamp is the latest (settle); the other
// types' data stays invisible, in dormant containers (or e.Register for a
// string), never dropped. So every region holds the same data and the same
// stamp for every type, whatever order its deltas and merges came in, and
// the key's type is a function of those alone:
//
//   - a write of a type goes to that type's data wherever it is kept, and
//     so does a delete (field deletes and list clears carry their type,
//     an HLL's delete goes to the HLL); a type's data never sits in two
//     places, so nothing depends on where it was when;
//   - a type whose data is all removed no longer decides the key's type:
//     a concurrent type's data that the removal had not observed shows
//     (a DEL removes only what its region observed, of every type, and a
//     write it did not observe survives it, as for one type). Stamps of
//     types without data matter only among types without data, so a key
//     that shows nothing reads the same everywhere, and collecting a dead
//     key (whose stamps every later write's stamp exceeds, since
//     collection waits until every region has received everything it
//     holds) changes no later outcome.

// target records a write of kind k created at (rep, ts) in k's type stamp
// and returns the entry that holds k's data: e itself for a string, else
// e when k is the key's type, else k's dormant container (made for it).
// The caller applies the write there, then settle decides the key's type.
func (e *Entry) target(k Kind, rep ReplicaID, ts Timestamp) *Entry {
	if e.Kind == k { // almost always
		if LWWLater(ts, rep, e.KindTS, e.KindRep) {
			e.KindRep, e.KindTS = rep, ts
		}
		return e
	}
	p := e.part(k, true)
	if LWWLater(ts, rep, p.KindTS, p.KindRep) {
		p.KindRep, p.KindTS = rep, ts
	}
	if k == KindString {
		return e
	}
	return p
}

// part returns the entry that holds kind k's type stamp and (but for a
// string) its data: e when k is the key's type, else k's container. With
// create, a missing part is made: an entry that holds no type yet takes k
// as its own, else k gets a container; its stamp starts at zero, below
// every write's.
func (e *Entry) part(k Kind, create bool) *Entry {
	if e.Kind == k {
		return e
	}
	for _, c := range e.dormant {
		if c.Kind == k {
			return c
		}
	}
	if !create || k == KindNone {
		return nil
	}
	if e.Kind == KindNone && e.Fields == nil && e.Obj == nil {
		e.Kind, e.KindRep, e.KindTS = k, 0, 0
		return e
	}
	c := &Entry{Kind: k, Retain: e.Retain, body: &body{}}
	e.dormant = append(e.dormant, c)
	return c
}

// partLive reports whether the type held by part p (e or a container) has
// data to show.
func (e *Entry) partLive(p *Entry) bool {
	switch k := p.Kind; {
	case k == KindString:
		return e.Register.Live()
	case k.HasFields():
		return p.Fields != nil && p.Fields.kind == k && p.Fields.Len() > 0
	case k == KindNone:
		return false
	}
	return p.Obj != nil && objectKind(p.Obj) == p.Kind && p.Obj.Live()
}

// ahead orders the types of a key for settle: one with data to show before
// one without, then by LWW of their stamps, then (only stamps of no write,
// zero, can tie) by kind number.
func ahead(al bool, ak Kind, ar ReplicaID, at Timestamp, bl bool, bk Kind, br ReplicaID, bt Timestamp) bool {
	switch {
	case al != bl:
		return al
	case at != bt || ar != br:
		return LWWLater(at, ar, bt, br)
	}
	return ak < bk
}

// settle makes the first type in ahead's order the key's type: after every
// change, so the key's type depends only on the data and stamps the entry
// holds. Without containers there is nothing to decide (and nothing to pay
// on the hot path).
func (e *Entry) settle() {
	if len(e.dormant) > 0 {
		e.settleTypes()
	}
}

func (e *Entry) settleTypes() {
	best := -1
	bl, bk, br, bt := e.partLive(e), e.Kind, e.KindRep, e.KindTS
	for i, c := range e.dormant {
		if l := e.partLive(c); ahead(l, c.Kind, c.KindRep, c.KindTS, bl, bk, br, bt) {
			best, bl, bk, br, bt = i, l, c.Kind, c.KindRep, c.KindTS
		}
	}
	if best >= 0 {
		e.promote(best)
	}
}

// promote makes the type of container i the key's type: its data moves into
// e's slot, and the type that was the key's moves, data and stamp, into
// the container (a string's data stays in e.Register).
func (e *Entry) promote(i int) {
	e.tidy()
	c := e.dormant[i]
	var f *Fields
	var o Object
	switch slotOf(c.Kind) {
	case slotFields:
		f, c.Fields = c.Fields, nil
	case slotObj:
		o, c.Obj = c.Obj, nil
	}
	switch slotOf(e.Kind) {
	case slotFields:
		c.Fields, e.Fields = e.Fields, nil
	case slotObj:
		c.Obj, e.Obj = e.Obj, nil
	}
	switch slotOf(c.Kind) {
	case slotFields:
		e.Fields = f
	case slotObj:
		e.Obj = o
	}
	e.Kind, c.Kind = c.Kind, e.Kind
	e.KindRep, c.KindRep = c.KindRep, e.KindRep
	e.KindTS, c.KindTS = c.KindTS, e.KindTS
	if c.Kind == KindNone {
		e.dormant = append(e.dormant[:i], e.dormant[i+1:]...)
		if len(e.dormant) == 0 {
			e.dormant = nil
		}
	}
}

// tidy moves data that e's slots hold for another type than e.Kind into
// that type's container. This build never puts it there; a state decoded
// from elsewhere and used as is may (DecodeEntryState accepts it).
func (e *Entry) tidy() {
	if f := e.Fields; f != nil && f.kind != e.Kind {
		e.Fields = nil
		if c := e.part(f.kind, true); c.Fields == nil {
			c.Fields = f
		} else {
			c.Fields.merge(f, e.Retain)
		}
	}
	if k := objectKind(e.Obj); e.Obj != nil && k != e.Kind {
		o := e.Obj
		e.Obj = nil
		if k == KindNone {
			return
		}
		if c := e.part(k, true); c.Obj == nil {
			c.Obj = o
		} else {
			c.Obj.Merge(o, e.Retain)
		}
	}
}

// mergeSlot merges o's data of kind k (in o's slot for k) into k's data in
// e, and k's stamp with (rep, ts). A string's data is not in a slot (Merge
// joins the registers).
func (e *Entry) mergeSlot(k Kind, rep ReplicaID, ts Timestamp, o *Entry) {
	if slotOf(k) == slotNone {
		return
	}
	t := e.target(k, rep, ts)
	switch slotOf(k) {
	case slotFields:
		if o.Fields == nil || o.Fields.kind != k {
			return
		}
		if t.Fields == nil {
			t.Fields = &Fields{M: make(map[string]*Register), kind: k}
		}
		t.Fields.merge(o.Fields, e.Retain)
	case slotObj:
		if o.Obj == nil || objectKind(o.Obj) != k {
			return
		}
		if t.Obj == nil {
			t.Obj = newObject(k)
		}
		if t.Obj != nil {
			t.Obj.Merge(o.Obj, e.Retain)
		}
	}
}

// Merge joins another entry's full state into e (full sync): every type's
// data and stamp into that type's, then settle. o is not changed.
func (e *Entry) Merge(o *Entry) {
	e.open()
	o = o.General()
	e.Exp.Merge(&o.Exp)
	e.Register.merge(&o.Register)
	if o.Kind != KindNone {
		e.mergeSlot(o.Kind, o.KindRep, o.KindTS, o)
	}
	// Data o's slots hold for another type than o's (a foreign state:
	// this build keeps it in containers) joins with no stamp.
	for s := slotFields; s <= slotObj; s++ {
		if occ := o.occupant(s); occ != KindNone && occ != o.Kind {
			e.mergeSlot(occ, 0, 0, o)
		}
	}
	for _, c := range o.dormant {
		e.Exp.Merge(&c.Exp)
		e.Register.merge(&c.Register)
		e.mergeSlot(c.Kind, c.KindRep, c.KindTS, c)
	}
	e.settle()
	e.tryPack()
}

// Clone returns a deep copy (COPY, and tests).
func (e *Entry) Clone() *Entry {
	c := &Entry{Kind: e.Kind, Retain: e.Retain, Access: e.Access}
	c.open()
	c.KindRep, c.KindTS = e.KindStamp()
	c.Merge(e)
	return c
}
