package core

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"slices"
)

// HyperLogLog: Redis's sketch (src/hyperloglog.c) as a CRDT.
//
// # The sketch
//
// 16384 registers of 6 bits (HLL_P = 14). An element is hashed with Redis's
// MurmurHash64A (seed 0xadc83b19); the low 14 bits pick the register, and
// the register may rise to the length of the run of zeros in the other 50
// bits plus one. PFCOUNT is Redis's estimator (Ertl's, as in Redis 5+) over
// the histogram of register values, so the same elements give the same count
// as Redis, bit for bit. Merging two sketches is the register-wise maximum:
// commutative, associative and idempotent, so PFADDs from any regions in any
// order converge (SEMANTICS.md section 6).
//
// # Delete wins
//
// SEMANTICS.md section 6: DEL wins over every concurrent HLL write. The HLL
// keeps D, the causal context of every delete of the key it knows of (a
// version vector: a delete's dot and everything its region had seen). Every
// write belongs to the epoch it was made in, named by the writer's D (the
// delta's Ctx). A write survives exactly when every known delete was known
// to its writer, i.e. when its epoch equals the current D: a delete that the
// writer had not seen is concurrent with it (or later) and wins. So the state
// is just D plus the registers of the one epoch that can be live (the one
// equal to D); when D grows, the registers are dropped, and a late write of
// an older epoch is ignored. D only grows and the registers are a function
// of the set of deltas received (the maximum over those whose epoch equals
// the join of all contexts), so any delivery order, with duplicates, gives
// the same state.
//
// A DEL reaches the HLL through Entry.Delete and Entry.Apply (the hooks
// DescribeObjectDel and ApplyObjectDel below), which add D to the delete's
// context and merge the delete's context into D. When the key changes type,
// the HLL's registers and D are kept apart, not dropped (Entry.target), so
// its delete-wins rule holds across type conflicts too.
//
// # Redis's string form
//
// Redis stores an HLL as a string ("HYLL" header, then sparse or dense
// registers), and clients may GET it, SET it back, or restore it from a
// dump. RedisString renders the registers in that form: the sparse encoding
// while Redis would keep it (at most hll-sparse-max-bytes, no register above
// 32, no dense source merged in), else the dense one. ParseHLLString reads
// either, checking what Redis's isHLLObjectOrReply and its decoders check.

// Sketch geometry (Redis's HLL_P, HLL_Q, HLL_REGISTERS, HLL_BITS).
const (
	hllP         = 14
	hllQ         = 64 - hllP
	HLLRegisters = 1 << hllP // registers per sketch
	hllBits      = 6
	hllRegMax    = 1<<hllBits - 1
	hllDenseSize = (HLLRegisters*hllBits + 7) / 8 // bytes of packed registers
	hllHdrSize   = 16
	// hllSparseMaxBytes is Redis's hll-sparse-max-bytes default: a sparse
	// string longer than this (header included) is promoted to dense.
	hllSparseMaxBytes = 3000
	hllSparseValMax   = 32 // largest register value the sparse VAL opcode holds
	// hllSparseKeep is how many non-zero registers the in-memory sparse
	// form holds before switching to the packed dense array: 4 bytes each,
	// so it never outweighs the 12 KB dense form.
	hllSparseKeep = 2048
)

// Errors of reading a Redis HLL string; package net maps them to Redis's
// texts ("WRONGTYPE Key is not a valid HyperLogLog string value." and
// "INVALIDOBJ Corrupted HLL object detected").
var (
	ErrNotHLL     = errors.New("not a valid HyperLogLog string value")
	ErrCorruptHLL = errors.New("corrupted HLL object")
)

func init() { objectKinds[KindHLL] = func() Object { return &HLL{} } }

