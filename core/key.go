package core

import (
	"math"
	"unsafe"
)

// An Entry keeps its key, and while packed its value, in one buffer (see
// Entry.buf): [key | value | spare]. The key's bytes never change once
// written, so Key can alias them; a key or a value that no longer fits
// moves both to a new buffer, and the old one lives on as long as anything
// (a key string handed out, a body's value) still points into it.
//
// The keyspace (package shard) chains entries through Next and SetNext.

// NewEntry returns an empty entry holding key, with room for a value of
// room bytes after it (a SET knows its value's size: the key and the value
// then take one allocation of the smallest size class that holds both).
func NewEntry(key []byte, room int, retain bool) *Entry {
	e := &Entry{Retain: retain}
	e.newBuf(key, room)
	return e
}

// Key is the entry's key (empty for an entry no keyspace holds). It
// aliases the entry's buffer, whose key bytes never change.
func (e *Entry) Key() string { return unsafe.String(e.buf, e.kLen) }

// SetKey makes key the entry's key (RENAME and the like move an entry's
// state under another key, and an entry built from an encoded state has
// none). The packed value, if any, moves along.
func (e *Entry) SetKey(key []byte) { e.newBuf(key, 0) }

// newBuf moves the key and the packed value to a new buffer holding key,
// with room for at least room more bytes of value.
func (e *Entry) newBuf(key []byte, room int) {
	v := e.val()
	b := make([]byte, 0, len(key)+max(len(v), room))
	b = append(append(b, key...), v...)
	e.setBuf(b, len(key), len(v))
}

// Next is the entry chained after e in its keyspace bucket.
func (e *Entry) Next() *Entry { return e.next }

// SetNext chains n after e (the keyspace's own bookkeeping).
func (e *Entry) SetNext(n *Entry) { e.next = n }

// setBuf makes b[:kLen] the key and b[kLen:kLen+vLen] the value. A
// capacity beyond 32 bits is cut (the excess is merely not reused).
func (e *Entry) setBuf(b []byte, kLen, vLen int) {
	c := cap(b)
	if uint64(c) > math.MaxUint32 {
		c = kLen + vLen
	}
	e.buf, e.kLen, e.vLen, e.bufCap = unsafe.SliceData(b), uint32(kLen), uint32(vLen), uint32(c)
}

// val is the packed value: the bytes after the key, with the buffer's
// spare room as capacity (a body that takes the value over may grow it in
// place: the key's bytes are before it). nil without a buffer.
func (e *Entry) val() []byte {
	if e.buf == nil {
		return nil
	}
	return unsafe.Slice(e.buf, e.bufCap)[e.kLen : e.kLen+e.vLen : e.bufCap]
}

// fitsPacked reports whether a value of n bytes can be held packed after
// the key (sizes are 32-bit).
func (e *Entry) fitsPacked(n int) bool {
	return uint64(e.kLen)+uint64(n) <= math.MaxUint32
}

// setVal copies v in as the packed value, after the key: in place when it
// fits, else into a new buffer with the key. v may alias the current value.
func (e *Entry) setVal(v []byte) {
	k := int(e.kLen)
	if k+len(v) <= int(e.bufCap) {
		whole := unsafe.Slice(e.buf, e.bufCap)
		copy(whole[k:], v)
		e.vLen = uint32(len(v))
		return
	}
	b := make([]byte, 0, k+len(v))
	b = append(b, e.Key()...)
	b = append(b, v...)
	e.setBuf(b, k, len(v))
}
