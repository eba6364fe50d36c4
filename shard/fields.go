package shard

import "github.com/meridiandb/meridian/core"

// Writes to the fields of hashes, sets and sorted sets. Each takes its own
// dot, applies to the entry (created with LookupWrite) and emits its delta.

// SetField writes value into field of a key of kind k and reports whether
// the field is new.
func (x *Exec) SetField(db int, key []byte, e *core.Entry, k core.Kind, field, value []byte) bool {
	dot, ts, p := x.write(db, key)
	created := e.SetField(&x.delta, k, dot, ts, field, value)
	x.emit(db, key, p)
	x.settle(db, key, e)
	return created
}

// IncrField adds by to a field's integer value (HINCRBY).
func (x *Exec) IncrField(db int, key []byte, e *core.Entry, k core.Kind, field []byte, by int64) (int64, error) {
	dot, p := x.peekDot(key)
	n, err := e.IncrField(&x.delta, k, dot, x.clock.Now(x.now), field, by)
	if err != nil {
		x.settle(db, key, e)
		return 0, err
	}
	x.seqs[p] = dot.Seq
	x.emit(db, key, p)
	x.settle(db, key, e)
	return n, nil
}

// IncrFieldFloat adds by to a field's value as a float (HINCRBYFLOAT,
// ZINCRBY) and returns the new value formatted into buf.
func (x *Exec) IncrFieldFloat(db int, key []byte, e *core.Entry, k core.Kind, field []byte, by core.DD, buf []byte) ([]byte, error) {
	dot, p := x.peekDot(key)
	v, err := e.IncrFieldFloat(&x.delta, k, dot, x.clock.Now(x.now), field, by, buf)
	if err != nil {
		x.settle(db, key, e)
		return nil, err
	}
	x.seqs[p] = dot.Seq
	x.emit(db, key, p)
	x.settle(db, key, e)
	return v, nil
}

// DeleteField removes one field (HDEL, SREM, ZREM) and reports whether it
// was there. A collection left empty is deleted, as in Redis.
func (x *Exec) DeleteField(db int, key []byte, e *core.Entry, field []byte) bool {
	if f := e.Fields; f == nil || f.Get(field) == nil {
		return false
	}
	dot, ts, p := x.write(db, key)
	e.DeleteField(&x.delta, dot, ts, field)
	x.emit(db, key, p)
	if !e.Live() {
		x.Delete(db, key, e) // the key-level part: its TTL goes too
		return true
	}
	x.settle(db, key, e)
	return true
}

// deleteFields removes every live field of a collection, one delta each:
// the field part of an observed-remove of the whole key.
func (x *Exec) deleteFields(db int, key []byte, e *core.Entry) {
	if e.Fields == nil || e.Fields.Len() == 0 {
		return
	}
	names := x.names[:0]
	e.Fields.Each(func(name string, _ *core.Register) bool {
		names = append(names, name)
		return true
	})
	for _, n := range names {
		dot, ts, p := x.write(db, key)
		e.DeleteField(&x.delta, dot, ts, []byte(n))
		x.emit(db, key, p)
	}
	clear(names)
	x.names = names[:0]
}
