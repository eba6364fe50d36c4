package shard

import (
	"bytes"
	"math"
	"testing"

	"github.com/meridiandb/meridian/core"
)

// Tests of the bitmap operations (bitmaps.go). Helpers carry the bx
// prefix. Every reply is also checked against Redis 7.0.15 by the
// integration tests (cmd/meridian-server/bitmaps_test.go).

func bxSetBit(t *testing.T, s *Store, key string, off uint64, on bool) int {
	t.Helper()
	var old int
	fxDo(s, key, fxNow, func(x *Exec) {
		var st Status
		old, st = x.SetBit(0, []byte(key), off, on)
		if st != OK {
			t.Fatalf("SETBIT %s: %v", key, st)
		}
	})
	return old
}

func bxCount(s *Store, key string, r BitRange) int64 {
	var n int64
	fxDo(s, key, fxNow, func(x *Exec) { n, _ = x.BitCount(0, []byte(key), r) })
	return n
}

func bxPos(s *Store, key string, bit int, r BitRange) int64 {
	var n int64
	fxDo(s, key, fxNow, func(x *Exec) { n, _ = x.BitPos(0, []byte(key), bit, r) })
	return n
}

func TestBitmaps_SetBitGetBit(t *testing.T) {
	s, rec := newTestStore(t, 1)
	if old := bxSetBit(t, s, "b", 7, true); old != 0 {
		t.Fatalf("SETBIT of a new key returned %d", old)
	}
	fxWant(t, s, "b", "\x01", fxNow)
	if old := bxSetBit(t, s, "b", 7, true); old != 1 {
		t.Fatalf("SETBIT returned %d", old)
	}
	ds := rec.take(t)
	if len(ds) != 1 || ds[0].Op != core.OpStrSet || string(ds[0].Value) != "\x01" || ds[0].Flags&core.FlagExpiry != 0 {
		t.Fatalf("deltas %+v: want one whole-value write that keeps the TTL, and none when the bit is unchanged", ds)
	}
	bxSetBit(t, s, "b", 20, true) // grows with zeros
	fxWant(t, s, "b", "\x01\x00\x08", fxNow)
	bxSetBit(t, s, "b", 7, false)
	fxWant(t, s, "b", "\x00\x00\x08", fxNow)
	if old := bxSetBit(t, s, "b", 100, false); old != 0 {
		t.Fatal("clearing a bit past the end")
	}
	fxWant(t, s, "b", "\x00\x00\x08"+string(make([]byte, 10)), fxNow) // clearing past the end grows too, as Redis
	fxDo(s, "b", fxNow, func(x *Exec) {
		for off, want := range map[uint64]int{20: 1, 21: 0, 7: 0, 1 << 30: 0} {
			if got, st := x.GetBit(0, []byte("b"), off); st != OK || got != want {
				t.Fatalf("GETBIT %d = %d", off, got)
			}
		}
		if got, st := x.GetBit(0, []byte("nosuch"), 3); st != OK || got != 0 {
			t.Fatal("GETBIT of an absent key")
		}
	})
	// SETBIT keeps the TTL.
	fxSet(s, "t", "x", SetOptions{Deadline: fxNow + 9000}, fxNow)
	bxSetBit(t, s, "t", 0, true)
	if dl, _ := fxDeadline(s, "t", fxNow); dl != fxNow+9000 {
		t.Fatalf("SETBIT dropped the TTL: %d", dl)
	}
	fxSet(s, "o", "x", SetOptions{}, fxNow)
	fxMakeOtherKind(t, s, "o")
	fxDo(s, "o", fxNow, func(x *Exec) {
		if _, st := x.SetBit(0, []byte("o"), 1, true); st != WrongType {
			t.Fatal("SETBIT on another type")
		}
		if _, st := x.GetBit(0, []byte("o"), 1); st != WrongType {
			t.Fatal("GETBIT on another type")
		}
		if _, st := x.BitCount(0, []byte("o"), BitRange{}); st != WrongType {
			t.Fatal("BITCOUNT on another type")
		}
		if _, st := x.BitPos(0, []byte("o"), 1, BitRange{}); st != WrongType {
			t.Fatal("BITPOS on another type")
		}
		if _, st := x.BitField(0, []byte("o"), []BitFieldOp{{Op: BitFieldGet, Bits: 8}}, nil); st != WrongType {
			t.Fatal("BITFIELD GET on another type")
		}
		if _, st := x.BitField(0, []byte("o"), []BitFieldOp{{Op: BitFieldSet, Bits: 8}}, nil); st != WrongType {
			t.Fatal("BITFIELD SET on another type")
		}
	})
}

