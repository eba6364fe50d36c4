package net

import (
	"bytes"

	"github.com/meridiandb/meridian/shard"
)

// The bitmap family: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
// BITFIELD_RO on strings (src/bitops.c). Arguments are parsed and checked
// in Redis's order (every argument before the key's type), the shard does
// the bit work, and writes are whole-value string writes (SEMANTICS.md
// section 1).

// Texts of src/bitops.c (this file owns them: errors.go is shared).
const (
	errBitOffset    = "ERR bit offset is not an integer or out of range"
	errBitValue     = "ERR bit is not an integer or out of range"
	errBitArg       = "ERR The bit argument must be 1 or 0."
	errBitfieldType = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errOverflowType = "ERR Invalid OVERFLOW type specified"
	errBitfieldRO   = "ERR BITFIELD_RO only supports the GET subcommand"
	errBitopNot     = "ERR BITOP NOT must be called with a single source key."
)

// bitOffset parses a bit offset as Redis's getBitOffsetFromArgument: with
// hash, "#n" means n times bits (for BITFIELD); the offset must be
// non-negative and address a byte below proto-max-bulk-len. It writes the
// error reply and returns false when the argument is bad.
func bitOffset(c *Client, arg []byte, hash bool, bits int) (uint64, bool) {
	usehash := hash && bits > 0 && len(arg) > 0 && arg[0] == '#'
	s := arg
	if usehash {
		s = arg[1:]
	}
	v, ok := argInt(s)
	if ok && usehash {
		v *= int64(bits) // wraps on overflow, as in Redis
	}
	if !ok || v < 0 || v>>3 >= c.srv.cfg.Int("proto-max-bulk-len") {
		c.Error(errBitOffset)
		return 0, false
	}
	return uint64(v), true
}