// murmur64A is Redis's MurmurHash64A (src/hyperloglog.c) with HLL's seed,
// on a little-endian machine as Redis runs on.
func murmur64A(key []byte) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := uint64(0xadc83b19) ^ (uint64(len(key)) * m)
	for len(key) >= 8 {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	switch len(key) {
	case 7:
		h ^= uint64(key[6]) << 48
		fallthrough
	case 6:
		h ^= uint64(key[5]) << 40
		fallthrough
	case 5:
		h ^= uint64(key[4]) << 32
		fallthrough
	case 4:
		h ^= uint64(key[3]) << 24
		fallthrough
	case 3:
		h ^= uint64(key[2]) << 16
		fallthrough
	case 2:
		h ^= uint64(key[1]) << 8
		fallthrough
	case 1:
		h ^= uint64(key[0])
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen is Redis's hllPatLen: the register of elem and the value it
// may rise to (1..hllQ+1).
func hllPatLen(elem []byte) (int, uint8) {
	h := murmur64A(elem)
	idx := int(h & (HLLRegisters - 1))
	run := bits.TrailingZeros64(h>>hllP|1<<hllQ) + 1
	return idx, uint8(run)
}

// hllSigma and hllTau are Redis's helpers of Ertl's estimator. Products are
// converted explicitly so the compiler cannot fuse them into FMAs: the
// result must round exactly as Redis's compiled C does.
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zp := z
		z += float64(x * y)
		y += y
		if zp == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zp := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if zp == z {
			return z / 3
		}
	}
}

