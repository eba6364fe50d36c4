package shard

import (
	"github.com/meridiandb/meridian/core"
)

// Status is the outcome of a shard operation that can refuse.
type Status uint8

// Statuses.
const (
	OK Status = iota
	NotFound
	WrongType
	NotDone // a condition (NX, XX, ...) was not met
)

// SetOptions are SET's options after parsing.
type SetOptions struct {
	NX, XX  bool
	Get     bool
	KeepTTL bool
	// Deadline is the absolute expiry in Unix ms (0: none). With Expired
	// set the deadline is already past: the key is written and deleted at
	// once, as Redis does for SET ... PXAT <past>.
	Deadline int64
	Expired  bool
}

// SetResult is what SET did.
type SetResult struct {
	Status Status // OK, NotDone (NX/XX), WrongType (GET on a non-string)
	// Old is the previous value (SET ... GET), copied into the caller's
	// buffer; HadOld says whether there was one.
	Old    []byte
	HadOld bool
}

// Set runs SET (and SETNX, SETEX, GETSET...). oldBuf receives the old value
// when o.Get is set.
func (x *Exec) Set(db int, key, value []byte, o SetOptions, oldBuf []byte) SetResult {
	var r SetResult
	// Writes look keys up without counting hits and misses, as Redis's
	// lookupKeyWrite; SET ... GET reads, so it counts.
	var e *core.Entry
	if o.Get {
		e = x.Lookup(db, key)
	} else {
		e = x.Peek(db, key)
	}
	if e != nil && o.Get {
		v, st := x.stringOf(e) // an HLL reads as its Redis string
		if st != OK {
			return SetResult{Status: WrongType}
		}
		r.Old, r.HadOld = append(oldBuf[:0], v...), true
	}
	if (o.NX && e != nil) || (o.XX && e == nil) {
		r.Status = NotDone
		return r
	}
	if e == nil {
		e = x.lookupWriteFor(db, key, len(value))
	} else {
		e.Access = x.lru // the live entry Peek found: no second lookup
	}
	x.SetString(db, key, e, value, o.KeepTTL, o.Deadline)
	if o.Expired {
		x.Delete(db, key, e)
	}
	return r
}

// GetString returns the visible value of a string key (status NotFound or
// WrongType otherwise). A HyperLogLog reads as Redis's HLL string, since
// Redis keeps HyperLogLogs as strings (GET, STRLEN, GETRANGE, the bit
// commands). The value aliases shard memory or scratch: use it before
// releasing the shard.
func (x *Exec) GetString(db int, key []byte) ([]byte, Status) {
	e := x.Lookup(db, key)
	if e == nil {
		return nil, NotFound
	}
	return x.stringOf(e)
}

// Incr adds by to an integer string (INCR, INCRBY, DECR, DECRBY).
func (x *Exec) Incr(db int, key []byte, by int64) (int64, Status, error) {
	if e := x.Peek(db, key); e != nil && e.Kind != core.KindString {
		if e.Kind == core.KindHLL { // a Redis HLL string is not a number
			return 0, OK, core.ErrNotInteger
		}
		return 0, WrongType, nil
	}
	e := x.LookupWrite(db, key)
	n, err := x.IncrBy(db, key, e, by)
	return n, OK, err
}

// IncrFloat adds by to a string as a float (INCRBYFLOAT) and returns the
// new value formatted into buf.
func (x *Exec) IncrFloat(db int, key []byte, by core.DD, buf []byte) ([]byte, Status, error) {
	if e := x.Peek(db, key); e != nil && e.Kind != core.KindString {
		if e.Kind == core.KindHLL {
			return nil, OK, core.ErrNotFloat
		}
		return nil, WrongType, nil
	}
	e := x.LookupWrite(db, key)
	v, err := x.IncrByFloat(db, key, e, by, buf[:0])
	return v, OK, err
}

// Modify is a read-modify-write of a string's whole value that keeps its
// TTL (APPEND, SETRANGE): fn gets the current value (nil when absent) and a
// buffer, and returns the new value, or ok=false to leave the key as it is.
func (x *Exec) Modify(db int, key []byte, fn func(cur []byte, exists bool, buf []byte) (nv []byte, ok bool)) Status {
	e := x.Peek(db, key)
	var cur []byte
	if e != nil {
		var st Status
		if cur, st = x.stringOf(e); st != OK { // an HLL reads as its Redis string
			return WrongType
		}
	}
	nv, ok := fn(cur, e != nil, x.scratch2())
	if !ok {
		return NotDone
	}
	x.keep(nv)
	e = x.LookupWrite(db, key)
	x.SetString(db, key, e, nv, true, 0)
	return OK
}

// scratch2 is a second buffer for building a new value from an old one that
// may live in scratch.
func (x *Exec) scratch2() []byte {
	b := x.spare
	x.spare = nil
	return b[:0]
}

// keep recycles a buffer handed out by scratch2.
func (x *Exec) keep(b []byte) {
	if cap(b) <= 1<<20 {
		x.spare = b
	}
}

// GetDel returns the value of a string key and deletes it.
func (x *Exec) GetDel(db int, key []byte, buf []byte) ([]byte, Status) {
	e := x.Lookup(db, key)
	if e == nil {
		return nil, NotFound
	}
	v, st := x.stringOf(e)
	if st != OK {
		return nil, WrongType
	}
	out := append(buf[:0], v...)
	x.Delete(db, key, e)
	return out, OK
}

// ExpiryChange says what GETEX does to the TTL.
type ExpiryChange struct {
	Set      bool  // change the TTL
	Deadline int64 // new deadline, 0 = persist
	Expired  bool  // the new deadline is already past: delete
}

// GetEx returns a string's value and changes its TTL.
func (x *Exec) GetEx(db int, key []byte, ch ExpiryChange, buf []byte) ([]byte, Status) {
	e := x.Lookup(db, key)
	if e == nil {
		return nil, NotFound
	}
	v, st := x.stringOf(e)
	if st != OK {
		return nil, WrongType
	}
	out := append(buf[:0], v...)
	switch {
	case !ch.Set:
	case ch.Expired:
		x.Delete(db, key, e)
	case ch.Deadline == 0 && e.Deadline() == 0:
		// PERSIST on a key without TTL changes nothing.
	default:
		x.SetExpiry(db, key, e, ch.Deadline)
	}
	return out, OK
}