func TestBitmaps_BitCount(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	fxSet(s, "s", "foobar", SetOptions{}, fxNow)
	cases := []struct {
		r    BitRange
		want int64
	}{
		{BitRange{}, 26},
		{BitRange{HasStart: true, Start: 0, End: 0}, 4},
		{BitRange{HasStart: true, Start: 1, End: 1}, 6},
		{BitRange{HasStart: true, Start: 5, End: 30, Bit: true}, 17},
		{BitRange{HasStart: true, Start: -1, End: -2}, 0},
		{BitRange{HasStart: true, Start: -2, End: -1}, 7},
		{BitRange{HasStart: true, Start: 100, End: 200}, 0},
		{BitRange{HasStart: true, Start: math.MinInt64, End: math.MaxInt64, Bit: true}, 26},
		{BitRange{HasStart: true, Start: 1, End: 0}, 0},
	}
	for _, c := range cases {
		if got := bxCount(s, "s", c.r); got != c.want {
			t.Errorf("BITCOUNT %+v = %d, want %d", c.r, got, c.want)
		}
	}
	if got := bxCount(s, "nosuch", BitRange{HasStart: true, Start: 0, End: 5}); got != 0 {
		t.Errorf("BITCOUNT of an absent key = %d", got)
	}
}

func TestBitmaps_BitPos(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	fxSet(s, "z", "\xff\xf0\x00", SetOptions{}, fxNow)
	fxSet(s, "ones", "\xff\xff", SetOptions{}, fxNow)
	fxSet(s, "e", "", SetOptions{}, fxNow)
	cases := []struct {
		key  string
		bit  int
		r    BitRange
		want int64
	}{
		{"z", 0, BitRange{}, 12},
		{"z", 1, BitRange{}, 0},
		{"z", 0, BitRange{HasStart: true, Start: 2}, 16},
		{"z", 1, BitRange{HasStart: true, Start: 2}, -1},
		{"z", 1, BitRange{HasStart: true, Start: 7, HasEnd: true, End: 15, Bit: true}, 7},
		{"z", 0, BitRange{HasStart: true, Start: 7, HasEnd: true, End: 15, Bit: true}, 12},
		{"z", 0, BitRange{HasStart: true, Start: 0, HasEnd: true, End: 11, Bit: true}, -1},
		{"z", 0, BitRange{HasStart: true, Start: 3, HasEnd: true, End: 2}, -1},
		// A clear bit past the end: found after the string unless the
		// range names its end.
		{"ones", 0, BitRange{}, 16},
		{"ones", 0, BitRange{HasStart: true, Start: 0}, 16},
		{"ones", 0, BitRange{HasStart: true, Start: 0, HasEnd: true, End: -1}, -1},
		{"ones", 0, BitRange{HasStart: true, Start: 0, HasEnd: true, End: 15, Bit: true}, -1},
		{"e", 0, BitRange{}, -1},
		{"e", 1, BitRange{}, -1},
		{"nosuch", 0, BitRange{}, 0},
		{"nosuch", 1, BitRange{HasStart: true, Start: 1, HasEnd: true, End: 2}, -1},
	}
	for _, c := range cases {
		if got := bxPos(s, c.key, c.bit, c.r); got != c.want {
			t.Errorf("BITPOS %s %d %+v = %d, want %d", c.key, c.bit, c.r, got, c.want)
		}
	}
}

