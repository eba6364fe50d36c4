package core

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// DecodeLimits bound what a decoded delta may claim, so a hostile or broken
// peer cannot make us allocate or loop without end.
type DecodeLimits struct {
	MaxKey   int
	MaxValue int
	MaxRefs  uint64 // elements one list delta may name
}

// DefaultDecodeLimits match Redis's proto-max-bulk-len (512 MB).
var DefaultDecodeLimits = DecodeLimits{MaxKey: 512 << 20, MaxValue: 512 << 20, MaxRefs: 1 << 20}

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = errors.New("corrupt delta")

// AppendDelta appends the binary encoding of d to dst. The layout (all
// integers unsigned varints unless said otherwise):
//
//	op u8 | flags u8 | kind u8 | kindrep u8 | kindts | db | key len, bytes |
//	field len, bytes | replica u8 | seq | ts |
//	value len, bytes | refs: n, (replica u8, seq) | counters: n, (replica u8, seq, int zigzag, inthi zigzag,
//	float 8 bytes LE, floatlo 8 bytes LE) |
//	ctx: n, (replica u8, seq) | expctx: same | deadline zigzag
func AppendDelta(dst []byte, d *Delta) []byte {
	dst = append(dst, byte(d.Op), d.Flags, byte(d.Kind), byte(d.KindRep))
	dst = binary.AppendUvarint(dst, uint64(d.KindTS))
	dst = binary.AppendUvarint(dst, uint64(d.DB))
	dst = binary.AppendUvarint(dst, uint64(len(d.Key)))
	dst = append(dst, d.Key...)
	dst = binary.AppendUvarint(dst, uint64(len(d.Field)))
	dst = append(dst, d.Field...)
	dst = append(dst, byte(d.Dot.Replica))
	dst = binary.AppendUvarint(dst, d.Dot.Seq)
	dst = binary.AppendUvarint(dst, uint64(d.TS))
	dst = binary.AppendUvarint(dst, uint64(len(d.Value)))
	dst = append(dst, d.Value...)
	dst = binary.AppendUvarint(dst, uint64(len(d.Counters)))
	for _, c := range d.Counters {
		dst = appendCounter(dst, c)
	}
	dst = binary.AppendUvarint(dst, uint64(len(d.Refs)))
	for _, x := range d.Refs {
		dst = append(dst, byte(x.Replica))
		dst = binary.AppendUvarint(dst, x.Seq)
	}
	dst = appendVV(dst, d.Ctx)
	dst = appendVV(dst, d.ExpCtx)
	dst = binary.AppendVarint(dst, d.Deadline)
	if d.Flags&FlagRem != 0 {
		dst = appendCounter(dst, d.Rem)
	}
	return dst
}

func appendCounter(dst []byte, c Counter) []byte {
	dst = append(dst, byte(c.Replica))
	dst = binary.AppendUvarint(dst, c.Seq)
	dst = binary.AppendVarint(dst, c.Int)
	dst = binary.AppendVarint(dst, c.IntHi)
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(c.Float))
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(c.FloatLo))
}

func appendVV(dst []byte, v VV) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	for _, x := range v {
		dst = append(dst, byte(x.Replica))
		dst = binary.AppendUvarint(dst, x.Seq)
	}
	return dst
}

type decoder struct {
	b   []byte
	off int
	err error
}

func (r *decoder) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: bad %s at byte %d", ErrCorrupt, what, r.off)
	}
}

func (r *decoder) byte1(what string) byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail(what)
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *decoder) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.off += n
	return v
}

func (r *decoder) varint(what string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.off += n
	return v
}

func (r *decoder) bytes(max int, what string) []byte {
	n := r.uvarint(what)
	if r.err != nil {
		return nil
	}
	if n > uint64(max) || n > uint64(len(r.b)-r.off) {
		r.fail(what)
		return nil
	}
	s := r.b[r.off : r.off+int(n) : r.off+int(n)]
	r.off += int(n)
	return s
}

