package shard

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/meridiandb/meridian/core"
)

// Bitmap operations on strings (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
// BITFIELD, BITFIELD_RO), with Redis's rules from src/bitops.c. Writes are
// whole-value writes of the string (SEMANTICS.md section 1) through
// modifyString, which keeps the TTL; they grow the string with zero bytes
// as Redis does. Reads see an HLL key as its Redis string, as Redis does.

// modifyString is Modify that also accepts an HLL key, whose value is its
// Redis string (in Redis an HLL is a string, and SETBIT or BITFIELD may
// change it): a change makes the key a plain string holding the new bytes.
// fn follows Modify's contract; a fn that declines should hand its buffer
// back with x.keep.
func (x *Exec) modifyString(db int, key []byte, fn func(cur []byte, exists bool, buf []byte) ([]byte, bool)) Status {
	e := x.Peek(db, key)
	if e == nil || e.Kind != core.KindHLL {
		return x.Modify(db, key, fn)
	}
	cur, _ := x.stringOf(e)
	nv, ok := fn(cur, true, x.scratch2())
	if !ok {
		return NotDone
	}
	x.keep(nv)
	x.SetString(db, key, e, nv, true, 0)
	return OK
}

// growZero extends b with zero bytes to length n.
func growZero(b []byte, n int) []byte {
	if len(b) >= n {
		return b
	}
	return append(b, make([]byte, n-len(b))...)
}

// SetBit sets (on) or clears bit off of the string at key (SETBIT) and
// returns the bit's previous value. A string too short grows with zeros;
// nothing is written when the bit already had the value.
func (x *Exec) SetBit(db int, key []byte, off uint64, on bool) (int, Status) {
	old := 0
	st := x.modifyString(db, key, func(cur []byte, exists bool, buf []byte) ([]byte, bool) {
		i, shift := off>>3, 7-off&7
		grows := i >= uint64(len(cur))
		if !grows {
			old = int(cur[i]>>shift) & 1
		}
		if exists && !grows && (old == 1) == on {
			x.keep(buf)
			return buf, false
		}
		buf = growZero(append(buf, cur...), int(i)+1)
		if on {
			buf[i] |= 1 << shift
		} else {
			buf[i] &^= 1 << shift
		}
		return buf, true
	})
	if st == WrongType {
		return 0, WrongType
	}
	return old, OK
}

// GetBit returns bit off of the string at key (GETBIT); 0 past its end or
// when the key is absent.
func (x *Exec) GetBit(db int, key []byte, off uint64) (int, Status) {
	v, st := x.GetString(db, key)
	if st == WrongType {
		return 0, WrongType
	}
	if i := off >> 3; i < uint64(len(v)) {
		return int(v[i]>>(7-off&7)) & 1, OK
	}
	return 0, OK
}

// popcount counts the set bits of b.
func popcount(b []byte) int64 {
	n := 0
	for len(b) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, c := range b {
		n += bits.OnesCount8(c)
	}
	return int64(n)
}

// BitRange is the optional range of BITCOUNT and BITPOS: indexes of bytes,
// or of bits with Bit; negative ones count from the end.
type BitRange struct {
	Start, End int64
	HasStart   bool // BITCOUNT: a range was given; BITPOS: a start was given
	HasEnd     bool // BITPOS: an end was given
	Bit        bool
}

