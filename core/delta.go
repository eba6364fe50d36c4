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
)

// Delta flags.
const (
	FlagExpiry uint8 = 1 << 0 // OpStrSet also replaces the expiry
)

// Delta is the effect of one write: what happened, with its dot and HLC
// timestamp, in absolute terms (an absolute deadline, a region's increment
// total), so applying it twice or late is harmless.
//
// Slices may point into the writer's buffers: a Delta is valid only during
// the call that hands it over; a receiver that keeps it encodes or copies it.
type Delta struct {
	Op       Op
	Flags    uint8
	DB       uint32
	Key      []byte
	Dot      Dot
	TS       Timestamp
	Value    []byte
	Counters Counters
	Ctx      VV // context of the base component
	ExpCtx   VV // context of the expiry component
	Deadline int64
}

func (d *Delta) reset(op Op, dot Dot, ts Timestamp) {
	d.Op, d.Flags, d.Dot, d.TS = op, 0, dot, ts
	d.Value = nil
	d.Counters = d.Counters[:0]
	d.Ctx = d.Ctx[:0]
	d.ExpCtx = d.ExpCtx[:0]
	d.Deadline = 0
}