// hllEstimate is Redis's hllCount over a register histogram.
func hllEstimate(hist *[64]int) uint64 {
	const alphaInf = 0.721347520444481703680 // 0.5/ln(2)
	m := float64(HLLRegisters)               // a variable, so every step rounds as in C
	z := m * hllTau((m-float64(hist[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(hist[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(hist[0])/m))
	return uint64(math.Round(float64(float64(alphaInf*m)*m) / z))
}

// denseGet and denseSet address register i of Redis's packed dense layout
// (6 bits per register, least significant bits first).
func denseGet(r []byte, i int) uint8 {
	b, fb := i*hllBits/8, uint(i*hllBits)&7
	v := uint(r[b]) >> fb
	if b+1 < len(r) {
		v |= uint(r[b+1]) << (8 - fb)
	}
	return uint8(v & hllRegMax)
}

func denseSet(r []byte, i int, val uint8) {
	b, fb := i*hllBits/8, uint(i*hllBits)&7
	v := uint(val)
	r[b] = byte(uint(r[b])&^(hllRegMax<<fb) | v<<fb)
	if b+1 < len(r) {
		r[b+1] = byte(uint(r[b+1])&^(hllRegMax>>(8-fb)) | v>>(8-fb))
	}
}

// denseEach calls fn for every register of a packed dense array, four
// registers per three bytes.
func denseEach(r []byte, fn func(i int, v uint8)) {
	for i, j := 0, 0; j+2 < len(r); i, j = i+4, j+3 {
		b0, b1, b2 := r[j], r[j+1], r[j+2]
		fn(i, b0&63)
		fn(i+1, (b0>>6|b1<<2)&63)
		fn(i+2, (b1>>4|b2<<4)&63)
		fn(i+3, b2>>2)
	}
}

// denseHisto adds the registers of a packed dense array to hist.
func denseHisto(r []byte, hist *[64]int) {
	for j := 0; j+2 < len(r); j += 3 {
		b0, b1, b2 := r[j], r[j+1], r[j+2]
		hist[b0&63]++
		hist[(b0>>6|b1<<2)&63]++
		hist[(b1>>4|b2<<4)&63]++
		hist[b2>>2]++
	}
}

// HLLRegs is a plain sketch: one byte per register. It is the scratch of
// unions (PFCOUNT of several keys, PFMERGE) and of reading Redis strings.
type HLLRegs [HLLRegisters]uint8

// Reset zeroes every register.
func (r *HLLRegs) Reset() { clear(r[:]) }

// Count is the estimated cardinality (Redis's hllCount).
func (r *HLLRegs) Count() uint64 {
	var hist [64]int
	for _, v := range r {
		hist[v&63]++
	}
	return hllEstimate(&hist)
}

// HLLHeader is what the 16-byte header of a Redis HLL string says.
type HLLHeader struct {
	Dense bool
	// Card is the cached cardinality, little endian; the top bit of
	// Card[7] set means it is stale.
	Card [8]byte
}

// CardValid reports whether the cached cardinality may be used.
func (h HLLHeader) CardValid() bool { return h.Card[7]&0x80 == 0 }

// CardValue is the cached cardinality.
func (h HLLHeader) CardValue() uint64 { return binary.LittleEndian.Uint64(h.Card[:]) }

// CheckHLLString validates the header of a Redis HLL string as Redis's
// isHLLObjectOrReply does (magic, encoding, exact dense length), without
// decoding the registers: ErrNotHLL when it is not one.
func CheckHLLString(b []byte) (HLLHeader, error) {
	var h HLLHeader
	if len(b) < hllHdrSize || string(b[:4]) != "HYLL" || b[4] > 1 {
		return h, ErrNotHLL
	}
	h.Dense = b[4] == 0
	if h.Dense && len(b) != hllHdrSize+hllDenseSize {
		return h, ErrNotHLL
	}
	copy(h.Card[:], b[8:16])
	return h, nil
}

// ParseHLLString reads a Redis HLL string and raises into's registers to
// its own (a union). It fails with ErrNotHLL on a bad header and with
// ErrCorruptHLL on a sparse encoding that does not describe exactly 16384
// registers, as Redis's decoders do; into is then partly updated.
func ParseHLLString(b []byte, into *HLLRegs) (HLLHeader, error) {
	h, err := CheckHLLString(b)
	if err != nil {
		return h, err
	}
	p := b[hllHdrSize:]
	if h.Dense {
		denseEach(p, func(i int, v uint8) {
			if v > into[i] {
				into[i] = v
			}
		})
		return h, nil
	}
	idx := 0
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c&0xc0 == 0: // ZERO: 00xxxxxx
			idx += int(c&0x3f) + 1
			i++
		case c&0xc0 == 0x40: // XZERO: 01xxxxxx yyyyyyyy
			// A truncated XZERO reads the string's terminating NUL in
			// Redis: do the same, so the same strings are accepted.
			var lo byte
			if i+1 < len(p) {
				lo = p[i+1]
			}
			idx += int(c&0x3f)<<8 | int(lo) + 1
			i += 2
		default: // VAL: 1vvvvvxx
			n := int(c&3) + 1
			v := (c>>2)&0x1f + 1
			if idx+n > HLLRegisters {
				return h, ErrCorruptHLL
			}
			for j := idx; j < idx+n; j++ {
				if v > into[j] {
					into[j] = v
				}
			}
			idx += n
			i++
		}
		if idx > HLLRegisters {
			return h, ErrCorruptHLL
		}
	}
	if idx != HLLRegisters {
		return h, ErrCorruptHLL
	}
	return h, nil
}

// sparseWriter renders registers, visited in increasing index order, in
// Redis's sparse encoding: maximal zero runs (ZERO up to 64, else XZERO) and
// runs of equal values on consecutive registers, four per VAL opcode. With
// dst nil it only measures.
type sparseWriter struct {
	dst     []byte
	n       int
	next    int   // first register not yet encoded
	runIdx  int   // first register of the pending VAL run
	runVal  uint8 // its value (0: no pending run)
	runLen  int
	measure bool
}

func (w *sparseWriter) put(b ...byte) {
	w.n += len(b)
	if !w.measure {
		w.dst = append(w.dst, b...)
	}
}

func (w *sparseWriter) zeros(n int) {
	switch {
	case n <= 0:
	case n <= 64:
		w.put(byte(n - 1))
	default:
		w.put(byte(0x40|(n-1)>>8), byte((n-1)&0xff))
	}
}

func (w *sparseWriter) flushRun() {
	if w.runVal == 0 {
		return
	}
	for w.runLen > 0 {
		l := min(w.runLen, 4)
		w.put(0x80 | (w.runVal-1)<<2 | byte(l-1))
		w.runLen -= l
	}
	w.runVal = 0
}

// reg adds non-zero register i (increasing i) with value v (1..32).
func (w *sparseWriter) reg(i int, v uint8) {
	if w.runVal != 0 && v == w.runVal && i == w.runIdx+w.runLen {
		w.runLen++
		w.next = i + 1
		return
	}
	w.flushRun()
	w.zeros(i - w.next)
	w.runIdx, w.runVal, w.runLen = i, v, 1
	w.next = i + 1
}

func (w *sparseWriter) finish() {
	w.flushRun()
	w.zeros(HLLRegisters - w.next)
}

// HLL is the state of a HyperLogLog key (see the notes above). It
// implements Object. Owning shard only.
type HLL struct {
	// del is D: the join of the contexts of every delete known. Only the
	// epoch equal to del can be live.
	del VV
	// live: a write of epoch del has been applied (the key exists, maybe
	// with every register zero, as after a bare PFADD).
	live bool
	// denseHint: a write of this epoch merged a dense source, so the string
	// form is dense, as Redis's PFMERGE makes it.
	denseHint bool
	// sparse holds the non-zero registers as idx<<8|value, sorted by index,
	// while dense is nil.
	sparse []uint32
	// dense is a whole Redis dense string (header, then the packed
	// registers) once the registers outgrew sparse; GET returns it as is.
	dense []byte
	// card is Redis's cached cardinality as in the string header (top bit
	// of card[7] set: stale). Local bookkeeping, not replicated: Redis
	// keeps it in the value, and GET shows it.
	card [8]byte
}

// get returns register i.
func (h *HLL) get(i int) uint8 {
	if h.dense != nil {
		return denseGet(h.dense[hllHdrSize:], i)
	}
	if j, ok := h.find(i); ok {
		return uint8(h.sparse[j])
	}
	return 0
}

func (h *HLL) find(i int) (int, bool) {
	return slices.BinarySearchFunc(h.sparse, uint32(i), func(e, t uint32) int { return int(e>>8) - int(t) })
}

// raise lifts register i to v and reports whether it rose.
func (h *HLL) raise(i int, v uint8) bool {
	if h.dense != nil {
		r := h.dense[hllHdrSize:]
		if denseGet(r, i) >= v {
			return false
		}
		denseSet(r, i, v)
		return true
	}
	j, ok := h.find(i)
	if ok {
		if uint8(h.sparse[j]) >= v {
			return false
		}
		h.sparse[j] = uint32(i)<<8 | uint32(v)
		return true
	}
	h.sparse = slices.Insert(h.sparse, j, uint32(i)<<8|uint32(v))
	if len(h.sparse) > hllSparseKeep {
		h.toDense()
	}
	return true
}

// toDense switches the registers to the packed dense array.
func (h *HLL) toDense() {
	if h.dense != nil {
		return
	}
	h.dense = make([]byte, hllHdrSize+hllDenseSize)
	copy(h.dense, "HYLL")
	r := h.dense[hllHdrSize:]
	for _, p := range h.sparse {
		denseSet(r, int(p>>8), uint8(p))
	}
	h.sparse = nil
}

// each calls fn for every non-zero register in index order.
func (h *HLL) each(fn func(i int, v uint8)) {
	if h.dense != nil {
		denseEach(h.dense[hllHdrSize:], func(i int, v uint8) {
			if v != 0 {
				fn(i, v)
			}
		})
		return
	}
	for _, p := range h.sparse {
		fn(int(p>>8), uint8(p))
	}
}

// clearEpoch drops the registers of a dead epoch (and their memory: a
// deleted key's tombstone keeps only D).
func (h *HLL) clearEpoch() {
	h.live, h.denseHint = false, false
	h.sparse, h.dense = nil, nil
	h.card = [8]byte{}
}

// learn joins ctx (a delete's context, or the epoch of a write) into D;
// when D grows, the current epoch dies.
func (h *HLL) learn(ctx VV) {
	if ctx.LessEq(h.del) {
		return
	}
	h.del.Merge(ctx)
	h.clearEpoch()
}

// create makes the epoch live, as Redis's createHLLObject: every register
// zero and a zero (valid) cached cardinality.
func (h *HLL) create() {
	if !h.live {
		h.live = true
		h.card = [8]byte{}
	}
}

func (h *HLL) invalidate() { h.card[7] |= 0x80 }

// ApplyDelete merges a delete's context into D: the current epoch dies
// unless the delete was already known (then it is already reflected). This
// is the delete-wins rule in isolation; Entry reaches it through
// ApplyObjectDel.
func (h *HLL) ApplyDelete(ctx VV) { h.learn(ctx) }

// Apply merges one OpHLLAdd delta: Ctx is the epoch it was written in,
// Value the registers it raised (see the value format below). A delta whose value
// does not decode is ignored whole (every region ignores it alike).
func (h *HLL) Apply(d *Delta, _ bool) {
	if d.Op != OpHLLAdd {
		return
	}
	flags, payload, ok := parseHLLValue(d.Value)
	if !ok {
		return
	}
	h.learn(d.Ctx)
	if !h.del.Equal(d.Ctx) {
		return // an older epoch: a delete its writer had not seen won
	}
	changed := !h.live
	h.create()
	if flags&hllFlagDenseHint != 0 && !h.denseHint {
		h.denseHint, changed = true, true
	}
	if hllEachValue(flags, payload, func(i int, v uint8) bool { return h.raise(i, v) }) {
		changed = true
	}
	if changed {
		// As Redis's PFADD: even a write that only created the key
		// marks the cache stale.
		h.invalidate()
	}
}

// Merge joins another HLL's full state (full sync, Entry.Clone).
func (h *HLL) Merge(o Object, _ bool) {
	oh, ok := o.(*HLL)
	if !ok {
		return
	}
	h.learn(oh.del)
	if !oh.live || !oh.del.Equal(h.del) {
		return
	}
	fresh := !h.live
	h.create()
	if oh.denseHint {
		h.denseHint = true
	}
	oh.each(func(i int, v uint8) { h.raise(i, v) })
	if fresh {
		h.card = oh.card
	} else {
		h.invalidate()
	}
}

// Live reports whether the key exists.
func (h *HLL) Live() bool { return h.live }

// Deletes is D, the context of the deletes this HLL knows (tests, digests).
// The result aliases the HLL.
func (h *HLL) Deletes() VV { return h.del }

// histo fills the histogram of the registers.
func (h *HLL) histo(hist *[64]int) {
	if h.dense != nil {
		denseHisto(h.dense[hllHdrSize:], hist)
		return
	}
	hist[0] = HLLRegisters - len(h.sparse)
	for _, p := range h.sparse {
		hist[p&63]++
	}
}

// Count is PFCOUNT of this key: Redis's cached cardinality when valid,
// else the estimate, which it then caches, as Redis does.
func (h *HLL) Count() uint64 {
	if h.card[7]&0x80 == 0 {
		return binary.LittleEndian.Uint64(h.card[:])
	}
	var hist [64]int
	h.histo(&hist)
	n := hllEstimate(&hist)
	binary.LittleEndian.PutUint64(h.card[:], n)
	return n
}

// InvalidateCache marks the cached cardinality stale, as Redis's PFMERGE
// does to its destination even when no register changed.
func (h *HLL) InvalidateCache() { h.invalidate() }

// CardCache is Redis's cached-cardinality field as GET shows it.
func (h *HLL) CardCache() [8]byte { return h.card }

// SetCardCache installs a cached-cardinality field: the one of the Redis
// string this HLL was converted from, or of the HLL it copies. It must be
// true of the registers, or marked stale.
func (h *HLL) SetCardCache(card [8]byte) { h.card = card }

// MaxInto raises r's registers to this HLL's (a union).
func (h *HLL) MaxInto(r *HLLRegs) {
	if h.dense == nil {
		for _, p := range h.sparse {
			if i, v := int(p>>8), uint8(p); v > r[i] {
				r[i] = v
			}
		}
		return
	}
	d := h.dense[hllHdrSize:]
	for j, i := 0, 0; j+2 < len(d) && i+3 < len(r); j, i = j+3, i+4 {
		b0, b1, b2 := d[j], d[j+1], d[j+2]
		r[i] = max(r[i], b0&63)
		r[i+1] = max(r[i+1], (b0>>6|b1<<2)&63)
		r[i+2] = max(r[i+2], (b1>>4|b2<<4)&63)
		r[i+3] = max(r[i+3], b2>>2)
	}
}

// sparseFits reports whether Redis would hold these registers in its
// sparse encoding, and how long that encoding is.
func (h *HLL) sparseFits() (int, bool) {
	if h.denseHint {
		return 0, false
	}
	w := sparseWriter{measure: true}
	const limit = hllSparseMaxBytes - hllHdrSize
	if h.dense == nil {
		for _, p := range h.sparse {
			if uint8(p) > hllSparseValMax {
				return 0, false
			}
			w.reg(int(p>>8), uint8(p))
		}
	} else {
		d := h.dense[hllHdrSize:]
		var v [4]uint8
		for j, i := 0, 0; j+2 < len(d); j, i = j+3, i+4 {
			b0, b1, b2 := d[j], d[j+1], d[j+2]
			v = [4]uint8{b0 & 63, (b0>>6 | b1<<2) & 63, (b1>>4 | b2<<4) & 63, b2 >> 2}
			for k, x := range v {
				if x == 0 {
					continue
				}
				if x > hllSparseValMax || w.n > limit {
					return 0, false
				}
				w.reg(i+k, x)
			}
		}
	}
	w.finish()
	return w.n, w.n <= limit
}

// RedisDense reports whether Redis would hold this HLL in its dense
// encoding (PFMERGE then makes its destination dense too).
func (h *HLL) RedisDense() bool {
	_, fits := h.sparseFits()
	return !fits
}

// RedisString is the key's value as Redis shows it to GET: a Redis HLL
// string. It is either the HLL's own dense buffer (valid until the HLL
// changes) or built in scratch.
func (h *HLL) RedisString(scratch []byte) []byte {
	n, fits := h.sparseFits()
	if fits {
		out := slices.Grow(scratch[:0], hllHdrSize+n)
		out = append(out, "HYLL\x01\x00\x00\x00"...)
		out = append(out, h.card[:]...)
		w := sparseWriter{dst: out}
		h.each(w.reg)
		w.finish()
		return w.dst
	}
	if h.dense != nil {
		h.dense[4] = 0
		copy(h.dense[8:16], h.card[:])
		return h.dense
	}
	out := slices.Grow(scratch[:0], hllHdrSize+hllDenseSize)
	out = append(out, "HYLL\x00\x00\x00\x00"...)
	out = append(out, h.card[:]...)
	out = append(out, make([]byte, hllDenseSize)...)
	r := out[hllHdrSize:]
	h.each(func(i int, v uint8) { denseSet(r, i, v) })
	return out
}

// The value of an OpHLLAdd delta: empty (the write only creates the key),
// or a flags byte followed by the registers raised, either as pairs (three
// bytes each: index little endian, value; indexes strictly increasing,
// values 1..63) or, when that is shorter, as a packed dense array.
const (
	hllFlagDenseHint = 1 << 0 // the write merged a dense source (see HLL.denseHint)
	hllFlagPacked    = 1 << 1 // the payload is a packed dense array
	hllFlagsKnown    = hllFlagDenseHint | hllFlagPacked
)

// parseHLLValue checks an OpHLLAdd value without applying it.
func parseHLLValue(v []byte) (flags byte, payload []byte, ok bool) {
	if len(v) == 0 {
		return 0, nil, true
	}
	flags, payload = v[0], v[1:]
	if flags&^hllFlagsKnown != 0 {
		return 0, nil, false
	}
	if flags&hllFlagPacked != 0 {
		return flags, payload, len(payload) == hllDenseSize
	}
	if len(payload)%3 != 0 {
		return 0, nil, false
	}
	prev := -1
	for j := 0; j < len(payload); j += 3 {
		i := int(binary.LittleEndian.Uint16(payload[j:]))
		val := payload[j+2]
		if i >= HLLRegisters || i <= prev || val == 0 || val > hllRegMax {
			return 0, nil, false
		}
		prev = i
	}
	return flags, payload, true
}

// hllEachValue calls fn for every register a checked value raises and
// reports whether any call returned true.
func hllEachValue(flags byte, payload []byte, fn func(i int, v uint8) bool) bool {
	any := false
	if flags&hllFlagPacked != 0 {
		denseEach(payload, func(i int, v uint8) {
			if v != 0 && fn(i, v) {
				any = true
			}
		})
		return any
	}
	for j := 0; j+2 < len(payload); j += 3 {
		if fn(int(binary.LittleEndian.Uint16(payload[j:])), payload[j+2]) {
			any = true
		}
	}
	return any
}

// DecodeHLLValue reads the value of an OpHLLAdd delta into r (a union of
// the registers it raises) and reports whether it is well formed and
// whether it carries the dense hint. For tests and tools; Apply checks the
// same way.
func DecodeHLLValue(v []byte, r *HLLRegs) (denseHint, ok bool) {
	flags, payload, ok := parseHLLValue(v)
	if !ok {
		return false, false
	}
	hllEachValue(flags, payload, func(i int, val uint8) bool {
		if val > r[i] {
			r[i] = val
		}
		return true
	})
	return flags&hllFlagDenseHint != 0, true
}

// HLLPatch collects the register raises of one write (PFADD's elements,
// PFMERGE's sources, a converted string) before Entry.HLLWrite filters them
// against the key and encodes the delta. Reusable: Reset costs only what
// was touched. Owning shard only.
type HLLPatch struct {
	regs    HLLRegs
	touched []uint16
	// Dense says the write merges a source Redis holds dense, so the result
	// is dense as well (Redis's PFMERGE use_dense).
	Dense bool
	buf   []byte
}

// Reset empties the patch.
func (p *HLLPatch) Reset() {
	for _, i := range p.touched {
		p.regs[i] = 0
	}
	p.touched = p.touched[:0]
	p.Dense = false
}

// Raise asks for register i to be at least v.
func (p *HLLPatch) Raise(i int, v uint8) {
	if v > p.regs[i] {
		if p.regs[i] == 0 {
			p.touched = append(p.touched, uint16(i))
		}
		p.regs[i] = v
	}
}

// AddElement adds one PFADD element.
func (p *HLLPatch) AddElement(elem []byte) {
	i, v := hllPatLen(elem)
	p.Raise(i, v)
}

// AddRegs asks for every register of r.
func (p *HLLPatch) AddRegs(r *HLLRegs) {
	for i, v := range r {
		if v != 0 {
			p.Raise(i, v)
		}
	}
}

// AddHLL asks for every register of h.
func (p *HLLPatch) AddHLL(h *HLL) { h.each(p.Raise) }

// RaisesOver reports whether the patch would raise any register of r.
func (p *HLLPatch) RaisesOver(r *HLLRegs) bool {
	for _, i := range p.touched {
		if p.regs[i] > r[i] {
			return true
		}
	}
	return false
}

// keepRaising drops the registers h already has at least as high.
func (p *HLLPatch) keepRaising(h *HLL) {
	n := 0
	for _, i := range p.touched {
		if p.regs[i] <= h.get(int(i)) {
			p.regs[i] = 0
			continue
		}
		p.touched[n] = i
		n++
	}
	p.touched = p.touched[:n]
}

// encode renders the patch as an OpHLLAdd value into p's buffer.
func (p *HLLPatch) encode() []byte {
	var flags byte
	if p.Dense {
		flags |= hllFlagDenseHint
	}
	if len(p.touched) == 0 && flags == 0 {
		return p.buf[:0]
	}
	b := append(p.buf[:0], flags)
	if 3*len(p.touched) > hllDenseSize {
		b[0] |= hllFlagPacked
		b = append(b, make([]byte, hllDenseSize)...)
		r := b[1:]
		for _, i := range p.touched {
			denseSet(r, int(i), p.regs[i])
		}
	} else {
		slices.Sort(p.touched)
		for _, i := range p.touched {
			b = append(b, byte(i), byte(i>>8), p.regs[i])
		}
	}
	p.buf = b
	return b
}

// HLL returns the key's HLL when it holds a live one.
func (e *Entry) HLL() *HLL {
	if e.Kind != KindHLL || e.body == nil {
		return nil
	}
	h, _ := e.Obj.(*HLL)
	if h == nil || !h.live {
		return nil
	}
	return h
}

// HLLWrite is a local PFADD/PFMERGE: it raises the key's registers to p's
// (creating the HLL when the key is absent or holds another type, which
// the write's type stamp then replaces). It reports whether anything
// changed: false when the key already was a live HLL that p does not
// raise, and then d is untouched and nothing must be shipped. p is left
// holding only the raises (and is Reset by the caller).
func (e *Entry) HLLWrite(d *Delta, dot Dot, ts Timestamp, p *HLLPatch) bool {
	e.open()
	h := e.HLL()
	if h != nil {
		p.keepRaising(h)
		if len(p.touched) == 0 && (!p.Dense || h.denseHint) {
			return false
		}
	}
	d.reset(OpHLLAdd, dot, ts)
	e.stamp(d, KindHLL)
	// The write's epoch is every delete this region knows of the key's
	// HLL, wherever it is kept: an HLL removed while another type showed
	// still remembers its deletes, and a write outside their epoch would
	// die on arrival everywhere, this region included.
	if old := e.hllData(); old != nil {
		d.Ctx = old.del.AppendTo(d.Ctx)
	}
	d.Value = p.encode()
	e.Apply(d)
	return true
}

// hllData returns the key's HLL, visible or kept invisible after losing a
// type conflict, live or not, or nil.
func (e *Entry) hllData() *HLL {
	if c := e.part(KindHLL, false); c != nil {
		h, _ := c.Obj.(*HLL)
		return h
	}
	return nil
}

// DescribeObjectDel adds to a DEL of the key being described (Entry.Delete,
// after the register part) the delete contexts of the key's HLL, whether
// or not it is the key's visible type, and marks the delete as one of an
// HLL (Kind), so that every region that applies the delete learns them
// and the HLL's current epoch dies everywhere (delete-wins).
func (e *Entry) DescribeObjectDel(d *Delta) {
	e.open()
	if h := e.hllData(); h != nil {
		d.Kind = KindHLL
		d.Ctx.Merge(h.del)
	}
}

// ApplyObjectDel merges a DEL of an HLL into the key's HLL wherever it is
// kept (Entry.Apply, for OpDel). A DEL arriving before any write of the
// HLL makes an empty one that remembers it, with a zero type stamp, below
// any real write's (Entry.target).
func (e *Entry) ApplyObjectDel(d *Delta) {
	e.open()
	if d.Kind != KindHLL {
		return
	}
	c := e.part(KindHLL, true)
	h, _ := c.Obj.(*HLL)
	if h == nil {
		if c.Obj != nil {
			return // another type's object (only in a foreign state)
		}
		h = &HLL{}
		c.Obj = h
	}
	h.learn(d.Ctx)
}
