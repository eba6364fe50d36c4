package shard

import (
	"sync"

	"github.com/meridiandb/meridian/core"
)

// HyperLogLog operations (PFADD, PFCOUNT, PFMERGE). An HLL key is a
// core.HLL (KindHLL); Redis keeps HyperLogLogs as strings, so a string key
// holding a valid Redis HLL string (SET from a dump, or from another Redis)
// is read as one, and turned into a core.HLL by its first write. The
// typed errors core.ErrNotHLL and core.ErrCorruptHLL say a string is not a
// usable HLL.

// hllScratch is the per-operation scratch of HLL commands: a patch and a
// plain sketch, 32 KB together, too big for the stack and for every
// shard's Exec when most shards never see an HLL, so they are pooled.
type hllScratch struct {
	patch core.HLLPatch
	regs  core.HLLRegs
}

var hllPool = sync.Pool{New: func() any { return new(hllScratch) }}

func getHLLScratch() *hllScratch { return hllPool.Get().(*hllScratch) }

func putHLLScratch(s *hllScratch) {
	s.patch.Reset()
	hllPool.Put(s)
}

// stringOf is the value a string command sees in e: a string's value, or
// an HLL's Redis string form (dense form aliasing the HLL, else built in
// scratch). WrongType for every other kind.
func (x *Exec) stringOf(e *core.Entry) ([]byte, Status) {
	switch e.Kind {
	case core.KindString:
		v, _ := e.Value(x.scratch[:0])
		return v, OK
	case core.KindHLL:
		if h := e.HLL(); h != nil {
			return h.RedisString(x.scratch[:0]), OK
		}
	}
	return nil, WrongType
}

// PFAdd adds elems to the HLL at key (PFADD) and reports whether a
// register changed or the key was created, Redis's reply 1. A string key
// holding a Redis HLL string is converted by the first add that changes a
// register; other strings fail with core.ErrNotHLL.
func (x *Exec) PFAdd(db int, key []byte, elems [][]byte) (bool, Status, error) {
	s := getHLLScratch()
	defer putHLLScratch(s)
	for _, el := range elems {
		s.patch.AddElement(el)
	}
	var from *core.HLLHeader
	if e := x.Peek(db, key); e != nil {
		switch e.Kind {
		case core.KindHLL:
		case core.KindString:
			hdr, changes, err := x.fromString(e, s)
			if err != nil || !changes {
				return false, OK, err
			}
			from = &hdr
		default:
			return false, WrongType, nil
		}
	}
	return x.hllWrite(db, key, &s.patch, from), OK, nil
}

// fromString prepares the conversion of a string key holding a Redis HLL
// string: it reports whether s.patch raises any of its registers, and if
// so adds them all to the patch (the converted HLL must hold them).
func (x *Exec) fromString(e *core.Entry, s *hllScratch) (core.HLLHeader, bool, error) {
	v, _ := e.Value(x.scratch[:0])
	s.regs.Reset()
	hdr, err := core.ParseHLLString(v, &s.regs)
	if err != nil {
		return hdr, false, err
	}
	if !s.patch.RaisesOver(&s.regs) {
		return hdr, false, nil
	}
	s.patch.AddRegs(&s.regs)
	s.patch.Dense = s.patch.Dense || hdr.Dense
	return hdr, true, nil
}

// hllWrite applies a local HLL write of p to key, creating the HLL (or
// replacing a string's value by it) when needed, and ships the delta. It
// reports whether anything changed. from is the header of the Redis string
// being converted, whose cached cardinality the HLL keeps (stale).
func (x *Exec) hllWrite(db int, key []byte, p *core.HLLPatch, from *core.HLLHeader) bool {
	e := x.LookupWrite(db, key)
	dot, part := x.peekDot(key)
	if !e.HLLWrite(&x.delta, dot, x.clock.Now(x.now), p) {
		return false // a live HLL that p does not raise: nothing to ship
	}
	x.seqs[part] = dot.Seq
	x.emit(db, key, part)
	if h := e.HLL(); h != nil && from != nil {
		h.SetCardCache(from.Card)
		h.InvalidateCache()
	}
	x.settle(db, key, e)
	return true
}