func TestBitmaps_BitOp(t *testing.T) {
	s, _ := newTestStore(t, 1)
	a, b := keysOnShards(t, s)
	set(s, 0, string(a), "\x0f\xf0", 0)
	set(s, 0, string(b), "\xff", 0)
	set(s, 0, "d", "old", now+60_000)
	op := func(kind BitOpKind, srcs ...[]byte) (int64, Status) {
		keys := append([][]byte{[]byte("d")}, srcs...)
		m := s.LockKeys(keys, now)
		defer m.Unlock()
		return m.BitOp(0, kind, []byte("d"), srcs)
	}
	for _, c := range []struct {
		kind BitOpKind
		srcs [][]byte
		want string
	}{
		{BitAnd, [][]byte{a, b}, "\x0f\x00"},
		{BitOr, [][]byte{a, b, []byte("nosuch")}, "\xff\xf0"},
		{BitXor, [][]byte{a, b}, "\xf0\xf0"},
		{BitNot, [][]byte{a}, "\xf0\x0f"},
		{BitAnd, [][]byte{b, a}, "\x0f\x00"},
		{BitAnd, [][]byte{[]byte("nosuch"), a}, "\x00\x00"},
	} {
		n, st := op(c.kind, c.srcs...)
		v, dl := get(s, 0, "d")
		if st != OK || n != int64(len(c.want)) || v != c.want || dl != 0 {
			t.Fatalf("BITOP %d: %d %v %q deadline %d, want %q and no TTL", c.kind, n, st, v, dl, c.want)
		}
	}
	if n, _ := op(BitOr, []byte("nosuch")); n != 0 {
		t.Fatal("BITOP of absent keys")
	}
	if v, _ := get(s, 0, "d"); v != "<none>" {
		t.Fatal("an empty BITOP result did not delete the destination")
	}
	set(s, 0, "o", "x", 0)
	fxMakeOtherKind(t, s, "o")
	if _, st := op(BitOr, a, []byte("o")); st != WrongType {
		t.Fatal("BITOP from another type")
	}
}

