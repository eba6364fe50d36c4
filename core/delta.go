package core

// Op says what a delta does. The numbers are on the wire and on disk:
// append only, never renumber (a golden test freezes them).
type Op uint8

// Delta operations.
const (
	OpStrSet  Op = 1 // whole-value string write (base register), maybe with expiry
	OpStrIncr Op = 2 // one region's new increment total (Counters[0])
	OpDel     Op = 3 // observed-remove of the whole key
	OpExpire  Op = 4 // expiry write (Deadline, 0 = persist)
	// Field operations of hashes, sets and sorted sets: the same three
	// writes as a string's, on the register of Field.
	OpFieldSet  Op = 5
	OpFieldIncr Op = 6
	OpFieldDel  Op = 7
)

// Operations of lists (a replicated sequence, see List) and HyperLogLogs.
const (
	OpListInsert Op = 8  // insert element Dot after Refs[0] (none: at the head), value Value
	OpListRemove Op = 9  // remove the elements Refs
	OpListSet    Op = 10 // LWW write of element Refs[0]'s value
	OpHLLAdd     Op = 11 // merge registers (Value: index/value pairs)
)

// opLast is the highest known Op (decoders refuse anything above).
const opLast = OpHLLAdd

// Delta flags.
const (
	FlagExpiry uint8 = 1 << 0 // OpStrSet also replaces the expiry
	// FlagRem: an increment also carries Rem, its origin's share of what
	// deletes removed. A region that collected the delete's tombstone
	// (and with it Rem) learns it back from the next increment, so the
	// removed part of the origin's running sum never shows again.
	FlagRem uint8 = 1 << 1
	// FlagFresh: the origin's running sum starts here from zero (its
	// register held nothing of its own: a new value, or one whose
	// tombstone it collected). A region still holding the tombstone must
	// then forget the origin's removed share, which belonged to the old
	// sum, or the new sum would show minus the old removal.
	FlagFresh uint8 = 1 << 2
)

// Delta is the effect of one write: what happened, with its dot and HLC
// timestamp, in absolute terms (an absolute deadline, a region's increment
// total), so applying it twice or late is harmless.
//
// Slices may point into the writer's buffers: a Delta is valid only during
// the call that hands it over; a receiver that keeps it encodes or copies it.
type Delta struct {
	Op    Op
	Flags uint8
	// Kind is the type the write belongs to, and KindRep/KindTS the stamp
	// of the write that created that type (see Entry.target).
	Kind     Kind
	KindRep  ReplicaID
	KindTS   Timestamp
	DB       uint32
	Key      []byte
	Field    []byte // the hash field or set/sorted-set member of Op*Field*
	Dot      Dot
	TS       Timestamp
	Value    []byte
	Counters Counters
	Rem      Counter // with FlagRem: the origin's entry of Register.Rem
	Refs     []Dot   // the elements a list write refers to
	Ctx      VV      // context of the base component
	ExpCtx   VV      // context of the expiry component
	Deadline int64
}

func (d *Delta) reset(op Op, dot Dot, ts Timestamp) {
	d.Op, d.Flags, d.Dot, d.TS = op, 0, dot, ts
	d.Kind, d.KindRep, d.KindTS = KindNone, 0, 0
	d.Field = nil
	d.Value = nil
	d.Counters = d.Counters[:0]
	d.Rem = Counter{}
	d.Refs = d.Refs[:0]
	d.Ctx = d.Ctx[:0]
	d.ExpCtx = d.ExpCtx[:0]
	d.Deadline = 0
}