// hllUnion raises r to the registers of e (an HLL, or a string holding a
// Redis HLL string) and reports whether Redis would hold that source dense.
func (x *Exec) hllUnion(e *core.Entry, r *core.HLLRegs, wantDense bool) (bool, Status, error) {
	switch e.Kind {
	case core.KindHLL:
		h := e.HLL()
		if h == nil {
			return false, OK, nil
		}
		h.MaxInto(r)
		return wantDense && h.RedisDense(), OK, nil
	case core.KindString:
		v, _ := e.Value(x.scratch[:0])
		hdr, err := core.ParseHLLString(v, r)
		return hdr.Dense, OK, err
	}
	return false, WrongType, nil
}

// PFCount is PFCOUNT of one key: 0 when absent; an HLL's cardinality,
// cached as Redis caches it; a Redis HLL string's cached cardinality when
// valid, else its estimate (the string is not rewritten).
func (x *Exec) PFCount(db int, key []byte) (uint64, Status, error) {
	e := x.Lookup(db, key)
	if e == nil {
		return 0, OK, nil
	}
	switch e.Kind {
	case core.KindHLL:
		if h := e.HLL(); h != nil {
			return h.Count(), OK, nil
		}
		return 0, OK, nil
	case core.KindString:
		v, _ := e.Value(x.scratch[:0])
		hdr, err := core.CheckHLLString(v)
		if err != nil {
			return 0, OK, err
		}
		if hdr.CardValid() {
			return hdr.CardValue(), OK, nil
		}
		s := getHLLScratch()
		defer putHLLScratch(s)
		s.regs.Reset()
		if _, err := core.ParseHLLString(v, &s.regs); err != nil {
			return 0, OK, err
		}
		return s.regs.Count(), OK, nil
	}
	return 0, WrongType, nil
}

// PFCountUnion is PFCOUNT of several keys: the cardinality of their union,
// computed without writing anything. Absent keys count as empty.
func (m Multi) PFCountUnion(db int, keys [][]byte) (uint64, Status, error) {
	s := getHLLScratch()
	defer putHLLScratch(s)
	s.regs.Reset()
	for _, k := range keys {
		x := m.For(k)
		e := x.Lookup(db, k)
		if e == nil {
			continue
		}
		if _, st, err := x.hllUnion(e, &s.regs, false); st != OK || err != nil {
			return 0, st, err
		}
	}
	return s.regs.Count(), OK, nil
}

// PFMerge is PFMERGE: dest becomes the union of itself and srcs (created,
// maybe empty, when absent, as Redis 7 does). As in Redis the destination
// is read as the first source, so a destination that is not an HLL fails
// like a source, and the result is dense when any source is.
func (m Multi) PFMerge(db int, dest []byte, srcs [][]byte) (Status, error) {
	s := getHLLScratch()
	defer putHLLScratch(s)
	s.regs.Reset()
	dense := false
	var from *core.HLLHeader
	for i := -1; i < len(srcs); i++ {
		k := dest
		if i >= 0 {
			k = srcs[i]
		}
		x := m.For(k)
		e := x.Lookup(db, k)
		if e == nil {
			continue
		}
		d, st, err := x.hllUnion(e, &s.regs, true)
		if st != OK || err != nil {
			return st, err
		}
		dense = dense || d
		if i < 0 && e.Kind == core.KindString {
			v, _ := e.Value(x.scratch[:0])
			hdr, _ := core.CheckHLLString(v)
			from = &hdr
		}
	}
	s.patch.AddRegs(&s.regs)
	s.patch.Dense = dense
	xd := m.For(dest)
	if !xd.hllWrite(db, dest, &s.patch, from) {
		// Nothing to ship; Redis still marks the cached count stale.
		if e := xd.Peek(db, dest); e != nil {
			if h := e.HLL(); h != nil {
				h.InvalidateCache()
			}
		}
	}
	return OK, nil
}

// writeFromHLL is WriteFrom (RENAME, COPY) for an HLL source: key becomes a
// new HLL holding src's registers, with src's deadline. A live HLL at key is
// deleted first, so the copy replaces it instead of merging into it.
func (x *Exec) writeFromHLL(db int, key []byte, e, src *core.Entry) {
	h := src.HLL()
	if h == nil {
		x.Abandon(db, key, e)
		return
	}
	if e.HLL() != nil {
		x.Delete(db, key, e)
		e = x.LookupWrite(db, key)
	}
	s := getHLLScratch()
	defer putHLLScratch(s)
	s.patch.AddHLL(h)
	s.patch.Dense = h.RedisDense()
	x.hllWrite(db, key, &s.patch, nil)
	if dst := e.HLL(); dst != nil {
		dst.SetCardCache(h.CardCache())
	}
	if dl := src.Deadline(); dl != 0 {
		x.SetExpiry(db, key, e, dl)
	}
}