// span turns a range over a string of strlen bytes into byte indexes
// [start, end] and the masks of the bits outside the range in the first
// and last bytes (Redis's first_byte_neg_mask, last_byte_neg_mask).
func (r BitRange) span(strlen int64) (start, end int64, firstMask, lastMask byte) {
	start, end = r.Start, r.End
	total := strlen
	if r.Bit {
		total <<= 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	if r.Bit && start <= end {
		firstMask = ^byte(1<<(8-(start&7)) - 1)
		lastMask = byte(1<<(7-(end&7)) - 1)
		start >>= 3
		end >>= 3
	}
	return start, end, firstMask, lastMask
}

// BitCount counts the set bits of the string at key, or of a range of it
// (BITCOUNT); 0 when the key is absent.
func (x *Exec) BitCount(db int, key []byte, r BitRange) (int64, Status) {
	v, st := x.GetString(db, key)
	if st == WrongType {
		return 0, WrongType
	}
	if !r.HasStart {
		return popcount(v), OK
	}
	if r.Start < 0 && r.End < 0 && r.Start > r.End {
		return 0, OK
	}
	start, end, first, last := r.span(int64(len(v)))
	if start > end {
		return 0, OK
	}
	n := popcount(v[start : end+1])
	if first != 0 {
		n -= int64(bits.OnesCount8(v[start] & first))
	}
	if last != 0 {
		n -= int64(bits.OnesCount8(v[end] & last))
	}
	return n, OK
}

// bitpos is Redis's redisBitpos: the position of the first bit equal to
// bit in b; looking for a 1 that is not there gives -1, for a 0 the bit
// right after b (the string reads as padded with zeros).
func bitpos(b []byte, bit int) int64 {
	skip := byte(0)
	if bit == 0 {
		skip = 0xff
	}
	for i, c := range b {
		if c == skip {
			continue
		}
		if bit == 0 {
			c = ^c
		}
		return int64(i)*8 + int64(bits.LeadingZeros8(c))
	}
	if bit == 1 {
		return -1
	}
	return int64(len(b)) * 8
}

// BitPos finds the first bit equal to bit in the string at key, or in a
// range of it (BITPOS), with Redis's edge rules: an absent key is all
// zeros (0 for a clear bit, -1 for a set one); an empty range gives -1;
// looking for a clear bit past the end of the string finds the first bit
// after it, unless the range named its end.
func (x *Exec) BitPos(db int, key []byte, bit int, r BitRange) (int64, Status) {
	v, st := x.GetString(db, key)
	if st == WrongType {
		return 0, WrongType
	}
	if st == NotFound {
		if bit == 1 {
			return -1, OK
		}
		return 0, OK
	}
	start, end := int64(0), int64(len(v))-1
	var first, last byte
	if r.HasStart {
		rr := r
		if !r.HasEnd {
			rr.End = int64(len(v)) - 1
		}
		start, end, first, last = rr.span(int64(len(v)))
	}
	if start > end {
		return -1, OK
	}
	pos, start, bytes := bitposMasked(v, bit, start, end, first, last)
	if r.HasEnd && bit == 0 && pos == bytes<<3 {
		return -1, OK
	}
	if pos != -1 {
		pos += start << 3
	}
	return pos, OK
}

// bitposMasked is the search of Redis's bitposCommand over bytes
// [start, end] of v, the bits outside the range masked off in the first and
// last bytes: the position found (relative to the returned start) and the
// number of bytes the last search covered, which decide how the caller
// reads a clear bit found just past them.
func bitposMasked(v []byte, bit int, start, end int64, first, last byte) (pos, from, bytes int64) {
	mask := func(c, m byte) []byte {
		if bit == 1 {
			return []byte{c &^ m}
		}
		return []byte{c | m}
	}
	bytes = end - start + 1
	if first != 0 {
		c := mask(v[start], first)
		if last != 0 && bytes == 1 {
			c = mask(c[0], last)
		}
		pos = bitpos(c, bit)
		if bytes == 1 || (pos != -1 && pos != 8) {
			return pos, start, bytes
		}
		start++
		bytes--
	}
	cur := bytes
	if last != 0 {
		cur--
	}
	if cur > 0 {
		pos = bitpos(v[start:start+cur], bit)
		if bytes == cur || (pos != -1 && pos != cur<<3) {
			return pos, start, bytes
		}
		start += cur
		bytes -= cur
	}
	return bitpos(mask(v[end], last), bit), start, bytes
}

// BitOpKind is BITOP's operation.
type BitOpKind uint8

// BITOP operations.
const (
	BitAnd BitOpKind = iota
	BitOr
	BitXor
	BitNot
)

// BitOp stores in dest the bitwise op of the strings at srcs (BITOP) and
// returns the result's length, that of the longest source; absent keys are
// empty strings, shorter strings are padded with zeros. The result is a
// plain SET of dest (its TTL goes); an empty result deletes dest.
func (m Multi) BitOp(db int, op BitOpKind, dest []byte, srcs [][]byte) (int64, Status) {
	xd := m.For(dest)
	res := xd.scratch2()
	for i, k := range srcs {
		v, st := m.For(k).GetString(db, k)
		if st == WrongType {
			xd.keep(res)
			return 0, WrongType
		}
		if i == 0 {
			res = append(res, v...)
			if op == BitNot {
				for j := range res {
					res[j] = ^res[j]
				}
			}
			continue
		}
		n := min(len(res), len(v))
		switch op {
		case BitAnd:
			for j := 0; j < n; j++ {
				res[j] &= v[j]
			}
			clear(res[n:])
			res = growZero(res, len(v))
		case BitOr, BitXor:
			for j := 0; j < n; j++ {
				if op == BitOr {
					res[j] |= v[j]
				} else {
					res[j] ^= v[j]
				}
			}
			res = append(res, v[n:]...)
		}
	}
	n := int64(len(res))
	if n == 0 {
		xd.DeleteKey(db, dest)
	} else {
		e := xd.LookupWrite(db, dest)
		xd.SetString(db, dest, e, res, false, 0)
	}
	xd.keep(res)
	return n, OK
}

// BitField operations, types and overflow behaviours (BITFIELD).
const (
	BitFieldGet uint8 = iota
	BitFieldSet
	BitFieldIncrBy
)

// Overflow behaviours of BITFIELD SET and INCRBY.
const (
	OverflowWrap uint8 = iota
	OverflowSat
	OverflowFail
)

// BitFieldOp is one parsed BITFIELD operation.
type BitFieldOp struct {
	Op       uint8 // BitFieldGet, BitFieldSet, BitFieldIncrBy
	Signed   bool
	Bits     uint8 // 1..64 signed, 1..63 unsigned
	Overflow uint8 // OverflowWrap, OverflowSat, OverflowFail
	Offset   uint64
	Value    int64 // SET's value or INCRBY's increment
}

// BitFieldResult is one BITFIELD reply: a value, or Null when an
// operation failed under OVERFLOW FAIL.
type BitFieldResult struct {
	Value int64
	Null  bool
}

// getField reads bits bits at bit offset off of p, most significant bit
// first; bits past the end of p read as zero.
func getField(p []byte, off uint64, n uint8) uint64 {
	var v uint64
	for j := uint64(0); j < uint64(n); j++ {
		o := off + j
		var b uint64
		if i := o >> 3; i < uint64(len(p)) {
			b = uint64(p[i]>>(7-o&7)) & 1
		}
		v = v<<1 | b
	}
	return v
}

// setField writes the low n bits of v at bit offset off of p, which is
// long enough.
func setField(p []byte, off uint64, n uint8, v uint64) {
	for j := uint64(0); j < uint64(n); j++ {
		o := off + j
		bit := byte(v>>(uint64(n)-1-j)) & 1
		i, shift := o>>3, 7-o&7
		p[i] = p[i]&^(1<<shift) | bit<<shift
	}
}

// getSigned reads a two's complement field.
func getSigned(p []byte, off uint64, n uint8) int64 {
	v := int64(getField(p, off, n))
	if n < 64 && v&(1<<(n-1)) != 0 {
		v |= -1 << n
	}
	return v
}

// overflowUnsigned is Redis's checkUnsignedBitfieldOverflow: whether
// value+incr leaves the n-bit unsigned range, and the value to store then
// under ow.
func overflowUnsigned(value uint64, incr int64, n uint8, ow uint8) (bool, uint64) {
	maxv := uint64(1)<<n - 1
	maxincr := int64(maxv - value)
	minincr := -int64(value)
	over := value > maxv || (incr > 0 && incr > maxincr)
	under := !over && incr < 0 && incr < minincr
	if !over && !under {
		return false, 0
	}
	switch ow {
	case OverflowWrap:
		return true, (value + uint64(incr)) &^ (math.MaxUint64 << n)
	case OverflowSat:
		if over {
			return true, maxv
		}
		return true, 0
	}
	return true, 0
}

// overflowSigned is Redis's checkSignedBitfieldOverflow.
func overflowSigned(value, incr int64, n uint8, ow uint8) (bool, int64) {
	maxv := int64(math.MaxInt64)
	if n < 64 {
		maxv = 1<<(n-1) - 1
	}
	minv := -maxv - 1
	maxincr := int64(uint64(maxv) - uint64(value))
	minincr := minv - value
	over := value > maxv || (n != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)
	under := !over && (value < minv || (n != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr))
	if !over && !under {
		return false, 0
	}
	switch ow {
	case OverflowWrap:
		c := uint64(value) + uint64(incr)
		if n < 64 {
			mask := uint64(math.MaxUint64) << n
			if c&(1<<(n-1)) != 0 {
				c |= mask
			} else {
				c &^= mask
			}
		}
		return true, int64(c)
	case OverflowSat:
		if over {
			return true, maxv
		}
		return true, minv
	}
	return true, 0
}

// runField runs one SET or INCRBY on p (long enough) and reports its reply
// and whether it changed the stored bits.
func runField(p []byte, op BitFieldOp) (BitFieldResult, bool) {
	if op.Signed {
		old := getSigned(p, op.Offset, op.Bits)
		var nv, ret int64
		var over bool
		if op.Op == BitFieldIncrBy {
			var wrapped int64
			over, wrapped = overflowSigned(old, op.Value, op.Bits, op.Overflow)
			nv = old + op.Value
			if over {
				nv = wrapped
			}
			ret = nv
		} else {
			nv = op.Value
			if o, wrapped := overflowSigned(nv, 0, op.Bits, op.Overflow); o {
				over, nv = true, wrapped
			}
			ret = old
		}
		if over && op.Overflow == OverflowFail {
			return BitFieldResult{Null: true}, false
		}
		setField(p, op.Offset, op.Bits, uint64(nv))
		return BitFieldResult{Value: ret}, old != nv
	}
	old := getField(p, op.Offset, op.Bits)
	var nv, ret uint64
	var over bool
	if op.Op == BitFieldIncrBy {
		var wrapped uint64
		nv = old + uint64(op.Value)
		over, wrapped = overflowUnsigned(old, op.Value, op.Bits, op.Overflow)
		if over {
			nv = wrapped
		}
		ret = nv
	} else {
		nv = uint64(op.Value)
		if o, wrapped := overflowUnsigned(nv, 0, op.Bits, op.Overflow); o {
			over, nv = true, wrapped
		}
		ret = old
	}
	if over && op.Overflow == OverflowFail {
		return BitFieldResult{Null: true}, false
	}
	setField(p, op.Offset, op.Bits, nv)
	return BitFieldResult{Value: int64(ret)}, old != nv
}

// getFieldResult runs a GET.
func getFieldResult(p []byte, op BitFieldOp) BitFieldResult {
	if op.Signed {
		return BitFieldResult{Value: getSigned(p, op.Offset, op.Bits)}
	}
	return BitFieldResult{Value: int64(getField(p, op.Offset, op.Bits))}
}

// BitField runs BITFIELD's operations in order on the string at key and
// appends one result per operation to out. Only GETs: a read (an absent
// key reads as zeros). Any SET or INCRBY: the string first grows with
// zeros to hold the farthest field written (an absent key is created even
// when every write fails, as Redis does), and is written when that growth
// or an operation changed it.
func (x *Exec) BitField(db int, key []byte, ops []BitFieldOp, out []BitFieldResult) ([]BitFieldResult, Status) {
	var highest uint64
	write := false
	for _, op := range ops {
		if op.Op != BitFieldGet {
			write = true
			highest = max(highest, op.Offset+uint64(op.Bits)-1)
		}
	}
	if !write {
		v, st := x.GetString(db, key)
		if st == WrongType {
			return out, WrongType
		}
		for _, op := range ops {
			out = append(out, getFieldResult(v, op))
		}
		return out, OK
	}
	base := len(out)
	st := x.modifyString(db, key, func(cur []byte, exists bool, buf []byte) ([]byte, bool) {
		buf = growZero(append(buf, cur...), int(highest>>3)+1)
		changed := !exists || len(buf) != len(cur)
		for _, op := range ops {
			if op.Op == BitFieldGet {
				out = append(out, getFieldResult(buf, op))
				continue
			}
			r, ch := runField(buf, op)
			out = append(out, r)
			changed = changed || ch
		}
		if !changed {
			x.keep(buf)
		}
		return buf, changed
	})
	if st == WrongType {
		return out[:base], WrongType
	}
	return out, OK
}
