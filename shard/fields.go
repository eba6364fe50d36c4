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
// was there. A collection left empty is deleted, as in Redis: with it goes
// everything else the key holds, as a DEL would remove it (its TTL, and
// the data of a type that lost a type conflict, which would otherwise show
// now that the collection it lost to is empty).
func (x *Exec) DeleteField(db int, key []byte, e *core.Entry, field []byte) bool {
	if f := e.Fields; f == nil || f.Get(field) == nil {
		return false
	}
	k := e.Kind
	dot, ts, p := x.write(db, key)
	e.DeleteField(&x.delta, dot, ts, field)
	x.emit(db, key, p)
	if !e.Live() || e.Kind != k {
		x.Delete(db, key, e)
		return true
	}
	x.settle(db, key, e)
	return true
}

// fieldKinds are the types that keep their data in core.Fields.
var fieldKinds = [...]core.Kind{core.KindHash, core.KindSet, core.KindZSet}

// deleteFields removes every live field of every collection the key holds,
// one delta each: the field part of an observed-remove of the whole key.
// That is the key's visible collection and, after a type conflict, those
// of the types that lost it: a DEL removes everything its region observed,
// of every type, or a losing type's fields would show once the winner is
// gone here but not in a region that had removed them.
func (x *Exec) deleteFields(db int, key []byte, e *core.Entry) {
	if !e.HasDormant() {
		if f := e.FieldsOf(e.Kind); f != nil && f.Len() > 0 {
			x.deleteFieldsOf(db, key, e, e.Kind, f)
		}
		return
	}
	for _, k := range fieldKinds {
		if f := e.FieldsOf(k); f != nil && f.Len() > 0 {
			x.deleteFieldsOf(db, key, e, k, f)
		}
	}
}

// deleteFieldsOf removes every live field of f, e's collection of kind k.
func (x *Exec) deleteFieldsOf(db int, key []byte, e *core.Entry, k core.Kind, f *core.Fields) {
	names := x.names[:0]
	f.Each(func(name string, _ *core.Register) bool {
		names = append(names, name)
		return true
	})
	for _, n := range names {
		dot, ts, p := x.write(db, key)
		e.DeleteFieldOf(&x.delta, k, dot, ts, []byte(n))
		x.emit(db, key, p)
	}
	clear(names)
	x.names = names[:0]
}