func cmdSetBit(c *Client, args [][]byte) {
	off, ok := bitOffset(c, args[2], false, 0)
	if !ok {
		return
	}
	on, ok := argInt(args[3])
	if !ok || on&^1 != 0 {
		c.Error(errBitValue)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	old, st := x.SetBit(c.DB, args[1], off, on == 1)
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(int64(old))
}

func cmdGetBit(c *Client, args [][]byte) {
	off, ok := bitOffset(c, args[2], false, 0)
	if !ok {
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	v, st := x.GetBit(c.DB, args[1], off)
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(int64(v))
}

// bitUnit parses BITCOUNT's and BITPOS's BYTE|BIT.
func bitUnit(c *Client, arg []byte) (isBit, ok bool) {
	switch {
	case is(arg, "bit"):
		return true, true
	case is(arg, "byte"):
		return false, true
	}
	c.Error(ErrSyntax)
	return false, false
}

// cmdBitCount serves BITCOUNT key [start end [BYTE|BIT]] with Redis 7.2's
// order: the arguments are checked before the key, so a bad argument fails
// even when the key is absent.
func cmdBitCount(c *Client, args [][]byte) {
	var r shard.BitRange
	switch len(args) {
	case 2:
	case 4, 5:
		var ok1, ok2 bool
		r.HasStart = true
		if r.Start, ok1 = argInt(args[2]); !ok1 {
			c.Error(ErrNotInteger)
			return
		}
		if r.End, ok2 = argInt(args[3]); !ok2 {
			c.Error(ErrNotInteger)
			return
		}
		if len(args) == 5 {
			var ok bool
			if r.Bit, ok = bitUnit(c, args[4]); !ok {
				return
			}
		}
	default:
		c.Error(ErrSyntax)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.BitCount(c.DB, args[1], r)
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(n)
}

// cmdBitPos serves BITPOS key bit [start [end [BYTE|BIT]]], arguments
// first as in Redis 7.2.
func cmdBitPos(c *Client, args [][]byte) {
	bit, ok := argInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if bit != 0 && bit != 1 {
		c.Error(errBitArg)
		return
	}
	var r shard.BitRange
	switch len(args) {
	case 3:
	case 4, 5, 6:
		r.HasStart = true
		if r.Start, ok = argInt(args[3]); !ok {
			c.Error(ErrNotInteger)
			return
		}
		if len(args) == 6 {
			if r.Bit, ok = bitUnit(c, args[5]); !ok {
				return
			}
		}
		if len(args) >= 5 {
			r.HasEnd = true
			if r.End, ok = argInt(args[4]); !ok {
				c.Error(ErrNotInteger)
				return
			}
		}
	default:
		c.Error(ErrSyntax)
		return
	}
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	n, st := x.BitPos(c.DB, args[1], int(bit), r)
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(n)
}

func cmdBitOp(c *Client, args [][]byte) {
	var op shard.BitOpKind
	switch a := args[1]; {
	case is(a, "and"):
		op = shard.BitAnd
	case is(a, "or"):
		op = shard.BitOr
	case is(a, "xor"):
		op = shard.BitXor
	case is(a, "not"):
		op = shard.BitNot
	default:
		c.Error(ErrSyntax)
		return
	}
	if op == shard.BitNot && len(args) != 4 {
		c.Error(errBitopNot)
		return
	}
	keys := args[2:]
	m := c.srv.store.LockKeys(keys, c.Now)
	n, st := m.BitOp(c.DB, op, args[2], args[3:])
	m.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendInt(n)
}

// bitfieldType parses i1..i64 and u1..u63 as Redis's
// getBitfieldTypeFromArgument (which reads the width as a C string).
func bitfieldType(c *Client, arg []byte) (signed bool, bits int, ok bool) {
	if len(arg) == 0 || (arg[0] != 'i' && arg[0] != 'u') {
		c.Error(errBitfieldType)
		return false, 0, false
	}
	signed = arg[0] == 'i'
	w := arg[1:]
	if i := bytes.IndexByte(w, 0); i >= 0 {
		w = w[:i]
	}
	n, isInt := argInt(w)
	if !isInt || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		c.Error(errBitfieldType)
		return false, 0, false
	}
	return signed, int(n), true
}

// parseBitfield parses BITFIELD's operations as Redis's bitfieldGeneric,
// stopping at the first bad one (its error is written).
func parseBitfield(c *Client, args [][]byte, ops []shard.BitFieldOp) ([]shard.BitFieldOp, bool) {
	overflow := shard.OverflowWrap
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		sub := args[j]
		var op shard.BitFieldOp
		switch {
		case is(sub, "get") && rem >= 2:
			op.Op = shard.BitFieldGet
		case is(sub, "set") && rem >= 3:
			op.Op = shard.BitFieldSet
		case is(sub, "incrby") && rem >= 3:
			op.Op = shard.BitFieldIncrBy
		case is(sub, "overflow") && rem >= 1:
			j++
			switch a := args[j]; {
			case is(a, "wrap"):
				overflow = shard.OverflowWrap
			case is(a, "sat"):
				overflow = shard.OverflowSat
			case is(a, "fail"):
				overflow = shard.OverflowFail
			default:
				c.Error(errOverflowType)
				return ops, false
			}
			continue
		default:
			c.Error(ErrSyntax)
			return ops, false
		}
		signed, bits, ok := bitfieldType(c, args[j+1])
		if !ok {
			return ops, false
		}
		off, ok := bitOffset(c, args[j+2], true, bits)
		if !ok {
			return ops, false
		}
		if op.Op != shard.BitFieldGet {
			if op.Value, ok = argInt(args[j+3]); !ok {
				c.Error(ErrNotInteger)
				return ops, false
			}
			j++
		}
		op.Signed, op.Bits, op.Offset, op.Overflow = signed, uint8(bits), off, overflow
		ops = append(ops, op)
		j += 2
	}
	return ops, true
}

// cmdBitField serves BITFIELD and BITFIELD_RO.
func cmdBitField(c *Client, args [][]byte) {
	var opsBuf [8]shard.BitFieldOp
	ops, ok := parseBitfield(c, args, opsBuf[:0])
	if !ok {
		return
	}
	if is(args[0], "bitfield_ro") {
		for _, op := range ops {
			if op.Op != shard.BitFieldGet {
				c.Error(errBitfieldRO)
				return
			}
		}
	}
	var outBuf [8]shard.BitFieldResult
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	out, st := x.BitField(c.DB, args[1], ops, outBuf[:0])
	sh.Unlock()
	if st == shard.WrongType {
		c.Error(ErrWrongType)
		return
	}
	c.W.AppendArrayLen(len(out))
	for _, r := range out {
		if r.Null {
			c.W.AppendNull()
		} else {
			c.W.AppendInt(r.Value)
		}
	}
}

// BITFIELD's operations in the Syntax notation, named as in Redis's
// command docs.
const (
	bitfieldGet = "encoding_offset:(GET encoding offset:int)"
	bitfieldOp  = "operation:(" + bitfieldGet + " | write:([OVERFLOW wrap_sat_fail:(WRAP | SAT | FAIL)] write_operation:(" +
		"encoding_offset_value:(SET encoding offset:int value:int) | encoding_offset_increment:(INCRBY encoding offset:int increment:int))))"
)

var bitmapCommands = []*Command{
	{Name: "setbit", Arity: 4, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 1, Step: 1, Group: "bitmap", Since: "2.2.0", Summary: "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", Syntax: "key offset:int value:int", Handler: cmdSetBit},
	{Name: "getbit", Arity: 3, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "bitmap", Since: "2.2.0", Summary: "Returns a bit value by offset.", Syntax: "key offset:int", Handler: cmdGetBit},
	{Name: "bitcount", Arity: -2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "bitmap", Since: "2.6.0", Summary: "Counts the number of set bits (population counting) in a string.", Syntax: "key [index:(start:int end:int [index_unit:(BYTE | BIT)])]", Handler: cmdBitCount},
	{Name: "bitpos", Arity: -3, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "bitmap", Since: "2.8.7", Summary: "Finds the first set (1) or clear (0) bit in a string.", Syntax: "key bit:int [index:(start:int [end_index:(end:int [index_unit:(BYTE | BIT)])])]", Handler: cmdBitPos},
	{Name: "bitop", Arity: -4, Flags: FlagWrite | FlagDenyOOM, First: 2, Last: -1, Step: 1, Group: "bitmap", Since: "2.6.0", Summary: "Performs bitwise operations on multiple strings, and stores the result.", Syntax: "operation:(AND | OR | XOR | NOT) destkey:key key [key ...]", Handler: cmdBitOp},
	{Name: "bitfield", Arity: -2, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: 1, Step: 1, Group: "bitmap", Since: "3.2.0", Summary: "Performs arbitrary bitfield integer operations on strings.", Syntax: "key [" + bitfieldOp + " [" + bitfieldOp + " ...]]", Handler: cmdBitField},
	{Name: "bitfield_ro", Arity: -2, Flags: FlagReadonly | FlagFast, First: 1, Last: 1, Step: 1, Group: "bitmap", Since: "6.0.0", Summary: "Performs arbitrary read-only bitfield integer operations on strings.", Syntax: "key [" + bitfieldGet + " [" + bitfieldGet + " ...]]", Handler: cmdBitField},
}
