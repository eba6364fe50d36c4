package core

import (
	"encoding/binary"
	"slices"
)

// AppendVisible appends a canonical encoding of what clients can read of e
// at nowMs: its type, value and expiry, independent of the order writes
// arrived in and of the CRDT bookkeeping behind them (contexts, tombstones,
// losing types' data). Two regions whose keys read the same produce the
// same bytes, which is what a convergence check (AA DIGEST) compares.
func (e *Entry) AppendVisible(dst []byte, nowMs int64) []byte {
	if !e.Live() || e.Expired(nowMs) {
		return append(dst, byte(KindNone))
	}
	dst = append(dst, byte(e.Kind))
	dst = binary.AppendVarint(dst, e.Deadline())
	field := func(b []byte) {
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		dst = append(dst, b...)
	}
	switch {
	case e.Kind == KindString:
		v, _ := e.Value(nil)
		field(v)
	case e.Kind.HasFields():
		if e.Fields == nil {
			break
		}
		names := make([]string, 0, e.Fields.Len())
		e.Fields.Each(func(name string, _ *Register) bool {
			names = append(names, name)
			return true
		})
		slices.Sort(names)
		dst = binary.AppendUvarint(dst, uint64(len(names)))
		var scratch []byte
		for _, n := range names {
			field([]byte(n))
			v, _ := e.Fields.M[n].Value(scratch[:0])
			field(v)
		}
	case e.Kind == KindList:
		if l := e.List(); l != nil {
			dst = binary.AppendUvarint(dst, uint64(l.Len()))
			l.Range(0, l.Len(), func(v []byte) bool {
				field(v)
				return true
			})
		}
	case e.Kind == KindHLL:
		if h := e.HLL(); h != nil {
			var regs HLLRegs
			h.MaxInto(&regs)
			dst = append(dst, regs[:]...)
		}
	}
	return dst
}