func TestBitmaps_BitField(t *testing.T) {
	s, rec := newTestStore(t, 1)
	run := func(key string, ops ...BitFieldOp) []BitFieldResult {
		var out []BitFieldResult
		fxDo(s, key, now, func(x *Exec) { out, _ = x.BitField(0, []byte(key), ops, nil) })
		return out
	}
	same := func(got []BitFieldResult, want ...any) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i, w := range want {
			if w == nil && !got[i].Null || w != nil && (got[i].Null || got[i].Value != int64(w.(int))) {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	}
	u8 := func(op uint8, off uint64, v int64, ow uint8) BitFieldOp {
		return BitFieldOp{Op: op, Bits: 8, Offset: off, Value: v, Overflow: ow}
	}
	same(run("bf", u8(BitFieldSet, 0, 255, OverflowWrap), u8(BitFieldGet, 0, 0, 0)), 0, 255)
	same(run("bf", u8(BitFieldIncrBy, 0, 1, OverflowWrap)), 0)
	same(run("bf", u8(BitFieldIncrBy, 0, 300, OverflowSat)), 255)
	same(run("bf", u8(BitFieldIncrBy, 0, 1, OverflowFail)), nil)
	same(run("bf", BitFieldOp{Op: BitFieldSet, Signed: true, Bits: 8, Value: -128}, BitFieldOp{Op: BitFieldGet, Signed: true, Bits: 8}), -1, -128)
	same(run("bf", BitFieldOp{Op: BitFieldIncrBy, Signed: true, Bits: 64, Offset: 8, Value: math.MaxInt64, Overflow: OverflowSat},
		BitFieldOp{Op: BitFieldIncrBy, Signed: true, Bits: 64, Offset: 8, Value: 1, Overflow: OverflowSat},
		BitFieldOp{Op: BitFieldIncrBy, Signed: true, Bits: 64, Offset: 8, Value: 1, Overflow: OverflowWrap},
		BitFieldOp{Op: BitFieldGet, Bits: 63, Offset: 8}), math.MaxInt64, math.MaxInt64, math.MinInt64, 1<<62)
	same(run("nosuch", u8(BitFieldGet, 100, 0, 0)), 0)
	if v, _ := get(s, 0, "nosuch"); v != "<none>" {
		t.Fatal("BITFIELD GET created the key")
	}
	rec.take(t)
	// A write that changes nothing ships nothing; a failed write of an
	// absent key still creates it, zero-filled, as Redis.
	same(run("bf", u8(BitFieldSet, 0, 128, OverflowWrap)), 128)
	if ds := rec.take(t); len(ds) != 0 {
		t.Fatalf("an unchanged BITFIELD SET shipped %d deltas", len(ds))
	}
	same(run("nb", BitFieldOp{Op: BitFieldIncrBy, Bits: 2, Value: 5, Overflow: OverflowFail}), nil)
	if v, _ := get(s, 0, "nb"); v != "\x00" {
		t.Fatalf("nb = %q", v)
	}
	if ds := rec.take(t); len(ds) != 1 || ds[0].Op != core.OpStrSet {
		t.Fatalf("creating nb shipped %v", ds)
	}
}

// TestBitmaps_FieldHelpers checks the bit-level helpers against Redis's
// definitions on the edge widths.
func TestBitmaps_FieldHelpers(t *testing.T) {
	p := make([]byte, 10)
	setField(p, 3, 64, 0x8000_0000_0000_0001)
	if getField(p, 3, 64) != 0x8000_0000_0000_0001 || getSigned(p, 3, 64) != math.MinInt64+1 {
		t.Fatal("64-bit field")
	}
	if !bytes.Equal(p[:2], []byte{0x10, 0x00}) {
		t.Fatalf("layout %x", p)
	}
	for _, c := range []struct {
		v, incr int64
		n       uint8
		over    bool
		wrap    int64
	}{
		{127, 1, 8, true, -128},
		{-128, -1, 8, true, 127},
		{math.MaxInt64, 1, 64, true, math.MinInt64},
		{math.MinInt64, -1, 64, true, math.MaxInt64},
		{5, -3, 4, false, 0},
		{100, 0, 4, true, 4},
	} {
		over, w := overflowSigned(c.v, c.incr, c.n, OverflowWrap)
		if over != c.over || (over && w != c.wrap) {
			t.Errorf("overflowSigned(%d, %d, %d) = %v %d", c.v, c.incr, c.n, over, w)
		}
	}
	if over, w := overflowUnsigned(math.MaxUint64, 0, 8, OverflowWrap); !over || w != 255 {
		t.Errorf("unsigned SET -1 u8: %v %d", over, w)
	}
	if over, w := overflowUnsigned(3, -5, 8, OverflowSat); !over || w != 0 {
		t.Errorf("unsigned underflow SAT: %v %d", over, w)
	}
}

func TestAllocs_ShardSetBit(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	key := []byte("bits")
	fxSet(s, "bits", string(make([]byte, 4096)), SetOptions{}, fxNow)
	sh := s.ShardFor(key)
	i := 0
	n := testing.AllocsPerRun(1000, func() {
		x := sh.Lock(fxNow)
		x.SetBit(0, key, uint64(i%(4096*8)), i/(4096*8)%2 == 0)
		i++
		sh.Unlock()
	})
	if n != 0 {
		t.Fatalf("SETBIT: %.1f allocations", n)
	}
}

// BenchmarkBitmaps_SetBit flips one bit of a string: SEMANTICS.md section
// 1 makes SETBIT a whole-value write, so its cost grows with the string
// (64 bytes, 1 MB).
func BenchmarkBitmaps_SetBit(b *testing.B) {
	for _, size := range []int{64, 1 << 20} {
		b.Run(map[int]string{64: "64B", 1 << 20: "1MB"}[size], func(b *testing.B) {
			s := fxStore(b, Config{Shards: 1})
			key := []byte("bits")
			fxSet(s, "bits", string(make([]byte, size)), SetOptions{}, fxNow)
			sh := s.ShardFor(key)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				x := sh.Lock(fxNow)
				// One pass sets every bit, the next clears them: every
				// call changes the string.
				x.SetBit(0, key, uint64(i%(size*8)), i/(size*8)%2 == 0)
				i++
				sh.Unlock()
			}
		})
	}
}

// BenchmarkBitmaps_BitCount1MB counts the set bits of a 1 MB string.
func BenchmarkBitmaps_BitCount1MB(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	v := make([]byte, 1<<20)
	for i := range v {
		v[i] = byte(i * 7)
	}
	fxSet(s, "bits", string(v), SetOptions{}, fxNow)
	key := []byte("bits")
	sh := s.ShardFor(key)
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		x := sh.Lock(fxNow)
		x.BitCount(0, key, BitRange{})
		sh.Unlock()
	}
}