func (r *decoder) replica(what string) ReplicaID {
	c := r.byte1(what)
	if c >= MaxReplicas {
		r.fail(what)
	}
	return ReplicaID(c)
}

func (r *decoder) vv(dst VV, what string) VV {
	n := r.uvarint(what)
	if n > MaxReplicas {
		r.fail(what)
		return dst[:0]
	}
	dst = dst[:0]
	for i := uint64(0); i < n && r.err == nil; i++ {
		d := Dot{Replica: r.replica(what), Seq: r.uvarint(what)}
		if d.Seq == 0 || (len(dst) > 0 && dst[len(dst)-1].Replica >= d.Replica) {
			r.fail(what)
		}
		dst = append(dst, d)
	}
	return dst
}

// DecodeDelta decodes one delta from the start of b into d, whose Key and
// Value then alias b, and returns the bytes it used. It checks every length
// against lim and every field's invariants (known op, sorted vectors,
// replica ids below MaxReplicas) and never panics.
func DecodeDelta(b []byte, d *Delta, lim DecodeLimits) (int, error) {
	r := decoder{b: b}
	d.Op = Op(r.byte1("op"))
	if d.Op < OpStrSet || d.Op > opLast {
		r.fail("op")
	}
	d.Flags = r.byte1("flags")
	d.Kind = Kind(r.byte1("kind"))
	if d.Kind > kindLast {
		r.fail("kind")
	}
	d.KindRep = r.replica("kindrep")
	d.KindTS = Timestamp(r.uvarint("kindts"))
	db := r.uvarint("db")
	if db > math.MaxUint32 {
		r.fail("db")
	}
	d.DB = uint32(db)
	d.Key = r.bytes(lim.MaxKey, "key")
	d.Field = r.bytes(lim.MaxValue, "field")
	d.Dot.Replica = r.replica("replica")
	d.Dot.Seq = r.uvarint("seq")
	d.TS = Timestamp(r.uvarint("ts"))
	d.Value = r.bytes(lim.MaxValue, "value")
	n := r.uvarint("counters")
	if n > MaxReplicas {
		r.fail("counters")
	}
	d.Counters = d.Counters[:0]
	for i := uint64(0); i < n && r.err == nil; i++ {
		c := r.counter()
		if r.err != nil {
			break
		}
		if len(d.Counters) > 0 && d.Counters[len(d.Counters)-1].Replica >= c.Replica {
			r.fail("counter order")
		}
		d.Counters = append(d.Counters, c)
	}
	nrefs := r.uvarint("refs")
	if nrefs > lim.MaxRefs || nrefs > uint64(len(r.b)-r.off)/2 {
		r.fail("refs")
	}
	d.Refs = d.Refs[:0]
	for i := uint64(0); i < nrefs && r.err == nil; i++ {
		x := Dot{Replica: r.replica("ref"), Seq: r.uvarint("ref")}
		if x.Seq == 0 {
			r.fail("ref")
		}
		d.Refs = append(d.Refs, x)
	}
	d.Ctx = r.vv(d.Ctx, "ctx")
	d.ExpCtx = r.vv(d.ExpCtx, "expctx")
	d.Deadline = r.varint("deadline")
	d.Rem = Counter{}
	if d.Flags&FlagRem != 0 {
		d.Rem = r.counter()
	}
	if r.err != nil {
		return 0, r.err
	}
	return r.off, nil
}

// counter reads one Counter as appendCounter writes it.
func (r *decoder) counter() Counter {
	c := Counter{Replica: r.replica("counter"), Seq: r.uvarint("counter"), Int: r.varint("counter"), IntHi: r.varint("counter")}
	if r.err == nil && len(r.b)-r.off < 16 {
		r.fail("counter")
	}
	if r.err != nil {
		return Counter{}
	}
	c.Float = math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.off:]))
	c.FloatLo = math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.off+8:]))
	r.off += 16
	return c
}
